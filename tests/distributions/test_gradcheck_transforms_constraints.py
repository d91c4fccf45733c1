"""gradcheck (float64) of log_prob, cdf, icdf, entropy and the moments in every parameter; the
transforms and constraints against PyTorch's; every public name documented and annotated."""
import importlib
import inspect

import numpy as np
import pytest

import torchless
from tests.conftest import _torch as torch
from tests.distributions.cases import CASES

L = torchless
D = torchless.distributions


def _float_params(case):
    _, cls, args, kwargs, _, _ = case
    names = [("a", i) for i, v in enumerate(args) if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    names += [("k", n) for n, v in kwargs.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
    return names


# (GeneralizedPareto at concentration exactly 0 switches branch under the finite difference: its
# derivative there is that of the c = 0 branch, as PyTorch's; the nonzero case is checked instead)
GRAD_CASES = [c for c in CASES if _float_params(c) and not c[0].startswith("Binomial-probs")
              and c[0] != "GeneralizedPareto"]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradcheck_float64(case):
    name, cls, args, kwargs, value, quantiles = case
    keys = _float_params(case)
    if cls == "Binomial":  # total_count is an integer parameter: no gradient
        keys = [k for k in keys if k != ("a", 0)]
    inputs = []
    for where, k in keys:
        arr = args[k] if where == "a" else kwargs[k]
        inputs.append(L.tensor(arr, dtype=L.float64, requires_grad=True))

    def build(*params):
        a, kw = list(args), dict(kwargs)
        for (where, k), p in zip(keys, params):
            if where == "a":
                a[k] = p
            else:
                kw[k] = p
        a = [L.tensor(v, dtype=L.float64) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else
             (L.tensor(v) if isinstance(v, np.ndarray) else v) for v in a]
        kw = {n: (L.tensor(v, dtype=L.float64) if isinstance(v, np.ndarray) else v) for n, v in kw.items()}
        for (where, k), p in zip(keys, params):
            if where == "a":
                a[k] = p
            else:
                kw[k] = p
        return getattr(D, cls)(*a, **kw, validate_args=False)

    v = L.tensor(value) if value.dtype.kind == "i" else L.tensor(value, dtype=L.float64)
    if "covariance_matrix" in kwargs or "precision_matrix" in kwargs:
        # the matrix parameter must stay symmetric: check through its symmetric part
        def sym(*params):
            ps = list(params)
            ps[-1] = (ps[-1] + ps[-1].transpose(-2, -1)) / 2
            return ps
    elif "scale_tril" in kwargs:
        # the factor must stay lower triangular (cholesky_solve, in Wishart's log_prob, reads the lower
        # triangle and, as PyTorch's, gives the upper one a gradient too)
        def sym(*params):
            ps = list(params)
            ps[-1] = ps[-1].tril()
            return ps
    else:
        def sym(*params):
            return list(params)

    def f(*params):
        d = build(*sym(*params))
        out = [d.log_prob(v)]
        for q in ("entropy", "cdf", "icdf", "mean", "variance"):
            try:
                if q == "entropy":
                    r = d.entropy()
                elif q == "cdf":
                    if cls in ("Gamma", "Chi2", "InverseGamma"):
                        continue  # PyTorch has no derivative of igamma in its first argument either
                    r = d.cdf(v)
                elif q == "icdf":
                    if quantiles is None:
                        continue
                    r = d.icdf(L.tensor(quantiles, dtype=L.float64))
                else:
                    r = getattr(d, q)
            except NotImplementedError:
                continue
            except RuntimeError:  # Wishart(number df, batched matrix).mean: PyTorch's view error too
                continue
            if r.dtype.is_floating_point and r.requires_grad:
                out.append(r)
        finite = [o for o in out if bool(o.isfinite().all())]
        return tuple(finite)

    assert L.autograd.gradcheck(f, tuple(inputs), eps=1e-6, atol=1e-5, rtol=1e-4)


# ------------------------------------------------------------------------------------- transforms
TRANSFORMS = [
    ("ExpTransform()", "x"),
    ("SigmoidTransform()", "x"),
    ("TanhTransform()", "x / 3"),
    ("SoftplusTransform()", "x"),
    ("AbsTransform()", "x"),
    ("PowerTransform(L.tensor(2.5, dtype=L.float64))", "x.abs() + 0.1"),
    ("AffineTransform(0.5, -2.0)", "x"),
    ("AffineTransform(L.tensor([1.0, 2.0, 3.0], dtype=L.float64), L.tensor([0.5, -1.0, 2.0], dtype=L.float64), "
     "event_dim=1)", "x"),
    ("SoftmaxTransform()", "x"),
    ("ComposeTransform([T.ExpTransform(), T.AffineTransform(1.0, 3.0)])", "x"),
    ("IndependentTransform(T.ExpTransform(), 1)", "x"),
    ("ReshapeTransform((3,), (3, 1))", "x"),
    ("ExpTransform().inv", "x.abs() + 0.1"),
    ("identity_transform", "x"),
    ("StickBreakingTransform()", "x"),
    ("CorrCholeskyTransform()", "x"),
    ("CatTransform([T.ExpTransform(), T.identity_transform], 1, [1, 2])", "x"),
    ("StackTransform([T.ExpTransform(), T.SigmoidTransform()], 0)", "x"),
    ("CumulativeDistributionTransform(L.distributions.Normal(L.tensor(0.5, dtype=L.float64), "
     "L.tensor(2.0, dtype=L.float64)))", "x"),
]


def test_matrix_transforms_against_torch():
    if torch is None:
        pytest.skip("PyTorch is not installed")
    x = np.array([[[0.3, 1.0], [-0.5, 0.2]], [[1.5, -2.0], [0.7, -0.1]]])
    for name in ("LowerCholeskyTransform", "PositiveDefiniteTransform"):
        outs = []
        for lib in (L, torch):
            t = getattr(lib.distributions.transforms, name)()
            xt = lib.tensor(x, dtype=lib.float64)
            y = t(xt)
            outs.append((y.numpy(), t.inv(y).numpy(), repr(t), t.bijective, repr(t.domain), repr(t.codomain)))
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
        np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10)
        assert outs[0][2:] == outs[1][2:]


def _transform(lib, source, x_source):
    T = lib.distributions.transforms
    ns = {"L": lib, "T": T, **{k: getattr(T, k) for k in T.__all__}}
    t = eval(source, ns)
    x = eval(x_source, {"x": lib.tensor(np.array([[0.3, -1.2, 2.0], [0.7, 0.1, -0.4]]), dtype=lib.float64)})
    y = t(x)
    out = {"y": y, "repr": repr(t), "bijective": t.bijective, "domain": repr(t.domain),
           "codomain": repr(t.codomain)}
    try:
        out["inv"] = t.inv(y)
    except NotImplementedError:
        out["inv"] = "NotImplementedError"
    try:
        out["ladj"] = t.log_abs_det_jacobian(x, y)
    except NotImplementedError:
        out["ladj"] = "NotImplementedError"
    try:
        out["sign"] = t.sign if isinstance(t.sign, int) else t.sign.detach().numpy()
    except NotImplementedError:
        out["sign"] = "NotImplementedError"
    out["fshape"] = tuple(t.forward_shape((2, 3)))
    return out


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("source,x", TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_transforms_against_torch(source, x):
    ours, theirs = _transform(L, source, x), _transform(torch, source, x)
    for key in theirs:
        a, b = ours[key], theirs[key]
        if hasattr(b, "detach"):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, err_msg=key)
        elif isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b, (key, a, b)


def test_transform_cache_and_equality():
    T = D.transforms
    t = T.ExpTransform().with_cache(1)
    x = L.tensor([0.5])
    y = t(x)
    assert t.inv(y) is x
    assert T.ExpTransform() == T.ExpTransform() and T.ExpTransform() != T.SigmoidTransform()
    assert T.AffineTransform(1.0, 2.0) == T.AffineTransform(1.0, 2.0)
    assert T.ExpTransform().inv.inv == T.ExpTransform()
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        T.Transform(cache_size=2)


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_transformed_distribution_against_torch():
    def run(lib):
        d = lib.distributions
        base = d.Normal(lib.tensor([0.2, -0.3], dtype=lib.float64), lib.tensor([1.1, 0.7], dtype=lib.float64))
        td = d.TransformedDistribution(base, [d.transforms.AffineTransform(1.0, -2.0), d.transforms.ExpTransform()])
        v = lib.tensor([0.5, 3.0], dtype=lib.float64)
        u = lib.tensor([0.2, 0.9], dtype=lib.float64)
        return (td.batch_shape, td.event_shape, repr(td.support), td.log_prob(v), td.cdf(v), td.icdf(u),
                td.sample((3,)).shape, td.has_rsample, repr(td))
    ours, theirs = run(L), run(torch)
    for a, b in zip(ours, theirs):
        if hasattr(b, "numpy"):
            np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)
        else:
            assert str(a) == str(b)


# ------------------------------------------------------------------------------------ constraints
CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "boolean", "nonnegative_integer",
               "positive_integer", "simplex", "real_vector", "greater_than(0.5)", "greater_than_eq(0.5)",
               "less_than(0.5)", "interval(-1.0, 1.0)", "half_open_interval(-1.0, 1.0)", "integer_interval(0, 2)",
               "independent(positive, 1)", "multinomial(3)", "one_hot"]
MATRIX_CONSTRAINTS = ["lower_triangular", "lower_cholesky", "positive_definite", "positive_semidefinite",
                      "symmetric", "square", "corr_cholesky"]


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@pytest.mark.parametrize("name", CONSTRAINTS + MATRIX_CONSTRAINTS)
def test_constraints_against_torch(name):
    values = np.array([[0.0, 1.0, 2.0], [0.5, 0.25, 0.25], [-1.0, 0.0, 1.0], [float("nan"), 0.3, 0.2],
                       [1.0, 0.0, 0.0], [0.9, 1.0, -0.5]])
    mats = np.array([np.eye(3), [[2.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.5, 0.5, 3.0]],
                     [[2.0, 1.0, 0.0], [1.0, 2.0, 0.0], [0.0, 0.0, 1.0]], [[1.0, 2.0, 0.0], [2.0, 1.0, 0.0],
                                                                           [0.0, 0.0, 1.0]],
                     [[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [0.0, 0.6, 0.8]], -np.eye(3)])
    data = mats if name in MATRIX_CONSTRAINTS else values

    def run(lib):
        c = eval(name, vars(lib.distributions.constraints))
        return repr(c), c.is_discrete, c.event_dim, c.check(lib.tensor(data, dtype=lib.float64)).numpy()
    ours, theirs = run(L), run(torch)
    assert ours[:3] == theirs[:3]
    np.testing.assert_array_equal(ours[3], theirs[3])


def test_dependent_constraints():
    c = D.constraints
    assert c.is_dependent(c.dependent) and not c.is_dependent(c.real)
    with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
        c.dependent.check(L.zeros(1))
    with pytest.raises(NotImplementedError, match="cannot be determined statically"):
        c.dependent.is_discrete
    assert isinstance(D.Uniform.support, c.Constraint) and c.is_dependent(D.Uniform.support)


def test_biject_to_and_transform_to():
    c = D.constraints
    x = L.tensor([-2.0, 0.0, 3.0], dtype=L.float64)
    for constraint in (c.real, c.positive, c.greater_than(1.5), c.less_than(-1.0), c.interval(-2.0, 5.0),
                       c.unit_interval, c.nonnegative):
        for registry in (D.biject_to, D.transform_to):
            y = registry(constraint)(x)
            assert bool(constraint.check(y).all()), (constraint, y)
            np.testing.assert_allclose(registry(constraint).inv(y).numpy(), x.numpy(), rtol=1e-9)
    assert bool(c.simplex.check(D.transform_to(c.simplex)(x)).all())
    y = D.biject_to(c.simplex)(x)
    assert bool(c.simplex.check(y).all()) and y.shape == (4,)
    np.testing.assert_allclose(D.biject_to(c.simplex).inv(y).numpy(), x.numpy(), rtol=1e-9, atol=1e-12)
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean constraints"):
        D.biject_to(c.boolean)


# ------------------------------------------------------------------------------ documentation
MODULES = ["torchless.distributions." + m for m in (
    "distribution", "exp_family", "constraints", "constraint_registry", "transforms", "transformed_distribution",
    "kl", "utils", "normal", "uniform", "bernoulli", "categorical", "multinomial", "beta", "gamma", "chi2",
    "exponential", "multivariate_normal", "laplace", "poisson", "binomial", "geometric", "dirichlet",
    "log_normal", "cauchy", "studentT", "independent", "half_normal", "half_cauchy", "gumbel", "weibull", "pareto",
    "inverse_gamma", "kumaraswamy", "one_hot_categorical", "negative_binomial", "fishersnedecor", "mixture_same_family",
    "relaxed_bernoulli", "relaxed_categorical", "logistic_normal", "lowrank_multivariate_normal",
    "continuous_bernoulli", "generalized_pareto", "von_mises", "lkj_cholesky", "wishart")]


def _public(module_name):
    module = importlib.import_module(module_name)
    for name in module.__all__:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue
        yield f"{module_name}.{name}", value
        if inspect.isclass(value):
            for attr, member in vars(value).items():
                if attr.startswith("_") and attr != "__init__":
                    continue
                if isinstance(member, (staticmethod, classmethod)):
                    member = member.__func__
                if isinstance(member, property):
                    member = member.fget
                if inspect.isfunction(member):
                    yield f"{module_name}.{name}.{attr}", member


def test_public_names_documented_and_annotated():
    missing_doc, unannotated = [], []
    for module_name in MODULES:
        for name, value in _public(module_name):
            if not name.endswith("__init__") and not (value.__doc__ or "").strip():
                missing_doc.append(name)
            if inspect.isfunction(value):
                sig = inspect.signature(value)
                if any(p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")
                       for p in sig.parameters.values()) or sig.return_annotation is inspect.Signature.empty:
                    unannotated.append(name)
    assert not missing_doc, missing_doc
    assert not unannotated, unannotated


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
def test_public_names_are_pytorchs():
    ours = set(dir(D))
    theirs = set(dir(torch.distributions))
    assert ours <= theirs, ours - theirs
    assert set(D.__all__) <= set(torch.distributions.__all__)
    assert set(D.constraints.__all__) == set(torch.distributions.constraints.__all__)

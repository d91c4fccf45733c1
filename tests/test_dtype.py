"""dtype objects, aliases, the default dtype, and PyTorch's type promotion, against PyTorch."""
import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless

from .conftest import _torch, assert_same, requires_torch

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64",
          "complex64", "complex128"]
REAL = [d for d in DTYPES if not d.startswith("complex")]

OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
    "sub": lambda a, b: a - b,
    "maximum": lambda a, b: a.maximum(b) if hasattr(a, "maximum") else None,
    "eq": lambda a, b: a == b,
}


def _make(m, dtype, dim):
    """A tensor of `dtype`: dim 'dim' -> shape (2,), dim '0d' -> shape ()."""
    values = [1, 1] if dtype == "bool" else [3, 2]
    data = values if dim == "dim" else values[0]
    return m.tensor(data, dtype=getattr(m, dtype))


def _result_dtype(m, op, da, dima, db, dimb):
    if {da, db} & {"float16"} and (da.startswith("complex") or db.startswith("complex")):
        return None  # PyTorch makes complex32 here, a dtype torchless does not have (known gap)
    if op == "sub" and "bool" in (da, db):
        return None  # PyTorch refuses bool subtraction; covered in test_bool_subtraction_raises
    if op == "maximum" and ("complex" in da or "complex" in db):
        return None
    try:
        return str(OPS[op](_make(m, da, dima), _make(m, db, dimb)).dtype)
    except (RuntimeError, TypeError) as e:
        return type(e).__name__


# ---------------------------------------------------------------------------- tensor op tensor
@requires_torch
@settings(max_examples=300, deadline=None)
@given(da=st.sampled_from(DTYPES), db=st.sampled_from(DTYPES), op=st.sampled_from(list(OPS)),
       dims=st.sampled_from([("dim", "dim"), ("dim", "0d"), ("0d", "dim"), ("0d", "0d")]))
def test_promotion_matches_torch(da, db, op, dims):
    ours = _result_dtype(torchless, op, da, dims[0], db, dims[1])
    theirs = _result_dtype(_torch, op, da, dims[0], db, dims[1])
    assert ours == theirs, (op, da, db, dims)


@requires_torch
@pytest.mark.parametrize("op", ["add", "mul", "truediv"])
@pytest.mark.parametrize("dims", [("dim", "dim"), ("dim", "0d"), ("0d", "0d")])
def test_promotion_matrix_exhaustive(op, dims):
    """Every dtype pair, collected so one failure shows the whole wrong part of the table."""
    wrong = []
    for da in DTYPES:
        for db in DTYPES:
            ours = _result_dtype(torchless, op, da, dims[0], db, dims[1])
            theirs = _result_dtype(_torch, op, da, dims[0], db, dims[1])
            if ours != theirs:
                wrong.append((da, db, ours, theirs))
    assert not wrong


@requires_torch
@pytest.mark.parametrize("op", ["add", "mul", "truediv"])
def test_promotion_values(op):
    """Not just the dtype: the values computed in the promoted type agree too."""
    for da in REAL:
        for db in REAL:
            ours = OPS[op](_make(torchless, da, "dim"), _make(torchless, db, "dim"))
            theirs = OPS[op](_make(_torch, da, "dim"), _make(_torch, db, "dim"))
            assert_same(ours, theirs, rtol=1e-3)


def test_zero_dim_does_not_upcast_within_category():
    x = torchless.ones(3, dtype=torchless.float32)
    assert (x + torchless.tensor(2.0, dtype=torchless.float64)).dtype is torchless.float32
    i = torchless.ones(3, dtype=torchless.int32)
    assert (i + torchless.tensor(2)).dtype is torchless.int32
    # ... but a higher category wins
    assert (i + torchless.tensor(2.0, dtype=torchless.float64)).dtype is torchless.float64
    assert (torchless.ones(3, dtype=torchless.uint8) + torchless.tensor(2.5)).dtype is torchless.float32


def test_bool_subtraction_raises():
    for m in ([_torch] if _torch is not None else []) + [torchless]:
        with pytest.raises(RuntimeError, match="Subtraction"):
            m.tensor([True]) - m.tensor([False])


# ---------------------------------------------------------------------------- tensor op scalar
SCALARS = [2, 2.5, True, -3]


@requires_torch
@pytest.mark.parametrize("dim", ["dim", "0d"])
@pytest.mark.parametrize("op", ["add", "mul", "truediv", "sub", "radd", "rmul", "rtruediv", "rsub", "pow", "rpow"])
def test_scalar_promotion(op, dim):
    f = {"add": lambda t, s: t + s, "mul": lambda t, s: t * s, "truediv": lambda t, s: t / s,
         "sub": lambda t, s: t - s, "radd": lambda t, s: s + t, "rmul": lambda t, s: s * t,
         "rtruediv": lambda t, s: s / t, "rsub": lambda t, s: s - t, "pow": lambda t, s: t ** s,
         "rpow": lambda t, s: s ** t}[op]
    wrong = []
    for dt in DTYPES:
        for s in SCALARS:
            if op in ("sub", "rsub") and (dt == "bool" or s is True):
                continue
            if op == "pow" and s == -3 and dt not in ("float16", "float32", "float64", "complex64", "complex128"):
                continue  # integers to negative powers: an error in both (tested in ops)
            res, values = [], []
            for m in (torchless, _torch):
                try:
                    r = f(_make(m, dt, dim), s)
                    res.append(str(r.dtype))
                    values.append(np.asarray(r.numpy(), dtype=np.complex128))
                except (RuntimeError, TypeError, NotImplementedError) as e:
                    res.append(type(e).__name__)
            if res[0] != res[1] or (len(values) == 2 and not np.allclose(*values, rtol=1e-3)):
                wrong.append((dt, s, res[0], res[1]))
    assert not wrong


@requires_torch
def test_numpy_scalar_operands():
    # (np.bool_ is left out: PyTorch 2.13 oddly promotes `int_tensor * np.bool_(True)` to float32)
    for s in (np.float64(2.5), np.int64(2), np.float32(1.5), np.int32(3)):
        for dt in ("float32", "int64", "int32"):
            ours = _make(torchless, dt, "dim") * s
            theirs = _make(_torch, dt, "dim") * s
            assert type(ours) is torchless.Tensor
            assert_same(ours, theirs)


# ---------------------------------------------------------------------------- promote_types
@requires_torch
def test_promote_types_all_pairs():
    wrong = []
    for a in DTYPES:
        for b in DTYPES:
            ours = torchless.promote_types(getattr(torchless, a), getattr(torchless, b))
            theirs = _torch.promote_types(getattr(_torch, a), getattr(_torch, b))
            if str(ours) != str(theirs):
                wrong.append((a, b, ours, theirs))
            assert isinstance(ours, torchless.dtype)
    assert not wrong


@requires_torch
def test_result_type_and_can_cast():
    for a, b in [([1, 2], 2.5), ([1.0], [1]), ([True], 2), (3, [1.5]), (2.0, [True])]:
        assert str(torchless.result_type(torchless.tensor(a), torchless.tensor(b) if isinstance(b, list) else b)) == \
            str(_torch.result_type(_torch.tensor(a), _torch.tensor(b) if isinstance(b, list) else b))
    for src in ("float32", "int64", "bool", "uint8", "float64"):
        for dst in ("float32", "int64", "bool", "uint8", "float64"):
            assert torchless.can_cast(getattr(torchless, src), getattr(torchless, dst)) == \
                _torch.can_cast(getattr(_torch, src), getattr(_torch, dst)), (src, dst)


# ---------------------------------------------------------------------------- default dtype
@pytest.fixture
def float64_default():
    old = torchless.get_default_dtype()
    torchless.set_default_dtype(torchless.float64)
    try:
        yield
    finally:
        torchless.set_default_dtype(old)


def test_default_dtype_is_float32():
    assert torchless.get_default_dtype() is torchless.float32
    assert torchless.tensor([1.5]).dtype is torchless.float32
    assert torchless.arange(4.0).dtype is torchless.float32
    assert torchless.zeros(2).dtype is torchless.float32
    assert (torchless.tensor([1, 2]) / 2).dtype is torchless.float32


@pytest.mark.usefixtures("float64_default")
def test_set_default_dtype_float64():
    assert torchless.get_default_dtype() is torchless.float64
    assert torchless.tensor([1.5]).dtype is torchless.float64
    assert torchless.arange(4.0).dtype is torchless.float64
    assert torchless.arange(4).dtype is torchless.int64
    assert torchless.zeros(2).dtype is torchless.float64
    assert torchless.linspace(0, 1, 3).dtype is torchless.float64
    assert torchless.rand(2).dtype is torchless.float64
    assert (torchless.tensor([1, 2]) / 2).dtype is torchless.float64
    assert (torchless.tensor([1, 2]) * 1.5).dtype is torchless.float64
    assert torchless.tensor([1, 2]).exp().dtype is torchless.float64
    # an explicit float32 tensor stays float32 with a Python float
    assert (torchless.ones(2, dtype=torchless.float32) * 1.5).dtype is torchless.float32
    assert torchless.tensor([1j]).dtype is torchless.complex128


def test_default_dtype_restored_after_fixture():
    assert torchless.get_default_dtype() is torchless.float32
    assert torchless.tensor([1.5]).dtype is torchless.float32
    assert (torchless.tensor([1, 2]) / 2).dtype is torchless.float32


@pytest.mark.parametrize("bad", ["int64", "bool", "complex64"])
def test_set_default_dtype_rejects_non_float(bad):
    with pytest.raises(TypeError):
        torchless.set_default_dtype(getattr(torchless, bad))
    assert torchless.get_default_dtype() is torchless.float32
    if _torch is not None:
        with pytest.raises(TypeError):
            _torch.set_default_dtype(getattr(_torch, bad))


@requires_torch
@pytest.mark.parametrize("name", ["float16", "float64"])
def test_set_default_dtype_vs_torch(name):
    old_t, old_o = _torch.get_default_dtype(), torchless.get_default_dtype()
    try:
        _torch.set_default_dtype(getattr(_torch, name))
        torchless.set_default_dtype(getattr(torchless, name))
        for f in (lambda m: m.tensor([1.5, 2]), lambda m: m.arange(0, 1, 0.25), lambda m: m.tensor([1, 2]) / 3,
                  lambda m: m.ones(2, dtype=m.float32) + 1.5, lambda m: m.tensor([1, 2]) + 0.5):
            assert_same(f(torchless), f(_torch), rtol=1e-3)
    finally:
        _torch.set_default_dtype(old_t)
        torchless.set_default_dtype(old_o)


# ---------------------------------------------------------------------------- dtype objects
@pytest.mark.parametrize("name", DTYPES)
def test_dtype_attributes(name):
    d = getattr(torchless, name)
    assert repr(d) == str(d) == f"torch.{name}"
    assert isinstance(d, torchless.dtype)
    if _torch is not None:
        t = getattr(_torch, name)
        assert d.itemsize == t.itemsize
        assert d.is_floating_point == t.is_floating_point
        assert d.is_complex == t.is_complex
        assert d.is_signed == t.is_signed
        assert str(d.to_real()) == str(t.to_real())
        if not t.is_complex and t.is_floating_point and name != "float16":  # no complex32 here
            assert str(d.to_complex()) == str(t.to_complex())
    assert pickle.loads(pickle.dumps(d)) is d
    assert hash(d) == hash(getattr(torchless, name))


def test_aliases():
    T = torchless
    assert T.float is T.float32
    assert T.double is T.float64
    assert T.half is T.float16
    assert T.long is T.int64
    assert T.int is T.int32
    assert T.short is T.int16
    assert T.cfloat is T.complex64
    assert T.cdouble is T.complex128
    assert T.float == T.float32 and T.float != T.float64
    assert {T.float: 1}[T.float32] == 1


@requires_torch
def test_tensor_dtype_is_the_singleton():
    for name in DTYPES:
        t = torchless.zeros(2, dtype=getattr(torchless, name))
        assert t.dtype is getattr(torchless, name)
        assert t.is_floating_point() == _torch.zeros(2, dtype=getattr(_torch, name)).is_floating_point()
        assert t.element_size() == _torch.zeros(2, dtype=getattr(_torch, name)).element_size()


# ---------------------------------------------------------------------------- in-place casting
INPLACE_CASES = [
    ("int64", lambda x: x.__iadd__(1.5)),
    ("int64", lambda x: x.__imul__(2.5)),
    ("int64", lambda x: x.__itruediv__(2)),
    ("int64", lambda x: x.add_(1.5)),
    ("int64", lambda x: x.mul_(torchless.tensor([1.5, 2.0]) if isinstance(x, torchless.Tensor)
                              else _torch.tensor([1.5, 2.0]))),
    ("int32", lambda x: x.__isub__(0.5)),
    ("bool", lambda x: x.__iadd__(1)),
    ("uint8", lambda x: x.__iadd__(1.0)),
    ("float32", lambda x: x.__iadd__(1j)),
    ("int64", lambda x: x.sqrt_()),
    ("int64", lambda x: x.exp_()),
]


@requires_torch
@pytest.mark.parametrize("case", range(len(INPLACE_CASES)))
def test_inplace_downcast_across_categories_raises(case):
    dt, f = INPLACE_CASES[case]
    with pytest.raises(RuntimeError) as theirs:
        f(_make(_torch, dt, "dim"))
    with pytest.raises(RuntimeError) as ours:
        f(_make(torchless, dt, "dim"))
    assert str(ours.value) == str(theirs.value)


def test_inplace_downcast_message():
    x = torchless.tensor([1, 2])
    with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired output type Long"):
        x += 1.5
    assert x.tolist() == [1, 2]  # untouched


@requires_torch
@pytest.mark.parametrize("dt,other", [("float32", [1, 2]), ("float32", 2), ("int32", [1, 2]), ("float16", 2.5),
                                      ("float32", "float64"), ("int64", True), ("uint8", 3)])
def test_inplace_within_category_keeps_dtype(dt, other):
    res = []
    for m in (torchless, _torch):
        x = _make(m, dt, "dim")
        if other == "float64":
            o = m.tensor([1.5, 2.5], dtype=m.float64)
        elif isinstance(other, list):
            o = m.tensor(other)
        else:
            o = other
        x += o
        x *= o
        res.append(x)
    assert_same(*res)

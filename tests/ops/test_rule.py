"""The metadata rules declare (ops/_rule.py): every rule has a batching kind vmap knows (or None),
explain templates name their operands, and the declared dtype behaviour is what the Tensor layer does."""
import importlib
import inspect
import pkgutil

import pytest

import torchless
import torchless.ops as ops_package
from torchless.ops import elementwise as E
from torchless.ops._rule import BATCHING_KINDS, DTYPE_BEHAVIOURS, Explain, Rule


def _rules():
    found = {}
    for info in pkgutil.iter_modules(ops_package.__path__):
        module = importlib.import_module(f"torchless.ops.{info.name}")
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, Rule) and value is not Rule:
                found[f"{info.name}.{name}"] = value
    return found


RULES = _rules()


def test_rules_are_found():
    assert len(RULES) > 100
    assert "elementwise.MulBackward0" in RULES and "shape.CatBackward0" in RULES


@pytest.mark.parametrize("name", sorted(RULES))
def test_every_rule_declares_a_known_batching_kind(name):
    kind = RULES[name].batching
    assert kind is None or kind in BATCHING_KINDS, (name, kind)


@pytest.mark.parametrize("name, kind", [
    ("elementwise.MulBackward0", "elementwise"), ("elementwise.WhereBackward0", "elementwise"),
    ("reduction.SumBackward1", "reduction"), ("reduction.MaxBackward0", "reduction"),
    ("reduction.CumsumBackward0", "dimwise"), ("nn.SoftmaxBackward0", "dimwise"),
    ("shape.PermuteBackward0", "view"), ("shape.StackBackward0", "concat"),
    ("indexing.GatherBackward0", "index"), ("linalg.MmBackward0", "matmul"), ("nn.AddmmBackward0", "matmul"),
    ("nn.MseLossBackward0", "pointwise_loss"), ("nn.NllLossBackward0", "class_loss"),
    ("indexing.ScatterBackward0", "batch_dims"), ("padding.ReflectionPad1DBackward0", "batch_first"),
    ("conv.ConvolutionBackward0", "batch_first"), ("sorting.Unique2Backward0", "loop"),
])
def test_batching_kind_of_some_rules(name, kind):
    assert RULES[name].batching == kind


def test_explain_template_names_its_operands_in_order():
    e = Explain("{a}^{p}", "∂(aᵖ)/∂a = p·aᵖ⁻¹")
    assert e.operands == ("a", "p") and e.arity == 2
    assert e.render("x", "3") == "x^3"
    assert Explain("{b} − {a} · {b}").operands == ("b", "a")
    assert Explain(rule="text only").arity == 0


@pytest.mark.parametrize("name", sorted(n for n, R in RULES.items() if R.explain is not None))
def test_explain_declarations_render(name):
    explain = RULES[name].explain
    assert explain.rule, name  # every declaration says the local rule
    if explain.expression is not None:
        text = explain.render(*[f"<{k}>" for k in range(explain.arity)])
        assert all(f"<{k}>" in text for k in range(explain.arity)), (name, text)
    else:
        assert explain.symbolic is None, name  # a closed form needs the operands the template names


def test_explain_text_lives_on_the_rules_only():
    import pathlib
    import torchless.autograd.derivation as derivation
    source = pathlib.Path(derivation.__file__).read_text()
    assert "Backward0\":" not in source and "Backward0': " not in source  # no table keyed by grad_fn name


# ---------------------------------------------------------------------------------- dtype behaviour

# rule -> a call that records it (on a float tensor that requires grad) and computes the same op
# on an integer tensor; the declared behaviour must be what the Tensor layer does with integers
CALLS = {
    E.ExpBackward0: lambda x: x.exp(), E.Expm1Backward0: lambda x: x.expm1(), E.LogBackward0: lambda x: x.log(),
    E.Log2Backward0: lambda x: x.log2(), E.Log10Backward0: lambda x: x.log10(),
    E.Log1PBackward0: lambda x: x.log1p(), E.SqrtBackward0: lambda x: x.sqrt(), E.RsqrtBackward0: lambda x: x.rsqrt(),
    E.SinBackward0: lambda x: x.sin(), E.CosBackward0: lambda x: x.cos(), E.TanBackward0: lambda x: x.tan(),
    E.SinhBackward0: lambda x: x.sinh(), E.CoshBackward0: lambda x: x.cosh(), E.AsinBackward0: lambda x: x.asin(),
    E.AcosBackward0: lambda x: x.acos(), E.AtanBackward0: lambda x: x.atan(), E.TanhBackward0: lambda x: x.tanh(),
    E.SigmoidBackward0: lambda x: x.sigmoid(), E.ReciprocalBackward0: lambda x: x.reciprocal(),
    E.DivBackward0: lambda x: x / x, E.NegBackward0: lambda x: -x, E.AbsBackward0: lambda x: x.abs(),
    E.ReluBackward0: lambda x: x.relu(), E.SignBackward0: lambda x: x.sign(), E.FloorBackward0: lambda x: x.floor(),
    E.CeilBackward0: lambda x: x.ceil(), E.TruncBackward0: lambda x: x.trunc(), E.RoundBackward0: lambda x: x.round(),
    E.AddBackward0: lambda x: x + x, E.SubBackward0: lambda x: x - x, E.MulBackward0: lambda x: x * x,
    E.MaximumBackward0: lambda x: x.maximum(x), E.MinimumBackward0: lambda x: x.minimum(x),
    E.PowBackward1: lambda x: x ** x, E.PowBackward0: lambda x: x ** 2,
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_declared_dtype_behaviour_is_known(name):
    assert RULES[name].dtypes in DTYPE_BEHAVIOURS + (None,), name


@pytest.mark.parametrize("R", list(CALLS), ids=lambda R: R.__name__)
def test_declared_dtype_behaviour_is_the_tensor_layers(R):
    x = torchless.tensor([0.5, 1.5], requires_grad=True)
    assert type(CALLS[R](x).grad_fn) is R
    out = CALLS[R](torchless.tensor([1, 2]))
    assert out.dtype == {"to_float": torchless.float32, "promote": torchless.int64}[R.dtypes], (R.__name__, out.dtype)

"""The metadata rules declare (ops/_rule.py): every rule has a batching kind vmap knows (or None),
and explain templates name their operands."""
import importlib
import inspect
import pkgutil

import pytest

import torchless.ops as ops_package
from torchless.ops._rule import BATCHING_KINDS, Explain, Rule


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
    ("reduction.CumsumBackward0", "along_dim"), ("nn.SoftmaxBackward0", "along_dim"),
    ("shape.PermuteBackward0", "view"), ("shape.StackBackward0", "concat"),
    ("indexing.GatherBackward0", "index"), ("linalg.MmBackward0", "matmul"), ("nn.AddmmBackward0", "matmul"),
    ("nn.MseLossBackward0", "loss"), ("nn.NllLossBackward0", "class_loss"),
    ("indexing.ScatterBackward0", None), ("padding.ReflectionPad1DBackward0", None),
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

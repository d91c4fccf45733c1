"""autograd.explain: the seed's gradients derived node by node and in closed form (golden lines),
closed forms agreeing with the numbers for random small programs, naming, the Markdown/LaTeX view,
the no-SymPy path, and bounded output for big graphs."""
import builtins
import importlib.util

import numpy as np
import pytest

import torchless as torch
from torchless.autograd import explain

from .conftest import count_calls

needs_sympy = pytest.mark.skipif(importlib.util.find_spec("sympy") is None,
                                 reason="closed forms need SymPy (pip install '.[explain]')")


def _seed_x():
    x = torch.arange(4.0)
    x.requires_grad_(True)
    return x


@needs_sympy
def test_seed_cell_3_two_x_dot_x_is_four_x():
    x = _seed_x()
    y = 2 * torch.dot(x, x)
    text = str(explain(y))
    for line in ("y = 2 · xᵀx",
                 "1. y = 2 · v1 = 28    [MulBackward0]",
                 "rule: ∂(a · b)/∂a = b,  ∂(a · b)/∂b = a",
                 "2. v1 = xᵀx = 14    [DotBackward0]",
                 "passes on: ∂y/∂x (through a) += [0, 2, 4, 6]",
                 "∂y/∂x = [0, 4, 8, 12]",
                 "Closed form (SymPy): y = 2·x₀² + 2·x₁² + 2·x₂² + 2·x₃²",
                 "∂y/∂x₀ = 4·x₀ = 0", "∂y/∂x₃ = 4·x₃ = 12",
                 "so ∂y/∂x = 4·x",
                 "check: [0, 4, 8, 12] equals the gradient backward computed ✓"):
        assert line in text, line
    assert x.grad is None  # explain accumulates nothing
    y.backward()
    assert x.grad.tolist() == [0.0, 4.0, 8.0, 12.0]


@needs_sympy
def test_seed_cells_6_to_9():
    x = _seed_x()
    y = x.sum()
    text = y.explain()
    assert "∂y/∂x₂ = 1" in str(text) and "so ∂y/∂x = 1" in str(text)
    y = x * x
    text = str(explain(y.sum()))
    assert "out = Σ (x · x)" in text and "so ∂out/∂x = 2·x" in text and "check: [0, 2, 4, 6]" in text
    u = y.detach()
    z = u * x
    text = str(explain(z.sum()))
    assert "∂out/∂x₂ = u₂ = 4" in text and "so ∂out/∂x = u" in text
    assert "Note: u is a constant here" in text


def test_products_with_numbers_show_their_numbers_and_values():
    # x * 2.0 keeps only the number (as PyTorch does): explain reads the number from it and works
    # each result's value out from the value of its operand
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2.0
    z = (y * 0.5) * 3.0
    text = str(explain(z.sum(), {"x": x}))
    for line in ("4. y = 2 · x = [2, 4]    [MulBackward0]",
                 "3. v1 = 0.5 · y = [1, 2]    [MulBackward0]",
                 "2. z = 3 · v1 = [3, 6]    [MulBackward0]",
                 "passes on: ∂out/∂y += [1.5, 1.5]",
                 "∂out/∂x = [3, 3]"):
        assert line in text, (line, text)


@needs_sympy
def test_seed_cell_10_control_flow_is_a_constant_factor():
    def f(a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        if b.sum() > 0:
            c = b
        else:
            c = 100 * b
        return c

    torch.manual_seed(0)
    a = torch.randn(size=(), requires_grad=True)
    d = f(a)
    text = str(explain(d))
    doublings = round(np.log2(float(d.detach() / a.detach())))
    assert f"d = 2{str(doublings).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))} · a" in text
    assert f"times in a row v ↦ 2 · v" in text
    assert f"∂d/∂a = {2 ** doublings}" in text and "equals the gradient backward computed ✓" in text


@needs_sympy
@pytest.mark.parametrize("seed", range(8))
def test_closed_forms_agree_with_the_numbers_on_random_small_programs(seed):
    rng = np.random.default_rng(seed)
    x = torch.tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
    w = torch.tensor(rng.uniform(-1, 1, 3), requires_grad=True)
    ops = [lambda t: t.sin(), lambda t: t.exp(), lambda t: t * w, lambda t: t + w, lambda t: t.tanh(),
           lambda t: t ** 2, lambda t: t / (w * w + 1), lambda t: t.sigmoid()]
    t = x
    for k in rng.integers(0, len(ops), 4):
        t = ops[k](t)
    t = t * w
    e = explain(t.sum(), inputs={"x": x, "w": w})
    assert set(e.closed_forms) == {"x", "w"}
    for name, leaf in (("x", x), ("w", w)):
        form = e.closed_forms[name]
        (g,) = torch.autograd.grad(t.sum(), leaf, retain_graph=True)
        np.testing.assert_allclose(form.numbers, g.numpy(), rtol=1e-9)
        assert form.matches


@needs_sympy
def test_names_default_and_given():
    p = torch.tensor([1.0, 2.0], requires_grad=True)
    text = str(explain((p * p).sum(), inputs={"θ": p}))
    assert "∂out/∂θ = [2, 4]" in text
    anonymous = torch.autograd.explain((torch.tensor([1.0, 2.0], requires_grad=True) ** 2).sum())
    assert "∂out/∂x0 = [2, 4]" in str(anonymous)


@needs_sympy
def test_markdown_view_has_latex():
    x = _seed_x()
    y = 2 * torch.dot(x, x)
    md = explain(y)._repr_markdown_()
    assert md.startswith("```") and r"\frac{\partial y}{\partial x_{0}} &= 4 x_{0}" in md
    assert r"\frac{\partial y}{\partial \mathbf{x}} &= 4 x" in md


def test_without_sympy_the_derivation_still_explains(monkeypatch):
    real_import = builtins.__import__

    def no_sympy(name, *args, **kwargs):
        if name == "sympy":
            raise ImportError("no sympy")
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_sympy)
    x = _seed_x()
    text = str(explain(2 * torch.dot(x, x)))
    assert "∂out/∂x = [0, 4, 8, 12]" in text
    assert "Closed forms need SymPy: pip install 'torchless[explain]'" in text


def test_errors_say_what_to_do():
    x = _seed_x()
    with pytest.raises(RuntimeError, match="no recorded graph"):
        explain(x)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"Call y.explain\(\) before .backward\(\)"):
        y.explain()


def _chain_of(ops):
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    t = x
    for _ in range(ops // 2):
        t = (t * 1.0001).sin()
    return t.sum()


def test_a_big_graph_is_summarised_at_a_cost_linear_in_its_size():
    """10,000 nodes: the listing stops at MAX_STEPS (60 steps a reader can follow; the rest counted by
    op) and closed forms are skipped past 200 ops, so the cost is one watched backward pass: twice
    the nodes, about twice the calls (a quadratic walk would make four times as many)."""
    e = explain(_chain_of(10000))
    text = str(e)
    assert len(e.steps) <= 60 and "more steps" in text and "Closed forms are written for graphs of up to" in text
    assert text.startswith("out = (a chain of 10001 recorded ops")  # every op counted, listed or not
    assert text.count("\n") < 500
    big, half = _chain_of(10000), _chain_of(5000)
    assert count_calls(lambda: str(explain(big))) < 2.5 * count_calls(lambda: str(explain(half)))


@needs_sympy
def test_ascii_form_of_the_seed_cell():
    x = _seed_x()
    y = 2 * torch.dot(x, x)
    text = y.explain().ascii()
    assert text.isascii()
    for line in ("y = 2 * x^Tx", "1. y = 2 * v1 = 28    [MulBackward0]", "rule: d(a * b)/da = b,  d(a * b)/db = a",
                 "dy/dx = [0, 4, 8, 12]", "Closed form (SymPy): y = 2*x0^2 + 2*x1^2 + 2*x2^2 + 2*x3^2",
                 "dy/dx0 = 4*x0 = 0", "so dy/dx = 4*x", "equals the gradient backward computed (ok)"):
        assert line in text, line


# ---------------------------------------------------------------------------------- draw
def _svg_elements(svg):
    import xml.dom.minidom
    doc = xml.dom.minidom.parseString(svg)  # well-formed XML, or this raises
    shapes = [e for tag in ("rect", "ellipse") for e in doc.getElementsByTagName(tag)]
    nodes = [e for e in shapes if "node" in e.getAttribute("class").split()]
    edges = [e for e in doc.getElementsByTagName("line") if e.getAttribute("class").startswith("edge")]
    return nodes, edges


def test_draw_gives_one_svg_element_per_node_and_edge():
    x = _seed_x()
    y = x * x
    u = y.detach()
    z = (u * x).sum()
    drawing = torch.autograd.draw(z)
    nodes, edges = _svg_elements(drawing._repr_svg_())
    assert len(nodes) == len(drawing.boxes) == 4 and len(edges) == len(drawing.edges) == 3
    kinds = sorted(e.getAttribute("class") for e in nodes)
    assert kinds == ["node constant", "node leaf", "node op", "node op"]  # u dashed, x green, Sum and Mul
    svg = drawing.svg()
    assert "SumBackward0" in svg and "MulBackward0" in svg and 'stroke-dasharray' in svg
    assert "grad [1, 1, 1, 1]" in svg  # the gradient reaching z, from the graph's own backward pass


def test_draw_merges_a_loop_and_shows_grad_after_backward(tmp_path):
    a = torch.tensor(0.3, requires_grad=True)
    b = a * 2
    for _ in range(6):
        b = b * 2
    b.backward(retain_graph=True)
    drawing = torch.autograd.draw(b)
    assert [bx.lines[0] for bx in drawing.boxes] == ["MulBackward0 × 7", "a"]
    assert ".grad 128" in drawing.svg()
    path = drawing.save(tmp_path / "g.svg")
    assert open(path, encoding="utf-8").read().startswith("<svg")


def test_the_graphviz_picture_has_the_same_nodes_and_edges():
    pytest.importorskip("graphviz")
    x = _seed_x()
    y = x * x
    u = y.detach()
    drawing = torch.autograd.draw((u * x).sum())
    source = drawing.graphviz().source
    assert source.count("label=") == len(drawing.boxes) == 4 and source.count("->") == len(drawing.edges) == 3
    assert "style=dashed" in source and "shape=ellipse" in source and "SumBackward0" in source


def test_png_through_graphviz_when_installed(tmp_path):
    graphviz = pytest.importorskip("graphviz")
    import shutil
    if shutil.which("dot") is None:
        pytest.skip("the Graphviz binary is not installed")
    x = _seed_x()
    data = torch.autograd.draw(2 * torch.dot(x, x)).png()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and graphviz is not None


def test_a_big_graph_draws_cut_at_a_cost_linear_in_its_size():
    big, half = _chain_of(10000), _chain_of(5000)
    drawing = torch.autograd.draw(big)
    svg = drawing.svg()
    assert count_calls(lambda: torch.autograd.draw(big).svg()) < 2.5 * count_calls(
        lambda: torch.autograd.draw(half).svg())
    nodes, edges = _svg_elements(svg)
    assert len(nodes) <= 152 and drawing.hidden > 9000 and "more nodes" in svg


# ---------------------------------------------------------------------------------- the command line
@needs_sympy
def test_python_m_torchless_explain_writes_each_backward(tmp_path):
    import os
    import subprocess
    import sys
    script = tmp_path / "learner.py"
    script.write_text("import torch\n"
                      "x = torch.arange(4.0)\n"
                      "x.requires_grad_(True)\n"
                      "y = 2 * torch.dot(x, x)\n"
                      "y.backward()\n"
                      "print('grad', x.grad.tolist())\n"
                      "x.grad.zero_()\n"
                      "y = x.sum()\n"
                      "y.backward()\n")
    src = os.path.join(os.path.dirname(torch.__file__), os.pardir)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(src) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-m", "torchless", "explain", str(script)], capture_output=True,
                         text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"=== backward() #1 at {script}:5 ===" in out.stdout and "so ∂y/∂x = 4·x" in out.stdout
    assert "grad [0.0, 4.0, 8.0, 12.0]" in out.stdout  # the script ran as usual
    assert f"=== backward() #2 at {script}:9 ===" in out.stdout and "so ∂y/∂x = 1" in out.stdout
    md = subprocess.run([sys.executable, "-m", "torchless", "explain", "--markdown", str(script)],
                        capture_output=True, text=True, env=env, timeout=120)
    assert "## backward() #1" in md.stdout and r"\frac{\partial y}" in md.stdout


def _cell(name):
    """(output, backward's gradient, the names to give) for a seed cell."""
    x = _seed_x()
    if name == "two_dot":
        return 2 * torch.dot(x, x), None, {"x": x}
    if name == "sum":
        return x.sum(), None, {"x": x}
    if name == "square_sum":
        return (x * x).sum(), None, {"x": x}
    if name == "square_with_gradient":
        return x * x, torch.ones(len(x)), {"x": x}
    y = x * x
    u = y.detach()
    return (u * x).sum(), None, {"x": x, "u": u}


# seed cell -> (Unicode closed-form lines, their ASCII form, a LaTeX fragment)
GOLDEN = {
    "two_dot": (["∂y/∂x₁ = 4·x₁ = 4", "so ∂y/∂x = 4·x"], ["dy/dx1 = 4*x1 = 4", "so dy/dx = 4*x"],
                r"\frac{\partial y}{\partial \mathbf{x}} &= 4 x"),
    "sum": (["∂y/∂x₃ = 1", "so ∂y/∂x = 1"], ["dy/dx3 = 1", "so dy/dx = 1"], r"\frac{\partial y}{\partial x_{3}} &= 1"),
    "square_sum": (["∂y/∂x₂ = 2·x₂ = 4", "so ∂y/∂x = 2·x"], ["dy/dx2 = 2*x2 = 4", "so dy/dx = 2*x"],
                   r"\frac{\partial y}{\partial \mathbf{x}} &= 2 x"),
    "square_with_gradient": (["∂L/∂x₃ = 2·x₃ = 6", "so ∂L/∂x = 2·x"], ["dL/dx3 = 2*x3 = 6", "so dL/dx = 2*x"],
                             r"\frac{\partial L}{\partial \mathbf{x}} &= 2 x"),
    "detached": (["∂y/∂x₃ = u₃ = 9", "so ∂y/∂x = u"], ["dy/dx3 = u3 = 9", "so dy/dx = u"],
                 r"\frac{\partial y}{\partial \mathbf{x}} &= u"),
}


@needs_sympy
@pytest.mark.parametrize("cell", list(GOLDEN))
def test_golden_closed_forms_of_the_seed_cells_in_every_form(cell):
    out, gradient, names = _cell(cell)
    e = explain(out, inputs={**names, "y": out}, gradient=gradient)  # inputs= may name any tensor
    unicode_lines, ascii_lines, latex = GOLDEN[cell]
    text, plain, md = str(e), e.ascii(), e._repr_markdown_()
    for line in unicode_lines:
        assert line in text, line
    for line in ascii_lines:
        assert line in plain, line
    assert latex in md and "✓" in text and "(ok)" in plain


@needs_sympy
def test_an_nn_model_explains_with_parameter_names():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    X, target = torch.randn(5, 3), torch.tensor([0, 1, 1, 0, 1])
    loss = torch.nn.functional.cross_entropy(net(X), target)
    e = loss.explain()
    text = str(e)
    names = [name for name, _ in e.gradients]
    assert sorted(names) == ["net.0.bias", "net.0.weight", "net.2.bias", "net.2.weight"]
    for name, g in e.gradients:
        (want,) = torch.autograd.grad(loss, dict(net.named_parameters())[name[4:]], retain_graph=True)
        np.testing.assert_allclose(g, want.numpy(), rtol=1e-6)
    assert "X @ net.0.weightᵀ + net.0.bias" in text and "no symbolic rule for NllLossBackward0" in text
    assert "Note: X is a constant here" in text


# ---------------------------------------------------------------------------------- rules' own metadata
def _on_rule(name, *args):
    """A recorded op of the Tensor namespace's (the rules exp2, atan2 ... before Tensor methods name them)."""
    from torchless._tensor.xp import TX
    return getattr(TX, name)(*args)


@needs_sympy
@pytest.mark.parametrize("name, expression, closed", [
    ("exp2", "2^x", "∂y/∂x₀ = 2^x₀·log(2)"),
    ("logaddexp", "logaddexp(x, w)", "∂y/∂x₀ = exp(x₀)/(exp(w₀) + exp(x₀))"),
    ("hypot", "hypot(x, w)", "∂y/∂x₀ = x₀/sqrt(w₀² + x₀²)"),
    ("arctan2", "atan2(x, w)", "∂y/∂x₀ = w₀/(w₀² + x₀²)"),
])
def test_new_rules_explain_node_by_node_and_in_closed_form(name, expression, closed):
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    w = torch.tensor([1.5, -1.0], requires_grad=True)
    y = (_on_rule(name, x) if name == "exp2" else _on_rule(name, x, w)).sum()
    text = str(explain(y))
    assert f"y = Σ {expression}" in text
    assert closed in text
    assert "check:" in text and "✗" not in text and "see " not in text


@needs_sympy
def test_copysign_explains_its_rule_without_a_closed_form():
    x = torch.tensor([0.5, -2.0], requires_grad=True)
    text = str(explain(_on_rule("copysign", x, -1.0).sum()))
    assert "copysign(x, -1)" in text and "∂copysign(a, b)/∂a = ±1" in text
    assert "∂out/∂x = [-1, 1]" in text and "no symbolic rule for CopysignBackward1" in text


@needs_sympy
def test_matmul_variants_explain_as_products_with_right_closed_forms():
    A = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = torch.tensor([1.0, -1.0], requires_grad=True)
    for y in ((A @ torch.ones(3, 2, 2)).sum(), (torch.ones(3, 2, 2) @ A).sum(), (v @ A).sum()):
        text = str(explain(y))
        assert "@" in text and "∂(a @ b)/∂a = g bᵀ" in text
        assert "equals the gradient backward computed ✓" in text and "✗" not in text
    X = torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.1, -1.0]])
    W = torch.tensor([[0.5, -1.0, 2.0]], requires_grad=True)
    text = str(explain(torch.nn.functional.linear(X, W).sum()))  # x Wᵀ: mm of x and W transposed
    assert "X @ Wᵀ" in text and "∂(A Bᵀ)/∂B = Gᵀ A" in text and "✓" in text and "✗" not in text


def test_explain_checks_the_gradient_it_starts_from():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match=r"the output has shape \[2\], not one element: give gradient="):
        explain(y)
    with pytest.raises(RuntimeError, match=r"gradient has shape \[3\] but the output has shape \[2\]"):
        explain(y, gradient=[1.0, 2.0, 3.0])
    e = explain(y, gradient=[1.0, 0.5])
    np.testing.assert_array_equal(e.gradients[0][1], [2.0, 2.0])
    assert x.grad is None


@needs_sympy
def test_closed_forms_at_points_where_the_derivative_does_not_exist():
    """|x| and relu at 0 take PyTorch's subgradient (0) in the closed form too; where the derivative
    is undefined (√x at 0, atan2 at (0, 0)) the closed form says so and the check skips it."""
    x = torch.tensor([0.0, 1.0, -2.0], requires_grad=True)
    text = str(explain((x.abs() + x.relu()).sum()))
    assert "∂out/∂x = Heaviside(x, 0) + sign(x)" in text and "check: [0, 2, -1] equals" in text
    y = torch.tensor([0.0, 4.0], requires_grad=True)
    text = str(explain(y.sqrt().sum()))
    assert "∂out/∂y₀ = 1/(2·sqrt(y₀)) = undefined here" in text and "∂out/∂y₁ = 1/(2·sqrt(y₁)) = 0.25" in text
    assert "where it is defined ✓" in text and "the derivative does not exist at this point" in text
    from torchless._tensor.xp import TX
    a = torch.tensor([0.0, 1.0], requires_grad=True)
    b = torch.tensor([0.0, 2.0], requires_grad=True)
    text = str(explain(TX.arctan2(a, b).sum()))
    assert "∂out/∂a₀ = b₀/(a₀² + b₀²) = undefined here" in text and "= 0.4" in text and "✗" not in text


def test_explain_names_every_output_of_a_multi_output_op():
    """split's pieces (and an LSTM's states) are outputs 0, 1 ... of one node: each gets a name and
    the gradient is the same as backward's."""
    x = torch.arange(4.0, requires_grad=True)
    a, b = x.split(2)
    explanation = torch.autograd.explain((a * b).sum(), {"x": x})
    text = str(explanation)
    assert "a = split(x)" in text and "(through b)" in text
    assert explanation.gradients[0][1].tolist() == [2.0, 3.0, 0.0, 1.0]
    lstm = torch.nn.LSTM(3, 2)
    out, (h, c) = lstm(torch.randn(4, 1, 3))
    grads = dict(torch.autograd.explain(h.sum(), dict(lstm.named_parameters())).gradients)
    h.sum().backward()
    assert set(grads) == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}
    for name, p in lstm.named_parameters():
        assert np.abs(grads[name] - p.grad.numpy()).max() < 1e-6


def test_explain_takes_one_input_tensor_or_a_list():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    assert [n for n, _ in torch.autograd.explain(y, x).gradients] == ["x"]
    assert [n for n, _ in torch.autograd.explain(y, [x]).gradients] == ["x"]

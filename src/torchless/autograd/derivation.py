"""torch.autograd.explain (torchless only): a gradient's derivation written out. (The module is not
named explain.py: importing it would make `autograd.explain` the module, not the function.)

explain(output) walks the recorded graph of `output` and runs one backward pass of its own (the
graph is kept; nothing is accumulated into .grad), watching every node. The Explanation it returns
reads, in the order backward runs: each op, the expression it computed (in the names of the caller's
variables where it finds them), its local derivative rule, the gradient arriving and the gradients
it passes on, with their values. Then, per input, the final gradient; and, where SymPy is installed
and the graph is small, the closed form the way a learner writes it by hand: per component
(∂y/∂x₀ = 4·x₀ = 0, ...), as a vector (∂y/∂x = 4·x), and the check against the numbers.

What explain says about each op is declared on the op's rule (`explain = Explain(...)` in the class
body, ops/_rule.py): the expression template, the local derivative rule, and, for the symbolic pass,
what the op computes on SymPy expressions. A graph with an op that has no symbolic form still
explains node by node, only without closed forms.
"""
import re
import sys

import numpy as np

from .._tensor._core import Tensor
from ..backend import numpy as NP
from ..engine.backward import run_backward
from ..engine.node import AccumulateGrad, reachable
from ..ops._rule import Explain

__all__ = ["explain", "Explanation"]

# Bounds: a node-by-node listing of more steps, or a closed form over more scalar inputs, would be a
# wall of text nobody reads (and SymPy's time grows fast): beyond them the explanation summarises.
MAX_STEPS = 60          # steps listed; the rest are counted by op
MAX_SYMBOLIC_NODES = 200
MAX_SYMBOLIC_ELEMENTS = 64
MAX_COMPONENTS = 8      # components written out one by one


# ---------------------------------------------------------------------------------- op metadata
_OPERAND_LETTERS = ("a", "b")
_NO_EXPLAIN = Explain()  # an op whose rule declares nothing: its name, and a pointer to its vjp


def _explain_of(node):
    """The Explain the node's rule declares (nodes that are no op rule, as a custom Function's,
    declare none)."""
    return getattr(type(node), "explain", None) or _NO_EXPLAIN


def _arity(node):
    """How many operands the node's expression shows: its template's, else one per edge."""
    explain = _explain_of(node)
    return explain.arity if explain.expression is not None else len(node.next_functions)


# ---------------------------------------------------------------------------------- the graph
class _Graph:
    """The nodes reachable from the output, names for every leaf and result, and the values the
    results held (read off the nodes that kept them as inputs)."""

    def __init__(self, output, names):
        self.output = output
        self.nodes = []      # backward order: highest stamp first
        self.leaves = []     # leaf tensors that require grad, in the order first met
        for node in reachable([output.grad_fn]):
            if type(node) is not AccumulateGrad:
                self.nodes.append(node)
            elif node.variable is not None:  # (an AccumulateGrad per leaf: each leaf once)
                self.leaves.append(node.variable)
        self.nodes.sort(key=lambda n: -abs(n.stamp))
        self.values = {}     # (node, index) -> the array that node's output held
        for node in self.nodes:
            for t in node.inputs or ():
                if isinstance(t, Tensor) and t._edge and t._edge[0] is not None:
                    self.values[tuple(t._edge)] = t._data
        self.values[tuple(output._edge)] = output._data
        for node in reversed(self.nodes):  # a result no consumer kept: its op again, on what it kept
            if (node, 0) not in self.values and not node.multi_output:
                args = self._arguments(node)
                if args is None:
                    continue
                try:
                    self.values[(node, 0)] = np.asarray(type(node).forward(None, NP, *args))
                except Exception:  # a rule whose forward takes other arguments: the value stays unknown
                    pass
        self.names = self._name_everything(names)

    def _name_everything(self, names):
        """Names for leaves and results: the caller's, else x0, x1 ... and v1, v2 ..."""
        by_key = {}
        for name, t in names.items():
            by_key.setdefault(id(t), name)
            edge = t._edge
            if edge and edge[0] is not None and type(edge[0]) is not AccumulateGrad:
                by_key.setdefault(tuple(edge), name)
        out = {}
        for i, leaf in enumerate(self.leaves):
            out[id(leaf)] = by_key.get(id(leaf), f"x{i}")
        counter = 0
        root = tuple(self.output._edge)
        # every output of a node that something uses gets a name (split's pieces, an LSTM's states ...)
        used = {root} | {(node, 0) for node in self.nodes} | {
            (nxt, idx) for node in self.nodes for nxt, idx in node.next_functions
            if nxt is not None and type(nxt) is not AccumulateGrad}
        for node in reversed(self.nodes):  # forward order for v1, v2 ...
            for idx in sorted(i for n, i in used if n is node):
                edge = (node, idx)
                if edge == root:
                    out[edge] = by_key.get(id(self.output), by_key.get(edge, "out"))
                elif edge in by_key:
                    out[edge] = by_key[edge]
                else:
                    counter += 1
                    out[edge] = f"v{counter}"
        return out

    def producer(self, node, i):
        """The name of what feeds node's operand i, or None for a constant."""
        nxt, idx = node.next_functions[i] if i < len(node.next_functions) else (None, 0)
        if nxt is None:
            return None
        if type(nxt) is AccumulateGrad:
            return self.names.get(id(nxt.variable), "x")
        return self.names.get((nxt, idx), "?")

    def operand(self, node, i, constant_names):
        """The text of node's operand i: a result's name, a leaf's name, or a constant."""
        name = self.producer(node, i)
        if name is not None:
            return name
        value = self.constant(node, i)
        if value is None:
            return "c"
        if isinstance(value, Tensor):
            return constant_names.get(id(value)) or _number(value._data)
        return _number(value)

    def _arguments(self, node):
        """The arrays node's forward ran on, where known: its kept inputs; for a number rule, which
        keeps only the number (as PyTorch does), the value of its tensor operand and the number."""
        kept = _kept_operands(node)
        if kept is None:
            return None
        if node.inputs is None:  # a number rule's (None, number): the tensor's value from the graph
            a = self.edge_value(node.next_functions[0])
            return None if a is None else [a, kept[1]]
        return [t._data if isinstance(t, Tensor) else t for t in kept]

    def edge_value(self, edge):
        """The array an edge's tensor held: a leaf's data, or a result's value (None if unknown)."""
        nxt, idx = edge
        if nxt is None:
            return None
        return nxt.variable._data if type(nxt) is AccumulateGrad else self.values.get((nxt, idx))

    def constant(self, node, i):
        """Node's constant operand i, as the node kept it; an add or subtract keeps none, so there it
        is read back from the values around it (result minus the other operand). None if unknown."""
        inputs = _kept_operands(node) or ()
        if i < len(inputs):
            return inputs[i]
        infix = _explain_of(node).infix
        if infix not in ("+", "−") or i != 1:
            return None
        out = self.values.get((node, 0))
        a = self.edge_value(node.next_functions[0])
        if out is None or a is None:
            return None
        diff = np.asarray(out, dtype=np.float64) - np.asarray(a, dtype=np.float64)
        c = diff if infix == "+" else -diff
        flat = c.reshape(-1)
        if flat.size and np.allclose(flat, flat[0], rtol=1e-6, atol=1e-6):
            return float(np.round(flat[0], 6))  # a number, read back to the precision the values allow
        return None


def _kept_operands(node):
    """The operands a node kept: its inputs; for a number rule (ops/_rule.py), which keeps the
    number alone in `saved`, (None, the number); None when it kept none."""
    if node.inputs is not None:
        return node.inputs
    if getattr(type(node), "number_rule", None) is type(node) and node.saved is not None:
        return (None, node.saved)
    return None


def _number(value):
    a = np.asarray(value)
    if a.ndim == 0:
        v = a.item()
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return f"{v:.6g}" if isinstance(v, float) else str(v)
    return _values(a)


def _values(a, limit=6):
    """An array, printed short: all of it when small, else its shape and first entries."""
    a = np.asarray(a)
    if a.ndim == 0:
        return _number(a)
    flat = a.reshape(-1)
    if flat.size <= limit:
        return _nested(a)
    return "[" + ", ".join(_number(v) for v in flat[:limit]) + f", …] (shape {list(a.shape)})"


def _nested(a):
    if a.ndim == 1:
        return "[" + ", ".join(_number(v) for v in a) + "]"
    return "[" + ", ".join(_nested(r) for r in a) + "]"


# ---------------------------------------------------------------------------------- explanation
class Step:
    """One node of the backward pass (or a run of identical ones): what it computed, its rule,
    the gradient arriving and the gradients it passes on."""

    def __init__(self, name, op, expression, rule, value, grad_in, grads_out, repeat=1, infix=None):
        self.name, self.op, self.expression, self.rule = name, op, expression, rule
        self.infix = infix  # the op's operator symbol, for a binary arithmetic op (see Explain)
        self.value, self.grad_in, self.grads_out = value, grad_in, grads_out
        self.repeat = repeat  # a run of the same step: how many (grads_out is then the last one's)
        self.constant = _constant_of(expression)  # the op's one number operand, if any


class Explanation:
    """What explain() returns: str() is the derivation as text; Jupyter shows it as Markdown with
    LaTeX for the closed forms."""

    def __init__(self, output_name, forward, steps, skipped, gradients, closed_forms, notes, closed_name=None):
        self.output_name = output_name
        self.closed_name = closed_name or output_name  # what the closed forms differentiate
        self.forward = forward            # the output in terms of the inputs, composed from the steps
        self.steps = steps
        self.skipped = skipped            # {op name: count} of steps not listed
        self.gradients = gradients        # [(input name, array)]
        self.closed_forms = closed_forms  # {input name: ClosedForm}, or a sentence saying why none
        self.notes = notes

    def __str__(self):
        y = self.output_name
        lines = [f"{y} = {self.forward}", "",
                 f"Backward pass of {y}, node by node (the chain rule, in the order backward runs):", ""]
        for i, s in enumerate(self.steps, 1):
            if s.repeat > 1:
                last = s.grads_out[0] if s.grads_out else (None, None)
                lines.append(f"{i}. {s.name} … : {s.repeat} times in a row {s.expression} (a loop in the program?)"
                             f"    [{s.op} × {s.repeat}]")
                lines.append(f"   rule: {s.rule}")
                lines.append(f"   gradient arriving at the first: ∂{y}/∂{s.name} = {_values(s.grad_in)}")
                lines.append(f"   passes on, after the last: ∂{y}/∂{last[0]} += {_values(last[1])}")
                lines.append("")
                continue
            lines.append(f"{i}. {s.name} = {s.expression}" + (f" = {_values(s.value)}" if s.value is not None else "")
                         + f"    [{s.op}]")
            lines.append(f"   rule: {s.rule}")
            lines.append(f"   gradient arriving: ∂{y}/∂{s.name} = {_values(s.grad_in)}")
            for target, g in s.grads_out:
                lines.append(f"   passes on: ∂{y}/∂{target} += {_values(g)}")
            lines.append("")
        if self.skipped:
            lines.append("... and " + ", ".join(f"{n} × {op}" for op, n in self.skipped.items()) + " more steps")
            lines.append("")
        lines.append("Result (the sum of what reached each input):")
        for name, g in self.gradients:
            lines.append(f"   ∂{y}/∂{name} = {_values(g)}")
        if isinstance(self.closed_forms, str):
            lines += ["", self.closed_forms]
        else:
            for name, form in self.closed_forms.items():
                lines += [""] + form.lines(self.closed_name, name)
        if self.notes:
            lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    __repr__ = __str__

    def ascii(self):
        """The same text in plain ASCII (d for ∂, * for ·, x0 for x₀, x0^2 for x₀² ...)."""
        text = re.sub("[⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+", lambda m: "^" + m.group(0).translate(_FROM_SUPERSCRIPTS), str(self))
        for a, b in _ASCII_WORDS:
            text = text.replace(a, b)
        return text.translate(_ASCII_CHARS)

    def _repr_markdown_(self):
        forms = () if isinstance(self.closed_forms, str) else self.closed_forms.items()
        return "```\n" + str(self) + "\n```" + "".join("\n\n" + form.latex(self.closed_name, name)
                                                        for name, form in forms)


class ClosedForm:
    """One input's gradient in closed form: per component, as a vector where every component is the
    same function of its own index, and the values it gives at the recorded point."""

    def __init__(self, symbols, components, expanded, vector, numbers, matches):
        self.symbols, self.components, self.expanded = symbols, components, expanded
        self.vector, self.numbers, self.matches = vector, numbers, matches

    def lines(self, y, name):
        """The closed form as text lines: y expanded, each component, the vector, the check."""
        out = [f"Closed form (SymPy): {y} = {_pretty(self.expanded)}"]
        n = len(self.components)
        shown = list(range(n)) if n <= MAX_COMPONENTS else list(range(MAX_COMPONENTS - 1)) + [n - 1]
        for k in shown:
            number = self.numbers[k]
            text, value = _pretty(self.components[k]), _number(number) if number == number else "undefined here"
            out.append(f"   ∂{y}/∂{_pretty(self.symbols[k])} = {text}" + ("" if text == value else f" = {value}"))
            if n > MAX_COMPONENTS and k == MAX_COMPONENTS - 2:
                out.append("   ...")
        if self.vector is not None and n > 1:
            every = "" if self.vector.free_symbols else " in every component"
            out.append(f"   so ∂{y}/∂{name} = {_pretty(self.vector)}{every}")
        numbers = np.array(self.numbers, dtype=float)
        defined = not np.isnan(numbers).any()
        out.append(f"   check: {_values(numbers if numbers.size > 1 else numbers[0])} "
                   + ("equals the gradient backward computed" + ("" if defined else " where it is defined")
                      + " ✓" if self.matches else "differs from the gradient backward computed ✗"))
        if not defined:
            out.append("   (nan: the derivative does not exist at this point; backward's value there is the one "
                       "PyTorch picks)")
        return out

    def latex(self, y, name):
        """The components (and the vector) as one LaTeX display, for Jupyter's Markdown view."""
        import sympy  # type: ignore[import-untyped,import-not-found]
        rows = [rf"\frac{{\partial {y}}}{{\partial {sympy.latex(s)}}} = {sympy.latex(e)}"
                for s, e in list(zip(self.symbols, self.components))[:MAX_COMPONENTS]]
        if self.vector is not None and len(self.components) > 1:
            rows.append(rf"\frac{{\partial {y}}}{{\partial \mathbf{{{name}}}}} = {sympy.latex(self.vector)}")
        if len(rows) == 1:
            return "$$" + rows[0] + "$$"
        return r"$$\begin{aligned}" + r" \\ ".join(r.replace(" = ", " &= ", 1) for r in rows) + r"\end{aligned}$$"


_ASCII_WORDS = (("ᵀ", "^T"), ("Σ", "sum"), ("✓", "(ok)"), ("✗", "(MISMATCH)"), ("…", "..."), ("↦", "->"),
                ("σ", "sigmoid"), ("√", "sqrt"), ("‖", "||"), ("ᵢ", "_i"), ("ᵖ^-1", "^(p-1)"), ("ᵖ", "^p"),
                ("ᵇ^-1", "^(b-1)"), ("ᵇ", "^b"))
_ASCII_CHARS = str.maketrans({"∂": "d", "·": "*", "−": "-", "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4",
                              "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9", "×": "x"})
_FROM_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _pretty(expr):
    """SymPy's text the way the seed writes it: x₀, x₀², 4·x₀."""
    import sympy  # type: ignore[import-untyped,import-not-found]
    text = sympy.sstr(expr)
    text = re.sub(r"([A-Za-z]\w*?)_(\d+)", lambda m: m.group(1) + m.group(2).translate(_SUBSCRIPTS), text)
    text = re.sub(r"\*\*(-?\d+)", lambda m: m.group(1).translate(_SUPERSCRIPTS), text)
    return text.replace("**", "^").replace("*", "·")


# ---------------------------------------------------------------------------------- symbolic pass
def _closed_forms(graph, gradients, constants, weights=None):
    """{input name: ClosedForm}, or a sentence saying why there are none. weights: backward's
    `gradient` for a non-scalar output (what is differentiated is then Σᵢ weightsᵢ·outputᵢ)."""
    if len(graph.nodes) > MAX_SYMBOLIC_NODES or sum(leaf.numel() for leaf in graph.leaves) > MAX_SYMBOLIC_ELEMENTS:
        return (f"Closed forms are written for graphs of up to {MAX_SYMBOLIC_NODES} ops over up to "
                f"{MAX_SYMBOLIC_ELEMENTS} input elements; this one is larger.")
    try:
        import sympy as sp  # type: ignore[import-untyped,import-not-found]
    except ImportError:
        return "Closed forms need SymPy: pip install 'torchless[explain]' (the derivation above does not)."
    leaf_syms = {id(leaf): _symbol_array(sp, graph.names[id(leaf)], leaf._data.shape) for leaf in graph.leaves}
    values = {}  # (node, idx) -> object array
    for node in reversed(graph.nodes):  # forward order
        op = type(node).__name__
        symbolic = _explain_of(node).symbolic
        if symbolic is None:
            return f"Closed forms: no symbolic rule for {op} yet (the derivation above holds without them)."
        operands = []
        for i in range(_arity(node)):
            nxt, idx = node.next_functions[i] if i < len(node.next_functions) else (None, 0)
            if nxt is not None:
                operands.append(leaf_syms[id(nxt.variable)] if type(nxt) is AccumulateGrad else values[(nxt, idx)])
                continue
            value = graph.constant(node, i)
            if value is None:
                return f"Closed forms: {op} did not keep its constant operand."
            operands.append(_constant(sp, value, constants))
        values[(node, 0)] = np.asarray(symbolic(sp, *operands), dtype=object)
    y = values[tuple(graph.output._edge)].reshape(-1)
    if weights is not None:
        w = np.broadcast_to(np.asarray(weights, dtype=np.float64), graph.output._data.shape).reshape(-1)
        y = np.array([sum(sp.nsimplify(float(wi)) * yi for wi, yi in zip(w, y))], dtype=object)
    if y.size != 1:
        return "Closed forms are written for a scalar output (or give backward's gradient=)."
    y = _tidy(sp, y[0])
    point = {s: sp.nsimplify(float(v)) for leaf in graph.leaves
             for s, v in zip(leaf_syms[id(leaf)].reshape(-1), leaf._data.reshape(-1))}
    point.update(constants["point"])
    forms = {}
    for leaf, (name, g) in zip(graph.leaves, gradients):
        syms = list(leaf_syms[id(leaf)].reshape(-1))
        comps = [_tidy(sp, _pytorch_steps(sp, sp.diff(y, s))) for s in syms]
        numbers = np.array([_real_value(c.subs(point, simultaneous=True)) for c in comps])
        defined = ~np.isnan(numbers)
        matches = bool(np.allclose(numbers[defined], np.asarray(g, dtype=float).reshape(-1)[defined],
                                   rtol=1e-5, atol=1e-6))
        expanded = sp.expand(y) if y.count_ops() <= _SIMPLIFY_OPS else y
        forms[name] = ClosedForm(syms, comps, expanded, _as_vector(sp, comps), numbers, matches)
    return forms


def _pytorch_steps(sp, expr):
    """expr with each unit step at 0 taking PyTorch's value there (relu's gradient at 0 is 0; SymPy's
    Heaviside(0) is 1/2)."""
    return expr.replace(lambda e: isinstance(e, sp.Heaviside), lambda e: sp.Heaviside(e.args[0], 0))


def _real_value(expr):
    """A closed form's value as a float: NaN where it is not a finite real number (the derivative does
    not exist there: √x at 0, atan2 at (0, 0))."""
    try:
        value = complex(expr)
    except (TypeError, ValueError):
        return float("nan")
    return value.real if value.imag == 0 and np.isfinite(value.real) else float("nan")


_SIMPLIFY_OPS = 40  # bigger expressions are shown as derived (tidying them costs more than it shows)


def _tidy(sp, expr):
    """A cheap normal form (SymPy's simplify can take seconds: trigonometric rewriting)."""
    return sp.factor_terms(sp.expand(expr)) if expr.count_ops() <= _SIMPLIFY_OPS else expr


def _symbol_array(sp, name, shape):
    if not shape:
        return np.array(sp.Symbol(name, real=True), dtype=object)
    flat = [sp.Symbol(f"{name}_{k}", real=True) for k in range(int(np.prod(shape)))]
    return np.array(flat, dtype=object).reshape(shape)


def _constant(sp, value, constants):
    """A constant operand: a tensor the caller named (a detached one, like u) as symbols whose
    values are known, else its numbers."""
    if isinstance(value, Tensor):
        name = constants["names"].get(id(value))
        if name is not None:
            syms = _symbol_array(sp, name, value._data.shape)
            for s, v in zip(np.asarray(syms).reshape(-1), value._data.reshape(-1)):
                constants["point"][s] = sp.nsimplify(float(v))
            return syms
        value = value._data
    a = np.asarray(value)
    if a.ndim == 0:
        return np.array(sp.nsimplify(a.item()), dtype=object)
    return np.vectorize(lambda v: sp.nsimplify(v), otypes=[object])(a)


def _as_vector(sp, comps):
    """The gradient as one vector expression, when component k is the same function of the k-th
    elements (x_k, u_k, ...) for every k; else None."""
    if len(comps) == 1:
        return comps[0]
    forms = set()
    for k, c in enumerate(comps):
        sub = {}
        for s in c.free_symbols:
            base, _, index = s.name.rpartition("_")
            if index.isdigit():
                if int(index) != k:
                    return None
                sub[s] = sp.Symbol(base, real=True)
        forms.add(_tidy(sp, c.subs(sub)))
    return forms.pop() if len(forms) == 1 else None


# ---------------------------------------------------------------------------------- entry point
def explain(output, inputs=None, gradient=None, *, _frame=None):
    """The derivation of output's gradient (see the module docstring). inputs: {name: tensor} to name
    them (default: the names the caller's variables give them); gradient: as for backward, for a
    non-scalar output."""
    graph, names = graph_of("explain", output, inputs, _frame or sys._getframe(1))
    if any(n.stamp < 0 for n in graph.nodes):
        raise RuntimeError(f"explain(): backward already ran through this graph and freed it. Call "
                           f"{graph.names[tuple(output._edge)]}.explain() before .backward(), or "
                           "run backward(retain_graph=True).")
    records, grads = _watched_backward(graph, output, gradient)
    constant_names = {id(t): n for n, t in names.items() if not t.requires_grad}
    steps, skipped, forward, constants_used = _steps(graph, records, constant_names)
    gradients = [(graph.names[id(leaf)], g) for leaf, g in zip(graph.leaves, grads)]
    notes = [f"{n} is a constant here: it is not part of the graph (detached, or it does not require "
             f"grad), so the gradient treats it as fixed numbers." for n in constant_names.values()
             if n in constants_used]
    y = graph.names[tuple(output._edge)]
    weights = None if gradient is None else (gradient._data if isinstance(gradient, Tensor) else gradient)
    closed = _closed_forms(graph, gradients, {"names": constant_names, "point": {}}, weights)
    closed_name = None
    if weights is not None and output.numel() > 1:
        closed_name = "L"
        notes.append(f"with gradient={_values(weights)}, backward differentiates L = Σᵢ gradientᵢ·{y}ᵢ: the "
                     f"closed forms are L's.")
    if not isinstance(closed, str):
        notes += _constant_path_notes(y, closed, steps)
    return Explanation(y, _forward_line(forward, len(graph.nodes)), steps, skipped, gradients, closed, notes,
                       closed_name)


def _constant_path_notes(y, closed, steps):
    """A gradient that does not depend on its input (the seed's f(a): doublings in a loop, then a
    branch) is the product of the constant factors on the path the program recorded: say which."""
    factors = {}
    for s in steps:
        if s.infix == "·" and s.constant is not None:
            factors[s.constant] = factors.get(s.constant, 0) + s.repeat
    notes = []
    for name, form in closed.items():
        if factors and all(not c.free_symbols for c in form.components):
            path = ", ".join(f"{n} multiplication{'s' if n > 1 else ''} by {c}" for c, n in factors.items())
            notes.append(f"∂{y}/∂{name} does not depend on {name}: it is the product of the constant factors on the "
                         f"path the program recorded ({path}). Python's loops and branches chose that path at these "
                         f"values; other values could record another (a different loop count, the other branch).")
    return notes


def graph_of(fn, output, inputs, frame):
    """(_Graph, names) for explain() and draw(): the output checked, its tensors named by `inputs`
    first, then by the variables of the caller's frame."""
    if not isinstance(output, Tensor):
        raise TypeError(f"{fn}() takes the tensor whose gradient graph to use, got {type(output).__name__}")
    if output.grad_fn is None:
        raise RuntimeError(f"{fn}(): this tensor has no recorded graph (it is a leaf, or nothing it was computed "
                           f"from requires grad): {fn} a result, e.g. y = 2 * torch.dot(x, x)")
    if isinstance(inputs, Tensor):  # one input tensor: named as the caller names it, else x
        inputs = {next((k for k, v in _caller_names(frame).items() if v is inputs), "x"): inputs}
    elif isinstance(inputs, (list, tuple)):
        caller = _caller_names(frame)
        inputs = {next((k for k, v in caller.items() if v is t), f"x{i}"): t for i, t in enumerate(inputs)}
    names = dict(inputs or {})
    for k, v in _caller_names(frame).items():
        if k not in names and all(v is not t for t in names.values()):
            names[k] = v
    return _Graph(output, names), names


def _steps(graph, records, constant_names):
    """The listed steps (runs of the same op on a constant merged into one), the steps left out,
    the output's expression in terms of the inputs (None when too long), and the names of the
    caller's constants it uses."""
    steps, skipped = [], {}
    expressions, constants_used = {}, set()
    for node in reversed(graph.nodes):  # forward order, to compose expressions
        op = type(node).__name__
        texts = []
        for i in range(_arity(node)):
            name = graph.producer(node, i)
            if name is None:
                text = graph.operand(node, i, constant_names)
                if text in constant_names.values():
                    constants_used.add(text)
                texts.append(text)
            else:
                nxt, idx = node.next_functions[i]
                composed = expressions.get((nxt, idx), name) if idx == 0 else name
                if composed is None:  # too long already: so is this one
                    texts = None
                    break
                texts.append(_parenthesised(composed))
        text = None if texts is None else _display(op, _explain_of(node), texts)
        # past a few hundred characters nobody reads it (and composing on would cost n² time); a
        # node's other outputs are named, not composed
        expressions[(node, 0)] = text if text is not None and len(text) <= 300 else None
    for node in graph.nodes:  # backward order
        op = type(node).__name__
        explain = _explain_of(node)
        rule = explain.rule or f"see {op}.vjp in torchless/ops"
        operands = [graph.operand(node, i, constant_names) for i in range(_arity(node))]
        expression = _display(op, explain, operands)
        grad_in, grads_out = records.get(node, (None, ()))
        targets = []
        for i, ((nxt, idx), g) in enumerate(zip(node.next_functions, grads_out)):
            if nxt is None or g is None:
                continue
            target = graph.names.get(id(nxt.variable)) if type(nxt) is AccumulateGrad else graph.names.get((nxt, idx))
            label = f" (through {_OPERAND_LETTERS[i]})" if i < 2 and _arity(node) == 2 and sum(
                n is not None for n, _ in node.next_functions) == 2 else ""
            targets.append((target + label, g))
        step = Step(graph.names[(node, 0)], op, expression, rule, graph.values.get((node, 0)), grad_in, targets,
                    infix=explain.infix)
        if _continues_run(steps, step):
            run = steps[-1]
            run.repeat += 1
            run.grads_out = targets  # the run's last step passes the gradient on
            run.expression = _run_text(explain.infix, operands)
            continue
        if len(steps) >= MAX_STEPS:
            skipped[op] = skipped.get(op, 0) + 1
            continue
        steps.append(step)
    return steps, skipped, expressions.get(tuple(graph.output._edge)), constants_used


def _display(op, explain, texts):
    if explain.expression is None:  # an op without a template: its name and the results it depends on
        name = re.sub(r"Backward\d*$", "", op)
        return f"{name[:1].lower() + name[1:]}({', '.join(t for t in texts if t != 'c')})"
    if explain.infix == "·" and _is_number(texts[1]) and not _is_number(texts[0]):
        texts = [texts[1], texts[0]]  # 2 · v, as one writes it
    return explain.render(*texts)


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def _forward_line(text, n_ops):
    """The output in terms of the inputs: a repeated factor written as a power (2 · (2 · (2 · a)))
    is 2³ · a), and a composition still too long to read summarised."""
    while text is not None:
        m = re.search(r"(\S+) · \((?:\1 · \(){2,}", text)
        if not m:
            break
        c = m.group(1)
        n = m.group(0).count("(")
        depth, close = 0, None
        for k in range(m.start(), len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0 and text[k] == ")":
                close = k
                break
        if close is None or text[close - n + 1:close + 1] != ")" * n:
            break
        inner = text[m.end():close - n + 1]
        last = re.fullmatch(re.escape(c) + r" · (.+)", inner)
        if last:  # the innermost factor too: 2 · a (operands are atoms or parenthesised)
            n, inner = n + 1, last.group(1)
        inner = inner if re.fullmatch(r"\w+|\w+\(.*\)|\(.*\)", inner) else f"({inner})"
        text = text[:m.start()] + f"{c}{str(n).translate(_SUPERSCRIPTS)} · {inner}" + text[close + 1:]
    if text is not None and len(text) <= 100:
        return text
    return f"(a chain of {n_ops} recorded ops; step by step below)"


def _parenthesised(text):
    """text in parentheses when an operator sits outside any it has (2 · (a + b), not 2 · (f(a, b)))."""
    depth = 0
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and text[k:k + 3] in (" + ", " − ", " · ", " / ", " @ "):
            return f"({text})"
    return text


_UNNAMED = re.compile(r"v\d+$")


def _continues_run(steps, step):
    """Is `step` the same op with the same constant as the step before, applied to its result, both
    unnamed intermediates (a loop doubling b, say)? Then it joins that step as a run."""
    if not steps:
        return False
    last = steps[-1]
    if last.op != step.op or last.infix is None:
        return False
    if not (_UNNAMED.match(step.name) and _UNNAMED.match(last.name)):
        return False
    fed = [t for t, _ in last.grads_out]
    return len(fed) == 1 and fed[0] == step.name and step.constant is not None and step.constant == last.constant


def _constant_of(expression):
    parts = re.split(r" [·+−/] ", expression)
    numbers = [p for p in parts if _is_number(p)]
    return numbers[0] if len(numbers) == 1 else None


def _run_text(symbol, operands):
    constant = next((o for o in operands if _is_number(o)), "c")
    return f"v ↦ v {symbol} {constant}" if symbol != "·" else f"v ↦ {constant} · v"


def _caller_names(frame):
    """{variable name: tensor} for the tensors the caller's globals and locals hold (locals win), and
    the parameters of its nn.Modules under their dotted names (net.0.weight)."""
    out = {}
    for scope in (frame.f_globals, frame.f_locals):
        for name, value in scope.items():
            if name.startswith("_"):
                continue
            if isinstance(value, Tensor):
                out[name] = value
            elif callable(getattr(value, "named_parameters", None)) and not isinstance(value, type):
                try:
                    for pname, p in value.named_parameters():
                        out[f"{name}.{pname}"] = p
                except Exception:  # something else with that method name
                    pass
    return out


def _watched_backward(graph, output, gradient):
    """One backward pass with every node watched: {node: (gradient in, gradients out)} and the
    inputs' gradients (nothing is accumulated into .grad; the graph is kept)."""
    records = {}
    if not graph.leaves:
        return records, []
    handles = []
    for node in graph.nodes:
        def hook(grad_inputs, grad_outputs, node=node):
            g_out = grad_outputs[0] if grad_outputs else None
            records[node] = (None if g_out is None else _array(g_out), tuple(_array(g) for g in grad_inputs))
        handles.append(node.register_hook(hook))
    try:
        # the engine directly, as autograd.grad(output, leaves, allow_unused=True) runs it
        grads = run_backward([output._edge], [_root_gradient(output, gradient)], True, False,
                             [leaf._edge or leaf._leaf_edge() for leaf in graph.leaves], accumulate=False)
    finally:
        for h in handles:
            h.remove()
    return records, [np.zeros(leaf._data.shape) if g is None else _array(g) for leaf, g in zip(graph.leaves, grads)]


def _root_gradient(output, gradient):
    """The gradient backward starts from: `gradient` (as backward's), or 1 for a one-element output."""
    if gradient is None:
        if output._data.size != 1:
            raise RuntimeError(f"explain(): the output has shape {list(output.shape)}, not one element: give "
                               "gradient= as for backward(), or reduce it first (y.sum().explain())")
        return np.ones_like(output._data)
    g = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient, dtype=output._data.dtype)
    if g.shape != output._data.shape:
        raise RuntimeError(f"explain(): gradient has shape {list(g.shape)} but the output has shape "
                           f"{list(output.shape)}")
    return g


def _array(g):
    if g is None:
        return None
    return g._data if isinstance(g, Tensor) else np.asarray(g)

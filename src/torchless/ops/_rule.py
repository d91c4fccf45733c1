"""The base of every op rule, and the metadata a rule declares beside its forward, vjp and jvp.

A rule is a `Rule` subclass named after PyTorch's grad_fn (`MulBackward0`). Its class body holds
the whole op: `forward(node, xp, *args)`, `vjp(self, g, xp)`, `jvp(xp, tangents, out, *args)`, and
these class attributes, read by the layers above (they never change per call, so they cost nothing
on the hot path):

- `batching`: the kind of vmap rule that batches the op (one of `BATCHING_KINDS`, below), or None
  where vmap has none and runs the function once per example instead.
- `explain`: an `Explain`: how torch.autograd.explain writes the op (its expression from its
  operands' texts, its local derivative rule, its value on SymPy symbols), or None: explain then
  names the op and points at its vjp.
- `op_name`: PyTorch's name of the op (`torch.exp2`), where the rule declares it.
- `dtypes`: how the op treats integer and bool inputs, where the rule declares it: "to_float" (they
  compute in the default float dtype, as torch.exp and torch.exp2 do), "promote" (PyTorch's type
  promotion alone: integers stay integers, as in torch.add and torch.abs), "float_only" (PyTorch
  raises NotImplementedError '"<op_name>_cpu" not implemented for '<dtype>'', as torch.hypot
  does), or None (the Tensor layer's applier decides).
- `holomorphic`: True for a rule whose vjp multiplies g by the derivative f'(z) (or applies a
  linear map built from the saved operands: matmul's g bᵀ). Those vjps are written for real
  numbers; PyTorch's convention for complex ones (the gradient of a real loss with respect to
  z = x + iy is dL/dx + i dL/dy) needs g · conj(f'(z)) instead. `complex_rule()` gives such a rule
  its complex twin: the same class name, forward and jvp (forward mode is t · f'(z), unconjugated),
  with the vjp conj(vjp(conj(g))). The Tensor layer records the twin where it already tells
  complex operands apart from real ones, so real tensors pay nothing for it.
- `number_rule`: for a binary rule, the rule the Tensor layer records when the second operand is a
  Python number: a subclass with the same name (`with_number` makes it) whose forward keeps only
  what PyTorch's node keeps for a number, and whose vjp knows that a number never broadcasts the
  tensor. Declared on the rule itself; a subclass (a complex twin) does not inherit it.
- `saves_output`, `multi_output`, `relift`, `nondiff`, `aux_outputs`, `keeps_indices`: the engine's
  (engine/node.py).

Batching kinds: how vmap runs an op once on the physical tensors (the batch at dim 0) of every
example, instead of once per example. They name families of rules; func/batching.py refines some per
method where a family's methods take their arguments differently (reduction: max_min, norm; view:
reshape, squeeze, transpose, permute, select ...; index: getitem, gather, masked_fill; matmul: matrix):

- "elementwise": operands with a batch get size-1 dims after it up to the op's logical rank, so that
  broadcasting lines examples up; numbers and unbatched tensors broadcast from the right as before.
  Casts and copies (`to`, `clone`) are elementwise too.
- "reduction": an op with an optional `dim` (or dims): each dim moves one past the batch dim; with
  no dim, it reduces over every dim of the example (the physical tensor flattened to (batch, -1)).
- "dimwise": an op along a `dim` it requires (softmax, cumsum, logsumexp): the dim moves one on.
- "view": a shape op or view (reshape, permute, squeeze, expand, select, narrow, split ...): dims
  move one on and shapes get the batch size in front; each op maps its own arguments.
- "index": indexing by a key or an index tensor (`x[...]`, gather, masked_fill): the key gets a
  full slice in front for the batch dim; unbatched operands are expanded over the batch.
- "concat": ops over a sequence of tensors (cat, stack): each batched in front, the dim moved on.
- "matmul": matrix products (matmul, mm, mv, dot, bmm, linear): operands lifted to matrices with
  size-1 dims up to a common rank, so matmul's broadcasting lines the examples up.
- "pointwise_loss": a loss of input and target of one shape: the elementwise losses of every
  example at once (reduction "none"), then each example's reduction.
- "class_loss": a loss of class scores and class indices (nll, cross-entropy): every example's rows
  in one call with reduction "none", then each example's reduction.
- "batch_dims": an op that takes any number of leading batch dims (torch.linalg on (..., m, n),
  torch.fft over given dims, topk/kthvalue/index_add along a dim, cdist, F.embedding's indices): the
  batch goes in front of every tensor operand (an unbatched one is expanded; an index every example
  shares, as index_add's, stays as it is), and each dim argument is counted from the end of the
  example, which the batch in front leaves meaning the same. A dims argument whose None means every
  dim (fftn, fftshift) gets the example's dims written out.
- "batch_first": an op whose input's first dim is already a batch N (convolution, pooling,
  group/instance norm, interpolate, fold/unfold, pixel and channel shuffle): the vmap batch B folds
  into N, (B, N, ...) -> (B*N, ...), and out of the results; an example without N takes B as its
  N. Weights must be shared by every example (per-example weights run per example). Batch norm
  in training mode mixes the examples of N, so it folds B into the channels instead
  ((B, N, C, ...) -> (N, B*C, ...)), and refuses running statistics as PyTorch's vmap does.
- "loop": the op cannot run batched (its output's shape depends on each example's values: unique,
  nonzero, masked_select with a batched mask; or it is random per call, rrelu's noise; or it works on
  storage, as_strided): vmap runs it once per example, or raises PyTorch's error where PyTorch's
  vmap refuses. Declared, so that a rule with `batching = None` means one that nobody looked at yet.

Torch functions above the rules declare their kind on the function (`declare_batching`, with the names
of their dim parameters), and func/batching.py makes the rule from it.
"""
from __future__ import annotations

import string
from typing import Any, Callable, ClassVar, Optional

import numpy as np

from ..engine.node import Node

__all__ = ["Rule", "Explain", "with_number", "declare_batching", "BATCHING_KINDS", "DTYPE_BEHAVIOURS",
           "elementwise_symbolic", "sum_of_elements"]

DTYPE_BEHAVIOURS = ("to_float", "promote", "float_only")
BATCHING_KINDS = ("elementwise", "reduction", "dimwise", "view", "index", "concat", "matmul", "pointwise_loss",
                  "class_loss", "batch_dims", "batch_first", "loop")

Symbolic = Callable[..., Any]  # (sympy, *operand object arrays) -> object array


class Explain:
    """How explain() writes one op.

    expression: a template over the op's operands, e.g. "{a} · {b}" (None: explain writes the op's
      name and the results it depends on). Its fields, in order of first use, are the operands
      explain shows; their count is the op's arity there.
    rule: the local derivative rule, as one line of text.
    symbolic: the op on NumPy object arrays of SymPy expressions, `symbolic(sympy, *operands)`, for
      closed forms (None: no closed form through this op). `elementwise_symbolic` builds one from
      a function of single elements.
    infix: the operator symbol of a binary arithmetic op ("+", "−", "·", "/"): explain merges a run
      of it with one constant (a loop doubling v) into one step, and reads back the constant an add
      or subtract does not keep.
    """

    __slots__ = ("expression", "rule", "symbolic", "infix", "operands")

    def __init__(self, expression: Optional[str] = None, rule: Optional[str] = None, *,
                 symbolic: Optional[Symbolic] = None, infix: Optional[str] = None) -> None:
        self.expression = expression
        self.rule = rule
        self.symbolic = symbolic
        self.infix = infix
        names: list[str] = []
        for _, field, _, _ in string.Formatter().parse(expression or ""):
            if field is not None and field not in names:
                names.append(field)
        self.operands = tuple(names)

    @property
    def arity(self) -> int:
        """How many operands the expression shows."""
        return len(self.operands)

    def render(self, *texts: str) -> str:
        """The expression with the operands' texts in place (in the order of `operands`)."""
        assert self.expression is not None
        return self.expression.format(**dict(zip(self.operands, texts)))

    def __repr__(self) -> str:
        return f"Explain({self.expression!r}, {self.rule!r})"


def elementwise_symbolic(f: Callable[..., Any]) -> Symbolic:
    """A `symbolic` for an elementwise op from f(sympy, *elements): applied element by element."""
    def symbolic(sp: Any, *operands: Any) -> Any:
        return np.vectorize(lambda *values: f(sp, *values), otypes=[object])(*operands)
    return symbolic


def sum_of_elements(a: Any) -> Any:
    """The sum of every element of an object array, as a 0-d object array (for `symbolic`)."""
    return np.array(sum(np.asarray(a).reshape(-1)), dtype=object)


class Rule(Node):
    """Base of every op rule: a Node whose class declares the op's metadata (see the module
    docstring). Instances are the graph's nodes; the metadata lives on the class only."""

    __slots__ = ()

    batching: ClassVar[Optional[str]] = None
    explain: ClassVar[Optional[Explain]] = None
    op_name: ClassVar[Optional[str]] = None  # PyTorch's name of the op (torch.<op_name>), where declared
    dtypes: ClassVar[Optional[str]] = None   # "to_float", "promote", "float_only" (module docstring), or None
    nondiff: ClassVar[tuple[int, ...]] = ()  # positions of forward's arguments that are never edges
    aux_outputs: ClassVar[bool] = False      # forward returns (result, non-differentiable extras...)
    holomorphic: ClassVar[bool] = False      # vjp is g · f'(z): complex operands record complex_rule()
    conjugating: ClassVar[bool] = False      # True on the complex twin of a holomorphic rule only
    # forward and vjp are correctly rounded IEEE arithmetic (+ - * /): on 0-d float operands the
    # appliers may pass NumPy scalars, whose arithmetic gives the same bits at a fraction of the cost
    exact_on_scalars: ClassVar[bool] = False
    _complex_twin: ClassVar[type[Rule]]      # complex_rule()'s answer, in the class's own __dict__
    number_rule: ClassVar[Optional[type[Rule]]] = None  # recorded for `tensor op number` (module docstring)
    # dtype kinds the op refuses ("b" bool, "c" complex ...) -> (PyTorch's exception type, its message, where
    # {type} stands for the dtype's scalar type name, 'Bool', 'ComplexFloat'): the appliers check them
    # on a method of their own for such rules only (_tensor/_core.py, _refusing), not on every op
    refuses: ClassVar[Optional[dict[str, tuple[type, str]]]] = None

    @classmethod
    def complex_rule(cls) -> type[Rule]:
        """The rule to record when the operands are complex: for a holomorphic rule its twin (made
        on first use, then kept), whose vjp is conj(vjp(conj(g))), that is g · conj(f'(z)) as
        PyTorch's convention wants; any other rule is its own (its vjp is written for complex
        numbers already, or has real coefficients only)."""
        twin = cls.__dict__.get("_complex_twin")
        if twin is None:
            twin = _conjugating_twin(cls) if cls.holomorphic else cls
            cls._complex_twin = twin
        return twin


def with_number(rule: type[Rule]) -> Callable[[type[Rule]], type[Rule]]:
    """Class decorator: the decorated subclass of `rule` is its `number_rule`, under rule's name
    (grad_fn prints the same as PyTorch's, which has one node class for both)."""
    def declare(variant: type[Rule]) -> type[Rule]:
        variant.__name__, variant.__qualname__ = rule.__name__, rule.__qualname__
        rule.number_rule = variant
        return variant
    return declare


def _conjugating_twin(rule: type[Rule]) -> type[Rule]:
    """A subclass of the holomorphic `rule` with the same name whose vjp conjugates the incoming
    gradient and the gradients it returns (on arrays, and on Tensors under create_graph, where
    xp.conj records, so double backward differentiates through it)."""
    real_vjp = rule.vjp

    def vjp(self: Rule, g: Any, xp: Any) -> Any:
        conj = xp.conj
        return tuple([None if grad is None else conj(grad) for grad in real_vjp(self, conj(g), xp)])

    vjp.__doc__ = f"{rule.__name__}'s vjp for complex operands: conj(vjp(conj(g))), i.e. g · conj(f'(z))."
    body = {"__slots__": (), "__module__": rule.__module__, "__qualname__": rule.__qualname__,
            "__doc__": rule.__doc__, "vjp": vjp, "conjugating": True}
    complex_forward = getattr(rule, "complex_forward", None)
    if complex_forward is not None:  # the real forward's formula does not hold for complex numbers
        body["forward"] = staticmethod(complex_forward)
    twin: type[Rule] = type(rule.__name__, (rule,), body)
    twin._complex_twin = twin  # a twin's complex rule is itself
    return twin


def declare_batching(function: Callable[..., Any], kind: str, **spec: Any) -> Callable[..., Any]:
    """Declare the batching kind of a torch function (one of BATCHING_KINDS) and its spec: for
    "batch_dims", `dims` and `all_dims` (its dim parameters; all_dims: those whose None means every
    dim), `shared` (index tensors every example shares), `same_rank`; for "batch_first", `rank` (the
    input's rank without its batch N, None where N is required) and `folded` (tensor parameters that
    carry N with the input). vmap reads them (func/batching.py); returns the function."""
    if kind not in BATCHING_KINDS:
        raise ValueError(f"unknown batching kind {kind!r}")
    setattr(function, "batching", kind)
    setattr(function, "batching_spec", spec)
    return function

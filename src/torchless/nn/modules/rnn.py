"""Recurrent layers: nn.RNN, nn.LSTM, nn.GRU and their one-step cells, as PyTorch builds them.

The multi-layer modules run each layer and direction as one recorded node (ops/recurrent.py: the
input projection of all steps in one product, the steps' gate arithmetic, a hand-written backward
through time). Where a transform must see every op (forward-mode AD, vmap), the same arithmetic
runs as ordinary recorded Tensor ops instead. The cells are compositions of recorded ops, as
PyTorch's are (their grad_fn names are those of the last op).
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Optional

from ..._tensor import Tensor
from ..._tensor._core import apply
from ..._tensor._shape import cat, stack
from ..._tensor.creation import empty, zeros
from ..._tensor.xp import TX
from ...engine.grad_mode import no_grad
from ...engine.state import modes, shared
from ...ops import recurrent as R
from .. import functional as F
from ..parameter import Parameter
from .module import Module

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _packed_sequence_class() -> Any:
    from ..utils.rnn import PackedSequence
    return PackedSequence


class RNNBase(Module):
    """The base of RNN, LSTM and GRU: PyTorch's constructor checks, parameters (weight_ih_l{k},
    weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}, weight_hr_l{k}, with `_reverse` for the second
    direction), uniform init in ±1/sqrt(hidden_size), and the forward over layers and directions."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)  # (PyTorch converts first: float("x") raises its ValueError)
        if not isinstance(dropout, numbers.Number) or isinstance(dropout, bool) or not 0 <= dropout <= 1:  # type: ignore[operator]
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if dropout > 0 and num_layers == 1:  # type: ignore[operator]
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and "
                          f"num_layers={num_layers}", stacklevel=2)
        if not isinstance(bias, bool):
            raise TypeError(f"bias should be of type bool, got: {type(bias).__name__}")
        if not isinstance(batch_first, bool):
            raise TypeError(f"batch_first should be of type bool, got: {type(batch_first).__name__}")
        if not isinstance(input_size, int):
            raise TypeError(f"input_size should be of type int, got: {type(input_size).__name__}")
        if input_size <= 0:
            raise ValueError("input_size must be greater than zero")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        gates = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}.get(mode)
        if gates is None:
            raise ValueError("Unrecognized RNN mode: " + mode)
        gate_size = gates * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        factory = {"device": device, "dtype": dtype}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = "_reverse" if direction == 1 else ""
                shapes: list[tuple[str, tuple[int, ...]]] = [("weight_ih", (gate_size, layer_input)),
                                                             ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    name = f"{base}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(shape, **factory)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _flat_weights(self) -> list[Optional[Parameter]]:
        return [getattr(self, n, None) for n in self._flat_weights_names]

    def _torch_pickle_state(self) -> dict[str, Any]:
        # PyTorch's recurrent layers keep the list _flat_weights among their attributes (torchless
        # computes it): written, so real PyTorch unpickles the layer as its own
        state = super()._torch_pickle_state()
        state["_flat_weights"] = self._flat_weights
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        state.pop("_flat_weights", None)
        state.pop("_flat_weight_refs", None)
        super().__setstate__(state)

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each layer and direction, in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def flatten_parameters(self) -> None:
        """Nothing to do: PyTorch packs the weights into one buffer for cuDNN; NumPy needs none."""

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for weight in self.parameters():
                weight.uniform_(-stdv, stdv)

    def extra_repr(self) -> str:
        """input_size, hidden_size and the options that differ from their defaults."""
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # ------------------------------------------------------------------ checks
    def check_input(self, input: Tensor, batch_sizes: Any) -> None:
        """PyTorch's checks of the input: dtype, rank, feature size."""
        weight = self._flat_weights[0]
        if weight is not None and input.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). "
                             f"Convert input: input.to({weight.dtype}), or convert model: model.to({input.dtype})")
        expected = 2 if batch_sizes is not None else 3
        if input.dim() != expected:
            raise RuntimeError(f"input must have {expected} dimensions, got {input.dim()}")
        if self.input_size != input.size(-1):
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {input.size(-1)}")

    def get_expected_hidden_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        """(num_layers * num_directions, batch, proj_size or hidden_size)."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        directions = 2 if self.bidirectional else 1
        return (self.num_layers * directions, batch, self.proj_size if self.proj_size > 0 else self.hidden_size)

    def check_hidden_size(self, hx: Tensor, expected: tuple[int, int, int],
                          msg: str = "Expected hidden size {}, got {}") -> None:
        """RuntimeError unless hx has the expected shape."""
        if tuple(hx.shape) != expected:
            raise RuntimeError(msg.format(expected, list(hx.shape)))

    def check_forward_args(self, input: Tensor, hidden: Any, batch_sizes: Any) -> None:
        """The input's and the initial state's checks."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden, self.get_expected_hidden_size(input, batch_sizes))

    def permute_hidden(self, hx: Any, permutation: Any) -> Any:
        """hx with its batch entries in the order of `permutation` (None: as it is)."""
        if permutation is None:
            return hx
        return hx.index_select(1, permutation)

    # ------------------------------------------------------------------ the layers
    def _zeros(self, input: Tensor, batch: int, size: int) -> Tensor:
        directions = 2 if self.bidirectional else 1
        return zeros((self.num_layers * directions, batch, size), dtype=input.dtype)

    def _run(self, x: Tensor, h0: Tensor, c0: Optional[Tensor], batch_sizes: Any = None) -> tuple[Any, ...]:
        """The stacked layers on x (time first, or packed data with `batch_sizes`). Returns
        (output, h_n, c_n or None)."""
        directions = 2 if self.bidirectional else 1
        rule = R.RULES[self.mode]
        composite = shared.level >= 0 or bool(modes.vmap_active)
        bias, proj = self.bias, self.proj_size > 0
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                w = [getattr(self, n) for n in self._all_weights[k]]
                b_ih, b_hh = (w[2], w[3]) if bias else (None, None)
                w_hr = w[-1] if proj else None
                c = None if c0 is None else c0[k]
                if batch_sizes is not None:
                    res = _packed_layer(self.mode, x, batch_sizes, h0[k], c, w[0], w[1], b_ih, b_hh, w_hr,
                                        direction == 1)
                elif composite:
                    res = R._forward(TX, self.mode, x, h0[k], c, w[0], w[1], b_ih, b_hh, w_hr, direction == 1,
                                     False)[:3]
                else:
                    res = apply(rule, x, h0[k], c, w[0], w[1], b_ih, b_hh, w_hr, self.mode, direction == 1)
                outs.append(res[0])
                hs.append(res[1])
                if c0 is not None:
                    cs.append(res[2])
            x = outs[0] if directions == 1 else cat(outs, x.dim() - 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        return x, stack(hs, 0), (stack(cs, 0) if c0 is not None else None)


class _SimpleRecurrent(RNNBase):
    """RNN and GRU: one hidden state."""

    def forward(self, input: Any, hx: Optional[Tensor] = None) -> tuple[Any, Tensor]:
        """(output, h_n) for input (L, N, H_in) (N, L, H_in with batch_first), (L, H_in), or a
        PackedSequence; hx (layers * directions, N, H) or zeros."""
        directions = 2 if self.bidirectional else 1
        packed_cls = _packed_sequence_class()
        if isinstance(input, packed_cls):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            batch = int(batch_sizes[0])
            hx = self._zeros(data, batch, self.hidden_size) if hx is None else self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(data, hx, batch_sizes)
            out, h_n, _ = self._run(data, hx, None, batch_sizes)
            return packed_cls(out, batch_sizes, sorted_indices, unsorted_indices), \
                self.permute_hidden(h_n, unsorted_indices)
        name = "RNN" if self.mode.startswith("RNN") else self.mode
        if input.dim() not in (2, 3):
            got = f"{input.dim()}D tensor" if name == "RNN" else f"{input.dim()}D"
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {got} instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
            if hx is not None:
                if hx.dim() != 2:
                    raise RuntimeError(f"For unbatched 2-D input, hx should also be 2-D but got {hx.dim()}-D tensor")
                hx = hx.unsqueeze(1)
        elif hx is not None and hx.dim() != 3:
            raise RuntimeError(f"For batched 3-D input, hx should also be 3-D but got {hx.dim()}-D tensor")
        batch = input.size(0) if self.batch_first else input.size(1)
        if hx is None:
            hx = zeros((self.num_layers * directions, batch, self.hidden_size), dtype=input.dtype)
        self.check_forward_args(input, hx, None)
        x = input.transpose(0, 1) if self.batch_first else input
        out, h_n, _ = self._run(x, hx, None)
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(batch_dim)
            h_n = h_n.squeeze(1)
        return out, h_n


class RNN(_SimpleRecurrent):
    """RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False, device=None, dtype=None): an Elman RNN,
    h_t = tanh(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh) (or relu), stacked num_layers deep; dropout
    between layers while training; forward(input, hx=None) -> (output, h_n)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity == "tanh":
            mode = "RNN_TANH"
        elif self.nonlinearity == "relu":
            mode = "RNN_RELU"
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class GRU(_SimpleRecurrent):
    """GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None): gated recurrent units with PyTorch's gate order
    (r, z, n) and n = tanh(W_in x + b_in + r (W_hn h + b_hn)); forward(input, hx=None) -> (output, h_n)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)


class LSTM(RNNBase):
    """LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None): long short-term memory with PyTorch's
    gate order (i, f, g, o) and optional projections (weight_hr); forward(input, (h0, c0)=None) ->
    (output, (h_n, c_n))."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def get_expected_cell_size(self, input: Tensor, batch_sizes: Any) -> tuple[int, int, int]:
        """(num_layers * num_directions, batch, hidden_size)."""
        if batch_sizes is not None:
            batch = int(batch_sizes[0])
        else:
            batch = input.size(0) if self.batch_first else input.size(1)
        return (self.num_layers * (2 if self.bidirectional else 1), batch, self.hidden_size)

    def check_forward_args(self, input: Tensor, hidden: Any, batch_sizes: Any) -> None:  # type: ignore[override]
        """The input's checks and both initial states' shapes."""
        self.check_input(input, batch_sizes)
        self.check_hidden_size(hidden[0], self.get_expected_hidden_size(input, batch_sizes),
                               "Expected hidden[0] size {}, got {}")
        self.check_hidden_size(hidden[1], self.get_expected_cell_size(input, batch_sizes),
                               "Expected hidden[1] size {}, got {}")

    def permute_hidden(self, hx: Any, permutation: Any) -> Any:  # type: ignore[override]
        """Both states with their batch entries in the order of `permutation`."""
        if permutation is None:
            return hx
        return hx[0].index_select(1, permutation), hx[1].index_select(1, permutation)

    def forward(self, input: Any, hx: Any = None) -> tuple[Any, tuple[Tensor, Tensor]]:
        """(output, (h_n, c_n)) for input (L, N, H_in) (N, L, H_in with batch_first), (L, H_in), or a
        PackedSequence; hx = (h0, c0) or zeros."""
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed_cls = _packed_sequence_class()
        if isinstance(input, packed_cls):
            data, batch_sizes, sorted_indices, unsorted_indices = input
            batch = int(batch_sizes[0])
            if hx is None:
                hx = (self._zeros(data, batch, real_hidden), self._zeros(data, batch, self.hidden_size))
            else:
                hx = self.permute_hidden(hx, sorted_indices)
            self.check_forward_args(data, hx, batch_sizes)
            out, h_n, c_n = self._run(data, hx[0], hx[1], batch_sizes)
            return packed_cls(out, batch_sizes, sorted_indices, unsorted_indices), \
                self.permute_hidden((h_n, c_n), unsorted_indices)
        if input.dim() not in (2, 3):
            raise ValueError(f"LSTM: Expected input to be 2D or 3D, got {input.dim()}D instead")
        batched = input.dim() == 3
        batch_dim = 0 if self.batch_first else 1
        if not batched:
            input = input.unsqueeze(batch_dim)
        batch = input.size(0) if self.batch_first else input.size(1)
        if hx is None:
            hx = (zeros((self.num_layers * directions, batch, real_hidden), dtype=input.dtype),
                  zeros((self.num_layers * directions, batch, self.hidden_size), dtype=input.dtype))
        else:
            if batched:
                if hx[0].dim() != 3 or hx[1].dim() != 3:
                    raise RuntimeError("For batched 3-D input, hx and cx should also be 3-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
            else:
                if hx[0].dim() != 2 or hx[1].dim() != 2:
                    raise RuntimeError("For unbatched 2-D input, hx and cx should also be 2-D but got "
                                       f"({hx[0].dim()}-D, {hx[1].dim()}-D) tensors")
                hx = (hx[0].unsqueeze(1), hx[1].unsqueeze(1))
        self.check_forward_args(input, hx, None)
        x = input.transpose(0, 1) if self.batch_first else input
        out, h_n, c_n = self._run(x, hx[0], hx[1])
        if self.batch_first:
            out = out.transpose(0, 1)
        if not batched:
            out = out.squeeze(batch_dim)
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return out, (h_n, c_n)


def _packed_layer(mode: str, data: Tensor, batch_sizes: Any, h0: Tensor, c0: Optional[Tensor], w_ih: Tensor,
                  w_hh: Tensor, b_ih: Optional[Tensor], b_hh: Optional[Tensor], w_hr: Optional[Tensor],
                  reverse: bool) -> tuple[Any, ...]:
    """One layer over packed data (sum of batch_sizes, I): step t works on the batch_sizes[t] sequences
    still running (the longest first), in recorded Tensor ops. Returns (packed output, h_n, c_n)."""
    sizes = [int(s) for s in batch_sizes.tolist()]
    offsets = [0]
    for s in sizes:
        offsets.append(offsets[-1] + s)
    T = len(sizes)
    H = w_hh.shape[0] // (4 if mode == "LSTM" else 3 if mode == "GRU" else 1)
    outs: list[Any] = [None] * T
    if not reverse:
        h, c = h0, c0
        finals_h: list[Any] = []  # the states of sequences that ended, the shortest last
        finals_c: list[Any] = []
        for t in range(T):
            n = sizes[t]
            if h.shape[0] > n:  # sequences n.. ended at the previous step
                finals_h.append(h[n:])
                h = h[:n]
                if c is not None:
                    finals_c.append(c[n:])
                    c = c[:n]
            h, c = _cell(mode, data[offsets[t]:offsets[t + 1]], h, c, w_ih, w_hh, b_ih, b_hh, w_hr, H)
            outs[t] = h
        finals_h.append(h)
        finals_c.append(c)
        h_n = cat(finals_h[::-1], 0)
        c_n = cat(finals_c[::-1], 0) if c0 is not None else None
    else:
        h = h0[:sizes[-1]]
        c = None if c0 is None else c0[:sizes[-1]]
        for t in range(T - 1, -1, -1):
            n = sizes[t]
            if h.shape[0] < n:  # sequences that start here (from their end) begin from h0
                h = cat([h, h0[h.shape[0]:n]], 0)
                if c is not None and c0 is not None:
                    c = cat([c, c0[c.shape[0]:n]], 0)
            h, c = _cell(mode, data[offsets[t]:offsets[t + 1]], h, c, w_ih, w_hh, b_ih, b_hh, w_hr, H)
            outs[t] = h
        h_n, c_n = h, c
    return cat(outs, 0), h_n, c_n


def _cell(mode: str, x: Tensor, h: Tensor, c: Optional[Tensor], w_ih: Tensor, w_hh: Tensor, b_ih: Optional[Tensor],
          b_hh: Optional[Tensor], w_hr: Optional[Tensor], H: int) -> tuple[Tensor, Optional[Tensor]]:
    """One step of a cell in recorded ops: (h', c') (c' None but for an LSTM)."""
    gi = F.linear(x, w_ih, b_ih)
    gh = F.linear(h, w_hh, b_hh)
    if mode == "LSTM":
        i, f, g, o = (gi + gh).chunk(4, 1)
        assert c is not None
        c = f.sigmoid() * c + i.sigmoid() * g.tanh()
        h = o.sigmoid() * c.tanh()
        if w_hr is not None:
            h = F.linear(h, w_hr)
        return h, c
    if mode == "GRU":
        i_r, i_z, i_n = gi.chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = (i_r + h_r).sigmoid()
        z = (i_z + h_z).sigmoid()
        n = (i_n + r * h_n).tanh()
        return (h - n) * z + n, None
    a = gi + gh
    return (a.tanh() if mode == "RNN_TANH" else a.relu()), None


# ================================================================================ cells
class RNNCellBase(Module):
    """The base of the cells: weight_ih (chunks * hidden, input), weight_hh (chunks * hidden, hidden),
    bias_ih and bias_hh, drawn from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        factory = {"device": device, "dtype": dtype}
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), **factory))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), **factory))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, **factory))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def extra_repr(self) -> str:
        """input_size, hidden_size, and bias / nonlinearity where not the default."""
        s = f"{self.input_size}, {self.hidden_size}"
        if "bias" in self.__dict__ and self.bias is not True:
            s += f", bias={self.bias}"
        if "nonlinearity" in self.__dict__ and self.__dict__["nonlinearity"] != "tanh":
            s += f", nonlinearity={self.__dict__['nonlinearity']}"
        return s

    def reset_parameters(self) -> None:
        """Draw every parameter from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        with no_grad():
            for weight in self.parameters():
                weight.uniform_(-stdv, stdv)

    def _check(self, input: Tensor, hx: Tensor, which: str = "hidden0") -> None:
        """PyTorch's checks of a step's input and state sizes."""
        if input.size(1) != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.size(1)} expected {self.input_size}")
        if hx.size(1) != self.hidden_size:
            raise RuntimeError(f"{which} has inconsistent hidden_size: got {hx.size(1)}, expected {self.hidden_size}")
        if input.size(0) != hx.size(0):
            raise RuntimeError(f"Input batch size {input.size(0)} doesn't match {which} batch size {hx.size(0)}")

    def _one_state(self, name: str, input: Tensor, hx: Optional[Tensor]) -> tuple[Tensor, Tensor, bool]:
        if input.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None and hx.dim() not in (1, 2):
            raise ValueError(f"{name}: Expected hidden to be 1D or 2D, got {hx.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            hx = zeros((input.size(0), self.hidden_size), dtype=input.dtype)
        elif not batched:
            hx = hx.unsqueeze(0)
        self._check(input, hx)
        return input, hx, batched


class RNNCell(RNNCellBase):
    """RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None):
    h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (or relu); forward(input, hx=None) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        """One step: the next hidden state, (N, hidden_size) or (hidden_size,)."""
        input, hx, batched = self._one_state("RNNCell", input, hx)
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        h, _ = _cell("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", input, hx, None, self.weight_ih,
                     self.weight_hh, self.bias_ih, self.bias_hh, None, self.hidden_size)
        return h if batched else h.squeeze(0)


class GRUCell(RNNCellBase):
    """GRUCell(input_size, hidden_size, bias=True, device=None, dtype=None): one GRU step (gate order
    r, z, n); forward(input, hx=None) -> h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        """One step: the next hidden state, (N, hidden_size) or (hidden_size,)."""
        input, hx, batched = self._one_state("GRUCell", input, hx)
        h, _ = _cell("GRU", input, hx, None, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None,
                     self.hidden_size)
        return h if batched else h.squeeze(0)


class LSTMCell(RNNCellBase):
    """LSTMCell(input_size, hidden_size, bias=True, device=None, dtype=None): one LSTM step (gate
    order i, f, g, o); forward(input, (h, c)=None) -> (h', c')."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[tuple[Tensor, Tensor]] = None) -> tuple[Tensor, Tensor]:
        """One step: (h', c'), each (N, hidden_size) or (hidden_size,)."""
        if input.dim() not in (1, 2):
            raise ValueError(f"LSTMCell: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if hx is not None:
            for idx, value in enumerate(hx):
                if value.dim() not in (1, 2):
                    raise ValueError(f"LSTMCell: Expected hx[{idx}] to be 1D or 2D, got {value.dim()}D instead")
        batched = input.dim() == 2
        if not batched:
            input = input.unsqueeze(0)
        if hx is None:
            z = zeros((input.size(0), self.hidden_size), dtype=input.dtype)
            hx = (z, z)
        elif not batched:
            hx = (hx[0].unsqueeze(0), hx[1].unsqueeze(0))
        self._check(input, hx[0], "hidden0")
        self._check(input, hx[1], "hidden1")
        h, c = _cell("LSTM", input, hx[0], hx[1], self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, None,
                     self.hidden_size)
        assert c is not None
        return (h, c) if batched else (h.squeeze(0), c.squeeze(0))

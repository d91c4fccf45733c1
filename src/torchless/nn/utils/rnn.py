"""Sequences of different lengths for the recurrent layers (torch.nn.utils.rnn): padding them into one
tensor, packing a padded batch (PackedSequence: the steps' rows one after another, the sequences
still running at each step first) and unpacking it. Every result is built from recorded ops, so
gradients flow through packing and padding."""
from __future__ import annotations

from typing import Any, NamedTuple, Optional, Sequence

import numpy as np

from ... import _dtype as D
from ..._tensor import Tensor
from ..._tensor._shape import cat, stack
from ..._tensor.creation import full, tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Optional[Tensor]
    unsorted_indices: Optional[Tensor]


class PackedSequence(PackedSequence_):
    """A batch of sequences packed step by step: `data` holds step 0's row of every sequence, then
    step 1's of those still running, ...; `batch_sizes[t]` says how many run at step t;
    `sorted_indices` orders the batch by decreasing length (None: it already was) and
    `unsorted_indices` undoes it. Build it with pack_padded_sequence or pack_sequence."""

    def __new__(cls, data: Tensor, batch_sizes: Optional[Tensor] = None, sorted_indices: Optional[Tensor] = None,
                unsorted_indices: Optional[Tensor] = None) -> "PackedSequence":
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:  # PackedSequence(data, batch_sizes) as a tuple of both
            data, batch_sizes = data  # type: ignore[misc]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args: Any, **kwargs: Any) -> "PackedSequence":
        """The same packing with `data` converted by Tensor.to (the indices stay as they are)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def float(self) -> "PackedSequence":
        """data as float32."""
        return self.to(dtype=D.float32)

    def double(self) -> "PackedSequence":
        """data as float64."""
        return self.to(dtype=D.float64)

    @property
    def is_cuda(self) -> bool:
        """False: data lives on the CPU."""
        return False

    def is_pinned(self) -> bool:
        """False (no pinned memory on NumPy)."""
        return False


def invert_permutation(permutation: Optional[Tensor]) -> Optional[Tensor]:
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    p = permutation.numpy()
    inverse = np.empty_like(p)
    inverse[p] = np.arange(p.size, dtype=p.dtype)
    return tensor(inverse)


def _lengths_list(lengths: Any) -> list[int]:
    if isinstance(lengths, Tensor):
        if lengths.dim() != 1:
            raise RuntimeError(f"'lengths' argument should be a 1D tensor, but got a {lengths.dim()}D tensor")
        return [int(v) for v in lengths.tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch (T, B, *) ((B, T, *) with batch_first) of sequences of the given lengths.
    With enforce_sorted the lengths must decrease; otherwise the batch is sorted first and the
    PackedSequence remembers how."""
    sizes = _lengths_list(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(sizes, sizes[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
        sorted_indices = tensor(np.array(order, dtype=np.int64))
        sizes = [sizes[i] for i in order]
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if any(s <= 0 for s in sizes):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    T = sizes[0] if sizes else 0
    if T > input.shape[0]:
        raise RuntimeError(f"Expected sequence length to be at most {input.shape[0]}, but got {T}")
    batch_sizes = [sum(1 for s in sizes if s > t) for t in range(T)]
    data = cat([input[t, :n] for t, n in enumerate(batch_sizes)], 0)
    return PackedSequence(data, tensor(np.array(batch_sizes, dtype=np.int64)), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: Optional[int] = None) -> tuple[Tensor, Tensor]:
    """Unpack a PackedSequence into a padded batch (T, B, *) ((B, T, *) with batch_first), padded with
    padding_value up to total_length steps when given; returns (padded, lengths) in the batch's
    original order."""
    data, batch_sizes, _, unsorted_indices = sequence
    sizes = [int(v) for v in batch_sizes.tolist()]
    T = len(sizes)
    if total_length is not None:
        if total_length < T:
            raise ValueError("Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {T}")
    B = sizes[0]
    rest = tuple(data.shape[1:])
    rows = []
    offset = 0
    for n in sizes:
        piece = data[offset:offset + n]
        offset += n
        if n < B:
            piece = cat([piece, full((B - n,) + rest, padding_value, dtype=data.dtype)], 0)
        rows.append(piece)
    steps = T if total_length is None else total_length
    for _ in range(steps - T):
        rows.append(full((B,) + rest, padding_value, dtype=data.dtype))
    padded = stack(rows, 0)
    lengths = np.array([sum(1 for n in sizes if n > b) for b in range(B)], dtype=np.int64)
    if unsorted_indices is not None:
        padded = padded.index_select(1, unsorted_indices)
        lengths = lengths[unsorted_indices.numpy()]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, tensor(lengths)


def pad_sequence(sequences: Any, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack tensors of shapes (L_i, *) into one (max L, B, *) ((B, max L, *) with batch_first), each
    padded with padding_value on its right (or left) end."""
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            pad = full((missing,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = cat([s, pad] if padding_side == "right" else [pad, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths: Tensor, batch_first: bool = False) -> list[Tensor]:
    """The sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences.unbind(0), _lengths_list(lengths))]


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of tensors (L_i, *) (pad_sequence, then pack_padded_sequence)."""
    lengths = tensor(np.array([s.size(0) for s in sequences], dtype=np.int64))
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of tensors a PackedSequence holds, in their original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)

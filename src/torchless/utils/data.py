"""torch.utils.data: datasets, samplers, DataLoader, random_split, default_collate.

Single-process only: `num_workers` is accepted and ignored (the batches come from this process).

Fast path: a DataLoader over a TensorDataset (or a Subset of one) with the default collate takes each
batch with one NumPy `take` per tensor, instead of indexing sample by sample and stacking.
"""
import bisect
import collections.abc as abc
import math
import numbers
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from typing import Any, cast

import numpy as np

from .._random import Stream, rng as _rng
from .._tensor.creation import Generator
from .._tensor.creation import tensor
from .._tensor import Tensor
from .._tensor._core import _plain
from ..engine.grad_mode import state as _grad_state

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "Subset", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "DataLoader",
           "random_split", "default_collate", "default_convert", "get_worker_info"]


# ============================================================================ datasets
class Dataset:
    """Dataset(): the base of map-style datasets.

    Subclasses define __getitem__(index) (one sample) and, for the samplers, __len__(); `a + b`
    concatenates two datasets."""

    def __class_getitem__(cls, item: Any) -> Any:  # Dataset[int] in annotations and base classes, as in PyTorch
        return cls

    def __getitem__(self, index: Any) -> Any:
        """The sample at `index` (subclasses define it)."""
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        """The two datasets one after the other (a ConcatDataset)."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """IterableDataset(): the base of datasets that are streams; subclasses define __iter__().

    A DataLoader reads it in order (no sampler, no shuffle) and batches what it yields."""

    def __iter__(self) -> Iterator[Any]:
        """The samples, one after another (subclasses define it)."""
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other: "Dataset") -> "ConcatDataset":
        """Streams cannot be concatenated: TypeError."""
        raise TypeError("IterableDataset does not support '+' (ConcatDataset needs map-style datasets)")


class TensorDataset(Dataset):
    """TensorDataset(*tensors): sample i is (t[i] for t in tensors), as a tuple.

    All tensors share their first dimension, the number of samples."""

    def __init__(self, *tensors: Tensor) -> None:
        sizes = [t.size(0) for t in tensors]
        if any(s != sizes[0] for s in sizes):
            # PyTorch raises AssertionError here; so do we (raised explicitly, so python -O keeps it)
            raise AssertionError(f"Size mismatch between tensors: every tensor must have the same size "
                                 f"in dimension 0 (got sizes {sizes})")
        self.tensors = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        """(t[index] for each tensor), as a tuple."""
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        """The size of the tensors' first dim."""
        return self.tensors[0].size(0)


class ConcatDataset(Dataset):
    """ConcatDataset(datasets): the map-style datasets one after another, indexed as one."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets: list[Any] = list(datasets)
        if not self.datasets:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self) -> int:
        """The total number of samples."""
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        """Sample idx of the concatenation (negative counts from the end)."""
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class Subset(Dataset):
    """Subset(dataset, indices): the samples of `dataset` at `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: int | list[int]) -> Any:
        """The sample at indices[idx] of the dataset (a list of positions gives their samples)."""
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> Any:
        """The samples at several positions, fetched together when the dataset can."""
        inner = getattr(self.dataset, "__getitems__", None)
        if inner is not None:
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        """The number of indices."""
        return len(self.indices)


def random_split(dataset: Dataset, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """random_split(dataset, lengths, generator=None) -> list[Subset]: split at random.

    The samples are shuffled and cut into non-overlapping Subsets of the given lengths, or of the
    given fractions of the dataset (summing to 1; the remainder goes round-robin to the first
    subsets, as in PyTorch). generator: the random stream to shuffle with."""
    n = len(cast(Sized, dataset))  # a map-style dataset has a length
    sizes: list[Any] = list(lengths)  # fractions are turned into sizes next
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):   # hand out the remainder round-robin, as PyTorch does
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.")
    if sum(sizes) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths sum to {sum(sizes)}, the dataset has {n} samples)")
    order = _rng(generator).perm(n).tolist()
    subsets, start = [], 0
    for size in sizes:
        subsets.append(Subset(dataset, order[start:start + size]))
        start += size
    return subsets


# ============================================================================ samplers
def _is_integral(value: object) -> bool:
    """Whether value is an integer of any kind (int, NumPy integer, bool ...)."""
    return isinstance(value, numbers.Integral)


def _is_positive_int(value: object) -> bool:
    """Whether value is a positive integer, not a bool (PyTorch's check on sizes and counts)."""
    return not isinstance(value, bool) and isinstance(value, numbers.Integral) and int(value) > 0


class Sampler:
    """Sampler(data_source=None): the base of samplers, which yield dataset indices each epoch (or,
    for a batch sampler, lists of indices); subclasses define __iter__ and usually __len__."""

    def __class_getitem__(cls, item: Any) -> Any:
        return cls

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        """The indices, one epoch's worth (subclasses define it)."""
        raise NotImplementedError


class SequentialSampler(Sampler):
    """SequentialSampler(data_source): the indices 0 .. len(data_source) - 1, in order."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        """0, 1, ..., len(data_source) - 1."""
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        """The number of samples."""
        return len(self.data_source)

    def _order(self) -> np.ndarray:
        """The epoch's indices as one array (what the DataLoader's fast path takes batches from)."""
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """RandomSampler(data_source, replacement=False, num_samples=None, generator=None): random indices.

    Each epoch gives a fresh permutation (whole permutations one after another when num_samples
    exceeds the dataset), or, with replacement=True, num_samples independent draws. generator: the
    random stream to draw from."""

    def __init__(self, data_source: Sized, replacement: bool = False, num_samples: int | None = None,
                 generator: Generator | None = None) -> None:
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not _is_integral(self.num_samples) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self) -> int:
        """The number of indices per epoch (the dataset's length unless given)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def _order(self) -> np.ndarray:
        """A fresh random order (or draws with replacement) as one array."""
        n = len(self.data_source)
        if self.generator is None:
            # PyTorch seeds a fresh generator from the default one each epoch:
            # torch.empty((), dtype=torch.int64).random_() then Generator().manual_seed(that)
            rng = Stream(int(_rng().default_ints(1, np.int64)[0]))
        else:
            rng = _rng(self.generator)
        if self.replacement:  # randint(high=n) in chunks of 32: the same words as one draw
            return rng.ints(self.num_samples, 0, n)
        # whole permutations one after another, then one more cut short (always drawn, as in PyTorch)
        reps = self.num_samples // n + 1
        return np.concatenate([rng.perm(n) for _ in range(reps)])[:self.num_samples]

    def __iter__(self) -> Iterator[int]:
        """The indices in a fresh random order."""
        return iter(self._order().tolist())

    def __len__(self) -> int:
        """num_samples."""
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """SubsetRandomSampler(indices, generator=None): the given indices, in a fresh random order each
    epoch."""

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def _order(self) -> np.ndarray:
        """The indices in a fresh random order, as one array."""
        perm = _rng(self.generator).perm(len(self.indices))
        return np.asarray(self.indices)[perm]

    def __iter__(self) -> Iterator[int]:
        """The indices in a fresh random order."""
        return iter(self._order().tolist())

    def __len__(self) -> int:
        """The number of indices."""
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """WeightedRandomSampler(weights, num_samples, replacement=True, generator=None): num_samples
    indices drawn with probabilities proportional to `weights` (one weight per sample; without
    replacement, each index at most once)."""

    def __init__(self, weights: Sequence[float] | Tensor, num_samples: int, replacement: bool = True,
                 generator: Generator | None = None) -> None:
        if not _is_positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {w.shape}")
        if not replacement and num_samples > w.size:
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
            raise RuntimeError("invalid weights: they must be finite, non-negative and not all zero")
        self.weights = _plain(w)
        self.num_samples = num_samples
        self.replacement = replacement
        self.generator = generator

    def _order(self) -> np.ndarray:
        """num_samples weighted draws, as one array."""
        from .._tensor.functions import multinomial
        return multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)._data

    def __iter__(self) -> Iterator[int]:
        """num_samples indices drawn by weight."""
        return iter(self._order().tolist())

    def __len__(self) -> int:
        """num_samples."""
        return self.num_samples


class BatchSampler(Sampler):
    """BatchSampler(sampler, batch_size, drop_last): the indices of `sampler` grouped into lists of
    batch_size (the last one shorter, or dropped when drop_last)."""

    def __init__(self, sampler: Sampler | Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler: Any = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def _index_batches(self) -> list[np.ndarray]:
        """The batches as NumPy index arrays, when the sampler can give its whole order at once."""
        order = self.sampler._order()
        bs, n = self.batch_size, len(order)
        stop = n - n % bs if self.drop_last else n
        return [order[i:i + bs] for i in range(0, stop, bs)]

    def __iter__(self) -> Iterator[list[int]]:
        """The batches: lists of batch_size indices."""
        if hasattr(self.sampler, "_order"):
            for idx in self._index_batches():
                yield idx.tolist()
            return
        batch = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        """The number of batches."""
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)


# ============================================================================ collation
_COLLATE_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                  "found {}")


def _stack_tensors(batch: list[Tensor]) -> Tensor:
    """The tensors stacked along a new dim 0 (recorded when one of them requires grad)."""
    if _grad_state.enabled and any(t._rg for t in batch):
        from .._tensor._shape import stack
        return stack(batch, 0)   # keeps the graph, as PyTorch's collate does
    shape = batch[0]._data.shape
    for i, t in enumerate(batch):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} at entry 0 "
                               f"and {list(t._data.shape)} at entry {i} (make every sample "
                               "the same shape, or pass a collate_fn that pads them)")
    return _plain(np.stack([t._data for t in batch]))


def default_collate(batch: list[Any]) -> Any:
    """default_collate(batch) -> batched data: the samples of a batch merged into one.

    Tensors, NumPy arrays and numbers are stacked along a new dim 0; dicts are collated key by key,
    tuples and lists field by field (a list of the batched fields comes back for tuples, as in
    PyTorch); strings stay a list. This is what a DataLoader uses when no collate_fn is given."""
    elem = batch[0]
    kind = type(elem)
    if kind is Tensor or isinstance(elem, Tensor):
        return _stack_tensors(batch)
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return _plain(np.stack(batch))
    if isinstance(elem, np.generic) and elem.dtype.kind not in "OSUV":
        return _plain(np.asarray(batch))    # NumPy scalars keep their dtype
    if isinstance(elem, int):
        return tensor(batch)     # dtype inferred from all samples, as PyTorch does: [1, 2.5] is float32
    if isinstance(elem, float):
        return _plain(np.asarray(batch, dtype=np.float64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, abc.Mapping):
        fields = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return kind(fields)
        except TypeError:
            return fields
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):   # namedtuple
        return kind(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(list(field)) for field in zip(*batch)]
        if isinstance(elem, tuple):
            return columns          # PyTorch gives a list for tuple samples
        try:
            return kind(columns)
        except TypeError:
            return columns
    raise TypeError(_COLLATE_ERROR.format(kind))


def default_convert(data: Any) -> Any:
    """default_convert(data) -> data with NumPy arrays made tensors (inside containers too).

    What a DataLoader with batch_size=None uses on each sample; everything else is unchanged."""
    if isinstance(data, np.ndarray) and data.dtype.kind not in "OSUV":
        return _plain(data)
    if isinstance(data, abc.Mapping):
        mapping_type: Any = type(data)
        return mapping_type({k: default_convert(v) for k, v in data.items()})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(v) for v in data))
    if isinstance(data, tuple):
        return [default_convert(v) for v in data]
    if isinstance(data, list):
        return [default_convert(v) for v in data]
    return data


def get_worker_info() -> None:
    """Information on the current DataLoader worker process: None, as torchless loads every batch
    in the main process."""
    return None   # always the main process


# ============================================================================ DataLoader
def _tensor_source(dataset: Any) -> tuple[tuple[Tensor, ...], np.ndarray | None] | None:
    """(tensors, index map) when `dataset` is a TensorDataset or Subsets of one, else None."""
    index_map = None
    while type(dataset) is Subset:
        idx = np.asarray(dataset.indices, dtype=np.int64)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    tensors = dataset.tensors
    if not all(isinstance(t, Tensor) and not t._rg for t in tensors):
        return None     # tensors that require grad go through indexing ops (graph recorded)
    return tensors, index_map


class DataLoader:
    """DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
    num_workers=0, collate_fn=None, drop_last=False, generator=None, ...): batches of a dataset.

    Each iteration is one epoch, reshuffled when shuffle=True. batch_size: samples per batch
    (None: no batching, each sample converted on its own); sampler or batch_sampler: the order
    of the indices instead (not with shuffle); collate_fn: merges a list of samples into a batch
    (default_collate); drop_last: drop the last, smaller batch; generator: the random stream for
    shuffling. num_workers, pin_memory, timeout and the other process options are accepted:
    batches are always made in this process."""

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Sampler | Iterable[Any] | None = None,
                 batch_sampler: Sampler | Iterable[list[Any]] | None = None, num_workers: int = 0,
                 collate_fn: Callable[[Any], Any] | None = None, pin_memory: bool = False, drop_last: bool = False,
                 timeout: float = 0, worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False, pin_memory_device: str = "",
                 in_order: bool = True) -> None:
        if not _is_integral(num_workers) or num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        self.dataset: Any = dataset
        self.num_workers = num_workers      # accepted; batches are always made in this process
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.generator = generator
        self._iterable = isinstance(dataset, IterableDataset)

        if self._iterable:
            if shuffle not in (None, False):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler "
                                 f"option, but got batch_sampler={batch_sampler}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")

        if sampler is None and not self._iterable:
            sized = cast(Sized, dataset)  # a map-style dataset has a length
            sampler = RandomSampler(sized, generator=generator) if shuffle else SequentialSampler(sized)
        if batch_size is not None and batch_sampler is None and not self._iterable:
            batch_sampler = BatchSampler(cast(Sampler, sampler), batch_size, drop_last)  # not None: set above
        elif batch_size is not None and self._iterable and not _is_positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler: Any = sampler
        self.batch_sampler: Any = batch_sampler
        self._auto_collation = batch_sampler is not None or (self._iterable and batch_size is not None)
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    def __len__(self) -> int:
        """The number of batches per epoch (of samples with batch_size=None)."""
        if self._iterable:
            n = len(self.dataset)      # TypeError when the stream has no length, as in PyTorch
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self) -> Iterator[Any]:
        """One epoch: the batches, collated (a fresh shuffle each time when shuffle=True)."""
        # PyTorch's loader iterator draws a base seed for its workers each epoch, from
        # `generator` or the default stream (random_() on an int64 scalar), even with no workers
        _rng(self.generator).default_ints(1, np.int64)
        if self._iterable:
            return self._iter_stream()
        if not self._auto_collation:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        if self._default_collate and type(self.batch_sampler) is BatchSampler and \
                hasattr(self.batch_sampler.sampler, "_order"):
            source = _tensor_source(self.dataset)
            if source is not None:
                return self._iter_tensor_batches(*source)
        return self._iter_batches()

    def _iter_tensor_batches(self, tensors: tuple[Tensor, ...], index_map: np.ndarray | None) -> Iterator[list[Tensor]]:
        """The fast path: each batch taken from the tensors with one NumPy take per tensor."""
        arrays = [t._data for t in tensors]
        for idx in self.batch_sampler._index_batches():
            if index_map is not None:
                idx = index_map[idx]
            yield [_plain(a.take(idx, axis=0)) for a in arrays]

    def _iter_batches(self) -> Iterator[Any]:
        """Each batch fetched sample by sample (or with __getitems__) and collated."""
        dataset = self.dataset
        fetch_many = getattr(dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            samples = fetch_many(indices) if fetch_many is not None else [dataset[i] for i in indices]
            yield self.collate_fn(samples)

    def _iter_stream(self) -> Iterator[Any]:
        """The batches of an IterableDataset."""
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

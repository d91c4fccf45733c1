"""torch.utils.data: datasets, samplers, DataLoader, random_split, default_collate (against PyTorch)."""
import collections
import math

import numpy as np
import pytest

import torchless
from torchless.utils import data

from .conftest import assert_same, to_numpy


# ============================================================================ collation vs PyTorch
def _collate_cases(lib):
    return [
        [1, 2, 3],
        [1.5, 2.0],
        [True, False],
        [np.float32(1.5), np.float32(2.0)],
        [np.int32(3), np.int32(4)],
        [np.array([1.0, 2.0]), np.array([3.0, 4.0])],
        [np.array([[1, 2]], dtype=np.int16), np.array([[3, 4]], dtype=np.int16)],
        [lib.ones(2, 3), lib.zeros(2, 3)],
        [lib.tensor(1), lib.tensor(2)],
        [lib.tensor([1.0], dtype=lib.float64), lib.tensor([2.0], dtype=lib.float64)],
        [1, 2.5],
        [2.5, 1],
        [True, 2],
    ]


@pytest.mark.parametrize("case", range(13))
def test_default_collate_leaves_match_torch(torch_ref, case):
    from torch.utils.data import default_collate as torch_collate
    ours = data.default_collate(_collate_cases(torchless)[case])
    theirs = torch_collate(_collate_cases(torch_ref)[case])
    assert_same(ours, theirs)


def test_default_collate_structures_match_torch(torch_ref):
    from torch.utils.data import default_collate as torch_collate

    def samples(lib):
        return [({"x": lib.ones(2) * i, "y": i, "name": f"s{i}"}, [i * 1.0, lib.tensor(i)]) for i in range(3)]

    ours, theirs = data.default_collate(samples(torchless)), torch_collate(samples(torch_ref))
    assert type(ours) is type(theirs) is list            # tuple samples collate to a list, as in torch
    assert type(ours[0]) is type(theirs[0]) is dict
    assert ours[0]["name"] == theirs[0]["name"] == ["s0", "s1", "s2"]
    for key in ("x", "y"):
        assert_same(ours[0][key], theirs[0][key])
    assert type(ours[1]) is list and len(ours[1]) == 2
    for a, b in zip(ours[1], theirs[1]):
        assert_same(a, b)


def test_default_collate_namedtuple_and_ordereddict():
    Point = collections.namedtuple("Point", "x y")
    out = data.default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert type(out) is Point
    assert out.x.dtype == torchless.int64 and out.y.dtype == torchless.float64
    od = data.default_collate([collections.OrderedDict(a=1), collections.OrderedDict(a=2)])
    assert type(od) is collections.OrderedDict and od["a"].tolist() == [1, 2]


def test_default_collate_errors(torch_ref):
    from torch.utils.data import default_collate as torch_collate
    for lib_collate in (data.default_collate, torch_collate):
        with pytest.raises(TypeError, match="default_collate: batch must contain"):
            lib_collate([None, None])
        with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
            lib_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        data.default_collate([torchless.ones(2), torchless.ones(3)])


def test_collate_keeps_graph_for_tensors_that_require_grad():
    a = torchless.ones(2, requires_grad=True)
    out = data.default_collate([a, a * 2])
    assert type(out.grad_fn).__name__ == "StackBackward0"
    out.sum().backward()
    assert a.grad.tolist() == [3.0, 3.0]


# ============================================================================ TensorDataset / DataLoader
def test_tensor_dataset_items_and_size_mismatch(torch_ref):
    X, y = torchless.arange(12.0).reshape(6, 2), torchless.arange(6)
    ds = data.TensorDataset(X, y)
    assert len(ds) == 6
    x2, y2 = ds[2]
    assert x2.tolist() == [4.0, 5.0] and y2.item() == 2
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        data.TensorDataset(torchless.ones(3), torchless.ones(4))
    with pytest.raises(AssertionError, match="Size mismatch between tensors"):
        torch_ref.utils.data.TensorDataset(torch_ref.ones(3), torch_ref.ones(4))


@pytest.mark.parametrize("n,batch_size,drop_last", [(10, 3, False), (10, 3, True), (10, 5, False), (7, 10, False),
                                                    (7, 10, True), (1, 1, False)])
def test_dataloader_sequential_matches_torch(torch_ref, n, batch_size, drop_last):
    def batches(lib):
        X = lib.arange(n * 3, dtype=lib.float32).reshape(n, 3)
        y = lib.arange(n)
        loader = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(X, y), batch_size=batch_size,
                                           drop_last=drop_last, num_workers=0)
        return len(loader), list(loader)

    (len_ours, ours), (len_theirs, theirs) = batches(torchless), batches(torch_ref)
    assert len_ours == len_theirs == len(ours) == len(theirs)
    assert all(type(b) is list for b in ours) and all(type(b) is list for b in theirs)
    for (xa, ya), (xb, yb) in zip(ours, theirs):
        assert_same(xa, xb)
        assert_same(ya, yb)


@pytest.mark.parametrize("through_subset", [False, True])
def test_shuffle_covers_every_sample_once_per_epoch_and_reshuffles(through_subset):
    torchless.manual_seed(0)
    n = 50
    ds = data.TensorDataset(torchless.arange(n).float().reshape(n, 1), torchless.arange(n))
    if through_subset:
        ds = data.Subset(ds, list(range(n - 1, -1, -1)))
    loader = data.DataLoader(ds, batch_size=8, shuffle=True)
    orders = []
    for _ in range(3):
        seen = []
        for xb, yb in loader:
            assert xb.shape[1:] == (1,) and xb.dtype == torchless.float32 and yb.dtype == torchless.int64
            assert (xb[:, 0].long() == yb).all()            # features stay paired with labels
            seen += yb.tolist()
        assert sorted(seen) == list(range(n))
        orders.append(seen)
    assert orders[0] != orders[1] != orders[2]             # a new order every epoch
    assert orders[0] != list(range(n))


def test_shuffle_is_reproducible_with_manual_seed_and_generator():
    ds = data.TensorDataset(torchless.arange(20))

    def epoch(**kw):
        return [b[0].tolist() for b in data.DataLoader(ds, batch_size=4, shuffle=True, **kw)]

    torchless.manual_seed(3)
    a = epoch()
    torchless.manual_seed(3)
    assert epoch() == a
    g1, g2 = torchless.Generator().manual_seed(5), torchless.Generator().manual_seed(5)
    assert epoch(generator=g1) == epoch(generator=g2)


class Squares(data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "w": float(i)}


def test_dataloader_over_custom_dataset_matches_torch(torch_ref):
    class TorchSquares(torch_ref.utils.data.Dataset):
        __len__ = Squares.__len__
        __getitem__ = Squares.__getitem__
        __init__ = Squares.__init__

    ours = list(data.DataLoader(Squares(5), batch_size=2))
    theirs = list(torch_ref.utils.data.DataLoader(TorchSquares(5), batch_size=2))
    assert len(ours) == len(theirs) == 3
    for a, b in zip(ours, theirs):
        assert a.keys() == b.keys()
        for k in a:
            assert_same(a[k], b[k])


def test_batch_size_none_disables_batching(torch_ref):
    ours = list(data.DataLoader(Squares(3), batch_size=None))
    assert len(data.DataLoader(Squares(3), batch_size=None)) == 3
    assert type(ours[0]["x"]) is torchless.Tensor and ours[0]["x"].shape == (2,)
    assert ours[2]["y"] == 4 and type(ours[2]["y"]) is int      # numbers stay Python numbers
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        data.DataLoader(Squares(3), batch_size=None, drop_last=True)


def test_dataloader_argument_errors(torch_ref):
    for lib in (torchless, torch_ref):
        D = lib.utils.data
        ds = D.TensorDataset(lib.arange(4))
        with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
            D.DataLoader(ds, sampler=D.SequentialSampler(ds), shuffle=True)
        with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
            D.DataLoader(ds, batch_size=2, batch_sampler=D.BatchSampler(D.SequentialSampler(ds), 2, False))
        with pytest.raises(ValueError, match="num_workers option should be non-negative"):
            D.DataLoader(ds, num_workers=-1)
        with pytest.raises(ValueError, match="batch_size should be a positive integer value"):
            D.DataLoader(ds, batch_size=0)


def test_samplers_and_batch_sampler(torch_ref):
    ds = data.TensorDataset(torchless.arange(10) * 10)
    bs = data.BatchSampler(data.SequentialSampler(ds), 4, drop_last=False)
    assert list(bs) == list(torch_ref.utils.data.BatchSampler(range(10), 4, drop_last=False))
    assert len(bs) == 3 and len(data.BatchSampler(range(10), 4, True)) == 2
    assert list(data.BatchSampler(range(10), 4, True)) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    loader = data.DataLoader(ds, batch_sampler=bs)
    assert [b[0].tolist() for b in loader] == [[0, 10, 20, 30], [40, 50, 60, 70], [80, 90]]
    torchless.manual_seed(1)
    rs = data.RandomSampler(ds, replacement=True, num_samples=25)
    draws = list(rs)
    assert len(draws) == len(rs) == 25 and all(0 <= i < 10 for i in draws)
    sub = list(data.SubsetRandomSampler([1, 3, 5]))
    assert sorted(sub) == [1, 3, 5]
    loader = data.DataLoader(ds, sampler=data.SubsetRandomSampler([2, 4]), batch_size=5)
    assert sorted(next(iter(loader))[0].tolist()) == [20, 40]


def test_tensor_fast_path_batches_equal_the_general_path():
    torchless.manual_seed(0)
    X, y = torchless.randn(23, 4), torchless.randint(0, 3, (23,))
    ds = data.TensorDataset(X, y)
    fast = list(data.DataLoader(ds, batch_size=5))
    general = list(data.DataLoader(ds, batch_size=5, collate_fn=data.default_collate))
    assert len(fast) == len(general) == 5
    for (a, b), (c, d) in zip(fast, general):
        assert a.dtype == c.dtype and torchless.equal(a, c) and torchless.equal(b, d)
        assert not np.shares_memory(a._data, X._data)      # batches are copies: writing one leaves X alone


def test_iterable_dataset(torch_ref):
    class Stream(data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    batches = [b.tolist() for b in data.DataLoader(Stream(), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in data.DataLoader(Stream(), batch_size=3, drop_last=True)] == [[0, 1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        data.DataLoader(Stream(), shuffle=True)


def test_concat_dataset_and_add():
    a = data.TensorDataset(torchless.arange(3))
    b = data.TensorDataset(torchless.arange(10, 12))
    both = a + b
    assert isinstance(both, data.ConcatDataset) and len(both) == 5
    assert [both[i][0].item() for i in range(5)] == [0, 1, 2, 10, 11]
    assert both[-1][0].item() == 11
    assert [t.tolist() for t, in data.DataLoader(both, batch_size=2)] == [[0, 1], [2, 10], [11]]


# ============================================================================ random_split / Subset
@pytest.mark.parametrize("lengths", [[7, 3], [0.7, 0.3], [0.5, 0.25, 0.25], [0.34, 0.33, 0.33], [10, 0]])
def test_random_split_sizes_match_torch_and_are_disjoint(torch_ref, lengths):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = data.random_split(data.TensorDataset(torchless.arange(10)), lengths)
        theirs = torch_ref.utils.data.random_split(torch_ref.utils.data.TensorDataset(torch_ref.arange(10)), lengths)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    seen = [int(s[i][0]) for s in ours for i in range(len(s))]
    assert sorted(seen) == list(range(10))
    assert all(isinstance(s, data.Subset) for s in ours)


def test_random_split_generator_and_errors(torch_ref):
    ds = data.TensorDataset(torchless.arange(10))
    a = data.random_split(ds, [5, 5], generator=torchless.Generator().manual_seed(42))
    b = data.random_split(ds, [5, 5], generator=torchless.Generator().manual_seed(42))
    assert a[0].indices == b[0].indices and sorted(a[0].indices + a[1].indices) == list(range(10))
    for lib in (torchless, torch_ref):
        lds = lib.utils.data.TensorDataset(lib.arange(10))
        with pytest.raises(ValueError, match="Sum of input lengths does not equal the length"):
            lib.utils.data.random_split(lds, [3, 3])
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        data.random_split(ds, [1.0, 0.0])


def test_subset_indexing_and_getitems():
    ds = data.TensorDataset(torchless.arange(10) * 2)
    sub = data.Subset(ds, [9, 0, 4])
    assert len(sub) == 3 and sub[0][0].item() == 18
    assert [t[0].item() for t in sub.__getitems__([2, 1])] == [8, 0]
    assert [b[0].tolist() for b in data.DataLoader(sub, batch_size=2)] == [[18, 0], [8]]


def test_d2l_load_array_workflow():
    """D2L's load_array + one epoch of minibatch linear regression: loss goes down."""
    torchless.manual_seed(0)
    true_w, true_b = torchless.tensor([2.0, -3.4]), 4.2
    X = torchless.normal(0, 1, (1000, 2))
    y = (X @ true_w + true_b + torchless.normal(0, 0.01, (1000,))).reshape(-1, 1)
    data_iter = data.DataLoader(data.TensorDataset(X, y), batch_size=10, shuffle=True)
    w = torchless.normal(0, 0.01, size=(2, 1), requires_grad=True)
    b = torchless.zeros(1, requires_grad=True)
    for _ in range(3):
        for xb, yb in data_iter:
            loss = ((xb @ w + b - yb) ** 2 / 2).mean()
            loss.backward()
            with torchless.no_grad():
                for p in (w, b):
                    p -= 0.03 * p.grad
                    p.grad.zero_()
    assert math.isclose(b.item(), 4.2, abs_tol=0.05)
    np.testing.assert_allclose(to_numpy(w).ravel(), [2.0, -3.4], atol=0.05)


def test_weighted_random_sampler_frequencies_and_errors(torch_ref):
    torchless.manual_seed(0)
    sampler = data.WeightedRandomSampler([0.1, 0.0, 0.9], 20000)
    draws = np.array(list(sampler))
    assert len(sampler) == 20000 and draws.size == 20000
    np.testing.assert_allclose(np.bincount(draws, minlength=3) / 20000, [0.1, 0.0, 0.9], atol=0.01)
    distinct = list(data.WeightedRandomSampler([1.0, 2.0, 3.0, 4.0], 4, replacement=False))
    assert sorted(distinct) == [0, 1, 2, 3]
    for lib in (torchless, torch_ref):
        with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
            lib.utils.data.WeightedRandomSampler([1.0], 0)
        with pytest.raises(ValueError, match="weights should be a 1d sequence"):
            lib.utils.data.WeightedRandomSampler([[1.0, 2.0]], 1)
    loader = data.DataLoader(data.TensorDataset(torchless.arange(3)), batch_size=4,
                             sampler=data.WeightedRandomSampler([0.0, 1.0, 0.0], 8))
    assert [b[0].tolist() for b in loader] == [[1, 1, 1, 1], [1, 1, 1, 1]]


def test_dataset_and_sampler_are_subscriptable_generics():
    class Numbers(data.Dataset[int]):
        def __getitem__(self, i):
            return i

        def __len__(self):
            return 3

    assert issubclass(Numbers, data.Dataset) and data.Sampler[int] is data.Sampler
    assert [b.tolist() for b in data.DataLoader(Numbers(), batch_size=2)] == [[0, 1], [2]]

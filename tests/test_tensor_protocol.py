"""The Tensor's Python protocol and metadata against PyTorch: shape/size/dim, conversions, item,
tolist, numpy() sharing, __array__, __bool__/__len__/__iter__/__index__/__format__, type(), to(),
clone/contiguous/detach/data, hashing and is_tensor."""
import math

import numpy as np
import pytest

import torchless

from .conftest import _torch, assert_same, requires_torch

pytestmark = requires_torch


def _both(f):
    """f(m) for torchless and torch: its result, or the exception type it raised."""
    out = []
    for m in (torchless, _torch):
        try:
            out.append(f(m))
        except Exception as e:  # noqa: BLE001 - the type is what is compared
            out.append(type(e))
    return out


def _norm(v):
    if isinstance(v, (torchless.Tensor, _torch.Tensor)):
        return ("tensor", str(v.dtype), tuple(v.shape), v.detach().numpy().tolist())
    if isinstance(v, (torchless.dtype, _torch.dtype, torchless.device, _torch.device)):
        return ("obj", str(v), repr(v))
    if isinstance(v, tuple):
        return tuple(_norm(x) for x in v)
    if isinstance(v, list):
        return [_norm(x) for x in v]
    if isinstance(v, type) and issubclass(v, BaseException):
        return v.__name__
    return (type(v).__name__, v)


def same(f):
    ours, theirs = _both(f)
    assert _norm(ours) == _norm(theirs), (ours, theirs)
    return ours


CASES = {
    "shape": lambda m: m.ones(2, 3).shape,
    "shape_is_tuple": lambda m: isinstance(m.ones(2, 3).shape, tuple),
    "shape_repr": lambda m: repr(m.ones(2, 3).shape),
    "size": lambda m: m.ones(2, 3).size(),
    "size_dim": lambda m: m.ones(2, 3).size(1),
    "size_neg_dim": lambda m: m.ones(2, 3).size(-2),
    "size_bad_dim": lambda m: m.ones(2, 3).size(2),
    "size_0d": lambda m: m.tensor(1.0).size(),
    "dim": lambda m: m.ones(2, 3, 4).dim(),
    "ndim": lambda m: m.ones(2, 3).ndim,
    "ndimension": lambda m: m.ones(2).ndimension(),
    "numel": lambda m: m.ones(2, 3).numel(),
    "numel_fn": lambda m: m.numel(m.ones(4, 0)),
    "nelement": lambda m: m.ones(5).nelement(),
    "dtype": lambda m: m.ones(2).dtype,
    "device": lambda m: m.ones(2).device,
    "device_repr": lambda m: repr(m.ones(2).device),
    "device_str": lambda m: str(m.ones(2).device),
    "device_eq_str": lambda m: m.ones(2).device == "cpu",
    "device_type": lambda m: m.ones(2).device.type,
    "device_obj": lambda m: m.device("cpu"),
    "is_cuda": lambda m: m.ones(1).is_cuda,
    "T": lambda m: m.arange(6).reshape(2, 3).T,
    "T_1d": lambda m: m.arange(3).T,
    "mT": lambda m: m.arange(6).reshape(1, 2, 3).mT,
    "item_float": lambda m: m.tensor([2.5]).item(),
    "item_int": lambda m: m.tensor(3).item(),
    "item_bool": lambda m: m.tensor(True).item(),
    "item_f32_exact": lambda m: m.tensor(0.1).item(),
    "item_multi": lambda m: m.ones(2).item(),
    "item_empty": lambda m: m.ones(0).item(),
    "tolist": lambda m: m.tensor([[1, 2], [3, 4]]).tolist(),
    "tolist_0d": lambda m: m.tensor(1.5).tolist(),
    "tolist_bool": lambda m: m.tensor([True, False]).tolist(),
    "tolist_f32": lambda m: m.tensor([0.1, 0.2]).tolist(),
    "float_conv": lambda m: float(m.tensor([2.5])),
    "float_multi": lambda m: float(m.ones(2)),
    "int_conv": lambda m: int(m.tensor(3.7)),
    "int_neg": lambda m: int(m.tensor(-3.7)),
    "complex_conv": lambda m: complex(m.tensor(2.0)),
    "bool_true": lambda m: bool(m.tensor([1.0])),
    "bool_false": lambda m: bool(m.tensor(0)),
    "bool_multi": lambda m: bool(m.ones(2)),
    "bool_empty": lambda m: bool(m.ones(0)),
    "if_tensor": lambda m: "yes" if m.tensor(2) > 1 else "no",
    "len": lambda m: len(m.ones(4, 2)),
    "len_0d": lambda m: len(m.tensor(1.0)),
    "iter": lambda m: [t.tolist() for t in m.tensor([[1, 2], [3, 4]])],
    "iter_0d": lambda m: list(m.tensor(1.0)),
    "iter_values": lambda m: [x.item() for x in m.tensor([1.5, 2.5])],
    "unpack": lambda m: tuple(a.item() for a in m.tensor([1, 2])),
    "index_list": lambda m: [10, 20, 30][m.tensor(1)],
    "index_range": lambda m: list(range(m.tensor(3))),
    "index_float_fails": lambda m: [1, 2][m.tensor(1.0)],
    "index_multi_fails": lambda m: [1, 2][m.tensor([1])],
    "operator_index": lambda m: __import__("operator").index(m.tensor(5)),
    "hex": lambda m: hex(m.tensor(255)),
    "format_f": lambda m: f"{m.tensor(0.5):f}",
    "format_3f": lambda m: f"{m.tensor(2.0 / 3):.3f}",
    "format_loss": lambda m: "loss {:.4f}".format(m.tensor([1.23456]).sum()),
    "format_int": lambda m: f"{m.tensor(7):d}",
    "format_e": lambda m: f"{m.tensor(12345.678):.2e}",
    "format_empty_spec": lambda m: f"{m.tensor(1.5)}",
    "format_multi_nospec": lambda m: f"{m.tensor([1.5, 2.0])}",
    "format_multi_spec": lambda m: f"{m.tensor([1.5, 2.0]):.2f}",
    "round_builtin": lambda m: round(m.tensor(2.567), 2) if False else m.tensor(2.5).round(),
    "type_str": lambda m: m.ones(2).type(),
    "type_str_long": lambda m: m.tensor([1]).type(),
    "type_str_bool": lambda m: m.tensor([True]).type(),
    "type_str_double": lambda m: m.ones(1, dtype=m.float64).type(),
    "type_convert": lambda m: m.ones(2).type(m.int32),
    "type_convert_str": lambda m: m.ones(2).type("torch.DoubleTensor"),
    "float_method": lambda m: m.tensor([1, 2]).float(),
    "long_method": lambda m: m.tensor([1.7, -1.7]).long(),
    "int_method": lambda m: m.tensor([1.7]).int(),
    "bool_method": lambda m: m.tensor([0.0, 2.0]).bool(),
    "double_method": lambda m: m.tensor([1]).double(),
    "half_method": lambda m: m.tensor([1.5]).half(),
    "byte_method": lambda m: m.tensor([3]).byte(),
    "to_dtype": lambda m: m.tensor([1.5]).to(m.float64),
    "to_device_str": lambda m: m.tensor([1.5]).to("cpu"),
    "to_device": lambda m: m.tensor([1.5]).to(m.device("cpu")),
    "to_device_dtype": lambda m: m.tensor([1.5]).to("cpu", m.int64),
    "to_kw": lambda m: m.tensor([1.5]).to(dtype=m.float16),
    "to_other": lambda m: m.tensor([1.5]).to(m.tensor([1])),
    "to_bad": lambda m: m.tensor([1.5]).to(3),
    "cpu": lambda m: m.tensor([1.0]).cpu(),
    "clone": lambda m: m.tensor([1.0, 2.0]).clone(),
    "contiguous": lambda m: m.arange(6).reshape(2, 3).T.contiguous(),
    "is_contiguous": lambda m: m.arange(6).reshape(2, 3).T.is_contiguous(),
    "stride": lambda m: m.arange(6).reshape(2, 3).stride(),
    "element_size": lambda m: m.ones(2, dtype=m.float64).element_size(),
    "is_floating_point": lambda m: (m.ones(1).is_floating_point(), m.tensor([1]).is_floating_point()),
    "is_tensor": lambda m: (m.is_tensor(m.ones(1)), m.is_tensor([1]), m.is_tensor(np.ones(1))),
    "requires_grad_default": lambda m: m.ones(1).requires_grad,
    "requires_grad_": lambda m: m.ones(1).requires_grad_().requires_grad,
    "requires_grad_int": lambda m: m.tensor([1]).requires_grad_(),
    "is_leaf": lambda m: (m.ones(1).is_leaf, (m.ones(1, requires_grad=True) * 2).is_leaf),
    "detach": lambda m: m.ones(2, requires_grad=True).detach().requires_grad,
    "list_plus_tensor": lambda m: [1, 2] + m.tensor([3, 4]),
    "numpy_scalar_times_tensor": lambda m: np.float64(2.0) * m.tensor([1.0]),
    "hash_distinct": lambda m: len({m.ones(1), m.ones(1)}),
    "eq_in_list": lambda m: m.tensor(2) in [m.tensor(2)],
    "max_builtin": lambda m: max(m.tensor([3, 1, 2])).item(),
    "sum_builtin": lambda m: sum(m.tensor([1.0, 2.0, 3.0])),
    "sorted_builtin": lambda m: [t.item() for t in sorted(m.tensor([3, 1, 2]))],
    "math_sqrt": lambda m: math.sqrt(m.tensor(4.0)),
    "np_asarray": lambda m: np.asarray(m.tensor([1.0, 2.0])).tolist(),
    "np_asarray_dtype": lambda m: str(np.asarray(m.tensor([1.0, 2.0])).dtype),
    "np_array_cast": lambda m: np.array(m.tensor([1, 2]), dtype=np.float32).tolist(),
    "np_sum": lambda m: float(np.sum(m.tensor([1.0, 2.0]).numpy())),
    "numpy_requires_grad": lambda m: m.ones(1, requires_grad=True).numpy(),
    "numpy_force": lambda m: m.ones(1, requires_grad=True).numpy(force=True).tolist(),
    "array_requires_grad": lambda m: np.asarray(m.ones(1, requires_grad=True)),
    "new_tensor": lambda m: m.ones(1, dtype=m.float64).new_tensor([1, 2]),
    "new_zeros": lambda m: m.ones(1, dtype=m.int32).new_zeros(2, 3),
    "new_ones_tuple": lambda m: m.ones(1, dtype=m.float16).new_ones((2,)),
    "new_full": lambda m: m.ones(1).new_full((2,), 7),
    "new_empty": lambda m: m.ones(1, dtype=m.int64).new_empty(3).shape,
    "data_ptr_same": lambda m: (lambda t: t.data_ptr() == t.view(-1).data_ptr())(m.ones(2, 2)),
    "nbytes": lambda m: m.ones(3, dtype=m.float64).nbytes,
    "itemsize": lambda m: m.ones(3, dtype=m.int16).itemsize,
    "get_device": lambda m: m.ones(1).get_device(),
    "deepcopy": lambda m: __import__("copy").deepcopy(m.tensor([1.0, 2.0], requires_grad=True)).requires_grad,
    "pickle": lambda m: __import__("pickle").loads(__import__("pickle").dumps(m.tensor([1.5, 2.0]))),
}


@pytest.mark.parametrize("name", list(CASES))
def test_protocol_vs_torch(name):
    same(CASES[name])


# ---------------------------------------------------------------------------- sharing and identity
def test_numpy_shares_memory():
    t = torchless.zeros(3)
    a = t.numpy()
    a[0] = 5
    assert t[0].item() == 5
    t[1] = 7
    assert a[1] == 7
    assert np.shares_memory(np.asarray(t), a)


def test_numpy_requires_grad_message():
    with pytest.raises(RuntimeError, match=r"Use tensor.detach\(\).numpy\(\) instead"):
        torchless.ones(1, requires_grad=True).numpy()


def test_item_error_message():
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        torchless.ones(2).item()


def test_bool_error_message():
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(torchless.ones(2))


def test_len_0d_message():
    with pytest.raises(TypeError, match="len\\(\\) of a 0-d tensor"):
        len(torchless.tensor(1.0))


def test_data_shares_storage_and_is_settable():
    x = torchless.ones(3, requires_grad=True)
    d = x.data
    assert not d.requires_grad and d.is_leaf
    d[0] = 4.0
    assert x[0].item() == 4.0
    x.data = torchless.zeros(2)
    assert x.shape == (2,) and x.requires_grad
    assert x.tolist() == [0.0, 0.0]


def test_detach_shares_storage():
    x = torchless.ones(3, requires_grad=True)
    y = x.detach()
    y.add_(1)
    assert x.tolist() == [2.0, 2.0, 2.0]


def test_clone_is_a_copy_with_grad():
    x = torchless.ones(2, requires_grad=True)
    c = x.clone()
    assert type(c.grad_fn).__name__ == "CloneBackward0"
    c.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    d = torchless.ones(2)
    e = d.clone()
    e[0] = 3
    assert d.tolist() == [1.0, 1.0]


def test_to_returns_self_when_unchanged():
    x = torchless.ones(2)
    assert x.to(torchless.float32) is x
    assert x.to("cpu") is x
    assert x.cpu() is x
    assert x.contiguous() is x
    assert x.to(torchless.float32, copy=True) is not x
    y = x.to(torchless.float64)
    assert y is not x and y.dtype is torchless.float64


def test_to_keeps_graph():
    x = torchless.ones(2, requires_grad=True)
    y = x.to(torchless.float64)
    assert type(y.grad_fn).__name__ == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype is torchless.float32 and x.grad.tolist() == [1.0, 1.0]


def test_requires_grad_flag_errors():
    y = torchless.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="you can only change requires_grad flags of leaf variables"):
        y.requires_grad_(False)
    with pytest.raises(RuntimeError, match="floating point"):
        torchless.tensor([1, 2]).requires_grad = True


def test_hash_is_identity():
    a, b = torchless.ones(1), torchless.ones(1)
    assert hash(a) != hash(b) or a is b
    d = {a: 1}
    assert d[a] == 1 and b not in d


def test_ndarray_op_tensor_returns_tensor():
    """`ndarray * tensor` gives a Tensor here (PyTorch 2.13 with NumPy 2 raises TypeError for it, so
    no PyTorch program depends on that; the tensor's own promotion applies, as for `tensor * ndarray`)."""
    ops = (lambda x, y: x * y, lambda x, y: x + y, lambda x, y: x - y, lambda x, y: x / y)
    for op in ops:
        arr = np.array([1.0, 2.0], dtype=np.float32)
        r = op(arr, torchless.tensor([3.0, 4.0]))
        assert type(r) is torchless.Tensor
        expected = op(_torch.from_numpy(arr), _torch.tensor([3.0, 4.0]))
        assert_same(r, expected)
    r = np.array([1.0, 2.0]) * torchless.tensor([3.0, 4.0])
    assert type(r) is torchless.Tensor and r.tolist() == [3.0, 8.0]


def test_cuda_is_refused():
    with pytest.raises(RuntimeError, match="CPU only"):
        torchless.ones(1).to("cuda:0")
    with pytest.raises(RuntimeError):
        torchless.ones(1).cuda()
    assert torchless.cuda.is_available() is False


def test_float_int_of_0d_grad_tensor():
    loss = (torchless.ones(3, requires_grad=True) * 2).sum()
    assert float(loss) == 6.0 and f"{loss:.2f}" == "6.00" and f"{loss:f}" == "6.000000"


def test_size_object():
    s = torchless.ones(2, 3).size()
    assert isinstance(s, torchless.Size) and s == (2, 3) and s[1] == 3
    assert s.numel() == 6
    assert repr(s[0:1]) == "torch.Size([2])"
    assert repr(s + (4,)) == "torch.Size([2, 3, 4])"
    assert torchless.Size([2, 3]) == _torch.Size([2, 3])


def test_no_numpy_runtime_warnings_reach_the_user():
    """log(0), x/0, exp overflow: inf/nan like PyTorch, and no NumPy warning printed."""
    import subprocess
    import sys
    code = ("import warnings; warnings.simplefilter('default'); import torchless as t; "
            "print(t.log(t.tensor(0.)), t.tensor([1., -1.]) / 0, t.tensor(1000.).exp(), "
            "t.tensor(-1.).sqrt())")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "tensor(-inf) tensor([inf, -inf]) tensor(inf) tensor(nan)"  # as PyTorch prints them
    assert "Warning" not in res.stderr, res.stderr


def test_type_with_a_legacy_tensor_class_and_softmax_methods(torch_ref):
    for lib in (torchless, torch_ref):
        t = lib.ones(2).type(lib.LongTensor)
        assert str(t.dtype) == "torch.int64" and t.tolist() == [1, 1]
    x = [[1.0, 2.0, 3.0], [0.0, 0.0, 1000.0]]
    ours, theirs = torchless.tensor(x).softmax(1), torch_ref.tensor(x).softmax(1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    ours, theirs = torchless.tensor(x).log_softmax(dim=1), torch_ref.tensor(x).log_softmax(dim=1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_any_device_can_be_named_but_only_the_cpu_used(torch_ref):
    for name in ("cpu", "cuda", "cuda:1", "mps"):
        assert repr(torchless.device(name)) == repr(torch_ref.device(name))
        assert str(torchless.device(name)) == str(torch_ref.device(name))
    assert torchless.device("cuda", 0) == torchless.device("cuda:0") != torchless.device("cuda")
    for lib in (torchless, torch_ref):
        with pytest.raises(RuntimeError, match="Expected one of cpu, cuda"):
            lib.device("gpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        torchless.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        torchless.nn.Linear(2, 2).to(torchless.device("cuda"))

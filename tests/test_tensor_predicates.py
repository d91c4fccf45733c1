"""Tensor.is_cpu, is_signed(), is_same_size() and is_nonzero(): PyTorch's answers and errors."""
import pytest

import torchless

CASES = ["L.ones(2).is_cpu", "L.tensor([1], dtype=L.uint8).is_signed()", "L.tensor([True]).is_signed()",
         "L.ones(2).is_signed()", "L.tensor([1], dtype=L.int8).is_signed()", "L.ones(2, 3).is_same_size(L.zeros(2, 3))",
         "L.ones(2).is_same_size(L.ones(3))", "L.tensor([0.0]).is_nonzero()", "L.tensor([[2]]).is_nonzero()",
         "L.tensor(float('nan')).is_nonzero()", "L.ones(2).is_nonzero()", "L.ones(0).is_nonzero()",
         "L.ones(2).is_same_size(3)"]


def _outcome(L, code):
    try:
        return repr(eval(code, {"L": L}))
    except Exception as e:   # the error's type and message must agree
        return f"{type(e).__name__}: {str(e).split('(')[0]}"


@pytest.mark.parametrize("code", CASES)
def test_same_as_pytorch(torch_ref, code):
    assert _outcome(torchless, code) == _outcome(torch_ref, code)


def test_values_without_torch():
    assert torchless.ones(1).is_cpu and not torchless.tensor([1], dtype=torchless.uint8).is_signed()
    assert torchless.tensor([3]).is_nonzero() and not torchless.tensor([0]).is_nonzero()
    with pytest.raises(RuntimeError, match="more than one value is ambiguous"):
        torchless.ones(3).is_nonzero()


LAYOUTS = ["L.ones(2, 3)", "L.ones(2, 1, 3)", "L.ones(1)", "L.ones(())", "L.ones(2, 3).t()", "L.ones(4, 4)[:, ::2]",
           "L.ones(2, 3, 4).permute(2, 0, 1)", "L.ones(3, 1)", "L.ones(1, 3)", "L.ones(2, 2).expand(3, 2, 2)",
           "L.ones(3, 2).expand(2, 3, 2).permute(2, 0, 1)", "L.ones(2, 1, 3).permute(2, 1, 0)", "L.ones(3, 3)[:, :1]",
           "L.ones(2, 3, 1, 4).permute(0, 2, 3, 1)", "L.ones(2, 3, 4, 5).permute(0, 2, 3, 1)"]


@pytest.mark.parametrize("code", LAYOUTS)
def test_dim_order_is_pytorchs(torch_ref, code):
    for check in (False, True):
        assert (_outcome(torchless, f"({code}).dim_order(ambiguity_check={check})")
                == _outcome(torch_ref, f"({code}).dim_order(ambiguity_check={check})"))


def test_dense_pointer_pinning_and_nonzero_static_methods(torch_ref):
    for L in (torchless, torch_ref):
        t = L.ones(2)
        assert t.to_dense() is t and t.to_dense(L.float64).dtype == L.float64
        assert t.const_data_ptr() == t.data_ptr() and t.is_pinned() is False
        with pytest.raises(RuntimeError, match="Cannot access accelerator device when none is available"):
            t.pin_memory()
        assert L.tensor([0, 1, 0, 2]).nonzero_static(size=3, fill_value=-7).tolist() == [[1], [3], [-7]]

"""x[key] = value as PyTorch converts and checks the value (found by a setitem fuzz against PyTorch):
a number the dtype cannot hold raises PyTorch's overflow error (an int wraps into an unsigned dtype,
a complex never fits a real one, float16 takes inf), and an index put (an integer-array key, or a
mask with a value of more than one element) needs the value's dtype to match, where a masked fill
(a mask with a one-element value) and basic indexing cast."""
import pytest

import torchless

from .conftest import outcome

CASES = []
for dtype in ("float32", "float16", "int8", "uint8", "int64", "bool"):
    for key in ("0", "[0, 1]", "x > 0", "[True, False, True]", "(slice(None), 0)", "..., [0]", "L.tensor([0, 2])"):
        for value in ("300", "-1", "-300", "1e40", "1j", "2.5", "L.tensor(7)", "L.tensor([7])", "L.tensor([1, 2, 3])",
                      "L.tensor([1., 2, 3])", "L.tensor([True, False, True])"):
            CASES.append(f"(lambda x: (x.__setitem__(({key}), {value}), x)[1])"
                         f"(L.arange(-4, 5).reshape(3, 3).to(L.{dtype}))")


@pytest.mark.parametrize("code", CASES)
def test_same_as_pytorch(torch_ref, code):
    assert outcome(torchless, code) == outcome(torch_ref, code)


def test_without_torch():
    x = torchless.zeros(3, dtype=torchless.uint8)
    x[0] = -1
    assert x.tolist() == [255, 0, 0]
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        torchless.zeros(3, dtype=torchless.int8)[0] = 300
    with pytest.raises(RuntimeError, match="Index put requires the source and destination dtypes match"):
        torchless.zeros(3)[[0, 1]] = torchless.tensor([1, 2])
    y = torchless.zeros(3)
    y[y == 0] = torchless.tensor(7)        # a masked fill: the value is cast
    assert y.tolist() == [7.0, 7.0, 7.0]

"""nn.Transformer.generate_square_subsequent_mask gives the default dtype (float32), or the dtype
asked for, as PyTorch's does."""
import torchless


def test_default_dtype_is_float32():
    mask = torchless.nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == torchless.float32
    assert mask.tolist() == [[0.0, float("-inf"), float("-inf")], [0.0, 0.0, float("-inf")], [0.0, 0.0, 0.0]]
    assert torchless.nn.Transformer.generate_square_subsequent_mask(2, dtype=torchless.float64).dtype \
        == torchless.float64


def test_follows_set_default_dtype():
    old = torchless.get_default_dtype()
    torchless.set_default_dtype(torchless.float64)
    try:
        assert torchless.nn.Transformer.generate_square_subsequent_mask(2).dtype == torchless.float64
    finally:
        torchless.set_default_dtype(old)

"""Utilities of issue 12's bad-input family: torch.finfo / torch.iinfo, torch.asarray's copy semantics,
Tensor.new(...), and (see test_out_argument) `out=`: each compared with PyTorch 2.13."""
import numpy as np
import pytest

import torchless

torch = pytest.importorskip("torch")


def _errors_or_values(lib, sources, namespace):
    out = []
    for source in sources:
        try:
            value = eval(source, dict(namespace, lib=lib))
            out.append(("ok", value if not isinstance(value, lib.Tensor) else (str(value.dtype), value.tolist())))
        except Exception as e:  # noqa: BLE001 (the exception type is what is compared)
            out.append((type(e).__name__,))
    return out


def _info_fields(lib):
    fields = []
    for name in ("float16", "float32", "float64", "complex64", "complex128"):
        f = lib.finfo(getattr(lib, name))
        fields.append((repr(f), str(f), f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal, f.resolution, f.dtype))
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        i = lib.iinfo(getattr(lib, name))
        fields.append((repr(i), i.bits, i.max, i.min, i.dtype))
    fields.append(repr(lib.finfo()))
    return fields


def test_finfo_iinfo_fields_as_pytorch():
    assert _info_fields(torchless) == _info_fields(torch)
    assert torchless.finfo(torchless.float32) == torchless.finfo() and torchless.finfo.__module__ == "torchless"


def test_finfo_iinfo_errors():
    sources = ["lib.finfo(lib.int32)", "lib.iinfo(lib.float32)", "lib.finfo('a')", "lib.iinfo(lib.bool)",
               "lib.iinfo(None)"]
    assert _errors_or_values(torchless, sources, {}) == _errors_or_values(torch, sources, {})


def _sharing(lib):
    out = []
    a = np.ones(3, dtype=np.float32)
    lib.asarray(a)[0] = 5
    out.append(a.tolist())
    lib.asarray(a, copy=True)[1] = 7
    lib.asarray(a, dtype=lib.float64)[2] = 9
    out.append(a.tolist())
    lib.asarray(a, copy=False)[2] = 4
    out.append(a.tolist())
    x = lib.ones(2)
    out.append(lib.asarray(x) is x)
    lib.asarray(x, copy=True)[0] = 3
    out.append(x.tolist())
    w = lib.asarray(x, requires_grad=True)
    out.append((w.requires_grad, w is x, x.requires_grad))
    return out


def test_asarray_shares_memory_as_pytorch():
    assert _sharing(torchless) == _sharing(torch)


def test_asarray_values_and_errors():
    sources = ["lib.asarray(a, dtype=lib.float64, copy=False)", "lib.asarray([1, 2], copy=False)",
               "lib.asarray([1, 2], requires_grad=True)", "lib.asarray(lib.ones(2), dtype=lib.float64, copy=False)",
               "lib.asarray(3.5)", "lib.asarray([1, 2])", "lib.asarray(np.float32(2))", "lib.asarray([[1.0, 2.0]])",
               "lib.asarray([1.0, 2.0], dtype=lib.int32)", "lib.asarray(a, dtype=lib.float64)"]
    namespace = {"a": np.ones(3, dtype=np.float32), "np": np}
    assert _errors_or_values(torchless, sources, namespace) == _errors_or_values(torch, sources, namespace)


def test_tensor_new():
    sources = ["x.new(2, 3)", "x.new([1, 2])", "x.new((2, 3))", "x.new(lib.Size([2, 1]))", "x.new().shape",
               "x.new(lib.tensor([1.0, 2.0], dtype=lib.float64))", "x.new(lib.tensor([1, 2]))",
               "x.new(2, dtype=lib.int32)", "x.new('a')", "str(lib.ones(2, dtype=lib.int64).new(3).dtype)",
               "x.new_zeros(2, 3)", "x.new_ones((2,))", "x.new_full((2,), 3)", "x.new_tensor([1, 2])",
               "x.new_empty(2).shape"]

    def run(lib):
        x = lib.ones(2, dtype=lib.float64)
        values = _errors_or_values(lib, sources, {"x": x})
        # (uninitialized memory: compare shapes and dtypes only)
        values[0] = (values[0][0], values[0][1][0], np.shape(values[0][1][1]))
        values[3] = (values[3][0], values[3][1][0], np.shape(values[3][1][1]))
        return values
    assert run(torchless) == run(torch)
    x = torchless.ones(2)
    assert x.new(torchless.tensor([1.0])) is not None


# ----------------------------------------------------------------------------- out=
_OUT_CASES = [
    "lib.add(x, 1, out=lib.empty(2))", "lib.add(lib.ones(2), 1, out=lib.empty(2, requires_grad=True))",
    "lib.add(lib.ones(2), 1, out=lib.empty(2, dtype=lib.int64))", "lib.add(lib.ones(2), 1, out=[1])",
    "lib.add(lib.ones(2), 1, out=lib.empty(2, dtype=lib.float64))",
    "lib.add(lib.ones(2, dtype=lib.int64), 1, out=lib.empty(2))", "lib.add(lib.ones(2), 1, out=lib.empty(3))",
    "lib.add(lib.ones(2), 1, out=lib.empty(0))", "lib.mul(lib.ones(2), 3, out=lib.zeros(4)[::2])",
    "lib.sub(lib.ones(2), lib.ones(2), alpha=2, out=lib.empty(2))", "lib.sum(lib.ones(2, 2), 0, out=lib.empty(2))",
    "lib.mean(lib.ones(2, 2), out=lib.empty(()))", "lib.cat([lib.ones(1)], out=lib.empty(1))",
    "lib.stack([lib.ones(1)], out=lib.empty(1, 1))", "lib.matmul(lib.ones(2, 2), lib.ones(2), out=lib.empty(2))",
    "lib.exp(lib.zeros(2), out=lib.empty(2))", "lib.log(lib.ones(2), out=lib.empty(2, dtype=lib.complex64))",
    "lib.clamp(lib.arange(4.0), 1, 2, out=lib.empty(4))", "lib.eq(lib.ones(2), 1, out=lib.empty(2, dtype=lib.bool))",
    "lib.div(lib.ones(2), 2, rounding_mode='floor', out=lib.empty(2))", "lib.div(lib.ones(2), 2, out=lib.empty(2))",
    "lib.maximum(lib.ones(2), lib.zeros(2), out=lib.empty(2))", "lib.cumsum(lib.ones(3), 0, out=lib.empty(3))",
]


def _out_results(lib):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = lib.ones(2, requires_grad=True)
        results = []
        for source in _OUT_CASES:
            try:
                r = eval(source)
                results.append(("ok", str(r.dtype), r.tolist(), r.requires_grad))
            except Exception as e:  # noqa: BLE001
                results.append((type(e).__name__,))
        with lib.no_grad():
            o = lib.empty(2)
            results.append((lib.add(x, 1, out=o) is o, o.tolist()))
    return results, sorted(str(w.message)[:60] for w in caught)


def test_out_argument_as_pytorch():
    ours, theirs = _out_results(torchless), _out_results(torch)
    for source, o, t in zip(_OUT_CASES + ["no_grad"], ours[0], theirs[0]):
        assert o == t, source
    assert ours[1] == theirs[1]  # the resize warning, once


def test_out_keeps_the_function_signature():
    import inspect
    assert "out" in inspect.signature(torchless.add).parameters
    assert torchless.add.__wrapped__ is torchless.Tensor.add

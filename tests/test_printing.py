"""Printing: repr/str/print of tensors must be character-for-character PyTorch's.

Every case builds the same NumPy array into a torchless and a PyTorch tensor and compares the text.
A few closed-form expectations run without PyTorch too.
"""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import torchless
from torchless._tensor.printing import PRINT_OPTS, get_printoptions

from .conftest import _torch, count_calls, requires_torch

f32, f64, f16 = np.float32, np.float64, np.float16
inf, nan = np.inf, np.nan


@pytest.fixture(autouse=True)
def _reset_printoptions():
    """Every test starts and ends with the default options, in both libraries."""
    torchless.set_printoptions(profile="default")
    if _torch is not None:
        _torch.set_printoptions(profile="default")
    yield
    torchless.set_printoptions(profile="default")
    if _torch is not None:
        _torch.set_printoptions(profile="default")


def _both(arr, **kwargs):
    return torchless.tensor(arr, **kwargs), _torch.tensor(arr, **kwargs)


def _assert_same_repr(ours, theirs):
    assert repr(ours) == repr(theirs), f"\nours:\n{ours!r}\ntorch:\n{theirs!r}"
    assert str(ours) == repr(ours)


def _rng(seed=0):
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------- the case table
# name -> a NumPy array (its dtype is the tensor's dtype)
CASES = {
    # integers
    "int_small": np.array([1, 2, 3]),
    "int_negative": np.array([-5, 0, 17, -123]),
    "int_big": np.array([2 ** 40, -(2 ** 50), 7]),
    "int_2d": np.arange(-6, 6).reshape(3, 4),
    "int32": np.array([1, -2, 300], dtype=np.int32),
    "int16": np.array([[1, -2], [3, 4]], dtype=np.int16),
    "int8": np.array([-128, 0, 127], dtype=np.int8),
    "uint8": np.array([0, 7, 255], dtype=np.uint8),
    "bool": np.array([True, False, True]),
    "bool_2d": np.array([[True], [False]]),
    # floats: modes
    "float_int_valued": np.array([1.0, 2.0, -3.0], dtype=f32),
    "float_int_valued_wide": np.array([1.0, 200.0, -3.0], dtype=f32),
    "float_fraction": np.array([0.5, 1.25, -2.125], dtype=f32),
    "float_thirds": np.array([1 / 3, 2 / 3, 1.0], dtype=f32),
    "float_mixed_signs": np.array([[-1.5, 2.25], [3.0, -0.001]], dtype=f32),
    "float_big_1e10": np.array([1e10, 2e10], dtype=f32),
    "float_big_int_1e8": np.array([1e8, 3.0], dtype=f32),
    "float_just_under_1e8": np.array([99999999.0, 1.0], dtype=f64),
    "float_small_1e-6": np.array([1e-6, 2e-6], dtype=f32),
    "float_small_1e-4_edge": np.array([1e-4, 0.5], dtype=f64),
    "float_ratio_over_1000": np.array([0.5, 600.0], dtype=f32),
    "float_ratio_1000_int": np.array([1.0, 1000.0], dtype=f32),
    "float_ratio_1001_int": np.array([1.0, 1001.0], dtype=f32),
    "float_mixed_magnitudes": np.array([1e-3, 1.0, 1e4, -2.5e5], dtype=f32),
    "float_nan_inf": np.array([1.5, nan, inf, -inf], dtype=f32),
    "float_int_valued_nan_inf": np.array([1.0, nan, -inf, 20.0], dtype=f32),
    "float_sci_nan_inf": np.array([1e-8, nan, inf, 1.0], dtype=f32),
    "float_only_nan": np.array([nan, nan], dtype=f32),
    "float_only_inf": np.array([inf, -inf], dtype=f32),
    "float_zeros": np.zeros(4, dtype=f32),
    "float_zeros_2d": np.zeros((2, 3), dtype=f32),
    "float_neg_zero": np.array([-0.0, 0.0, 1.0], dtype=f32),
    "float_only_neg_zero": np.array([-0.0, 0.0], dtype=f32),
    "float_zero_and_fraction": np.array([0.0, -0.0, 0.5], dtype=f32),
    "float_rounding_to_10": np.array([9.99996, 1.0], dtype=f64),
    "float32_not_exact": np.array([0.1, 0.2, 0.3], dtype=f32),
    "float64": np.array([0.1, 0.2, 0.3], dtype=f64),
    "float64_int_valued": np.array([1.0, 2.0], dtype=f64),
    "float64_precise": np.array([1.0000001, 123456.789], dtype=f64),
    "float16": np.array([0.1, 1.5, -2.0], dtype=f16),
    "float16_int_valued": np.array([1.0, 2048.0], dtype=f16),
    # 0-d of every kind
    "scalar_float": np.array(3.5, dtype=f32),
    "scalar_float_int": np.array(3.0, dtype=f32),
    "scalar_float_neg": np.array(-0.25, dtype=f32),
    "scalar_float_big": np.array(1.5e12, dtype=f32),
    "scalar_float_small": np.array(1.5e-9, dtype=f32),
    "scalar_float_zero": np.array(0.0, dtype=f32),
    "scalar_float_neg_zero": np.array(-0.0, dtype=f32),
    "scalar_nan": np.array(nan, dtype=f32),
    "scalar_inf": np.array(-inf, dtype=f32),
    "scalar_float64": np.array(2.5, dtype=f64),
    "scalar_float16": np.array(2.5, dtype=f16),
    "scalar_int": np.array(7),
    "scalar_int_neg": np.array(-7),
    "scalar_int32": np.array(7, dtype=np.int32),
    "scalar_uint8": np.array(200, dtype=np.uint8),
    "scalar_bool": np.array(True),
    # shapes: nesting, indentation and blank lines between blocks
    "shape_1x1": np.array([[1.5]], dtype=f32),
    "shape_2x3": np.arange(6, dtype=f32).reshape(2, 3) / 7,
    "shape_3x1": np.array([[1.0], [2.0], [3.0]], dtype=f32),
    "shape_2x2x2": np.arange(8, dtype=f32).reshape(2, 2, 2),
    "shape_2x3x4_frac": (np.arange(24, dtype=f32).reshape(2, 3, 4) - 10) / 4,
    "shape_4d": np.arange(24).reshape(2, 3, 2, 2),
    "shape_4d_float": np.linspace(-1, 1, 16, dtype=f32).reshape(2, 2, 2, 2),
    "shape_5d": np.ones((1, 2, 1, 2, 1), dtype=f32),
    # long rows wrap at linewidth
    "wrap_1d_float": np.linspace(-3, 3, 40, dtype=f32),
    "wrap_1d_int": np.arange(100) * 1000,
    "wrap_1d_halves": (np.arange(40, dtype=f32) - 20) / 2,
    "wrap_2d_rows": _rng(1).standard_normal((3, 15)).astype(f32),
    "wrap_3d_rows": _rng(2).standard_normal((2, 2, 12)).astype(f32),
    "wrap_sci": np.geomspace(1e-5, 1e5, 30, dtype=f32),
    # summarization over `threshold` elements
    "summary_1d": np.arange(1001, dtype=f32),
    "summary_1d_frac": np.linspace(0, 1, 2000, dtype=f32),
    "summary_1d_int": np.arange(5000),
    "summary_2d": np.arange(2000, dtype=f32).reshape(40, 50) / 3,
    "summary_2d_tall": np.arange(2000).reshape(1000, 2),
    "summary_2d_wide": np.arange(2000, dtype=f32).reshape(2, 1000),
    "summary_3d": _rng(3).standard_normal((10, 10, 20)).astype(f32),
    "summary_3d_small_rows": np.arange(1005 * 2, dtype=f64).reshape(5, 201, 2),
    "summary_4d": np.arange(4 * 5 * 6 * 10).reshape(4, 5, 6, 10),
    "summary_hidden_extremes": np.concatenate([np.ones(500), [1e10], np.ones(500)]).astype(f32),
    "summary_bool": np.arange(1200) % 3 == 0,
    "not_summarized_1000": np.arange(1000, dtype=f32) / 8,
    # empty tensors: size= unless 1-d, dtype= unless the default float
    "empty_float": np.zeros((0,), dtype=f32),
    "empty_float_2d": np.zeros((0, 3), dtype=f32),
    "empty_float_3d": np.zeros((2, 0, 4), dtype=f32),
    "empty_int64": np.zeros((0,), dtype=np.int64),
    "empty_int64_2d": np.zeros((3, 0), dtype=np.int64),
    "empty_bool": np.zeros((0,), dtype=bool),
    "empty_float64": np.zeros((0, 2), dtype=f64),
    "empty_uint8": np.zeros((0,), dtype=np.uint8),
    # complex
    "complex": np.array([1 + 2j, -3.5 - 1j], dtype=np.complex64),
    "complex_int_valued": np.array([1 + 2j, 3 - 4j, -5 + 0j], dtype=np.complex64),
    "complex_2d": np.array([[1 + 1j, 0.5 - 2j], [0j, -1e-3 + 1e3j]], dtype=np.complex64),
    "complex128": np.array([0.25 + 0.5j], dtype=np.complex128),
    "complex_scalar": np.array(1.5 - 2.5j, dtype=np.complex64),
    "complex_neg_zero_imag": np.array([1 - 0j, complex(2, -0.0)], dtype=np.complex64),
    "complex_summary": (np.arange(1500) + 1j * np.arange(1500)).astype(np.complex64),
    "complex_wrap": (np.linspace(-1, 1, 20) * (1 + 1j)).astype(np.complex64),
}


@requires_torch
@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    ours, theirs = _both(CASES[name])
    _assert_same_repr(ours, theirs)


# --------------------------------------------------------------------------- autograd suffixes
@requires_torch
@pytest.mark.parametrize("name", ["float_fraction", "scalar_float", "shape_2x3x4_frac",
                                  "wrap_1d_float", "summary_2d", "float64", "empty_float_2d",
                                  "complex"])
def test_requires_grad_leaf(name):
    ours, theirs = _both(CASES[name], requires_grad=True)
    _assert_same_repr(ours, theirs)


GRAD_FN_PROGRAMS = {
    "mul": lambda t: t * 2,
    "add": lambda t: t + 1,
    "sum": lambda t: t.sum(),
    "neg": lambda t: -t,
    "exp": lambda t: t.exp(),
}


@requires_torch
@pytest.mark.parametrize("program", list(GRAD_FN_PROGRAMS))
# exactly representable sums, so that summation order cannot change the printed digits
@pytest.mark.parametrize("name", ["float_fraction", "shape_2x3x4_frac", "wrap_1d_halves", "float64"])
def test_grad_fn_suffix(name, program):
    ours, theirs = _both(CASES[name], requires_grad=True)
    fn = GRAD_FN_PROGRAMS[program]
    _assert_same_repr(fn(ours), fn(theirs))


@requires_torch
@pytest.mark.parametrize("columns", range(4, 10))
def test_suffix_wraps_onto_a_new_line_when_the_line_is_long(columns):
    # rows of 4-decimal values: the last line's length crosses 80 columns as `columns` grows
    arr = np.linspace(-1, 1, 2 * columns, dtype=f32).reshape(2, columns)
    ours, theirs = _both(arr, requires_grad=True)
    _assert_same_repr(ours * 3, theirs * 3)
    _assert_same_repr(ours, theirs)
    ours16, theirs16 = _both(arr.astype(f64), requires_grad=True)
    _assert_same_repr(ours16 * 3, theirs16 * 3)  # two suffixes: dtype= then grad_fn=


@requires_torch
@pytest.mark.parametrize("scale", [1, 10, 100, 1000, 0.5, -0.5, 1e5])
def test_suffix_wrap_boundary_column_by_column(scale):
    # each extra element adds a few columns, so over n = 1..20 some n lands on each side of
    # PyTorch's rule for every suffix length
    for n in range(1, 21):
        ours, theirs = _both(np.arange(1, n + 1, dtype=f32) * f32(scale), requires_grad=True)
        _assert_same_repr(ours, theirs)
        _assert_same_repr(ours * 1, theirs * 1)
        _assert_same_repr(ours.double(), theirs.double())


def test_requires_grad_wraps_closed_form():
    # the line is 59 columns: ", requires_grad=True" would end at column 79, yet PyTorch wraps
    # (it counts the last line two columns longer than it is)
    t = torchless.tensor([1.0, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4], requires_grad=True)
    assert repr(t) == ("tensor([1., 2., 3., 4., 5., 6., 7., 8., 9., 1., 2., 3., 4.],\n"
                       "       requires_grad=True)")


def test_grad_fn_wraps_closed_form():
    t = torchless.tensor([[0.1234, -0.5, 0.25, 1.5, -2.0, 3.0, 0.125]], requires_grad=True) * 2
    assert repr(t) == ("tensor([[ 0.2468, -1.0000,  0.5000,  3.0000, -4.0000,  6.0000,  0.2500]],\n"
                       "       grad_fn=<MulBackward0>)")


# ------------------------------------------------------------------------- closed-form examples
# Expected text taken from PyTorch 2.13; these run without PyTorch installed.
@pytest.mark.parametrize("arr, expected", [
    (np.array([1.0, 2.0, 3.0], dtype=f32), "tensor([1., 2., 3.])"),
    (np.array([0.5, -1.25], dtype=f32), "tensor([ 0.5000, -1.2500])"),
    (np.array([1e10, 1.0], dtype=f32), "tensor([1.0000e+10, 1.0000e+00])"),
    (np.array([1.0, nan, -inf], dtype=f32), "tensor([1., nan, -inf])"),
    (np.array([0.0, -0.0], dtype=f32), "tensor([0., -0.])"),
    (np.array([[1, 2], [3, 4]]), "tensor([[1, 2],\n        [3, 4]])"),
    (np.arange(8).reshape(2, 2, 2),
     "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]])"),
    (np.array([True, False]), "tensor([ True, False])"),
    (np.array([1, 2], dtype=np.int32), "tensor([1, 2], dtype=torch.int32)"),
    (np.array(2.5, dtype=f64), "tensor(2.5000, dtype=torch.float64)"),
    (np.zeros((0, 3), dtype=f32), "tensor([], size=(0, 3))"),
    (np.zeros(0, dtype=np.int64), "tensor([], dtype=torch.int64)"),
    (np.arange(1001, dtype=f32), "tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])"),
    (np.array([1 + 2j, 3 - 1j], dtype=np.complex64), "tensor([1.+2.j, 3.-1.j])"),
])
def test_closed_form(arr, expected):
    t = torchless.tensor(arr)
    assert repr(t) == expected
    assert str(t) == expected


def test_print_writes_the_repr(capsys):
    t = torchless.tensor([[1.5, 2.0]], requires_grad=True)
    print(t)
    assert capsys.readouterr().out == "tensor([[1.5000, 2.0000]], requires_grad=True)\n"


@requires_torch
def test_print_matches_torch(capsys):
    ours, theirs = _both(CASES["summary_3d"])
    print(ours)
    ours_out = capsys.readouterr().out
    print(theirs)
    assert ours_out == capsys.readouterr().out


@requires_torch
def test_format_strings_match_torch():
    ours, theirs = _both(np.array([1.5, 2.0], dtype=f32))
    assert f"{ours}" == f"{theirs}"
    assert "{!s} {!r}".format(ours, ours) == "{!s} {!r}".format(theirs, theirs)


# ------------------------------------------------------------------------ Size, device, dtype
@requires_torch
def test_size_device_dtype_reprs():
    ours, theirs = _both(np.zeros((2, 3), dtype=f32))
    for attr in ("shape",):
        assert repr(getattr(ours, attr)) == repr(getattr(theirs, attr)) == "torch.Size([2, 3])"
        assert str(getattr(ours, attr)) == str(getattr(theirs, attr))
    assert repr(ours.size()) == repr(theirs.size())
    assert repr(torchless.Size([])) == repr(_torch.Size([])) == "torch.Size([])"
    assert repr(torchless.Size([4])) == repr(_torch.Size([4]))
    assert repr(ours.device) == repr(theirs.device) == "device(type='cpu')"
    assert str(ours.device) == str(theirs.device) == "cpu"
    assert repr(torchless.device("cpu")) == repr(_torch.device("cpu"))
    for name in ("float32", "float64", "float16", "int64", "int32", "int8", "uint8", "bool",
                 "complex64"):
        assert repr(getattr(torchless, name)) == repr(getattr(_torch, name))
        assert str(getattr(torchless, name)) == str(getattr(_torch, name))
    assert repr(ours.dtype) == "torch.float32"


# --------------------------------------------------------------------------------- print options
OPTION_SETS = [
    dict(precision=2),
    dict(precision=0),
    dict(precision=8),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(precision=2, sci_mode=True),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=5),
    dict(threshold=0),
    dict(edgeitems=0, threshold=5),
    dict(linewidth=40),
    dict(linewidth=200),
    dict(linewidth=10),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="default"),
    dict(profile="short", precision=6),
]

OPTION_CASES = ["float_fraction", "float_int_valued_wide", "float_big_1e10", "float_small_1e-6",
                "float_mixed_magnitudes", "float_nan_inf", "float_zeros", "int_negative",
                "scalar_float", "shape_2x3x4_frac", "wrap_1d_float", "summary_1d",
                "summary_2d", "summary_3d", "bool", "complex", "empty_float_2d", "float64",
                "float_big_int_1e8"]


@requires_torch
@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_set_printoptions_matches_torch(options):
    torchless.set_printoptions(**options)
    _torch.set_printoptions(**options)
    assert get_printoptions() == _torch._tensor_str.get_printoptions()
    for name in OPTION_CASES:
        ours, theirs = _both(CASES[name])
        _assert_same_repr(ours, theirs)


@requires_torch
def test_sci_mode_false_forces_fixed_for_huge_integers():
    torchless.set_printoptions(sci_mode=False)
    _torch.set_printoptions(sci_mode=False)
    ours, theirs = _both(np.array([1e10, 1.0, -3.0], dtype=f32))
    _assert_same_repr(ours, theirs)
    assert repr(ours) == "tensor([10000000000.,           1.,          -3.])"


def test_set_printoptions_resets_sci_mode_and_applies_profiles():
    torchless.set_printoptions(sci_mode=True, precision=3)
    assert PRINT_OPTS.sci_mode is True
    torchless.set_printoptions(linewidth=100)
    assert PRINT_OPTS.sci_mode is None and PRINT_OPTS.precision == 3 and PRINT_OPTS.linewidth == 100
    torchless.set_printoptions(profile="full")
    assert PRINT_OPTS.threshold == float("inf") and PRINT_OPTS.precision == 4
    assert repr(torchless.tensor(np.arange(1001.0, dtype=f32))).count("...") == 0
    torchless.set_printoptions(profile="short")
    assert (PRINT_OPTS.precision, PRINT_OPTS.edgeitems) == (2, 2)
    assert repr(torchless.tensor([0.5])) == "tensor([0.50])"
    torchless.set_printoptions(profile="default")
    assert get_printoptions() == dict(precision=4, threshold=1000, edgeitems=3, linewidth=80,
                                      sci_mode=None)


@requires_torch
def test_default_dtype_float64_changes_the_dtype_suffix():
    previous = torchless.get_default_dtype()
    try:
        torchless.set_default_dtype(torchless.float64)
        _torch.set_default_dtype(_torch.float64)
        for name in ("float_fraction", "float64", "complex", "complex128", "empty_float",
                     "empty_float_2d", "int_small"):
            _assert_same_repr(*_both(CASES[name]))
    finally:
        torchless.set_default_dtype(previous)
        _torch.set_default_dtype(_torch.float32)


# ------------------------------------------------------------------------------ random arrays
MAGNITUDES = [1e-7, 1e-4, 1e-2, 1.0, 10.0, 1e3, 1e6, 1e9, 1e12]


@st.composite
def float_arrays(draw):
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=0, max_size=3)))
    dtype = draw(st.sampled_from([f32, f64, f16]))
    scales = draw(st.lists(st.sampled_from(MAGNITUDES), min_size=1, max_size=3))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    size = int(np.prod(shape))
    values = rng.uniform(-1, 1, size) * rng.choice(scales, size)
    if draw(st.booleans()):
        values = np.round(values)  # integer-valued floats print as `4.`
    if size and draw(st.integers(0, 4)) == 0:
        values[rng.integers(0, size)] = rng.choice([nan, inf, -inf, 0.0, -0.0])
    with np.errstate(over="ignore"):
        return values.astype(dtype).reshape(shape)


@requires_torch
@settings(max_examples=150, deadline=None)
@given(arr=float_arrays())
def test_random_float_arrays_match_torch(arr):
    _assert_same_repr(*_both(arr))


@requires_torch
@settings(max_examples=50, deadline=None)
@given(arr=float_arrays(), precision=st.integers(0, 6), sci_mode=st.sampled_from([None, True, False]))
def test_random_float_arrays_with_options_match_torch(arr, precision, sci_mode):
    torchless.set_printoptions(precision=precision, sci_mode=sci_mode)
    _torch.set_printoptions(precision=precision, sci_mode=sci_mode)
    _assert_same_repr(*_both(arr))


# ------------------------------------------------------------------------------------- cost
def test_repr_of_a_small_tensor_makes_few_calls():
    t = torchless.tensor([1.5, 2.0, -3.25, 4.0])
    repr(t)
    assert count_calls(lambda: repr(t)) < 200  # (89 today: a loop per element or digit would show)


def test_repr_of_a_huge_tensor_only_formats_what_it_shows():
    big, bigger = torchless.zeros(2000, 2000) + 0.5, torchless.zeros(4000, 4000) + 0.5
    text = repr(big)
    assert text.count("0.5000") == 6 * 6
    assert count_calls(lambda: repr(big)) == count_calls(lambda: repr(bigger))  # nothing per element


@st.composite
def any_arrays(draw):
    """Integer, bool, complex and float arrays, some big enough to be summarized."""
    big = draw(st.booleans())
    dims = st.integers(0, 30) if big else st.integers(0, 5)
    shape = tuple(draw(st.lists(dims, min_size=0, max_size=4 if big else 3)))
    kind = draw(st.sampled_from(["int64", "int32", "uint8", "bool", "complex64", "float32"]))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    scale = draw(st.sampled_from([1, 10, 1000, 10 ** 6, 10 ** 12]))
    values = rng.uniform(-1, 1, shape) * scale
    if kind == "bool":
        return values > 0
    if kind == "uint8":
        return np.abs(values).astype(np.int64).astype(np.uint8)
    if kind == "complex64":
        return (values + 1j * rng.uniform(-1, 1, shape) * scale).astype(np.complex64)
    if kind == "int32":
        return np.clip(values, -2 ** 31, 2 ** 31 - 1).astype(np.int32)
    return values.astype(kind)


@requires_torch
@settings(max_examples=80, deadline=None)
@given(arr=any_arrays())
def test_random_arrays_of_every_kind_match_torch(arr):
    _assert_same_repr(*_both(arr))


@requires_torch
def test_views_print_their_own_values():
    ours, theirs = _both(np.arange(24, dtype=f32).reshape(2, 3, 4) / 3)
    _assert_same_repr(ours.transpose(0, 2), theirs.transpose(0, 2))
    _assert_same_repr(ours[:, 1], theirs[:, 1])
    _assert_same_repr(ours[1, :, ::2], theirs[1, :, ::2])
    _assert_same_repr(ours[0, 0, 0], theirs[0, 0, 0])


@requires_torch
def test_subclass_prints_its_class_name():
    class Ours(torchless.Tensor):
        pass

    class Theirs(_torch.Tensor):
        pass

    ours, theirs = Ours([1.0, 2.5]), Theirs([1.0, 2.5])
    assert repr(ours).replace("Ours", "Cls") == repr(theirs).replace("Theirs", "Cls")
    assert repr(ours) == "Ours([1.0000, 2.5000])"


@requires_torch
def test_custom_function_grad_fn_name():
    def square(fn_base):
        class Square(fn_base):
            @staticmethod
            def forward(ctx, x):
                return x * x

            @staticmethod
            def backward(ctx, g):
                return g
        return Square

    ours, theirs = _both(np.array([1.0, 2.0], dtype=f32), requires_grad=True)
    _assert_same_repr(square(torchless.autograd.Function).apply(ours),
                      square(_torch.autograd.Function).apply(theirs))


def test_tensor_contents_replaces_the_values():
    from torchless._tensor.printing import tensor_repr
    t = torchless.tensor([1, 2], dtype=torchless.int32)
    assert tensor_repr(t, tensor_contents="[...]") == "tensor([...], dtype=torch.int32)"

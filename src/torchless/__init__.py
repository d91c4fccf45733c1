"""torchless: PyTorch's tensor and autograd API in pure Python on NumPy.

    import torchless as torch

This module is the torch-like namespace: it re-exports what the floors below define (the torch
functions that are Tensor methods are those methods, behind a `__torch_function__` check).
"""
__version__ = "0.1.0"

import warnings as _warnings

# NumPy warns on log(0), x/0, overflow ...; PyTorch returns inf/nan silently. Ignore those warnings
# when they come from torchless's own code only (the user's own NumPy calls still warn).
_warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"torchless(\.|$)")

import numpy as _np

# glibc hands memory back to the OS whenever the top of the heap holds more than twice its mmap
# threshold free (128 KiB to start), and a training step frees its megabytes of activations and
# gradients at once: every step then page-faults all of them in again, each page zeroed by the kernel
# (1,500 faults and +40% time for an MLP step; 4,300 faults, a third of the time, for D2L's LeNet
# step). Freeing one 30 MiB block raises glibc's dynamic thresholds as a program's first large
# array would: blocks below 30 MiB come from the heap, and up to 60 MiB of free heap is kept (a
# 16 MiB block, trimming beyond 32 MiB, still left LeNet's and the residual block's steps
# faulting). glibc's ceiling for this adjustment is 32 MiB; elsewhere this is one unused allocation.
_np.empty(30 << 20, _np.uint8)

from . import _dtype
from ._dtype import (bool, cdouble, cfloat, complex64, complex128, double, dtype, float, float16,  # noqa: A004
                     float32, float64, get_default_dtype, half, int, int8, int16, int32, int64, long,
                     promote_types, set_default_dtype, short, uint8)
from ._tensor import Size, Tensor, device, where
from ._dtype import finfo, iinfo  # (bad input and utilities, issue 12)
from ._dtype import uint64  # (misc breadth round 3, issue 12: torch.hash_tensor's dtype)

# The public classes print as torchless.Tensor, torchless.Size ... (where they are reached), not by
# the private module that defines them.
for _cls in (Size, Tensor, device, dtype, finfo, iinfo):
    _cls.__module__ = __name__
del _cls
from ._tensor.creation import *  # noqa: F401,F403
from ._tensor.creation import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from .engine.grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                               no_grad, set_grad_enabled)
from ._tensor._reduction import *  # noqa: F401,F403
from ._tensor._linalg import *  # noqa: F401,F403
from ._tensor._shape import *  # noqa: F401,F403
from ._tensor._indexing import *  # noqa: F401,F403
from ._tensor._sorting import *  # noqa: F401,F403  (reductions, sorting and searching: issue 12)
from ._tensor._shape_index import *  # noqa: F401,F403  (issue 12: shape and indexing breadth)
from ._tensor._matrix import *  # noqa: F401,F403  (linalg/fft family: einsum, addmm, det ...)
from ._tensor._fft import fft  # noqa: F401  (linalg/fft family: torch.fft)
from ._tensor._misc import *  # noqa: F401,F403  (masked / signal / misc family: windows, complex, gradient ...)
from ._tensor.printing import get_printoptions, set_printoptions
from ._tensor.xp import TX as _TX
from .engine import backward as _engine_backward
from ._tensor._core import _is_tensor, _wrap_tensor

_engine_backward.set_tensor_api(_wrap_tensor, _TX, _is_tensor)

from . import autograd  # noqa: E402
autograd._set_vmap_loader(lambda: __getattr__("func").vmap)  # grad(is_grads_batched=True) runs under vmap
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled  # noqa: E402,F401
from ._tensor.functions import *  # noqa: E402,F401,F403

# The training stack loads on first use (torch.nn, torch.optim, torch.save ...): a program that only
# does tensor math pays neither its import time nor its objects in every garbage collection.
_LAZY_MODULES: tuple[str, ...] = ("nn", "optim", "utils", "distributions", "func", "special")
# The masked / signal / misc family (issue 12): torch.masked and torch.signal, loaded on use.
_LAZY_MODULES = _LAZY_MODULES + ("masked", "signal")
# Random streams (issue 14): torch.random (fork_rng and the default generator's seed and state).
_LAZY_MODULES = _LAZY_MODULES + ("random",)
_LAZY_FUNCTIONS = {"save": "serialization", "load": "serialization"}
# The nn.functional family (issue 12): torch-level names of functions that live in nn.functional.
_LAZY_FUNCTIONS.update({_name: "nn.functional" for _name in (
    "prelu", "hardshrink", "threshold_", "pdist", "cdist", "cosine_similarity", "pairwise_distance")})
# ... and the losses' torch-level forms (ATen's signatures: the reduction an int), named _torch_<name> there
_LAZY_RENAMED = {_name: ("nn.functional", "_torch_" + _name) for _name in (
    "kl_div", "poisson_nll_loss", "margin_ranking_loss", "hinge_embedding_loss", "cosine_embedding_loss",
    "triplet_margin_loss", "selu", "selu_", "celu", "celu_", "rrelu", "rrelu_", "threshold")}

# The convolution and pooling family (issue 12): torch.conv2d, torch.max_pool2d ... live in nn.functional.
_LAZY_FUNCTIONS.update({_name: "nn.functional" for _name in (
    "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "max_pool1d",
    "max_pool2d", "max_pool3d", "avg_pool1d", "adaptive_avg_pool1d", "max_pool1d_with_indices", "pixel_shuffle",
    "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle")})
_LAZY_RENAMED["adaptive_max_pool1d"] = ("nn.functional", "_torch_adaptive_max_pool1d")  # ATen's: (values, indices)


# The ops-norm-embed family (issue 12): torch-level normalization, embedding and attention functions,
# which live in nn/_functional_norm.py (ATen's argument orders under _torch_<name> there).
_LAZY_FUNCTIONS.update({_name: "nn._functional_norm" for _name in (
    "native_batch_norm", "native_layer_norm", "native_group_norm", "_native_batch_norm_legit", "bilinear", "alpha_dropout",
    "feature_alpha_dropout")})
_LAZY_RENAMED.update({_name: ("nn._functional_norm", "_torch_" + _name) for _name in (
    "batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "embedding")})
# Bad input (issue 12): torch.alpha_dropout(input, p, train) takes every argument, as ATen's form does
for _name in ("alpha_dropout", "feature_alpha_dropout"):
    del _LAZY_FUNCTIONS[_name]
    _LAZY_RENAMED[_name] = ("nn._functional_norm", "_torch_" + _name)
del _name

# The misc breadth family, round 3 (issue 12): ATen's operators that torch names with an underscore
# (torch._chunk_cat, torch.segment_reduce ...), in nn/_functional_misc.py.
_LAZY_FUNCTIONS.update({_name: "nn._functional_misc" for _name in (
    "_softmax_backward_data", "_safe_softmax", "_chunk_cat", "_segment_reduce", "_unsafe_masked_index",
    "_unsafe_masked_index_put_accumulate")})
_LAZY_RENAMED["segment_reduce"] = ("nn._functional_misc", "_segment_reduce")


# The grid-sample / CTC family (issue 12): torch.grid_sampler(_2d/_3d), torch.affine_grid_generator and
# torch.ctc_loss (ATen's signature: the reduction an int), which live in nn/_functional_grid_ctc.py.
_LAZY_FUNCTIONS.update({_name: "nn._functional_grid_ctc" for _name in (
    "grid_sampler", "grid_sampler_2d", "grid_sampler_3d", "affine_grid_generator")})
_LAZY_RENAMED["ctc_loss"] = ("nn._functional_grid_ctc", "_torch_ctc_loss")

def __getattr__(name):
    import importlib
    if name in _LAZY_MODULES:
        return importlib.import_module(f"{__name__}.{name}")  # importing sets the attribute too
    if name in _LAZY_FUNCTIONS:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY_FUNCTIONS[name]}"), name)
        globals()[name] = value
        return value
    if name in _LAZY_RENAMED:
        module, attribute = _LAZY_RENAMED[name]
        value = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'torchless' has no attribute '{name}'")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_MODULES) | set(_LAZY_FUNCTIONS) | set(_LAZY_RENAMED))

# torch.exp(x), torch.add(x, y) ...: the Tensor methods, called as functions.
for _name in (
    "abs", "absolute", "acos", "arccos", "asin", "arcsin", "atan", "arctan", "add", "sub", "subtract",
    "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder", "fmod", "neg",
    "negative", "exp", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "sin", "cos", "tan",
    "sinh", "cosh", "tanh", "sigmoid", "relu", "reciprocal", "sign", "floor", "ceil", "round", "trunc",
    "fix", "square", "clamp", "clip", "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin",
    "eq", "ne", "not_equal", "lt", "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal",
    "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor",
    "bitwise_not", "isnan", "isinf", "isfinite", "allclose", "isclose", "equal", "clone", "numel",
    "detach", "exp2", "logaddexp", "hypot", "atan2", "arctan2", "copysign", "zero_",
    "conj", "conj_physical", "conj_physical_", "resolve_conj", "is_conj", "resolve_neg", "is_neg",
):
    globals()[_name] = getattr(Tensor, _name)
del _name

# Elementwise math and special functions (issue 12's special-functions family): Tensor methods called
# as functions, the functions of _tensor/_special.py, and the torch.special namespace (loaded on use).
for _name in (
    "acosh", "arccosh", "asinh", "arcsinh", "atanh", "arctanh", "deg2rad", "rad2deg", "sgn", "signbit", "frac",
    "positive", "isposinf", "isneginf", "isreal", "logaddexp2", "sinc", "logit", "nan_to_num", "heaviside", "lerp",
    "addcmul", "addcdiv", "ldexp", "nextafter", "gcd", "lcm", "bitwise_left_shift", "bitwise_right_shift", "angle",
    "erf", "erfc", "erfinv", "lgamma", "digamma", "i0", "acosh_", "arccosh_", "asinh_", "arcsinh_", "atanh_",
    "arctanh_", "deg2rad_", "rad2deg_", "frac_", "sinc_", "logit_", "nan_to_num_", "gcd_", "lcm_", "erf_", "erfc_",
    "i0_", "xlogy_", "ldexp_", "igamma", "igammac",
):
    globals()[_name] = getattr(Tensor, _name)
del _name
from ._tensor._special import *  # noqa: E402,F401,F403

# The random samplers of issue 14 (round 5): torch.poisson, torch.binomial and the private ones
# torch.distributions calls (torch._standard_gamma ...), drawing PyTorch's numbers.
from ._tensor._samplers import *  # noqa: E402,F401,F403

# The misc breadth family, round 3 (issue 12): Tensor methods called as functions.
for _name in ("hash_tensor",):
    globals()[_name] = getattr(Tensor, _name)
del _name


# The torch functions that are Tensor methods (torch.exp, torch.sum ...) hand a call on a tensor-like
# argument to its __torch_function__ (vmap's BatchedTensor), see overrides.function_of_method.
from typing import Callable as _Callable  # noqa: E402

from .overrides import function_of_method as _function_of_method  # noqa: E402

_value: _Callable[..., object]
for _name, _value in list(globals().items()):
    if not _name.startswith("_") and type(_value) is type(pow) and getattr(Tensor, _name, None) is _value:
        globals()[_name] = _function_of_method(_value, _name, Tensor)
del _name, _value

# Bad input (issue 12): torch functions off the hot path raise PyTorch's TypeError for an argument of
# the wrong type (torch.atleast_1d("a")), not an AttributeError from inside; the Tensor-method functions
# above do so by themselves (overrides.function_of_method).
from .overrides import tensor_arguments as _tensor_arguments  # noqa: E402

for _name in (
    "atleast_1d", "atleast_2d", "atleast_3d", "bernoulli", "broadcast_tensors", "bucketize", "cartesian_prod",
    "chain_matmul", "combinations", "cumulative_trapezoid", "diagonal_copy", "imag", "real", "lu_unpack", "orgqr",
    "slice_copy", "squeeze_copy", "std_mean", "t_copy", "trapezoid", "trapz", "unbind_copy", "var_mean",
    "view_as_complex", "view_as_real", "alias_copy", "detach_copy", "frexp", "dist", "equal", "expand_copy", "permute_copy", "select_copy", "split_copy",
    "transpose_copy", "unsqueeze_copy", "view_copy", "values_copy", "indices_copy", "as_strided_copy",
):
    if _name in globals() and getattr(globals()[_name], "__module__", "").startswith("torchless._tensor"):
        globals()[_name] = _tensor_arguments(globals()[_name], Tensor)
# ... and every torch function of the breadth modules (none is on a hot path)
_BREADTH = ("torchless._tensor._misc", "torchless._tensor._sorting", "torchless._tensor._shape_index",
            "torchless._tensor._special", "torchless._tensor._matrix", "torchless._tensor._fft", "torchless.nn.")
for _name, _value in list(globals().items()):
    if (not _name.startswith("_") and type(_value) is type(pow) and getattr(Tensor, _name, None) is not _value
            and getattr(_value, "__module__", "").startswith(_BREADTH) and not hasattr(_value, "__wrapped__")):
        globals()[_name] = _tensor_arguments(_value, Tensor)
del _name, _value

# ... and `out=` (issue 12) for the torch functions of Tensor methods that PyTorch gives one: the result is
# written into `out` with PyTorch's casting and resizing rules (_tensor/_inplace.write_out).
from ._tensor._inplace import write_out as _write_out  # noqa: E402

for _name in (
    "add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "floor_divide", "remainder",
    "fmod", "matmul", "mm", "bmm", "mv", "dot", "exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt",
    "rsqrt", "abs", "neg", "negative", "sin", "cos", "tan", "sinh", "cosh", "tanh", "asin", "acos", "atan", "sigmoid",
    "reciprocal", "sign", "floor", "ceil", "round", "trunc", "frac", "square", "clamp", "clip", "clamp_min",
    "clamp_max", "maximum", "minimum", "fmax", "fmin", "atan2", "hypot", "logaddexp", "copysign", "erf", "erfc",
    "lerp", "addcmul", "addcdiv", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor",
    "logical_not", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not", "prod", "cumsum", "cumprod",
    "logsumexp", "argmax", "argmin", "amax", "amin", "isnan", "index_select", "gather", "masked_select", "take", "flip",
    "nonzero", "outer", "heaviside",
):
    _value = globals()[_name]
    if getattr(_value, "__wrapped__", None) is getattr(Tensor, _name, None):
        globals()[_name] = _function_of_method(getattr(_value, "__wrapped__"), _name, Tensor, _write_out)
del _name, _value

# `from torch import nn` after `import torchless as torch` means torchless's nn (see _torch_alias).
from . import _torch_alias  # noqa: E402

_torch_alias.install(__import__(__name__))

# torch.ops.aten (issue 12, misc breadth round 3): ATen's operators by their ATen names, loaded on use.
from . import ops as _ops  # noqa: E402
from ._aten import aten as _aten  # noqa: E402

_ops.aten = _aten

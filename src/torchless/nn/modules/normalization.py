"""Normalization layers: BatchNorm1d/2d/3d (and their lazy forms), InstanceNorm1d/2d/3d, LayerNorm,
GroupNorm, RMSNorm and LocalResponseNorm, with PyTorch's constructor arguments, parameter and
buffer names (weight, bias; running_mean, running_var, num_batches_tracked) and reprs."""
from collections.abc import Mapping
from typing import Any

from ..._tensor import Tensor
from ..._tensor._core import _bump_version
from ..._tensor.creation import empty, ones, tensor, zeros
from ... import _dtype as D
from ...engine.grad_mode import no_grad
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .linear import _is_uninitialized, _uninitialized_parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
           "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm",
           "LocalResponseNorm"]



def _affine_parameters(module: Module, affine: bool, bias: bool, make: Any) -> None:
    """Register a norm's weight and bias, in that order: `make()` builds each (uninitialised), and an
    absent one is registered as None, as PyTorch's norms do."""
    module.register_parameter("weight", make() if affine else None)
    module.register_parameter("bias", make() if affine and bias else None)


def _reset_affine(module: Module, affine: bool) -> None:
    """A norm's weight to 1 and bias to 0 (where it has them)."""
    if affine:
        init.ones_(module.weight)
        if module.bias is not None:
            init.zeros_(module.bias)


class _NormBase(Module):
    """The parameters and running statistics batch and instance norm share."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, bias, lambda: Parameter(empty(num_features, **factory)))
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, **factory))
            self.register_buffer("running_var", ones(num_features, **factory))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=D.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """running_mean to 0, running_var to 1, num_batches_tracked to 0 (when tracked)."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        """The running statistics reset; weight to 1 and bias to 0."""
        self.reset_running_stats()
        _reset_affine(self, self.affine)

    def _check_input_dim(self, input: Tensor) -> None:
        raise NotImplementedError

    def extra_repr(self) -> str:
        """num_features, eps, momentum, affine, bias and track_running_stats."""
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str], assign: bool = False) -> None:
        key = prefix + "num_batches_tracked"
        if self.track_running_stats and key not in state_dict:  # (saved before the buffer existed)
            state_dict = {**state_dict, key: tensor(0, dtype=D.long)}  # (the caller's dict left as it is)
        super()._load_from_state_dict(state_dict, prefix, missing_keys, unexpected_keys, error_msgs, assign)


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        """Normalised by the batch's statistics while training (the running ones move towards
        them), by the running statistics in eval mode (when tracked)."""
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            count = self.num_batches_tracked
            if count._data.flags.writeable and not count._rg:
                count._data += 1  # (add_(1) without its dispatch: a buffer nobody differentiates)
                _bump_version(count)
            else:
                with no_grad():
                    count.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_running = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if use_running else None,
                            self.running_var if use_running else None, self.weight, self.bias, bn_training,
                            factor, self.eps)


def _dim_check(expected: str, ok: tuple[int, ...]) -> Any:
    def check(self: Any, input: Tensor) -> None:
        if input.dim() not in ok:
            raise ValueError(f"expected {expected} input (got {input.dim()}D input)")
    return check


class BatchNorm1d(_BatchNorm):
    """BatchNorm1d(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    device=None, dtype=None, *, bias=True): batch norm over (N, C) or (N, C, L) inputs.

    Each channel is normalised by the batch's mean and biased variance while training, and the
    running statistics (running_mean, running_var; momentum None: their cumulative average) move
    towards the batch's mean and unbiased variance; eval() uses the running statistics."""
    _check_input_dim = _dim_check("2D or 3D", (2, 3))


class BatchNorm2d(_BatchNorm):
    """BatchNorm2d(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    device=None, dtype=None, *, bias=True): batch norm over (N, C, H, W) inputs (see BatchNorm1d)."""
    _check_input_dim = _dim_check("4D", (4,))


class BatchNorm3d(_BatchNorm):
    """BatchNorm3d(num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True,
    device=None, dtype=None, *, bias=True): batch norm over (N, C, D, H, W) inputs (see BatchNorm1d)."""
    _check_input_dim = _dim_check("5D", (5,))


class _LazyBatchNorm(_BatchNorm):
    """A batch norm whose num_features is taken from the first input's dim 1."""
    _full: type

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        Module.__init__(self)
        factory = {"device": device, "dtype": dtype}
        self._factory = factory
        self.num_features = 0
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine_parameters(self, affine, bias, lambda: _uninitialized_parameter(factory))
        if track_running_stats:
            self.register_buffer("running_mean", _uninitialized_buffer(factory))
            self.register_buffer("running_var", _uninitialized_buffer(factory))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=D.long))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self._init_hook = self.register_forward_pre_hook(_LazyBatchNorm._infer_parameters)

    def reset_parameters(self) -> None:
        """As the full module's, once the parameters have their shapes (else nothing)."""
        if self.num_features != 0:
            super().reset_parameters()

    def _fill(self, n: int) -> None:
        with no_grad():
            for name in ("weight", "bias"):
                p = self._parameters.get(name)
                if p is not None and _is_uninitialized(p):
                    p.data = empty(n, **self._factory)
                    del p._uninitialized
            for name in ("running_mean", "running_var"):
                b = self._buffers.get(name)
                if b is not None and b.__dict__.get("_uninitialized", False):
                    b.data = empty(n, **self._factory)
                    del b.__dict__["_uninitialized"]

    @staticmethod
    def _infer_parameters(module: "_LazyBatchNorm", args: tuple[Any, ...]) -> None:
        """On the first call: num_features from the input, the tensors sized and initialised."""
        if module.num_features == 0:
            module._check_input_dim(args[0])
            module.num_features = args[0].shape[1] if args[0].dim() > 1 else args[0].shape[0]
            module._fill(module.num_features)
            module.reset_parameters()
        module._init_hook.remove()
        del module._init_hook, module._factory
        module.__class__ = module._full

    def _load_from_state_dict(self, state_dict: Mapping[str, Any], prefix: str, missing_keys: list[str],
                              unexpected_keys: list[str], error_msgs: list[str], assign: bool = False) -> None:
        value = state_dict.get(prefix + "running_mean", state_dict.get(prefix + "weight"))
        if self.num_features == 0 and isinstance(value, Tensor):
            self._fill(value.shape[0])
            self.num_features = value.shape[0]
        super()._load_from_state_dict(state_dict, prefix, missing_keys, unexpected_keys, error_msgs, assign)


def _uninitialized_buffer(factory: dict[str, Any]) -> Tensor:
    b = empty(0, **factory)
    b.__dict__["_uninitialized"] = True
    return b


class LazyBatchNorm1d(_LazyBatchNorm):
    """LazyBatchNorm1d(eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None,
    dtype=None, *, bias=True): a BatchNorm1d whose num_features comes from the first input."""
    _full = BatchNorm1d
    _check_input_dim = _dim_check("2D or 3D", (2, 3))


class LazyBatchNorm2d(_LazyBatchNorm):
    """LazyBatchNorm2d(eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None,
    dtype=None, *, bias=True): a BatchNorm2d whose num_features comes from the first input."""
    _full = BatchNorm2d
    _check_input_dim = _dim_check("4D", (4,))


class LazyBatchNorm3d(_LazyBatchNorm):
    """LazyBatchNorm3d(eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, device=None,
    dtype=None, *, bias=True): a BatchNorm3d whose num_features comes from the first input."""
    _full = BatchNorm3d
    _check_input_dim = _dim_check("5D", (5,))


# ============================================================================ instance norm
class _InstanceNorm(_NormBase):
    _batched_dim: int

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, affine: bool = False,
                 track_running_stats: bool = False, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def _check_input_dim(self, input: Tensor) -> None:
        d = self._batched_dim
        if input.dim() not in (d - 1, d):
            raise ValueError(f"expected {d - 1}D or {d}D input (got {input.dim()}D input)")

    def forward(self, input: Tensor) -> Tensor:
        """Each sample's channels normalised by their own statistics over the spatial dims (the
        running statistics in eval mode when tracked). An unbatched input (C, ...) is one sample."""
        self._check_input_dim(input)
        feature_dim = input.dim() - (self._batched_dim - 1)
        if input.shape[feature_dim] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim={feature_dim} to match num_features "
                             f"({self.num_features}), but got: {input.shape[feature_dim]}.")
        if input.dim() == self._batched_dim - 1:
            return self._norm(input.unsqueeze(0)).squeeze(0)
        return self._norm(input)

    def _norm(self, input: Tensor) -> Tensor:
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)


class InstanceNorm1d(_InstanceNorm):
    """InstanceNorm1d(num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False,
    device=None, dtype=None, *, bias=True): instance norm over (N, C, L) or (C, L) inputs."""
    _batched_dim = 3


class InstanceNorm2d(_InstanceNorm):
    """InstanceNorm2d(num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False,
    device=None, dtype=None, *, bias=True): instance norm over (N, C, H, W) or (C, H, W) inputs."""
    _batched_dim = 4


class InstanceNorm3d(_InstanceNorm):
    """InstanceNorm3d(num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False,
    device=None, dtype=None, *, bias=True): instance norm over (N, C, D, H, W) or (C, D, H, W) inputs."""
    _batched_dim = 5


# ============================================================================ layer, group, RMS, LRN
def _shape_tuple(normalized_shape: Any) -> tuple[int, ...]:
    if isinstance(normalized_shape, int):
        return (normalized_shape,)
    return tuple(int(s) for s in normalized_shape)


class LayerNorm(Module):
    """LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True, bias=True, device=None,
    dtype=None): normalise over the trailing dims normalized_shape, then * weight + bias (weight
    initialised to 1, bias to 0, each of shape normalized_shape)."""

    def __init__(self, normalized_shape: Any, eps: float = 1e-5, elementwise_affine: bool = True, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, elementwise_affine, bias, lambda: Parameter(empty(self.normalized_shape, **factory)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to 1, bias to 0."""
        _reset_affine(self, self.elementwise_affine)

    def forward(self, input: Tensor) -> Tensor:
        """layer_norm of input over normalized_shape with the module's weight and bias."""
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """normalized_shape, eps, elementwise_affine and bias."""
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """GroupNorm(num_groups, num_channels, eps=1e-05, affine=True, device=None, dtype=None, *,
    bias=True): the channels split into num_groups groups, each sample's group normalised by its
    own statistics, then * weight + bias per channel (initialised to 1 and 0)."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5, affine: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        factory = {"device": device, "dtype": dtype}
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, affine, bias, lambda: Parameter(empty(num_channels, **factory)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to 1, bias to 0."""
        _reset_affine(self, self.affine)

    def forward(self, input: Tensor) -> Tensor:
        """group_norm of input with the module's groups, weight and bias."""
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        """num_groups, num_channels, eps, affine and bias."""
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """RMSNorm(normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
    x / sqrt(mean(x², over normalized_shape) + eps) * weight (weight initialised to 1; eps None:
    the machine epsilon of the input's dtype)."""

    def __init__(self, normalized_shape: Any, eps: float | None = None, elementwise_affine: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(empty(self.normalized_shape, device=device, dtype=dtype))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight to 1."""
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x: Tensor) -> Tensor:
        """rms_norm of x over normalized_shape with the module's weight."""
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        """normalized_shape, eps and elementwise_affine."""
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """LocalResponseNorm(size, alpha=0.0001, beta=0.75, k=1.0): each element divided by
    (k + alpha · mean of the squares of `size` neighbouring channels)^beta."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input: Tensor) -> Tensor:
        """local_response_norm of input with the module's options."""
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self) -> str:
        """size, alpha, beta and k."""
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"

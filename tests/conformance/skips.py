"""Checks of PyTorch's test databases that torchless fails today, each with its reason.

The list may only shrink: every entry must still fail (the suite fails an entry that passes, so
that it leaves the list), and MAX_* below cap each list at its length when it was last cut; raising
a cap needs a reason in the commit. Keys are "<entry>:<check>": OpInfo entries by name and variant
("max.reduction_with_dim"), modules and optimizers by class name.
"""
OPINFO_SKIPS: dict[str, str] = {
    'special.hermite_polynomial_he:forward': 'one float32 sample of a high degree: the recurrence cancels, and ours (computed in float64, rounded) differs from PyTorch (float32 throughout) by 2 in values near 1e6',
    'cholesky_inverse:jvp': "PyTorch 2.13's forward AD disagrees with finite differences; ours agrees (tests/ops/test_linalg_breadth.py)",
    'triangular_solve:jvp': "PyTorch 2.13's tangent of the solution is 210 from finite differences on sample 0; ours is 3e-9 from them",
    'matrix_exp:forward': 'float32 5x5x5 values near 9e4: ours is 1.8e-3 from the float64 answer, PyTorch 5e-2',
    'as_strided.partial_views:forward': 'the samples are views into a larger storage; the bridge rebuilds each input as a fresh tensor of its values (tests/ops/test_shape_index_breadth.py rebuilds the storage)',
    'as_strided.partial_views:grad': 'the samples are views into a larger storage; the bridge rebuilds each input as a fresh tensor of its values',
    'as_strided.partial_views:jvp': 'the samples are views into a larger storage; the bridge rebuilds each input as a fresh tensor of its values',
    'as_strided_scatter:grad': "PyTorch 2.13's gradient for the input is inverted (it fails PyTorch's own gradcheck); ours passes gradcheck",
    'svd:jvp': 'forward AD of full_matrices=True on a non-square (here empty) matrix is not implemented: NotImplementedError',
    'linalg.svd:jvp': 'forward AD of full_matrices=True on a non-square (here empty) matrix is not implemented: NotImplementedError',
    'polygamma.polygamma_n_0:forward': "float32 trigamma: PyTorch's is up to 2e-5 off (against mpmath); ours is computed in float64 and rounded",
    'polygamma.polygamma_n_1:forward': "float32 trigamma: PyTorch's is up to 2e-5 off (against mpmath); ours is computed in float64 and rounded",
    'polygamma.polygamma_n_2:forward': "float32 trigamma: PyTorch's is up to 2e-5 off (against mpmath); ours is computed in float64 and rounded",
    'polygamma.polygamma_n_3:forward': "float32 trigamma: PyTorch's is up to 2e-5 off (against mpmath); ours is computed in float64 and rounded",
    'polygamma.polygamma_n_4:forward': "float32 trigamma: PyTorch's is up to 2e-5 off (against mpmath); ours is computed in float64 and rounded",
    'special.polygamma.special_polygamma_n_0:forward': "float32 trigamma: PyTorch's is up to 2e-5 off (against mpmath); ours is computed in float64 and rounded",
    'special.bessel_j0:forward': "near the zeros of J0 PyTorch's float64 values are ~2e-7 off (against mpmath); ours ~2e-14",
    'special.bessel_y1:forward': "near the zeros of Y1 PyTorch's float64 values are ~3e-7 off (against mpmath); ours ~2e-14",
    'logcumsumexp:grad': 'float32 sample of magnitude 1e4: both libraries are ~3e-3 from the float64 gradient (ours 3.8e-3, PyTorch 3.2e-3); the tolerance is tighter',
    'logcumsumexp:jvp': 'float64 sample of magnitude 1e4: ours is 1.1e-6 from finite differences, PyTorch 6.0e-6; they differ by more than the tolerance',
    '__radd__:errors': "Tensor.__radd__(2, t), called unbound on a number: a plain function here, not a descriptor that checks self, as PyTorch's C method does",
    '__rand__:errors': "Tensor.__rand__(2, t), called unbound on a number: a plain function here, not a descriptor that checks self, as PyTorch's C method does",
    '__rmul__:errors': "Tensor.__rmul__(2, t), called unbound on a number: a plain function here, not a descriptor that checks self, as PyTorch's C method does",
    '__ror__:errors': "Tensor.__ror__(2, t), called unbound on a number: a plain function here, not a descriptor that checks self, as PyTorch's C method does",
    '__rxor__:errors': "Tensor.__rxor__(2, t), called unbound on a number: a plain function here, not a descriptor that checks self, as PyTorch's C method does",
    '__rdiv__:errors': 'accepted; PyTorch raises AttributeError',
    'arange:errors': 'accepted; PyTorch raises ValueError',
    'cumprod:jvp': 'raised IndexError: index 0 is out of bounds for axis 0 with size 0',
    'masked_fill:errors': 'accepted; PyTorch raises RuntimeError',
    'masked_select:errors': "raised TypeError: masked_select() got an unexpected keyword argument 'out'; PyTorch raises RuntimeError",
    'isclose:errors': 'accepted; PyTorch raises RuntimeError',
    'narrow:errors': 'raised TypeError: only integer tensors of a single element can be converted to an index; PyTorch raises Runtim',
    'gather:forward': 'raised RuntimeError: gather(): Expected dtype int32/int64 for index',
    'gather:grad': 'raised RuntimeError: gather(): Expected dtype int32/int64 for index',
    'gather:jvp': 'raised RuntimeError: gather(): Expected dtype int32/int64 for index',
    'gather:errors': "raised TypeError: gather() got an unexpected keyword argument 'out'; PyTorch raises RuntimeError",
    'index_select:errors': "raised TypeError: index_select() got an unexpected keyword argument 'out'; PyTorch raises RuntimeError",
    'take:errors': "raised TypeError: take() got an unexpected keyword argument 'out'; PyTorch raises RuntimeError",
    'scalar_tensor:forward': "raised TypeError: scalar_tensor() got an unexpected keyword argument 'device'",
    'multinomial:errors': 'accepted; PyTorch raises RuntimeError',
    'bernoulli:errors': "raised TypeError: bernoulli() got an unexpected keyword argument 'out'; PyTorch raises RuntimeError",
    'cat:errors': 'accepted; PyTorch raises RuntimeError',
    'zero_:forward': "raised AttributeError: module 'torchless' has no attribute 'zero_'",
    'zero_:grad': "raised AttributeError: module 'torchless' has no attribute 'zero_'",
    'zero_:jvp': "raised AttributeError: module 'torchless' has no attribute 'zero_'",
    'norm.nuc:forward': "raised RuntimeError: norm with p='nuc' (a matrix norm) is not supported here; use p='fro' or a number",
    'norm.nuc:grad': "raised RuntimeError: norm with p='nuc' (a matrix norm) is not supported here; use p='fro' or a number",
    'norm.nuc:jvp': "raised RuntimeError: norm with p='nuc' (a matrix norm) is not supported here; use p='fro' or a number",
}

MODULE_SKIPS: dict[str, str] = {
    'NLLLoss:errors': 'error input 0 (weight=tensor([], dtype=torch.float16) on [[0, 0], [0]]: accepted; PyTorch raises RuntimeError',
    'HuberLoss:errors': 'error input 0 (delta=(1+0j)) on []: accepted; PyTorch raises TypeError',
    'CrossEntropyLoss:errors': 'error input 4 (ignore_index=1) on [[2, 3], [2, 3]]: accepted; PyTorch raises RuntimeError',
}

OPTIM_SKIPS: dict[str, str] = {
}

MAX_OPINFO_SKIPS = 48
MAX_MODULE_SKIPS = 3
MAX_OPTIM_SKIPS = 0

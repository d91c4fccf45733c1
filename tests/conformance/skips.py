"""Checks of PyTorch's test databases that torchless fails today, each with its reason.

The list may only shrink: every entry must still fail (the suite fails an entry that passes, so
that it leaves the list), and MAX_* below cap each list at its length when it was last cut; raising
a cap needs a reason in the commit. Keys are "<entry>:<check>": OpInfo entries by name and variant
("max.reduction_with_dim"), modules and optimizers by class name.
"""
OPINFO_SKIPS: dict[str, str] = {
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
    'scatter:forward': 'raised NotImplementedError: scatter(reduce=...) is not supported by torchless; use scatter_add or scatter_redu',
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
    'linalg.norm:forward': "raised RuntimeError: linalg.norm: matrix norms (ord='nuc') are not supported here; use torch.linalg.vector_nor",
    'linalg.norm:grad': "grad[0]: dtype float64 != PyTorch's float32",
    'linalg.norm:jvp': "raised RuntimeError: linalg.norm: matrix norms (ord='nuc') are not supported here; use torch.linalg.vector_nor",
    'linalg.norm.subgradients_at_zero:forward': "raised RuntimeError: linalg.norm: matrix norms (ord='nuc') are not supported here; use torch.linalg.vector_nor",
    'linalg.norm.subgradients_at_zero:grad': "grad[0]: dtype float64 != PyTorch's float32",
    'linalg.norm.subgradients_at_zero:jvp': "raised RuntimeError: linalg.norm: matrix norms (ord='nuc') are not supported here; use torch.linalg.vector_nor",
}

MODULE_SKIPS: dict[str, str] = {
    'NLLLoss:errors': 'error input 0 (weight=tensor([], dtype=torch.float16) on [[0, 0], [0]]: accepted; PyTorch raises RuntimeError',
    'HuberLoss:errors': 'error input 0 (delta=(1+0j)) on []: accepted; PyTorch raises TypeError',
    'CrossEntropyLoss:errors': 'error input 4 (ignore_index=1) on [[2, 3], [2, 3]]: accepted; PyTorch raises RuntimeError',
}

OPTIM_SKIPS: dict[str, str] = {
}

MAX_OPINFO_SKIPS = 37
MAX_MODULE_SKIPS = 3
MAX_OPTIM_SKIPS = 0

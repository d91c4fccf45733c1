"""The Tensor layer: the Tensor class, its methods by family, and the torch functions built on them.

`class Tensor` is assembled here once, from TensorBase (_core.py: the array, the graph attributes,
metadata, conversions) and one mixin per family of methods, each declared in its own module's class
body. The hot paths create results with `object.__new__(Tensor)` and test `type(x) is Tensor`, so
each module's global `Tensor` must be the final class: bind_tensor_class sets it, in one place.
"""
from . import _core, _elementwise, _inplace, _indexing, _linalg, _reduction, _shape, _sorting, creation, printing, xp
from . import _special  # elementwise math and special functions (issue 12)
from . import _shape_index  # issue 12's shape and indexing breadth
from . import _fft, _matrix  # linalg/fft family
from . import _misc  # masked / signal / misc family
from . import _bits  # misc breadth round 3: hash_tensor
from ._core import Size, TensorBase, bind_tensor_class, device, where
from ._elementwise import ElementwiseMethods
from ._indexing import IndexingMethods
from ._inplace import InplaceMethods
from ._linalg import LinalgMethods
from ._matrix import MatrixMethods
from ._reduction import ReductionMethods
from ._shape import ShapeMethods
from ._sorting import SortingMethods  # reductions, sorting and searching (issue 12)
from ._special import SpecialMethods
from ._shape_index import ShapeIndexMethods
from .creation import CreationMethods
from ._misc import MiscMethods
from ._bits import BitsMethods

__all__ = ["Size", "Tensor", "device", "where"]


class Tensor(ElementwiseMethods, InplaceMethods, ShapeMethods, IndexingMethods, ReductionMethods, LinalgMethods,
             SpecialMethods, CreationMethods, SortingMethods, ShapeIndexMethods, MatrixMethods, MiscMethods, BitsMethods,
             TensorBase):
    """An n-dimensional array of numbers that can record the operations applied to it, so that
    autograd can compute gradients. Build one with torch.tensor(...), not Tensor(...)."""

    __slots__ = ()


bind_tensor_class(Tensor, (_core, _elementwise, _inplace, _indexing, _linalg, _reduction, _shape, creation,
                           printing, xp, _sorting, _special, _shape_index, _matrix, _fft, _misc, _bits),
                  tensor_namespace=xp.TX, copy_into_view=_indexing.copy_into_view,
                  tangent_into_base=_indexing.tangent_into_base, refresh_views=_indexing.refresh_views)

"""torch.nn: modules, parameters, functional and init."""
from . import functional, init  # noqa: F401
from .modules import *  # noqa: F401,F403
from .parameter import Parameter  # noqa: F401
from . import utils  # noqa: F401,E402  (issue 13: recurrent layers and nn.utils)

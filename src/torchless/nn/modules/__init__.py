"""The nn.Module classes, one file per kind (as in PyTorch)."""
from .module import *  # noqa: F401,F403
from .container import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .dropout import *  # noqa: F401,F403
from .flatten import *  # noqa: F401,F403
from .loss import *  # noqa: F401,F403
from .padding import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403  (issue 12: the ops-norm-embed family)
from .sparse import *  # noqa: F401,F403  (issue 12: the ops-norm-embed family)
from .transformer import *  # noqa: F401,F403  (issue 12: the ops-norm-embed family)
from .conv import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .pixelshuffle import *  # noqa: F401,F403
from .fractional import *  # noqa: F401,F403  (issue 12, misc breadth round 3: FractionalMaxPool2d/3d)
from .rnn import *  # noqa: F401,F403  (issue 13: recurrent layers)
from .ctc import *  # noqa: F401,F403  (issue 12: the grid-sample / CTC family)

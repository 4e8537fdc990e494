from .functional import *  # noqa: F401,F403
from .metrics import *  # noqa: F401,F403
from .functional import __all__ as _functional_all
from .metrics import __all__ as _metrics_all

__all__ = _functional_all + _metrics_all

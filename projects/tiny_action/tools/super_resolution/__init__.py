"""Super-resolution of tiny-action datasets with RealBasicVSR (mmagic), the
fixed generator of the paper's dual-resolution distillation (section 3), or
with a DVSR trained by the TinyVIRAT method (``configs/dvsr/``).

``tools/data/super_resolve.py`` is the command line; import ``tiny_action``
first (compat shims) when using this package from Python.
"""
from .batcher import SRBatcher
from .dvsr import dvsr_forward, load_dvsr_generator
from .realbasicvsr import (OFFICIAL_ARCH, OFFICIAL_CHECKPOINT_URL,
                           CheckpointError, build_realbasicvsr_net,
                           check_arch, infer_arch,
                           load_realbasicvsr_checkpoint,
                           realbasicvsr_forward)
from .runner import (ClipError, SuperResolveRunner, read_clip_paths,
                     shard_indices)
from .temporal import plan_windows, stitch_ranges

__all__ = [
    'OFFICIAL_ARCH', 'OFFICIAL_CHECKPOINT_URL', 'CheckpointError',
    'ClipError', 'SRBatcher', 'SuperResolveRunner', 'build_realbasicvsr_net',
    'check_arch', 'dvsr_forward', 'infer_arch', 'load_dvsr_generator',
    'load_realbasicvsr_checkpoint', 'plan_windows', 'read_clip_paths', 'realbasicvsr_forward',
    'shard_indices', 'stitch_ranges'
]

"""Super-resolve a low-resolution video dataset with RealBasicVSR (mmagic), or
with a DVSR trained by the TinyVIRAT method (configs/dvsr/).

    python tools/data/super_resolve.py ANN_FILE LR_ROOT OUT_ROOT --checkpoint CKPT
    python tools/data/super_resolve.py ANN_FILE LR_ROOT OUT_ROOT --model dvsr \\
        --config configs/dvsr/CONFIG.py --checkpoint work_dirs/CONFIG/iter_N.pth
    torchrun --nproc_per_node N tools/data/super_resolve.py ANN_FILE LR_ROOT \\
        OUT_ROOT --checkpoint CKPT --launcher pytorch

See ``python tools/data/super_resolve.py --help``; the logic is in
``tiny_action.tools.super_resolution``.
"""
import sys

import tiny_action  # noqa: F401  (compat shims first: mmagic needs them)
from tiny_action.tools.super_resolution.cli import main

if __name__ == '__main__':
    sys.exit(main())

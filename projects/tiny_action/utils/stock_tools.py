"""Locate and run mmaction2's own tool scripts (shipped in its wheel).

The project's ``tools/train.py``, ``tools/test.py``, ``tools/dist_train.sh``
and ``tools/dist_test.sh`` are thin launchers: they run these stock scripts,
never copies of them, with every argument unchanged.
"""
import os.path as osp
import runpy
import sys
from typing import List, Optional

import mmaction


def stock_tool_path(name: str) -> str:
    """Path of ``mmaction/.mim/tools/<name>`` inside the installed wheel.

    Raises:
        FileNotFoundError: the installed mmaction2 does not ship it.
    """
    path = osp.join(osp.dirname(mmaction.__file__), '.mim', 'tools', name)
    if not osp.isfile(path):
        raise FileNotFoundError(
            f'mmaction2 {mmaction.__version__} installed at '
            f'{osp.dirname(mmaction.__file__)} does not ship tools/{name}')
    return path


def run_stock_tool(name: str, argv: Optional[List[str]] = None) -> None:
    """Run the stock script ``name`` as ``__main__`` with ``argv``
    (default: this process's arguments)."""
    path = stock_tool_path(name)
    sys.argv = [path] + list(sys.argv[1:] if argv is None else argv)
    runpy.run_path(path, run_name='__main__')

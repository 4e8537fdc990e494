"""Locate and run mmaction2's own tool scripts (shipped in its wheel).

The project's ``tools/train.py``, ``tools/test.py``, ``tools/dist_*.sh``
and ``tools/slurm_*.sh`` are thin launchers: they run these stock scripts,
never copies of them, with every argument unchanged.

The shell launchers run this file directly
(``python projects/tiny_action/utils/stock_tools.py NAME`` prints the
script's path): it finds mmaction2 without importing it (nor torch), so a
launcher starts in a fraction of a second.
"""
import importlib.util
import os.path as osp
import runpy
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import List, Optional


def _mmaction_root() -> str:
    spec = importlib.util.find_spec('mmaction')
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(
            f'mmaction2 is not installed for {sys.executable}')
    return osp.dirname(spec.origin)


def stock_tool_path(name: str) -> str:
    """Path of ``mmaction/.mim/tools/<name>`` inside the installed wheel.

    Raises:
        ModuleNotFoundError: mmaction2 is not installed.
        FileNotFoundError: the installed mmaction2 does not ship it.
    """
    root = _mmaction_root()
    path = osp.join(root, '.mim', 'tools', name)
    if not osp.isfile(path):
        try:
            release = version('mmaction2')
        except PackageNotFoundError:
            release = '(unknown version)'
        raise FileNotFoundError(
            f'mmaction2 {release} installed at {root} does not ship '
            f'tools/{name}')
    return path


def run_stock_tool(name: str, argv: Optional[List[str]] = None) -> None:
    """Run the stock script ``name`` as ``__main__`` with ``argv``
    (default: this process's arguments)."""
    path = stock_tool_path(name)
    sys.argv = [path] + list(sys.argv[1:] if argv is None else argv)
    runpy.run_path(path, run_name='__main__')


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(f'usage: python {sys.argv[0]} SCRIPT_NAME')
    try:
        print(stock_tool_path(sys.argv[1]))
    except (ModuleNotFoundError, FileNotFoundError) as e:
        sys.exit(f'error: {e}')

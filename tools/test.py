"""Run mmaction2's own `tools/test.py` with all arguments unchanged.

Usage is exactly mmaction2's: `python tools/test.py CONFIG ...`; see
`python tools/test.py --help`. Configs register tiny_action through
`custom_imports` (configs/_base_/default_runtime.py).
"""
from tiny_action.utils import run_stock_tool

if __name__ == '__main__':
    run_stock_tool('test.py')

"""Test several checkpoints of one run with tools/test.py (resumable, one
dump per checkpoint and split) and ensemble the dumps.

See ``python tools/analysis_tools/test_checkpoints.py --help``; the logic is in
``tiny_action.tools.ensemble`` (``cli.checkpoints_main``).
"""
import sys

from tiny_action.tools.ensemble.cli import checkpoints_main

if __name__ == '__main__':
    sys.exit(checkpoints_main())

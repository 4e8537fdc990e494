"""Ensemble tools/test.py dumps, tune per-class thresholds, apply group-wise
exclusion and write the TinyAction submission ``answer.txt``.

See ``python tools/analysis_tools/ensemble.py --help``; the logic is in
``tiny_action.tools.ensemble`` (``cli.ensemble_main``).
"""
import sys

from tiny_action.tools.ensemble.cli import ensemble_main

if __name__ == '__main__':
    sys.exit(ensemble_main())

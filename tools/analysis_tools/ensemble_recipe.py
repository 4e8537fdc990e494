"""Run an ensemble recipe (e.g. the paper's Table 3,
configs/ensemble/table3_tinyvirat.py): dump every member checkpoint on val and
on the public test split with tools/test.py, then write answer.txt.

See ``python tools/analysis_tools/ensemble_recipe.py --help``; the logic is in
``tiny_action.tools.ensemble`` (``cli.recipe_main``).
"""
import sys

from tiny_action.tools.ensemble.cli import recipe_main

if __name__ == '__main__':
    sys.exit(recipe_main())

"""Start-up time: ``python tools/test.py --help`` against mmaction2's stock
``tools/test.py --help``, and what ``import tiny_action`` loads.

Both commands run alternately (``--repeats`` times each, after one warm-up
run of each to fill the file cache) in fresh interpreters; the ratio of the
medians is printed for wall time and for CPU time (user + system, less
sensitive to other processes on a shared machine). The target is a ratio of
at most 1.5. It also prints, from a fresh interpreter, whether ``import
tiny_action`` imported mmagic, diffusers, timm or transformers' models,
and the first line ``tools/test.py --help`` prints.

Usage::

    python benchmarks/bench_startup.py              # 5 runs each
    python benchmarks/bench_startup.py --repeats 9
"""
import argparse
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

REPO = Path(__file__).resolve().parents[1]
#: modules ``import tiny_action`` must not load (super-resolution only,
#: or mmaction's multimodal models)
HEAVY = ('mmagic', 'diffusers', 'timm', 'transformers.models.bert',
         'torchvision.models')


def stock_test_script() -> str:
    """mmaction2's own tools/test.py, found without importing tiny_action."""
    out = subprocess.run(
        [sys.executable, '-c',
         'import mmaction, os; print(os.path.dirname(mmaction.__file__))'],
        capture_output=True, text=True, check=True)
    return osp.join(out.stdout.strip(), '.mim', 'tools', 'test.py')


def timed(cmd: List[str]) -> Tuple[float, float, str]:
    """Wall seconds, CPU seconds (user + system) and the first output line
    of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=str(REPO), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, OMP_NUM_THREADS='1'))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f'{" ".join(cmd)} failed:\n{proc.stdout[-2000:]}')
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                 before.ru_stime)
    return wall, cpu, (proc.stdout.splitlines() or [''])[0]


def heavy_imports() -> List[str]:
    """Which of :data:`HEAVY` a fresh ``import tiny_action`` loads."""
    code = ('import sys, tiny_action; print(" ".join(m for m in %r '
            'if m in sys.modules))' % (HEAVY, ))
    out = subprocess.run([sys.executable, '-c', code], cwd=str(REPO),
                         capture_output=True, text=True, check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    commands = {
        'tools/test.py --help': [sys.executable, 'tools/test.py', '--help'],
        'stock test.py --help': [sys.executable, stock_test_script(),
                                 '--help'],
    }
    runs = {name: [] for name in commands}
    for name, cmd in commands.items():  # warm-up (file cache)
        timed(cmd)
    for _ in range(args.repeats):
        for name, cmd in commands.items():
            runs[name].append(timed(cmd))
    medians = {}
    for name, results in runs.items():
        wall = statistics.median(r[0] for r in results)
        cpu = statistics.median(r[1] for r in results)
        medians[name] = (wall, cpu)
        print(f'{name:22s} wall {wall:5.2f} s  cpu {cpu:5.2f} s  '
              f'(median of {args.repeats}); first line: {results[0][2]!r}')
    ours, stock = medians['tools/test.py --help'], medians[
        'stock test.py --help']
    print(f'ratio tools/test.py / stock: wall {ours[0] / stock[0]:.2f}x, '
          f'cpu {ours[1] / stock[1]:.2f}x (target <= 1.5x)')
    heavy = heavy_imports()
    print('import tiny_action loads: ' + (', '.join(heavy) if heavy else
                                          f'none of {", ".join(HEAVY)}'))


if __name__ == '__main__':
    main()

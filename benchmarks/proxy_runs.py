"""Running the stock tools for the real proxy (shared by
``benchmarks/proxy_surveillance.py`` and ``benchmarks/proxy_selection.py``).

Every training and test is the repo's ``tools/train.py`` / ``tools/test.py``
in a subprocess, exactly as a user runs them. A finished step leaves a marker
(``finished.json`` in a run folder, the dump file of a test) and is skipped on
the next invocation; an interrupted training resumes from its last
checkpoint. The wall and CPU seconds of every step (the child processes'
user + system time, data-loader workers included) are kept in
``<work_dir>/timings.json``, so the totals cover every invocation.
"""
import functools
import glob
import hashlib
import json
import os
import os.path as osp
import platform
import re
import resource
import signal
import subprocess
import sys
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if osp.join(REPO, 'projects') not in sys.path:
    sys.path.insert(0, osp.join(REPO, 'projects'))

from tiny_action.utils.fileio import write_json_atomic  # noqa: E402

#: where the configs under configs/proxy/ read the clips (repo-relative).
DATA_LINK = osp.join('data', 'tiny_surveillance')
#: the shared copy of the clips, relative to the repository root.
DEFAULT_DATA = osp.join('..', 'shared', 'data', 'tiny_surveillance')


def link_data(source: str, repo: str = REPO) -> str:
    """Make ``<repo>/data/tiny_surveillance`` point at ``source`` when it is
    absent (a user's own folder there is left alone).

    Args:
        source (str): Folder with ``train/`` and ``val/``; relative paths are
            relative to ``repo``.
        repo (str): Repository root.

    Returns:
        str: The real path the configs will read.

    Raises:
        FileNotFoundError: Neither the link target nor ``source`` has the
            expected layout.
    """
    link = osp.join(repo, DATA_LINK)
    if not osp.exists(link):
        target = osp.realpath(osp.join(repo, source))
        missing = [p for p in ('train/annotations.json', 'val/annotations.json',
                               'class_map.json')
                   if not osp.isfile(osp.join(target, p))]
        if missing:
            raise FileNotFoundError(
                f'{target} is not a tiny_surveillance folder (missing '
                f'{missing}); pass --data <folder with train/, val/, '
                'class_map.json>')
        os.makedirs(osp.dirname(link), exist_ok=True)
        if osp.islink(link):  # a dangling link
            os.remove(link)
        os.symlink(target, link)
        print(f'[proxy] linked {DATA_LINK} -> {target}', flush=True)
    return osp.realpath(link)


def stop_children_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit``, so that ``subprocess.run`` kills
    the running tool (and its data-loader workers exit with it) instead of
    leaving it orphaned."""
    def handler(signum, frame):
        raise SystemExit(f'[proxy] stopped by signal {signum}')

    signal.signal(signal.SIGTERM, handler)


def add_run_arguments(parser, work_dir: str) -> None:
    """The options every proxy benchmark takes: ``--data``, ``--work-dir``
    (default ``work_dir``) and ``--threads``."""
    parser.add_argument('--data', default=DEFAULT_DATA,
                        help='tiny_surveillance folder linked to '
                        f'{DATA_LINK} when that is absent')
    parser.add_argument('--work-dir', default=work_dir)
    parser.add_argument('--threads', type=int, default=1,
                        help='OMP_NUM_THREADS of the trainings (at most 2)')


def start_runs(args) -> Tuple[str, 'ProxyRuns']:
    """Start-up of a proxy benchmark from :func:`add_run_arguments`'s
    options: SIGTERM stops the children, the data link exists.

    Returns:
        tuple: The real data folder, and the :class:`ProxyRuns` of
        ``<repo>/<--work-dir>``.
    """
    stop_children_on_sigterm()
    data = link_data(args.data)
    return data, ProxyRuns(osp.join(REPO, args.work_dir), threads=args.threads)


def epoch_checkpoints(run_dir: str) -> Dict[int, str]:
    """``{epoch: path}`` of the ``epoch_N.pth`` files of a run folder."""
    found = {}
    for path in glob.glob(osp.join(run_dir, 'epoch_*.pth')):
        match = re.fullmatch(r'epoch_(\d+)\.pth', osp.basename(path))
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def val_history(run_dir: str) -> List[Dict]:
    """The validation records (``f1``, ``mAP``, ``step`` = epoch, ...) that
    the training logged in ``<timestamp>/vis_data/scalars.json`` (the
    latest log that has any)."""
    for path in sorted(glob.glob(osp.join(run_dir, '*', 'vis_data',
                                          'scalars.json')), reverse=True):
        with open(path) as f:
            rows = [json.loads(line) for line in f if line.strip()]
        vals = [r for r in rows if 'f1' in r]
        if vals:
            return vals
    return []


@functools.lru_cache(maxsize=None)
def config_sha256(config: str, *roots: str) -> str:
    """SHA-256 of a config as mmengine resolves it (bases merged), so a run
    or a ledger record is not reused after the config or one of its bases
    changed. A path under one of ``roots`` (in their order), else under the
    repository, counts from that folder: a generated config (a fold's
    absolute data files, ``roots`` = the folds' folder) hashes alike in
    every clone and work dir."""
    from mmengine.config import Config
    text = json.dumps(Config.fromfile(osp.join(REPO, config)).to_dict(),
                      sort_keys=True, default=repr)
    for root in (*roots, REPO):
        text = text.replace(osp.abspath(root).rstrip(os.sep) + os.sep, '')
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def check_run_identity(run_dir: str, want: Dict[str, Any]) -> None:
    """A run folder that exists must be a run of ``want`` (its
    ``identity.json``; a folder from before identities were kept is
    checked on its ``finished.json`` options).

    Raises:
        ValueError: Naming the file, the key and what was expected.
    """
    path = osp.join(run_dir, 'identity.json')
    if osp.isfile(path):
        with open(path) as f:
            kept = json.load(f)
        keys = sorted(set(kept) | set(want))
    else:
        path = osp.join(run_dir, 'finished.json')
        if not osp.isfile(path):
            return
        with open(path) as f:
            kept = json.load(f)
        keys = ['options']
    for key in keys:
        if kept.get(key) != want.get(key):
            raise ValueError(
                f'{path}: the run has {key} {kept.get(key)!r}, expected '
                f'{want.get(key)!r} (the config or its options changed: move '
                f'{run_dir} away to train it anew)')


def last_checkpoint(run_dir: str) -> str:
    """The checkpoint of the last epoch of a finished run."""
    ckpts = epoch_checkpoints(run_dir)
    if not ckpts:
        raise RuntimeError(f'{run_dir} has no epoch checkpoint')
    return ckpts[max(ckpts)]


def final_val(run_dir: str) -> Dict[str, float]:
    """Val macro-F1 / P / R / mAP logged at the last epoch of a run."""
    history = val_history(run_dir)
    if not history:
        raise RuntimeError(f'{run_dir} logged no validation')
    last = history[-1]
    return {k: float(last[k]) for k in ('f1', 'precision', 'recall', 'mAP')}


class ProxyRuns:
    """Runs ``tools/train.py`` / ``tools/test.py`` from the repository root.

    Args:
        work_dir (str): Folder of the runs, dumps, logs and ``timings.json``.
        threads (int): ``OMP_NUM_THREADS`` of the children. Defaults to 1:
            on a machine shared with other jobs, two OpenMP threads on two
            busy cores ran the train step 3-4x slower than one thread.
        python (str, optional): Interpreter of the tools. Defaults to this
            one.
    """

    def __init__(self, work_dir: str, threads: int = 1,
                 python: Optional[str] = None) -> None:
        self.work_dir = work_dir
        self.threads = threads
        self.python = python or sys.executable
        self.env = dict(os.environ, PYTHONUNBUFFERED='1',
                        OMP_NUM_THREADS=str(threads),
                        MKL_NUM_THREADS=str(threads))
        projects = osp.join(REPO, 'projects')
        self.env['PYTHONPATH'] = os.pathsep.join(
            [projects] + [p for p in [os.environ.get('PYTHONPATH')] if p])
        self.timing_file = osp.join(work_dir, 'timings.json')
        self.timings: Dict[str, Dict[str, float]] = {}
        if osp.isfile(self.timing_file):
            with open(self.timing_file) as f:
                self.timings = json.load(f)

    def _run(self, step: str, args: List[str]) -> None:
        log = osp.join(self.work_dir, 'logs', f'{step}.log')
        os.makedirs(osp.dirname(log), exist_ok=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.time()
        with open(log, 'w') as f:
            proc = subprocess.run([self.python] + args, cwd=REPO, stdout=f,
                                  stderr=subprocess.STDOUT, env=self.env)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime -
                                                    before.ru_stime)
        if proc.returncode != 0:
            with open(log) as f:
                tail = f.read()[-3000:]
            raise RuntimeError(f'[proxy] {step} failed (exit '
                               f'{proc.returncode}); end of {log}:\n{tail}')
        self.record(step, time.time() - start, cpu)

    def train(self, name: str, config: str, options: Sequence[str] = (),
              identity: Optional[Dict[str, Any]] = None) -> str:
        """Train ``config`` into ``<work_dir>/<name>`` unless finished.

        The run folder keeps what it is a run of (``identity.json``: the
        resolved config's :func:`config_sha256`, the options and
        ``identity``); a finished or interrupted run is reused only for the
        same, so a changed config is never answered from an old run.

        Args:
            name (str): Run name (folder and step name).
            config (str): Config path, relative to the repository root or
                absolute.
            options (Sequence[str]): ``--cfg-options`` items.
            identity (dict, optional): More that must match on reuse (e.g.
                the teacher checkpoint's SHA-256).

        Returns:
            str: The run folder.

        Raises:
            ValueError: The folder holds a run of something else.
        """
        run_dir = osp.join(self.work_dir, name)
        want = dict(config_sha256=config_sha256(config),
                    options=list(options), **(identity or {}))
        check_run_identity(run_dir, want)
        marker = osp.join(run_dir, 'finished.json')
        if osp.isfile(marker):
            return run_dir
        args = ['tools/train.py', config, '--work-dir', run_dir]
        if osp.isfile(osp.join(run_dir, 'last_checkpoint')):
            args.append('--resume')
        if options:
            args += ['--cfg-options'] + list(options)
        write_json_atomic(osp.join(run_dir, 'identity.json'), want)
        start = time.time()
        self._run(f'train_{name}', args)
        if '--resume' in args:  # the seconds of the last part only
            self.timings[f'train_{name}']['resumed'] = True
            write_json_atomic(self.timing_file, self.timings)
        write_json_atomic(marker, dict(config=config, options=list(options),
                                       seconds=time.time() - start))
        return run_dir

    def test(self, name: str, config: str, checkpoint: str,
             options: Sequence[str] = ()) -> str:
        """``tools/test.py --dump`` of ``checkpoint`` (kept if it exists and
        was made from the same checkpoint file: its SHA-256 is kept beside
        the dump).

        Returns:
            str: The dump path ``<work_dir>/dumps/<name>.pkl``.

        Raises:
            ValueError: The kept dump was made from another checkpoint.
        """
        dump = osp.join(self.work_dir, 'dumps', f'{name}.pkl')
        sidecar = dump[:-len('.pkl')] + '.json'
        made_from = dict(checkpoint_sha256=file_sha256(checkpoint),
                         options=list(options))
        if osp.isfile(dump):
            if osp.isfile(sidecar):
                with open(sidecar) as f:
                    kept = json.load(f)
                if kept != made_from:
                    raise ValueError(
                        f'{dump} was made from {kept}, not from '
                        f'{checkpoint} with {made_from}: move it away')
            return dump
        partial = dump[:-len('.pkl')] + '.part.pkl'  # renamed when complete
        args = ['tools/test.py', config, checkpoint, '--dump', partial,
                '--work-dir', osp.join(self.work_dir, 'test_logs', name)]
        if options:
            args += ['--cfg-options'] + list(options)
        self._run(f'test_{name}', args)
        write_json_atomic(sidecar, made_from)
        os.replace(partial, dump)
        return dump

    def record(self, step: str, wall: float, cpu: float) -> None:
        """Add the seconds of an in-process step to the timings."""
        self.timings[step] = dict(wall=wall, cpu=cpu)
        write_json_atomic(self.timing_file, self.timings)

    def total(self, key: str = 'cpu') -> float:
        """Sum of ``key`` (``'cpu'`` or ``'wall'``) seconds of all steps."""
        return float(sum(t[key] for t in self.timings.values()))


def numerics_fingerprint(threads: Optional[int] = None) -> str:
    """Eight hex digits that tell machines apart by how they compute: a
    SHA-256 of the weights after three seeded AdamW steps of a small 3D
    convolutional network (the recipe's layer types: Conv3d, BatchNorm3d,
    ReLU, pooling, Linear, BCE) on seeded random clips, run with
    ``threads`` intra-op threads (None: this process's; the thread count
    changes how the kernels sum). Two machines with the same fingerprint at
    the trainings' thread count ran these kernels to the same bits, so a
    seeded training reproduces across them. The global random state and
    the thread count are left as they were.
    """
    import torch
    from torch import nn
    before = torch.get_num_threads()
    try:
        if threads is not None:
            torch.set_num_threads(threads)
        with torch.random.fork_rng():
            torch.manual_seed(0)
            net = nn.Sequential(
                nn.Conv3d(6, 8, 3, padding=1), nn.BatchNorm3d(8), nn.ReLU(),
                nn.Conv3d(8, 16, 3, stride=2, padding=1),
                nn.BatchNorm3d(16), nn.ReLU(), nn.AdaptiveAvgPool3d(1),
                nn.Flatten(), nn.Linear(16, 2))
            opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
            for _ in range(3):
                x = torch.randn(4, 6, 8, 16, 16)
                y = torch.randint(0, 2, (4, 2)).float()
                loss = nn.functional.binary_cross_entropy_with_logits(
                    net(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
            digest = hashlib.sha256()
            for value in net.state_dict().values():
                digest.update(value.detach().contiguous().numpy().tobytes())
    finally:
        torch.set_num_threads(before)
    return digest.hexdigest()[:8]


@functools.lru_cache(maxsize=None)
def machine(threads: Optional[int] = None) -> str:
    """What a ledger record says about the machine that trained it (seeded
    trainings do not reproduce on another CPU): the architecture, the core
    count, the instruction set that torch's CPU kernels dispatch to
    (``torch.backends.cpu.get_cpu_capability()``, e.g. ``AVX512``) and
    :func:`numerics_fingerprint` at the trainings' ``threads``
    (:attr:`ProxyRuns.threads`; ``numerics 1a2b3c4d``), which tells apart
    machines whose kernels round differently on the same instruction set.
    Records of one machine string were computed alike; records from before
    the fingerprint end at the instruction set or the core count."""
    import torch
    return (f'{platform.machine()} {os.cpu_count()} cpus '
            f'{torch.backends.cpu.get_cpu_capability()} '
            f'numerics {numerics_fingerprint(threads)}')


def file_sha256(path: str) -> str:
    """Hex SHA-256 of a file (e.g. the teacher checkpoint a KD run used)."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def training_seconds(runs: 'ProxyRuns', run: str) -> Dict[str, Any]:
    """``cpu`` / ``wall`` seconds of the training ``run`` (None when it
    finished in an earlier process whose timings are gone) and
    ``resumed`` (those seconds cover its last part only)."""
    seconds = runs.timings.get(f'train_{run}', {})
    return dict(cpu=seconds.get('cpu'), wall=seconds.get('wall'),
                resumed=bool(seconds.get('resumed', False)))


def timed_in_part(record: Dict[str, Any]) -> bool:
    """A record whose training seconds are unknown or cover only the last
    part of a resumed training."""
    return record.get('cpu') is None or bool(record.get('resumed'))


class RunLedger:
    """Finished runs of a benchmark kept in a JSON file of the repository
    (``run name -> record``), so that a measurement longer than one
    session resumes in a new clone, which has no work dir.

    A record carries the identity it was measured under (the candidate or
    config, the held-out clips, ...); it is reused only under the same
    identity, anything else is an error naming the file and the entry.
    Every :meth:`add` rewrites the file atomically.

    Args:
        path (str): The ledger file (created by the first :meth:`add`).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.runs: Dict[str, Dict] = {}
        if osp.isfile(path):
            with open(path) as f:
                try:
                    self.runs = json.load(f)
                except json.JSONDecodeError as exc:
                    raise ValueError(f'{path}: not a JSON ledger ({exc}); '
                                     'a merge conflict?') from None
            if not isinstance(self.runs, dict):
                raise ValueError(f'{path}: expected an object of run '
                                 'records')

    def __contains__(self, run: str) -> bool:
        return run in self.runs

    def __getitem__(self, run: str) -> Dict:
        return self.runs[run]

    def reuse(self, run: str, identity: Dict[str, Any]) -> Optional[Dict]:
        """The record of ``run`` if the ledger has one (None otherwise).

        Raises:
            ValueError: The record was measured under another identity
                (a key of ``identity`` differs).
        """
        record = self.runs.get(run)
        if record is None:
            return None
        for key, want in identity.items():
            if record.get(key) != want:
                raise ValueError(
                    f'{self.path}: entry {run!r} has {key} '
                    f'{record.get(key)!r}, expected {want!r} (what it '
                    'measured changed: move the ledger away to measure '
                    'anew)')
        return record

    def add(self, run: str, identity: Dict[str, Any],
            record: Dict[str, Any]) -> Dict:
        """Keep ``record`` (with ``identity``) as ``run``; returns it."""
        self.runs[run] = dict(record, **identity)
        write_json_atomic(self.path, self.runs)
        return self.runs[run]

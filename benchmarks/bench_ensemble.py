"""Wall time of the post-processing of a 12-model TinyAction ensemble.

(A) the brief's case, timed once the scores are in memory: 12 labelled
    models x 6,097 clips x 26 classes: check their alignment, average them,
    tune per-class thresholds, apply the thresholds and the default
    TinyVIRAT-v2 exclusion groups, and write ``answer.txt`` for the 6,097
    clips (target <= 2 s).
(L) reading one 6,097-clip dump: ``mmengine.load`` of the stock
    ``tools/test.py --dump`` pickle (unrestricted ``pickle``: runs whatever
    the file names) against the ensemble's readers: the same pickle read
    without running code (``load_dump``: restricted unpickler, storages
    through ``torch.load(weights_only=True)``) and the ``.npz`` the
    ``NumpyDumpResults`` metric writes (``load_dump``, ``np.load`` without
    pickle). Target: no slower than ``mmengine.load``; ratios are printed.
(B) what ``tools/analysis_tools/ensemble.py --groups default --no-plots
    --threshold-mode per-class --cv-folds 0`` does on a real submission:
    ``run_ensemble`` with 12 val dumps (3,308 labelled clips, the real val
    size) and 12 test dumps (6,097 clips), from ``.npz`` and (once: its
    time is the reading of (L)) from ``.pkl`` dumps, writing thresholds /
    report / summary files and ``answer.txt``.

Untimed, first: the dumps are generated in a temporary folder exactly as
``tools/test.py --dump`` writes them (a pickled list of per-sample dicts
with torch tensors ``pred_score`` / ``gt_label``, metainfo ``id`` and
``sample_idx`` as ``PackTinyActionInputs`` keeps them, mmengine's pickle
protocol 2), and as ``NumpyDumpResults`` writes the same samples. Scores are
synthetic: 12 correlated noisy models over labels drawn with the class
frequencies of the real val split. Process start-up (``import tiny_action``:
torch, mmaction, ...) is not included.

Usage::

    python benchmarks/bench_ensemble.py            # 12 x 6,097 x 26
    python benchmarks/bench_ensemble.py --models 4 --clips 1000 --repeat 1
"""
import argparse
import json
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List

import numpy as np

import tiny_action  # noqa: F401  (compat shims + registration first)
import mmengine
import torch
from mmengine.logging import MMLogger

from tiny_action.evaluation import NumpyDumpResults
from tiny_action.tools.ensemble import (EnsembleOptions, check_aligned,
                                        ensemble_scores, load_dump,
                                        load_groups, postprocess, run_ensemble,
                                        tune_thresholds)
from tiny_action.tools.ensemble.submission import (align_to_annotation,
                                                   build_answer,
                                                   load_annotation_entries,
                                                   write_answer_txt)

#: label counts of the real val split (3,308 clips), in class-index order.
VAL_COUNTS = {
    'Opening': 14, 'Interacts': 34, 'Pull': 50, 'activity_carrying': 720,
    'Entering': 15, 'vehicle_moving': 154, 'Exiting': 3, 'Loading': 3,
    'Talking': 1361, 'activity_running': 6, 'vehicle_turning_left': 25,
    'vehicle_stopping': 26, 'Riding': 13, 'Closing': 13,
    'activity_walking': 862, 'Push': 1, 'specialized_using_tool': 28,
    'vehicle_starting': 38, 'specialized_miscellaneous': 1,
    'activity_standing': 279, 'Transport_HeavyCarry': 229,
    'activity_gesturing': 5, 'vehicle_turning_right': 45,
    'specialized_talking_phone': 124, 'specialized_texting_phone': 452,
    'Misc': 5
}


def write_dumps(path: Path, records: List[dict]) -> Dict[str, str]:
    """The stock pickle (``mmengine.dump``, as ``DumpResults``) and the
    ``NumpyDumpResults`` ``.npz`` of the same samples."""
    pkl, npz = str(path) + '.pkl', str(path) + '.npz'
    mmengine.dump(records, pkl)
    metric = NumpyDumpResults(out_file_path=npz)
    metric.process(None, records)
    metric.compute_metrics(metric.results)
    return dict(pkl=pkl, npz=npz)


def generate(tmp: Path, models: int, clips: int, val_clips: int,
             seed: int = 0) -> dict:
    """Write ``models`` labelled dumps of ``clips`` clips (A, L; also B's
    test dumps), ``models`` val dumps of ``val_clips`` clips (B), each as
    ``.pkl`` and ``.npz``, and the test annotation file."""
    classes = list(VAL_COUNTS)
    rng = np.random.default_rng(seed)
    prevalence = np.array([VAL_COUNTS[c] for c in classes]) / 3308
    (tmp / 'tiny_test_v2.json').write_text(json.dumps([
        dict(id=f'{i:05d}', video_id=f'video_{i // 20}', path=f'{i:05d}.mp4',
             dim=[64, 48, 48]) for i in range(clips)
    ]))
    paths = {(split, form): [] for split in ('test', 'val')
             for form in ('pkl', 'npz')}
    for split, n in (('test', clips), ('val', val_clips)):
        labels = (rng.random((n, len(classes))) < prevalence).astype(
            np.float32)
        shared = rng.normal(0, 1, labels.shape)  # errors the models share
        for m in range(models):
            logits = (-3.0 + 3.5 * labels + 0.8 * shared +
                      rng.normal(0, 1.0, labels.shape))
            probs = (1 / (1 + np.exp(-logits))).astype(np.float32)
            records = [
                dict(num_classes=len(classes), img_shape=(112, 112),
                     id=f'{i:05d}', sample_idx=i,
                     gt_label=torch.from_numpy(labels[i].copy()),
                     pred_score=torch.from_numpy(probs[i].copy()))
                for i in range(n)
            ]
            written = write_dumps(tmp / f'model{m:02d}_{split}', records)
            for form, path in written.items():
                paths[split, form].append(path)
    return dict(classes=classes, paths=paths,
                test_ann=str(tmp / 'tiny_test_v2.json'))


def timed(fn: Callable, repeat: int):
    """Run ``fn`` ``repeat`` times: (last result, wall times, CPU times).

    The CPU time (this process, all threads) is what an idle machine would
    take; the wall time also counts waiting for a core, since the CPU is
    shared with other jobs.
    """
    walls, cpus, out = [], [], None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return out, walls, cpus


def in_memory_case(dumps, groups, test_ann: str, answer: str) -> Dict:
    """(A): every step after loading, each timed (wall seconds)."""
    stages = {}
    t = time.perf_counter()
    check_aligned(dumps)
    scores, labels = ensemble_scores(dumps), dumps[0].labels
    stages['check + average'] = time.perf_counter() - t
    t = time.perf_counter()
    result = tune_thresholds(scores, labels)
    stages['tune thresholds'] = time.perf_counter() - t
    t = time.perf_counter()
    preds = postprocess(scores, result.thresholds, groups)
    stages['thresholds + exclusion'] = time.perf_counter() - t
    t = time.perf_counter()
    entries = load_annotation_entries(test_ann)
    ids, _ = align_to_annotation(dumps[0].meta, len(preds), entries)
    answer_ids, flags, _ = build_answer(entries, ids, preds)
    write_answer_txt(answer, answer_ids, flags)
    stages['align + write answer.txt'] = time.perf_counter() - t
    return stages


def loading_case(paths: Dict[str, str], repeat: int) -> Dict[str, tuple]:
    """(L): best (wall, CPU) seconds of each reader on one dump,
    interleaved so that a busy machine slows all of them alike."""
    readers = dict(
        mmengine_load=lambda: mmengine.load(paths['pkl']),
        safe_pkl=lambda: load_dump(paths['pkl']),
        npz=lambda: load_dump(paths['npz']))
    best = {name: (float('inf'), float('inf')) for name in readers}
    for _ in range(repeat):
        for name, read in readers.items():
            _, walls, cpus = timed(read, 1)
            best[name] = (min(best[name][0], walls[0]),
                          min(best[name][1], cpus[0]))
    return best


def report(args, stages_a, total_a, cpu_a, load, runs_b) -> None:
    print(f'\n(A) {args.models} x {args.clips} x 26 scores in memory: check '
          f'+ average + tune + exclusion + answer.txt ({args.repeat} runs): '
          f'wall median {statistics.median(total_a):.3f} s, min '
          f'{min(total_a):.3f} s; CPU median {statistics.median(cpu_a):.3f} '
          's (target <= 2 s); last run (wall):')
    for name, sec in stages_a.items():
        print(f'      {name:<28} {sec:.3f} s')
    for k, kind in enumerate(('wall', 'CPU')):
        base, pkl, npz = (load[name][k]
                          for name in ('mmengine_load', 'safe_pkl', 'npz'))
        print(f'(L) one {args.clips}-clip dump, best of {args.repeat} '
              f'({kind}): mmengine.load {base:.3f} s; load_dump .pkl (no '
              f'code run) {pkl:.3f} s = {pkl / base:.2f}x mmengine.load; '
              f'load_dump .npz {npz:.4f} s = {npz / base:.3f}x '
              'mmengine.load (target <= 1x)')
    for form, (walls, cpus) in runs_b.items():
        print(f'(B) run_ensemble, {args.models} val x {args.val_clips} + '
              f'{args.models} test x {args.clips}, .{form} dumps '
              f'({len(walls)} runs): wall median '
              f'{statistics.median(walls):.3f} s, min {min(walls):.3f} s; '
              f'CPU median {statistics.median(cpus):.3f} s')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', type=int, default=12)
    parser.add_argument('--clips', type=int, default=6097)
    parser.add_argument('--val-clips', type=int, default=3308)
    parser.add_argument('--repeat', type=int, default=3,
                        help='timed runs (the median and min are given)')
    parser.add_argument('--json', help='also write the numbers here')
    args = parser.parse_args()
    warnings.simplefilter('ignore')
    torch.set_num_threads(1)
    MMLogger.get_instance('bench_ensemble', log_level='WARNING')  # current

    with tempfile.TemporaryDirectory(prefix='bench_ensemble_') as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        data = generate(tmp, args.models, args.clips, args.val_clips)
        print(f'generated {args.models} dumps x {args.clips} clips + '
              f'{args.models} x {args.val_clips} (x 26 classes), as .pkl and '
              f'.npz, in {time.perf_counter() - t:.1f} s (untimed)')
        classes, paths = data['classes'], data['paths']
        groups = load_groups('default', classes)
        dumps = [load_dump(p) for p in paths['test', 'npz']]  # untimed
        stages_a, total_a, cpu_a = timed(
            lambda: in_memory_case(dumps, groups, data['test_ann'],
                                   str(tmp / 'answer_a.txt')), args.repeat)
        load = loading_case(dict(pkl=paths['test', 'pkl'][0],
                                 npz=paths['test', 'npz'][0]), args.repeat)
        runs_b = {}
        for form in ('npz', 'pkl'):
            options = EnsembleOptions(
                classes, str(tmp / f'out_{form}'),
                val_dumps=paths['val', form], test_dumps=paths['test', form],
                groups='default', test_ann=data['test_ann'], plots=False,
                threshold_mode='per-class', cv_folds=0, logger='silent')
            _, walls, cpus = timed(lambda: run_ensemble(options),
                                   args.repeat if form == 'npz' else 1)
            runs_b[form] = (walls, cpus)
        same = all((tmp / f'out_{f}' / 'answer.txt').read_bytes() ==
                   (tmp / 'out_npz' / 'answer.txt').read_bytes()
                   for f in runs_b)
    report(args, stages_a, total_a, cpu_a, load, runs_b)
    print(f'(B) answer.txt from .npz and .pkl dumps identical: {same}')
    if args.json:
        Path(args.json).write_text(json.dumps(dict(
            models=args.models, clips=args.clips, val_clips=args.val_clips,
            a_wall_s=total_a, a_cpu_s=cpu_a, a_stages_last=stages_a,
            load_best_s=load, b_wall_cpu_s=runs_b), indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())

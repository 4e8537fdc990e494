"""Wall time of the post-processing of a 12-model TinyAction ensemble.

(A) the brief's case, timed: 12 labelled dumps x 6,097 clips x 26 classes:
    read them, check their alignment, average them, tune per-class
    thresholds on them, apply the thresholds and the default TinyVIRAT-v2
    exclusion groups, and write ``answer.txt`` for the 6,097 clips (the
    functions ``run_ensemble`` calls, each once).
(B) what ``tools/analysis_tools/ensemble.py --groups default --no-plots --cv-folds 0``
    does on a real submission, timed: ``run_ensemble`` with 12 val dumps
    (3,308 labelled clips, the real val size) and 12 test dumps (6,097
    clips), writing thresholds / report / summary files and ``answer.txt``.

Untimed, first: the dumps are generated in a temporary folder exactly as
``tools/test.py --dump`` writes them (a pickled list of per-sample dicts
with torch tensors ``pred_score`` / ``gt_label``, metainfo ``id`` and
``sample_idx`` as ``PackTinyActionInputs`` keeps them, mmengine's pickle
protocol 2). Scores are synthetic: 12 correlated noisy models over labels
drawn with the class frequencies of the real val split.

Also reported: one dump read with the plain unpickler (torch rebuilding
every tensor) and (B) with the CLI defaults (5-fold cross-validation and
plots). Process start-up (``import tiny_action``: torch, mmaction, ...) is
not included.

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

import numpy as np

import tiny_action  # noqa: F401  (compat shims + registration first)
import mmengine
import torch

from tiny_action.tools.ensemble import (load_dump, load_ensemble, load_groups,
                                  postprocess, run_ensemble, tune_thresholds)
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


def generate(tmp: Path, models: int, clips: int, val_clips: int,
             seed: int = 0) -> dict:
    """Write ``models`` labelled dumps of ``clips`` clips (A; also B's test
    dumps), ``models`` val dumps of ``val_clips`` clips (B) and the test
    annotation file."""
    classes = list(VAL_COUNTS)
    rng = np.random.default_rng(seed)
    prevalence = np.array([VAL_COUNTS[c] for c in classes]) / 3308
    (tmp / 'tiny_test_v2.json').write_text(json.dumps([
        dict(id=f'{i:05d}', video_id=f'video_{i // 20}', path=f'{i:05d}.mp4',
             dim=[64, 48, 48]) for i in range(clips)
    ]))
    paths = dict(test=[], val=[])
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
            path = tmp / f'model{m:02d}_{split}.pkl'
            mmengine.dump(records, str(path))
            paths[split].append(str(path))
    return dict(classes=classes, val=paths['val'], test=paths['test'],
                test_ann=str(tmp / 'tiny_test_v2.json'))


def timed(fn, repeat: int):
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

    with tempfile.TemporaryDirectory(prefix='bench_ensemble_') as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        data = generate(tmp, args.models, args.clips, args.val_clips)
        gen_s = time.perf_counter() - t
        size_mb = sum(Path(p).stat().st_size
                      for p in data['val'] + data['test']) / 2**20
        print(f'generated {args.models} dumps x {args.clips} clips + '
              f'{args.models} x {args.val_clips} (x {len(data["classes"])} '
              f'classes, {size_mb:.0f} MB) in {gen_s:.1f} s (untimed)')
        classes = data['classes']
        groups = load_groups('default', classes)

        def case_a() -> dict:
            stages = {}
            t = time.perf_counter()
            ens = load_ensemble(data['test'])
            stages['read + check + average'] = time.perf_counter() - t
            t = time.perf_counter()
            result = tune_thresholds(ens.scores, ens.labels)
            stages['tune thresholds'] = time.perf_counter() - t
            t = time.perf_counter()
            preds = postprocess(ens.scores, result.thresholds, groups)
            stages['thresholds + exclusion'] = time.perf_counter() - t
            t = time.perf_counter()
            entries = load_annotation_entries(data['test_ann'])
            ids, _ = align_to_annotation(ens.meta, len(preds), entries)
            answer_ids, flags, _ = build_answer(entries, ids, preds)
            write_answer_txt(str(tmp / 'answer_a.txt'), answer_ids, flags)
            stages['align + write answer.txt'] = time.perf_counter() - t
            return stages

        def case_b(**kw) -> dict:
            return run_ensemble(
                classes, str(tmp / 'out'), val_dumps=data['val'],
                test_dumps=data['test'], groups='default',
                test_ann=data['test_ann'], log=None, **kw)

        stages_a, total_a, cpu_a = timed(case_a, args.repeat)
        summary, total_b, cpu_b = timed(
            lambda: case_b(plots=False, cv_folds=0), args.repeat)
        _, cli_defaults, _ = timed(lambda: case_b(plots=True, cv_folds=5),
                                   1)
        t = time.perf_counter()
        load_dump(data['test'][0], fast=False)
        plain_one = time.perf_counter() - t
        t = time.perf_counter()
        load_dump(data['test'][0])
        fast_one = time.perf_counter() - t

    print(f'\n(A) {args.models} dumps x {args.clips} clips, ensemble + tune '
          f'+ exclusion + answer.txt ({args.repeat} runs): wall median '
          f'{statistics.median(total_a):.3f} s, min {min(total_a):.3f} s; '
          f'CPU median {statistics.median(cpu_a):.3f} s (target <= 2 s); '
          'last run (wall):')
    for name, sec in stages_a.items():
        print(f'      {name:<28} {sec:.3f} s')
    print(f'(B) run_ensemble, {args.models} val x {args.val_clips} + '
          f'{args.models} test x {args.clips}: wall median '
          f'{statistics.median(total_b):.3f} s, min {min(total_b):.3f} s; '
          f'CPU median {statistics.median(cpu_b):.3f} s; with 5-fold CV + '
          f'plots {cli_defaults[0]:.3f} s wall')
    print(f'one dump read (wall): fast {fast_one:.3f} s, plain unpickler '
          f'{plain_one:.3f} s ({plain_one / fast_one:.0f}x)')
    print('(B) macro F1 on the val dumps: ' + ', '.join(
        f'{k} {v["f1"]:.4f}' for k, v in summary['val']['macro'].items()))
    numbers = dict(models=args.models, clips=args.clips,
                   val_clips=args.val_clips, classes=len(classes),
                   a_wall_s=total_a, a_cpu_s=cpu_a, a_stages_last=stages_a,
                   b_wall_s=total_b, b_cpu_s=cpu_b,
                   b_cli_defaults_wall_s=cli_defaults[0],
                   one_dump_fast_s=fast_one, one_dump_plain_s=plain_one,
                   generate_s=gen_s)
    if args.json:
        Path(args.json).write_text(json.dumps(numbers, indent=1))
    return 0


if __name__ == '__main__':
    sys.exit(main())

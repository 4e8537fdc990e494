"""The main job on the embedded demo dataset (README command 1).

Generates the demo dataset, trains the low-resolution recognizer with the
stock ``tools/train.py``, tests it with ``tools/test.py --dump`` and prints
the challenge metric (macro F1/P/R) next to label-blind chance baselines.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--data data/tinyvirat_demo]
"""
import argparse
import os.path as osp
import time

from tiny_action.demo import DemoJob, chance_baselines, load_dump
from tiny_action.evaluation.metrics.tiny_action_metric import (
    format_per_class_table, macro_prf, multilabel_prf)
from tiny_action.datasets.demo_data import CLASSES

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--data', default='data/tinyvirat_demo')
    args = parser.parse_args()
    start = time.time()
    job = DemoJob(REPO, args.work_dir, args.data)
    job.make_data()
    data_opt = ['--cfg-options'] + [
        f'{split}_dataloader.dataset.{key}={args.data}/{value}'
        for split in ('train', 'val', 'test')
        for key, value in (('ann_file', f'tiny_{split}_v2.json'),
                           ('data_prefix.video', f'videos/{split}'),
                           ('class_map', 'class_map.json'))
    ]
    cfg = 'configs/demo/demo_lr.py'
    ckpt = job.train('lr', cfg, data_opt)
    dump = job.test('lr', cfg, ckpt, data_opt)

    scores, labels = load_dump(dump)
    per_class = multilabel_prf(scores, labels, 0.5)
    print('\n[demo] low-resolution recognizer on the demo test split '
          f'({len(labels)} clips, {labels.shape[1]} classes):')
    print(format_per_class_table(CLASSES, per_class,
                                 [0.5] * len(CLASSES)))
    score = macro_prf(scores, labels)
    chance = chance_baselines(labels)
    print('\n[demo] macro scores (threshold 0.5):')
    print(f"  LR recognizer : F1 {score['f1']:.3f}  "
          f"P {score['precision']:.3f}  R {score['recall']:.3f}")
    for name, f1 in chance.items():
        print(f'  chance ({name}) : F1 {f1:.3f}')
    print(f'[demo] done in {time.time() - start:.0f} s; step times: ' +
          ', '.join(f'{k} {v:.0f}s' for k, v in job.timings.items()))
    if score['f1'] <= max(chance.values()):
        raise SystemExit('[demo] the recognizer did not beat chance')


if __name__ == '__main__':
    main()

"""The main job on the embedded demo dataset (README command 1).

1. generate the demo dataset (low-res clips + their high-res twins);
2. train the low-res recognizer (stock tools/train.py), test it (--dump);
3. train the "SR" teacher on the high-res twins (the stand-in for
   RealBasicVSR output), test it;
4. dual-resolution distillation: the low-res student learns from the labels
   and the frozen teacher (equation 1), test it;
5. ensemble the low-res models (best and middle-epoch checkpoints of the
   plain and the KD student), fit thresholds on val in the threshold mode
   with the best cross-validated F1 (printed with every mode's CV F1),
   apply group-wise exclusion, write answer.txt for the test split;
6. print the macro F1/P/R of every stage on the demo test split, next to
   label-blind chance baselines;
7. use the distilled student as a user would: tools/infer.py on a few test
   videos and on a long video made of several test clips (windows), with
   the ensemble's thresholds and groups; print the labels, write pictures.

    python demo/run_demo.py [--work-dir work_dirs/demo]

Interrupted? Run it again: finished steps are kept, training resumes.
"""
import argparse
import glob
import os.path as osp
import re
import time

import numpy as np

from tiny_action.tools.demo.data import CLASSES
from tiny_action.tools.demo.job import (DemoJob, chance_baselines,
                                        threshold_mode_report)
from tiny_action.tools.ensemble import load_dump
from tiny_action.tools.ensemble.submission import read_answer_txt
from tiny_action.evaluation import (format_per_class_table, macro_prf,
                                    multilabel_prf)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DATA = 'data/tinyvirat_demo'


def _epoch(path: str) -> int:
    return int(re.search(r'epoch_(\d+)\.pth$', path).group(1))


def _middle_epoch(run_dir: str, best: str) -> str:
    """The middle one of the run's kept epoch checkpoints other than the
    ``best`` epoch (the paper ensembles middle-epoch models too)."""
    others = sorted((p for p in glob.glob(osp.join(run_dir, 'epoch_*.pth'))
                     if _epoch(p) != _epoch(best)), key=_epoch)
    return others[len(others) // 2] if others else best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/demo')
    args = parser.parse_args()
    start = time.time()
    job = DemoJob(REPO, args.work_dir, DATA)
    job.make_data()

    lr_cfg, hr_cfg = 'configs/demo/demo_lr.py', 'configs/demo/demo_hr.py'
    kd_cfg = 'configs/demo/demo_kd.py'
    lr = job.train('lr', lr_cfg)
    hr = job.train('hr', hr_cfg)
    kd = job.train('kd', kd_cfg, ['--cfg-options', f'model.teacher_ckpt={hr}'])
    members = dict(
        lr=(lr_cfg, lr),
        lr_mid=(lr_cfg, _middle_epoch(osp.join(args.work_dir, 'lr'), lr)),
        kd=(kd_cfg, kd),
        kd_mid=(kd_cfg, _middle_epoch(osp.join(args.work_dir, 'kd'), kd)))
    kd_opt = ['--cfg-options', f'model.teacher_ckpt={hr}']
    dumps = {}
    for name, (cfg, ckpt) in list(members.items()) + [('hr', (hr_cfg, hr))]:
        extra = kd_opt if cfg == kd_cfg else []
        dumps[name] = {s: job.test(name, cfg, ckpt, s, extra)
                       for s in ('val', 'test')}

    ens_dir = osp.join(args.work_dir, 'ensemble')
    job._run('ensemble', [
        'tools/analysis_tools/ensemble.py', '--val-dumps'] + [dumps[m]['val'] for m in members]
        + ['--test-dumps'] + [dumps[m]['test'] for m in members] + [
        '--class-map', f'{DATA}/class_map.json',
        '--test-ann', f'{DATA}/tiny_test_v2.json',
        '--groups', f'{DATA}/groups.json',
        '--counts-ann', f'{DATA}/tiny_train_v2.json',
        '--out-dir', ens_dir])

    # ------------------------------------------------------------ report
    test = {name: load_dump(d['test']) for name, d in dumps.items()}
    labels = test['lr'].labels
    ids, flags = read_answer_txt(osp.join(ens_dir, 'answer.txt'),
                                 len(CLASSES))
    rows = []
    names = dict(lr='low-res recognizer', hr='high-res ("SR") teacher *',
                 kd='low-res KD student (SR+KD)')
    for key in ('lr', 'hr', 'kd'):
        rows.append((names[key], macro_prf(test[key].scores, labels)))
    avg = np.mean([test[m].scores for m in members], axis=0)
    rows.append((f'ensemble of {len(members)} low-res models, thr 0.5',
                 macro_prf(avg, labels)))
    final = macro_prf(flags.astype(np.float32), labels)
    mode, modes = threshold_mode_report(osp.join(ens_dir, 'summary.json'))
    rows.append((f'+ "{mode}" thresholds + groups (answer.txt)', final))
    print(f'\n[demo] ensemble log and plots: {ens_dir}/')
    for line in modes:
        print(f'[demo] {line}')
    print('\n[demo] per-class results of answer.txt on the demo test split:')
    print(format_per_class_table(
        CLASSES, multilabel_prf(flags.astype(np.float32), labels, 0.5),
        [0.5] * len(CLASSES)))
    print(f'\n[demo] macro scores on the demo test split ({len(labels)} '
          f'clips, {len(CLASSES)} classes):')
    print(f'  {"model":46s}    F1     P     R')
    for name, s in rows:
        print(f'  {name:46s} {s["f1"]:.3f} {s["precision"]:.3f} '
              f'{s["recall"]:.3f}')
    chance = chance_baselines(labels)
    for name, f1 in chance.items():
        print(f'  {"chance (" + name + ")":46s} {f1:.3f}')
    print('  * the teacher sees the high-resolution clips; the others only '
          'the low-resolution ones')
    print(f'\n[demo] answer.txt: {ens_dir}/answer.txt ({len(ids)} clips)')
    print(f'[demo] done in {time.time() - start:.0f} s; step times: ' +
          ', '.join(f'{k} {v:.0f}s' for k, v in job.timings.items()))
    job.infer(kd_cfg, kd, osp.join(ens_dir, 'thresholds.json'),
              f'{DATA}/groups.json')
    if rows[0][1]['f1'] <= max(chance.values()):
        raise SystemExit('[demo] the low-res recognizer did not beat chance')


if __name__ == '__main__':
    main()

"""Real proxy experiment of dual-resolution distillation on CPU.

Trains the demo's small recognizer on the real tiny CCTV clips of
../shared/data/tiny_surveillance three ways, with the stock tools/train.py:
the low-res student, the high-res teacher (the `hr/` clips stand in for
super-resolved video), and the low-res student distilled from that teacher;
then prints their val macro-F1 side by side (last checkpoints: val is not
used for model selection).

    python benchmarks/proxy_surveillance.py [--work-dir work_dirs/proxy] [--epochs 12]

The configs (configs/proxy/) work with another split by changing only
`ann_file` / `data_prefix` (e.g. --cfg-options).
"""
import argparse
import os.path as osp
import time

from tiny_action.tools.demo.job import DemoJob, chance_baselines
from tiny_action.tools.ensemble import load_dump
from tiny_action.evaluation import macro_prf

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--work-dir', default='work_dirs/proxy')
    parser.add_argument('--epochs', type=int, default=12)
    args = parser.parse_args()
    job = DemoJob(REPO, args.work_dir, data_dir='')
    epochs = ['train_cfg.max_epochs=' + str(args.epochs),
              'param_scheduler.1.periods=[' + str(args.epochs - 1) + ']',
              'param_scheduler.1.end=' + str(args.epochs)]
    rows = []
    teacher = None
    for name, cfg, label in (
            ('lr', 'configs/proxy/surveillance_lr.py', 'low-res student'),
            ('hr', 'configs/proxy/surveillance_hr.py',
             'high-res teacher (hr/ as SR)'),
            ('kd', 'configs/proxy/surveillance_kd.py', 'low-res KD student')):
        opts = list(epochs)
        if name == 'kd':
            opts.append(f'model.teacher_ckpt={teacher}')
        start = time.time()
        ckpt = job.train(name, cfg, ['--cfg-options'] + opts, select='last')
        minutes = (time.time() - start) / 60
        if name == 'hr':
            teacher = ckpt
        dump = job.test(name, cfg, ckpt, 'test', ['--cfg-options'] + opts)
        result = load_dump(dump)
        labels = result.labels
        rows.append((label, macro_prf(result.scores, labels), minutes))
    print(f'\ntiny_surveillance val ({len(labels)} clips, 2 classes), '
          f'{args.epochs} epochs each, last checkpoint:')
    print(f'  {"model":32s}  macro-F1   P      R     train min')
    for label, s, minutes in rows:
        print(f'  {label:32s}  {s["f1"]:.3f}   {s["precision"]:.3f}  '
              f'{s["recall"]:.3f}  {minutes:5.1f}')
    for name, f1 in chance_baselines(labels).items():
        print(f'  {"chance (" + name + ")":32s}  {f1:.3f}')


if __name__ == '__main__':
    main()

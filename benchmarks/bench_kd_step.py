"""KD train step versus the plain student step (ratios from one run).

    python benchmarks/bench_kd_step.py [--iters 20] [--batch 8]

Models: the demo's recognizer (ResNet3d-18, 16 base channels) as student (8 x 64 px
low-res clips) and as teacher (8 x 112 px paired clips). Targets (issue 5):
cached knowledge <= 1.05x the plain step; online teacher <= 1 + teacher forward /
student step + 0.05.
"""
import argparse
import copy
import json
import os
import tempfile
import time

import torch

import tiny_action  # noqa: F401
from mmaction.registry import MODELS
from mmaction.utils import register_all_modules
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmengine.runner import save_checkpoint
from tiny_action.testing import kd_batch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def time_steps(model, data, iters):
    model.train()
    optim = OptimWrapper(torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=1e-4))
    for _ in range(3):  # warm-up
        model.train_step(copy.deepcopy(data), optim)
    times = []
    for _ in range(iters):
        d = copy.deepcopy(data)
        t = time.perf_counter()
        model.train_step(d, optim)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


@torch.no_grad()
def time_teacher(model, data, iters):
    for _ in range(3):
        model.teacher_knowledge(data['data_samples'])
    times = []
    for _ in range(iters):
        t = time.perf_counter()
        model.teacher_knowledge(data['data_samples'])
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=20)
    parser.add_argument('--batch', type=int, default=8)
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(os.path.join(REPO, 'configs/demo/demo_lr.py'))
    c = cfg.model.cls_head.num_classes
    data = kd_batch(args.batch, c, clip_shape=(8, 64, 64),
                    sr_shape=(8, 112, 112), label_threshold=0.7)
    tmp = tempfile.mkdtemp()
    torch.manual_seed(0)
    teacher = MODELS.build(copy.deepcopy(cfg.model))
    ckpt = os.path.join(tmp, 'teacher.pth')
    save_checkpoint(dict(state_dict=teacher.state_dict()), ckpt)
    cache = os.path.join(tmp, 'cache.json')
    with open(cache, 'w') as f:
        json.dump(dict(scores={f'{i:05d}': [0.5] * c
                               for i in range(args.batch)}), f)
    kd_head = dict(cls_head=dict(type='KDHead', alpha=0.5))
    # the plain student: the same recognizer with the KD head's BCE loss
    plain_cfg = copy.deepcopy(cfg.model)
    plain_cfg.cls_head.loss_cls = dict(type='BCELossWithLogits')
    plain = MODELS.build(plain_cfg)
    cached = MODELS.build(dict(type='DualResolutionRecognizer',
                               student=copy.deepcopy(cfg.model),
                               student_overrides=kd_head,
                               knowledge_cache=cache))
    online = MODELS.build(dict(type='DualResolutionRecognizer',
                               student=copy.deepcopy(cfg.model),
                               student_overrides=kd_head,
                               teacher=copy.deepcopy(cfg.model),
                               teacher_ckpt=ckpt))
    t_plain = time_steps(plain, data, args.iters)
    t_cached = time_steps(cached, data, args.iters)
    t_online = time_steps(online, data, args.iters)
    t_teacher = time_teacher(online, data, args.iters)
    print(f'batch {args.batch}, student 8x64x64, teacher 8x112x112, '
          f'{torch.get_num_threads()} threads, median of {args.iters} steps')
    print(f'plain student step      {t_plain * 1e3:8.1f} ms')
    print(f'KD step, cached         {t_cached * 1e3:8.1f} ms  ratio '
          f'{t_cached / t_plain:.3f}  (target <= 1.05)')
    bound = 1 + t_teacher / t_plain + 0.05
    print(f'KD step, online teacher {t_online * 1e3:8.1f} ms  ratio '
          f'{t_online / t_plain:.3f}  (target <= 1 + teacher forward '
          f'{t_teacher * 1e3:.1f} ms / student step + 0.05 = {bound:.3f})')


if __name__ == '__main__':
    main()

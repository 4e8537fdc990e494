"""configs/dvsr: the paper's settings, a stage chain whose checkpoint paths
match the configs that write them, and the CPU configs' three stages run
with mmengine's Runner on tiny paired clips made here (stage 1 progressive
-> stage 2 joint -> equation-4 classifier -> test)."""
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tiny_action.utils.video_io import write_video_atomic

REPO = Path(__file__).resolve().parents[2]
DVSR_DIR = REPO / 'configs' / 'dvsr'
CONFIGS = sorted(DVSR_DIR.rglob('*.py'))
NAMES = {p.stem for p in CONFIGS}


def rel(path: Path) -> str:
    return str(path.relative_to(DVSR_DIR))


@pytest.mark.parametrize('path', CONFIGS, ids=rel)
def test_paper_settings(path):
    cfg = Config.fromfile(str(path))
    model = cfg.model
    assert model.type == 'DVSRRecognizer'
    assert model.lambda_rec == 1.0 and model.lambda_att == 0.5
    optim = cfg.optim_wrapper.optimizer
    assert (optim.type, optim.lr, tuple(optim.betas)) == ('Adam', 2e-4,
                                                          (0.5, 0.9))
    gen = model.generator
    if gen is not None and 'cpu' not in path.parts:
        assert (gen.scale, gen.in_frames) == (8, 16)  # 16 x 14 -> 112
        assert cfg.dvsr_input_size * gen.scale == 112
    if model.stage == 'sr':
        assert cfg.val_evaluator.type == 'SRQualityMetric'
    hooks = [h for h in cfg.get('custom_hooks', [])
             if h.type == 'ProgressiveGrowthHook']
    assert bool(hooks) == ('prog' in path.stem and model.stage == 'sr')
    if hooks:
        steps = int(np.log2(gen.scale))
        assert gen.start_step == 1 and hooks[0].alpha_step == 5e-3
        assert len(hooks[0].grow_at) == steps - 1
        assert hooks[0].grow_at[-1] < cfg.train_cfg.max_iters
    # a stage reads the checkpoint written by the config it names
    ckpt = model.get('generator_ckpt')
    if ckpt:
        run = Path(ckpt).parent.name
        assert run in NAMES, f'{ckpt} is not written by a shipped config'


def _clip(path: Path, frames: int, size: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 256, (1, size, size, 3), dtype=np.uint8)
    video = np.repeat(base, frames, axis=0)
    write_video_atomic(str(path), list(video))


@pytest.fixture(scope='module')
def paired(tmp_path_factory) -> Path:
    """tiny_surveillance layout: 4 train / 2 val paired clips."""
    root = tmp_path_factory.mktemp('paired')
    (root / 'class_map.json').write_text(json.dumps(dict(fight=0,
                                                         no_fight=1)))
    for split, n in (('train', 4), ('val', 2)):
        entries = []
        for i in range(n):
            name = f'{i:05d}.mp4'
            _clip(root / split / 'lr' / name, 10, 20, i)
            _clip(root / split / 'hr' / name, 10, 56, i)
            entries.append(dict(id=f'{i:05d}', video_id='v', path=name,
                                dim=[10, 20, 20],
                                label=['fight' if i % 2 else 'no_fight']))
        (root / split / 'annotations.json').write_text(json.dumps(entries))
    return root


def _child(tmp: Path, base: str, data: Path, extra: str) -> Config:
    lines = [f'_base_ = [{str(DVSR_DIR / "cpu" / base)!r}]']
    for split, name in (('train', 'train'), ('val', 'val'),
                        ('test', 'val')):
        lines.append(
            f'{split}_dataloader = dict(batch_size=2, num_workers=0, '
            f'dataset=dict(ann_file={str(data / name / "annotations.json")!r}'
            f', class_map={str(data / "class_map.json")!r}, data_prefix='
            f'dict(video={str(data / name / "lr")!r}, '
            f'sr={str(data / name / "hr")!r})))')
    lines.append(extra)
    path = tmp / base
    path.write_text('\n'.join(lines) + '\n')
    cfg = Config.fromfile(str(path))
    cfg.work_dir = str(tmp / base[:-3])
    cfg.default_hooks.logger.interval = 1
    return cfg


def _train_one_epoch(tmp: Path, base: str, paired, generator_ckpt: Path):
    """A runner of ``_child(base)`` trained for one epoch, its generator
    loaded from ``generator_ckpt``."""
    runner = Runner.from_cfg(_child(
        tmp, base, paired, 'train_cfg = dict(max_epochs=1, val_interval=1)\n'
        f'model = dict(generator_ckpt={str(generator_ckpt)!r})'))
    runner.train()
    return runner


def test_cpu_stage_chain_runs(paired, tmp_path):
    stage1 = _child(
        tmp_path, 'dvsr-x4-prog_1xb8-8x14px-600it_tiny-surveillance.py',
        paired, 'train_cfg = dict(max_iters=4, val_interval=4)\n'
        'custom_hooks = [dict(type="ProgressiveGrowthHook", grow_at=[1], '
        'alpha_step=0.5)]\n'
        'default_hooks = dict(checkpoint=dict(interval=4))')
    runner = Runner.from_cfg(stage1)
    runner.train()
    assert runner.model.generator.current_step == 2
    assert runner.message_hub.get_scalar('val/sr/psnr').current() > 5
    ckpt1 = Path(stage1.work_dir) / 'iter_4.pth'

    runner = _train_one_epoch(
        tmp_path, 'dvsr-att_r3d-tiny_1xb8-8x14px-10e_tiny-surveillance.py',
        paired, ckpt1)
    losses = runner.message_hub.log_scalars
    assert {'train/loss_rec', 'train/att.loss_cls',
            'train/loss_att_l1'} <= set(losses)
    ckpt2 = Path(runner.cfg.work_dir) / 'epoch_1.pth'

    runner = _train_one_epoch(
        tmp_path, 'dvsr_r3d-tiny_1xb8-8x14px-10e_tiny-surveillance.py',
        paired, ckpt2)
    gen1 = torch.load(ckpt2)['state_dict']
    for key, value in runner.model.generator.state_dict().items():
        assert torch.equal(value, gen1['generator.' + key]), key  # frozen
    metrics = runner.test()
    assert 'f1' in metrics

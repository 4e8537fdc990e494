"""tools/data/super_resolve.py with ``--model dvsr``: a DVSR checkpoint (random
weights, tiny) of a configs/dvsr/ config super-resolves a dataset into its
twin with the same manifest / resume guarantees; windows of in_frames,
padded short clips, clear errors for a mid-growth checkpoint."""
import json

import numpy as np
import pytest
import torch
from mmaction.registry import MODELS
from mmengine.config import Config
from mmengine.runner import save_checkpoint
from sr_helpers import REPO, make_dataset, one_torch_thread, read_frames

from tiny_action.tools.super_resolution.cli import main

_one_thread = pytest.fixture(scope='module', autouse=True)(one_torch_thread)
BASE = REPO / 'configs/dvsr/cpu/dvsr-x4-e2e_1xb8-8x14px-600it_tiny-surveillance.py'
SPECS = ((3, 16, 16), (8, 24, 24), (11, 16, 32))  # 11 frames: 2 windows


def _checkpoint(cfg_path, path, step=None, alpha=1.0):
    cfg = Config.fromfile(str(cfg_path))
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    with torch.no_grad():
        for p in model.generator.parameters():
            p.normal_(0, 0.05)
    if step is not None:
        model.generator.set_progress(step, alpha)
    save_checkpoint(dict(state_dict=model.state_dict(), meta=dict()),
                    str(path))
    return model.generator.eval()


@pytest.fixture
def data(tmp_path, monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    ann, lr, entries = make_dataset(tmp_path, SPECS)
    cfg = tmp_path / 'dvsr_tiny.py'
    cfg.write_text(f'_base_ = [{str(BASE)!r}]\n'
                   'model = dict(generator=dict(mid_channels=4, '
                   'growth_channels=2))\n')
    gen = _checkpoint(cfg, tmp_path / 'dvsr.pth')
    return dict(ann=ann, lr=lr, entries=entries, cfg=cfg, gen=gen,
                ckpt=tmp_path / 'dvsr.pth', out=tmp_path / 'out')


def _run(data, *extra, ckpt=None):
    return main([str(data['ann']), str(data['lr']), str(data['out']),
                 '--model', 'dvsr', '--config', str(data['cfg']),
                 '--checkpoint', str(ckpt or data['ckpt']), '--no-progress',
                 *map(str, extra)])


def test_dvsr_twins_manifest_and_resume(data, capsys):
    assert _run(data, '--out-size', 0, '--crf', 0) == 0
    manifest = json.loads((data['out'] / 'sr_manifest.json').read_text())
    assert manifest['summary'] == dict(done=3, failed=0, pending=0)
    settings = manifest['settings']
    assert settings['model'] == 'dvsr' and settings['in_size'] == 14
    assert settings['max_frames'] == 8  # the DVSR's in_frames
    assert settings['generator']['scale'] == 4
    for clip, e in zip(manifest['clips'], data['entries']):
        frames = read_frames(data['out'] / e['path'])
        assert frames.shape == (e['dim'][0], 56, 56, 3), e['path']
        assert clip['windows'] == (2 if e['dim'][0] > 8 else 1)
    # a short clip (3 frames) is resized to 14 px, padded to 8 frames with
    # its last frame, super-resolved, and the padding dropped
    clip = read_frames(data['lr'] / data['entries'][0]['path'])
    x = torch.from_numpy(clip).permute(0, 3, 1, 2).float() / 255
    x = torch.nn.functional.interpolate(x, size=(14, 14), mode='area')
    x = torch.cat([x, x[-1:].expand(5, -1, -1, -1)])  # 8 frames
    with torch.no_grad():
        ref = data['gen'](x.transpose(0, 1)[None]).clamp(0, 1)[0, :, :3]
    ref = (ref.permute(1, 2, 3, 0) * 255).round().numpy()
    out = read_frames(data['out'] / data['entries'][0]['path'])
    # lossless H.264 (crf 0) up to yuv420p's chroma subsampling
    assert np.abs(out.astype(float) - ref).mean() < 3
    capsys.readouterr()
    assert _run(data, '--out-size', 0, '--crf', 0) == 0  # resume
    assert '0 done, 3 skipped' in capsys.readouterr().out


def test_mid_growth_checkpoint_and_missing_config(data, capsys):
    _checkpoint(data['cfg'], data['out'].parent / 'mid.pth', step=2,
                alpha=0.5)
    assert _run(data, ckpt=data['out'].parent / 'mid.pth') == 1
    assert 'middle of progressive training (step 2 of 2, alpha 0.500)' in \
        capsys.readouterr().err
    assert _run(data, '--max-frames', 4) == 1
    assert 'windows of exactly 8 frames' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main([str(data['ann']), str(data['lr']), str(data['out']),
              '--model', 'dvsr', '--checkpoint', str(data['ckpt'])])
    assert '--model dvsr needs --config' in capsys.readouterr().err

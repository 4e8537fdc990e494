"""Building mmagic's RealBasicVSRNet, loading checkpoints of every form, and
the batched forward. All weights here are random (tiny net)."""
import os.path as osp

import pytest
import torch
from sr_helpers import (TINY_ARCH, one_torch_thread, random_net,
                        save_random_checkpoint)

from tiny_action.tools.super_resolution import (OFFICIAL_ARCH, CheckpointError,
                            build_realbasicvsr_net, check_arch, infer_arch,
                            load_realbasicvsr_checkpoint,
                            realbasicvsr_forward)

_one_thread = pytest.fixture(scope='module', autouse=True)(one_torch_thread)


def test_official_arch_matches_mmagic_config():
    import mmagic
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(
        osp.dirname(mmagic.__file__), '.mim', 'configs', 'real_basicvsr',
        'realbasicvsr_c64b20-1x30x8_8xb1-lr5e-5-150k_reds.py'))
    gen = dict(cfg.model.generator)
    assert gen.pop('type') == 'RealBasicVSRNet'
    gen.pop('spynet_pretrained')  # a URL; never used here
    assert gen == OFFICIAL_ARCH


def test_build_is_mmagic_net_without_downloads():
    from mmagic.models.editors.real_basicvsr import RealBasicVSRNet
    net = build_realbasicvsr_net(**TINY_ARCH)
    assert type(net) is RealBasicVSRNet
    assert not net.training
    assert not any(p.requires_grad for p in net.parameters())
    assert infer_arch(net.state_dict()) == TINY_ARCH


@pytest.mark.parametrize('arch, match', [
    (dict(mid_chanels=8), r"unknown RealBasicVSR arch option\(s\) "
     r"\['mid_chanels'\]"),
    (dict(mid_channels=0), '`mid_channels` should be an int >= 1'),
    (dict(num_cleaning_blocks=1.5), '`num_cleaning_blocks` should be an int'),
    (dict(dynamic_refine_thres=-1), '`dynamic_refine_thres` should be'),
    (dict(is_fix_cleaning='no'), '`is_fix_cleaning` should be True or'),
])
def test_bad_arch(arch, match):
    with pytest.raises(ValueError, match=match):
        check_arch(arch)


@pytest.mark.parametrize('form', ['bare', 'ddp', 'full'])
def test_load_every_form(tmp_path, form):
    path = save_random_checkpoint(tmp_path / f'random_{form}.pth', form)
    net = build_realbasicvsr_net(**TINY_ARCH)
    info = load_realbasicvsr_checkpoint(net, str(path))
    # a full checkpoint gives the EMA generator (what mmagic tests with)
    expected = random_net(1 if form == 'full' else 0).state_dict()
    assert info['source'] == ('generator_ema' if form == 'full' else 'bare')
    for k, v in net.state_dict().items():
        assert torch.equal(v, expected[k]), k
    assert len(info['sha256']) == 64


def test_load_generator_not_ema(tmp_path):
    path = save_random_checkpoint(tmp_path / 'random_full.pth', 'full')
    net = build_realbasicvsr_net(**TINY_ARCH)
    info = load_realbasicvsr_checkpoint(net, str(path), 'generator')
    assert info['source'] == 'generator'
    w = random_net(0).state_dict()['basicvsr.conv_last.weight']
    assert torch.equal(net.basicvsr.conv_last.weight, w)


def test_mismatched_arch_is_a_clear_error(tmp_path):
    path = save_random_checkpoint(tmp_path / 'random_full.pth', 'full')
    net = build_realbasicvsr_net(**dict(TINY_ARCH, mid_channels=16))
    with pytest.raises(CheckpointError) as e:
        load_realbasicvsr_checkpoint(net, str(path))
    msg = str(e.value)
    assert 'random_full.pth (generator_ema weights) does not match' in msg
    assert 'shape mismatch' in msg
    assert ("looks like a RealBasicVSRNet with {'mid_channels': 8, "
            "'num_cleaning_blocks': 1, 'num_propagation_blocks': 1}") in msg


def test_missing_keys_are_listed(tmp_path):
    state = random_net(0).state_dict()
    state.pop('basicvsr.fusion.weight')
    state['extra.weight'] = torch.zeros(1)
    torch.save(state, tmp_path / 'random_partial.pth')
    net = build_realbasicvsr_net(**TINY_ARCH)
    with pytest.raises(CheckpointError,
                       match=r"1 missing: \['basicvsr.fusion.weight'\]; "
                       r"1 unexpected: \['extra.weight'\]"):
        load_realbasicvsr_checkpoint(net, str(tmp_path / 'random_partial.pth'))


class _Unsafe:
    pass


def test_unreadable_and_missing_checkpoints(tmp_path):
    net = build_realbasicvsr_net(**TINY_ARCH)
    with pytest.raises(CheckpointError, match='does not exist.*download'
                       '.openmmlab.com/mmediting/restorers/real_basicvsr'):
        load_realbasicvsr_checkpoint(net, str(tmp_path / 'nope.pth'))
    (tmp_path / 'garbage.pth').write_bytes(b'not a checkpoint')
    with pytest.raises(CheckpointError, match='cannot read RealBasicVSR '
                       'checkpoint .*garbage.pth'):
        load_realbasicvsr_checkpoint(net, str(tmp_path / 'garbage.pth'))
    torch.save({'net': _Unsafe()}, tmp_path / 'pickled.pth')
    with pytest.raises(CheckpointError, match='refused to load .*pickled.pth'
                       '.*Unsupported global: GLOBAL .*_Unsafe'):
        load_realbasicvsr_checkpoint(net, str(tmp_path / 'pickled.pth'))
    torch.save({'state_dict': {'generator.x': torch.zeros(1)}},
               tmp_path / 'other.pth')
    with pytest.raises(CheckpointError, match='has no "generator_ema.\\*"'):
        load_realbasicvsr_checkpoint(net, str(tmp_path / 'other.pth'),
                                     'generator_ema')


def test_forward_of_one_clip_is_mmagic_forward():
    net = random_net(0)
    x = torch.rand(1, 4, 3, 16, 16)
    with torch.no_grad():
        expected = net(x.clone())
    out = realbasicvsr_forward(net, x)
    assert out.shape == (1, 4, 3, 64, 64)
    assert torch.equal(out, expected)


@pytest.mark.parametrize('sequential', [False, True])
def test_batched_forward_equals_clips_alone(sequential):
    """Each clip stops cleaning on its own residue, as it would alone (the
    threshold sits between the two clips' residues)."""
    net = random_net(0, is_sequential_cleaning=sequential)
    x = torch.stack([torch.rand(3, 3, 16, 16), torch.zeros(3, 3, 16, 16)])
    with torch.no_grad():
        res = [net.image_cleaning(c).abs().mean().item() for c in x]
    assert res[0] != res[1]
    net.dynamic_refine_thres = sum(res) / 2
    alone = [net(c[None].clone()) for c in x]
    batched = realbasicvsr_forward(net, x)
    for i in range(2):
        torch.testing.assert_close(batched[i:i + 1], alone[i], atol=1e-5,
                                   rtol=1e-5)
    assert x.abs().sum() > 0  # the input is not modified in place

"""tools/data/super_resolve.py (``tiny_action.tools.super_resolution.cli.main``) run in-process on
tiny random clips with a random-weight tiny RealBasicVSRNet: the outputs are
*not* super-resolution; only paths, frame counts, sizes, the manifest,
resuming, sharding and errors are checked."""
import json
import os

import pytest
import torch
from sr_helpers import (ARCH_ARGS, make_dataset, one_torch_thread,
                        read_frames, save_random_checkpoint,
                        write_zero_frame_video)

from tiny_action.tools.super_resolution.cli import main

_one_thread = pytest.fixture(scope='module', autouse=True)(one_torch_thread)


@pytest.fixture
def data(tmp_path, monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'):
        monkeypatch.delenv(key, raising=False)
    ann, lr, entries = make_dataset(tmp_path)
    ckpt = save_random_checkpoint(tmp_path / 'random_weights_tiny.pth',
                                  'full')
    return dict(ann=ann, lr=lr, entries=entries, ckpt=ckpt,
                out=tmp_path / 'random_weights_out')


def _run(data, *extra, out=None):
    return main([str(data['ann']), str(data['lr']), str(out or data['out']),
                 '--checkpoint', str(data['ckpt']), '--no-progress',
                 *ARCH_ARGS, *map(str, extra)])


def _manifest(out):
    return json.loads((out / 'sr_manifest.json').read_text())


def _log_records(out):
    records = {}
    for log in sorted((out / 'sr_manifest.json.parts').glob('rank*.jsonl')):
        records[log.stem] = [json.loads(x) for x in log.read_text().split(
            '\n') if x.strip()]
    return records


def test_outputs_mirror_the_dataset_at_224(data, capsys):
    assert _run(data) == 0
    out = data['out']
    for e in data['entries']:
        frames = read_frames(out / e['path'])
        assert frames.shape == (e['dim'][0], 224, 224, 3), e['path']
    manifest = _manifest(out)
    assert manifest['summary'] == dict(done=6, failed=0, pending=0)
    assert [c['path'] for c in manifest['clips']] == [
        e['path'] for e in data['entries']]
    for c, e in zip(manifest['clips'], data['entries']):
        assert c['status'] == 'done' and c['frames'] == e['dim'][0]
        assert c['in_size'] == e['dim'][1:] and c['out_size'] == [224, 224]
    assert manifest['settings']['generator'] == 'generator_ema'
    assert manifest['settings']['arch']['mid_channels'] == 8
    assert not list(out.rglob('*.part'))
    assert '6 clips: 6 done, 0 skipped (already done), 0 failed' in \
        capsys.readouterr().out

    # a rerun skips every clip and leaves the videos untouched
    mtimes = {e['path']: os.stat(out / e['path']).st_mtime_ns
              for e in data['entries']}
    assert _run(data) == 0
    assert '6 clips: 0 done, 6 skipped (already done), 0 failed' in \
        capsys.readouterr().out
    assert mtimes == {e['path']: os.stat(out / e['path']).st_mtime_ns
                      for e in data['entries']}
    # a deleted output is redone even though the manifest says done
    (out / data['entries'][3]['path']).unlink()
    assert _run(data) == 0
    assert '1 done, 5 skipped' in capsys.readouterr().out
    assert read_frames(out / data['entries'][3]['path']).shape[0] == 4


def test_two_ranks_cover_every_clip_once(data, monkeypatch, capsys):
    monkeypatch.setenv('WORLD_SIZE', '2')
    monkeypatch.setenv('RANK', '0')
    assert _run(data, '--out-size', 32) == 0
    assert _manifest(data['out'])['summary'] == dict(done=3, failed=0,
                                                     pending=3)
    assert '3 pending (other ranks still running' in capsys.readouterr().out
    monkeypatch.setenv('RANK', '1')
    assert _run(data, '--out-size', 32) == 0
    assert _manifest(data['out'])['summary'] == dict(done=6, failed=0,
                                                     pending=0)
    logs = _log_records(data['out'])
    paths = [e['path'] for e in data['entries']]
    assert [r['path'] for r in logs['rank0']] == paths[0::2]
    assert [r['path'] for r in logs['rank1']] == paths[1::2]
    for e in data['entries']:
        assert read_frames(data['out'] / e['path']).shape == (
            e['dim'][0], 32, 32, 3)


def test_checkpoint_is_required(data, capsys):
    with pytest.raises(SystemExit) as e:
        main([str(data['ann']), str(data['lr']), str(data['out'])])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert '--checkpoint is required' in err
    assert 'https://download.openmmlab.com/mmediting/restorers/' \
           'real_basicvsr/realbasicvsr_c64b20_1x30x8_lr5e-5_150k_reds_' \
           '20211104-52f77c2c.pth' in err
    data['ckpt'] = data['ckpt'].with_name('absent.pth')
    assert _run(data) == 1
    assert 'checkpoint' in capsys.readouterr().err
    assert not data['out'].exists()


def test_checkpoint_of_another_arch(data, capsys):
    assert _run(data, '--arch', 'mid_channels=16') == 1
    err = capsys.readouterr().err
    assert 'does not match the RealBasicVSRNet' in err
    assert "'mid_channels': 8" in err


def _break_clips(data):
    bad = data['entries'][2]['path']
    (data['lr'] / bad).write_bytes(b'\x00garbage, not a video')
    empty = data['entries'][4]['path']
    write_zero_frame_video(data['lr'] / empty)
    return bad, empty


def test_bad_clip_stops_the_run_by_default(data, capsys):
    bad, _ = _break_clips(data)
    assert _run(data, '--out-size', 32) == 1
    err = capsys.readouterr().err
    assert f'cannot read clip {bad} ({data["lr"] / bad})' in err
    assert 'Pass --on-error skip' in err
    assert not (data['out'] / bad).exists()
    failed = [r for r in _log_records(data['out'])['rank0']
              if r['status'] == 'failed']
    assert [r['path'] for r in failed] == [bad]


def test_bad_clips_skipped_on_request(data, capsys):
    bad, empty = _break_clips(data)
    assert _run(data, '--out-size', 32, '--on-error', 'skip') == 0
    out = capsys.readouterr().out
    assert '6 clips: 4 done, 0 skipped (already done), 2 failed' in out
    assert f'failed: {bad}: OSError: Cannot decode' in out
    assert f'failed: {empty}: ValueError:' in out
    manifest = _manifest(data['out'])
    assert manifest['summary'] == dict(done=4, failed=2, pending=0)
    status = {c['path']: c['status'] for c in manifest['clips']}
    assert status[bad] == status[empty] == 'failed'
    assert not (data['out'] / bad).exists()
    # fixed inputs are retried by the next run, finished ones skipped
    make_dataset(data['out'].parent / 'fixed')
    for p in (bad, empty):
        os.replace(data['out'].parent / 'fixed' / 'lr' / p, data['lr'] / p)
    assert _run(data, '--out-size', 32, '--on-error', 'skip') == 0
    assert '2 done, 4 skipped (already done), 0 failed' in \
        capsys.readouterr().out
    assert _manifest(data['out'])['summary']['done'] == 6


def test_other_settings_are_not_mixed(data, capsys):
    assert _run(data, '--out-size', 32) == 0
    capsys.readouterr()
    assert _run(data, '--out-size', 48, 64) == 1
    err = capsys.readouterr().err
    assert 'records clips made with other settings' in err
    assert 'out_size: [32, 32] -> [48, 64]' in err
    assert _run(data, '--out-size', 48, 64, '--overwrite') == 0
    assert '6 done, 0 skipped' in capsys.readouterr().out
    p = data['entries'][0]['path']
    assert read_frames(data['out'] / p).shape[1:3] == (48, 64)
    assert _manifest(data['out'])['settings']['out_size'] == [48, 64]
    # once redone, the new settings are the ones of the output root
    assert _run(data, '--out-size', 48, 64) == 0
    assert '0 done, 6 skipped' in capsys.readouterr().out
    assert _run(data, '--out-size', 32) == 1
    assert 'out_size: [48, 64] -> [32, 32]' in capsys.readouterr().err


def test_bad_arguments(data, capsys):
    assert _run(data, out=data['lr']) == 1
    assert 'the inputs would be overwritten' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        _run(data, '--out-size', 33)
    assert 'sizes should be even' in capsys.readouterr().err
    assert _run(data, '--max-frames', 4, '--overlap', 4) == 1
    assert '`overlap` should be in [0, max_frames=4)' in \
        capsys.readouterr().err
    if not torch.cuda.is_available():
        assert _run(data, '--device', 'cuda') == 1
        assert 'CUDA is not available' in capsys.readouterr().err
    (data['ann']).write_text('{"bad": 1}')
    assert _run(data) == 1
    assert 'expected a JSON list of entries' in capsys.readouterr().err

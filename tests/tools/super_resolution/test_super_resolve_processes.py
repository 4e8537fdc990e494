"""tools/data/super_resolve.py as separate processes: killed with SIGKILL and
rerun, and two ranks under torchrun (gloo). Tiny random clips and a
random-weight tiny RealBasicVSRNet (outputs are not super-resolution)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import pytest
from sr_helpers import (ARCH_ARGS, REPO, TOOL, make_dataset, read_frames,
                        save_random_checkpoint, tool_cmd, tool_env)

#: 8 clips of 8 frames at 32 px: each takes a visible moment even alone
KILL_SPECS = tuple((8, 32, 32) for _ in range(8))


def _done_records(out):
    records = []
    for log in (out / 'sr_manifest.json.parts').glob('rank*.jsonl'):
        for line in log.read_text().split('\n'):
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line torn by the kill
            if rec.get('status') == 'done':
                records.append(rec)
    return records


def test_kill_then_rerun_does_every_clip_once(tmp_path):
    ann, lr, entries = make_dataset(tmp_path, KILL_SPECS)
    ckpt = save_random_checkpoint(tmp_path / 'random_weights_tiny.pth')
    out = tmp_path / 'random_weights_out'
    # one clip per forward, written as soon as it is done
    args = [ann, lr, out, '--checkpoint', ckpt, *ARCH_ARGS, '--out-size',
            32, '--batch-size', 1, '--lookahead', 1, '--no-progress']
    proc = subprocess.Popen(tool_cmd(*args), cwd=str(REPO), env=tool_env(),
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 300
    part_dir = out / 'sr_manifest.json.parts'
    while not (part_dir.is_dir() and _done_records(out)):
        if proc.poll() is not None:
            pytest.fail('the tool ended before the kill:\n' +
                        proc.stderr.read().decode()[-3000:])
        assert time.time() < deadline, 'no clip done within 300 s'
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()

    before = {r['path'] for r in _done_records(out)}
    assert 1 <= len(before) < len(entries), 'the kill came too late to test'
    mtimes = {p: os.stat(out / p).st_mtime_ns for p in before}
    # every final-named video is complete (atomic writes); a temporary
    # file of an interrupted write may remain under its own name
    for e in entries:
        if (out / e['path']).exists():
            assert read_frames(out / e['path']).shape == (8, 32, 32, 3)
    assert all(p.name.startswith('.') and p.name.endswith('.part')
               for p in out.rglob('*') if p.is_file()
               and p.suffix not in ('.mp4', '.jsonl', '.json'))

    rerun = subprocess.run(tool_cmd(*args), cwd=str(REPO), env=tool_env(),
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert (f'{len(entries) - len(before)} done, {len(before)} skipped '
            '(already done), 0 failed') in rerun.stdout
    done = _done_records(out)
    assert sorted(r['path'] for r in done) == sorted(
        e['path'] for e in entries)  # each clip recorded done exactly once
    assert mtimes == {p: os.stat(out / p).st_mtime_ns for p in before}
    manifest = json.loads((out / 'sr_manifest.json').read_text())
    assert manifest['summary'] == dict(done=8, failed=0, pending=0)
    assert not list(out.rglob('*.part'))  # leftovers cleaned by the rerun
    for e in entries:
        assert read_frames(out / e['path']).shape == (8, 32, 32, 3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_torchrun_two_ranks_share_the_clips(tmp_path):
    ann, lr, entries = make_dataset(tmp_path)
    ckpt = save_random_checkpoint(tmp_path / 'random_weights_tiny.pth')
    out = tmp_path / 'random_weights_out'
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nnodes', '1',
           '--nproc_per_node', '2', '--master_addr', '127.0.0.1',
           '--master_port', str(_free_port()), str(TOOL), str(ann), str(lr),
           str(out), '--checkpoint', str(ckpt), *ARCH_ARGS, '--out-size', '32',
           '--launcher', 'pytorch', '--device', 'cpu']
    proc = subprocess.run(cmd, cwd=str(REPO), env=tool_env(),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert 'all ranks: 6 clips: 6 done, 0 skipped, 0 failed' in proc.stdout
    by_rank = {}
    for r in _done_records(out):
        by_rank.setdefault(r['rank'], []).append(r['path'])
    paths = [e['path'] for e in entries]
    assert sorted(by_rank[0]) == sorted(paths[0::2])
    assert sorted(by_rank[1]) == sorted(paths[1::2])
    manifest = json.loads((out / 'sr_manifest.json').read_text())
    assert manifest['summary'] == dict(done=6, failed=0, pending=0)
    for e in entries:
        assert read_frames(out / e['path']).shape == (e['dim'][0], 32, 32, 3)

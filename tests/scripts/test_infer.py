"""tools/infer.py and tools/deployment/export_onnx.py on the mini demo:
exact parity with `tools/test.py --dump`, a thresholds file, bad inputs,
pictures, and the ONNX model against PyTorch."""
import importlib.util
import json

import numpy as np
import pytest
from apis.infer_helpers import (bad_inputs, write_kd_checkpoint,
                                write_random_checkpoint)
from conftest import REPO, run_tool, tiny_config

from tiny_action.tools.demo.data import CLASSES
from tiny_action.tools.ensemble import load_dump, save_thresholds


@pytest.fixture(scope='module')
def dumped(tmp_path_factory, mini_demo):
    """A config, a checkpoint and its `tools/test.py --dump` on the mini
    demo's test split."""
    tmp = tmp_path_factory.mktemp('infer_cli')
    cfg = tiny_config(tmp / 'cfg.py', mini_demo)
    ckpt = write_random_checkpoint(cfg, tmp / 'model.pth')
    dump = tmp / 'test.pkl'
    run_tool(['tools/test.py', cfg, ckpt, '--dump', dump])
    ann = json.loads((mini_demo / 'tiny_test_v2.json').read_text())
    videos = [str(mini_demo / 'videos' / 'test' / e['path']) for e in ann]
    return cfg, ckpt, load_dump(str(dump)), videos


def _main(script: str, args, capsys):
    """Run ``main(argv)`` of a repo script in this process (no interpreter
    start-up); returns its exit code, stdout and stderr."""
    spec = importlib.util.spec_from_file_location('cli', REPO / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    code = module.main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _scores(preds) -> np.ndarray:
    return np.array([[p['scores'][c] for c in CLASSES] for p in preds],
                    dtype=np.float32)


def test_infer_equals_test_dump_and_honours_thresholds(dumped, tmp_path,
                                                       capsys):
    cfg, ckpt, dump, videos = dumped
    thr = np.linspace(0.2, 0.8, len(CLASSES))
    save_thresholds(str(tmp_path / 'thresholds.json'), thr, CLASSES)
    out = tmp_path / 'preds.json'
    code, stdout, _ = _main('tools/infer.py', [cfg, ckpt] + videos + [
        '--out', out, '--batch-size', 4, '--thresholds',
        tmp_path / 'thresholds.json', '--no-progress'], capsys)
    assert code == 0
    preds = json.loads(out.read_text())['predictions']
    assert [p['input'] for p in preds] == videos
    # same clips, same batches as the test loop: bit-identical
    np.testing.assert_array_equal(_scores(preds), dump.scores)
    for p, row in zip(preds, dump.scores):
        assert p['labels'] == [c for c, s, t in zip(CLASSES, row, thr)
                               if s >= t]
        assert f'{p["input"]}: {", ".join(p["labels"]) or "(none)"}' \
            in stdout
    assert '8 input(s) done, 0 skipped' in stdout


def test_bad_input_fails_naming_it_or_is_skipped(dumped, tmp_path, capsys):
    cfg, ckpt, dump, videos = dumped
    bad = bad_inputs(tmp_path / 'bad')
    corrupt = next(p for p in bad if p.endswith('garbage.mp4'))
    code, _, stderr = _main('tools/infer.py', [cfg, ckpt, videos[0], corrupt,
                                               '--no-progress'], capsys)
    assert code == 1
    assert f'error: cannot run inference on {corrupt}' in stderr
    out = tmp_path / 'preds.csv'
    code, stdout, _ = _main('tools/infer.py', [cfg, ckpt, videos[0]] +
                            list(bad) + [
        videos[1], '--on-error', 'skip', '--out', out, '--window', 8,
        '--stride', 4, '--show-dir', tmp_path / 'show', '--no-progress'],
        capsys)
    assert code == 0
    assert f'2 input(s) done, {len(bad)} skipped' in stdout
    text = out.read_text()
    for path, message in bad.items():
        assert path in text and message in stdout
    stems = [v.rsplit('/', 1)[-1][:-4] for v in videos[:2]]
    shown = sorted(p.name for p in (tmp_path / 'show').iterdir())
    assert shown == sorted(f'{s}{e}' for s in stems
                           for e in ('.mp4', '.png', '_timeline.png'))


def test_export_onnx_matches_pytorch(dumped, tmp_path, capsys):
    """The exported demo model, run by ONNX Runtime on the test pipeline's
    clips, gives the dump's probabilities (max abs difference <= 1e-4), at
    any batch size."""
    from tiny_action.apis import TinyActionInferencer, expand_inputs
    from tiny_action.tools.deployment import onnx_session, run_onnx
    cfg, ckpt, dump, videos = dumped
    out = tmp_path / 'model.onnx'
    code, stdout, _ = _main('tools/deployment/export_onnx.py',
                            [cfg, ckpt, '--out', out], capsys)
    assert code == 0
    assert 'clips (batch, 1, 3, 8, 64, 64) -> probs (batch, 8)' in stdout
    assert 'ONNX Runtime vs PyTorch: max abs difference' in stdout
    inferencer = TinyActionInferencer(str(cfg), str(ckpt),
                                      show_progress=False)
    entries = expand_inputs(videos)
    clips = np.concatenate([
        np.stack([x.numpy() for x in data['inputs']])
        for clips, data, _ in inferencer.preprocess(entries, batch_size=8)
        if clips
    ])
    session = onnx_session(str(out))
    for lo, hi in ((0, 1), (1, 4), (4, 8)):
        got = run_onnx(session, clips[lo:hi])
        assert np.abs(got - dump.scores[lo:hi]).max() <= 1e-4
    import onnx
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(meta['classes']) == list(CLASSES)


def test_export_kd_checkpoint_exports_the_student(dumped, mini_demo,
                                                  tmp_path):
    """A distillation config and checkpoint export the student alone: the
    same probabilities as the plain recognizer with the student's weights."""
    from tiny_action.tools.deployment import (export_onnx, onnx_session,
                                              run_onnx)
    cfg, _, _, _ = dumped
    plain = write_random_checkpoint(cfg, tmp_path / 'plain.pth', seed=5)
    kd = write_kd_checkpoint(cfg, tmp_path / 'kd.pth', seed=5)
    kd_cfg = tiny_config(tmp_path / 'kd.py', mini_demo,
                         base='configs/demo/demo_kd.py')
    info = export_onnx(str(kd_cfg), str(kd), str(tmp_path / 'kd.onnx'))
    assert type(info['model'].recognizer.cls_head).__name__ == 'KDHead'
    ref = export_onnx(str(cfg), str(plain), str(tmp_path / 'plain.onnx'))
    clips = np.random.default_rng(0).integers(
        0, 256, (3, ) + info['input_shape']).astype(np.float32)
    got = run_onnx(onnx_session(str(tmp_path / 'kd.onnx')), clips)
    want = run_onnx(onnx_session(str(tmp_path / 'plain.onnx')), clips)
    assert np.abs(got - want).max() <= 1e-6

"""TinyActionInferencer on the mini demo: the test pipeline's exact scores,
windows, frame arrays, thresholds, groups, KD checkpoints, bad inputs,
pictures and output files."""
import csv
import json
import re

import numpy as np
import pytest
import torch
from conftest import tiny_config
from infer_helpers import (bad_inputs, write_kd_checkpoint,
                           write_random_checkpoint)

from tiny_action.apis import (InferenceInputError, TinyActionInferencer,
                              prefetch, window_bounds)
from tiny_action.datasets.transforms import TinyVideoReader
from tiny_action.tools.demo.data import CLASSES
from tiny_action.tools.ensemble import save_thresholds


@pytest.fixture(scope='module')
def model_files(tmp_path_factory, mini_demo):
    tmp = tmp_path_factory.mktemp('infer')
    cfg = tiny_config(tmp / 'cfg.py', mini_demo)
    return cfg, write_random_checkpoint(cfg, tmp / 'model.pth')


@pytest.fixture(scope='module')
def inferencer(model_files):
    cfg, ckpt = model_files
    return TinyActionInferencer(str(cfg), str(ckpt), device='cpu',
                                show_progress=False)


@pytest.fixture(scope='module')
def test_videos(mini_demo):
    ann = json.loads((mini_demo / 'tiny_test_v2.json').read_text())
    return [str(mini_demo / 'videos' / 'test' / e['path']) for e in ann]


def _scores(result, classes=CLASSES) -> np.ndarray:
    return np.array([[p['scores'][c] for c in classes]
                     for p in result['predictions']], dtype=np.float32)


def test_scores_equal_the_test_loop(inferencer, model_files):
    """The test dataset + model.test_step in the config's batches (what
    tools/test.py runs) give exactly the inferencer's probabilities."""
    from mmaction.registry import DATASETS
    from mmengine.config import Config
    from mmengine.dataset import pseudo_collate
    cfg = Config.fromfile(str(model_files[0]))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    bs = cfg.test_dataloader.batch_size
    expected = []
    with torch.no_grad():
        for i in range(0, len(dataset), bs):
            batch = pseudo_collate([dataset[j] for j in range(
                i, min(i + bs, len(dataset)))])
            expected += [s.pred_score.numpy()
                         for s in inferencer.model.test_step(batch)]
    paths = [dataset.get_data_info(i)['filename']
             for i in range(len(dataset))]
    got = _scores(inferencer(paths, batch_size=bs))
    np.testing.assert_array_equal(got, np.stack(expected))
    assert 0 < got.min() and got.max() < 1 and got.std() > 0.05  # spread
    # another batch size changes only the float rounding of the convolutions
    np.testing.assert_allclose(_scores(inferencer(paths, batch_size=1)), got,
                               atol=1e-6, rtol=0)


def test_labels_are_thresholded_sigmoid_scores(inferencer, test_videos):
    result = inferencer(test_videos[:4], batch_size=4)
    for pred in result['predictions']:
        assert pred['labels'] == [c for c in CLASSES
                                  if pred['scores'][c] >= 0.5]
    assert result['classes'] == list(CLASSES)
    assert result['num_skipped'] == 0


def test_window_bounds():
    assert window_bounds(10, 4, 3) == [(0, 4), (3, 7), (6, 10)]
    assert window_bounds(11, 4, 3) == [(0, 4), (3, 7), (6, 10), (7, 11)]
    assert window_bounds(3, 4, 2) == [(0, 3)]
    assert window_bounds(4, 4, 4) == [(0, 4)]


def test_a_window_is_the_clip_of_its_frames(inferencer, test_videos):
    """Each window scores exactly as a clip made of its frames; a window
    longer than the clip is the whole clip."""
    path = test_videos[0]
    reader = TinyVideoReader(path)
    frames = reader.get_batch(range(len(reader)))
    windowed = inferencer([path], window=8, stride=5)['predictions'][0]
    bounds = window_bounds(len(frames), 8, 5)
    assert [(w['start'], w['end']) for w in windowed['windows']] == bounds
    clips = inferencer([frames[s:e] for s, e in bounds])
    np.testing.assert_array_equal(
        _scores(clips), _scores(dict(predictions=windowed['windows'])))
    assert windowed['num_frames'] == len(frames)
    # video level: the highest window probability, the labels of any window
    for c in CLASSES:
        assert windowed['scores'][c] == max(w['scores'][c]
                                            for w in windowed['windows'])
    assert set(windowed['labels']) == set().union(
        *(w['labels'] for w in windowed['windows']))
    whole = _scores(inferencer([path]))
    np.testing.assert_array_equal(
        _scores(inferencer([path], window=1000)), whole)
    np.testing.assert_array_equal(_scores(inferencer([frames])), whole)


def test_thresholds_file_and_map(model_files, test_videos, tmp_path):
    cfg, ckpt = model_files
    plain = TinyActionInferencer(str(cfg), str(ckpt), show_progress=False)
    scores = _scores(plain(test_videos[:3], batch_size=3))
    # thresholds between the clips' scores: each class splits them
    thr = np.sort(scores, axis=0)[1] - 1e-6
    path = tmp_path / 'thresholds.json'
    save_thresholds(str(path), thr, CLASSES)
    for spec in (str(path), dict(zip(CLASSES, thr.tolist()))):
        inf = TinyActionInferencer(str(cfg), str(ckpt), thresholds=spec,
                                   show_progress=False)
        result = inf(test_videos[:3], batch_size=3)
        np.testing.assert_allclose(result['thresholds'], thr)
        for row, pred in zip(scores, result['predictions']):
            assert pred['labels'] == [c for c, s, t in zip(CLASSES, row, thr)
                                      if s >= t]
    with pytest.raises(ValueError, match='missing'):
        TinyActionInferencer(str(cfg), str(ckpt),
                             thresholds={'walking': 0.3})


def test_groups_keep_one_class_each(model_files, test_videos):
    cfg, ckpt = model_files
    group = ['walking', 'running', 'jumping']
    inf = TinyActionInferencer(str(cfg), str(ckpt), thresholds=0.0,
                               groups=dict(groups=dict(motion=group)),
                               show_progress=False)
    for pred in inf(test_videos[:4], batch_size=4)['predictions']:
        best = max(group, key=lambda c: pred['scores'][c])
        assert pred['labels'] == [c for c in CLASSES
                                  if c not in group or c == best]


def test_kd_checkpoint_runs_the_student(model_files, mini_demo, tmp_path,
                                        test_videos):
    """A distillation config and checkpoint (student.* and teacher.*) give
    the plain recognizer's scores; the teacher is never built."""
    cfg, _ = model_files
    plain_ckpt = write_random_checkpoint(cfg, tmp_path / 'plain.pth', seed=3)
    kd_ckpt = write_kd_checkpoint(cfg, tmp_path / 'kd.pth', seed=3)
    kd_cfg = tiny_config(tmp_path / 'kd.py', mini_demo,
                         base='configs/demo/demo_kd.py',
                         extra="model = dict(teacher_ckpt='/nonexistent.pth')")
    want = _scores(TinyActionInferencer(str(cfg), str(plain_ckpt),
                                        show_progress=False)(test_videos[:4]))
    kd = TinyActionInferencer(str(kd_cfg), str(kd_ckpt), show_progress=False)
    assert type(kd.model.cls_head).__name__ == 'KDHead'
    assert not hasattr(kd.model, 'teacher')
    np.testing.assert_array_equal(_scores(kd(test_videos[:4])), want)
    # an extracted student checkpoint loads into the KD config too
    kd_plain = TinyActionInferencer(str(kd_cfg), str(plain_ckpt),
                                    show_progress=False)
    np.testing.assert_array_equal(_scores(kd_plain(test_videos[:4])), want)


def test_mismatched_checkpoint_names_the_file(mini_demo, tmp_path):
    cfg = tiny_config(tmp_path / 'cfg.py', mini_demo)
    other = tiny_config(tmp_path / 'other.py', mini_demo,
                        extra='model = dict(cls_head=dict(num_classes=5))')
    ckpt = write_random_checkpoint(other, tmp_path / 'five.pth')
    with pytest.raises(ValueError, match=r'five\.pth.*shape mismatch'):
        TinyActionInferencer(str(cfg), str(ckpt))
    with pytest.raises(FileNotFoundError, match=r'absent\.pth'):
        TinyActionInferencer(str(cfg), str(tmp_path / 'absent.pth'))
    with pytest.raises(FileNotFoundError, match=r'config file .*absent\.py'):
        TinyActionInferencer(str(tmp_path / 'absent.py'), str(ckpt))


def test_bad_inputs_each_give_their_error(inferencer, test_videos,
                                          tmp_path):
    bad = bad_inputs(tmp_path / 'bad')
    for path, message in bad.items():
        with pytest.raises(InferenceInputError,
                           match=re.escape(path) + '.*' + message):
            inferencer([test_videos[0], path])
        with pytest.raises(InferenceInputError, match=re.escape(path)):
            inferencer([path], window=8)
    with pytest.raises(InferenceInputError, match='<array 0>.*uint8'):
        inferencer([np.zeros((4, 8, 8, 3), np.float32)])


def test_skip_lists_and_counts_bad_inputs(inferencer, test_videos, tmp_path):
    bad = bad_inputs(tmp_path / 'bad')
    inputs = [test_videos[0]] + list(bad) + [test_videos[1]]
    for window in (None, 8):
        result = inferencer(inputs, batch_size=3, window=window,
                            on_error='skip')
        assert [p['input'] for p in result['predictions']] == \
            test_videos[:2]
        assert result['num_skipped'] == len(bad)
        for skip, (path, message) in zip(result['skipped'], bad.items()):
            assert skip['input'] == path and message in skip['error']


def test_folder_input_is_searched_recursively(inferencer, mini_demo,
                                              test_videos):
    result = inferencer(str(mini_demo / 'videos' / 'test'), batch_size=8)
    assert [p['input'] for p in result['predictions']] == sorted(test_videos)


def test_output_files(inferencer, test_videos, tmp_path):
    bad = str(tmp_path / 'missing.mp4')
    inputs = test_videos[:2] + [bad]
    result = inferencer(inputs, window=16, stride=8, on_error='skip',
                        pred_out_file=str(tmp_path / 'p.json'))
    saved = json.loads((tmp_path / 'p.json').read_text())
    assert saved['predictions'] == result['predictions']
    assert saved['skipped'][0]['input'] == bad and saved['num_skipped'] == 1
    inferencer(inputs, window=16, stride=8, on_error='skip',
               pred_out_file=str(tmp_path / 'p.csv'))
    rows = list(csv.DictReader((tmp_path / 'p.csv').open()))
    windows = [w for p in result['predictions'] for w in p['windows']]
    assert len(rows) == len(windows) + 1
    for row, w in zip(rows, windows):
        assert int(row['start']) == w['start'] and row['labels'] == \
            ';'.join(w['labels'])
        assert float(row['walking']) == w['scores']['walking']
    assert rows[-1]['input'] == bad and 'does not exist' in rows[-1]['error']
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'p.csv', 'p.json']  # no temporary file left


def test_pictures(inferencer, test_videos, tmp_path):
    import cv2
    from PIL import Image
    path = test_videos[0]
    n = len(TinyVideoReader(path))
    result = inferencer([path], window=8, stride=4, vid_out_dir=str(tmp_path),
                        out_type='gif', vis_height=96)
    stem = tmp_path / path.rsplit('/', 1)[-1][:-4]
    assert sorted(result['visualization']) == sorted(
        str(p) for p in (stem.with_suffix('.gif'), stem.with_suffix('.png'),
                         tmp_path / (stem.name + '_timeline.png')))
    gif = Image.open(stem.with_suffix('.gif'))
    assert gif.n_frames == n and gif.size[1] == 96
    still = cv2.imread(str(stem.with_suffix('.png')))
    assert still.shape[0] == 96 and still.shape[1] > 96
    inferencer([path], vid_out_dir=str(tmp_path / 'mp4'))
    written = TinyVideoReader(str(tmp_path / 'mp4' / (stem.name + '.mp4')))
    assert len(written) == n and written.shape[0] == 256
    assert not (tmp_path / 'mp4' / (stem.name + '_timeline.png')).exists()


def test_bad_arguments(inferencer, model_files):
    for kwargs, message in [
        (dict(stride=2), '`stride` needs `window`'),
        (dict(window=0), '`window` should be an int >= 1'),
        (dict(batch_size=0), '`batch_size` should be an int >= 1'),
        (dict(on_error='ignore'), '`on_error`'),
        (dict(pred_out_file='p.txt'), r'\.json or \.csv'),
        (dict(out_type='avi'), '`out_type`'),
    ]:
        with pytest.raises(ValueError, match=message):
            inferencer([], **kwargs)
    with pytest.raises(ValueError, match='`rank_by`'):
        TinyActionInferencer(str(model_files[0]), rank_by='best')


def test_prefetch_keeps_order_and_raises_in_place():

    def items():
        yield from range(3)
        raise OSError('bad file')

    got = []
    with pytest.raises(OSError, match='bad file'):
        for x in prefetch(items(), depth=2):
            got.append(x)
    assert got == [0, 1, 2]
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

"""Distillation tools on the mini demo: the SR (here high-res) teacher, the
knowledge cache (1 and 2 ranks), a KD student trained from the cache, its
extraction into a plain checkpoint, and dist_train.sh on a KD config."""
import json
import pickle
import re

import pytest
import torch
from conftest import run_tool, tiny_config


def _test_f1(proc) -> float:
    out = proc.stdout + proc.stderr
    return float(re.findall(r'Epoch\(test\).*? f1: ([0-9.]+)', out)[-1])


@pytest.fixture(scope='module')
def teacher(tmp_path_factory, mini_demo):
    tmp = tmp_path_factory.mktemp('teacher')
    cfg = tiny_config(tmp / 'hr.py', mini_demo, max_epochs=1,
                      base='configs/demo/demo_hr.py', video_dir='videos_hr')
    run_tool(['tools/train.py', cfg, '--work-dir', tmp / 'work'])
    return cfg, tmp / 'work/epoch_1.pth'


def test_cache_is_sharded_and_complete(teacher, tmp_path):
    cfg, ckpt = teacher
    one = tmp_path / 'one.json'
    run_tool(['tools/misc/cache_teacher.py', cfg, ckpt, one, '--num-views', 2])
    # two ranks run as separate jobs (RANK/WORLD_SIZE), then rank 0 merges
    two = tmp_path / 'two.json'
    for rank in (1, 0):
        run_tool(['tools/misc/cache_teacher.py', cfg, ckpt, two, '--num-views', 2],
                 env=dict(RANK=str(rank), WORLD_SIZE='2'))
    a, b = json.loads(one.read_text()), json.loads(two.read_text())
    assert len(a['scores']) == 16 and set(a['scores']) == set(b['scores'])
    parts = [json.loads((tmp_path / f'two.rank{r}-of-2.json').read_text())
             for r in range(2)]
    assert not set(parts[0]['scores']) & set(parts[1]['scores'])
    for k in a['scores']:
        assert a['scores'][k] == pytest.approx(b['scores'][k], abs=1e-5)
    assert a['meta']['classes'][0] == 'walking'


def test_cache_swaps_mirror_classes_of_flipped_views(teacher, tmp_path):
    """With a mirror pair in the teacher config's dataset, each flipped
    view's scores of the pair are swapped before averaging: the pair's sum
    and every other class are as without the pair, the pair itself is not
    (the views are averaged as 1/2 (p + swap(p')) instead of
    1/2 (p + p'))."""
    from mmengine.config import Config
    from tiny_action.tools.distillation.teacher_cache import \
        cache_teacher_knowledge
    cfg_path, ckpt = teacher
    out = {}
    for name, pairs in (('plain', None), ('paired', [('walking', 'running')])):
        cfg = Config.fromfile(str(cfg_path))
        cfg.train_dataloader.dataset.flip_label_pairs = pairs
        cache_teacher_knowledge(cfg, str(ckpt), str(tmp_path / name),
                                num_views=1, progress=False)
        out[name] = json.loads((tmp_path / name).read_text())
    a, b = out['plain'], out['paired']
    assert a['meta']['flip_label_pairs'] == []
    assert b['meta']['flip_label_pairs'] == [['walking', 'running']]
    walk, run = (a['meta']['classes'].index(n) for n in ('walking', 'running'))
    moved = 0.0
    for clip, p in a['scores'].items():
        q = b['scores'][clip]
        assert q[walk] + q[run] == pytest.approx(p[walk] + p[run], abs=1e-6)
        rest = [i for i in range(len(p)) if i not in (walk, run)]
        assert [q[i] for i in rest] == pytest.approx([p[i] for i in rest],
                                                     abs=1e-6)
        moved = max(moved, abs(q[walk] - p[walk]))
    assert moved > 1e-4


def test_kd_from_cache_then_extract_student(teacher, tmp_path, mini_demo):
    cfg, ckpt = teacher
    cache = tmp_path / 'cache.json'
    run_tool(['tools/misc/cache_teacher.py', cfg, ckpt, cache, '--num-views', 1])
    kd = tiny_config(tmp_path / 'kd.py', mini_demo, max_epochs=1,
                     base='configs/demo/demo_kd_cached.py',
                     extra=f'model = dict(knowledge_cache={str(cache)!r})')
    run_tool(['tools/train.py', kd, '--work-dir', tmp_path / 'kd'])
    kd_ckpt = tmp_path / 'kd/epoch_1.pth'
    student = tmp_path / 'student.pth'
    run_tool(['tools/model_converters/extract_student.py', kd_ckpt, student])
    state = torch.load(student)['state_dict']
    assert state and not any(k.startswith(('student.', 'teacher.'))
                             for k in state)
    # the plain (non-KD) config scores the extracted student exactly as the
    # KD config scores the KD checkpoint (test runs the student only)
    plain = tiny_config(tmp_path / 'plain.py', mini_demo, max_epochs=1)
    f1_kd = _test_f1(run_tool(['tools/test.py', kd, kd_ckpt]))
    f1_plain = _test_f1(run_tool(['tools/test.py', plain, student]))
    assert f1_kd == f1_plain


def test_dist_train_online_kd_two_ranks(teacher, tmp_path, mini_demo):
    if torch.cuda.is_available():
        pytest.skip('this test is for CPU machines (gloo)')
    _, ckpt = teacher
    kd = tiny_config(tmp_path / 'kd.py', mini_demo, max_epochs=1,
                     base='configs/demo/demo_kd.py', sr_dir='videos_hr',
                     extra=f'model = dict(teacher_ckpt={str(ckpt)!r})')
    proc = run_tool(['tools/dist_train.sh', kd, 2, '--work-dir',
                     tmp_path / 'work'], env=dict(PORT='29581'))
    log = proc.stdout + proc.stderr
    assert 'loss_kd' in log
    assert (tmp_path / 'work/epoch_1.pth').is_file()


def test_dist_train_paper_csn_kd_config_two_ranks(tmp_path, mini_demo):
    """The user's command, `tools/dist_train.sh configs/csn_kd.py N`, on the
    paper config itself (ir-CSN-152 student and teacher), at tiny sizes on
    the mini demo, 2 CPU ranks (gloo)."""
    if torch.cuda.is_available():
        pytest.skip('this test is for CPU machines (gloo)')
    from mmaction.registry import MODELS
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint
    teacher_cfg = Config.fromfile('configs/csn_sr.py').model
    teacher_cfg.cls_head.num_classes = 8
    teacher = MODELS.build(teacher_cfg)
    ckpt = tmp_path / 'csn_teacher.pth'
    save_checkpoint(dict(state_dict=teacher.state_dict()), str(ckpt))
    del teacher
    d = str(mini_demo)
    opts = [
        f'model.teacher_ckpt={ckpt}', 'model.student_init=None',
        'model.student.cls_head.num_classes=8',
        'model.teacher.cls_head.num_classes=8', 'train_cfg.max_epochs=1',
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        f'train_dataloader.dataset.ann_file={d}/tiny_train_v2.json',
        f'train_dataloader.dataset.class_map={d}/class_map.json',
        'train_dataloader.dataset.num_classes=8',
        'train_dataloader.dataset.tail_flip=None',
        'train_dataloader.dataset.flip_label_pairs=None',  # demo classes
        f'train_dataloader.dataset.data_prefix.video={d}/videos/train',
        f'train_dataloader.dataset.data_prefix.sr={d}/videos_hr/train',
        'train_dataloader.dataset.pipeline.1.num_segments=4',
        'train_dataloader.dataset.pipeline.4.scale=(32,32)',
        'train_dataloader.dataset.pipeline.4.sr_scale=(48,48)',
        'default_hooks.logger.interval=1'
    ]
    proc = run_tool(['tools/dist_train.sh', 'configs/csn_kd.py', 2,
                     '--work-dir', tmp_path / 'work', '--no-validate',
                     '--cfg-options'] + opts, env=dict(PORT='29591'))
    log = proc.stdout + proc.stderr
    assert 'loss_kd' in log and 'gloo' in log
    meta = torch.load(tmp_path / 'work/epoch_1.pth')['meta']
    assert meta['iter'] == 4  # 16 clips / 2 ranks / batch 2

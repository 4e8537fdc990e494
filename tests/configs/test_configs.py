"""Every shipped config: it loads, its model builds, and the recognition
configs carry the paper's settings; each backbone family trains two
iterations on CPU at a tiny input size; the Kinetics-400 checkpoints named by
``load_from`` fit the architectures.

Nothing here downloads: ``load_from`` and every backbone ``pretrained`` are
set to None, and any attempt to fetch a URL fails the test. The tiny size
(``tiny_clip_shape``) and the fake batch (``fake_batch``) are also what
``benchmarks/bench_train_step.py`` times.

Heaviest parts (CPU, one thread): building ir-CSN-152 / R(2+1)D-34 /
UniFormer-B at full width (a few seconds each) and one train step of each
family at 2 clips x 4 frames x 32 x 32 (8 frames for I3D), about 1-2 s each.
Two clips, not one: at 32 x 32 the last feature map is 1 x 1 x 1, and
BatchNorm in training needs more than one value per channel. (The same
1 x 1 x 1 BatchNorm makes the gradient norms of this tiny size huge, ~1e10,
against ~1e3 at 112 px; the config's gradient clipping keeps the step
finite, which is all these iterations check.)
"""
import ast
import copy
import functools
import json
import math
import re
from pathlib import Path
from typing import Dict, Optional, Tuple

import tiny_action  # noqa: F401  (compat shims + registration first)

import pytest
import torch
import yaml
from mmaction.registry import MODELS, PARAM_SCHEDULERS
from mmaction.structures import ActionDataSample
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.runner.checkpoint import _load_checkpoint_to_model

REPO = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO / 'configs'
# training / test configs (configs/ensemble/ holds ensemble recipes, tested
# in tests/tools/ensemble/test_ensemble_recipe.py)
SHIPPED = sorted(
    p for p in CONFIG_DIR.rglob('*.py')
    if '_base_' not in p.parts and 'ensemble' not in p.parts)
# plain low-res recognizers (the SR / KD variants are checked separately)
RECOGNITION = sorted(
    p for p in (CONFIG_DIR / 'recognition').rglob('*_tinyvirat-lr.py')
    if '-kd' not in p.name)
SR_CONFIGS = sorted((CONFIG_DIR / 'recognition').rglob('*_tinyvirat-sr.py'))
KD_CONFIGS = sorted((CONFIG_DIR / 'recognition').rglob('*-kd*.py'))
SHORT_NAMES = {
    'csn_lr.py': 'recognition/csn/ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    'uniformer_lr.py':
    'recognition/uniformer/uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    'r2plus1d_lr.py':
    'recognition/r2plus1d/r2plus1d_r34_asl_8xb8-16seg-30e_tinyvirat-lr.py',
    'r2plus1d_sust.py': 'recognition/r2plus1d/'
    'r2plus1d_r34_asl_8xb8-16rand-5view-30e_tinyvirat-lr-nobalance.py',
}
# Every seed-paper table row with a config: config -> (paper, table, row, F1).
# README "Model zoo" lists each with this number.
PAPER_ROWS = {
    'recognition/csn/ircsn_r152_bce_8xb8-16x1x1-30e_tinyvirat-lr-nobalance.py':
    ('Chen et al.', 'Table 1', 'ir-CSN, Without', 0.403),
    'recognition/csn/ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr-nobalance.py':
    ('Chen et al.', 'Table 1', 'ir-CSN, Uniform Sample', 0.442),
    'csn_lr.py': ('Chen et al.', 'Tables 1, 2',
                  'ir-CSN, Uniform Sample + Data Balance', 0.469),
    'recognition/uniformer/'
    'uniformer-base_bce_8xb8-16x1x1-30e_tinyvirat-lr-nobalance.py':
    ('Chen et al.', 'Table 1', 'UniFormer, Without', 0.404),
    'recognition/uniformer/'
    'uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr-nobalance.py':
    ('Chen et al.', 'Table 1', 'UniFormer, Uniform Sample', 0.439),
    'uniformer_lr.py': ('Chen et al.', 'Table 1',
                        'UniFormer, Uniform Sample + Data Balance', 0.452),
    'csn_sr.py': ('Chen et al.', 'Table 2', 'ir-CSN (SR)', 0.484),
    'csn_kd.py': ('Chen et al.', 'Table 2', 'ir-CSN (SR+KD)', 0.492),
    'ensemble/table3_tinyvirat.py': ('Chen et al.', 'Table 3',
                                     '12-model ensemble + post-processing',
                                     0.883),
    'recognition/r2plus1d/'
    'r2plus1d_r34_asl_8xb8-16rand-30e_tinyvirat-lr-nobalance.py':
    ('Wang et al.', 'Table 1', 'Single sample', 0.4016),
    'r2plus1d_sust.py': ('Wang et al.', 'Table 1',
                         'Five samples (Final submission)', 0.4102),
}
# One config per backbone family for the training iterations.
FAMILIES = {
    'csn': 'recognition/csn/ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    'uniformer':
    'recognition/uniformer/uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    'r2plus1d':  # trains with ASL
    'recognition/r2plus1d/r2plus1d_r34_asl_8xb8-16seg-30e_tinyvirat-lr.py',
    'i3d': 'recognition/i3d/i3d_r50_bce_8xb8-16seg-30e_tinyvirat-lr.py',
    'r3d': 'recognition/r3d/r3d_r18_bce_8xb8-16seg-30e_tinyvirat-lr.py',
}
BACKBONES = {
    'csn': 'ResNet3dCSN',
    'uniformer': 'UniFormer',
    'r2plus1d': 'ResNet2Plus1d',
    'i3d': 'ResNet3d',
    'r3d': 'ResNet3d',
}
MMACTION_CONFIGS = Path(__import__('mmaction').__file__).parent / '.mim' / \
    'configs'
TINY_BATCH, TINY_FRAMES, TINY_SIZE = 2, 4, 32


def rel(path: Path) -> str:
    return str(path.relative_to(CONFIG_DIR))


# ------------------------------------------------------------ shared helpers
def _no_pretrained(node) -> None:
    """Set every ``pretrained`` string under a model config to None."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == 'pretrained' and isinstance(value, str):
                node[key] = None
            else:
                _no_pretrained(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _no_pretrained(value)


def load_offline(path: Path, tmp_dir: Optional[Path] = None) -> Config:
    """Load a config with every external weight disabled: ``load_from`` and
    backbone ``pretrained`` -> None. A distillation teacher checkpoint
    (``teacher_ckpt``) or knowledge cache (``knowledge_cache``, JSON
    ``{"scores": {clip id: probabilities}}``) becomes a random / constant
    one in ``tmp_dir``."""
    cfg = Config.fromfile(str(path))
    cfg.load_from = None
    _no_pretrained(cfg.model)
    model = cfg.model
    if model.get('student_init'):
        model['student_init'] = None
    if model.get('teacher_ckpt') or model.get('knowledge_cache'):
        if tmp_dir is None:
            raise ValueError(f'{path} needs a teacher: pass tmp_dir')
        if model.get('knowledge_cache'):
            head = dict(model['student']['cls_head'])
            cache = dict(scores={'clip0': [0.5] * head['num_classes']})
            model['knowledge_cache'] = str(tmp_dir / 'knowledge.json')
            with open(model['knowledge_cache'], 'w') as f:
                json.dump(cache, f)
        else:
            with DefaultScope.overwrite_default_scope('mmaction'):
                teacher = MODELS.build(copy.deepcopy(model['teacher']))
            model['teacher_ckpt'] = str(tmp_dir / 'teacher.pth')
            torch.save(dict(state_dict=teacher.state_dict()),
                       model['teacher_ckpt'])
    return cfg


def _backbone_cfg(model_cfg: dict) -> dict:
    """The (student's) backbone config."""
    if 'backbone' in model_cfg:
        return model_cfg['backbone']
    return model_cfg['student']['backbone']


def tiny_clip_shape(model_cfg: dict) -> Tuple[int, int]:
    """``(frames, size)`` of the tiny test clip: 4 frames of 32 x 32, or
    as many frames as the temporal down-sampling of the stem needs (I3D: conv1
    and pool1 stride 2, then pool2 of 2 frames -> 8)."""
    bb = _backbone_cfg(model_cfg)
    t_stride = bb.get('conv1_stride_t', 1) * bb.get('pool1_stride_t', 1)
    if bb['type'] == 'ResNet3d' and bb.get('with_pool2', True):
        t_stride *= 2
    return max(TINY_FRAMES, t_stride), TINY_SIZE


def _num_classes(model_cfg: dict) -> int:
    head = model_cfg.get('cls_head') or model_cfg['student']['cls_head']
    return head['num_classes']


def fake_batch(model_cfg: dict, batch: int = TINY_BATCH) -> dict:
    """A fake training batch at the tiny size: pixel values in [0, 255],
    one view per clip, different multi-hot labels (and, for distillation,
    a super-resolved twin of the same size / a cached clip id)."""
    frames, size = tiny_clip_shape(model_cfg)
    num_classes = _num_classes(model_cfg)
    gen = torch.Generator().manual_seed(0)
    inputs, samples = [], []
    for i in range(batch):
        clip = torch.randint(0, 256, (1, 3, frames, size, size),
                             generator=gen).float()
        label = torch.zeros(num_classes)
        label[i % num_classes] = 1
        label[(3 * i + 1) % num_classes] = 1
        sample = ActionDataSample().set_gt_label(label)
        sample.set_metainfo(dict(id='clip0'))
        if model_cfg.get('teacher') is not None:
            sample.sr_inputs = clip.clone()
        inputs.append(clip)
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def build_model(cfg: Config):
    with DefaultScope.overwrite_default_scope('mmaction'):
        return MODELS.build(copy.deepcopy(cfg.model))


# Built models of the FAMILIES configs (keyed by their model config), shared
# by the build, checkpoint and training tests and by the short-name configs
# that have the same model: each full-size backbone is built once or twice.
_MODELS: Dict[str, torch.nn.Module] = {}


def _key(cfg: Config) -> str:
    return repr(cfg.model.to_dict())


@functools.lru_cache()
def _family_keys() -> frozenset:
    return frozenset(
        _key(load_offline(CONFIG_DIR / p)) for p in FAMILIES.values())


def get_model(cfg: Config) -> torch.nn.Module:
    """Build ``cfg.model``; models of the FAMILIES configs are kept."""
    key = _key(cfg)
    if key in _MODELS:
        return _MODELS[key]
    model = build_model(cfg)
    if key in _family_keys():
        _MODELS[key] = model
    return model


@pytest.fixture(autouse=True)
def no_downloads(monkeypatch):
    """Fail, instead of downloading, if anything fetches a URL."""
    import mmengine.runner.checkpoint as ckpt

    def refuse(url, *args, **kwargs):
        raise AssertionError(f'the test tried to download {url}')

    monkeypatch.setattr(ckpt, 'load_url', refuse)


@pytest.fixture(scope='module')
def one_thread():
    """One torch thread: stable timings on a shared 2-core machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# --------------------------------------------------------------- every config
def test_configs_are_found():
    names = {rel(p) for p in SHIPPED}
    assert set(FAMILIES.values()) <= names
    assert set(SHORT_NAMES) <= names
    assert {rel(p) for p in RECOGNITION} <= names


@pytest.mark.parametrize('path', SHIPPED, ids=rel)
def test_config_builds(path, tmp_path, one_thread):
    cfg = load_offline(path, tmp_path)
    assert cfg.load_from is None
    model = get_model(cfg)
    assert sum(p.numel() for p in model.parameters()) > 0
    assert cfg.custom_imports['imports'] == ['tiny_action']


# ------------------------------------------------------------ paper settings
@pytest.mark.parametrize('path', RECOGNITION, ids=rel)
def test_recognition_config_settings(path):
    cfg = Config.fromfile(str(path))
    name = path.name
    # STYLE naming: {algo}_{backbone}_{loss}_{N}xb{B}-16seg-{E}e_tinyvirat-lr
    match = re.fullmatch(
        r'[a-z0-9-]+_(?:r\d+_)?(bce|asl)_(\d+)xb(\d+)-(\d+)seg-(\d+)e_'
        r'tinyvirat-lr\.py', name)
    assert match, f'{name} does not follow the naming scheme'
    loss, _, batch, segments, epochs = match.groups()
    head = cfg.model.cls_head
    expected_loss = dict(bce='BCELossWithLogits', asl='AsymmetricLoss')[loss]
    assert head.loss_cls == dict(type=expected_loss), head.loss_cls
    assert head.type == 'ASLHead' and head.average_clips == 'prob'
    assert head.num_classes == cfg.num_classes == 26
    assert cfg.model.data_preprocessor.format_shape == 'NCTHW'
    assert cfg.train_dataloader.batch_size == int(batch)
    assert cfg.train_cfg.max_epochs == int(epochs)
    # 16 uniform segments, 112 px, tail-class flips, in train and test
    train = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    test = {t['type']: t for t in cfg.test_dataloader.dataset.pipeline}
    for pipe in (train, test):
        assert pipe['UniformSegment']['num_segments'] == int(segments) == 16
        assert pipe['PairedResize']['scale'] == (112, 112)
    assert 'TailFlipBalance' in train and 'TailFlipBalance' not in test
    assert cfg.train_dataloader.dataset.tail_flip
    # mirrored turns swap labels; every epoch kept for the ensemble
    assert [tuple(p) for p in cfg.train_dataloader.dataset.flip_label_pairs] \
        == [('vehicle_turning_left', 'vehicle_turning_right')]
    assert cfg.default_hooks.checkpoint.type == 'SlimCheckpointHook'
    assert cfg.default_hooks.checkpoint.max_keep_ckpts == -1
    # AdamW, linear warmup, then cosine annealing with restarts
    assert cfg.optim_wrapper.optimizer.type == 'AdamW'
    assert [s['type'] for s in cfg.param_scheduler] == [
        'LinearLR', 'CosineRestartLR'
    ]
    cosine = cfg.param_scheduler[1]
    assert len(cosine['periods']) > 1
    assert cosine['begin'] == cfg.param_scheduler[0]['end']
    assert cosine['end'] == cfg.train_cfg.max_epochs
    assert sum(cosine['periods']) == cosine['end'] - cosine['begin']
    # pretrained: a model-zoo URL (or from scratch), never a local path
    assert cfg.load_from is None or cfg.load_from.startswith(
        'https://download.openmmlab.com/mmaction/v1.0/recognition/')


def test_paper_hyperparameters():
    csn = Config.fromfile(str(CONFIG_DIR / FAMILIES['csn']))
    assert csn.optim_wrapper.optimizer.lr == 1e-4
    assert csn.model.cls_head.dropout_ratio == 0.5
    assert csn.model.backbone.depth == 152
    assert csn.model.backbone.bottleneck_mode == 'ir'
    uni = Config.fromfile(str(CONFIG_DIR / FAMILIES['uniformer']))
    assert uni.optim_wrapper.optimizer.lr == 2e-4
    assert uni.model.backbone.drop_path_rate == 0.4
    assert uni.model.backbone.depth == [5, 8, 20, 7]  # UniFormer-B
    r2p1d = Config.fromfile(str(CONFIG_DIR / FAMILIES['r2plus1d']))
    assert r2p1d.model.backbone.depth == 34


@pytest.mark.parametrize('family', sorted(BACKBONES))
def test_asl_variant_changes_only_the_loss(family):
    paths = sorted((CONFIG_DIR / 'recognition' / family).glob('*.py'))
    bce = [p for p in paths if '_bce_' in p.name]
    # (the paper-row variants are checked by test_paper_row_configs_*)
    for asl in (p for p in paths if '_asl_' in p.name and p in RECOGNITION):
        twin = asl.with_name(asl.name.replace('_asl_', '_bce_'))
        assert twin in bce
        a = Config.fromfile(str(asl)).to_dict()
        b = Config.fromfile(str(twin)).to_dict()
        a['model']['cls_head'].pop('loss_cls')
        b['model']['cls_head'].pop('loss_cls')
        assert a == b


@pytest.mark.parametrize('short', sorted(SHORT_NAMES))
def test_short_name_is_only_the_long_config(short):
    path = CONFIG_DIR / short
    tree = ast.parse(path.read_text())
    assigned = [t.id for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets]
    assert assigned == ['_base_'] and len(tree.body) == 1, \
        f'{short} should only set _base_'
    assert Config.fromfile(str(path))._cfg_dict == Config.fromfile(
        str(CONFIG_DIR / SHORT_NAMES[short]))._cfg_dict


def test_schedule_warmup_then_cosine_restarts():
    cfg = Config.fromfile(str(CONFIG_DIR / FAMILIES['csn']))
    lr, epoch_len = cfg.optim_wrapper.optimizer.lr, 10
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.AdamW([param], lr=lr)
    schedulers = []
    for sched in copy.deepcopy(cfg.param_scheduler):
        assert sched.pop('convert_to_iter_based')
        cls = PARAM_SCHEDULERS.get(sched.pop('type'))
        schedulers.append(
            cls.build_iter_from_epoch(
                optimizer, **sched, epoch_length=epoch_len))
    lrs = []
    for _ in range(cfg.train_cfg.max_epochs * epoch_len):
        lrs.append(optimizer.param_groups[0]['lr'])
        optimizer.step()
        for s in schedulers:
            s.step()
    warmup = cfg.param_scheduler[0]['end'] * epoch_len
    assert lrs[0] == pytest.approx(0.1 * lr)
    assert all(a < b for a, b in zip(lrs[:warmup - 1], lrs[1:warmup]))
    starts = [warmup]
    for period in cfg.param_scheduler[1]['periods'][:-1]:
        starts.append(starts[-1] + period * epoch_len)
    for start in starts:  # every cycle restarts at the full lr
        assert lrs[start] == pytest.approx(lr)
        assert lrs[start - 1] < 0.1 * lr or start == warmup
    assert lrs[-1] < 0.01 * lr
    assert max(lrs) == pytest.approx(lr)


# ----------------------------------------------------- Kinetics-400 checkpoints
def _zoo_config(url: str) -> Optional[Path]:
    """The installed mmaction2 config of a model-zoo checkpoint URL, looked
    up in mmaction2's metafile.yml files."""
    for meta in sorted((MMACTION_CONFIGS / 'recognition').glob(
            '*/metafile.yml')):
        for entry in yaml.safe_load(meta.read_text()).get('Models', []):
            if entry.get('Weights') == url:
                return MMACTION_CONFIGS / entry['Config'].split('/', 1)[1]
    return None


@pytest.mark.parametrize(
    'family', [f for f in FAMILIES if f != 'r3d'])  # r3d: from scratch
def test_kinetics_checkpoint_fits(family, one_thread):
    """The checkpoint named by ``load_from`` is that of an mmaction2 config
    whose recognizer has our parameters exactly, except the 400-class
    classifier; loading it as the runner does (non-strict) fills the
    backbone and leaves the 26-class head alone."""
    path = CONFIG_DIR / FAMILIES[family]
    url = Config.fromfile(str(path)).load_from
    zoo_cfg = _zoo_config(url)
    assert zoo_cfg, f'{url} is not in mmaction2 metafiles'
    upstream = Config.fromfile(str(zoo_cfg))
    _no_pretrained(upstream.model)
    ours = get_model(load_offline(path))
    theirs = build_model(upstream).state_dict()
    mine = ours.state_dict()
    head = {'cls_head.fc_cls.weight', 'cls_head.fc_cls.bias'}
    assert set(mine) == set(theirs)
    assert {k for k in mine if mine[k].shape != theirs[k].shape} == head
    assert theirs['cls_head.fc_cls.weight'].shape[0] == 400
    head_before = mine['cls_head.fc_cls.weight'].clone()
    _load_checkpoint_to_model(ours, dict(state_dict=theirs), strict=False)
    first = next(k for k in theirs if k.startswith('backbone.'))
    assert torch.equal(ours.state_dict()[first], theirs[first])
    assert torch.equal(ours.cls_head.fc_cls.weight, head_before)


# -------------------------------------------------------- training iterations
@pytest.mark.parametrize('family', sorted(FAMILIES))
def test_family_trains_two_iterations(family, one_thread):
    path = CONFIG_DIR / FAMILIES[family]
    cfg = load_offline(path)
    model = get_model(cfg)
    assert type(model.backbone).__name__ == BACKBONES[family]
    torch.manual_seed(0)
    model.train()
    with DefaultScope.overwrite_default_scope('mmaction'):
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    data = fake_batch(cfg.model)
    trainable = {
        n: p.detach().clone()
        for n, p in model.named_parameters() if p.requires_grad
    }
    for _ in range(2):
        log_vars = model.train_step(data, optim_wrapper)
        loss = float(log_vars['loss'].detach())
        assert math.isfinite(loss) and loss > 0, log_vars
    params = dict(model.named_parameters())
    changed = [n for n, v in trainable.items() if not torch.equal(
        params[n].detach(), v)]
    assert 'cls_head.fc_cls.weight' in changed
    assert any(n.startswith('backbone.') for n in changed)
    assert len(changed) == len(trainable), \
        f'unchanged: {sorted(set(trainable) - set(changed))[:5]}'
    _MODELS.pop(_key(cfg), None)  # free memory: the model's last user


# ------------------------------------------------------- SR teacher and KD
@pytest.mark.parametrize('path', SR_CONFIGS, ids=rel)
def test_sr_teacher_configs(path):
    cfg = Config.fromfile(str(path))
    lr = Config.fromfile(str(path).replace('_tinyvirat-sr.py',
                                           '_tinyvirat-lr.py'))
    assert cfg.model == lr.model  # same recognizer, other input
    assert cfg.optim_wrapper == lr.optim_wrapper
    for split in ('train', 'val', 'test'):
        ds = cfg[f'{split}_dataloader'].dataset
        assert '/videos_sr/' in ds.data_prefix['video']
        sizes = [t['scale'] for t in ds.pipeline if t['type'] == 'PairedResize']
        assert sizes == [(224, 224)]  # the paper's SR size


@pytest.mark.parametrize('path', KD_CONFIGS, ids=rel)
def test_kd_configs(path):
    cfg = Config.fromfile(str(path))
    model = cfg.model
    assert model.type == 'DualResolutionRecognizer'
    assert model.student_overrides.cls_head == dict(type='KDHead', alpha=0.5)
    assert model.student_init.startswith('https://download.openmmlab.com/')
    assert cfg.train_dataloader.dataset.data_prefix['video'].endswith(
        '/videos/train')
    assert cfg.val_dataloader.dataset.data_prefix == dict(
        video='data/TinyVIRAT-v2/videos/val')  # the student alone is tested
    if 'cached' in path.name:
        assert model.knowledge_cache and 'teacher' not in model
        return
    sr = Config.fromfile(str(path).replace('-kd_', '_').replace(
        '_tinyvirat-lr-sr.py', '_tinyvirat-sr.py'))
    assert model.teacher == sr.model  # the SR config's recognizer
    assert model.student == sr.model
    assert cfg.train_dataloader.dataset.data_prefix['sr'].endswith(
        '/videos_sr/train')
    resize = [t for t in cfg.train_dataloader.dataset.pipeline
              if t['type'] == 'PairedResize']
    assert resize[0]['scale'] == (112, 112)
    assert resize[0]['sr_scale'] == (224, 224)
    assert cfg.custom_hooks == [dict(type='TeacherCheckHook')]


# ------------------------------------------------------------- paper tables
def _flat(cfg: Config) -> dict:
    return cfg.to_dict()


def _parent(path: Path) -> Path:
    """The (first) config a leaf inherits."""
    tree = ast.parse(path.read_text())
    node = next(n for n in tree.body if isinstance(n, ast.Assign)
                and n.targets[0].id == '_base_')
    return (path.parent / ast.literal_eval(node.value)[0]).resolve()


def _pipelines(cfg: Config) -> Tuple[list, list]:
    return (cfg.train_dataloader.dataset.pipeline,
            cfg.test_dataloader.dataset.pipeline)


def test_paper_rows_exist_and_readme_model_zoo_lists_them():
    readme = (REPO / 'README.md').read_text()
    zoo = readme[readme.index('## Model zoo'):]
    zoo = zoo[:zoo.index('\n## ', 5)]
    for config, (paper, table, row, f1) in PAPER_ROWS.items():
        assert (CONFIG_DIR / config).is_file(), config
        line = next((ln for ln in zoo.splitlines() if f'`{config}`' in ln),
                    None)
        assert line, f'README "Model zoo" has no row for {config}'
        assert f'| {f1} |' in line and row in line, line


@pytest.mark.parametrize('path', sorted(
    (CONFIG_DIR / 'recognition').rglob('*-nobalance.py')), ids=rel)
def test_paper_row_configs_change_one_thing(path):
    """Each Table 1 / SUSTech&HKU config is its parent with one change."""
    cfg, parent = Config.fromfile(str(path)), Config.fromfile(
        str(_parent(path)))
    a, b = _flat(cfg), _flat(parent)
    train, test = _pipelines(cfg)
    p_train, p_test = _pipelines(parent)
    assert a['model'] == b['model'] and a['optim_wrapper'] == b[
        'optim_wrapper'] and a['param_scheduler'] == b['param_scheduler']
    ds, p_ds = cfg.train_dataloader.dataset, parent.train_dataloader.dataset
    if p_ds.tail_flip:  # "-nobalance": data balance off, nothing else
        assert ds.tail_flip is None
        assert (train, test) == (p_train, p_test)
        return
    assert ds.tail_flip is None
    changed = [i for i, (x, y) in enumerate(zip(train + test, p_train +
                                                 p_test)) if x != y]
    assert changed and {i % len(train) for i in changed} <= {1}, changed
    assert cfg.val_dataloader.dataset.pipeline == test
    if '16x1x1' in path.name:  # "Without" uniform sampling
        assert train[1] == dict(type='SampleFrames', clip_len=16,
                                frame_interval=1, num_clips=1)
        assert test[1] == dict(train[1], test_mode=True)
    elif '5view' in path.name:  # 5 test views, training unchanged
        assert train == p_train
        assert test[1] == dict(p_test[1], num_views=5)
    else:  # random 16-frame sampling
        assert train[1] == dict(p_train[1], sampling='random')
        assert test[1] == dict(p_test[1], sampling='random')


@pytest.mark.parametrize('path', [
    'recognition/csn/ircsn_r152_bce_8xb8-16x1x1-30e_tinyvirat-lr-nobalance.py',
    'r2plus1d_sust.py'])
def test_paper_row_pipelines_run(path, mini_demo):
    """The sampling of these rows runs on real (demo) clips: 16 frames per
    view; 5 views in the SUSTech&HKU test pipeline."""
    from mmaction.registry import DATASETS
    cfg = Config.fromfile(str(CONFIG_DIR / path))
    for split in ('train', 'test'):
        ds_cfg = copy.deepcopy(cfg[f'{split}_dataloader'].dataset)
        ds_cfg.update(ann_file=str(mini_demo / f'tiny_{split}_v2.json'),
                      class_map=str(mini_demo / 'class_map.json'),
                      num_classes=8, tail_flip=None, flip_label_pairs=None,
                      data_prefix=dict(video=str(mini_demo / 'videos' /
                                                 split)))
        with DefaultScope.overwrite_default_scope('mmaction'):
            item = DATASETS.build(ds_cfg)[0]
        views = 5 if split == 'test' and 'sust' in path else 1
        assert tuple(item['inputs'].shape) == (views, 3, 16, 112, 112)

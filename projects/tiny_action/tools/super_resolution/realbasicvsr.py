"""RealBasicVSR from mmagic as a fixed x4 generator: build, load, forward.

The network is mmagic's ``RealBasicVSRNet`` (``mmagic.models.editors.
real_basicvsr``), built from mmagic's registry under the ``mmagic`` scope
(under tiny-action's default ``mmaction`` scope the build would look in the
wrong registry). Nothing is downloaded: SPyNet is built with
``spynet_pretrained=None`` (its weights come with the RealBasicVSR
checkpoint) and no training parts (``PerceptualLoss`` / VGG19, the
discriminator) are ever built.
"""
import hashlib
import os.path as osp
import pickle
import re
from typing import Dict, Mapping, Optional, Tuple

import torch
from torch import nn

__all__ = [
    'OFFICIAL_ARCH', 'OFFICIAL_CHECKPOINT_URL', 'CheckpointError',
    'build_realbasicvsr_net', 'check_arch', 'infer_arch',
    'load_realbasicvsr_checkpoint', 'realbasicvsr_forward', 'file_sha256'
]

#: ``generator`` of mmagic's config ``configs/real_basicvsr/``
#: ``realbasicvsr_c64b20-1x30x8_8xb1-lr5e-5-150k_reds.py`` (of
#: ``dynamic_refine_thres`` the config says "change to 5 for test"; the
#: default here is the config's value, as mmagic's own inference uses it).
OFFICIAL_ARCH: Dict[str, object] = dict(
    mid_channels=64,
    num_propagation_blocks=20,
    num_cleaning_blocks=20,
    dynamic_refine_thres=255,
    is_fix_cleaning=False,
    is_sequential_cleaning=False)

#: Weights of that config in mmagic's model zoo
#: (``configs/real_basicvsr/metafile.yml``).
OFFICIAL_CHECKPOINT_URL = (
    'https://download.openmmlab.com/mmediting/restorers/real_basicvsr/'
    'realbasicvsr_c64b20_1x30x8_lr5e-5_150k_reds_20211104-52f77c2c.pth')

#: prefixes of the generator in a full mmagic ``RealBasicVSR`` checkpoint,
#: in the order ``generator_key='auto'`` tries them (mmagic tests with the
#: EMA generator when the model has one).
GENERATOR_KEYS = ('generator_ema', 'generator')


class CheckpointError(RuntimeError):
    """A RealBasicVSR checkpoint is missing, unreadable or does not fit."""


def check_arch(arch: Optional[Mapping] = None) -> Dict[str, object]:
    """``OFFICIAL_ARCH`` updated with ``arch``, checked.

    Raises:
        ValueError: an unknown key or a value of the wrong type / range.
    """
    arch = dict(arch or {})
    unknown = sorted(set(arch) - set(OFFICIAL_ARCH))
    if unknown:
        raise ValueError(f'unknown RealBasicVSR arch option(s) {unknown}; '
                         f'the options are {sorted(OFFICIAL_ARCH)}')
    full = dict(OFFICIAL_ARCH, **arch)
    if not _is_int(full['mid_channels']) or full['mid_channels'] < 1:
        raise ValueError('`mid_channels` should be an int >= 1, but got '
                         f'{full["mid_channels"]!r}')
    for key in ('num_propagation_blocks', 'num_cleaning_blocks'):
        if not _is_int(full[key]) or full[key] < 0:
            raise ValueError(f'`{key}` should be an int >= 0, but got '
                             f'{full[key]!r}')
    thres = full['dynamic_refine_thres']
    if isinstance(thres, bool) or not isinstance(thres,
                                                 (int, float)) or thres < 0:
        raise ValueError('`dynamic_refine_thres` should be a number >= 0 '
                         f'(in 0-255 pixel units), but got {thres!r}')
    for key in ('is_fix_cleaning', 'is_sequential_cleaning'):
        if not isinstance(full[key], bool):
            raise ValueError(f'`{key}` should be True or False, but got '
                             f'{full[key]!r}')
    return full


def _is_int(x) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def build_realbasicvsr_net(**arch) -> nn.Module:
    """Build mmagic's ``RealBasicVSRNet`` (random init, eval mode, no grad).

    Args:
        **arch: ``RealBasicVSRNet`` options (see :data:`OFFICIAL_ARCH`, the
            defaults); ``spynet_pretrained`` is always None.

    Returns:
        nn.Module: The network; load weights with
        :func:`load_realbasicvsr_checkpoint`.
    """
    arch = check_arch(arch)
    import tiny_action  # noqa: F401  (compat shims before mmagic)
    from mmagic.registry import MODELS as MMAGIC_MODELS
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmagic'):
        net = MMAGIC_MODELS.build(
            dict(type='RealBasicVSRNet', spynet_pretrained=None, **arch))
    net.eval().requires_grad_(False)
    return net


def infer_arch(state_dict: Mapping[str, torch.Tensor]) -> Dict[str, int]:
    """The structural options a bare ``RealBasicVSRNet`` state dict was made
    with (``mid_channels`` and the block counts); {} if not recognisable."""
    arch = {}
    w = state_dict.get('image_cleaning.0.main.0.weight')
    if isinstance(w, torch.Tensor) and w.ndim == 4:
        arch['mid_channels'] = int(w.shape[0])
    for key, prefix in (('num_cleaning_blocks', r'image_cleaning\.0'),
                        ('num_propagation_blocks',
                         r'basicvsr\.backward_resblocks')):
        pattern = re.compile(prefix + r'\.main\.2\.(\d+)\.')
        blocks = {m.group(1) for m in map(pattern.match, state_dict) if m}
        if any(k.startswith(prefix.replace('\\', '') + '.main.0.')
               for k in state_dict):
            arch[key] = len(blocks)
    return arch


def file_sha256(path: str, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def _extract_generator(obj, path: str,
                       generator_key: str) -> Tuple[dict, str]:
    """The net's state dict inside a loaded checkpoint, and where it was."""
    if not isinstance(obj, Mapping):
        raise CheckpointError(
            f'{path} holds a {type(obj).__name__}, not a checkpoint dict or '
            'a state dict')
    state = obj
    for key in ('state_dict', 'params_ema', 'params'):
        if isinstance(obj.get(key), Mapping):
            state = obj[key]
            break
    tensors = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
    if not tensors:
        raise CheckpointError(
            f'{path} has no tensors (top-level keys: {sorted(obj)[:10]})')
    if all(k.startswith('module.') for k in tensors):  # saved from DDP
        tensors = {k[len('module.'):]: v for k, v in tensors.items()}
    if generator_key == 'auto':
        present = [
            g for g in GENERATOR_KEYS
            if any(k.startswith(g + '.') for k in tensors)
        ]
        if not present:
            return tensors, 'bare'
        generator_key = present[0]
    elif generator_key not in GENERATOR_KEYS + ('bare', ):
        raise ValueError('`generator_key` should be "auto", "bare", '
                         f'"generator_ema" or "generator", but got '
                         f'{generator_key!r}')
    if generator_key == 'bare':
        return tensors, 'bare'
    prefix = generator_key + '.'
    sub = {k[len(prefix):]: v for k, v in tensors.items()
           if k.startswith(prefix)}
    if not sub:
        prefixes = sorted({k.split('.')[0] for k in tensors})
        raise CheckpointError(
            f'{path} has no "{prefix}*" weights (its top-level prefixes: '
            f'{prefixes[:10]})')
    return sub, generator_key


def load_realbasicvsr_checkpoint(net: nn.Module,
                                 path: str,
                                 generator_key: str = 'auto') -> dict:
    """Load RealBasicVSR weights into ``net`` (strictly).

    Accepted files: a full mmagic (or mmediting) ``RealBasicVSR`` checkpoint
    (``state_dict`` keys ``generator.*`` / ``generator_ema.*``, plus the
    discriminator's, which are ignored) or a bare ``RealBasicVSRNet`` state
    dict, either alone or under ``state_dict``. Keys saved from DDP
    (``module.``) are accepted too. The file is read with
    ``torch.load(weights_only=True)``.

    Args:
        net (nn.Module): A ``RealBasicVSRNet``.
        path (str): The checkpoint file.
        generator_key (str): Which generator of a full checkpoint to load:
            ``'auto'`` (``generator_ema`` if present, else ``generator``),
            ``'generator_ema'``, ``'generator'`` or ``'bare'``. Defaults to
            ``'auto'``.

    Returns:
        dict: ``source`` (the generator key used or ``'bare'``),
        ``num_tensors`` and ``sha256`` of the file.

    Raises:
        CheckpointError: the file is missing or unreadable, has no generator
            weights, or its keys / shapes do not match ``net`` (the message
            lists them and the arch the checkpoint appears to have).
    """
    if not path or not osp.isfile(path):
        raise CheckpointError(
            f'RealBasicVSR checkpoint {path!r} does not exist. Download the '
            f'official one (nothing is downloaded automatically): '
            f'{OFFICIAL_CHECKPOINT_URL}')
    try:
        obj = torch.load(path, map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as e:
        detail = str(e).split('WeightsUnpickler error:')[-1].strip()
        detail = detail.split('Check the documentation')[0].strip()
        if 'Unsupported global' not in detail:  # not a pickle at all
            raise CheckpointError(
                f'cannot read RealBasicVSR checkpoint {path}: not a torch '
                f'checkpoint ({detail})') from e
        detail = detail.split(' was not an allowed global')[0]
        raise CheckpointError(
            f'refused to load {path}: it holds a pickled object outside '
            f'torch\'s weights_only allow-list ({detail}). Save the '
            'network\'s state_dict() alone, or allow the global with '
            'torch.serialization.add_safe_globals([...]) if you trust the '
            'file.') from e
    except Exception as e:  # corrupt zip, truncated file, not a checkpoint
        raise CheckpointError(
            f'cannot read RealBasicVSR checkpoint {path}: '
            f'{type(e).__name__}: {e}') from e
    state, source = _extract_generator(obj, path, generator_key)
    expected = net.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong_shape = sorted(
        f'{k}: checkpoint {tuple(state[k].shape)} vs net '
        f'{tuple(expected[k].shape)}' for k in set(state) & set(expected)
        if state[k].shape != expected[k].shape)
    if missing or unexpected or wrong_shape:
        problems = []
        for name, items in (('missing', missing), ('unexpected', unexpected),
                            ('shape mismatch', wrong_shape)):
            if items:
                more = f' (+{len(items) - 5} more)' if len(items) > 5 else ''
                problems.append(f'{len(items)} {name}: {items[:5]}{more}')
        found = infer_arch(state)
        hint = (f' The checkpoint looks like a RealBasicVSRNet with {found};'
                ' pass matching --arch options.' if found else
                ' It does not look like a RealBasicVSRNet.')
        raise CheckpointError(
            f'{path} ({source} weights) does not match the RealBasicVSRNet '
            f'built with {_structure(net)}: ' + '; '.join(problems) + '.' +
            hint)
    net.load_state_dict(state, strict=True)
    return dict(source=source, num_tensors=len(state),
                sha256=file_sha256(path))


def _structure(net: nn.Module) -> dict:
    return infer_arch(net.state_dict())


@torch.no_grad()
def realbasicvsr_forward(net: nn.Module, lqs: torch.Tensor) -> torch.Tensor:
    """``RealBasicVSRNet.forward`` where every sample of the batch is its own
    sequence.

    mmagic's forward decides when to stop the (at most 3) image-cleaning
    passes from the mean residue of the *whole batch*; here each sample
    stops on its own residue, as it would alone, so a clip's output does not
    depend on the clips batched with it. For a batch of one this is the same
    computation as ``net(lqs)``. The modules called are the net's own
    (``image_cleaning``, ``basicvsr``).

    Args:
        net (nn.Module): mmagic's ``RealBasicVSRNet``.
        lqs (Tensor): ``(n, t, 3, h, w)`` RGB in [0, 1] (not modified).

    Returns:
        Tensor: ``(n, t, 3, 4h, 4w)``, not clamped.
    """
    if lqs.ndim != 5 or lqs.shape[2] != 3:
        raise ValueError('RealBasicVSR input should be (n, t, 3, h, w), but '
                         f'got {tuple(lqs.shape)}')
    n, t, c, h, w = lqs.shape
    lqs = lqs.clone()
    active = torch.arange(n, device=lqs.device)
    for _ in range(3):  # at most 3 cleaning passes, as in mmagic
        sub = lqs if len(active) == n else lqs[active]
        if net.is_sequential_cleaning:  # saves memory, one frame at a time
            residues = torch.stack(
                [net.image_cleaning(sub[:, i]) for i in range(t)], dim=1)
        else:
            residues = net.image_cleaning(sub.reshape(-1, c, h, w)).view(
                len(active), t, c, h, w)
        if len(active) == n:
            lqs = lqs + residues
        else:
            lqs[active] = sub + residues
        # mmagic: `if torch.mean(torch.abs(residues)) < thres: break`
        mean_abs = residues.abs().flatten(1).mean(dim=1)
        active = active[mean_abs >= net.dynamic_refine_thres]
        if len(active) == 0:
            break
    return net.basicvsr(lqs)

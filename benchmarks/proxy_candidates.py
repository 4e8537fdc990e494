"""What a real-proxy candidate is: a dict of choices (:data:`START`, the
shipped recipe :data:`SHIPPED`) and the config text it trains with.

:func:`candidate_config` writes configs/proxy/surveillance_lr.py with a
candidate's changes (pipelines, model, sampler, schedule, loss) for one
cross-validation fold, :func:`candidate_name` names it (its run folders and
ledger entries), :func:`with_choice` sets one key (or a combined key) of it.
Shared by the selection (``proxy_selection.py``) and the confirmation
(``proxy_confirm.py``).
"""

import os.path as osp
from typing import Dict, List, Tuple

from proxy_runs import DATA_LINK, REPO

#: the starting point: 16 uniform segments (paper section 2) at the
#: cheapest size, on a model sized for a few hundred clips.
START = dict(modality='rgb', size=32, frames=16, sampling='uniform',
             aug='flip_crop', width=16, blocks=1, epochs=40, lr=1e-3,
             dropout=0.5, pairs=False, test_views=1, balance=0,
             ema=0, mixup=0, motion_res='input', downscale=0,
             clip_norm=False, motion_stats=False, frame_conv=False,
             label_smooth=0, wd=0.05, loss='bce', test_flip=False,
             hr_swap=0, restarts=0, snapshots=False, temporal_crop=0,
             members=1, modality_drop=0, optimizer='adamw', swa=0,
             norm='bn', batch=8)
#: the candidate that configs/proxy/surveillance_lr.py ships (the last
#: selection's choice; tests/benchmarks checks that its fold config is the
#: shipped config, and main() says when a new selection chooses another).
SHIPPED = dict(START, modality='rgb+energy', blocks=2, epochs=80,
               motion_res='native')


def _sampler(frames: int, sampling: str, test_mode: bool,
             pairs: bool = False, all_frames: bool = False) -> dict:
    if all_frames:  # the whole clip, for SegmentMotion
        return dict(type='UniformSegment', num_segments=frames,
                    test_mode=test_mode, all_frames=True)
    if pairs:  # one pair of neighbouring frames in each of `frames` segments
        return dict(type='SampleFrames', clip_len=2, frame_interval=1,
                    num_clips=frames, test_mode=test_mode)
    if sampling == 'uniform':
        return dict(type='UniformSegment', num_segments=frames,
                    test_mode=test_mode)
    return dict(type='SampleFrames', clip_len=frames, frame_interval=1,
                num_clips=1, test_mode=test_mode)


#: the random resized crop's area range of each ``aug`` that crops.
CROP_AREAS = {'flip_crop': (0.5, 1.0), 'flip_crop_reverse': (0.5, 1.0),
              'flip_crop0.25': (0.25, 1.0), 'flip_crop_color': (0.5, 1.0),
              'flip_crop_noise': (0.5, 1.0), 'flip_crop_erase': (0.5, 1.0),
              'flip_crop_zoom': (0.5, 1.0)}
#: the train-clip augmentations a candidate can take (``aug``).
AUGMENTATIONS = ('none', 'flip') + tuple(CROP_AREAS)


def pipelines(c: dict) -> Tuple[list, list]:
    """Train and test pipelines of candidate ``c``."""
    size = (c['size'], c['size'])
    if c['aug'] not in AUGMENTATIONS:
        raise ValueError(f"aug {c['aug']!r}: not one of {AUGMENTATIONS}")
    # 'flip_crop_reverse': the clip also plays backwards half the time
    aug = [dict(type='TemporalReverse', prob=0.5)] if c['aug'].endswith(
        'reverse') else []
    if c['aug'] != 'none':
        aug.append(dict(type='TailFlipBalance', flip_ratio=0.5))
    else:
        aug.append(dict(type='TailFlipBalance'))
    if c['aug'] in CROP_AREAS:
        aug.append(dict(type='RandomResizedCrop',
                        area_range=CROP_AREAS[c['aug']]))
    if c['aug'].endswith('color'):  # mmaction2's defaults, one draw a clip
        aug.append(dict(type='ColorJitter'))
    if c['downscale']:
        aug.append(dict(type='RandomDownscale', min_size=24,
                        prob=c['downscale']))
    if c['aug'].endswith('noise'):  # camera noise at the clip's own size
        aug.append(dict(type='RandomSensorNoise'))
    if c['aug'].endswith('erase'):  # one occluding rectangle a clip
        aug.append(dict(type='RandomClipErasing'))
    if c['aug'].endswith('zoom'):  # the clip smaller, on a still canvas
        aug.append(dict(type='RandomZoomOut'))
    # the hr/ twin instead of the clip, before every augmentation
    twin = [dict(type='RandomTwinSwap', prob=c['hr_swap'])] \
        if c['hr_swap'] else []
    head = [dict(type='TinyVideoInit')]
    # per-clip standardisation of the decoded frames, train and test alike
    norm = [dict(type='ClipStandardize')] if c['clip_norm'] else []
    resize = dict(type='PairedResize', scale=size, sr_scale=None)
    energy = c['modality'].endswith('energy')
    # segments see every frame; dense clips: each frame its own segment
    all_frames = energy and c['sampling'] == 'uniform'
    native = c['motion_res'] == 'native'
    if native and not energy:
        raise ValueError('motion_res="native" needs SegmentMotion')
    motion = []
    if energy:
        if c['pairs']:
            raise ValueError('SegmentMotion does not take pairs of frames')
        motion = [_segment_motion(c['modality'], not all_frames)]
    elif c['modality'] != 'rgb':
        motion = [dict(type='FrameDifference', mode=c['modality'],
                       pairs=c['pairs'])]
    # native: the energy first, then an area resize of frame and energy
    tail = motion + [dict(resize, interpolation='area')] if native else \
        [resize] + motion
    tail = tail + [dict(type='FormatShape', input_format='NCTHW'),
                   dict(type='PackTinyActionInputs')]
    stats = _stats_steps(c, all_frames)
    # a random window of the train clip, then its segments
    window = [dict(type='RandomTemporalCrop', min_ratio=c['temporal_crop'])
              ] if c['temporal_crop'] else []
    train = head + window + [
        _sampler(c['frames'], c['sampling'], False, c['pairs'], all_frames),
        dict(type='TinyVideoDecode')] + twin + norm + aug + stats + tail
    # statistics as a training target only: the test clips need none
    test = head + [
        _sampler(c['frames'], c['sampling'], True, c['pairs'], all_frames),
        dict(type='TinyVideoDecode')] + norm + (
            [] if c['motion_stats'] == 'target' else stats) + tail
    if c['test_flip']:  # each test view also scored mirrored, averaged
        if 'flow' in c['modality']:
            raise ValueError('test_flip mirrors the frames after '
                             'SegmentMotion: a flow field keeps the sign of '
                             'its dx there')
        test.insert([t['type'] for t in test].index('FormatShape'),
                    dict(type='FlipViews'))
    return train, test


#: energy parts of a modality besides ``'energy'``: SegmentMotion's options
#: that make them (see :func:`_segment_motion`).
ENERGY_FORMS = {'logenergy': dict(log_energy=True),
                'floorenergy': dict(noise_floor=True)}


def _segment_motion(modality: str, per_frame: bool) -> dict:
    """``SegmentMotion`` of an energy ``modality``, the parts as in
    ``modality``; an :data:`ENERGY_FORMS` part is the energy with its
    options: ``'logenergy'`` compressed to log(1 + e), ``'floorenergy'``
    less the clip's median energy (its noise floor)."""
    parts = modality.split('+')
    options = {}
    for form, form_options in ENERGY_FORMS.items():
        if form in parts:
            parts[parts.index(form)] = 'energy'
            options.update(form_options)
    return dict(type='SegmentMotion', mode='+'.join(parts),
                per_frame=per_frame, **options)


def _stats_steps(c: dict, all_frames: bool) -> list:
    """``MotionStatistics`` when candidate ``c`` has ``motion_stats``
    (True: the head reads them; ``'target'``: the head predicts them): it
    goes after the augmentation (the statistics describe the frames the
    network sees) and before ``SegmentMotion`` thins the whole clip
    (``all_frames``) and any resize, so it sees every frame at the clip's
    native size, as the reference does."""
    if not c['motion_stats']:
        return []
    if not all_frames:
        raise ValueError('motion_stats needs the whole clip (uniform '
                         'segments of SegmentMotion)')
    return [dict(type='MotionStatistics')]


#: std of the foreground channels of SegmentMotion 'fg+energy' (the frame
#: minus the clip's temporal median), measured on every third train clip
#: at the native size, area-resized to 32 px: 16.6-16.8 (means -0.5).
FG_STD = 17.0


#: mean and std of the log(1 + e) energy channels (``'logenergy'``),
#: measured through the candidate's test pipeline on every third train
#: clip (taken at the native size, area-resized to 32 px): 0.50 and 0.73
#: (the same clips' linear energy: 1.70 and 4.61).
LOG_ENERGY_MEAN = 0.5
LOG_ENERGY_STD = 0.75
#: mean and std of the energy channels less the clip's median energy
#: (``'floorenergy'``), measured as :data:`LOG_ENERGY_MEAN` is: 1.46 and
#: 4.43 (the linear energy on those clips and that pipeline: 1.70, 4.61).
FLOOR_ENERGY_MEAN = 1.5
FLOOR_ENERGY_STD = 4.4
#: mean and std of the segment peak channels (``'rgb+peak+energy'``, the
#: largest neighbouring-frame difference in each segment, pixel by pixel),
#: measured as :data:`LOG_ENERGY_MEAN` is: 4.02 and 10.51 (the energy
#: channels of the same inputs: 1.70, 4.61).
PEAK_MEAN = 4.0
PEAK_STD = 10.5


#: preprocessor ``(mean, std)`` per channel of each input part (see
#: :func:`input_normalization`).
INPUT_STATS = dict(rgb=([123.675, 116.28, 103.53], [58.395, 57.12, 57.375]),
                   diff=([0.0] * 3, [10.0] * 3),
                   flow=([0.0] * 2, [0.2] * 2),
                   fg=([0.0] * 3, [FG_STD] * 3),
                   energy=([2.0] * 3, [5.0] * 3),
                   logenergy=([LOG_ENERGY_MEAN] * 3, [LOG_ENERGY_STD] * 3),
                   floorenergy=([FLOOR_ENERGY_MEAN] * 3,
                                [FLOOR_ENERGY_STD] * 3),
                   peak=([PEAK_MEAN] * 3, [PEAK_STD] * 3))


def input_normalization(modality: str) -> Dict:
    """Backbone ``in_channels`` and preprocessor ``mean`` / ``std`` of an
    input: ImageNet statistics for RGB, mean 0 and std 10 for the temporal
    gradient (its measured std on the 32 px train clips is 9.6), mean 2 and
    std 5 for the segment motion energy (measured: 1.8 and 5.1 at the
    32 px input, 1.8 and 4.6 at the native size, area-resized), mean
    :data:`LOG_ENERGY_MEAN` and std :data:`LOG_ENERGY_STD` for its
    logarithm (``'logenergy'``), mean :data:`FLOOR_ENERGY_MEAN` and std
    :data:`FLOOR_ENERGY_STD` for the energy above its noise floor
    (``'floorenergy'``), mean :data:`PEAK_MEAN` and std :data:`PEAK_STD`
    for the segment peak (``'peak'``), mean 0 and
    std 0.2 for the two channels of the optical flow (measured at the
    segment middles of every third train clip, area-resized to 32 px: std
    0.20 and 0.19 px of a 48 px frame), mean 0 and std :data:`FG_STD` for
    the foreground (the frame minus the clip's background)."""
    names = modality.split('+')
    return dict(in_channels=sum(len(INPUT_STATS[n][0]) for n in names),
                mean=sum((INPUT_STATS[n][0] for n in names), []),
                std=sum((INPUT_STATS[n][1] for n in names), []))


def modality_groups(modality: str) -> List[List[int]]:
    """Channel indices of each part of an input (``'rgb+energy'`` ->
    ``[[0, 1, 2], [3, 4, 5]]``), in the order of
    :func:`input_normalization`."""
    groups, start = [], 0
    for name in modality.split('+'):
        width = len(INPUT_STATS[name][0])
        groups.append(list(range(start, start + width)))
        start += width
    return groups


#: ``balance`` of a candidate that balances by sampling, not by copies.
SAMPLER = 'sampler'
#: ``balance`` by source-video-balanced sampling (``VideoBalancedSampler``).
VIDEO_SAMPLER = 'video_sampler'
#: the train loader's sampler of each ``balance`` that samples.
SAMPLERS = {SAMPLER: 'ClassBalancedSampler',
            VIDEO_SAMPLER: 'VideoBalancedSampler'}


def _tail_flip(c: dict):
    """The dataset's ``tail_flip`` of candidate ``c``: ``balance`` extra
    flipped copies of every fight clip (the smaller class), or None (also
    for balance by sampling, :data:`SAMPLERS`)."""
    if not c['balance'] or c['balance'] in SAMPLERS:
        return None
    return dict(_delete_=True, classes=['fight'], copies=c['balance'])


def _data_sampler(c: dict) -> str:
    """The train loader's ``sampler`` keyword of candidate ``c``: the
    sampler of :data:`SAMPLERS` when ``balance`` names one, else none (the
    recipe's fold config stays)."""
    if c['balance'] not in SAMPLERS:
        return ''
    return f"sampler=dict(_delete_=True, type={SAMPLERS[c['balance']]!r}), "


def _batch(c: dict) -> str:
    """The train loader's ``batch_size`` keyword of candidate ``c`` when it
    is not the recipe's 8 (from its dataset base), else none (the recipe's
    fold config stays). The learning rate stays: AdamW's steps do not grow
    with the batch as SGD's do."""
    if c['batch'] == START['batch']:
        return ''
    return f"batch_size={c['batch']!r}, "


def _twin_prefix(c: dict) -> str:
    """Train dataset keyword ``data_prefix`` of candidate ``c``: the
    ``hr/`` twins as ``sr`` (decoded with each clip for
    ``RandomTwinSwap``) when ``hr_swap`` is set, else none (the recipe's
    fold config stays)."""
    if not c['hr_swap']:
        return ''
    return f"data_prefix=dict(sr={DATA_LINK + '/train/hr'!r}), "


#: the warmup epochs of every candidate's schedule (linear, x0.1 -> x1).
WARMUP = 2


def _cosine(c: dict) -> str:
    """The cosine part of candidate ``c``'s schedule after the warmup: one
    period to zero over the remaining epochs (the recipe), or with
    ``restarts`` n, the paper's cosine annealing with warm restarts
    (section 5; mmengine's ``CosineRestartLR``): n cycles ending at
    ``i / n`` of the schedule (the first one shortened by the warmup), each
    restarting at the full lr, so that with n = 4 the checkpoints of every
    quarter are the ends of cycles."""
    epochs, n = c['epochs'], c['restarts']
    if not n:
        return (f"dict(type='CosineAnnealingLR', T_max={epochs - WARMUP}, "
                f"eta_min=0, by_epoch=True, begin={WARMUP}, end={epochs}, "
                "convert_to_iter_based=True)")
    if epochs % n or epochs // n <= WARMUP:
        raise ValueError(f'restarts {n}: {epochs} epochs do not split into '
                         f'{n} cycles longer than the warmup')
    ends = [epochs * i // n for i in range(1, n + 1)]
    periods = [e - b for b, e in zip([WARMUP] + ends[:-1], ends)]
    return (f"dict(type='CosineRestartLR', periods={periods!r}, "
            f"restart_weights={[1] * n!r}, eta_min=0, by_epoch=True, "
            f"begin={WARMUP}, end={epochs}, convert_to_iter_based=True)")


def _hooks(c: dict) -> list:
    """``custom_hooks`` of candidate ``c``: an ``EMAHook`` with an
    exponential moving average of the weights (momentum ``ema`` per
    iteration), or with ``swa`` E, the equal-weight average of the weights
    and the BN statistics after every iteration from epoch E on (mmengine's
    ``StochasticWeightAverage``, Izmailov et al. 2018); the hook swaps the
    average in for validation and into the saved checkpoints."""
    if c['ema'] and c['swa']:
        raise ValueError('a candidate takes ema or swa, not both (one '
                         'EMAHook)')
    if c['swa']:
        if not 0 < c['swa'] < c['epochs']:
            raise ValueError(f"swa {c['swa']!r}: the averaging should "
                             f"begin within the {c['epochs']} epochs")
        return [dict(type='EMAHook', ema_type='StochasticWeightAverage',
                     begin_epoch=c['swa'], update_buffers=True)]
    if not c['ema']:
        return []
    return [dict(type='EMAHook', momentum=c['ema'])]


def _decay(c: dict) -> str:
    """``weight_decay`` of candidate ``c`` when it differs from the
    schedule's AdamW (``START['wd']``) or the optimizer is another, else
    nothing (the recipe's fold config stays)."""
    if c['wd'] == START['wd'] and c['optimizer'] == START['optimizer']:
        return ''
    return f", weight_decay={c['wd']!r}"


#: ``optimizer`` value -> the optimizer keyword arguments that replace the
#: schedule's AdamW (its betas dropped); nothing for AdamW itself.
OPTIMIZERS = {'adamw': '',
              'sgd': "_delete_=True, type='SGD', momentum=0.9, "}


def _optimizer(c: dict) -> str:
    """Optimizer keyword arguments of candidate ``c`` besides ``lr`` and
    ``weight_decay`` (:data:`OPTIMIZERS`)."""
    if c['optimizer'] not in OPTIMIZERS:
        raise ValueError(f"optimizer {c['optimizer']!r}: not one of "
                         f'{sorted(OPTIMIZERS)}')
    return OPTIMIZERS[c['optimizer']]


def _smooth(c: dict) -> str:
    """Head keyword argument ``label_smooth_eps`` of candidate ``c`` when
    ``label_smooth`` is set, else none (the recipe's fold config stays)."""
    return (f"label_smooth_eps={c['label_smooth']!r}, "
            if c['label_smooth'] else '')


#: ``loss`` of a candidate -> the head's ``loss_cls`` beyond the recipe's
#: binary cross-entropy: ``'asl'`` is seed 004's asymmetric loss with the
#: defaults of the package's ``_asl_`` configs (``AsymmetricLoss``: gamma+ 0,
#: gamma- 4, probability margin 0.05, summed).
LOSSES = {'bce': None, 'asl': dict(_delete_=True, type='AsymmetricLoss')}


def _loss(c: dict) -> str:
    """Head keyword argument ``loss_cls`` of candidate ``c`` when its
    ``loss`` is not the recipe's BCE, else none (the recipe's fold config
    stays); an unknown ``loss`` is an error."""
    if c['loss'] not in LOSSES:
        raise ValueError(f"loss {c['loss']!r}: not one of {tuple(LOSSES)}")
    loss = LOSSES[c['loss']]
    return f'loss_cls={loss!r}, ' if loss else ''


def _stats_head(c: dict) -> str:
    """Head keyword arguments of candidate ``c`` beyond the recipe's: a
    ``MotionStatsHead`` reading the ``MotionStatistics`` vector when
    ``motion_stats`` is True, a ``MotionTargetHead`` predicting it when
    ``'target'``, a ``MotionStreamHead`` classifying it as a late-fused
    second stream when ``'stream'``, else none."""
    if not c['motion_stats']:
        return ''
    from tiny_action.datasets.transforms import MotionStatistics
    channels = MotionStatistics().num_stats
    head = dict(target='MotionTargetHead', stream='MotionStreamHead').get(
        c['motion_stats'], 'MotionStatsHead')
    return f"type={head!r}, stats_channels={channels}, "


#: backbone keyword arguments of a per-frame 2D network (``frame_conv``
#: True): the recipe's ResNet3d with 1x3x3 kernels in every block
#: (``inflate`` 0), a 1x5x5 stem and no temporal stride or pooling
#: (``with_pool2`` off), so that each segment is encoded on its own and the
#: head averages the 16 segments' features (TSN-style temporal average
#: pooling, order-free like the reference's statistics).
FRAME_CONV = dict(conv1_kernel=(1, 5, 5), inflate=(0, 0, 0, 0),
                  temporal_strides=(1, 1, 1, 1), with_pool2=False)
#: backbone keyword arguments of the factorised network (``frame_conv``
#: '2plus1d', seed 004's R(2+1)D): the recipe's ResNet3d, its topology
#: unchanged, with every convolution built as mmaction2's ``Conv2plus1d``
#: (a 1xkxk spatial convolution, batch norm and ReLU, then a kx1x1 temporal
#: one, the middle width chosen to keep the 3D kernel's parameter count), as
#: mmaction2's ``ResNet2Plus1d`` builds them. Not ``ResNet2Plus1d`` itself: its
#: forward always max-pools after the stem and never pools in time after
#: ``layer1``, which would change the recipe's topology as well.
CONV_2PLUS1D = dict(conv_cfg=dict(type='Conv2plus1d'))
#: ``frame_conv`` value -> the backbone keyword arguments it adds.
BACKBONE_CONV = {True: FRAME_CONV, '2plus1d': CONV_2PLUS1D}
#: backbone keyword arguments of the group-normalised network (``norm``
#: 'gn'): every batch norm of the recipe's ResNet3d (stem, blocks, shortcut
#: projections) a GroupNorm of 8 groups (2-16 channels a group at widths
#: 16-128), which normalises each clip by its own statistics, the same in
#: training and at test (Wu & He, 2018: better than batch norm at small
#: batches; the recipe's batch is 8 clips of some 30 source videos). The
#: zero-initialised residuals go with it: mmaction2's ResNet3d finds the
#: last norm layer of a block by the name ``bn``, which a GroupNorm's
#: ``ConvModule`` does not have.
GROUP_NORM = dict(norm_cfg=dict(type='GN', num_groups=8, requires_grad=True),
                  zero_init_residual=False)
#: ``norm`` value -> the backbone keyword arguments it adds.
BACKBONE_NORM = {'bn': {}, 'gn': GROUP_NORM}


def _backbone(c: dict, in_channels: int) -> str:
    """Backbone keyword arguments of candidate ``c``: width, blocks per
    stage and input channels, and those of :data:`BACKBONE_CONV` for its
    ``frame_conv`` and of :data:`BACKBONE_NORM` for its ``norm`` (nothing
    more for False and 'bn', so the recipe's fold config is unchanged); an
    unknown ``norm`` is an error."""
    if c['norm'] not in BACKBONE_NORM:
        raise ValueError(f"norm {c['norm']!r}: not one of "
                         f"{tuple(BACKBONE_NORM)}")
    extra = dict(BACKBONE_CONV[c['frame_conv']] if c['frame_conv'] else {},
                 **BACKBONE_NORM[c['norm']])
    return (f"base_channels={c['width']}, "
            f"stage_blocks={(c['blocks'],) * 4}, "
            f"in_channels={in_channels}" +
            ''.join(f', {k}={v!r}' for k, v in extra.items()))


def _ensemble(c: dict) -> str:
    """Model keyword arguments of candidate ``c``: an
    ``EnsembleRecognizer3D`` of ``members`` recognizers when there are
    several, else none (the recipe's fold config stays)."""
    if c['members'] == 1:
        return ''
    return f"type='EnsembleRecognizer3D', members={c['members']!r}, "


def _preprocessor(c: dict, norm: Dict) -> dict:
    """``data_preprocessor`` of candidate ``c``: the input's statistics
    and, when ``mixup``, mmaction2's ``MixupBlending`` of the batch, or,
    when ``modality_drop``, ``ModalityDropout`` of the input's parts."""
    pre = dict(mean=norm['mean'], std=norm['std'])
    if c['mixup'] and c['modality_drop']:
        raise ValueError('a candidate takes mixup or modality_drop, not both '
                         '(the preprocessor has one blending)')
    if c['modality_drop']:
        pre['blending'] = dict(type='ModalityDropout',
                               groups=modality_groups(c['modality']),
                               prob=c['modality_drop'])
    if c['mixup']:
        pre['blending'] = dict(type='MixupBlending', num_classes=2,
                               alpha=c['mixup'])
    return pre


def candidate_config(c: dict, fit: str, held: str) -> str:
    """Config text: configs/proxy/surveillance_lr.py with candidate ``c``,
    trained on ``fit`` and validated on ``held`` (train clips)."""
    train, test = pipelines(c)
    epochs, quarter = c['epochs'], max(1, c['epochs'] // 4)
    video = DATA_LINK + '/train/lr'
    norm = input_normalization(c['modality'])
    return '\n'.join([
        f"_base_ = [{osp.join(REPO, 'configs/proxy/surveillance_lr.py')!r}]",
        f"model = dict({_ensemble(c)}"
        f"backbone=dict({_backbone(c, norm['in_channels'])}), "
        f"cls_head=dict({_stats_head(c)}{_smooth(c)}{_loss(c)}"
        f"in_channels={c['width'] * 8}, "
        f"dropout_ratio={c['dropout']}), "
        f"data_preprocessor={_preprocessor(c, norm)!r})",
        f"train_dataloader = dict({_batch(c)}{_data_sampler(c)}"
        f"dataset=dict(ann_file={fit!r}, "
        f"{_twin_prefix(c)}pipeline={train!r}, "
        f"tail_flip={_tail_flip(c)!r}))",
        f"val_dataloader = dict(dataset=dict(ann_file={held!r}, "
        f"data_prefix=dict(video={video!r}), pipeline={test!r}))",
        "test_dataloader = val_dataloader",
        f"train_cfg = dict(max_epochs={epochs}, val_begin={quarter}, "
        f"val_interval={quarter})",
        "param_scheduler = [dict(type='LinearLR', start_factor=0.1, "
        "by_epoch=True, begin=0, end=2, convert_to_iter_based=True), "
        f"{_cosine(c)}]",
        f"optim_wrapper = dict(optimizer=dict({_optimizer(c)}"
        f"lr={c['lr']!r}{_decay(c)}))",
        f"default_hooks = dict(checkpoint=dict(interval={quarter}))",
        f"custom_hooks = {_hooks(c)!r}",
        ''])


def candidate_name(c: dict) -> str:
    """A folder name that spells the candidate out."""
    return (f"{c['modality'].replace('+', '')}_s{c['size']}_"
            f"t{c['frames']}{c['sampling'][0]}_{c['aug']}_"
            f"w{c['width']}b{c['blocks']}_e{c['epochs']}_lr{c['lr']:g}" +
            (f"_d{c['dropout']:g}" if c['dropout'] != 0.5 else '') +
            ('_pairs' if c['pairs'] else '') +
            (f"_v{c['test_views']}" if c['test_views'] > 1 else '') +
            (f"_bal{c['balance']}" if c['balance'] else '') +
            (f"_ema{c['ema']:g}" if c['ema'] else '') +
            (f"_mix{c['mixup']:g}" if c['mixup'] else '') +
            ('_native' if c['motion_res'] == 'native' else '') +
            (f"_ds{c['downscale']:g}" if c['downscale'] else '') +
            ('_cn' if c['clip_norm'] else '') +
            ('_mt' if c['motion_stats'] == 'target' else
             '_mstream' if c['motion_stats'] == 'stream' else
             '_ms' if c['motion_stats'] else '') +
            ('_2plus1d' if c['frame_conv'] == '2plus1d' else
             '_2d' if c['frame_conv'] else '') +
            (f"_ls{c['label_smooth']:g}" if c['label_smooth'] else '') +
            (f"_wd{c['wd']:g}" if c['wd'] != START['wd'] else '') +
            (f"_{c['loss']}" if c['loss'] != START['loss'] else '') +
            ('_tflip' if c['test_flip'] else '') +
            (f"_hr{c['hr_swap']:g}" if c['hr_swap'] else '') +
            (f"_cr{c['restarts']}" if c['restarts'] else '') +
            ('_snap' if c['snapshots'] else '') +
            (f"_tc{c['temporal_crop']:g}" if c['temporal_crop'] else '') +
            (f"_m{c['members']}" if c['members'] > 1 else '') +
            (f"_md{c['modality_drop']:g}" if c['modality_drop'] else '') +
            (f"_{c['optimizer']}" if c['optimizer'] != START['optimizer']
             else '') +
            (f"_swa{c['swa']}" if c['swa'] else '') +
            (f"_{c['norm']}" if c['norm'] != START['norm'] else '') +
            (f"_bs{c['batch']}" if c['batch'] != START['batch'] else ''))


#: a stage's or challenger's key that sets several candidate keys at once
#: -> those keys, in the order of its value's tuple.
COMBINED_KEYS = {'frames_sampling': ('frames', 'sampling'),
                 'width_blocks': ('width', 'blocks'),
                 'downscale_smooth': ('downscale', 'label_smooth'),
                 'size_loss': ('size', 'loss'),
                 'size_loss_aug': ('size', 'loss', 'aug'),
                 'sgd': ('optimizer', 'lr', 'wd')}


def with_choice(c: dict, key: str, value) -> dict:
    """Candidate ``c`` with ``key`` set to ``value`` (a copy): a key of
    :data:`COMBINED_KEYS` sets each of its keys from ``value``'s tuple, a
    few others derive what they set from ``value``."""
    c = dict(c)
    if key in COMBINED_KEYS:
        c.update(zip(COMBINED_KEYS[key], value))
    elif key == 'motion_target':  # the statistics as a training target
        c['motion_stats'] = 'target' if value else False
    elif key == 'conv_2plus1d':  # seed 004's factorised convolutions
        c['frame_conv'] = '2plus1d' if value else False
    elif key == 'snapshot_restarts':  # restarts, scored as their ensemble
        c['restarts'], c['snapshots'] = value, bool(value)
    else:
        c[key] = value
    return c

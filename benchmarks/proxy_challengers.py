"""The challengers of the real-proxy recipe for the confirmation
(``python benchmarks/proxy_selection.py --confirm``, :mod:`proxy_confirm`):
what each one changes in :data:`proxy_candidates.SHIPPED`, and why it was
tried. Data only; a new challenger is one more entry at the end (the
README's numbering follows this order).
"""
from typing import Sequence, Tuple

from proxy_candidates import SAMPLER, VIDEO_SAMPLER

#: why SGD: the two SGD challengers' shared rationale.
_SGD_WHY = ('(the optimizer of mmaction2\'s from-scratch video recipes (0.1 '
            'at batch 64, momentum 0.9, weight decay 1e-4), lr scaled '
            'linearly to the batch of 8 (0.0125) and four times that: SGD '
            'is known to generalise better than adaptive methods when a CNN '
            'is trained from scratch on little data, and AdamW at lr 1e-3 '
            'reaches near-certain train scores)')
#: challengers of the shipped recipe for the confirmation (``--confirm``),
#: each ``(what, key, value)`` applied to SHIPPED (by :func:`with_choice`; a
#: combined key such as ``downscale_smooth`` sets two candidate keys). The
#: selection's stages (``proxy_selection.STAGES``) trained one seed per
#: fold, and the seed alone moves a
#: candidate's CV mean by about 0.03 (the seed spread), as much as most
#: stage margins: a challenger is trained with every confirmation seed
#: before it may replace the recipe.
CHALLENGERS: Sequence[Tuple[str, str, object]] = (
    ('+ RandomDownscale(min_size=24, prob=0.5) of the train clips '
     '(held-out clips under 40 px were the weakest)', 'downscale', 0.5),
    ('+ ClipStandardize of the decoded frames (per-clip mean and std of '
     'each channel; the train clips\' contrast varies 4-fold between '
     'cameras)', 'clip_norm', True),
    ('+ MotionStatsHead: the classifier also reads the whole clip\'s '
     'motion statistics (MotionStatistics, the reference\'s features '
     'without the clip\'s length and size)', 'motion_stats', True),
    ('per-frame 2D network: 1x3x3 kernels, each segment encoded on its own '
     'and the 16 averaged by the head (TSN-style; order-free like the '
     'reference\'s clip statistics, a third of the 3D kernels\' weights)',
     'frame_conv', True),
    ('+ label smoothing of the binary targets, eps 0.1 (1 -> 0.95, 0 -> '
     '0.05; 2M weights fitted to about 115 clips reach near-certain '
     'train scores, which need not transfer to other cameras)',
     'label_smooth', 0.1),
    ('AdamW weight decay 0.5 instead of 0.05 (at lr 1e-3 over ~1,150 '
     'steps of the cosine schedule, 0.05 shrinks the weights by 3% in all: '
     'next to no decay; 0.5 shrinks them by about 26%)', 'wd', 0.5),
    ('+ the clip\'s motion statistics as an auxiliary training target '
     '(MotionTargetHead: the pooled features also regress the reference\'s '
     '46 standardised statistics, weight 1; many targets per clip besides '
     'its label, none needed at test)', 'motion_target', True),
    ('+ RandomDownscale and label smoothing together (the two challengers '
     'that led, by +0.009 and +0.014 over six seeds: do they add up?)',
     'downscale_smooth', (0.5, 0.1)),
    ('+ optical flow of each segment\'s frame (SegmentMotion '
     '\'rgb+flow+energy\': Farneback, from the frame to the next, at 48 px; '
     'the energy has no direction, and a fight moves every way at once)',
     'modality', 'rgb+flow+energy'),
    ('+ class-balanced sampling of the train clips (ClassBalancedSampler: '
     'each epoch drawn with replacement, both classes equally often; a '
     'fold\'s fit clips are 40-51% fights, and the challengers that lose '
     'fold 2, fitted on 40%, lose it on fight recall)', 'balance', SAMPLER),
    ('R(2+1)D convolutions (seed 004\'s backbone: every 3D convolution '
     'factorised into a spatial and a temporal one, mmaction2\'s '
     'Conv2plus1d, with a batch norm and ReLU between; same topology and '
     'parameter count; the per-frame 2D network hurt, so time matters, '
     'and the factorisation eases training from scratch)',
     'conv_2plus1d', True),
    ('+ time reversal of the train clips (TemporalReverse(prob=0.5), '
     'before the flip: a fight played backwards is still a fight and a '
     'walk still a walk; the motion energy keeps its size, the order of '
     'the 16 segments and what moves in them turn around), one more '
     'label-preserving view of each of 173 clips, as the flip is',
     'aug', 'flip_crop_reverse'),
    ('seed 004\'s asymmetric loss (ASL: gamma- 4, gamma+ 0, margin 0.05) '
     'instead of BCE: it down-weights the easy negatives, and the '
     'challengers that lose fold 2 lose it on the recall of fights, '
     'scored too low when the fit clips are 40% fights)', 'loss', 'asl'),
    ('+ mirrored test views (FlipViews: each held-out clip scored as the '
     'mean of the probabilities of the clip and of its mirror, the '
     'test-time twin of the training flips; the training is the recipe\'s)',
     'test_flip', True),
    ('+ the hr/ twin instead of the clip for half of the train samples '
     '(RandomTwinSwap(prob=0.5), before the flip and crop; the same action '
     'rendered sharp at 112 px, then cropped and area-resized to 32 px with '
     'its motion energy; the held-out clips stay low-res): dense '
     'supervision from the twins without a teacher, where KD did not help',
     'hr_swap', 0.5),
    ('the paper\'s cosine annealing with warm restarts and its ensemble of '
     'middle-epoch models (sections 4-5): 4 cosine cycles ending at epochs '
     '20 / 40 / 60 / 80 instead of one, scored as the mean probability of '
     'the checkpoints at the ends of the last three (the recipe\'s own '
     'checkpoint ensemble, one basin, did not help: +0.001)',
     'snapshot_restarts', 4),
    ('the foreground instead of the frame (SegmentMotion \'fg+energy\': '
     'each segment\'s frame minus the clip\'s background, the per-pixel '
     'temporal median of all its frames, then the motion energy): 47 train '
     'videos from still cameras, whose scene names the camera and not the '
     'action, while the energy alone, without the people\'s appearance, '
     'scored 0.085 lower in the selection',
     'modality', 'fg+energy'),
    ('+ a random window of each train clip (RandomTemporalCrop(min_ratio='
     '0.6), before the segments: 60-100% of its frames, consecutive), a '
     'label-preserving view in time as the random resized crop is in space; '
     'the train clips last 23-142 frames, so a segment\'s energy averages '
     '1 to 9 frame pairs, and the window varies that too',
     'temporal_crop', 0.6),
    ('input 24 px instead of 32 (the smallest clip\'s size: every clip, '
     '24-112 px, is then area-downscaled and none up-sampled, so the tiny '
     'clips look like the others do, as every clip does on the reference\'s '
     '16x16 grid; held-out clips under 40 px were the weakest in the '
     'selection, 0.643 against 0.804 and 0.787)', 'size', 24),
    ('120 epochs instead of 80 (the same cosine schedule, stretched; the '
     'selection\'s 40 -> 80 epochs gained +0.021, and 80 epochs train in '
     '4.8 min on this 2-core machine, so 120 stay within the 10-minute '
     'budget)', 'epochs', 120),
    ('random flips without the random resized crop (area 0.5-1) of the '
     'train clips: the temporal crop hurt through fight recall, the '
     'action\'s extent in the clip being part of what the recipe learns; '
     'a spatial crop of half the area may cut a fight\'s extent too (the '
     'selection chose the crop early, on the frame alone, single seed)',
     'aug', 'flip'),
    ('source-video-balanced sampling of the train clips (VideoBalancedSampler'
     ', power 0.5: each epoch drawn with replacement, a video of n clips '
     'weighing sqrt(n) instead of n; the train clips come from 47 videos, '
     '20 from the largest and one from 21 of them, so four videos give 30% '
     'of the clips and their scenes, while the held-out clips come from new '
     'videos)', 'balance', VIDEO_SAMPLER),
    ('a wider random resized crop, area 0.25-1 instead of 0.5-1 (without '
     'the crop the recipe lost 0.074, p = 0.03, the one augmentation '
     'measured to help; mmaction2\'s default 0.08 would leave 7 px of a '
     '24 px clip, 0.25 leaves 12)', 'aug', 'flip_crop0.25'),
    ('a deep ensemble of two recognizers in one run (EnsembleRecognizer3D, '
     'members 2: two independently initialised copies of the network '
     'trained side by side on the same batches, scored as the mean of '
     'their probabilities; paper section 4\'s model ensemble, where the '
     'recipe\'s checkpoints of one run, one basin, gained +0.001; post hoc, '
     'the mean probability of the recipe\'s run and any other challenger\'s '
     'run of the same seed scored 0.727-0.753 on the folds against 0.733)',
     'members', 2),
    ('input 24 px and seed 004\'s asymmetric loss together (the two '
     'challengers with the best mean change over six seeds, +0.012 and '
     '+0.008, each undecided: do they add up, as the crop and the flips '
     'did?)', 'size_loss', (24, 'asl')),
    ('+ mmaction2\'s ColorJitter of the train clips (its defaults: '
     'brightness, contrast and saturation x0.5-1.5, hue +-0.1, one draw '
     'for all the frames of a clip, after the crop and before the motion '
     'energy, which then scales with the contrast): the 173 train clips '
     'come from 47 cameras whose contrast varies 4-fold and whose colours '
     'name the scene, and the held-out clips come from other cameras; '
     'standardising each clip instead (ClipStandardize) removed that '
     'variation and with it information, -0.022)', 'aug', 'flip_crop_color'),
    ('+ a late-fused motion-statistics stream (MotionStreamHead: a linear '
     'classifier of the whole clip\'s MotionStatistics, trained beside the '
     'network on its own loss, no weight shared, the pred_score the mean of '
     'the two streams\' probabilities): post hoc on the folds, the mean of '
     'the recipe\'s probabilities and a separately fitted logistic '
     'regression\'s on those statistics scored 0.745 (C 0.1; 0.732 with C '
     '1) against the recipe\'s 0.726 on this machine, while reading the '
     'statistics into the classifier (MotionStatsHead) scored -0.011)',
     'motion_stats', 'stream'),
    ('+ ModalityDropout of the train batches (prob 0.5: half the samples '
     'lose one of their two inputs, the RGB frames or the motion energy, '
     'drawn evenly, set to its train mean after the normalisation): in '
     'the CV the recipe leans on the scene (the foreground alone, -0.114) '
     'and on the energy (the energy alone 0.677 against 0.762), and two '
     'networks trained side by side averaged to no better than either, so '
     'their errors are shared; a network that must sometimes decide from '
     'each input alone cannot rest on one cue of the cameras it was fitted '
     'on)',
     'modality_drop', 0.5),
    *((f'SGD with momentum instead of AdamW, lr {lr:g} {_SGD_WHY}', 'sgd',
       ('sgd', lr, 1e-4)) for lr in (0.0125, 0.05)),
    ('+ stochastic weight averaging from epoch 40 (mmengine\'s EMAHook '
     'with StochasticWeightAverage: the equal-weight mean of the weights '
     'and BN statistics after every iteration of the schedule\'s second '
     'half, scored and saved in place of the last weights): the recipe\'s '
     'CV means spread by 0.04 between training seeds on the same folds, '
     'so much of its error is the variance of one training; the earlier '
     'EMA (momentum 0.01, about the last 5 epochs) averaged weights the '
     'cosine schedule had nearly stopped moving, while a mean over epochs '
     '40-80 spans weights trained at up to half the peak lr, the flatter '
     'region SWA is known to find)', 'swa', 40),
    ('the motion energy compressed to log(1 + e) (SegmentMotion '
     'log_energy; modality \'rgb+logenergy\', normalised with its '
     'measured mean 0.5 and std 0.75): on the train clips the energy has '
     'mean 1.7 and std 4.6, most pixels near 0 and a long tail of bright '
     'edges, so after a linear normalisation a few fast edges span most of '
     'the input range and the faint motion spread over a scuffle almost '
     'none; the reference reads the energy through sorted cell means and '
     'maxima, insensitive to that scale, and the energy alone scores '
     '0.677 in the CV, well under the frame with it)',
     'modality', 'rgb+logenergy'),
    ('the motion energy above its noise floor (SegmentMotion noise_floor; '
     'modality \'rgb+floorenergy\': each energy channel less the clip\'s '
     'median energy, clipped at 0, normalised with its measured mean 1.5 '
     'and std 4.4): a clean still camera changes most pixels by 0 between '
     'frames, a noisy or heavily compressed one by a grey level or two '
     'everywhere, a floor that names the camera, not the action; the '
     'median is over 0.5 grey levels in 21% of the train clips and, read '
     'from the val clips\' frames alone (no label, no score), in 49% of '
     'those; on the train clips the floored mean energy separates fights '
     'a little better than the mean (AUC 0.736 against 0.717), and the '
     'log energy, which lifts that floor, lost 0.076)',
     'modality', 'rgb+floorenergy'),
    ('+ camera noise on the train clips (RandomSensorNoise: half the clips '
     'get Gaussian noise, std drawn per clip in 0-2.5 grey levels, '
     'independent in every frame, after the crop and before the motion '
     'energy): in the CV the recipe is weakest on the clips of noisy '
     'cameras, held-out accuracy 0.685 on the 37 train clips whose median '
     'frame-to-frame change exceeds 0.5 grey levels against 0.740 on the '
     'others (seeds 0-5 on this machine), where the reference forest '
     'scores 0.703 and 0.662; subtracting the floor lost nothing and '
     'gained nothing (+0.004), so the network should instead see each '
     'clip under several cameras\' floors, up to about 2.8 grey levels, '
     'as in the noisiest train clips (3))', 'aug', 'flip_crop_noise'),
    ('dropout 0.8 before the classifier instead of 0.5: the recipe fits '
     'its fold\'s train clips to near-certain scores, and the one dropout '
     'stage of the selection (0.5 against 0.2, one seed, on the 40-epoch '
     'one-block network the recipe has since outgrown in depth and '
     'schedule) favoured the stronger dropout by 0.018; label smoothing, '
     'the other brake on certainty, led by +0.014 over six seeds)',
     'dropout', 0.8),
    ('the segment\'s peak motion beside its energy (SegmentMotion '
     'mode \'rgb+peak+energy\': per pixel the largest neighbouring-frame '
     'difference of each segment\'s pairs as 3 more channels, normalised '
     'with its measured mean 4.0 and std 10.5): a segment\'s energy '
     'averages 1-9 pairs, so a steady walk and a few sudden blows of the '
     'same total motion look alike, while the reference forest reads each '
     'cell\'s temporal maximum beside its mean; on the 173 train clips the '
     'clip-mean peak separates fights better than the clip-mean energy '
     '(AUC 0.734 against 0.717; 99th percentiles 0.763 against 0.741))',
     'modality', 'rgb+peak+energy'),
    ('+ mixup of the train batches (mmaction2\'s MixupBlending, Beta(0.2, '
     '0.2)): the learning curve inside train says the recipe is short of '
     'clips (from 62 to 115 fit clips per fold it gains +0.105, +0.067 more '
     'than the reference, p 0.04), and mixup is the usual way to get more '
     'out of few; the selection tried it once, one seed, on the recipe '
     'before the native-size energy (0.684 against 0.727, mAP 0.792 '
     'against 0.786), a margin the seed alone moves by 0.03)',
     'mixup', 0.2),
    ('the motion energy alone, without the RGB frame (SegmentMotion mode '
     '\'energy\', 3 input channels): how much the recipe leans on the '
     'scene; the selection measured it once, one seed (0.677 against '
     '0.762), and the foreground in place of the frame lost 0.114, yet the '
     'reference forest, which sees motion only, scores 0.664 inside train '
     'and 0.748 on val, where the recipe scores 0.726 and 0.694: on '
     'cameras it was not fitted on, a scene cue need not hold)',
     'modality', 'energy'),
    ('input 24 px, seed 004\'s asymmetric loss and camera noise on the train '
     'clips together, each aimed at a part of the clips where the CV finds '
     'the recipe weakest: the tiny clips (24 px: held-out clips under 40 px '
     '0.702 and 0.679 at the two looks against 0.667), the noisy cameras '
     '(RandomSensorNoise: 0.761 of their clips right against 0.685 over six '
     'seeds, p 0.003) and the seed spread (ASL: the smallest, 0.008 over '
     'six seeds); each alone is undecided (+0.012, +0.018, +0.010 over six '
     'seeds), the first two together +0.006: do the three add up?)',
     'size_loss_aug', (24, 'asl', 'flip_crop_noise')),
    ('+ random erasing of the train clips (RandomClipErasing: half the '
     'clips get one rectangle of 2-25% of the frame, aspect 0.3-3.3, filled '
     'with the clip\'s mean in every frame, after the crop and before the '
     'motion energy, so that it hides scene and motion alike): the one '
     'augmentation measured to help is spatial, the random resized crop '
     '(without it -0.074, p 0.03), while the photometric ones (colour '
     'jitter, -0.001) and the temporal ones (reverse, crop) did not; an '
     'occluder is the other spatial change between surveillance cameras, and '
     'a network fitted to 115 clips of few scenes can rest on one region of '
     'the scene)', 'aug', 'flip_crop_erase'),
    ('+ zoom-out of the train clips (RandomZoomOut: half the clips shrunk '
     'by a factor drawn in 0.6-1 and pasted at a random place on a still '
     'canvas of the clip\'s mean colour, after the crop and before the '
     'motion energy): the random resized crop, the one augmentation '
     'measured to help, only zooms in, and zooming in further (area 0.25-1) '
     'gained nothing (-0.010); the other direction shows each action '
     'smaller, as a farther camera would, and the clips under 40 px are the '
     'recipe\'s weakest inside train)', 'aug', 'flip_crop_zoom'),
    ('GroupNorm instead of batch norm in the backbone (8 groups, every '
     'norm layer; zero-initialised residuals off, see GROUP_NORM): a batch '
     'norm normalises each clip with the statistics of the 8 clips beside '
     'it in training and with running averages of the train cameras at '
     'test, while a group norm normalises each clip by its own features, '
     'alike in both; held-out cameras differ in gain and noise (val\'s '
     'median motion energy is 1.7 times train\'s), and re-estimating the '
     'batch statistics on the held-out clips (AdaBN) moved single folds by '
     'up to 0.16 either way)', 'norm', 'gn'),
    ('batches of 4 train clips instead of 8, lr unchanged (twice the '
     'steps, each from half the clips): a network of 2M weights fitted to '
     'about 115 clips is confident on clips of videos it never saw, right '
     'or wrong (in the recipe\'s 9 post-hoc fold runs 55% of the held-out '
     'clips get a top score above 0.9, and 37% of the wrongly classified '
     'ones), and the explicit regularisers (dropout 0.8, '
     'weight decay 0.5, label smoothing, mixup, weight averaging) moved '
     'nothing; the noise of small batches is the implicit one, known to '
     'lead to flatter minima that generalise better (Keskar et al., 2017), '
     'and with batch norm it also draws each clip\'s normalisation from '
     'fewer others)', 'batch', 4),
)

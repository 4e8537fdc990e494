# The TinyVIRAT method (Demir, Rawat, Shah; section IV, Figures 5-6): DVSR x8 (16 frames of
# 14x14 -> 16 frames of 112x112, grown x2 -> x4 -> x8 with 4 -> 8 -> 16 frames), a
# weakly-supervised foreground attention branch on the encoder features, and I3D-ResNet50
# (the architecture of ./i3d_r50.py, 26-class ASLHead with BCE) as the action classifier.
# Channels are not given in the paper: ESRGAN's 64 / 32 (RRDB feature / growth).
# `stage` selects the training stage (see DVSRRecognizer): leaf configs set it.
_base_ = ['./i3d_r50.py']

classifier = _base_.model
# mmaction2's I3D-R50 Kinetics-400 checkpoint for `classifier_init` (its 400-class fc is
# skipped); the paper used Charades weights, which mmaction2's zoo does not have.
i3d_k400 = ('https://download.openmmlab.com/mmaction/v1.0/recognition/i3d/'
            'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb/'
            'i3d_imagenet-pretrained-r50_8xb8-32x2x1-100e_kinetics400-rgb_20220812-e213c223.pth')
model = dict(
    _delete_=True,
    type='DVSRRecognizer',
    stage='sr',
    generator=dict(type='DVSR', scale=8, in_frames=16, mid_channels=64, growth_channels=32),
    attention=dict(type='ForegroundAttention', in_channels=64),
    classifier=classifier,
    lambda_rec=1.0,
    lambda_att=0.5)

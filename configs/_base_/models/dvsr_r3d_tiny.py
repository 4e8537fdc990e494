# CPU-sized TinyVIRAT method: DVSR x4 (8 frames of 14x14 -> 8 frames of 56x56, grown x2 -> x4
# with 4 -> 8 frames; 8 feature / 8 growth channels), foreground attention, and the demo's
# small 3D ResNet-18 (./r3d_tiny.py, from scratch) as the classifier.
_base_ = ['./r3d_tiny.py']

classifier = _base_.model
model = dict(
    _delete_=True,
    type='DVSRRecognizer',
    stage='sr',
    generator=dict(type='DVSR', scale=4, in_frames=8, mid_channels=8, growth_channels=8),
    attention=dict(type='ForegroundAttention', in_channels=8),
    classifier=classifier,
    lambda_rec=1.0,
    lambda_att=0.5)

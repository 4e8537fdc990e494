# A 3D ResNet-18 sized for a few hundred clips trained from scratch on CPU: the demo's
# small 3D ResNet (r3d_tiny.py: depth 18, two basic blocks per stage, 16-32-64-128
# channels) with a lighter stem (conv1 3x5x5, spatial stride 2, no max-pooling); time is
# halved in stages 2-4. Input: 6 channels per segment, the RGB frame and the motion
# energy of its segment (SegmentMotion('rgb+energy'), see
# configs/_base_/datasets/tiny_surveillance_lr.py), normalised with ImageNet statistics
# and with mean 2 / std 5 (the energy's measured mean and std on the train clips are 1.8
# and 5.1 at 32 px, 1.8 and 4.6 taken at the native size and area-resized). Binary
# cross-entropy on sigmoid scores (multi-label head, paper section 5); the KD student
# swaps the head for a KDHead.
_base_ = ['./r3d_tiny.py']

model = dict(
    backbone=dict(
        in_channels=6,
        conv1_kernel=(3, 5, 5),
        conv1_stride_s=2,
        with_pool1=False),
    cls_head=dict(
        num_classes=2, loss_cls=dict(type='BCELossWithLogits'), dropout_ratio=0.5),
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53, 2.0, 2.0, 2.0],
        std=[58.395, 57.12, 57.375, 5.0, 5.0, 5.0]))

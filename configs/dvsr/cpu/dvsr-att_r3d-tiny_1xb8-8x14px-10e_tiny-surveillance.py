# CPU-sized stage 2 (equation 3): the stage-1 progressive DVSR, the attention branch and the
# small 3D ResNet (from scratch) trained jointly on the real twins: L1 weighted by F_att
# + 0.5 * (BCE on SR * F_att + 0.5 * |F_att|_1).
_base_ = [
    '../../_base_/models/dvsr_r3d_tiny.py', '../../_base_/datasets/tiny_surveillance_dvsr.py',
    '../../_base_/schedules/dvsr_adam_epochs.py', '../../_base_/default_runtime.py'
]

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
model = dict(
    stage='joint',
    classifier=dict(cls_head=dict(num_classes={{_base_.num_classes}})),
    generator_ckpt='work_dirs/dvsr-x4-prog_1xb8-8x14px-600it_tiny-surveillance/iter_600.pth')

# CPU-sized final stage (equation 4): the small 3D ResNet (from scratch) trained on the
# outputs of a frozen DVSR; test runs DVSR -> classifier end to end. The DVSR is the stage-2
# one ("Prog. DVSR + Att."); for the other ablation rows pass a stage-1 checkpoint:
#   --cfg-options model.generator_ckpt=work_dirs/dvsr-x4-{e2e,prog}_.../iter_600.pth
_base_ = [
    '../../_base_/models/dvsr_r3d_tiny.py', '../../_base_/datasets/tiny_surveillance_dvsr.py',
    '../../_base_/schedules/dvsr_adam_epochs.py', '../../_base_/default_runtime.py'
]

max_epochs = 10
train_cfg = dict(max_epochs=max_epochs, val_interval=5)
model = dict(
    stage='cls',
    attention=None,
    classifier=dict(cls_head=dict(num_classes={{_base_.num_classes}})),
    generator_ckpt='work_dirs/dvsr-att_r3d-tiny_1xb8-8x14px-10e_tiny-surveillance/epoch_10.pth')

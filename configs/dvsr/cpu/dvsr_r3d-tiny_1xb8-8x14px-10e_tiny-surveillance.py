# CPU-sized final stage (equation 4): the small 3D ResNet (from scratch again) trained on the
# outputs of a frozen DVSR, without the attention branch; test runs DVSR -> classifier end to
# end. The DVSR is the stage-2 one ("Prog. DVSR + Att."); for the other ablation rows pass a
# stage-1 checkpoint:
#   --cfg-options model.generator_ckpt=work_dirs/dvsr-x4-{e2e,prog}_.../iter_600.pth
_base_ = ['./dvsr-att_r3d-tiny_1xb8-8x14px-10e_tiny-surveillance.py']

model = dict(
    stage='cls',
    attention=None,
    generator_ckpt='work_dirs/dvsr-att_r3d-tiny_1xb8-8x14px-10e_tiny-surveillance/epoch_10.pth')

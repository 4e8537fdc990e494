# TinyVIRAT method, final stage (equation 4), "I3D + Prog. DVSR + Att." (Tables II and V, last
# row): I3D-R50 (Kinetics-400 init) trained on the outputs of the frozen DVSR from stage 2,
# without the attention branch; test runs DVSR -> I3D end to end on 14 px clips.
_base_ = [
    '../_base_/models/dvsr_i3d_r50.py', '../_base_/datasets/tinyvirat_dvsr.py',
    '../_base_/schedules/dvsr_adam_epochs.py', '../_base_/default_runtime.py'
]

model = dict(
    stage='cls',
    attention=None,
    generator_ckpt='work_dirs/dvsr-att_i3d-r50_8xb8-16x14px-10e_tinyvirat/epoch_10.pth',
    classifier_init={{_base_.i3d_k400}})

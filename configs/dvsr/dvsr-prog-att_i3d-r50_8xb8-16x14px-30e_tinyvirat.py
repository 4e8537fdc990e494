# TinyVIRAT method, final stage (equation 4), "I3D + Prog. DVSR + Att." (Tables II and V, last
# row): I3D-R50 (Kinetics-400 init, as in stage 2) trained again on the outputs of the frozen
# DVSR from stage 2, without the attention branch; test runs DVSR -> I3D end to end on
# 14 px clips.
_base_ = ['./dvsr-att_i3d-r50_8xb8-16x14px-10e_tinyvirat.py']

max_epochs = 30
train_cfg = dict(max_epochs=max_epochs)
model = dict(
    stage='cls',
    attention=None,
    generator_ckpt='work_dirs/dvsr-att_i3d-r50_8xb8-16x14px-10e_tinyvirat/epoch_10.pth')

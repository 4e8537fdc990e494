# "I3D + Prog. DVSR" (Tables II and V, row 3): the classifier on the stage-1 progressive DVSR
# (no attention training).
_base_ = ['./dvsr-prog-att_i3d-r50_8xb8-16x14px-30e_tinyvirat.py']

model = dict(generator_ckpt='work_dirs/dvsr-x8-prog_8xb8-16x14px-60k_virat-sr/iter_60000.pth')

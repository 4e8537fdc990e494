# "w/o DVSR" (Table V row 1, Table II "I3D"): the same 14 px input up-sampled x8 by bicubic
# interpolation instead of DVSR, same classifier, schedule and data.
_base_ = ['./dvsr-prog-att_i3d-r50_8xb8-16x14px-30e_tinyvirat.py']

model = dict(generator=None, scale=8, generator_ckpt=None)

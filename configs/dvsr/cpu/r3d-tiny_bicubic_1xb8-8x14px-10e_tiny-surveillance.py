# CPU-sized "w/o DVSR": the same 14 px input up-sampled x4 by bicubic interpolation.
_base_ = ['./dvsr_r3d-tiny_1xb8-8x14px-10e_tiny-surveillance.py']

model = dict(generator=None, scale=4, generator_ckpt=None)

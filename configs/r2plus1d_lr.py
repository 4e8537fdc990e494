# Short name of the R(2+1)D-ResNet34 + ASL config (the 2021 SUST&HKU entry's recipe).
_base_ = ['./recognition/r2plus1d/r2plus1d_r34_asl_8xb8-16seg-30e_tinyvirat-lr.py']

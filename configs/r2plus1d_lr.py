# Short name of the R(2+1)D-ResNet34 + ASL config with this project's recipe (16 uniform
# segments, data balance); the 2021 SUSTech & HKU entry's own recipe is r2plus1d_sust.py.
_base_ = ['./recognition/r2plus1d/r2plus1d_r34_asl_8xb8-16seg-30e_tinyvirat-lr.py']

# Short name: the SUSTech & HKU TinyAction entry (R(2+1)D-34 + ASL, random 16-frame sampling,
# 5 test views averaged; Wang et al. 2021, F1 0.4102).
_base_ = ['./recognition/r2plus1d/r2plus1d_r34_asl_8xb8-16rand-5view-30e_tinyvirat-lr-nobalance.py']

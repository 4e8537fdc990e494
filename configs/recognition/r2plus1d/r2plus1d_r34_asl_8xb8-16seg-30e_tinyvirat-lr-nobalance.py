# R(2+1)D-34 + ASL without data balance: the step from this project's recipe toward the
# SUSTech & HKU TinyAction entry (Wang et al. 2021, R(2+1)D-34 + ASL), which mentions no
# data balance.
_base_ = ['./r2plus1d_r34_asl_8xb8-16seg-30e_tinyvirat-lr.py']

train_dataloader = dict(dataset=dict(tail_flip=None))

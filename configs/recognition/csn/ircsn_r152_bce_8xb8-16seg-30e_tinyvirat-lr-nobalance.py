# Paper Table 1, ir-CSN "Uniform Sample" (F1 0.442): the ir-CSN config without data balance
# (no flipped tail-class copies).
_base_ = ['./ircsn_r152_bce_8xb8-16seg-30e_tinyvirat-lr.py']

train_dataloader = dict(dataset=dict(tail_flip=None))

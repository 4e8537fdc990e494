# Paper Table 1, UniFormer "Uniform Sample" (F1 0.439): the UniFormer config without data
# balance (no flipped tail-class copies).
_base_ = ['./uniformer-base_bce_8xb8-16seg-30e_tinyvirat-lr.py']

train_dataloader = dict(dataset=dict(tail_flip=None))

# Real proxy, data-balance ablation (paper section 2): the recipe (surveillance_lr.py)
# with one extra, horizontally flipped copy of every clip of the smaller class (fight:
# 80 of 173 train clips), so an epoch has 253 samples.
_base_ = ['./surveillance_lr.py']

train_dataloader = dict(
    dataset=dict(tail_flip=dict(_delete_=True, classes=['fight'], copies=1)))

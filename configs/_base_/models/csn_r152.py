# ir-CSN-ResNet152 (Tran et al., ICCV 2019), the paper's first backbone (section 2):
# mmaction2's own `_base_/models/ircsn_r152.py` (so its Kinetics-400 checkpoints load into
# it) with the multi-label ASLHead for the 26 TinyVIRAT-v2 classes (./asl_head.py). Built
# from scratch: the leaf configs (configs/recognition/csn/) load the Kinetics-400
# checkpoint with `load_from`.
_base_ = ['mmaction::_base_/models/ircsn_r152.py', './asl_head.py']

# test_cfg: mmaction2's `max_testing_views=10` needs a test batch of one clip; ours is 8.
model = dict(cls_head=_base_.asl_head, test_cfg=None)

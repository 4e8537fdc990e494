# The multi-label head of every TinyVIRAT-v2 recognizer base (26 classes, BCE, the paper's
# main loss; dropout 0.5, section 5). A model base puts it on its backbone with
# `cls_head=_base_.asl_head` (mmaction2's I3DHead fields are a subset: they are replaced)
# and adds `in_channels` where no mmaction2 base gives it. The `_asl_` leaf configs swap in
# ASL; distillation swaps the head type, e.g. `model = dict(cls_head=dict(type='KDHead'))`.
asl_head = dict(
    type='ASLHead',
    num_classes=26,
    loss_cls=dict(type='BCELossWithLogits'),
    spatial_type='avg',
    dropout_ratio=0.5,
    init_std=0.01,
    average_clips='prob')

# Real tiny CCTV clips (../shared/data/tiny_surveillance: fight / no_fight, 24-112 px
# low-res `lr/` with 112 px `hr/` twins, TinyVIRAT-v2 annotation format), for the real
# proxy experiment of dual-resolution distillation (benchmarks/proxy_surveillance.py).
# Another split: change only `ann_file` / `data_prefix` (e.g. with --cfg-options).
_base_ = ['./demo_lr.py']

data_root = '../shared/data/tiny_surveillance'
class_map = data_root + '/class_map.json'
num_classes = 2
train_dataloader = dict(dataset=dict(
    ann_file=data_root + '/train/annotations.json',
    data_prefix=dict(video=data_root + '/train/lr'),
    class_map=class_map, num_classes=num_classes, tail_flip=None))
val_dataloader = dict(dataset=dict(
    ann_file=data_root + '/val/annotations.json',
    data_prefix=dict(video=data_root + '/val/lr'),
    class_map=class_map, num_classes=num_classes))
test_dataloader = val_dataloader

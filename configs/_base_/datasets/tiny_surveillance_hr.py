# tiny_surveillance high-res twins (112 px `hr/`): the stand-in for super-resolved clips.
_base_ = ['./demo_hr.py']

data_root = '../shared/data/tiny_surveillance'
class_map = data_root + '/class_map.json'
num_classes = 2
train_dataloader = dict(dataset=dict(
    ann_file=data_root + '/train/annotations.json',
    data_prefix=dict(video=data_root + '/train/hr'),
    class_map=class_map, num_classes=num_classes, tail_flip=None))
val_dataloader = dict(dataset=dict(
    ann_file=data_root + '/val/annotations.json',
    data_prefix=dict(video=data_root + '/val/hr'),
    class_map=class_map, num_classes=num_classes))
test_dataloader = val_dataloader

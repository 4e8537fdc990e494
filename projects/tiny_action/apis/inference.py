"""Building a trained recognizer for inference (plain or distilled)."""
import copy
import os.path as osp
import warnings
from typing import List, Optional, Sequence, Tuple, Union

from mmengine.config import Config, ConfigDict
from mmengine.model import BaseModel
from mmengine.registry import init_default_scope

from mmaction.registry import MODELS
from tiny_action.datasets.class_map import load_class_map
from tiny_action.models.recognizers import (load_checkpoint_strict,
                                            student_config)

__all__ = ['init_recognizer', 'recognizer_config', 'class_names']

ConfigType = Union[str, Config, ConfigDict, dict]


def _as_config(config: ConfigType) -> Config:
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file {config} does not exist')
        return Config.fromfile(config)
    if isinstance(config, Config):
        return copy.deepcopy(config)
    if isinstance(config, (ConfigDict, dict)):
        return Config(copy.deepcopy(dict(config)))
    raise TypeError('`config` should be a config file path or a config, but '
                    f'got {type(config).__name__}')


def recognizer_config(model_cfg: dict) -> dict:
    """The recognizer that inference runs: the model itself, or the student
    of a ``DualResolutionRecognizer`` (the teacher is never built).

    Args:
        model_cfg (dict): The config's ``model``.

    Returns:
        dict: A recognizer config.
    """
    model_cfg = dict(model_cfg)
    if str(model_cfg.get('type', '')).split('.')[-1] == \
            'DualResolutionRecognizer':
        if 'student' not in model_cfg:
            raise ValueError('a DualResolutionRecognizer config needs a '
                             '`student`')
        return dict(student_config(model_cfg['student'],
                                   model_cfg.get('student_overrides')))
    return model_cfg


def class_names(cfg: Config, meta: dict, num_classes: int,
                classes: Optional[Sequence[str]] = None) -> List[str]:
    """The class names of a recognizer, by priority: ``classes``; the
    checkpoint's ``dataset_meta``; the test dataset's ``class_map`` in the
    config (when the file exists); ``class_0``, ``class_1``, ...

    Raises:
        ValueError: The names found do not match ``num_classes``.
    """
    source = 'the given classes'
    if classes is None:
        classes = (meta.get('dataset_meta') or {}).get('classes')
        source = 'the checkpoint meta'
    if classes is None:
        class_map = cfg.get('test_dataloader', {}).get('dataset', {}).get(
            'class_map')
        if isinstance(class_map, str) and osp.isfile(class_map):
            classes, source = load_class_map(class_map), class_map
        elif isinstance(class_map, (list, tuple, dict)):
            classes, source = load_class_map(class_map), 'the config'
    if classes is None:
        return [f'class_{i}' for i in range(num_classes)]
    classes = [str(c) for c in classes]
    if len(classes) != num_classes:
        raise ValueError(f'{source} names {len(classes)} classes but the '
                         f'recognizer predicts {num_classes}')
    return classes


def init_recognizer(config: ConfigType,
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu') -> Tuple[BaseModel, Config, dict]:
    """Build the recognizer of ``config`` and load ``checkpoint`` strictly.

    A distillation config (``DualResolutionRecognizer``) builds only its
    student; its checkpoint's ``student.*`` weights are loaded (an extracted
    student checkpoint, ``tools/model_converters/extract_student.py``, works
    too). Nothing is downloaded: ``init_weights`` is not called, so
    ``load_from`` and ``init_cfg`` of the config are ignored.

    Args:
        config (str | Config | dict): Config file or config.
        checkpoint (str, optional): Checkpoint file. None leaves the weights
            randomly initialised (with a warning). Defaults to None.
        device (str): Device of the model. Defaults to ``'cpu'``.

    Returns:
        tuple: The model in eval mode (``model.cfg`` is the config), the
        config, and the checkpoint's ``meta`` (empty without checkpoint).

    Raises:
        FileNotFoundError: The config or the checkpoint does not exist.
        ValueError: The checkpoint does not fit the recognizer (the missing,
            unexpected and mis-shaped keys are listed).
    """
    cfg = _as_config(config)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    model = MODELS.build(recognizer_config(cfg.model))
    if not hasattr(getattr(model, 'cls_head', None), 'num_classes'):
        raise TypeError(f'the model of {config!r} is not a recognizer with a '
                        '`cls_head`')
    meta = {}
    if checkpoint is not None:
        meta = load_checkpoint_strict(model, checkpoint, 'recognizer',
                                      prefix='student.')
    else:
        warnings.warn('no checkpoint given: the recognizer is randomly '
                      'initialised')
    model.cfg = cfg
    model.to(device)
    model.eval()
    return model, cfg, meta

"""What the recognizers here share: the ``mode`` dispatch of ``forward`` and
the check that every sample carries its high-resolution clip."""
from typing import List, Optional, Sequence

import torch
from mmengine.model import BaseModel


class ModeDispatchModel(BaseModel):
    """A ``BaseModel`` whose ``forward`` dispatches on ``mode`` as mmaction's
    ``BaseRecognizer`` does.

    ``'loss'`` calls ``self.loss(inputs, data_samples)``, ``'predict'`` calls
    ``self.predict(inputs, data_samples)`` and ``'tensor'`` calls
    ``self._forward(inputs)``; subclasses implement those three. Any other
    mode raises ``RuntimeError``.
    """

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List] = None,
                mode: str = 'tensor'):
        """Dispatch to ``loss``, ``predict`` or ``_forward`` by ``mode``."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self._forward(inputs)
        raise RuntimeError(f'Invalid mode "{mode}". Only supports loss, '
                           'predict and tensor mode')

    def loss(self, inputs: torch.Tensor, data_samples: List) -> dict:
        """Training losses of a batch."""
        raise NotImplementedError

    def predict(self, inputs: torch.Tensor, data_samples: List) -> List:
        """Predictions of a batch, written into ``data_samples``."""
        raise NotImplementedError

    def _forward(self, inputs: torch.Tensor):
        """The raw network output of a batch (``mode='tensor'``)."""
        raise NotImplementedError


def sr_inputs_of(data_samples: Sequence, need: str,
                 remedy: str) -> List[torch.Tensor]:
    """The ``sr_inputs`` of every sample, in order.

    Args:
        data_samples (Sequence): The batch's data samples.
        need (str): What needs them, e.g. ``'online distillation'``.
        remedy (str): How to give them, appended to the error.

    Raises:
        KeyError: some samples have no ``sr_inputs`` (the first five are
            named).
    """
    missing = [i for i, s in enumerate(data_samples) if 'sr_inputs' not in s]
    if missing:
        raise KeyError(f'{need} needs the high-resolution clip of every '
                       f'sample, missing for samples {missing[:5]}: '
                       f'{remedy}')
    return [s.sr_inputs for s in data_samples]

"""Source-video-balanced sampling of the training clips."""
from typing import Optional, Sized

from mmaction.registry import DATA_SAMPLERS

from .class_balanced_sampler import ClassBalancedSampler

__all__ = ['VideoBalancedSampler']


@DATA_SAMPLERS.register_module()
class VideoBalancedSampler(ClassBalancedSampler):
    """Draw every epoch's training samples with replacement, each clip
    weighing ``n ** -power`` where ``n`` is the number of clips cut from its
    source video (``video_id`` of the annotations): with ``power`` 1 every
    video comes up equally often, with 0 every clip does (uniform draws).

    Clips cut from one long video share its camera and scene, so a video
    with twenty clips otherwise weighs twenty times as much as a video with
    one, while a model is asked to work on new videos. The default, 0.5,
    makes a video weigh the square root of its clip count. Epoch length,
    seeding and the split across ranks are ``ClassBalancedSampler``'s; a
    flipped copy (``TailFlipBalance``) counts as a clip of its video. Use it
    in place of mmengine's ``DefaultSampler``::

        train_dataloader = dict(sampler=dict(_delete_=True,
                                             type='VideoBalancedSampler'))

    Args:
        dataset (Sized): The training dataset; ``get_data_info(i)`` gives
            each sample's ``video_id``.
        power (float): How far to balance the videos, in ``[0, 1]``.
            Defaults to 0.5.
        seed (int, optional): Random seed, shared across ranks; None draws
            one and synchronises it. Defaults to None.
    """

    def __init__(self, dataset: Sized, power: float = 0.5,
                 seed: Optional[int] = None) -> None:
        super().__init__(dataset, power=power, seed=seed)

    def sample_groups(self, info: dict, index: int) -> list:
        """The sample's source video, ``[video_id]``.

        Raises:
            KeyError: The info has no ``video_id`` (the message names the
                index and the file).
        """
        video = info.get('video_id')
        if video is None or video == '':
            raise KeyError(
                f'VideoBalancedSampler: sample {index} '
                f'({info.get("filename", "no filename")!r}) has no '
                '"video_id": the sampler groups the training clips by their '
                'source video (the annotations\' "video_id")')
        return [video]

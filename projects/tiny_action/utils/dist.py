"""Sharding work over ranks for the offline tools (SR, teacher cache)."""
import datetime
import os
from typing import List, Tuple

from mmengine.dist import get_dist_info


def shard_indices(num_items: int, rank: int, world_size: int) -> List[int]:
    """Indices of the items of ``rank``: ``i % world_size == rank``; every
    item belongs to exactly one rank."""
    if not 0 <= rank < world_size:
        raise ValueError(f'rank should be in [0, world_size={world_size}), '
                         f'but got {rank}')
    return list(range(rank, num_items, world_size))


def setup_launcher(launcher: str, timeout_hours: float = 24.0
                   ) -> Tuple[int, int, bool]:
    """``(rank, world_size, has_process_group)`` for ``launcher``.

    ``'pytorch'`` (``torchrun``, one or several nodes) initialises a gloo
    group, used only to coordinate (each rank computes on its own device);
    ``'none'`` reads ``RANK``/``WORLD_SIZE`` from the environment (default
    a single rank), so shards can also be run as separate jobs.
    """
    if launcher == 'pytorch':
        import torch.distributed as dist
        missing = [k for k in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR',
                               'MASTER_PORT') if k not in os.environ]
        if missing:
            raise ValueError(f'--launcher pytorch needs {missing} in the '
                             'environment (start with torchrun)')
        if not dist.is_initialized():
            dist.init_process_group(
                'gloo', timeout=datetime.timedelta(hours=timeout_hours))
        rank, world_size = get_dist_info()
        return rank, world_size, True
    if launcher != 'none':
        raise ValueError(f'launcher should be "none" or "pytorch", got '
                         f'{launcher!r}')
    try:
        rank = int(os.environ.get('RANK', 0))
        world = int(os.environ.get('WORLD_SIZE', 1))
    except ValueError as e:
        raise ValueError(f'RANK / WORLD_SIZE should be integers: {e}')
    return rank, world, False

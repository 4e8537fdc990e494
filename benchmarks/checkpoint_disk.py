"""Disk cost of checkpoint retention for the paper's models.

For each config, builds the model and its optimizer (the config's
``optim_wrapper``), takes one AdamW step so the optimizer holds its state,
writes a checkpoint as mmengine's runner does (weights, meta, optimizer) and
slims a copy with ``SlimCheckpointHook``'s ``slim_checkpoint``. Prints the
sizes and the disk a ``max_epochs`` run needs under three policies:

- ``max_keep_ckpts=3`` (the old default; cannot serve a middle-epoch
  ensemble): 3 full checkpoints + best;
- keep all, whole: ``max_epochs`` full checkpoints + best;
- ``SlimCheckpointHook`` (default): ``max_epochs - 1`` slim + 1 full + best
  (the best checkpoint never holds optimizer state).

Usage (CPU, a minute; writes to a temporary folder)::

    python benchmarks/checkpoint_disk.py [CONFIG ...]
"""
import argparse
import os.path as osp
import sys
import tempfile

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT = ('configs/csn_lr.py', 'configs/uniformer_lr.py',
           'configs/r2plus1d_lr.py')
MIB, GIB = 2**20, 2**30


def checkpoint_sizes(config: str, folder: str):
    """``(full bytes, slim bytes, max_epochs)`` of ``config``'s model."""
    import tiny_action  # noqa: F401  (registers, compat)
    from mmaction.registry import MODELS
    from mmaction.utils import register_all_modules
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.runner import save_checkpoint, weights_to_cpu
    from tiny_action.engine.hooks import slim_checkpoint
    register_all_modules(init_default_scope=True)
    cfg = Config.fromfile(osp.join(REPO, config))
    cfg.model.backbone.pretrained = None
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    sum(p.sum() for p in model.parameters() if p.requires_grad).backward()
    wrapper.step()  # AdamW now holds exp_avg / exp_avg_sq per parameter
    path = osp.join(folder, osp.basename(config) + '.pth')
    save_checkpoint(dict(meta=dict(epoch=1, iter=1),
                         state_dict=weights_to_cpu(model.state_dict()),
                         optimizer=wrapper.state_dict()), path)
    full, slim = slim_checkpoint(path)
    return full, slim, cfg.train_cfg.max_epochs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='*', default=list(DEFAULT))
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f'{"config":24s} {"full MiB":>9s} {"slim MiB":>9s} {"epochs":>6s} '
          f'{"keep 3":>9s} {"keep all":>9s} {"default":>9s}  (run, GiB)')
    with tempfile.TemporaryDirectory() as folder:
        for config in args.configs:
            full, slim, epochs = checkpoint_sizes(config, folder)
            keep3 = 3 * full + slim
            keep_all = epochs * full + slim
            slim_all = (epochs - 1) * slim + full + slim
            print(f'{osp.basename(config):24s} {full / MIB:9.1f} '
                  f'{slim / MIB:9.1f} {epochs:6d} {keep3 / GIB:9.2f} '
                  f'{keep_all / GIB:9.2f} {slim_all / GIB:9.2f}')
    return 0


if __name__ == '__main__':
    sys.exit(main())

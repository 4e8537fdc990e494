"""The main job on the embedded demo dataset, step by step.

Every training and test step runs the *stock* mmaction2 scripts through the
repo's ``tools/train.py`` / ``tools/test.py`` in a subprocess, exactly as a
user would. Steps whose outputs exist are skipped, so a rerun after an
interruption continues (training resumes from its last checkpoint).
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

from tiny_action.evaluation import macro_prf


def chance_baselines(labels: np.ndarray, seed: int = 0) -> Dict[str, float]:
    """Macro-F1 of label-blind predictors on the same clips: every class
    predicted for every clip, and a fair coin per class and clip."""
    rng = np.random.default_rng(seed)
    return {
        'all-positive':
        macro_prf(np.ones_like(labels), labels)['f1'],
        'coin-flip':
        macro_prf(rng.random(labels.shape).astype(np.float32), labels)['f1'],
    }


def threshold_mode_report(summary_file: str) -> Tuple[str, List[str]]:
    """The threshold mode the ensemble chose (from its ``summary.json``) and
    lines saying so, with each mode's cross-validated macro F1 on val."""
    with open(summary_file) as f:
        val = json.load(f)['val']
    lines = []
    if 'threshold_modes' in val:
        folds = val['cross_validated']['folds']
        lines.append(f'threshold modes, {folds}-fold cross-validated macro '
                     'F1 on val (+ groups): ' + ', '.join(
                         f'{m} {v["f1"]:.3f}'
                         for m, v in val['threshold_modes'].items()))
    lines.append(f'threshold mode chosen: {val["threshold_mode"]} '
                 f'({val["threshold_mode_reason"]})')
    return val['threshold_mode'], lines


class DemoJob:
    """Runs the demo steps from the repository root ``repo``.

    Args:
        repo (str): repository root (holds ``tools/`` and ``configs/``).
        work_dir (str): where checkpoints, dumps and logs go.
        data_dir (str): the demo dataset folder.
        python (str): interpreter running the tools. Defaults to this one.
    """

    def __init__(self, repo: str, work_dir: str, data_dir: str,
                 python: Optional[str] = None) -> None:
        self.repo = repo
        self.work_dir = work_dir
        self.data_dir = data_dir
        self.python = python or sys.executable
        self.timings: Dict[str, float] = {}

    def _run(self, step: str, args: List[str]) -> None:
        log = osp.join(self.work_dir, f'{step}.log')
        os.makedirs(self.work_dir, exist_ok=True)
        cmd = [self.python] + args
        print(f'[demo] {step}: {" ".join(args)}  (log: {log})', flush=True)
        start = time.time()
        with open(log, 'w') as f:
            proc = subprocess.run(cmd, cwd=self.repo, stdout=f,
                                  stderr=subprocess.STDOUT,
                                  env=dict(os.environ, PYTHONUNBUFFERED='1'))
        self.timings[step] = time.time() - start
        if proc.returncode != 0:
            with open(log) as f:
                tail = f.read()[-4000:]
            raise RuntimeError(f'[demo] step {step} failed '
                               f'(exit {proc.returncode}); end of {log}:\n'
                               f'{tail}')

    def make_data(self) -> None:
        self._run('make_data', ['demo/make_demo_data.py', '--out',
                                self.data_dir])

    def train(self, name: str, config: str, extra: List[str] = (),
              select: str = 'best') -> str:
        """Train ``config`` into ``work_dir/name`` (resuming an interrupted
        run); returns the checkpoint selected on val (``select='best'``,
        best macro F1) or the last one (``'last'``)."""
        out = osp.join(self.work_dir, name)
        args = ['tools/train.py', config, '--work-dir', out]
        if osp.exists(osp.join(out, 'last_checkpoint')):
            args.append('--resume')  # continues, or returns if finished
        self._run(f'train_{name}', args + list(extra))
        if select == 'last':
            with open(osp.join(out, 'last_checkpoint')) as f:
                return f.read().strip()
        best = sorted(glob.glob(osp.join(out, 'best_f1_epoch_*.pth')))
        if not best:
            raise RuntimeError(f'[demo] {out} has no best_f1 checkpoint')
        return best[-1]

    def test(self, name: str, config: str, checkpoint: str, split: str,
             extra: List[str] = ()) -> str:
        """``tools/test.py --dump`` of ``checkpoint`` on ``split`` (val or
        test); returns the dump path (kept if it exists)."""
        dump = osp.join(self.work_dir, 'dumps', f'{name}_{split}.pkl')
        if osp.exists(dump):
            return dump
        opts = []
        if split != 'test':  # the demo configs test on the test split
            opts = ['--cfg-options',
                    'test_dataloader.dataset.ann_file='
                    f'{self.data_dir}/tiny_{split}_v2.json',
                    'test_dataloader.dataset.data_prefix.video='
                    f'{self.data_dir}/{self._video_dir(config)}/{split}']
        self._run(f'test_{name}_{split}', ['tools/test.py', config,
                                           checkpoint, '--dump', dump] +
                  opts + list(extra))
        return dump

    @staticmethod
    def _video_dir(config: str) -> str:
        return 'videos_hr' if config.endswith('_hr.py') else 'videos'

    # ---------------------------------------------- inference (issue 13)
    def infer(self, config: str, checkpoint: str, thresholds: str,
              groups: str, num_clips: int = 4, window: int = 16,
              stride: int = 8) -> Dict[str, str]:
        """``tools/infer.py`` as a user runs it: on the first ``num_clips``
        demo test videos, and on a long video made of one test clip per
        primary motion (windows of ``window`` frames every ``stride``);
        prints the labels next to the truth; returns the outputs (JSON
        files and the pictures' folder)."""
        from tiny_action.tools.demo.long_video import concat_clips
        from tiny_action.datasets.annotations import read_annotation_entries
        out = osp.join(self.work_dir, 'infer')
        entries = read_annotation_entries(
            osp.join(self.data_dir, 'tiny_test_v2.json'))
        root = osp.join(self.data_dir, 'videos', 'test')
        clips = [osp.join(root, e['path']) for e in entries[:num_clips]]
        chosen, seen = [], set()
        for e in entries:  # one clip per primary motion, in file order
            if e['label'][0] not in seen:
                seen.add(e['label'][0])
                chosen.append(e)
        long_video = osp.join(out, 'long_test_video.mp4')
        segments = concat_clips([osp.join(root, e['path']) for e in chosen],
                                long_video)
        common = [config, checkpoint, '--thresholds', thresholds,
                  '--groups', groups, '--show-dir', osp.join(out, 'pictures')]
        files = dict(clips=osp.join(out, 'clips.json'),
                     long=osp.join(out, 'long_video.json'),
                     pictures=osp.join(out, 'pictures'))
        self._run('infer_clips', ['tools/infer.py'] + common + clips +
                  ['--out', files['clips']])
        self._run('infer_long_video', ['tools/infer.py'] + common + [
            long_video, '--window', str(window), '--stride', str(stride),
            '--out', files['long']])
        truth = {osp.join(root, e['path']): e['label'] for e in entries}
        print_inference(files, truth, [(s, e, c['label']) for c, (_, s, e)
                                       in zip(chosen, segments)])
        return files


def print_inference(files: Dict[str, str], truth: Dict[str, List[str]],
                    segments: List[tuple]) -> None:
    """Print the demo's inference results next to the true labels."""
    import json
    with open(files['clips']) as f:
        clips = json.load(f)
    with open(files['long']) as f:
        long_video = json.load(f)['predictions'][0]
    print('\n[demo] tools/infer.py on demo test videos (KD student, '
          'ensemble thresholds, groups):')
    for p in clips['predictions']:
        print(f'  {osp.basename(p["input"])}: predicted '
              f'{", ".join(p["labels"]) or "(none)"}; true '
              f'{", ".join(truth[p["input"]])}')
    print(f'[demo] long video ({long_video["num_frames"]} frames = '
          f'{len(segments)} test clips), windows of '
          f'{long_video["windows"][0]["end"] - long_video["windows"][0]["start"]}'
          ' frames:')
    for s, e, labels in segments:
        print(f'  clip at frames {s:3d}-{e:3d}: true {", ".join(labels)}')
    for w in long_video['windows']:
        print(f'  window {w["start"]:3d}-{w["end"]:3d}: predicted '
              f'{", ".join(w["labels"]) or "(none)"}')
    print(f'[demo] pictures (annotated videos, stills, timeline): '
          f'{files["pictures"]}/')

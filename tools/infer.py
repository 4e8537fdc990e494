"""Multi-label inference on new videos with a trained model.

    python tools/infer.py CONFIG CHECKPOINT INPUT... [--out preds.json|preds.csv]
        [--thresholds 0.5|thresholds.json] [--groups groups.yaml|default]
        [--window N [--stride M]] [--batch-size B] [--device cpu|cuda]
        [--on-error raise|skip] [--show-dir DIR [--show-type mp4|gif]]

INPUT: video files and/or folders of videos (searched recursively). Every
clip goes through the config's test pipeline, so its probabilities equal
what `tools/test.py --dump` gives it. A distillation checkpoint runs its
student only. `--window N --stride M` cuts every input into windows of N
frames (long videos). A bad input stops the run with an error naming it,
unless `--on-error skip` (then it is listed and counted in the output).
"""
import argparse
import sys

from tiny_action.apis import (InferenceInputError, TinyActionInferencer,
                              format_predictions)


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='\n'.join(__doc__.splitlines()[2:]))
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('inputs', nargs='+', metavar='INPUT',
                        help='video files and/or folders of videos')
    parser.add_argument('--out', default='',
                        help='write the predictions here (.json or .csv)')
    parser.add_argument('--thresholds', default='0.5',
                        help='one threshold, or a thresholds file (the '
                        "ensemble's thresholds.json, a JSON {class: "
                        'threshold} map, or one value a line)')
    parser.add_argument('--groups', default=None,
                        help='groups of mutually exclusive classes (a groups '
                        'file, or "default" for TinyVIRAT-v2); one class per '
                        'group is kept')
    parser.add_argument('--rank-by', choices=('score', 'margin'),
                        default='score',
                        help='which predicted class of a group is kept')
    parser.add_argument('--class-map', default=None,
                        help='class names, when the checkpoint has none')
    parser.add_argument('--window', type=int, default=None,
                        help='cut every input into windows of N frames')
    parser.add_argument('--stride', type=int, default=None,
                        help='frames between window starts (default: N)')
    parser.add_argument('--batch-size', type=int, default=8,
                        help='clips per forward')
    parser.add_argument('--device', default=None,
                        help='cpu, cuda, cuda:1 ... (default: cuda if there '
                        'is one)')
    parser.add_argument('--on-error', choices=('raise', 'skip'),
                        default='raise')
    parser.add_argument('--show-dir', default='',
                        help='write annotated videos, stills and timelines')
    parser.add_argument('--show-type', choices=('mp4', 'gif'), default='mp4')
    parser.add_argument('--show-height', type=int, default=256,
                        help='height of the annotated frames')
    parser.add_argument('--prefetch', type=int, default=2,
                        help='batches decoded ahead in a background thread')
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument('--quiet', action='store_true',
                        help='do not print the predictions')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    classes = None
    if args.class_map:
        from tiny_action.datasets.class_map import load_class_map
        classes = load_class_map(args.class_map)
    inferencer = TinyActionInferencer(
        args.config, args.checkpoint, device=args.device,
        thresholds=args.thresholds, groups=args.groups, rank_by=args.rank_by,
        classes=classes, prefetch=args.prefetch,
        show_progress=not args.no_progress)
    try:
        result = inferencer(
            args.inputs, batch_size=args.batch_size, window=args.window,
            stride=args.stride, on_error=args.on_error,
            vid_out_dir=args.show_dir,
            out_type='gif' if args.show_type == 'gif' else 'video',
            vis_height=args.show_height, pred_out_file=args.out)
    except InferenceInputError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    if not args.quiet:
        print(format_predictions(result))
    n = len(result['predictions'])
    print(f'{n} input(s) done, {result["num_skipped"]} skipped'
          + (f'; predictions: {args.out}' if args.out else '')
          + (f'; pictures: {args.show_dir}' if args.show_dir else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())

"""Validate a TinyVIRAT annotation file against its video root(s).

    python tools/data/validate_data.py ANN_FILE VIDEO_ROOT --class-map CLASS_MAP
        [--sr-root SR_ROOT] [--plot class_distribution.png] [--no-decode]

Reports missing, unreadable and truncated videos (and SR twins), zero-frame
and short clips, `dim` mismatches against the real file, unknown or malformed
labels (`null`, numbers), empty label lists, duplicate ids and the class
counts; writes a class-distribution plot (PNG). Exit status 1 when any error
was found (short clips, dim mismatches and empty label lists are warnings),
or when the file cannot be checked at all (unreadable, malformed JSON, no
entries, bad class map).
"""
import argparse
import sys

from tiny_action.tools.data.validate import (ERRORS, WARNINGS,
                                             plot_class_distribution,
                                             validate)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('ann_file')
    parser.add_argument('video_root')
    parser.add_argument('--class-map', required=True,
                        help='class_map.json (name -> index) or a text file '
                        'with one class name a line')
    parser.add_argument('--sr-root', help='root of the super-resolved twins')
    parser.add_argument('--min-frames', type=int, default=16)
    parser.add_argument('--plot', default='class_distribution.png')
    parser.add_argument('--no-decode', action='store_true',
                        help='only check annotations and file existence')
    parser.add_argument('--max-list', type=int, default=50,
                        help='findings listed per kind (all are counted)')
    args = parser.parse_args(argv)
    try:
        report = validate(args.ann_file, args.class_map, args.video_root,
                          args.sr_root, args.min_frames,
                          decode=not args.no_decode)
    except ValueError as e:  # AnnotationError or class map: the whole file
        print(f'ERROR {e}', file=sys.stderr)
        return 1
    print(f'\n{args.ann_file}: {report.num_entries} entries, '
          f'{report.num_checked} videos decoded')
    if report.frames:
        print(f'frames {min(report.frames)}-{max(report.frames)}, '
              f'size {min(report.sizes)}-{max(report.sizes)} px')
    print('class counts:')
    for name, n in sorted(zip(report.classes, report.class_counts),
                          key=lambda x: -x[1]):
        print(f'  {name:32s} {n}')
    for kind in ERRORS + WARNINGS:
        items = [f for f in report.findings if f.kind == kind]
        if not items:
            continue
        label = 'ERROR' if kind in ERRORS else 'warning'
        print(f'{label} {kind}: {len(items)}')
        for f in items[:args.max_list]:
            print(f'  {f.where}: {f.message}')
        if len(items) > args.max_list:
            print(f'  ... and {len(items) - args.max_list} more')
    plot_class_distribution(report, args.plot)
    print(f'class distribution plot: {args.plot}')
    print(f'errors: {report.count(ERRORS) or 0}; '
          f'warnings: {report.count(WARNINGS) or 0}')
    return 1 if report.num_errors else 0


if __name__ == '__main__':
    sys.exit(main())

"""Generate the embedded demo dataset (TinyVIRAT-v2 format, low-res + high-res).

    python demo/make_demo_data.py [--out data/tinyvirat_demo] [--seed 0]

Deterministic, resumable (a rerun finishes what a killed run left), atomic
writes. See tiny_action/tools/demo/data.py for what is drawn.
"""
import argparse

from tiny_action.tools.demo.data import class_counts, make_demo_dataset


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', default='data/tinyvirat_demo')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--hr-size', type=int, default=128)
    args = parser.parse_args()
    paths = make_demo_dataset(args.out, seed=args.seed, hr_size=args.hr_size)
    for split in ('train', 'val', 'test'):
        counts = class_counts(paths[split])
        print(f'{split}: {paths[split]}  label counts {counts}')


if __name__ == '__main__':
    main()

"""Save the student of a distillation (KD) checkpoint as a plain recognizer
checkpoint that a non-KD config loads.

    python tools/model_converters/extract_student.py work_dirs/csn_kd/best_f1_epoch_N.pth csn_kd_student.pth
"""
import argparse

import tiny_action  # noqa: F401
from tiny_action.tools.distillation import extract_student


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src')
    parser.add_argument('dst')
    args = parser.parse_args()
    n = extract_student(args.src, args.dst)
    print(f'{args.dst}: {n} student tensors')


if __name__ == '__main__':
    main()

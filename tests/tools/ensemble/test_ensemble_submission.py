import tiny_action  # noqa: F401  (compat shims + registration first)

import os
import re
import warnings

import numpy as np
import pytest
from ensemble_dumps import problem, write_annotation, write_dump

from tiny_action.tools.ensemble import (MissingPredictionsWarning,
                                        align_to_annotation, build_answer,
                                        load_annotation_entries, load_dump,
                                        read_answer_txt, write_answer_txt)
from tiny_action.tools.ensemble.submission import format_clip_id

LINE = re.compile(r'^\d{5}( [01]){8}$')


def test_answer_txt_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    ids = ['7', '00012', '3', '10000']
    entries = load_annotation_entries(
        str(write_annotation(tmp_path / 'test.json', ids)))
    preds = rng.random((4, 8)) > 0.6
    sample_ids = ['3', '7', '10000', '00012']  # dump order != id order
    answer_ids, flags, missing = build_answer(
        entries, sample_ids, preds)
    assert missing == 0
    assert answer_ids == ['00003', '00007', '00012', '10000']
    path = tmp_path / 'answer.txt'
    write_answer_txt(str(path), answer_ids, flags)
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and all(LINE.match(ln) for ln in lines)
    assert path.read_text().endswith('\n')
    back_ids, back_flags = read_answer_txt(str(path), num_classes=8)
    assert back_ids == answer_ids
    row = {s: i for i, s in enumerate(sample_ids)}
    for clip, flag_row in zip(back_ids, back_flags):
        src = next(s for s in sample_ids if int(s) == int(clip))
        np.testing.assert_array_equal(flag_row, preds[row[src]])
    assert [p for p in os.listdir(tmp_path) if p.endswith('.part')] == []


def test_missing_ids_are_zeros_with_a_warning(tmp_path):
    ids = [f'{i:05d}' for i in range(10)]
    entries = load_annotation_entries(
        str(write_annotation(tmp_path / 'test.json', ids)))
    preds = np.ones((7, 8), dtype=bool)
    with pytest.warns(MissingPredictionsWarning,
                      match=r"3 of 10 test clips have no prediction.*"
                      r"\['00002', '00005', '00009'\]"):
        answer_ids, flags, missing = build_answer(
            entries, [i for i in ids if i not in ('00002', '00005', '00009')],
            preds)
    assert missing == 3 and answer_ids == ids
    assert flags[[2, 5, 9]].sum() == 0 and flags.sum() == 7 * 8
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        build_answer(entries, ids, np.ones((10, 8), dtype=bool))


def test_align_by_id_filename_and_position(tmp_path):
    scores, _ = problem(1, n=6)
    ids = [f'{i:05d}' for i in range(6)]
    entries = load_annotation_entries(
        str(write_annotation(tmp_path / 'test.json', ids)))
    by_id = load_dump(str(write_dump(tmp_path / 'a.pkl', scores, ids=ids)))
    assert align_to_annotation(by_id.meta, 6, entries) == (ids, 'id')

    by_name = load_dump(str(write_dump(tmp_path / 'b.pkl', scores, ids=ids,
                                       meta_keys=('filename', ))))
    assert align_to_annotation(by_name.meta, 6, entries) == (ids,
                                                             'filename')
    stock = load_dump(str(write_dump(tmp_path / 'c.pkl', scores,
                                     meta_keys=('video_id', ))))
    with pytest.warns(UserWarning, match="by position.*Add 'id'"):
        assert align_to_annotation(stock.meta, 6, entries) == (ids,
                                                               'position')
    stock.meta['video_id'][4] = 'elsewhere'
    with pytest.raises(ValueError, match="sample 4 has video_id 'elsewhere'"):
        align_to_annotation(stock.meta, 6, entries)
    with pytest.raises(ValueError, match="cannot be aligned: add 'id'"):
        align_to_annotation({}, 5, entries)


def test_align_rejects_unknown_and_duplicate_ids(tmp_path):
    entries = load_annotation_entries(
        str(write_annotation(tmp_path / 'test.json', ['00000', '00001'])))
    with pytest.raises(ValueError, match=r"not in the test annotation file "
                       r"\(e.g. \['00042'\]\)"):
        align_to_annotation(dict(id=['00000', '00042']), 2, entries)
    with pytest.raises(ValueError, match='same clip id'):
        align_to_annotation(dict(id=['00000', '00000']), 2, entries)
    with pytest.raises(ValueError, match='matches no "path"'):
        align_to_annotation(dict(filename=['x/77777.mp4']), 1, entries)


def test_validation_of_ids_and_files(tmp_path):
    assert format_clip_id(12) == '00012' == format_clip_id('0012')
    with pytest.raises(ValueError, match='not a non-negative integer'):
        format_clip_id('clip_3')
    bad = tmp_path / 'bad.txt'
    bad.write_text('00001 0 1\n0002 1 0\n')
    with pytest.raises(ValueError, match=r'bad.txt:2: expected a 5-digit'):
        read_answer_txt(str(bad))
    bad.write_text('00001 0 1\n00002 1 0 1\n')
    with pytest.raises(ValueError, match=r':2: 3 flags, line 1 has 2'):
        read_answer_txt(str(bad))
    with pytest.raises(ValueError, match='flags should be 0 or 1'):
        write_answer_txt(str(tmp_path / 'a.txt'), ['1'], np.array([[2]]))
    dup = write_annotation(tmp_path / 'dup.json', ['1', '1'])
    with pytest.raises(ValueError, match="repeats id '1'"):
        load_annotation_entries(str(dup))

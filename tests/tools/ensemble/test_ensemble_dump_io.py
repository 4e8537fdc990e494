import tiny_action  # noqa: F401  (compat shims + registration first)

import pickle
import re
import warnings

import mmengine
import numpy as np
import pytest
import torch
from ensemble_dumps import problem, write_dump

from tiny_action.tools.ensemble import (DumpMismatchError, check_aligned,
                                  ensemble_scores, load_dump, load_ensemble)
from tiny_action.tools.ensemble.dump_io import RawTensor, read_pickle, stack_tensors


def _as_numpy(obj):
    if isinstance(obj, torch.Tensor):
        return obj.numpy()
    if isinstance(obj, dict):
        return {k: _as_numpy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_as_numpy(v) for v in obj)
    return obj


def _assert_same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b)
        for x, y in zip(a, b):
            _assert_same(x, y)
    else:
        assert a == b


@pytest.mark.parametrize('protocol', [2, pickle.HIGHEST_PROTOCOL])
def test_fast_unpickler_equals_torch(tmp_path, protocol):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 24
    obj = [
        dict(pred_score=torch.rand(26), gt_label=torch.tensor([0, 1, 1]),
             id='00012', img_shape=(32, 32)),
        dict(f16=torch.rand(5).half(), f64=torch.rand(3).double(),
             b=torch.tensor([True, False]), u8=torch.tensor([1, 255],
                                                            dtype=torch.uint8),
             i32=torch.tensor([-3, 7], dtype=torch.int32),
             col=base[:, 2], t=base.t(), view=base[1:3, 1:4],
             scalar=torch.tensor(0.25), empty=torch.zeros(0),
             bf16=torch.rand(3).bfloat16().float()),
    ]
    path = tmp_path / 'x.pkl'
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    fast = read_pickle(str(path))
    slow = _as_numpy(read_pickle(str(path), fast=False))
    _assert_same(fast, slow)


def test_fast_unpickler_falls_back_for_bfloat16(tmp_path):
    path = tmp_path / 'x.pkl'
    t = torch.rand(4).bfloat16()
    mmengine.dump([dict(x=t)], str(path))
    out = read_pickle(str(path))[0]['x']
    assert isinstance(out, torch.Tensor) and torch.equal(out, t)


def test_load_dump_reads_a_dumpresults_pickle(tmp_path):
    scores, labels = problem(0, n=10)
    path = write_dump(tmp_path / 'a.pkl', scores, labels, label_dtype=np.int64)
    d = load_dump(str(path))
    np.testing.assert_allclose(d.scores, scores.astype(np.float32))
    np.testing.assert_array_equal(d.labels, labels)
    assert d.meta['id'] == [f'{i:05d}' for i in range(10)]
    assert d.meta['sample_idx'] == list(range(10))
    assert d.has_labels and d.num_classes == 8 and d.num_samples == 10
    slow = load_dump(str(path), fast=False)
    np.testing.assert_array_equal(slow.scores, d.scores)


def test_load_dump_rejects_logits_and_bad_files(tmp_path):
    scores, _ = problem(1, n=4)
    with pytest.raises(ValueError, match=r'lies in \[.*probabilities'):
        load_dump(str(write_dump(tmp_path / 'l.pkl', scores * 3 - 1)))
    with pytest.raises(ValueError, match='does not exist'):
        load_dump(str(tmp_path / 'missing.pkl'))
    mmengine.dump([dict(score=1)], str(tmp_path / 'bad.pkl'))
    with pytest.raises(ValueError, match='`pred_score`.*sample 0 has'):
        load_dump(str(tmp_path / 'bad.pkl'))


def test_weighted_average(tmp_path):
    s1, labels = problem(2, n=12)
    s2, _ = problem(3, n=12)
    a = write_dump(tmp_path / 'a.pkl', s1, labels)
    b = write_dump(tmp_path / 'b.pkl', s2, labels)
    ens = load_ensemble([str(a), str(b)], weights=[1, 3])
    f32 = [s.astype(np.float32).astype(np.float64) for s in (s1, s2)]
    want = 0.25 * f32[0] + 0.75 * f32[1]
    np.testing.assert_allclose(ens.scores, want, rtol=1e-12)
    np.testing.assert_allclose(ens.weights, [0.25, 0.75])
    with pytest.raises(ValueError, match='got 3 weights for 2 dumps'):
        ensemble_scores(ens.members, [1, 1, 1])
    with pytest.raises(ValueError, match='not all zero'):
        ensemble_scores(ens.members, [0, 0])


def test_misaligned_dumps_name_files_and_first_sample(tmp_path):
    scores, labels = problem(4, n=20)
    ids = [f'{i:05d}' for i in range(20)]
    a = write_dump(tmp_path / 'a.pkl', scores, labels, ids)
    swapped = ids[:7] + [ids[8], ids[7]] + ids[9:]
    order = [int(i) for i in swapped]
    b = write_dump(tmp_path / 'b.pkl', scores[order], labels[order], swapped)
    with pytest.raises(DumpMismatchError) as err:
        load_ensemble([str(a), str(b)])
    msg = str(err.value)
    assert str(a) in msg and str(b) in msg
    assert 'first difference at sample 7' in msg and "'00008'" in msg

    short = write_dump(tmp_path / 'short.pkl', scores[:15], labels[:15])
    with pytest.raises(DumpMismatchError,
                       match=re.escape(f'{short} has 15 samples, {a} has 20')):
        load_ensemble([str(a), str(short)])

    fewer = write_dump(tmp_path / 'c4.pkl', scores[:, :4], labels[:, :4])
    with pytest.raises(DumpMismatchError, match='4 scores per sample'):
        load_ensemble([str(a), str(fewer)])

    relabelled = labels.copy()
    relabelled[11, 0] = 1 - relabelled[11, 0]
    c = write_dump(tmp_path / 'c.pkl', scores, relabelled)
    with pytest.raises(DumpMismatchError,
                       match=r"gt_label differs first at sample 11 \(id "
                       r"'00011'"):
        load_ensemble([str(a), str(c)])


def test_dumps_without_identity_warn(tmp_path):
    scores, labels = problem(5, n=6)
    a = load_dump(str(write_dump(tmp_path / 'a.pkl', scores, labels,
                                 meta_keys=())))
    b = load_dump(str(write_dump(tmp_path / 'b.pkl', scores, labels,
                                 meta_keys=())))
    with pytest.warns(UserWarning, match='no sample identity'):
        assert check_aligned([a, b]) == []
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        check_aligned([a])  # one dump: nothing to compare, no warning


def test_filenames_compare_by_base_name(tmp_path):
    scores, labels = problem(6, n=5)
    a = load_dump(str(write_dump(tmp_path / 'a.pkl', scores, labels,
                                 meta_keys=('filename', ))))
    b = load_dump(str(write_dump(tmp_path / 'b.pkl', scores, labels,
                                 meta_keys=('filename', ))))
    b.meta['filename'] = [f.replace('root/', 'sr_root/')
                          for f in b.meta['filename']]
    assert check_aligned([a, b]) == ['filename']
    b.meta['filename'][3] = 'sr_root/x/99999.mp4'
    with pytest.raises(DumpMismatchError, match='sample 3: filename'):
        check_aligned([a, b])


@pytest.mark.parametrize('kind', ['float32', 'int64', 'rows_of_one_base',
                                  'mixed_sizes', '2d'])
def test_batched_decoding_equals_torch(tmp_path, kind):
    g = torch.Generator().manual_seed(0)
    if kind == 'float32':
        tensors = [torch.rand(26, generator=g) for _ in range(50)]
    elif kind == 'int64':
        tensors = [torch.randint(0, 2, (26, ), generator=g)
                   for _ in range(50)]
    elif kind == 'rows_of_one_base':  # views with offsets: per-row path
        base = torch.rand(10, 26, generator=g)
        tensors = [base[i] for i in range(10)]
    elif kind == 'mixed_sizes':
        tensors = [torch.rand(4 + i % 2, generator=g) for i in range(6)]
    else:
        tensors = [torch.rand(3, 4, generator=g) for _ in range(5)]
    path = tmp_path / 'x.pkl'
    mmengine.dump(tensors, str(path))
    raw = read_pickle(str(path), raw=True)
    assert all(isinstance(r, RawTensor) for r in raw)
    if kind == 'mixed_sizes':
        with pytest.raises(ValueError):
            stack_tensors(raw)  # ragged, as np.stack
        return
    got = stack_tensors(raw)
    want = torch.stack(tensors).numpy()
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_batched_decoding_checks_every_header(tmp_path, monkeypatch):
    """A storage that differs from the first outside its key is not decoded
    with the batch: it goes to the per-tensor path."""
    tensors = [torch.full((26, ), float(i)) for i in range(8)]
    path = tmp_path / 'x.pkl'
    mmengine.dump(tensors, str(path))
    raw = read_pickle(str(path), raw=True)
    storage = bytearray(raw[5][0])
    at = storage.find(b'little_endianq\x02\x88')
    storage[at + len(b'little_endianq\x02')] = 0x89  # claims big-endian
    raw[5] = RawTensor((bytes(storage), *raw[5][1:]))
    alone = []
    monkeypatch.setattr(RawTensor, 'numpy',
                        lambda self: alone.append(self) or np.full(26, -1.0))
    out = stack_tensors(raw)
    assert alone == [raw[5]]
    np.testing.assert_array_equal(out[5], -1)
    np.testing.assert_array_equal(out[[0, 7], 0], [0, 7])

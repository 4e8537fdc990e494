import tiny_action  # noqa: F401  (compat shims + registration first)

import os
import pickle
import re
import warnings

import mmengine
import numpy as np
import pytest
import torch
from ensemble_dumps import problem, write_dump

from tiny_action.tools.ensemble import (DumpMismatchError, DumpRefusedError,
                                        check_aligned, ensemble_scores,
                                        load_dump, load_dump_pickle,
                                        load_ensemble)


def _assert_same(a, b):
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        assert type(a) is type(b) and a.dtype == b.dtype
        assert a.shape == b.shape and a.stride() == b.stride()
        assert a.storage_offset() == b.storage_offset()
        assert torch.equal(a, b)
    elif isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
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
def test_safe_unpickler_equals_pickle(tmp_path, protocol):
    base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 24
    obj = [
        dict(pred_score=torch.rand(26), gt_label=torch.tensor([0, 1, 1]),
             id='00012', img_shape=(32, 32), raw=b'\x00\xff'),
        dict(f16=torch.rand(5).half(), f64=torch.rand(3).double(),
             b=torch.tensor([True, False]), u8=torch.tensor([1, 255],
                                                            dtype=torch.uint8),
             i32=torch.tensor([-3, 7], dtype=torch.int32),
             col=base[:, 2], t=base.t(), view=base[1:3, 1:4],
             scalar=torch.tensor(0.25), empty=torch.zeros(0),
             bf16=torch.rand(3).bfloat16(), size=torch.Size([2, 3])),
        dict(np_f32=np.arange(6, dtype=np.float32).reshape(2, 3),
             np_scalar=np.float64(0.5), np_int=np.int64(3),
             fortran=np.asfortranarray(np.ones((2, 3))), keys={'a', 'b'},
             frozen=frozenset([1]), z=1 + 2j, dtype=np.dtype('<i2')),
    ]
    path = tmp_path / 'x.pkl'
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    _assert_same(load_dump_pickle(str(path)), pickle.loads(path.read_bytes()))


def test_safe_unpickler_reads_a_stock_dump_like_mmengine(tmp_path):
    scores, labels = problem(0, n=6)
    path = write_dump(tmp_path / 'a.pkl', scores, labels,
                      label_dtype=np.int64)
    _assert_same(load_dump_pickle(str(path)), mmengine.load(str(path)))


class _Evil:
    """Unpickling calls ``self.call(*self.args)``."""

    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


@pytest.mark.parametrize('how', ['os.system', 'open', 'nested'])
def test_dump_that_would_run_code_is_refused(tmp_path, how):
    target = tmp_path / 'pwned.txt'
    if how == 'os.system':
        evil, name = _Evil(os.system, f'touch {target}'), 'system'
    elif how == 'open':
        evil, name = _Evil(open, str(target), 'w'), 'open'
    else:  # hidden in a sample, after legitimate tensors
        evil, name = _Evil(eval, f'open({str(target)!r}, "w")'), 'eval'
    scores, labels = problem(1, n=3)
    path = write_dump(tmp_path / 'evil.pkl', scores, labels)
    records = mmengine.load(str(path))
    records[-1]['id'] = evil
    path.write_bytes(pickle.dumps(records, protocol=2))
    for read in (load_dump_pickle, load_dump):
        with pytest.raises(DumpRefusedError) as err:
            read(str(path))
        msg = str(err.value)
        assert msg.startswith(f'{path}: refused to unpickle the global ')
        assert name in msg and 'Nothing of the file was executed' in msg
        assert not target.exists()
    pickle.loads(path.read_bytes())  # the plain unpickler runs it
    assert target.exists()


def test_storage_that_would_run_code_is_refused(tmp_path):
    """A tensor storage is read by torch.load(weights_only=True), so a
    storage whose own pickle calls os.system is refused too."""
    target = tmp_path / 'pwned.txt'
    payload = pickle.dumps(_Evil(os.system, f'touch {target}'), protocol=2)
    # torch.storage._load_from_bytes(payload), as a tensor storage pickles
    data = (b'\x80\x02ctorch.storage\n_load_from_bytes\nB' +
            len(payload).to_bytes(4, 'little') + payload + b'\x85R.')
    path = tmp_path / 'evil.pkl'
    path.write_bytes(data)
    with pytest.raises(ValueError, match=re.escape(str(path)) +
                       '.*refused a tensor storage.*posix.system'):
        load_dump_pickle(str(path))
    assert not target.exists()


@pytest.mark.parametrize('damage', ['truncated', 'garbage', 'storage'])
def test_corrupt_dump_names_the_file(tmp_path, damage):
    scores, labels = problem(2, n=5)
    path = write_dump(tmp_path / 'a.pkl', scores, labels)
    data = path.read_bytes()
    if damage == 'truncated':
        data = data[:len(data) // 2]
    elif damage == 'garbage':
        data = b'not a pickle at all'
    else:  # a storage's own serialisation names an unknown class
        data = data.replace(b'FloatStorage', b'FloatStoragX', 1)
    path.write_bytes(data)
    with pytest.raises(ValueError,
                       match=re.escape(f'{path}: cannot unpickle this dump '
                                       '(truncated or corrupt?)')):
        load_dump(str(path))


def test_load_dump_reads_a_dumpresults_pickle(tmp_path):
    scores, labels = problem(0, n=10)
    path = write_dump(tmp_path / 'a.pkl', scores, labels, label_dtype=np.int64)
    d = load_dump(str(path))
    np.testing.assert_allclose(d.scores, scores.astype(np.float32))
    np.testing.assert_array_equal(d.labels, labels)
    assert d.meta['id'] == [f'{i:05d}' for i in range(10)]
    assert d.meta['sample_idx'] == list(range(10))
    assert d.has_labels and d.num_classes == 8 and d.num_samples == 10
    plain = np.stack([r['pred_score'].numpy() for r in mmengine.load(
        str(path))])
    np.testing.assert_array_equal(plain, d.scores)


@pytest.mark.parametrize('meta_keys', [('id', 'sample_idx'),
                                       ('video_id', 'filename'), ()])
def test_npz_dump_equals_pickle_dump(tmp_path, meta_keys):
    scores, labels = problem(7, n=9)
    pkl = load_dump(str(write_dump(tmp_path / 'a.pkl', scores, labels,
                                   meta_keys=meta_keys)))
    npz = load_dump(str(write_dump(tmp_path / 'a.npz', scores, labels,
                                   meta_keys=meta_keys)))
    np.testing.assert_array_equal(npz.scores, pkl.scores)
    np.testing.assert_array_equal(npz.labels, pkl.labels)
    assert npz.meta == pkl.meta and set(npz.meta) == set(meta_keys)
    assert check_aligned([pkl, npz]) == [k for k in ('id', 'sample_idx',
                                                     'filename', 'video_id')
                                         if k in meta_keys]


def test_npz_dump_errors_name_the_file(tmp_path):
    path = tmp_path / 'a.npz'
    path.write_bytes(b'PK\x03\x04 truncated')
    with pytest.raises(ValueError, match=re.escape(f'{path}: cannot read '
                                                   'this .npz dump')):
        load_dump(str(path))
    np.savez(path, pred_score=np.array([object()] * 2, dtype=object))
    with pytest.raises(ValueError, match='cannot read this .npz dump.*'
                       'allow_pickle'):
        load_dump(str(path))  # object arrays would need pickle: refused
    np.savez(path, scores=np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r'needs a `pred_score` array, but '
                       r"has \['scores'\]"):
        load_dump(str(path))
    np.savez(path, pred_score=np.zeros((2, 3)), id=np.array(['1']))
    with pytest.raises(ValueError, match='1 values of `id` for 2 samples'):
        load_dump(str(path))


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
def test_scores_equal_torch(tmp_path, kind):
    g = torch.Generator().manual_seed(0)
    if kind == 'float32':
        tensors = [torch.rand(26, generator=g) for _ in range(50)]
    elif kind == 'int64':
        tensors = [torch.randint(0, 2, (26, ), generator=g)
                   for _ in range(50)]
    elif kind == 'rows_of_one_base':  # views with offsets
        base = torch.rand(10, 26, generator=g)
        tensors = [base[i] for i in range(10)]
    elif kind == 'mixed_sizes':
        tensors = [torch.rand(4 + i % 2, generator=g) for i in range(6)]
    else:
        tensors = [torch.rand(3, 4, generator=g) for _ in range(5)]
    path = tmp_path / 'x.pkl'
    mmengine.dump([dict(pred_score=t) for t in tensors], str(path))
    if kind in ('mixed_sizes', '2d'):
        with pytest.raises(ValueError, match=re.escape(str(path))):
            load_dump(str(path))  # ragged, or not one score per class
        return
    got = load_dump(str(path)).scores
    want = torch.stack(tensors).numpy().astype(np.float64)
    np.testing.assert_array_equal(got, want)

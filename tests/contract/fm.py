"""Contract cases of theorylab.fm."""

import numpy as np

from theorylab import fm
from tests.contract import RNG, ok, skip

_T = fm.make_teacher(3, 2, dim=2, useful_frac=0.5, scale=1.0, rng=np.random.default_rng(0))
_X, _Y = fm.sample_ctr(_T, 12, rng=np.random.default_rng(1))
_E = np.random.default_rng(2).standard_normal((6, 2))
_G = np.array([1.0, 0.5, 0.0, 1.0, 0.2, 0.9])

CASES = {
    "fm_logits": ok(_X[:4], _E, gates=_G).invalid(X=[np.array([[0, 6]])], gates=[np.ones(5)]),
    "fm_logits_pairwise": ok(_X[:4], _E, gates=_G).invalid(X=[np.array([[0, 6]])], gates=[np.ones(5)]),
    "optfs_gates": ok(np.array([0.5, -1.0, 2.0]), 2.0, m0=0.5).invalid(gamma=[0.0]),
    "Teacher": ok(3, 2, _T.E, _T.useful).invalid(E=[np.ones((5, 2))], useful=[np.ones(5, dtype=bool)]),
    "Teacher.planted_interactions": ok().on(_T),
    "make_teacher": ok(3, 2, dim=2, useful_frac=0.5, scale=1.0, rng=RNG).invalid(
        n_fields=[1], useful_frac=[1.5], scale=[0.0]),
    "sample_ctr": ok(_T, 5, rng=RNG).invalid(n_samples=[0]),
    "OptFSResult": skip("result container returned by optfs_search, not an input boundary"),
    "optfs_search": ok(_X, _Y, 6, dim=2, epochs=2, batch=4, lr=0.05, lam=1e-3, rng=RNG, final_temp=10.0,
                       m0=0.5, continuation=True, init_scale=0.1).invalid(
        X=[np.array([[0, 6]] * 12)], y=[np.full(12, 0.5)], lr=[0.0], final_temp=[0.0]),
    "train_fm": ok(_X, _Y, 6, dim=2, epochs=2, batch=4, lr=0.05, rng=RNG, mask=np.array([1, 0, 1, 1, 0, 1]),
                   E0=None, init_scale=0.1).invalid(
        y=[np.full(12, 0.5), np.ones(5)], mask=[np.ones(5), np.full(6, 0.5)], lr=[0.0]),
    "auc": ok(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])).invalid(
        labels=[np.array([0, 0, 0, 0]), np.array([0, 2, 1, 1])]),
}

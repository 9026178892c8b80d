"""Tests of theorylab.fm: the O(Fk) FM identity vs the explicit pairwise sum, gradients
vs finite differences, AUC vs scikit-learn's roc_auc_score."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from theorylab import fm


def _data(seed=0, F=4, V=5, k=3, n=50):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, V, size=(n, F)) + V * np.arange(F)
    return rng, X, rng.normal(size=(F * V, k)), rng.uniform(0, 2, size=F * V)


def test_fm_identity_and_gate_decomposition():
    rng, X, E, g = _data()
    np.testing.assert_allclose(fm.fm_logits(X, E, g), fm.fm_logits_pairwise(X, E, g), rtol=1e-12, atol=1e-12)
    # a zero gate removes every interaction of that feature: equals the FM with that embedding deleted
    v = X[0, 1]
    g0 = g.copy()
    g0[v] = 0.0
    E0 = E * g[:, None]
    E0[v] = 0.0
    np.testing.assert_allclose(fm.fm_logits(X, E, g0), fm.fm_logits(X, E0), atol=1e-12)


def test_bce_gradients_vs_finite_differences():
    rng, X, E, g = _data(1)
    y = (rng.random(X.shape[0]) < 0.5).astype(float)
    loss, dE, dg = fm._bce_grads(X, y, E, g)
    h = 1e-6
    for (i, j) in [(X[0, 0], 0), (X[3, 2], 2), (X[7, 3], 1)]:
        Ep, Em = E.copy(), E.copy()
        Ep[i, j] += h
        Em[i, j] -= h
        fd = (fm._bce_grads(X, y, Ep, g)[0] - fm._bce_grads(X, y, Em, g)[0]) / (2 * h)
        assert dE[i, j] == pytest.approx(fd, rel=1e-6, abs=1e-10)
    for i in [X[0, 0], X[5, 1]]:
        gp_, gm = g.copy(), g.copy()
        gp_[i] += h
        gm[i] -= h
        fd = (fm._bce_grads(X, y, E, gp_)[0] - fm._bce_grads(X, y, E, gm)[0]) / (2 * h)
        assert dg[i] == pytest.approx(fd, rel=1e-6, abs=1e-10)


def test_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(2)
    s = np.round(rng.normal(size=500), 1)          # many ties
    y = (rng.random(500) < 0.4).astype(float)
    assert fm.auc(s, y) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    with pytest.raises(ValueError, match="both classes"):
        fm.auc(s, np.zeros(500))


def test_gates_start_at_one_and_search_recovers_planted_features():
    np.testing.assert_allclose(fm.optfs_gates(np.full(3, 0.5), 1.0), 1.0)
    rng = np.random.default_rng(3)
    te = fm.make_teacher(4, 10, dim=4, useful_frac=0.5, scale=0.8, rng=rng)
    X, y = fm.sample_ctr(te, 20000, rng=rng)
    res = fm.optfs_search(X, y, te.n_features, dim=4, epochs=8, batch=256, lr=1e-2, lam=2e-4, rng=rng)
    assert res.gamma == pytest.approx(200.0, rel=1e-9)
    assert (res.kept == te.useful).mean() >= 0.9
    pl = te.planted_interactions()
    assert pl.sum() == sum(te.useful[i] and te.useful[j] and i // 10 != j // 10
                           for i in range(40) for j in range(40))


def test_validation():
    _, X, E, g = _data()
    with pytest.raises(ValueError, match="feature ids"):
        fm.fm_logits(X + 100, E)
    with pytest.raises(ValueError, match="gates"):
        fm.fm_logits(X, E, g[:-1])
    with pytest.raises(TypeError, match="rng"):
        fm.make_teacher(3, 4, dim=2, useful_frac=0.5, scale=1.0, rng=1)

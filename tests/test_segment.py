"""Tests of theorylab.segment: the dynamic-programming split search against brute-force
enumeration of every split (the paper's exhaustive search), segment costs against numpy's
std on slices, the uniformity of ordered random splits by Monte Carlo, and the z-scores,
Eq. 2 distances and Jaccard overlaps against direct (loop/set) computations."""

from __future__ import annotations

import doctest
from itertools import combinations

import numpy as np
import pytest

from theorylab import segment as sg


def test_prefix_sums_and_segment_cost_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)) * 3 + 1
    S1, S2 = sg.prefix_sums(x)
    np.testing.assert_allclose(S1[1:], np.cumsum(x, 0), rtol=1e-14)
    np.testing.assert_allclose(S2[1:], np.cumsum(x * x, 0), rtol=1e-14)
    a = np.array([0, 3, 10, 27])
    b = np.array([5, 5, 30, 30])
    ref = [x[i:j].std(axis=0).mean() for i, j in zip(a, b)]
    np.testing.assert_allclose(sg.segment_cost(x, a, b), ref, rtol=1e-12)
    # a zero-spread (single-frame) segment: sqrt of the round-off of E[x^2] - E[x]^2,
    # bounded by sqrt(T eps) times the scale of x (docstring)
    assert np.all(sg.segment_cost(x, np.array([3, 29]), np.array([4, 30])) < np.sqrt(30 * 2.2e-16) * np.abs(x).max())


@pytest.mark.parametrize("K,m,T", [(1, 1, 9), (2, 1, 14), (3, 2, 15), (3, 4, 18), (4, 3, 16)])
def test_split_search_equals_brute_force(K, m, T):
    rng = np.random.default_rng(K * 100 + T)
    for rep in range(4):
        x = rng.normal(size=(T, 3)) + np.repeat(rng.normal(size=(K, 3)) * 2, -(-T // K), axis=0)[:T]
        dp = sg.split_search(x, n_segments=K, min_size=m)
        bf = sg.split_brute_force(x, n_segments=K, min_size=m)
        assert dp.objective == pytest.approx(bf.objective, abs=1e-12)
        np.testing.assert_array_equal(dp.bounds, bf.bounds)
        assert np.all(np.diff(dp.bounds) >= m) and dp.bounds[0] == 0 and dp.bounds[-1] == T
        np.testing.assert_allclose(dp.costs, sg.segment_cost(x, dp.bounds[:-1], dp.bounds[1:]), rtol=1e-12)


def test_split_search_finds_planted_steps():
    rng = np.random.default_rng(1)
    x = np.concatenate([rng.normal(mu, 0.1, size=(n, 5)) for mu, n in ((0, 12), (2, 30), (-1, 20))])
    assert sg.split_search(x, n_segments=3, min_size=5).bounds.tolist() == [0, 12, 42, 62]


def test_random_bounds_uniform_over_admissible_splits():
    rng = np.random.default_rng(2)
    T, K, m, R = 10, 3, 2, 40_000
    b = sg.random_bounds(T, K, min_size=m, n_draws=R, rng=rng)
    assert b.shape == (R, K + 1) and np.all(b[:, 0] == 0) and np.all(b[:, -1] == T)
    assert np.all(np.diff(b, axis=1) >= m)
    splits = [c for c in combinations(range(1, T), K - 1) if np.all(np.diff((0,) + c + (T,)) >= m)]
    keys = {c: i for i, c in enumerate(splits)}
    counts = np.bincount([keys[tuple(r[1:-1])] for r in b], minlength=len(splits))
    p = 1 / len(splits)
    se = np.sqrt(p * (1 - p) / R)
    assert np.all(np.abs(counts / R - p) < 5 * se)           # 15 cells, 5 SE each


def test_jaccard_against_sets():
    rng = np.random.default_rng(3)
    for _ in range(20):
        p, t = rng.integers(0, 4, 50), rng.integers(0, 4, 50)
        ref = []
        for k in range(4):
            P, Q = set(np.flatnonzero(p == k)), set(np.flatnonzero(t == k))
            ref.append(len(P & Q) / len(P | Q) if P | Q else 1.0)
        assert sg.jaccard_labels(p, t, 4) == pytest.approx(np.mean(ref), abs=1e-15)
    assert sg.jaccard_segments(np.array([0, 5, 10]), np.array([0, 5, 10])) == 1.0
    # [0,4) vs [0,6): 4/6; [4,10) vs [6,10): 4/6
    assert sg.jaccard_segments(np.array([0, 4, 10]), np.array([0, 6, 10])) == pytest.approx(2 / 3)


def test_zscores_and_distances_against_loops():
    rng = np.random.default_rng(4)
    F = rng.normal(size=(60, 7)) * rng.uniform(0.5, 3, 7) + rng.normal(size=7)
    lab = np.repeat([0, 1, 2], [15, 25, 20])
    z, mu_p, sd_p = sg.zscores(F, lab, 3, alpha=5.0)
    Zn = (F - F.mean(0)) / F.std(0)
    for k in range(3):
        inn, out = Zn[lab == k], Zn[lab != k]
        ref = 5 * np.abs(inn.mean(0) - out.mean(0)) - (inn.std(0) + out.std(0))
        np.testing.assert_allclose(z[k], ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(mu_p[k], inn.mean(0), rtol=1e-12, atol=1e-13)
    model = sg.fit_steps(F, lab, 3, n_features=3)
    for k in range(3):
        assert set(model.selected[k]) == set(np.argsort(-z[k])[:3])
    X = rng.normal(size=(9, 7))
    R = sg.step_distances(model, X)
    Xn = (X - F.mean(0)) / F.std(0)
    for k in range(3):
        s = model.selected[k]
        ref = np.mean((Xn[:, s] - mu_p[k, s]) ** 2 / sd_p[k, s], axis=1)
        np.testing.assert_allclose(R[:, k], ref, rtol=1e-12)
    p = sg.step_probs(R)
    np.testing.assert_allclose(p.sum(1), 1.0, atol=1e-15)
    np.testing.assert_allclose(p, np.exp(-R) / np.exp(-R).sum(1, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(sg.combined_reward(p), p[:, 1] + 2 * p[:, 2], rtol=1e-14)


def test_synthetic_videos():
    rng = np.random.default_rng(5)
    d = sg.synthetic_step_videos(6, dim=40, n_informative=8, rng=rng)
    assert len(d["videos"]) == 6 and d["informative"].sum() == 8
    for x, b in zip(d["videos"], d["bounds"]):
        assert 60 <= x.shape[0] <= 120 and x.shape[1] == 40
        assert b[0] == 0 and b[-1] == x.shape[0] and np.all(np.diff(b) >= 1)
        lab = sg.bounds_to_labels(b)
        for k in range(3):   # informative features: shared step means + noise 0.5 (5 SE band on the mean)
            seg = x[lab == k, :8]
            assert np.all(np.abs(seg.mean(0) - d["step_means"][k]) < 5 * 0.5 / np.sqrt(seg.shape[0]))
    d2 = sg.synthetic_step_videos(2, dim=40, n_informative=8, step_means=d["step_means"], rng=rng)
    assert np.array_equal(d2["step_means"], d["step_means"])


def test_bad_inputs():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 2))
    with pytest.raises(ValueError, match="min_size"):
        sg.split_search(x, n_segments=3, min_size=8)
    with pytest.raises(TypeError, match="n_segments"):
        sg.split_search(x, n_segments=2.0, min_size=1)
    with pytest.raises(ValueError, match="x"):
        sg.split_search(np.zeros((3, 2, 2)), n_segments=1, min_size=1)
    with pytest.raises(ValueError, match="segments"):
        sg.segment_cost(x, np.array([3]), np.array([3]))
    with pytest.raises(ValueError, match="labels"):
        sg.jaccard_labels(np.array([0, 3]), np.array([0, 1]), 3)
    with pytest.raises(ValueError, match="labels"):
        sg.zscores(x, np.zeros(20, int), 2)
    with pytest.raises(TypeError, match="rng"):
        sg.random_bounds(10, 2, rng=1)
    with pytest.raises(ValueError, match="n_features"):
        sg.fit_steps(x, np.repeat([0, 1], 10), 2, n_features=3)
    with pytest.raises(ValueError, match="probs"):
        sg.combined_reward(np.ones((3, 2)))
    with pytest.raises(ValueError, match="step_means"):
        sg.synthetic_step_videos(1, dim=10, n_informative=4, step_means=np.zeros((2, 4)), rng=rng)


def test_docstring_examples():
    res = doctest.testmod(sg, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0

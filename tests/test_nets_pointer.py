"""Tests of theorylab.nets.pointer against independent references: the complex step and
central differences (theorylab.numdiff) for the hand-written gradient, scipy.spatial.ConvexHull
(Qhull) for the gift-wrapping hulls, closed-form polygon areas, and a pentagram (left turns
everywhere, winding number 2) for the validity test."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from theorylab import numdiff
from theorylab.nets import pointer as pt
from theorylab.nets.pointer import PointerNet


def _decisions(seed=0, N=6, n=7, F=3, Q=2):
    rng = np.random.default_rng(seed)
    keys, query = rng.normal(size=(N, n, F)), rng.normal(size=(N, Q))
    mask = rng.random((N, n)) < 0.7
    mask[:, 0] = True
    target = np.array([rng.choice(np.flatnonzero(mask[k])) for k in range(N)])
    weight = rng.uniform(0.2, 2.0, N)
    weight[-1] = 0.0
    return rng, keys, query, mask, target, weight


@pytest.mark.parametrize("method,rtol", [("complex", 1e-12), ("central", 1e-6)])
def test_gradient_matches_numdiff(method, rtol):
    rng, keys, query, mask, target, weight = _decisions()
    net = PointerNet(3, 2, 5)
    theta = net.init(rng=rng, scale=1.5)
    theta[net.n_params - 2 * 5:net.n_params - 5] = rng.normal(size=5) * 0.3   # non-zero bias
    L, g = net.loss_and_grad(theta, keys, query, mask, target, weight)
    f = lambda t: net.loss(t, keys, query, mask, target, weight)
    assert abs(L - f(theta)) < 1e-14
    assert numdiff.check_gradient(f, g, theta, method=method, rtol=rtol, atol=1e-10)


def test_gradient_on_hull_decisions():
    rng = np.random.default_rng(3)
    P = rng.random((3, 9, 2))
    h, m = pt.convex_hull_ccw(P)
    d = pt.hull_teacher_forcing(P, h, m)
    net = PointerNet(pt.HULL_FEATURES, pt.HULL_QUERY, 6)
    theta = net.init(rng=rng)
    _, g = net.loss_and_grad(theta, d["keys"], d["query"], d["mask"], d["target"], d["weight"])
    f = lambda t: net.loss(t, d["keys"], d["query"], d["mask"], d["target"], d["weight"])
    assert numdiff.check_gradient(f, g, theta, method="complex", rtol=1e-11, atol=1e-13)


def test_distribution_masked_normalised_and_equivariant():
    rng = np.random.default_rng(1)
    net = PointerNet(4, 3, 8)
    theta = net.init(rng=rng)
    for n in (1, 5, 300):
        keys, query = rng.normal(size=(3, n, 4)), rng.normal(size=(3, 3))
        mask = rng.random((3, n)) < 0.5
        mask[:, -1] = True
        p = net.probs(theta, keys, query, mask)
        assert p.shape == (3, n) and np.all(p >= 0)
        np.testing.assert_allclose(p.sum(axis=1), 1.0, atol=1e-13)
        assert np.all(p[~mask] == 0.0)
        perm = rng.permutation(n)
        pp = net.probs(theta, keys[:, perm], query, mask[:, perm])
        np.testing.assert_allclose(pp, p[:, perm], atol=1e-15)
    # hand-computed softmax of the scores on the allowed set
    keys, query = rng.normal(size=(2, 6, 4)), rng.normal(size=(2, 3))
    W1, W2, b, v = net.unpack(theta)
    u = np.tanh(np.einsum("hf,knf->knh", W1, keys) + (query @ W2.T + b)[:, None]) @ v
    ref = np.exp(u) / np.exp(u).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(net.probs(theta, keys, query), ref, rtol=1e-13)


@pytest.mark.parametrize("n", [3, 4, 10, 60, 250])
def test_hull_matches_scipy_qhull(n):
    rng = np.random.default_rng(n)
    P = rng.random((40, n, 2))
    h, m = pt.convex_hull_ccw(P)
    for b in range(P.shape[0]):
        v = ConvexHull(P[b]).vertices                  # counter-clockwise for 2-D input
        v = np.roll(v, -int(np.argmin(P[b, v, 0])))
        assert m[b] == v.size and np.array_equal(h[b, :m[b]], v)
        assert np.all(h[b, m[b]:] == -1)
        assert abs(pt.polygon_area(P[b:b + 1], h[b:b + 1], m[b:b + 1])[0] - ConvexHull(P[b]).volume) < 1e-12


def test_hull_skips_collinear_and_interior_points():
    sq = np.array([[[0, 0], [0.5, 0], [1, 0], [1, 1], [0, 1], [0.3, 0.6], [0, 0.5]]], float)
    h, m = pt.convex_hull_ccw(sq)
    assert h[0, :m[0]].tolist() == [0, 2, 3, 4]


def test_polygon_area_and_validity():
    sq = np.array([[[0, 0], [1, 0], [1, 1], [0, 1], [0.5, 0.5]]], float)
    ccw = np.array([[0, 1, 2, 3, -1]])
    cw = np.array([[0, 3, 2, 1, -1]])
    four = np.array([4])
    assert pt.polygon_area(sq, ccw, four)[0] == pytest.approx(1.0, abs=1e-15)
    assert pt.polygon_area(sq, cw, four)[0] == pytest.approx(-1.0, abs=1e-15)
    assert pt.polygon_valid(sq, ccw, four)[0]
    assert not pt.polygon_valid(sq, cw, four)[0]                      # right turns
    assert not pt.polygon_valid(sq, ccw, four, np.array([False]))[0]  # not closed
    assert not pt.polygon_valid(sq, np.array([[0, 1, 4, 2, 3]]), np.array([5]))[0]  # reflex vertex
    assert not pt.polygon_valid(sq, np.array([[0, 1, 2, 0, -1]]), four)[0]           # repeated vertex
    # a pentagram: a left turn at every vertex, but it winds twice (total turning 4 pi)
    ang = np.pi / 2 + 2 * np.pi * np.arange(5) / 5
    star = np.stack([np.cos(ang), np.sin(ang)], axis=1)[None]
    order = np.array([[0, 2, 4, 1, 3]])
    e1 = star[0, order[0]] - star[0, np.roll(order[0], 1)]
    e2 = star[0, np.roll(order[0], -1)] - star[0, order[0]]
    assert np.all(e1[:, 0] * e2[:, 1] - e1[:, 1] * e2[:, 0] > 0)
    assert not pt.polygon_valid(star, order, np.array([5]))[0]
    assert pt.polygon_valid(star, np.arange(5)[None], np.array([5]))[0]


def test_teacher_forcing_and_metrics_on_true_hulls():
    rng = np.random.default_rng(2)
    P = rng.random((30, 12, 2))
    h, m = pt.convex_hull_ccw(P)
    d = pt.hull_teacher_forcing(P, h, m)
    N = d["target"].size
    assert np.all(d["mask"][np.arange(N), d["target"]])
    assert d["weight"].sum() == (m + 1).sum()
    S = int(m.max()) + 1
    tg = d["target"].reshape(30, S)
    for b in range(30):
        assert tg[b, :m[b]].tolist() == h[b, :m[b]].tolist() and tg[b, m[b]] == h[b, 0]
    met = pt.hull_metrics(P, h, m, np.ones(30, bool), h, m)
    assert met["exact"].all() and met["valid"].all() and met["cyclic"].all()
    np.testing.assert_allclose(met["coverage"], 1.0, rtol=1e-13)
    # the same polygons started one vertex later: not exact, but the hull up to its start
    rot = h.copy()
    for b in range(30):
        rot[b, :m[b]] = np.roll(h[b, :m[b]], -1)
    met = pt.hull_metrics(P, rot, m, np.ones(30, bool), h, m)
    assert not met["exact"].any() and met["cyclic"].all()
    # dropping the last vertex: valid (a convex sub-polygon), neither exact nor cyclic, coverage < 1
    met = pt.hull_metrics(P, np.where(np.arange(12) < (m - 1)[:, None], h, -1), m - 1, np.ones(30, bool), h, m)
    assert met["valid"].all() and not met["cyclic"].any() and np.all(met["coverage"] < 1)


def test_decode_closes_with_distinct_vertices():
    rng = np.random.default_rng(4)
    net = PointerNet(pt.HULL_FEATURES, pt.HULL_QUERY, 8)
    theta = net.init(rng=rng)
    P = rng.random((25, 15, 2))
    seq, length, closed = pt.hull_decode(net, theta, P)
    assert closed.all() and np.all((length >= 1) & (length <= 15))
    for b in range(25):
        s = seq[b, :length[b]]
        assert len(set(s.tolist())) == s.size and np.all(seq[b, length[b]:] == -1)


def test_training_learns_small_hulls():
    rng = np.random.default_rng(5)
    net = PointerNet(pt.HULL_FEATURES, pt.HULL_QUERY, 16)
    theta, hist = pt.train_hull(net, net.init(rng=rng), n_steps=150, batch=32, n_min=5, n_max=8, lr=2e-2,
                                rng=rng)
    assert hist[-20:].mean() < 0.5 * hist[:5].mean()


def test_bad_inputs():
    net = PointerNet(3, 2, 4)
    theta = net.init(rng=np.random.default_rng(0))
    keys, query = np.zeros((2, 5, 3)), np.zeros((2, 2))
    with pytest.raises(ValueError, match="theta"):
        net.probs(theta[:-1], keys, query)
    with pytest.raises(ValueError, match="keys"):
        net.probs(theta, np.zeros((2, 5, 4)), query)
    with pytest.raises(ValueError, match="query"):
        net.probs(theta, keys, np.zeros((3, 2)))
    with pytest.raises(TypeError, match="mask"):
        net.probs(theta, keys, query, np.ones((2, 5)))
    with pytest.raises(ValueError, match="mask"):
        net.probs(theta, keys, query, np.zeros((2, 5), bool))
    with pytest.raises(ValueError, match="target"):
        net.loss(theta, keys, query, None, np.array([0, 5]))
    with pytest.raises(ValueError, match="allowed"):
        m = np.ones((2, 5), bool)
        m[0, 1] = False
        net.loss(theta, keys, query, m, np.array([1, 0]))
    with pytest.raises(TypeError):
        PointerNet(3.0, 2, 4)
    with pytest.raises(TypeError, match="rng"):
        net.init(rng=0)
    with pytest.raises(ValueError, match="points"):
        pt.convex_hull_ccw(np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="net"):
        pt.hull_decode(net, theta, np.random.default_rng(0).random((2, 5, 2)))
    with pytest.raises(ValueError, match="n_max"):
        pt.train_hull(PointerNet(5, 3, 4), np.zeros(PointerNet(5, 3, 4).n_params), n_steps=1, batch=2,
                      n_min=6, n_max=5, lr=0.1, rng=np.random.default_rng(0))


def test_docstring_examples():
    res = doctest.testmod(pt, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0

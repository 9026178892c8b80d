"""Tests of theorylab.continual: hand-written cross-entropy gradients for dot-product and
cosine heads against the complex step and central differences (theorylab.numdiff), the
logit decomposition identity, reservoir sampling against its inclusion probability M/N by
Monte Carlo, and the structure of the class-incremental streams."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from theorylab import continual as cl
from theorylab import numdiff


def _problem(seed=0, S=3, B=7):
    rng = np.random.default_rng(seed)
    net = cl.ContinualMLP(dim=4, hidden=6, n_classes=5)
    theta = net.init(n_runs=S, rng=rng, head_scale=2.0)
    theta[:, net.hidden * net.dim:net.hidden * net.dim + net.hidden] = rng.normal(size=(S, net.hidden)) * 0.3
    X = rng.normal(size=(S, B, 4))
    seen = np.array([True, True, False, True, False])
    y = rng.choice(np.flatnonzero(seen), size=(S, B))
    return net, theta, X, y, seen


@pytest.mark.parametrize("head", ["dot", "cos"])
@pytest.mark.parametrize("method,rtol", [("complex", 1e-11), ("central", 1e-6)])
def test_gradients_match_numdiff(head, method, rtol):
    # away from ReLU kinks: the smallest |pre-activation| is >> the central step 6e-6
    net, theta, X, y, seen = _problem()
    W1, b1, _ = net.unpack(theta)
    assert np.abs(np.einsum("shd,sbd->sbh", W1, X) + b1[:, None]).min() > 1e-3
    L, g = net.loss_and_grad(theta, X, y, seen, head=head, tau=4.0)
    shape = theta.shape
    f = lambda t: net.loss(t.reshape(shape), X, y, seen, head=head, tau=4.0).sum()
    assert abs(L.sum() - f(theta.ravel())) < 1e-13
    assert numdiff.check_gradient(f, g.ravel(), theta.ravel(), method=method, rtol=rtol, atol=1e-10)


def test_runs_are_independent():
    net, theta, X, y, seen = _problem(1)
    L, g = net.loss_and_grad(theta, X, y, seen, head="cos")
    for s in range(theta.shape[0]):
        Ls, gs = net.loss_and_grad(theta[s:s + 1], X[s:s + 1], y[s:s + 1], seen, head="cos")
        np.testing.assert_allclose(Ls[0], L[s], rtol=1e-14)
        np.testing.assert_allclose(gs[0], g[s], rtol=1e-12, atol=1e-15)


def test_decomposition_and_unseen_classes():
    net, theta, X, y, seen = _problem(2)
    d = net.decompose(theta, X)
    np.testing.assert_allclose(d["logits"], d["w_norm"][:, None, :] * d["h_norm"][..., None] * d["cos"],
                               rtol=1e-12, atol=1e-14)
    assert np.all(np.abs(d["cos"]) <= 1 + 1e-12)
    # the loss ignores unseen classes: changing their head rows changes nothing
    _, _, W = net.unpack(theta)
    th2 = theta.copy()
    _, _, W2 = net.unpack(th2)
    W2[:, ~seen] += 5.0
    for head in ("dot", "cos"):
        np.testing.assert_allclose(net.loss(th2, X, y, seen, head=head), net.loss(theta, X, y, seen, head=head),
                                   rtol=1e-14)
        _, g = net.loss_and_grad(theta, X, y, seen, head=head)
        assert np.all(net.unpack(g)[2][:, ~seen] == 0)
    # a scaled head row leaves the cosine loss unchanged (scale invariance of the angle factor)
    th3 = theta.copy()
    net.unpack(th3)[2][:, 0] *= 3.0
    np.testing.assert_allclose(net.loss(th3, X, y, seen, head="cos"), net.loss(theta, X, y, seen, head="cos"),
                               rtol=1e-13)


def test_reservoir_inclusion_probability():
    rng = np.random.default_rng(3)
    S, M, N = 20_000, 5, 40
    bx = np.zeros((S, M, 1))
    by = np.full((S, M), -1)
    ids = np.broadcast_to(np.arange(N), (S, N))
    n = 0
    for start in range(0, N, 8):                       # batches of 8 arrivals
        chunk = ids[:, start:start + 8]
        n = cl.reservoir_update(bx, by, n, chunk[..., None].astype(float), chunk, rng=rng)
    assert n == N
    assert np.all(np.sort(by, axis=1)[:, 1:] != np.sort(by, axis=1)[:, :-1])    # no duplicates
    freq = np.array([(by == i).any(axis=1).mean() for i in range(N)])
    p = M / N
    assert np.all(np.abs(freq - p) < 5 * np.sqrt(p * (1 - p) / S))
    np.testing.assert_array_equal(bx[..., 0], by)


def test_streams():
    rng = np.random.default_rng(4)
    st = cl.class_incremental_blobs(n_runs=3, n_classes=6, n_tasks=3, dim=5, n_per_class=20, n_test_per_class=7,
                                    noise=0.5, rng=rng)
    assert st.X.shape == (3, 120, 5) and st.X_test.shape == (3, 42, 5)
    assert st.n_tasks == 3 and st.n_classes == 6
    np.testing.assert_array_equal(st.task_of_class[st.y], np.broadcast_to(st.task, st.y.shape))
    for s in range(3):
        assert np.all(np.bincount(st.y[s], minlength=6) == 20) and np.all(np.bincount(st.y_test[s]) == 7)
        for c in range(6):                             # sample means within 5 SE of the class means
            err = st.X[s, st.y[s] == c].mean(0) - st.means[s, c]
            assert np.all(np.abs(err) < 5 * 0.5 / np.sqrt(20))
    iid = cl.class_incremental_blobs(n_runs=2, n_classes=6, n_tasks=3, dim=5, n_per_class=20, shuffle=True, rng=rng)
    assert np.any(np.diff(iid.task_of_class[iid.y[0]]) < 0)


def test_replay_reduces_forgetting():
    rng = np.random.default_rng(5)
    st = cl.class_incremental_blobs(n_runs=4, n_classes=6, n_tasks=3, dim=8, n_per_class=60, n_test_per_class=50,
                                    noise=1.0, rng=rng)
    net = cl.ContinualMLP(8, 16, 6)
    th0 = net.init(n_runs=4, rng=rng)
    res = {m: cl.evaluate(net, cl.train_online(net, th0, st, method=m, buffer_size=30, rng=np.random.default_rng(6)), st)
           for m in ("sgd", "er")}
    assert res["sgd"]["frac_last"].mean() > 0.6                   # forgetting without replay (1/3 if unbiased)
    assert res["sgd"]["frac_last"].mean() > res["er"]["frac_last"].mean() + 0.1
    assert res["er"]["acc"].mean() > res["sgd"]["acc"].mean() + 0.1
    h = res["er"]["hist"]
    np.testing.assert_allclose(h.sum(1), 1.0)
    np.testing.assert_allclose(h[:, st.task_of_class == 2].sum(1), res["er"]["frac_last"], rtol=1e-12)


def test_bad_inputs():
    net, theta, X, y, seen = _problem()
    with pytest.raises(ValueError, match="head"):
        net.loss(theta, X, y, seen, head="cosine")
    with pytest.raises(ValueError, match="seen"):
        net.loss(theta, X, y, np.ones(4, bool))
    with pytest.raises(ValueError, match="seen class"):
        net.loss(theta, X, np.full_like(y, 2), seen)
    with pytest.raises(ValueError, match="theta"):
        net.loss(theta[:, :-1], X, y, seen)
    with pytest.raises(ValueError, match="X"):
        net.loss(theta, X[:2], y, seen)
    with pytest.raises(ValueError, match="n_classes"):
        cl.class_incremental_blobs(n_runs=1, n_classes=7, n_tasks=2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="rng"):
        cl.class_incremental_blobs(n_runs=1, rng=0)
    st = cl.class_incremental_blobs(n_runs=2, n_classes=4, n_tasks=2, dim=4, n_per_class=5, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="method"):
        cl.train_online(cl.ContinualMLP(4, 3, 4), np.zeros((2, 27)), st, method="der", rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="rows"):
        cl.train_online(cl.ContinualMLP(4, 3, 4), np.zeros((3, 27)), st, method="er", rng=np.random.default_rng(0))


def test_docstring_examples():
    res = doctest.testmod(cl, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0

"""Tests of theorylab.nets.vrnn: BPTT gradients (weights and adaptive vectors) against the
complex step and central differences (theorylab.numdiff), the Gaussian KL against numerical
quadrature, prior generation against an explicit step-by-step re-implementation, and the
switching-sinusoid data against its switching probability by Monte Carlo."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import integrate, stats

from theorylab import numdiff
from theorylab.nets import vrnn
from theorylab.nets.vrnn import PVRNN, gaussian_kl, switching_sinusoids


def _setup(seed=0, R=2, N=3, T=7):
    rng = np.random.default_rng(seed)
    net = PVRNN(x_dim=2, d_dim=5, z_dim=2, tau=2.5)
    theta = net.init(n_runs=R, rng=rng) + 0.1 * rng.normal(size=(R, net.n_params))
    A = rng.normal(size=(R, N, T, 4)) * 0.5          # log-sigmas well inside the clip bounds
    X = rng.normal(size=(N, T, 2)) * 0.5
    eps = rng.normal(size=(R, N, T, 2))
    return rng, net, theta, A, X, eps, np.array([0.3, 2.0])[:R]


@pytest.mark.parametrize("unit_first", [True, False])
@pytest.mark.parametrize("method,rtol", [("complex", 1e-10), ("central", 1e-6)])
def test_bptt_gradients_match_numdiff(unit_first, method, rtol):
    rng, net, theta, A, X, eps, w = _setup()
    h0 = None if unit_first else rng.normal(size=(2, 3, 5))
    kw = dict(eps=eps, w=w, h0=h0, unit_first=unit_first)
    L, gt, gA = net.loss_and_grad(theta, A, X, **kw)
    np.testing.assert_allclose(L, net.loss(theta, A, X, **kw), rtol=1e-14)
    f = lambda t: net.loss(t.reshape(theta.shape), A, X, **kw).sum()
    assert numdiff.check_gradient(f, gt.ravel(), theta.ravel(), method=method, rtol=rtol, atol=1e-9)
    fa = lambda a: net.loss(theta, a.reshape(A.shape), X, **kw).sum()
    assert numdiff.check_gradient(fa, gA.ravel(), A.ravel(), method=method, rtol=rtol, atol=1e-9)


def test_gradient_zero_where_log_sigma_is_clipped():
    _, net, theta, A, X, eps, w = _setup(1)
    A[..., 2:] = vrnn.LOG_SIG_MIN - 1.0
    _, _, gA = net.loss_and_grad(theta, A, X, eps=eps, w=w)
    assert np.all(gA[..., 2:] == 0)


def test_gaussian_kl_against_quadrature():
    for mq, sq, mp, sp in [(0.3, 0.5, -0.2, 1.3), (1.0, 2.0, 0.0, 0.7), (0.0, 1.0, 0.0, 1.0)]:
        q, p = stats.norm(mq, sq), stats.norm(mp, sp)
        ref, _ = integrate.quad(lambda x: q.pdf(x) * (q.logpdf(x) - p.logpdf(x)), -30, 30, limit=200)
        got = gaussian_kl(np.array([mq]), np.log([sq]), np.array([mp]), np.log([sp]))
        assert got == pytest.approx(ref, abs=1e-9)


def test_forward_terms_are_consistent():
    _, net, theta, A, X, eps, w = _setup(2)
    out = net.forward(theta, A, X, eps=eps, w=w)
    kl = gaussian_kl(out["mu_q"], np.log(out["sigma_q"]), out["mu_p"], np.log(out["sigma_p"]))
    np.testing.assert_allclose(kl.sum(-1).mean(-1), out["kl"], rtol=1e-12)
    np.testing.assert_allclose(((out["y"] - X) ** 2).sum((-1, -2)).mean(-1), out["rec"], rtol=1e-12)
    assert np.all(out["mu_p"][:, :, 0] == 0) and np.all(out["sigma_p"][:, :, 0] == 1)   # unit first prior
    np.testing.assert_allclose(net.loss(theta, A, X, eps=eps, w=0.0), out["rec"], rtol=1e-14)


def test_generate_matches_explicit_loop():
    rng, net, theta, *_ = _setup(3)
    g = net.generate(theta, 6, n_samples=4, rng=np.random.default_rng(9))
    P = net.unpack(theta)
    rr = np.random.default_rng(9)
    R, M, Z = 2, 4, 2
    h = np.zeros((R, M, 5))
    for t in range(6):
        d = np.tanh(h)
        if t == 0:
            mu, ls = np.zeros((R, M, Z)), np.zeros((R, M, Z))
        else:
            ap = np.einsum("rkd,rmd->rmk", P["Wp"], d) + P["bp"][:, None]
            mu, ls = np.tanh(ap[..., :Z]), np.clip(ap[..., Z:], vrnn.LOG_SIG_MIN, vrnn.LOG_SIG_MAX)
        z = mu + np.exp(ls) * rr.standard_normal((R, M, Z))
        h = (1 - 1 / 2.5) * h + (np.einsum("rij,rmj->rmi", P["Wdd"], d) + np.einsum("rij,rmj->rmi", P["Wdz"], z)
                                  + P["b"][:, None]) / 2.5
        y = np.tanh(np.einsum("rxd,rmd->rmx", P["Wo"], np.tanh(h)) + P["bo"][:, None])
        np.testing.assert_allclose(g["y"][:, :, t], y, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g["sigma_p"][:, :, t], np.exp(ls), rtol=1e-12)
    gm = net.generate(theta, 6, n_samples=4, mean=True)
    assert np.allclose(gm["y"][:, 0], gm["y"][:, 1])                  # deterministic with prior means


def test_switching_sinusoids():
    rng = np.random.default_rng(4)
    X, prim = switching_sinusoids(400, 200, noise=0.0, rng=rng)
    np.testing.assert_allclose(np.hypot(X[..., 0], X[..., 1]), 0.8, rtol=1e-12)
    # cycle starts are where the phase returns to 0, i.e. x = (0, 0.8)
    starts = np.isclose(X[..., 0], 0.0, atol=1e-12) & (X[..., 1] > 0)
    a, b = prim[:, :-1][starts[:, 1:]], prim[:, 1:][starts[:, 1:]]
    frac = np.mean(a != b)
    assert abs(frac - 0.3) < 5 * np.sqrt(0.3 * 0.7 / a.size)
    # within a cycle of primitive k the phase advances by 2 pi / period_k
    ang = np.arctan2(X[..., 0], X[..., 1])
    step = np.mod(np.diff(ang, axis=1), 2 * np.pi)
    inner = ~starts[:, 1:]
    for k, period in enumerate((12, 20)):
        sel = inner & (prim[:, 1:] == k)
        np.testing.assert_allclose(step[sel], 2 * np.pi / period, atol=1e-9)


def test_training_and_error_regression_reduce_their_objectives():
    rng = np.random.default_rng(5)
    net = PVRNN(x_dim=2, d_dim=8, z_dim=2)
    X, _ = switching_sinusoids(2, 30, rng=rng)
    res = net.train(net.init(n_runs=2, rng=rng), X, w=np.array([0.01, 0.1]), n_iters=150, lr=0.02, rng=rng)
    assert np.all(res["loss"][-10:].mean(0) < 0.5 * res["loss"][:5].mean(0))
    Xt, _ = switching_sinusoids(2, 30, rng=rng)
    er = net.error_regression(res["theta"], Xt, w=np.array([0.01, 0.1]), window=10, starts=np.array([10, 20]),
                              n_iters=30, lr=0.05, horizon=3)
    assert er["pred"].shape == (2, 2, 2, 3, 2) and er["target"].shape == er["pred"].shape
    np.testing.assert_array_equal(er["target"][0, :, 1], Xt[:, 20:23])


def test_bad_inputs():
    rng, net, theta, A, X, eps, w = _setup()
    with pytest.raises(ValueError, match="A"):
        net.loss(theta, A[..., :3], X, eps=eps, w=w)
    with pytest.raises(ValueError, match="eps"):
        net.loss(theta, A, X, eps=eps[..., :1], w=w)
    with pytest.raises(ValueError, match="w"):
        net.loss(theta, A, X, eps=eps, w=-1.0)
    with pytest.raises(ValueError, match="X"):
        net.loss(theta, A, X[..., :1], eps=eps, w=w)
    with pytest.raises(ValueError, match="tau"):
        PVRNN(2, 3, 1, tau=0.5)
    with pytest.raises(TypeError, match="rng"):
        net.generate(theta, 3, n_samples=2)
    with pytest.raises(ValueError, match="starts"):
        net.error_regression(theta, X, w=w, window=5, starts=np.array([3]), n_iters=1, lr=0.1, horizon=1)
    with pytest.raises(ValueError, match="p_switch"):
        switching_sinusoids(2, 10, p_switch=1.5, rng=rng)


def test_docstring_examples():
    res = doctest.testmod(vrnn, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted > 0 and res.failed == 0

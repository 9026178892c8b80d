"""Tests of theorylab.meta: each kernel against an independent reference (closed form,
Monte-Carlo within k standard errors, finite differences)."""

import numpy as np
import pytest

from theorylab import meta


def test_adam_matches_hand_recursion():
    # first Adam step is lr * sign(g) (bias-corrected m/sqrt(v) = g/|g|)
    opt = meta.Adam(lr=0.1)
    p = opt.step(np.array([1.0, -1.0]), np.array([3.0, -0.5]))
    np.testing.assert_allclose(p, [0.9, -0.9], atol=1e-8)
    with pytest.raises(ValueError, match="grad"):
        opt.step(np.zeros(2), np.zeros(3))
    with pytest.raises(ValueError, match="lr"):
        meta.Adam(lr=0.0)


def test_softmax_entropy_closed_form():
    z = np.array([0.3, -1.2, 2.0])
    p = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(meta.softmax(z), p, rtol=1e-15)
    np.testing.assert_allclose(meta.categorical_entropy(p), -(p * np.log(p)).sum(), rtol=1e-14)
    assert meta.categorical_entropy(np.array([1.0, 0.0])) == 0.0


def test_progress_schedule_polynomial():
    s = meta.progress_schedule(np.array([[1.0, 2.0, -3.0]]), 5)
    x = np.arange(5) / 5
    np.testing.assert_allclose(s[0], 1 + 2 * x - 3 * x ** 2, atol=1e-15)


def test_reinforce_expected_update_mc():
    # E[g] = (B-1)/B * pi ⊙ (mu - pi·mu) = (B-1)/B * grad_z (pi·mu)  (hand derivation)
    rng = np.random.default_rng(3)
    K, B, T = 4, 5, 20000
    z0 = rng.normal(size=K)
    mu = np.tile(rng.random(K), (T, 1))
    eta = 1e-3
    out = meta.reinforce_bandit_lifetime(np.full((1, 1), np.log(eta)), mu, batch=B, rng=rng,
                                         z0=np.tile(z0, (T, 1)))
    g = (out["z"][0] - z0) / eta                                  # (T, K) one update per task
    pi = meta.softmax(z0)
    exact = (B - 1) / B * pi * (mu[0] - pi @ mu[0])
    se = g.std(0, ddof=1) / np.sqrt(T)
    assert np.all(np.abs(g.mean(0) - exact) <= 4 * se), (g.mean(0), exact, se)


def test_reinforce_common_random_numbers_and_vectorisation():
    rng = np.random.default_rng(0)
    mu = rng.random((6, 5))
    sched = np.vstack([np.full(10, 0.5), np.full(10, 1.5), np.full(10, 0.5)])
    out = meta.reinforce_bandit_lifetime(sched, mu, batch=4, rng=np.random.default_rng(1), return_entropy=True)
    # identical schedules see identical pulls (CRN) -> identical outcomes
    np.testing.assert_array_equal(out["reward"][0], out["reward"][2])
    single = meta.reinforce_bandit_lifetime(sched[1], mu, batch=4, rng=np.random.default_rng(1))
    np.testing.assert_allclose(single["reward"][0], out["reward"][1], rtol=0, atol=1e-14)
    assert out["entropy"].shape == (3, 11)
    np.testing.assert_allclose(out["entropy"][:, 0], np.log(5), rtol=1e-14)
    with pytest.raises(ValueError, match="mu"):
        meta.reinforce_bandit_lifetime(sched, mu + 1, batch=4, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        meta.reinforce_bandit_lifetime(sched, mu, batch=4, rng=0)


def _quadratic(A, c):
    def F(Phi, *, rng=None):
        D = Phi - c
        return -0.5 * np.einsum("pi,ij,pj->p", D, A, D)
    return F


def test_es_gradient_on_quadratic_exact_identity_and_mc():
    rng = np.random.default_rng(7)
    d = 3
    M = rng.normal(size=(d, d))
    A, c, phi = M @ M.T + np.eye(d), rng.normal(size=d), rng.normal(size=d)
    F = _quadratic(A, c)
    grad = -A @ (phi - c)
    sigma, n = 0.3, 50
    eps = rng.standard_normal((n, d))
    g = meta.antithetic_es_gradient(F(phi + sigma * eps), F(phi - sigma * eps), eps, sigma)
    # antithetic differences of a quadratic are exactly linear: g = (E^T E / n) grad
    np.testing.assert_allclose(g, eps.T @ eps @ grad / n, rtol=1e-10, atol=1e-12)
    # Monte-Carlo: mean of many estimates within 4 SE of the exact gradient
    reps = np.empty((4000, d))
    for i in range(reps.shape[0]):
        e = rng.standard_normal((8, d))
        reps[i] = meta.antithetic_es_gradient(F(phi + sigma * e), F(phi - sigma * e), e, sigma)
    se = reps.std(0, ddof=1) / np.sqrt(reps.shape[0])
    assert np.all(np.abs(reps.mean(0) - grad) <= 4 * se)


def test_es_ascent_converges_and_validates():
    c = np.array([0.5, -1.0])
    out = meta.es_ascent(_quadratic(np.eye(2), c), np.zeros(2), sigma=0.1, n_pairs=8, lr=0.05,
                         n_generations=300, rng=np.random.default_rng(0), use_ranks=True)
    np.testing.assert_allclose(out["phi"], c, atol=0.05)
    assert out["history"].shape == (301, 2)
    with pytest.raises(ValueError, match="objective"):
        meta.es_ascent(lambda P, *, rng: np.zeros(3), np.zeros(2), sigma=0.1, n_pairs=8, lr=0.1,
                       n_generations=1, rng=np.random.default_rng(0))


def test_centered_ranks():
    np.testing.assert_allclose(meta.centered_ranks([3.0, 1.0, 2.0, 10.0]), [1 / 6, -0.5, -1 / 6, 0.5])


def test_central_difference_gradient_vs_exact():
    f = lambda P, *, rng: np.exp(P[:, 0]) * np.cos(P[:, 1]) + P[:, 2] ** 3
    phi = np.array([0.2, 0.7, -0.4])
    exact = [np.exp(0.2) * np.cos(0.7), -np.exp(0.2) * np.sin(0.7), 3 * 0.16]
    np.testing.assert_allclose(meta.central_difference_gradient(f, phi, h=1e-5), exact, atol=1e-9)


def test_truncated_metagradient_equals_manual_fd():
    rng = np.random.default_rng(2)
    mu = rng.random((16, 5))
    phi = np.array([0.5, 1.0])
    grad, centre = meta.truncated_metagradient(phi, mu, n_steps=12, n0=4, unroll=3, batch=4, h=1e-4,
                                               rng=np.random.default_rng(9))
    # manual: same random streams (spawned children), one parameter at a time
    g1, g2 = np.random.default_rng(9).spawn(2)
    z0 = meta.reinforce_bandit_lifetime(meta.progress_schedule(phi, 12)[:4], mu, batch=4, rng=g1)["z"][0]
    state = g2.bit_generator.state

    def J(p):
        g2.bit_generator.state = state
        le = meta.progress_schedule(p, 12)[None, 4:7]
        return meta.reinforce_bandit_lifetime(le, mu, batch=4, rng=g2, z0=z0)["reward"].mean()
    manual = [(J(phi + 1e-4 * e) - J(phi - 1e-4 * e)) / 2e-4 for e in np.eye(2)]
    np.testing.assert_allclose(grad, manual, rtol=1e-9, atol=1e-12)
    assert centre == pytest.approx(J(phi), abs=1e-14)
    with pytest.raises(ValueError, match="n0"):
        meta.truncated_metagradient(phi, mu, n_steps=5, n0=4, unroll=3, batch=4, h=1e-4, rng=rng)


@pytest.mark.parametrize("lam", [0.0, 0.3])
def test_risk_seeking_grad_vs_finite_differences(lam):
    rng = np.random.default_rng(5)
    M = 6
    z = rng.normal(size=M)
    a = rng.integers(0, M, size=40)
    r = rng.random(40)
    g, info = meta.risk_seeking_pg_grad(z, a, r, epsilon=0.2, entropy_weight=lam)
    q = np.quantile(r, 0.8)
    keep = r >= q
    assert info["n_kept"] == keep.sum() and info["threshold"] == q

    def J(zz):
        lp = zz - np.log(np.exp(zz).sum())
        p = np.exp(lp)
        return ((r[keep] - q) * lp[a[keep]]).mean() + lam * -(p * lp).sum()
    fd = np.array([(J(z + 1e-6 * e) - J(z - 1e-6 * e)) / 2e-6 for e in np.eye(M)])
    np.testing.assert_allclose(g, fd, atol=1e-8)
    with pytest.raises(ValueError, match="epsilon"):
        meta.risk_seeking_pg_grad(z, a, r, epsilon=0.0)
    with pytest.raises(ValueError, match="actions"):
        meta.risk_seeking_pg_grad(z, a + M, r, epsilon=0.1)

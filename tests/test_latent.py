"""Tests of theorylab.latent: closed-form posteriors against importance-sampling Monte Carlo
(within k standard errors), PPCA against the population loadings, OLS excess risk against
its closed form, the GMM wrapper on separated clusters."""

import numpy as np
import pytest
from scipy import stats

from theorylab import latent


def _is_mean(samples, logw):
    """Self-normalised importance-sampling mean and its delta-method standard error."""
    w = np.exp(logw - logw.max())
    w /= w.sum()
    mean = w @ samples
    se = np.sqrt(np.sum(w[:, None] ** 2 * (samples - mean) ** 2, axis=0))
    return mean, se


def test_blr_posterior_against_importance_sampling():
    rng = np.random.default_rng(0)
    d, t, tau2, s2 = 2, 4, 1.5, 0.7
    X = rng.normal(size=(t, d))
    y = X @ rng.normal(size=d) * 1.0 + rng.normal(size=t) * np.sqrt(s2)
    m, S = latent.blr_posterior(X, y, prior_var=tau2, noise_var=s2)
    W = rng.normal(size=(400_000, d)) * np.sqrt(tau2)  # prior draws
    logw = -0.5 * np.sum((y[None] - W @ X.T) ** 2, axis=1) / s2
    mc, se = _is_mean(W, logw)
    assert np.all(np.abs(mc - m) < 4 * se)
    mc2, se2 = _is_mean((W - m)[:, 0:1] * (W - m)[:, 1:2], logw)
    assert abs(mc2[0] - S[0, 1]) < 4 * se2[0]
    # predictive at a query: variance sigma^2 + x' S x
    xq = np.array([0.3, -1.2])
    mu, v = latent.blr_predictive(xq, X, y, prior_var=tau2, noise_var=s2)
    assert mu == pytest.approx(xq @ m) and v == pytest.approx(s2 + xq @ S @ xq)


def test_blr_batched_matches_loop():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 3, 2))
    y = rng.normal(size=(5, 3))
    Xq = rng.normal(size=(5, 2))
    mu, v = latent.blr_predictive(Xq, X, y)
    for i in range(5):
        a, b = latent.blr_predictive(Xq[i], X[i], y[i])
        assert mu[i] == pytest.approx(a) and v[i] == pytest.approx(b)
    # empty context = prior predictive
    mu0, v0 = latent.blr_predictive(Xq, np.zeros((5, 0, 2)), np.zeros((5, 0)), prior_var=2.0)
    assert np.allclose(mu0, 0) and np.allclose(v0, 1 + 2 * np.sum(Xq ** 2, axis=1))


def test_nig_against_importance_sampling():
    rng = np.random.default_rng(2)
    d, t, a0, b0 = 2, 6, 3.0, 2.0
    V0 = np.diag([1.0, 0.5])
    X = rng.normal(size=(t, d))
    y = X @ np.array([1.0, -0.5]) + rng.normal(size=t)
    mn, Vn, an, bn = latent.nig_posterior(X, y, V0=V0, a0=a0, b0=b0)
    N = 400_000
    sig2 = stats.invgamma(a0, scale=b0).rvs(size=N, random_state=rng)
    W = rng.normal(size=(N, d)) * np.sqrt(sig2[:, None] * np.diag(V0))
    logw = -0.5 * np.sum((y[None] - W @ X.T) ** 2, axis=1) / sig2 - 0.5 * t * np.log(sig2)
    mc, se = _is_mean(np.c_[W, sig2], logw)
    assert np.all(np.abs(mc[:2] - mn) < 4 * se[:2])
    assert abs(mc[2] - bn / (an - 1)) < 4 * se[2]  # E[sigma^2 | data]
    # Student-t predictive density at one point = E[N(y*; x'w, sigma^2) | data]
    xq = np.array([[0.5, 1.0]])
    loc, sc2, nu = latent.nig_predictive(xq, X, y, V0=V0, a0=a0, b0=b0)
    ys = 0.7
    dens = stats.t(df=nu, loc=loc[0], scale=np.sqrt(sc2[0])).pdf(ys)
    mcd, sed = _is_mean(stats.norm.pdf(ys, W @ xq[0], np.sqrt(sig2))[:, None], logw)
    assert abs(mcd[0] - dens) < 4 * sed[0]


def test_ppca_recovers_the_loadings_up_to_rotation():
    rng = np.random.default_rng(3)
    d, r = 12, 2
    B = rng.normal(size=(d, r))
    X, _, _ = latent.sample_factor_model(200_000, B, rng=rng)
    Bh, s2 = latent.ppca_fit(X, r)
    assert s2 == 1.0
    # B B' is rotation invariant: compare population and fitted covariance structure
    assert np.max(np.abs(Bh @ Bh.T - B @ B.T)) < 0.05
    Bh2, s2h = latent.ppca_fit(X, r, noise_var=None)
    assert s2h == pytest.approx(1.0, abs=0.01)
    # posterior mean: E[z|x] against least squares of Z on X in a large sample
    X, Z, _ = latent.sample_factor_model(200_000, B, rng=rng)
    A = np.linalg.lstsq(X, Z, rcond=None)[0].T
    assert np.allclose(latent.factor_posterior_mean(np.eye(d), B).T, A, atol=0.01)


def test_ols_excess_risk_formula_monte_carlo():
    rng = np.random.default_rng(4)
    p, n, R = 5, 20, 4000
    w_star = rng.normal(size=p)
    F = rng.normal(size=(R, n, p))
    y = F @ w_star + 1.3 * rng.normal(size=(R, n))
    W = latent.ols_fit(F, y)
    er = latent.excess_risk(W, w_star, np.eye(p))
    expect = latent.ols_expected_excess_risk(p, n, residual_var=1.3 ** 2)
    se = er.std(ddof=1) / np.sqrt(R)
    assert abs(er.mean() - expect) < 4 * se


def test_gmm_pretraining_and_label_map():
    rng = np.random.default_rng(5)
    centers = np.array([[3, 3], [3, -3], [-3, 3], [-3, -3]], float)
    z = rng.integers(0, 4, 2000)
    X = centers[z] + rng.normal(size=(2000, 2))
    g = latent.gmm_pretrain(X, 4, rng=rng)
    lab = np.array([0, 1, 1, 0])  # XOR of the signs
    idx = rng.choice(2000, 16, replace=False)
    m = latent.gmm_label_map(g, X[idx], lab[z[idx]], n_classes=2)
    acc = np.mean(m[g.predict(X)] == lab[z])
    assert acc > 0.97


def test_gaussian_nll_and_validation():
    assert latent.gaussian_nll(1.0, 0.0, 2.0) == pytest.approx(stats.norm(0, np.sqrt(2)).logpdf(1) * -1)
    with pytest.raises(ValueError, match="var"):
        latent.gaussian_nll(0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="rank"):
        latent.ppca_fit(np.zeros((5, 3)), 3)
    with pytest.raises(ValueError, match="n_samples"):
        latent.ols_expected_excess_risk(5, 6, residual_var=1.0)
    with pytest.raises(ValueError, match="y"):
        latent.blr_posterior(np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="prior_var"):
        latent.blr_posterior(np.zeros((3, 2)), np.zeros(3), prior_var=0.0)
    with pytest.raises(TypeError, match="rng"):
        latent.sample_factor_model(3, np.ones((2, 1)), rng=None)
    with pytest.raises(ValueError, match="beta"):
        latent.sample_factor_model(3, np.ones((2, 1)), np.ones(2), rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match="y_labeled"):  # float labels: the wrong kind (issue 13)
        g = latent.gmm_pretrain(np.random.default_rng(0).normal(size=(20, 2)), 2,
                                rng=np.random.default_rng(0))
        latent.gmm_label_map(g, np.zeros((2, 2)), np.array([0.0, 1.0]), n_classes=2)

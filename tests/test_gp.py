"""Tests of theorylab.gp against scikit-learn's GaussianProcessRegressor (fixed
hyperparameters, optimizer=None), closed forms and Monte-Carlo."""

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

from theorylab import gp


def _sk_posterior(kernel, Xtr, y, Xte, noise):
    m = GaussianProcessRegressor(kernel=kernel, alpha=noise ** 2, optimizer=None, normalize_y=False)
    m.fit(Xtr, y)
    return m.predict(Xte, return_cov=True)


def test_rbf_posterior_matches_sklearn():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, size=(40, 2))
    K = gp.rbf_kernel(X, lengthscale=[0.3, 0.5])
    idx = np.array([1, 5, 7, 20, 33, 34])
    y = rng.normal(size=idx.size)
    mean, cov = gp.posterior(K, idx, y, noise=0.2)
    sk_m, sk_c = _sk_posterior(RBF([0.3, 0.5]), X[idx], y, X, 0.2)
    np.testing.assert_allclose(mean, sk_m, atol=1e-10)
    np.testing.assert_allclose(cov, sk_c, atol=1e-10)


def test_rbf_times_overlap_kernel_matches_sklearn():
    # rho + (1-rho) 1[a=a'] on one-hot arms = rho*RBF(context, arms ignored) + (1-rho)*RBF(context, arms sharp)
    rng = np.random.default_rng(1)
    C, A, rho, ls = 7, 3, 0.3, 0.25
    ctx = rng.uniform(0, 1, size=(C, 2))
    K = np.kron(gp.rbf_kernel(ctx, lengthscale=ls), gp.overlap_kernel(np.arange(A), rho=rho))
    feats = np.array([np.r_[ctx[c], np.eye(A)[a]] for c in range(C) for a in range(A)])
    sk = (ConstantKernel(rho, "fixed") * RBF([ls, ls] + [1e6] * A, "fixed")
          + ConstantKernel(1 - rho, "fixed") * RBF([ls, ls] + [1e-3] * A, "fixed"))
    np.testing.assert_allclose(K, sk(feats), atol=1e-9)
    idx = np.array([0, 4, 8, 9, 15])
    y = rng.normal(size=idx.size)
    mean, cov = gp.posterior(K, idx, y, noise=0.1)
    sk_m, sk_c = _sk_posterior(sk, feats[idx], y, feats, 0.1)
    np.testing.assert_allclose(mean, sk_m, atol=1e-8)
    np.testing.assert_allclose(cov, sk_c, atol=1e-8)


def test_hamming_exp_kernel_is_scaled_rbf_and_kronecker():
    d, theta = 4, 1.3
    A = gp.binary_arms(d)
    K = gp.hamming_exp_kernel(A, theta=theta)
    s = 2.0 * A - 1
    # e^theta * exp(-theta ||s-s'||^2 / (4d)) = ConstantKernel(e^theta) * RBF(l^2 = 2d/theta)
    sk = ConstantKernel(np.exp(theta), "fixed") * RBF(np.sqrt(2 * d / theta), "fixed")
    np.testing.assert_allclose(K, sk(s), rtol=1e-12)
    # factorisation over bits: Kronecker product of 2x2 blocks [[e^{t/d}, 1], [1, e^{t/d}]]
    b = np.array([[np.exp(theta / d), 1.0], [1.0, np.exp(theta / d)]])
    kron = b
    for _ in range(d - 1):
        kron = np.kron(kron, b)
    np.testing.assert_allclose(K, kron, rtol=1e-12)
    assert np.linalg.eigvalsh(K).min() > 0


def test_rank_one_updates_equal_batch_posterior_and_info_gain():
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(30, 1))
    K = gp.rbf_kernel(X, lengthscale=0.2)
    R, t, sigma = 3, 8, 0.3
    idx = rng.integers(0, 30, size=(R, t))
    y = rng.normal(size=(R, t))
    post = gp.FinitePosterior(K, n_reps=R, noise=sigma)
    for s in range(t):
        post.update(idx[:, s], y[:, s])
    for r in range(R):
        m, S = gp.posterior(K, idx[r], y[r], noise=sigma)
        np.testing.assert_allclose(post.mean[r], m, atol=1e-10)
        np.testing.assert_allclose(post.cov[r], S, atol=1e-10)
        # Srinivas et al. Lemma 5.3: sum of 1/2 log(1 + s^-2 var_{t-1}) = 1/2 logdet(I + s^-2 K_XX)
        KXX = K[np.ix_(idx[r], idx[r])]
        ld = np.linalg.slogdet(np.eye(t) + KXX / sigma ** 2)[1]
        assert post.info_gain[r] == pytest.approx(0.5 * ld, rel=1e-10)


def test_sample_prior_covariance_mc():
    rng = np.random.default_rng(3)
    K = gp.rbf_kernel(np.linspace(0, 1, 5), lengthscale=0.4)
    f = gp.sample_prior(K, 40000, rng=rng)
    emp = f.T @ f / f.shape[0]
    se = np.sqrt((K ** 2 + np.outer(np.diag(K), np.diag(K))) / f.shape[0])   # Var of x_i x_j, Gaussian
    assert np.all(np.abs(emp - K) <= 5 * se)
    with pytest.raises(ValueError, match="symmetric"):
        gp.sample_prior(np.triu(np.ones((3, 3))), 2, rng=rng)


def test_srinivas_beta_and_bandit_behaviour():
    assert gp.srinivas_beta(10, 600, 0.1) == pytest.approx(2 * np.log(600 * 100 * np.pi ** 2 / 0.6))
    rng = np.random.default_rng(4)
    C, A = 4, 3
    K = np.kron(gp.rbf_kernel(np.linspace(0, 1, C), lengthscale=0.5), gp.overlap_kernel(np.arange(A), rho=0.2))
    f = gp.sample_prior(K, 6, rng=rng)
    for pol in gp.GP_POLICIES:
        run = gp.run_gp_bandit(K, f, n_contexts=C, n_arms=A, T=60, policy=pol, noise=0.05, rng=rng)
        assert run.regret.shape == (6, 60) and np.all(run.regret >= -1e-12)
        fa = f.reshape(6, C, A)
        r = np.arange(6)[:, None]
        np.testing.assert_allclose(run.regret, fa.max(2)[r, run.contexts] - fa[r, run.contexts, run.arms])
        assert np.all(np.diff(run.info_gain, axis=1) >= 0)
    ucb = gp.run_gp_bandit(K, f, n_contexts=C, n_arms=A, T=200, policy="ucb", noise=0.05, rng=rng)
    assert ucb.regret[:, -50:].mean() < 0.2 * ucb.regret[:, :10].mean() + 1e-9
    with pytest.raises(ValueError, match="policy"):
        gp.run_gp_bandit(K, f, n_contexts=C, n_arms=A, T=5, policy="greedy", noise=0.1, rng=rng)
    with pytest.raises(ValueError, match="K must be"):
        gp.run_gp_bandit(K, f, n_contexts=C + 1, n_arms=A, T=5, policy="ucb", noise=0.1, rng=rng)


def test_kernel_validation():
    with pytest.raises(ValueError, match="rho"):
        gp.overlap_kernel(np.arange(3), rho=1.0)
    with pytest.raises(ValueError, match="0/1"):
        gp.hamming_exp_kernel(np.array([[0, 2]]), theta=1.0)
    with pytest.raises(ValueError, match="lengthscale"):
        gp.rbf_kernel(np.zeros((2, 2)), lengthscale=[1.0, -1.0])

"""Tests of theorylab.icl: features against a direct loop, the Bayes prefix predictive
against latent.blr_predictive and against Monte Carlo calibration, backpropagation against
central finite differences, training lowers the loss."""

import numpy as np
import pytest

from theorylab import icl, latent


def test_prefix_features_direct_loop():
    rng = np.random.default_rng(0)
    X, y, _ = icl.sample_tasks(3, 6, 3, rng=rng)
    F = icl.prefix_features(X, y)
    iu = np.triu_indices(3)
    for i in range(3):
        for t in range(6):
            A, b = X[i, :t], y[i, :t]
            ref = np.r_[(A.T @ A)[iu], A.T @ b, b @ b] / (t + 1)
            ref = np.r_[ref, X[i, t], 1 / (t + 1)]
            assert np.allclose(F[i, t], ref, atol=1e-13)


def test_bayes_prefix_matches_blr_and_is_calibrated():
    rng = np.random.default_rng(1)
    X, y, _ = icl.sample_tasks(4, 7, 2, rng=rng, w_scale=1.5, noise=0.8)
    mu, v = icl.bayes_prefix_predictive(X, y, prior_var=2.25, noise_var=0.64)
    for i in range(4):
        for t in range(7):
            a, b = latent.blr_predictive(X[i, t], X[i, :t], y[i, :t], prior_var=2.25, noise_var=0.64)
            assert mu[i, t] == pytest.approx(a, abs=1e-12) and v[i, t] == pytest.approx(b, rel=1e-12)
    # Monte Carlo over the task prior: standardised residuals have mean 0 and variance 1
    X, y, _ = icl.sample_tasks(50_000, 5, 2, rng=rng)
    mu, v = icl.bayes_prefix_predictive(X, y)
    z = (y - mu) / np.sqrt(v)
    se = z.std() / np.sqrt(z.shape[0])
    assert np.all(np.abs(z.mean(axis=0)) < 4 * se)
    assert np.all(np.abs((z**2).mean(axis=0) - 1) < 4 * np.sqrt(2 / z.shape[0]))
    # non-zero prior mean: the predictive mean shifts accordingly
    X, y, _ = icl.sample_tasks(50_000, 3, 2, rng=rng, w_mean=2.0)
    mu, v = icl.bayes_prefix_predictive(X, y, prior_mean=2.0)
    z = (y - mu) / np.sqrt(v)
    assert np.all(np.abs(z.mean(axis=0)) < 4 / np.sqrt(50_000))


@pytest.mark.parametrize("mse", [False, True])
def test_backprop_finite_differences(mse):
    rng = np.random.default_rng(2)
    p = icl.init_icl(9, 6, rng=rng)
    for a in p.arrays():
        a += 0.3 * rng.standard_normal(a.shape)
    X, y, _ = icl.sample_tasks(3, 5, 2, rng=rng)
    F = icl.prefix_features(X, y).reshape(15, -1)
    yy = y.reshape(-1)
    loss, grads = icl.icl_loss_and_grad(p, F, yy, mse=mse)
    h = 1e-6
    for a, g in zip(p.arrays(), grads):
        num = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            old = a[idx]
            a[idx] = old + h
            lp = icl.icl_loss_and_grad(p, F, yy, mse=mse)[0]
            a[idx] = old - h
            lm = icl.icl_loss_and_grad(p, F, yy, mse=mse)[0]
            a[idx] = old
            num[idx] = (lp - lm) / (2 * h)
        assert np.max(np.abs(g - num)) < 1e-7 * max(1.0, np.max(np.abs(num)))


def test_training_lowers_the_nll_and_pool_mode():
    rng = np.random.default_rng(3)
    p, losses = icl.train_icl(n_steps=300, batch_tasks=16, length=10, dim=1, width=16, warmup=50,
                              lr=1e-2, rng=rng)
    assert losses[-50:].mean() < losses[50:100].mean()
    X, y, _ = icl.sample_tasks(20, 10, 1, rng=rng)
    p2, l2 = icl.train_icl(n_steps=20, batch_tasks=4, length=10, dim=1, width=8, pool=(X, y), rng=rng)
    assert l2.shape == (20,) and np.all(np.isfinite(l2))
    mu, v = icl.icl_predict(p2, icl.prefix_features(X, y))
    assert mu.shape == (20, 10) and np.all(v > 0)


def test_validation():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="x_scale"):
        icl.sample_tasks(3, 2, 1, rng=rng, x_scale=np.ones(2))
    with pytest.raises(TypeError, match="rng"):
        icl.sample_tasks(3, 2, 1, rng=None)
    with pytest.raises(ValueError, match="y"):
        icl.prefix_features(np.zeros((2, 3, 1)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="prior_var"):
        icl.bayes_prefix_predictive(np.zeros((1, 2, 1)), np.zeros((1, 2)), prior_var=0.0)
    with pytest.raises(ValueError, match="n_steps"):
        icl.train_icl(n_steps=0, batch_tasks=2, length=2, dim=1, rng=rng)

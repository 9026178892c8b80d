"""Tests for theorylab.nets.three_layer: the three-layer network of Wang, Nichani & Lee
(2024), its layerwise training and the kernel baselines.

References: central finite differences (gradients), the closed-form ridge solution
(GD limit / stationarity), exact recovery of polynomials inside the first layer's
span, Monte Carlo over random weights for the arc-cosine NTK (Jacot et al. 2018,
Cho & Saul 2009).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from theorylab import numdiff
from theorylab import polynomials as poly
from theorylab.nets import three_layer as tl


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small matrices: one BLAS thread avoids oversubscription on the shared 2-core machine."""
    with threadpool_limits(1):
        yield


LINK = poly.hermite_link([0.0, 1.0, 0.5])


def small_problem(seed=0, d=4, n=300, first_layer="random", width1=30, width2=8):
    rng = np.random.default_rng(seed)
    feat = poly.orthogonal_decomposable_feature(d, 2, rng=rng)
    X, y, p = poly.HierarchicalTarget(feat, LINK).sample(n, rng=rng)
    net = tl.init_three_layer(d, k=2, width1=width1, width2=width2, first_layer=first_layer, rng=rng)
    return rng, X, y, p, net


# --------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("first_layer", ["random", "hermite"])
def test_loss_gradient_matches_finite_differences(first_layer):
    rng, X, y, _, net = small_problem(first_layer=first_layer)
    net = replace(net, u=0.3 * rng.standard_normal(net.u.size), c=0.5 * rng.standard_normal(net.c.size))
    wd_u, wd_c = 0.01, 0.02
    loss, gu, gc = tl.loss_and_grad(net, X, y, wd_u=wd_u, wd_c=wd_c)
    fd_u = numdiff.grad_fd(lambda u: tl.loss_and_grad(replace(net, u=u), X, y, wd_u=wd_u, wd_c=wd_c)[0], net.u)
    fd_c = numdiff.grad_fd(lambda c: tl.loss_and_grad(replace(net, c=c), X, y, wd_u=wd_u, wd_c=wd_c)[0], net.c)
    # central differences: O(h^2) truncation + O(eps/h) round-off ~ 1e-9 on O(1) losses
    np.testing.assert_allclose(gu, fd_u, atol=1e-6, rtol=1e-5)
    np.testing.assert_allclose(gc, fd_c, atol=1e-6, rtol=1e-5)
    assert loss == pytest.approx(0.5 * np.mean((tl.forward(net, X) - y) ** 2)
                                 + 0.5 * wd_u * net.u @ net.u + 0.5 * wd_c * net.c @ net.c)


def test_stage1_ridge_is_stationary_and_equals_gd_limit():
    _, X, y, _, net = small_problem(width1=12, n=400)
    ridge = 0.2
    net_r = tl.train_stage1(net, X, y, ridge=ridge)
    _, gu, _ = tl.loss_and_grad(net_r, X, y, wd_u=ridge)
    assert np.max(np.abs(gu)) < 1e-10
    net_g = tl.train_stage1(net, X, y, ridge=ridge, solver="gd", n_steps=1500)
    np.testing.assert_allclose(net_g.u, net_r.u, atol=1e-6)


def test_stage2_ridge_equals_gd_limit():
    _, X, y, _, net = small_problem(width2=6, n=300)
    net1 = tl.train_stage1(net, X[:200], y[:200], ridge=1e-3)
    net_r, info = tl.train_stage2(net1, X[200:], y[200:], ridges=0.3)
    assert info["ridge"] == 0.3
    _, _, gc = tl.loss_and_grad(net_r, X[200:], y[200:], wd_c=0.3)
    assert np.max(np.abs(gc)) < 1e-10
    net_g, _ = tl.train_stage2(net1, X[200:], y[200:], ridges=0.3, solver="gd", n_steps=3000)
    np.testing.assert_allclose(net_g.c, net_r.c, atol=1e-5)


@pytest.mark.parametrize("first_layer, width1", [("hermite", None), ("random", 40)])
def test_stage1_recovers_degree2_polynomial_exactly(first_layer, width1):
    """A noise-free degree-2 target lies in the span of [1, sigma1(Vx)] (m1 >= F - 1) or of
    the Hermite basis, so least squares / tiny ridge recovers it to round-off."""
    rng = np.random.default_rng(4)
    d = 4
    feat = poly.orthogonal_decomposable_feature(d, 2, rng=rng)
    net = tl.init_three_layer(d, k=2, width1=width1, first_layer=first_layer, rng=rng)
    X = rng.standard_normal((300, d))
    Xt = rng.standard_normal((50, d))
    net1 = tl.train_stage1(net, X, feat(X) + 0.7, ridge=1e-12 if first_layer == "random" else 0.0)
    np.testing.assert_allclose(tl.feature_map(net1, Xt), feat(Xt) + 0.7, atol=1e-6)


def test_first_layer_activation_is_h1_plus_h2():
    rng = np.random.default_rng(0)
    net = tl.init_three_layer(3, k=2, width1=5, rng=rng)
    X = rng.standard_normal((4, 3))
    T = X @ net.V.T
    expected = np.column_stack([np.ones(4), T + (T**2 - 1) / math.sqrt(2)])
    np.testing.assert_allclose(tl.first_layer_features(net, X), expected, atol=1e-13)
    np.testing.assert_allclose(np.linalg.norm(net.V, axis=1), 1.0)


def test_layerwise_learns_hierarchical_target():
    """Sanity: at d = 8 with n1 = 20 F the layerwise net beats the degree-2 floor (1/3)."""
    rng = np.random.default_rng(9)
    d = 8
    feat = poly.orthogonal_decomposable_feature(d, 2, rng=rng)
    F = poly.n_hermite_features(d, 2)
    X, y, _ = poly.HierarchicalTarget(feat, LINK).sample(20 * F + 1000 + 2000, rng=rng)
    net = tl.init_three_layer(d, k=2, first_layer="hermite", rng=rng)
    net, info = tl.train_layerwise(net, X[:-2000], y[:-2000], n_stage1=20 * F)
    rel = np.mean((tl.forward(net, X[-2000:]) - y[-2000:]) ** 2) / np.var(y[-2000:])
    assert rel < poly.degree2_floor_exact(feat, LINK)["rel_floor"]
    assert info["val_errors"].shape == (5,)


# --------------------------------------------------------------------------- kernels
def test_relu_ntk_matches_monte_carlo_over_weights():
    """Theta(x, x') = 2 E[relu(w.x~) relu(w.x~')] / d~ ... in NTK parameterisation:
    Sigma1 = 2 E_w[relu(w.x/sqrt d) relu(w.x'/sqrt d)], Sdot = 2 E_w[1{w.x>0} 1{w.x'>0}],
    Theta = Sigma1 + (x.x'/d) Sdot, w ~ N(0, I)."""
    rng = np.random.default_rng(3)
    X = rng.standard_normal((3, 5))
    K = tl._relu_ntk_one_hidden(X, X)
    W = rng.standard_normal((400_000, 5))
    A = X @ W.T / math.sqrt(5)  # (3, m)
    R, Ind = np.maximum(A, 0), (A > 0).astype(float)
    samples = 2 * R[:, None, :] * R[None, :, :] + (X @ X.T / 5)[:, :, None] * 2 * Ind[:, None, :] * Ind[None, :, :]
    mean, se = samples.mean(-1), samples.std(-1) / math.sqrt(W.shape[0])
    assert np.all(np.abs(K - mean) <= 4.5 * se + 1e-12)


def test_relu_ntk_symmetric_psd_and_diagonal():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 6))
    K = tl.relu_ntk(X)
    np.testing.assert_allclose(K, K.T, atol=1e-12 * np.abs(K).max())
    assert np.linalg.eigvalsh(K).min() > -1e-10 * np.abs(K).max()
    # closed form on the diagonal: theta = 0 -> Sigma1 = |x|^2/d, Sdot = 1 -> Theta = 2 |x|^2 / d
    Xa = np.c_[X, np.ones(30)]
    # rtol 1e-7: arccos at cos = 1 - O(eps) returns theta ~ sqrt(eps) ~ 1e-8 (conditioning of arccos)
    np.testing.assert_allclose(np.diag(tl._relu_ntk_one_hidden(Xa, Xa)), 2 * np.sum(Xa**2, 1) / 7, rtol=1e-7)


def test_relu_ntk_agrees_with_theorylab_kernels_fc():
    """Independent implementation: theorylab.kernels.fc.nngp_ntk(depth=1) has input-layer
    variance sigma_w^2 = 2, i.e. exactly twice the closed form here (a scale that the
    relative ridge of kernel_ridge_baseline absorbs)."""
    fc = pytest.importorskip("theorylab.kernels.fc")
    rng = np.random.default_rng(1)
    X, Y = rng.standard_normal((20, 5)), rng.standard_normal((7, 5))
    Xa, Ya = np.c_[X, np.ones(20)], np.c_[Y, np.ones(7)]
    theta = fc.nngp_ntk(Xa, Ya, depth=1, activation="relu", weight_var=2.0, bias_var=0.0)[1]
    np.testing.assert_allclose(theta, 2 * tl._relu_ntk_one_hidden(Xa, Ya), rtol=1e-10)
    np.testing.assert_allclose(tl.relu_ntk(X, Y), theta, rtol=1e-12)


def test_rbf_kernel():
    X = np.array([[0.0, 0.0], [1.0, 1.0]])
    K = tl.rbf_kernel(X, gamma=0.5)
    np.testing.assert_allclose(K, [[1, math.exp(-1)], [math.exp(-1), 1]], atol=1e-15)


def test_kernel_baseline_fits_smooth_target_and_uses_validation():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((900, 3))
    y = X[:, 0] + 0.3 * X[:, 1] * X[:, 2]
    for kern, gamma, n_pilot in [("relu_ntk", None, 300), ("rbf", 0.3, 600)]:
        r = tl.kernel_ridge_baseline(X[:600], y[:600], X[600:700], y[600:700], X[700:], kernel=kern,
                                     gamma=gamma, n_pilot=n_pilot)
        assert np.mean((r["pred"] - y[700:]) ** 2) / np.var(y[700:]) < 0.2
        assert r["val_errors"].shape == (5,)


# --------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda r: tl.init_three_layer(1, k=2, rng=r), ValueError, "dim must be >= k"),
        (lambda r: tl.init_three_layer(3, k=0, rng=r), ValueError, "k must be >= 1"),
        (lambda r: tl.init_three_layer(3, k=2, first_layer="conv", rng=r), ValueError, "first_layer"),
        (lambda r: tl.init_three_layer(3, k=2, width2=0, rng=r), ValueError, "width2"),
        (lambda r: tl.init_three_layer(3, k=2, rng=1), TypeError, "rng"),
        (lambda r: tl.init_three_layer(3, k=2, bias_df=0, rng=r), ValueError, "bias_df"),
    ],
)
def test_init_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call(np.random.default_rng(0))


def test_training_bad_input():
    _, X, y, _, net = small_problem(width1=50, n=40)
    with pytest.raises(ValueError, match="least squares needs n_samples >= number of features"):
        tl.train_stage1(net, X, y, ridge=0.0)           # 40 samples < 51 features
    tl.train_stage1(net, X, y, ridge=1e-3)              # a positive ridge is fine
    with pytest.raises(ValueError, match="n_stage1"):
        tl.train_layerwise(net, X, y, n_stage1=40, ridge1=1e-3)
    with pytest.raises(ValueError, match="ridge"):
        tl.train_stage1(net, X, y, ridge=-1.0)
    with pytest.raises(ValueError, match="X must have shape"):
        tl.train_stage1(net, X[:, :2], y, ridge=1.0)
    with pytest.raises(ValueError, match="y must have shape"):
        tl.train_stage1(net, X, y[:-1], ridge=1.0)
    with pytest.raises(ValueError, match="y contains nan"):
        tl.train_stage1(net, X, np.full_like(y, np.nan), ridge=1.0)
    with pytest.raises(ValueError, match="ridges"):
        tl.train_stage2(net, X, y, ridges=[])
    with pytest.raises(ValueError, match="solver"):
        tl.train_stage1(net, X, y, ridge=1.0, solver="adam")
    with pytest.raises(ValueError, match="kernel"):
        tl.kernel_ridge_baseline(X, y, X, y, X, kernel="laplace")
    with pytest.raises(ValueError, match="gamma"):
        tl.kernel_ridge_baseline(X, y, X, y, X, kernel="rbf")
    with pytest.raises(ValueError, match="rel_ridges"):
        tl.kernel_ridge_baseline(X, y, X, y, X, rel_ridges=[0.0])

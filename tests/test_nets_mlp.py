"""Tests of theorylab.nets.mlp: hand-written backprop vs finite differences, empirical
kernels vs the analytic recursion, and the exact Gram-resampling sampler."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from theorylab import numdiff
from theorylab.kernels import fc
from theorylab.nets import mlp


def _fd_grads(net, X, act):
    """Central finite differences (theorylab.numdiff) of the output w.r.t. every raw parameter."""
    out = []
    for l in range(len(net.U)):
        for name in ("U", "beta"):
            def f(P, l=l, name=name):
                arrs = list(getattr(net, name))
                arrs[l] = P
                return mlp.mlp_forward(dataclasses.replace(net, **{name: tuple(arrs)}), X, act)[0][..., 0]
            # network e depends on its own parameters only: rows are independent (batch_dims=1)
            out.append(numdiff.jacobian_fd(f, getattr(net, name)[l], batch_dims=1))  # (E, k, *shape)
    return out


@pytest.mark.parametrize("act", ["tanh", "gelu", "relu", "softplus"])
def test_gradients_match_finite_differences(act):
    # central differences: error O(eps^2 f''') + round-off O(1e-16/eps) ~ 1e-9; relu is
    # piecewise linear, so exact away from kinks (a kink within eps has probability ~1e-6)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 4))
    net = mlp.init_mlp([4, 5, 3, 1], 2, rng=rng, weight_var=1.7, bias_var=0.4)
    grads = mlp.mlp_param_grads(net, X, act)
    fd = _fd_grads(net, X, act)
    mine = [g for pair in grads for g in pair]
    for a, b in zip(mine, fd):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-8)


def test_empirical_ntk_is_jacobian_gram():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((4, 3))
    net = mlp.init_mlp([3, 6, 5, 1], 3, rng=rng, weight_var=1.2, bias_var=0.3)
    g = mlp.mlp_param_grads(net, X, "tanh")
    J = np.concatenate([np.concatenate([dU.reshape(*dU.shape[:2], -1), db], axis=2) for dU, db in g], axis=2)
    np.testing.assert_allclose(mlp.empirical_ntk(net, X, "tanh"), J @ J.transpose(0, 2, 1), rtol=1e-12)
    # standard parameterisation with (lambda_W, lambda_b) = (C_W, C_b) is the same kernel
    np.testing.assert_allclose(
        mlp.empirical_ntk(net, X, "tanh", parameterization="standard", lr_weight=1.2, lr_bias=0.3),
        mlp.empirical_ntk(net, X, "tanh"), rtol=1e-12)


def test_depth_one_ensemble_means_are_the_analytic_kernels():
    # For one hidden layer the ensemble means of the empirical NNGP and NTK equal the
    # analytic kernels at every width (the only randomness averaged is Gaussian), so the
    # error is pure Monte-Carlo: within 4.5 standard errors, and shrinking ~ 1/sqrt(E).
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 5))
    K, T = fc.nngp_ntk(X, depth=1, activation="relu", weight_var=2.0, bias_var=0.2)
    ses = []
    for E in (200, 3200):
        res = mlp.sample_ntk_ensemble(X, [5, 16, 1], E, rng=rng, activation="relu", weight_var=2.0,
                                      bias_var=0.2, chunk=500)
        for key, ref in (("K", K), ("Theta", T)):
            m = res[key].mean(0)
            se = res[key].std(0, ddof=1) / np.sqrt(E)
            assert np.all(np.abs(m - ref) <= 4.5 * se)
        ses.append(res["Theta"].std(0, ddof=1).mean() / np.sqrt(E))
        f = res["f"]
        cov = f.T @ f / E
        se_f = np.sqrt((f[:, :, None] ** 2 * f[:, None, :] ** 2).mean(0) / E)
        assert np.all(np.abs(cov - K) <= 4.5 * se_f)
    # the standard error falls like 1/sqrt(E): ratio 1/4 for a 16x larger ensemble
    # (the per-network std is itself estimated from 200 nets: +-10% -> [0.2, 0.3])
    assert 0.2 <= ses[1] / ses[0] <= 0.3


def test_wide_deep_ntk_mean_close_to_analytic():
    # depth 2: O(1/n) bias; at n = 512 and E = 300 the MC error (~1%) dominates
    rng = np.random.default_rng(3)
    X = rng.standard_normal((2, 4))
    _, T = fc.nngp_ntk(X, depth=2, activation="erf", weight_var=1.5, bias_var=0.1)
    res = mlp.sample_ntk_ensemble(X, [4, 512, 512, 1], 300, rng=rng, activation="erf",
                                  weight_var=1.5, bias_var=0.1, chunk=50)
    m = res["Theta"].mean(0)
    se = res["Theta"].std(0, ddof=1) / np.sqrt(300)
    assert np.all(np.abs(m - T) <= 4.5 * se + 3.0 / 512 * np.abs(T))


def test_gram_resampling_sampler_matches_weight_matrices():
    # same law as real networks: compare mean and second moment of the last conditional
    # Gram with a real-weight ensemble (two-sample z-test at 4.5 sigma), and the
    # layer-2 mean with the analytic kernel (exact in expectation at any width)
    rng = np.random.default_rng(4)
    X = rng.standard_normal((2, 6))
    E, n, L = 6000, 8, 3
    s = mlp.sample_preactivations(X, depth=L, width=n, n_ensemble=E, rng=rng, activation="tanh",
                                  weight_var=1.5, bias_var=0.1)
    net = mlp.init_mlp([6] + [n] * L + [1], E, rng=rng, weight_var=1.5, bias_var=0.1)
    _, zs, _ = mlp.mlp_forward(net, X, "tanh")
    z_real = zs[L - 1]  # (E, 2, n) preactivations of layer L
    z_fast = s["z"][L - 1]
    for stat in (lambda z: z[:, 0, :] * z[:, 1, :], lambda z: z[:, 0, :] ** 2, lambda z: z[:, 0, :] ** 4):
        a, b = stat(z_real).mean(1), stat(z_fast).mean(1)
        se = np.sqrt(a.var(ddof=1) / E + b.var(ddof=1) / E)
        assert abs(a.mean() - b.mean()) <= 4.5 * se
    K2 = fc.nngp_ntk(X, depth=1, activation="tanh", weight_var=1.5, bias_var=0.1, n_nodes=120)[0]
    G2 = s["G"][1]
    se = G2.std(0, ddof=1) / np.sqrt(E)
    assert np.all(np.abs(G2.mean(0) - K2) <= 4.5 * se)


@pytest.mark.parametrize(
    "call,exc,word",
    [
        (lambda: mlp.init_mlp([3, 4, 1], 2, rng=0), TypeError, "rng"),
        (lambda: mlp.init_mlp([3, 0, 1], 2, rng=np.random.default_rng(0)), ValueError, "widths"),
        (lambda: mlp.init_mlp([3, 4, 1], 2, rng=np.random.default_rng(0), weight_var=-1), ValueError, "weight_var"),
        (lambda: mlp.mlp_forward(mlp.init_mlp([3, 4, 1], 2, rng=np.random.default_rng(0)), np.ones((2, 5))),
         ValueError, "n_0"),
        (lambda: mlp.mlp_forward(mlp.init_mlp([3, 4, 1], 2, rng=np.random.default_rng(0)),
                                 np.full((2, 3), np.nan)), ValueError, "finite"),
        (lambda: mlp.empirical_ntk(mlp.init_mlp([3, 4, 1], 2, rng=np.random.default_rng(0)), np.ones((2, 3)),
                                   "step"), ValueError, "activation"),
        (lambda: mlp.sample_preactivations(np.ones((2, 3)), depth=0, width=4, n_ensemble=2,
                                           rng=np.random.default_rng(0)), ValueError, "depth"),
    ],
)
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()

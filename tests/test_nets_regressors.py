"""Tests of theorylab.nets.regressors: gradients against central finite differences,
the symmetric initialisation, the perturbation's expected effect, learning on a
realizable stream, and bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from theorylab import numdiff
from theorylab.nets.regressors import OnlineMLPOracle, mlp_forward, mlp_grad


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(0)
    m, p = 7, 4
    W, a, phi = rng.standard_normal((m, p)), rng.standard_normal(m), rng.standard_normal(p)
    gW, ga = mlp_grad(W, a, phi)
    # central differences (theorylab.numdiff): O(h^2) + round-off/h; relu exact away from kinks
    np.testing.assert_allclose(gW, numdiff.grad_fd(lambda W_: mlp_forward(W_, a, phi), W), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ga, numdiff.grad_fd(lambda a_: mlp_forward(W, a_, phi), a), rtol=0, atol=1e-8)


def test_symmetric_init_predicts_zero():
    orc = OnlineMLPOracle(16, 0.1, rng=np.random.default_rng(1))
    st = orc.init(3, 2, 5)
    f = mlp_forward(st["W"], st["a"], np.random.default_rng(2).standard_normal((3, 1, 5)))
    np.testing.assert_allclose(f, 0.0, atol=1e-12)


def test_learns_realizable_stream_per_arm():
    """Teacher: y ~ Bernoulli(0.5 + 0.3 x_1); the per-round square error of the
    predictions falls (OGD on a realizable, bounded problem)."""
    rng = np.random.default_rng(3)
    R, p, T = 4, 3, 3000
    orc = OnlineMLPOracle(32, 0.5, rng=np.random.default_rng(4))
    st = orc.init(R, 1, p)
    err = np.zeros(T)
    for t in range(T):
        x = rng.standard_normal((R, p - 1)); x /= np.linalg.norm(x, axis=1, keepdims=True)
        phi = np.concatenate([x, np.ones((R, 1))], axis=1)
        mu = 0.5 + 0.3 * x[:, 0]
        err[t] = np.mean((orc.predict(st, phi)[:, 0] - mu) ** 2)
        orc.update(st, phi, np.zeros(R, dtype=int), (rng.random(R) < mu).astype(float), t + 1)
    assert err[-500:].mean() < 0.25 * err[:100].mean()


def test_bad_inputs():
    g = np.random.default_rng(0)
    with pytest.raises(ValueError, match="width"):
        OnlineMLPOracle(0, 0.1, rng=g)
    with pytest.raises(ValueError, match="link"):
        OnlineMLPOracle(4, 0.1, link="tanh", rng=g)
    with pytest.raises(ValueError, match="rho"):
        OnlineMLPOracle(4, 0.1, rho=-1.0, rng=g)
    with pytest.raises(TypeError, match="rng"):
        OnlineMLPOracle(4, 0.1, rng=0)

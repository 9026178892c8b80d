"""Tests of theorylab.optim: Adam against a scalar re-implementation of the update
formula (Kingma & Ba 2015, Algorithm 1) and its batch equivalence; the Armijo
condition; descent on quadratics with a closed-form minimiser; L-BFGS on Rosenbrock
(known optimum (1, 1)); the orthogonal-gradient identities (hand derivation)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from theorylab import optim


def _adam_scalar(grads, lr, b1=0.9, b2=0.999, eps=1e-8):
    x, m, v = 0.0, 0.0, 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        x -= lr * (m / (1 - b1**t)) / (math.sqrt(v / (1 - b2**t)) + eps)
        out.append(x)
    return out


def test_adam_matches_the_algorithm_and_vectorises():
    rng = np.random.default_rng(0)
    G = rng.normal(size=(5, 3, 4))  # 5 steps, a batch of 3 x 4 parameters
    theta, st = np.zeros((3, 4)), optim.adam_init(np.zeros((3, 4)))
    traj = []
    for g in G:
        theta, st = optim.adam_step(theta, g, st, lr=0.05)
        traj.append(theta)
    for i, j in np.ndindex(3, 4):
        np.testing.assert_allclose([t[i, j] for t in traj], _adam_scalar(G[:, i, j], 0.05), rtol=1e-13)
    assert st.t == 5
    # per-network learning rates broadcast
    th2, _ = optim.adam_step(np.zeros((3, 4)), G[0], optim.adam_init(np.zeros((3, 4))),
                             lr=np.array([[0.0], [0.1], [0.2]]))
    np.testing.assert_allclose(th2[0], 0.0)
    # the first step is -lr g / (|g| + eps') = -lr sign(g) up to eps / |g|
    np.testing.assert_allclose(th2[1:], -np.array([[0.1], [0.2]]) * np.sign(G[0, 1:]), rtol=1e-6)


def test_armijo_sufficient_decrease_and_no_ascent():
    A = np.diag([1.0, 10.0])
    f = lambda x: 0.5 * x @ A @ x
    x = np.array([1.0, 1.0])
    g = A @ x
    t, ft, n = optim.armijo(f, x, f(x), g, -g, c1=0.5)
    assert t > 0 and ft <= f(x) - 0.5 * t * g @ g and ft == pytest.approx(f(x - t * g))
    # hand computation: f(x - t g) = ((1-t)^2 + 10 (1-10t)^2)/2 <= 5.5 - 50.5 t first holds at t = 1/16
    assert t == 0.0625 and n == 5
    assert optim.armijo(f, x, f(x), g, g) == (0.0, f(x), 0)  # ascent direction: no step


def test_armijo_descent_is_monotone_and_reaches_the_minimiser():
    rng = np.random.default_rng(1)
    B = rng.normal(size=(6, 6))
    A = B @ B.T + np.eye(6)
    b = rng.normal(size=6)
    fg = lambda x: (0.5 * x @ A @ x - b @ x, A @ x - b)
    res = optim.armijo_descent(fg, np.zeros(6), n_steps=3000)
    assert np.all(np.diff(res.history) <= 0)
    np.testing.assert_allclose(res.x, np.linalg.solve(A, b), rtol=1e-6, atol=1e-8)
    assert res.history.size == 3001 and res.n_grads <= 3001


def test_batched_armijo_descent_equals_independent_runs():
    # each row is its own problem with its own line search: same result as separate runs
    rng = np.random.default_rng(3)
    As = [np.diag(rng.uniform(0.5, 20, 4)) for _ in range(3)]
    bs = rng.normal(size=(3, 4))

    def fg_batched(X):
        f = np.array([0.5 * x @ A @ x - b @ x for x, A, b in zip(X, As, bs)])
        return f, np.stack([A @ x - b for x, A, b in zip(X, As, bs)])

    res = optim.armijo_descent(fg_batched, np.zeros((3, 4)), n_steps=40, batched=True)
    assert res.history.shape == (41, 3) and np.all(np.diff(res.history, axis=0) <= 0)
    res_f = optim.armijo_descent(fg_batched, np.zeros((3, 4)), n_steps=40, batched=True,
                                 fun=lambda X: fg_batched(X)[0])
    np.testing.assert_array_equal(res_f.x, res.x)
    for r in range(3):
        one = optim.armijo_descent(lambda x, r=r: (0.5 * x @ As[r] @ x - bs[r] @ x, As[r] @ x - bs[r]),
                                   np.zeros(4), n_steps=40)
        np.testing.assert_allclose(res.x[r], one.x, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="batched"):
        optim.armijo_descent(lambda X: (np.zeros(2), X), np.zeros((3, 4)), n_steps=1, batched=True)


def test_lbfgs_finds_the_rosenbrock_minimum():
    fg = lambda x: ((1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2,
                    np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)]))
    res = optim.lbfgs(fg, np.array([-1.2, 1.0]), max_iter=500)
    np.testing.assert_allclose(res.x, [1.0, 1.0], atol=1e-6)
    assert res.f < 1e-12


def test_orthogonal_gradient_identities():
    rng = np.random.default_rng(2)
    gf, gb = rng.normal(size=(50, 7)), rng.normal(size=(50, 7))
    eta = 0.7
    gp = optim.orthogonal_gradient(gf, gb, eta)
    # (g_perp - g_f) is orthogonal to g_f
    np.testing.assert_allclose(np.sum((gp - gf) * gf, axis=1), 0, atol=1e-13)
    # <g_f + g_b, g_perp> - <g_f + g_b, g_f> = eta ||g_b_perp||^2
    gbp = gb - (np.sum(gb * gf, 1) / np.sum(gf * gf, 1))[:, None] * gf
    lhs = np.sum((gf + gb) * gp, 1) - np.sum((gf + gb) * gf, 1)
    np.testing.assert_allclose(lhs, eta * np.sum(gbp**2, 1), rtol=1e-12)
    np.testing.assert_allclose(optim.orthogonal_gradient(gf[0], gb[0], eta), gp[0], rtol=1e-14)
    # g_f = 0: the guard keeps it finite (g_perp = eta g_b)
    np.testing.assert_allclose(optim.orthogonal_gradient(np.zeros(3), np.ones(3), 2.0), 2 * np.ones(3))


@pytest.mark.parametrize("call, exc, word", [
    (lambda: optim.adam_step(np.zeros(2), np.zeros(3), optim.adam_init(np.zeros(2)), lr=0.1), ValueError, "grad"),
    (lambda: optim.adam_step(np.zeros(2), np.zeros(2), None, lr=0.1), TypeError, "state"),
    (lambda: optim.adam_step(np.zeros(2), np.zeros(2), optim.adam_init(np.zeros(2)), lr=-1), ValueError, "lr"),
    (lambda: optim.adam_step(np.zeros(2), np.zeros(2), optim.adam_init(np.zeros(2)), lr=0.1, beta1=1.0),
     ValueError, "beta1"),
    (lambda: optim.armijo(np.sum, np.ones(2), 2.0, np.ones(2), -np.ones(2), shrink=1.5), ValueError, "shrink"),
    (lambda: optim.armijo("f", np.ones(2), 2.0, np.ones(2), -np.ones(2)), TypeError, "callable"),
    (lambda: optim.armijo_descent(lambda x: (0.0, x), np.ones(2), n_steps=-1), ValueError, "n_steps"),
    (lambda: optim.lbfgs(lambda x: (0.0, x), np.ones((2, 2))), ValueError, "x0"),
    (lambda: optim.orthogonal_gradient(np.ones(2), np.ones(3), 1.0), ValueError, "same shape"),
    (lambda: optim.orthogonal_gradient(np.ones(2), np.ones(2), -1.0), ValueError, "eta"),
])
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()

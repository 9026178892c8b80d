"""Tests of theorylab.numdiff against closed-form derivatives (hand derivations listed
per case), its documented error model, and its detection of wrong gradients."""

from __future__ import annotations

import numpy as np
import pytest

from theorylab import numdiff

EPS = np.finfo(float).eps


def rosen(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def rosen_grad(x):  # hand derivation
    return np.array([-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)])


def rosen_hess(x):
    return np.array([[2 - 400 * x[1] + 1200 * x[0] ** 2, -400 * x[0]], [-400 * x[0], 200.0]])


CASES = [  # (f, exact gradient, point): closed forms by hand
    (lambda x: np.sin(x[0]) * x[1] ** 2, lambda x: np.array([np.cos(x[0]) * x[1] ** 2, 2 * np.sin(x[0]) * x[1]]),
     np.array([0.3, -1.2])),
    (lambda x: np.exp(x @ x / 4), lambda x: x / 2 * np.exp(x @ x / 4), np.array([0.5, -0.2, 0.9])),
    (rosen, rosen_grad, np.array([-1.1, 0.8])),
    (lambda x: np.log1p(x[0] ** 2) / (2 + np.cos(x[1])),
     lambda x: np.array([2 * x[0] / (1 + x[0] ** 2) / (2 + np.cos(x[1])),
                         np.log1p(x[0] ** 2) * np.sin(x[1]) / (2 + np.cos(x[1])) ** 2]), np.array([1.7, 0.4])),
]


@pytest.mark.parametrize("f, g, x", CASES)
def test_gradients_against_closed_forms(f, g, x):
    exact = g(x)
    scale = max(1.0, np.abs(exact).max())
    # central, order 2: truncation h^2 f'''/6 + round-off eps f/h with h = eps^(1/3): ~ 1e-10 * scale
    np.testing.assert_allclose(numdiff.grad_fd(f, x), exact, atol=1e-7 * scale)
    np.testing.assert_allclose(numdiff.grad_fd(f, x, order=4), exact, atol=1e-9 * scale)
    # complex step: no cancellation, exact to a few ulps
    np.testing.assert_allclose(numdiff.grad_cs(f, x), exact, rtol=1e-14, atol=1e-14 * scale)


def test_error_model_of_central_differences():
    # f = exp at x = 0.3: the error of the default step is within the documented bound
    # h^2/6 |f'''| + eps |f| / h (times 2 for the rounding of x +- h), and order 4 is better
    x = np.array([0.3])
    h = EPS ** (1 / 3)
    bound = h**2 / 6 * np.exp(0.3) + 2 * EPS * np.exp(0.3) / h
    e2 = abs(numdiff.grad_fd(lambda y: np.exp(y[0]), x)[0] - np.exp(0.3))
    e4 = abs(numdiff.grad_fd(lambda y: np.exp(y[0]), x, order=4)[0] - np.exp(0.3))
    assert e2 <= bound
    assert e4 <= 1e-11
    # a too-large step exhibits the O(h^2) truncation: error ~ h^2/6 e^0.3 at h = 1e-2
    e_big = abs(numdiff.grad_fd(lambda y: np.exp(y[0]), x, h=1e-2)[0] - np.exp(0.3))
    assert e_big == pytest.approx(1e-4 / 6 * np.exp(0.3), rel=1e-3)


def test_jacobian_shapes_and_vectorized_mode():
    A = np.arange(6.0).reshape(2, 3) / 5

    def f(X):  # X (3, 2) -> (2, 2): A @ X, Jacobian d(AX)_ij / dX_kl = A_ik delta_jl
        return A @ X

    X = np.random.default_rng(0).normal(size=(3, 2))
    J = numdiff.jacobian_fd(f, X)
    assert J.shape == (2, 2, 3, 2)
    exact = np.einsum("ik,jl->ijkl", A, np.eye(2))
    np.testing.assert_allclose(J, exact, atol=1e-9)
    np.testing.assert_allclose(numdiff.jacobian_cs(f, X), exact, atol=1e-15)
    Jv = numdiff.jacobian_fd(lambda Xs: np.einsum("ik,nkl->nil", A, Xs), X, vectorized=True)
    np.testing.assert_allclose(Jv, exact, atol=1e-9)  # same stencil; einsum vs matmul round-off only


def test_jvp_hvp_and_hessians_against_closed_forms():
    x = np.array([-1.1, 0.8])
    v = np.array([0.3, -2.0])
    np.testing.assert_allclose(numdiff.jvp_fd(rosen, x, v), rosen_grad(x) @ v, rtol=1e-7)
    np.testing.assert_allclose(numdiff.jvp_cs(rosen, x, v), rosen_grad(x) @ v, rtol=1e-14)
    np.testing.assert_allclose(numdiff.hvp_fd(rosen_grad, x, v), rosen_hess(x) @ v, rtol=1e-7)
    np.testing.assert_allclose(numdiff.jvp_cs(rosen_grad, x, v), rosen_hess(x) @ v, rtol=1e-14)
    np.testing.assert_allclose(numdiff.hessian_fd(rosen, x, grad=rosen_grad), rosen_hess(x), rtol=1e-7)
    # second differences of f only: error O(sqrt(eps)) relative to |f| ~ 1e2
    np.testing.assert_allclose(numdiff.hessian_fd(rosen, x), rosen_hess(x), atol=1e-4 * 100)
    assert numdiff.jvp_fd(rosen, x, np.zeros(2)) == 0.0


def test_check_gradient_detects_a_wrong_gradient():
    f, g, x = CASES[0]
    ok = numdiff.check_gradient(f, g, x)
    assert ok and ok.max_rel_err < 1e-8 and "passed=True" in repr(ok)
    bad = numdiff.check_gradient(f, lambda y: 1.001 * g(y), x)  # 0.1 % off
    assert not bad and bad.max_rel_err == pytest.approx(1e-3, rel=1e-2)
    assert not numdiff.check_gradient(f, lambda y: g(y)[::-1], x, method="complex")
    assert numdiff.check_jacobian(lambda y: np.array([f(y), 2 * f(y)]), np.stack([g(x), 2 * g(x)]), x,
                                  method="central4", rtol=1e-9)
    # NaN never passes
    assert not numdiff.compare(np.array([np.nan]), np.array([1.0]))


def test_complex_step_refuses_a_function_that_drops_the_imaginary_part():
    with pytest.raises(TypeError, match="complex-step safe"):
        numdiff.grad_cs(lambda x: np.abs(x).sum(), np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="complex-step safe"):
        numdiff.jvp_cs(lambda x: float(np.real(x[0])), np.array([1.0]), np.array([1.0]))


@pytest.mark.parametrize("call, exc, word", [
    (lambda: numdiff.grad_fd("f", np.ones(2)), TypeError, "f must be callable"),
    (lambda: numdiff.grad_fd(np.sum, np.ones(2), order=3), ValueError, "order"),
    (lambda: numdiff.grad_fd(np.sum, np.ones(2), h=-1.0), ValueError, "h"),
    (lambda: numdiff.grad_fd(np.sum, np.array([1.0, np.nan])), ValueError, "x"),
    (lambda: numdiff.grad_fd(lambda x: x, np.ones(2)), ValueError, "scalar"),
    (lambda: numdiff.jvp_fd(np.sum, np.ones(2), np.ones(3)), ValueError, "v must have the shape"),
    (lambda: numdiff.jacobian_fd(lambda X: np.ones(3), np.ones(2), vectorized=True), ValueError, "vectorized"),
    (lambda: numdiff.check_gradient(np.sum, np.ones(2), np.ones(2), method="forward"), ValueError, "method"),
    (lambda: numdiff.compare(np.ones(2), np.ones(3)), ValueError, "shapes"),
    (lambda: numdiff.hessian_fd(np.sum, np.ones(2), grad=3), TypeError, "grad"),
])
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()


def test_batch_dims_rows_are_independent_problems():
    # per-row f(x_b) = sum_j sin(x_bj) x_bj^2: gradient cos(x) x^2 + 2 x sin(x) (hand derivation)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 3))
    f = lambda Z: np.sum(np.sin(Z) * Z**2, axis=-1)
    exact = np.cos(X) * X**2 + 2 * X * np.sin(X)
    np.testing.assert_allclose(numdiff.grad_fd(f, X, batch_dims=1), exact, atol=1e-9)
    np.testing.assert_allclose(numdiff.grad_cs(f, X, batch_dims=1), exact, rtol=1e-14, atol=1e-15)
    # batch_dims = x.ndim: the elementwise derivative
    np.testing.assert_allclose(numdiff.jacobian_fd(np.tanh, X, batch_dims=2), 1 - np.tanh(X) ** 2, atol=1e-10)
    # vector output per row: (B, o) -> Jacobian (B, o, s)
    g = lambda Z: np.stack([Z.sum(-1), (Z**2).sum(-1)], axis=-1)
    J = numdiff.jacobian_cs(g, X, batch_dims=1)
    np.testing.assert_allclose(J, np.stack([np.ones_like(X), 2 * X], axis=1), rtol=1e-14)
    with pytest.raises(ValueError, match="leading shape"):
        numdiff.jacobian_fd(lambda Z: Z.sum(), X, batch_dims=1)
    with pytest.raises(ValueError, match="batch_dims"):
        numdiff.jacobian_fd(f, X, batch_dims=3)

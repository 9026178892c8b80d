"""Tests of theorylab.pde.krylov: CG iteration counts against scipy.sparse.linalg.cg,
DCDM's invariants (CG with the identity model, one step with the exact inverse, energy
identity, local A-orthogonality, scale invariance), Lanczos against dense eigensolvers."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from theorylab.pde import krylov as kr, poisson as po


def _scipy_cg_count(A, b, rtol):
    count = [0]
    x, info = spla.cg(A, b, rtol=rtol, atol=0.0, maxiter=10 * b.size,
                      callback=lambda xk: count.__setitem__(0, count[0] + 1))
    assert info == 0
    return count[0], x


@pytest.mark.parametrize("n,rtol", [(16, 1e-6), (32, 1e-6), (24, 1e-9)])
def test_cg_iteration_counts_match_scipy(n, rtol):
    A = po.laplacian_2d(n)
    b = np.random.default_rng(n).standard_normal(n * n)
    res = kr.cg(A, b, tol=rtol, residual="recursive")
    n_scipy, x_scipy = _scipy_cg_count(A, b, rtol)
    assert res.n_iter == n_scipy and res.converged
    np.testing.assert_allclose(res.x, x_scipy, atol=1e-12 * np.linalg.norm(x_scipy))


def test_cg_true_residual_mode_solves_the_system():
    A = po.laplacian_2d(12)
    b = np.random.default_rng(0).standard_normal(144)
    res = kr.cg(A, b, tol=1e-10)
    x = spla.spsolve(A.tocsc(), b)
    np.testing.assert_allclose(res.x, x, rtol=1e-8)
    np.testing.assert_allclose(res.residual_norms[-1], np.linalg.norm(b - A @ res.x), rtol=1e-12)


@pytest.mark.parametrize("n", [16, 32])
def test_dcdm_with_the_identity_model_is_cg(n):
    A = po.laplacian_2d(n)
    b = np.random.default_rng(1).standard_normal(n * n)
    cg_res = kr.cg(A, b, tol=1e-6)
    dc = kr.dcdm(A, b, lambda r: r, tol=1e-6, max_iter=1000)
    assert dc.n_iter == cg_res.n_iter
    np.testing.assert_allclose(dc.x, cg_res.x, atol=1e-8 * np.linalg.norm(cg_res.x))


@pytest.mark.parametrize("n", [16, 32, 64])
def test_dcdm_with_the_exact_inverse_takes_one_step(n):
    A = po.laplacian_2d(n)
    b = np.random.default_rng(2).standard_normal(n * n)
    res = kr.dcdm(A, b, lambda r: 3.7 * po.poisson_solve_dst(r.reshape(n, n)).ravel(), tol=1e-10)
    assert res.n_iter == 1 and res.residual_norms[-1] / np.linalg.norm(b) < 1e-12


def _relu_model(n, seed):
    rng = np.random.default_rng(seed)
    W1, W2 = rng.standard_normal((64, n * n)) / n, rng.standard_normal((n * n, 64)) / 8
    return lambda r: W2 @ np.maximum(W1 @ r, 0.0) + 0.1 * r


def test_energy_identity_and_local_conjugacy_for_a_nonlinear_model():
    n = 12
    A = po.laplacian_2d(n)
    Ad = A.toarray()
    b = np.random.default_rng(3).standard_normal(n * n)
    xs = np.linalg.solve(Ad, b)
    res = kr.dcdm(A, b, _relu_model(n, 4), tol=1e-8, max_iter=60, store=True)
    E = np.array([(x - xs) @ Ad @ (x - xs) for x in res.iterates])
    # ||e_{k+1}||_A^2 = ||e_k||_A^2 - (p^T r)^2 / p^T A p  (exact line search; hand derivation)
    np.testing.assert_allclose(E[:-1] - E[1:], res.decrements, rtol=1e-7, atol=1e-10 * E[0])
    assert np.all(np.diff(E) <= 1e-12 * E[0])
    P = res.directions
    G = P @ Ad @ P.T
    d = np.sqrt(np.diag(G))
    C = np.abs(G) / np.outer(d, d)
    k = np.arange(2, P.shape[0])
    assert np.max(C[k, k - 1]) < 1e-10 and np.max(C[k, k - 2]) < 1e-10
    assert np.max(C[k[1:], k[1:] - 3]) > 1e-6      # older directions are not conjugate


def test_dcdm_iterates_are_invariant_under_scaling_of_the_model():
    n = 10
    A = po.laplacian_2d(n)
    b = np.random.default_rng(5).standard_normal(n * n)
    f = _relu_model(n, 6)
    r1 = kr.dcdm(A, b, f, tol=1e-8, max_iter=30, store=True)
    r2 = kr.dcdm(A, b, lambda r: 100.0 * f(r), tol=1e-8, max_iter=30, store=True)
    # the ReLU model is positively homogeneous, so c f and f give the same directions up to c
    np.testing.assert_allclose(r1.iterates, r2.iterates, atol=1e-10 * np.abs(r1.iterates).max())


def test_lanczos_tridiagonalises_and_ritz_values_match_eigsh():
    n = 20
    A = po.laplacian_2d(n)
    v0 = np.random.default_rng(7).standard_normal(n * n)
    Q, a, bta = kr.lanczos(A, v0, 120)
    np.testing.assert_allclose(Q @ Q.T, np.eye(120), atol=1e-12)
    T = Q @ (A @ Q.T)
    np.testing.assert_allclose(T, np.diag(a) + np.diag(bta, 1) + np.diag(bta, -1), atol=1e-11)
    theta, Y, resid = kr.ritz_pairs(A, v0, 120)
    # extremes converge first; the second copy of the double eigenvalue lambda_12 = lambda_21
    # enters only through rounding, so compare the two lowest distinct eigenvalues
    lo = np.unique(np.round(spla.eigsh(A, k=6, which="SA", return_eigenvectors=False), 10))[:2]
    np.testing.assert_allclose(theta[:2], lo, rtol=1e-8)
    hi = spla.eigsh(A, k=1, which="LA", return_eigenvectors=False)[0]
    assert lo[0] - 1e-12 <= theta.min() and theta.max() <= hi + 1e-12      # Cauchy interlacing
    direct = np.linalg.norm(A @ Y.T - Y.T * theta, axis=0)
    np.testing.assert_allclose(resid, direct, atol=1e-10)


def test_lanczos_without_reorthogonalisation_loses_orthogonality():
    n = 20
    A = po.laplacian_2d(n)
    v0 = np.random.default_rng(8).standard_normal(n * n)
    Q, _, _ = kr.lanczos(A, v0, 150, reorthogonalize=False)
    assert np.max(np.abs(Q @ Q.T - np.eye(150))) > 1e-3


def test_lanczos_stops_on_an_invariant_subspace():
    A = np.diag([1.0, 2.0, 3.0, 4.0])
    Q, a, b = kr.lanczos(A, np.array([1.0, 1.0, 0.0, 0.0]), 4)
    assert Q.shape[0] == 2
    np.testing.assert_allclose(np.linalg.eigvalsh(np.diag(a) + np.diag(b, 1) + np.diag(b, -1)), [1.0, 2.0])


def test_ritz_training_rhs_weights_the_low_end():
    Y = np.eye(6)
    B = kr.ritz_training_rhs(Y, 20000, rng=np.random.default_rng(0), n_boost=2, boost=9.0)
    np.testing.assert_allclose(np.linalg.norm(B, axis=1), 1.0)
    # b_1 / b_3 = 9 c_1 / c_3 with c_1 / c_3 standard Cauchy, whose |.| has median 1:
    # the sample median of |b_1 / b_3| is 9 within ~1.1% (SE of a median, 2e4 samples)
    assert abs(np.median(np.abs(B[:, 0] / B[:, 2])) / 9.0 - 1) < 0.05
    assert abs(np.median(np.abs(B[:, 3] / B[:, 4])) - 1) < 0.05


@pytest.mark.parametrize("call,exc", [
    (lambda: kr.cg(np.ones((2, 3)), np.ones(2)), ValueError),
    (lambda: kr.cg("A", np.ones(2)), TypeError),
    (lambda: kr.cg(np.eye(2), np.ones(2), tol=0.0), ValueError),
    (lambda: kr.cg(-np.eye(2), np.ones(2)), ValueError),
    (lambda: kr.cg(np.eye(2), np.ones(2), residual="both"), ValueError),
    (lambda: kr.dcdm(np.eye(2), np.ones(2), "f"), TypeError),
    (lambda: kr.dcdm(np.eye(2), np.ones(2), lambda r: np.ones(3)), ValueError),
    (lambda: kr.lanczos(np.eye(3), np.ones(3), 4), ValueError),
    (lambda: kr.lanczos(np.eye(3), np.zeros(3), 2), ValueError),
    (lambda: kr.ritz_training_rhs(np.eye(3), 2, rng=np.random.default_rng(0), n_boost=4), ValueError),
    (lambda: kr.ritz_training_rhs(np.eye(3), 2, rng=None), TypeError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()

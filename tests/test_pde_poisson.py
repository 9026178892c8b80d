"""Tests of theorylab.pde.poisson: DST eigenpairs from explicit sine vectors, the sine
transform against its matrix, fast solves against a sparse direct solver."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as spla

from theorylab.pde import poisson as po


def _sine_matrix(n):
    i = np.arange(1, n + 1)
    return np.sqrt(2 / (n + 1)) * np.sin(np.pi * np.outer(i, i) / (n + 1))


@pytest.mark.parametrize("n", [3, 8, 13])
def test_eigenpairs_of_the_5_point_laplacian(n):
    A = po.laplacian_2d(n).toarray()
    S = _sine_matrix(n)
    lam = po.laplacian_2d_eigenvalues(n)
    for j, k in [(0, 0), (1, n - 1), (n - 1, n - 1), (n // 2, 1)]:
        vec = np.outer(S[j], S[k]).ravel()          # v_jk(i1, i2) = s_j(i1) s_k(i2)
        np.testing.assert_allclose(A @ vec, lam[j, k] * vec, atol=1e-12)
    np.testing.assert_allclose(np.sort(lam.ravel()), np.linalg.eigvalsh(A), atol=1e-11)


def test_dst2_is_the_sine_matrix_on_both_axes():
    n = 7
    X = np.random.default_rng(0).standard_normal((2, n, n))
    S = _sine_matrix(n)
    np.testing.assert_allclose(po.dst2(X), S @ X @ S.T, atol=1e-13)


def test_poisson_solve_matches_sparse_direct_solve():
    n = 20
    B = np.random.default_rng(1).standard_normal((3, n, n))
    X = po.poisson_solve_dst(B)
    A = po.laplacian_2d(n).tocsc()
    for b, x in zip(B, X):
        np.testing.assert_allclose(x.ravel(), spla.spsolve(A, b.ravel()), atol=1e-11)


def test_matrix_free_apply_matches_sparse_on_a_batch():
    n = 9
    X = np.random.default_rng(2).standard_normal((4, n, n))
    A = po.laplacian_2d(n)
    np.testing.assert_allclose(po.laplacian_2d_apply(X).reshape(4, -1), (A @ X.reshape(4, -1).T).T, atol=1e-13)


def test_laplacian_1d_eigenvalues_and_scaling():
    n, h = 10, 0.1
    ev = np.linalg.eigvalsh(po.laplacian_1d(n, h).toarray())
    exact = (2 - 2 * np.cos(np.arange(1, n + 1) * np.pi / (n + 1))) / h**2
    np.testing.assert_allclose(ev, exact, rtol=1e-12)


def test_condition_number_asymptotics():
    # lambda_max / lambda_min = cot^2(pi / (2(n+1))) ~ (4/pi^2)(n+1)^2
    for n in (16, 64):
        lam = po.laplacian_2d_eigenvalues(n)
        kappa = lam.max() / lam.min()
        np.testing.assert_allclose(kappa, 1 / np.tan(np.pi / (2 * (n + 1))) ** 2, rtol=1e-12)
        assert abs(kappa / (4 / np.pi**2 * (n + 1) ** 2) - 1) < 0.01


@pytest.mark.parametrize("call,exc", [
    (lambda: po.laplacian_2d(0), ValueError),
    (lambda: po.laplacian_1d(3, h=0.0), ValueError),
    (lambda: po.dst2(np.ones((3, 4))), ValueError),
    (lambda: po.poisson_solve_dst(np.ones(5)), ValueError),
    (lambda: po.spectral_multiplier_apply(np.ones((2, 2)), np.ones((3, 3))), ValueError),
    (lambda: po.laplacian_2d_apply(np.full((3, 3), np.inf)), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()

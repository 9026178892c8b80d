"""Tests of theorylab.pde.fem1d: matrices and solutions against scikit-fem (a second
implementation, test extra), manufactured solutions with the classical O(h^2) L2 rate,
quadrature against scipy.integrate.quad, exact boundary values of the lifted decoder."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from theorylab import claims
from theorylab.pde import fem1d as fe

skfem = pytest.importorskip("skfem")


def _skfem(nodes, f):
    from skfem import Basis, BilinearForm, ElementLineP1, LinearForm, MeshLine, asm
    from skfem.helpers import dot, grad

    basis = Basis(MeshLine(np.asarray(nodes)), ElementLineP1(), intorder=24)
    K = asm(BilinearForm(lambda u, v, w: dot(grad(u), grad(v))), basis)
    M = asm(BilinearForm(lambda u, v, w: u * v), basis)
    F = asm(LinearForm(lambda v, w: f(w.x[0]) * v), basis)
    return basis, K, M, F


NODES = np.sort(np.concatenate([[0.0, 1.0], np.random.default_rng(0).uniform(0, 1, 9)]))
U_EX = lambda x: np.sin(3 * np.pi * x) + x**2 + 0.5                 # noqa: E731 (catalogue's pilot)
F_EX = lambda x: 9 * np.pi**2 * np.sin(3 * np.pi * x) - 2.0        # noqa: E731  (-u'' = f)


def test_matrices_and_load_match_scikit_fem():
    _, K, M, F = _skfem(NODES, F_EX)
    np.testing.assert_allclose(fe.stiffness_matrix(NODES).toarray(), K.toarray(), atol=1e-12)
    np.testing.assert_allclose(fe.mass_matrix(NODES).toarray(), M.toarray(), atol=1e-14)
    np.testing.assert_allclose(fe.load_vector(NODES, F_EX, n_quad=12), F, atol=1e-12)


def test_dirichlet_solution_matches_scikit_fem():
    from skfem import condense, solve

    basis, K, _, F = _skfem(NODES, F_EX)
    x_bc = np.zeros(NODES.size)
    x_bc[0], x_bc[-1] = U_EX(0.0), U_EX(1.0)
    ref = solve(*condense(K, F, x=x_bc, D=basis.get_dofs()))
    np.testing.assert_allclose(fe.solve_dirichlet(NODES, F_EX, U_EX(0.0), U_EX(1.0), n_quad=12), ref, atol=1e-11)


def test_p1_nodal_values_are_exact_in_1d_with_exact_load():
    # 1-D P1 Galerkin with an exactly integrated load interpolates the exact solution (Green's
    # function of -u'' is piecewise linear): nodal error at quadrature round-off only
    x = fe.uniform_mesh(16)
    U = fe.solve_dirichlet(x, F_EX, U_EX(0.0), U_EX(1.0), n_quad=12)
    np.testing.assert_allclose(U, U_EX(x), atol=1e-12)


def test_l2_error_converges_at_rate_two():
    hs, errs = [], []
    for n in (8, 16, 32, 64, 128):
        x = fe.uniform_mesh(n)
        U = fe.solve_dirichlet(x, F_EX, U_EX(0.0), U_EX(1.0))
        hs.append(1 / n)
        errs.append(float(fe.l2_error(x, U, U_EX)))
    fit = claims.fit_loglog(hs, errs)
    assert 1.9 < fit["slope"] < 2.1


def test_l2_error_matches_adaptive_quadrature():
    x = NODES
    U = np.cos(x)
    val, _ = integrate.quad(lambda s: (np.interp(s, x, U) - np.exp(s)) ** 2, 0, 1, points=x[1:-1], limit=200,
                            epsabs=1e-14, epsrel=1e-12)
    np.testing.assert_allclose(fe.l2_error(x, U, np.exp, n_quad=8), np.sqrt(val), rtol=1e-10)


def test_lift_gives_exact_boundary_values_for_any_interior():
    rng = np.random.default_rng(1)
    c = 1e3 * rng.standard_normal((50, 7))
    g0, g1 = rng.standard_normal(50), rng.standard_normal(50)
    U = fe.lift(c, g0, g1)
    x = fe.uniform_mesh(8)
    ends = fe.evaluate(x, U, np.array([0.0, 1.0]))
    assert np.array_equal(ends[:, 0], g0) and np.array_equal(ends[:, 1], g1)


def test_solution_operator_equals_solve_with_interpolated_load():
    x = fe.graded_mesh(12, 2.0)
    S_f, S_g = fe.solution_operator(x)
    interior = S_f @ F_EX(x) + S_g @ np.array([0.3, -0.2])
    np.testing.assert_allclose(fe.lift(interior, 0.3, -0.2),
                               fe.solve_dirichlet(x, F_EX, 0.3, -0.2, load="interpolant"), atol=1e-11)


def test_gauss_legendre_exactness():
    t, w = fe.gauss_legendre(3)
    for k in range(6):
        np.testing.assert_allclose(w @ t**k, 1 / (k + 1), rtol=1e-13)
    assert abs(w @ t**6 - 1 / 7) > 1e-6                      # degree 2n is not exact


def test_meshes_and_evaluate():
    np.testing.assert_allclose(fe.graded_mesh(4, 1.0), fe.uniform_mesh(4))
    right = fe.graded_mesh(4, 3.0, side="right")
    assert right[0] == 0.0 and right[-1] == 1.0 and np.all(np.diff(np.diff(right)) < 0)
    np.testing.assert_allclose(fe.evaluate([0.0, 1.0, 3.0], np.array([0.0, 2.0, 0.0]), np.array([0.5, 2.0])),
                               [1.0, 1.0])


@pytest.mark.parametrize("call,exc", [
    (lambda: fe.stiffness_matrix([0.0, 0.0, 1.0]), ValueError),
    (lambda: fe.uniform_mesh(4, 1.0, 0.0), ValueError),
    (lambda: fe.graded_mesh(4, 0.5), ValueError),
    (lambda: fe.solve_dirichlet([0.0, 0.5, 1.0], F_EX, 0.0, 0.0, load="exact"), ValueError),
    (lambda: fe.load_vector([0.0, 1.0], lambda x: np.nan * x), ValueError),
    (lambda: fe.evaluate([0.0, 1.0], np.ones(3), np.array([0.5])), ValueError),
    (lambda: fe.evaluate([0.0, 1.0], np.ones(2), np.array([1.5])), ValueError),
    (lambda: fe.l2_error([0.0, 1.0], np.ones(3), np.exp), ValueError),
    (lambda: fe.lift(np.float64(1.0), 0.0, 0.0), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()

"""Tests of theorylab.pde.transport and theorylab.pde.pod against independent references:
direct evaluation of the translated profile, the heat-kernel decay of a Fourier mode,
quadrature of the Bessel integral, and the SVD of directly evaluated snapshots."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate

from theorylab.pde import pod, transport as tr


def test_fft_advection_matches_direct_translation():
    # a band-limited profile (the bump's modes beyond 128 are < 1e-60) translates exactly
    x = tr.periodic_grid(256)
    t = np.linspace(0, 1, 7)
    U = tr.advect_diffuse_fft(tr.periodic_bump(x, 20.0), t, c=13.7)
    direct = tr.periodic_bump((x[:, None] - 13.7 * t[None, :]) % (2 * np.pi), 20.0)
    np.testing.assert_allclose(U, direct, atol=1e-13)


def test_fft_diffusion_of_a_mode_is_the_heat_kernel_decay():
    # u = sin(k(x - ct)) exp(-nu k^2 t) solves u_t + c u_x = nu u_xx (hand derivation)
    x = tr.periodic_grid(64)
    t = np.array([0.0, 0.3, 1.1])
    k, c, nu = 5, 2.5, 0.07
    U = tr.advect_diffuse_fft(np.sin(k * x), t, c=c, nu=nu)
    exact = np.sin(k * (x[:, None] - c * t)) * np.exp(-nu * k**2 * t)
    np.testing.assert_allclose(U, exact, atol=1e-14)


def test_lagrangian_frame_is_the_heat_equation_and_independent_of_c():
    x = tr.periodic_grid(128)
    u0 = tr.periodic_bump(x, 10.0)
    t = np.linspace(0, 1, 5)
    L1 = tr.transport_snapshots(u0, t, 3.0, 0.01, frame="lagrangian")
    L2 = tr.transport_snapshots(u0, t, 40.0, 0.01, frame="lagrangian")
    np.testing.assert_array_equal(L1, L2)
    np.testing.assert_allclose(L1, tr.advect_diffuse_fft(u0, t, 0.0, 0.01))


@pytest.mark.parametrize("kappa,k", [(20.0, 0), (20.0, 3), (5.0, 7), (1.5, 1)])
def test_bump_coefficients_equal_the_bessel_integral(kappa, k):
    # a_k = (1/2pi) int_0^{2pi} exp(kappa (cos th - 1)) cos(k th) d th  (quadrature, independent of ive)
    val, _ = integrate.quad(lambda th: np.exp(kappa * (np.cos(th) - 1)) * np.cos(k * th), 0, 2 * np.pi,
                            epsabs=1e-14, epsrel=1e-13, limit=200)
    np.testing.assert_allclose(tr.bump_fourier_coefficients(kappa, np.array([k]))[0], val / (2 * np.pi),
                               rtol=1e-10)


def test_advection_singular_values_closed_form_matches_svd():
    N, M, m, kappa = 256, 400, 2, 20.0
    x = tr.periodic_grid(N)
    t = np.arange(M) / M
    U = tr.periodic_bump((x[:, None] - 2 * np.pi * m * t[None, :]) % (2 * np.pi), kappa)
    s = pod.snapshot_svd(U)[:25]
    np.testing.assert_allclose(s, tr.advection_singular_values_exact(kappa, N, M, 25), rtol=1e-10)


def test_inviscid_lagrangian_snapshots_have_rank_one():
    x = tr.periodic_grid(128)
    L = tr.transport_snapshots(tr.periodic_bump(x, 20.0), np.linspace(0, 1, 50), 30.0, frame="lagrangian")
    s = pod.snapshot_svd(L)
    assert s[1] / s[0] < 1e-13 and pod.energy_mode_count(s) == 1


def test_sine_profile_spans_a_rank_two_manifold_for_every_speed():
    x = tr.periodic_grid(64)
    for c in (1.0, 50.0):
        s = pod.snapshot_svd(tr.transport_snapshots(np.sin(x), np.linspace(0, 1, 40), c))
        assert s[2] / s[0] < 1e-13


def test_energy_mode_count_and_truncation_error_known_cases():
    # singular values 3, 2, 1: energies 9/14, 13/14, 1
    assert pod.energy_mode_count([1.0, 3.0, 2.0], energy=0.9) == 2
    assert pod.energy_mode_count([3.0, 2.0, 1.0], energy=9 / 14) == 1
    assert pod.energy_mode_count([3.0, 2.0, 1.0], energy=1.0) == 3
    np.testing.assert_allclose(pod.truncation_error([3.0, 2.0, 1.0], np.array([0, 1, 3])),
                               [1.0, np.sqrt(5 / 14), 0.0])


def test_truncation_error_is_the_eckart_young_error():
    rng = np.random.default_rng(0)
    U = rng.standard_normal((30, 12))
    s = pod.snapshot_svd(U)
    W, _, Vt = np.linalg.svd(U, full_matrices=False)
    for n in (1, 4, 9):
        Un = W[:, :n] @ np.diag(s[:n]) @ Vt[:n]
        np.testing.assert_allclose(pod.truncation_error(s, n), np.linalg.norm(U - Un) / np.linalg.norm(U),
                                   rtol=1e-12)


@pytest.mark.parametrize("call,exc", [
    (lambda: tr.periodic_grid(1), ValueError),
    (lambda: tr.periodic_bump([0.0], -1.0), ValueError),
    (lambda: tr.periodic_bump([np.nan], 1.0), ValueError),
    (lambda: tr.bump_fourier_coefficients(2.0, np.array([0.5])), TypeError),
    (lambda: tr.advect_diffuse_fft(np.ones((2, 2)), [0.0], 1.0), ValueError),
    (lambda: tr.advect_diffuse_fft(np.ones(8), [0.0], 1.0, nu=-1.0), ValueError),
    (lambda: tr.transport_snapshots(np.ones(8), [0.0], 1.0, frame="polar"), ValueError),
    (lambda: tr.advection_singular_values_exact(1.0, 8, 8, 0), ValueError),
    (lambda: pod.energy_mode_count([1.0], energy=1.5), ValueError),
    (lambda: pod.energy_mode_count([-1.0]), ValueError),
    (lambda: pod.truncation_error([1.0], np.array([2])), ValueError),
    (lambda: pod.snapshot_svd(np.ones(3)), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()


# --------------------------------------------------------------------------- viscous Burgers
def test_cole_hopf_solves_burgers_by_finite_differences():
    # residual u_t + u u_x - nu u_xx of the closed form, by central differences (independent of
    # both solvers): O(h^2) ~ 1e-7 for these O(1) derivatives
    nu, A, m, h = 0.05, 0.5, 0.5, 1e-4
    x = np.linspace(0.1, 6.0, 9)
    u = lambda x, t: tr.burgers_cole_hopf(x, t, nu, amplitude=A, mean=m)      # noqa: E731
    t = 0.8
    ut = (u(x, t + h) - u(x, t - h)) / (2 * h)
    ux = (u(x + h, t) - u(x - h, t)) / (2 * h)
    uxx = (u(x + h, t) - 2 * u(x, t) + u(x - h, t)) / h**2
    np.testing.assert_allclose(ut + u(x, t) * ux - nu * uxx, 0.0, atol=1e-5)


def test_eulerian_and_lagrangian_burgers_match_cole_hopf():
    nu, A, m, T = 0.05, 0.5, 0.5, 1.5
    x = tr.periodic_grid(256)
    u0 = m + A * np.sin(x)
    uE = tr.burgers_pseudospectral(u0, T, nu, dt=1e-3)
    np.testing.assert_allclose(uE, tr.burgers_cole_hopf(x, T, nu, amplitude=A, mean=m), atol=1e-9)
    X, U = tr.burgers_characteristics(u0, T, nu, dt=5e-4)
    np.testing.assert_allclose(U, tr.burgers_cole_hopf(X, T, nu, amplitude=A, mean=m), atol=1e-8)
    np.testing.assert_allclose(tr.periodic_spline_to_grid(X, U, x), uE, atol=1e-6)


def test_characteristics_refuse_to_cross():
    x = tr.periodic_grid(64)
    with pytest.raises(ValueError, match="crossed"):
        tr.burgers_characteristics(np.sin(x), 3.0, 1e-3, dt=1e-3)

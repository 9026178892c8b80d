"""Tests of theorylab.pde.learned_inverse: the scale-invariant loss (zero at c A^-1, scale
invariance, gradient against central differences), model applications against independent
references (scipy.signal.correlate2d, explicit DST matrices), model gradients against finite
differences, and the two trainers."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from theorylab.pde import learned_inverse as li, poisson as po

RNG = np.random.default_rng(0)
B = RNG.standard_normal((3, 6, 6))


def test_loss_is_zero_for_a_multiple_of_the_inverse_and_scale_invariant():
    assert li.scale_invariant_loss(B, 0.3 * po.poisson_solve_dst(B)) < 1e-25
    F = RNG.standard_normal(B.shape)
    np.testing.assert_allclose(li.scale_invariant_loss(B, 17.0 * F), li.scale_invariant_loss(B, F), rtol=1e-12)


def test_loss_equals_the_residual_after_one_exact_line_search():
    F = RNG.standard_normal(B.shape)
    A = po.laplacian_2d(6).toarray()
    vals = []
    for b, f in zip(B.reshape(3, -1), F.reshape(3, -1)):
        alpha = (b @ f) / (f @ A @ f)
        vals.append(np.sum((b - alpha * A @ f) ** 2))
    np.testing.assert_allclose(li.scale_invariant_loss(B, F), np.mean(vals), rtol=1e-12)


def test_loss_gradient_matches_central_differences():
    F = po.poisson_solve_dst(B) + 0.3 * RNG.standard_normal(B.shape)
    _, G = li.scale_invariant_loss(B, F, grad=True)
    h = 1e-6
    for idx in [(0, 1, 2), (2, 5, 5), (1, 0, 3)]:
        E = np.zeros_like(F)
        E[idx] = h
        fd = (li.scale_invariant_loss(B, F + E) - li.scale_invariant_loss(B, F - E)) / (2 * h)
        np.testing.assert_allclose(G[idx], fd, rtol=1e-5, atol=1e-9)


def test_local_convolution_matches_scipy_correlate2d():
    m = li.LocalConvolution(2)
    w = RNG.standard_normal(25)
    out = m.apply(w, B)
    ref = np.stack([signal.correlate2d(b, w.reshape(5, 5), mode="same", boundary="fill") for b in B])
    np.testing.assert_allclose(out, ref, atol=1e-12)


@pytest.mark.parametrize("model,theta", [
    (li.LocalConvolution(1), RNG.standard_normal(9)),
    (li.LocalConvolution(2, symmetric=True), RNG.standard_normal(25)),
    (li.SpectralMultiplier(6), 1 + 0.2 * RNG.standard_normal(36)),
    (li.PowerLawMultiplier(), np.array([0.2, -0.7])),
])
def test_model_vjp_matches_finite_differences(model, theta):
    G = RNG.standard_normal(B.shape)
    g = model.vjp(theta, B, G)
    h = 1e-6
    for i in range(0, model.n_params, max(1, model.n_params // 5)):
        e = np.zeros_like(theta)
        e[i] = h
        fd = (np.sum(G * model.apply(theta + e, B)) - np.sum(G * model.apply(theta - e, B))) / (2 * h)
        np.testing.assert_allclose(g[i], fd, rtol=1e-6, atol=1e-8)


def test_spectral_multiplier_is_the_dst_matrix_product():
    n = 6
    i = np.arange(1, n + 1)
    S = np.sqrt(2 / (n + 1)) * np.sin(np.pi * np.outer(i, i) / (n + 1))
    g = RNG.uniform(0.5, 2, (n, n))
    ref = np.stack([S @ (g * (S @ b @ S)) @ S for b in B])
    np.testing.assert_allclose(li.SpectralMultiplier(n).apply(g.ravel(), B), ref, atol=1e-12)


def test_sine_basis_training_loss_equals_the_physical_loss():
    for model, th in [(li.SpectralMultiplier(6), RNG.uniform(0.1, 1, 36)), (li.PowerLawMultiplier(), [0.1, -0.4])]:
        L1, G1 = li.scale_invariant_loss(B, model.apply(th, B), grad=True)
        Bh = po.dst2(B)
        L2, G2 = li.scale_invariant_loss(Bh, li.SineBasis(model).apply(th, Bh), li.sine_laplacian(6), grad=True)
        np.testing.assert_allclose(L1, L2, rtol=1e-11)
        np.testing.assert_allclose(model.vjp(th, B, G1), li.SineBasis(model).vjp(th, Bh, G2), rtol=1e-9, atol=1e-12)


def test_fit_lbfgs_recovers_the_exact_inverse_in_the_power_law_class():
    th, loss = li.fit_lbfgs(li.PowerLawMultiplier(), [0.5, 0.0], B)
    np.testing.assert_allclose(th[1], -1.0, atol=1e-6)
    assert loss < 1e-12


def test_fit_adam_is_reproducible_and_decreases_the_loss():
    m = li.LocalConvolution(1)
    Bt = RNG.standard_normal((32, 8, 8))
    a = li.fit_adam(m, m.init(), Bt, n_steps=60, lr=0.02, batch_size=8, rng=np.random.default_rng(3))
    b = li.fit_adam(m, m.init(), Bt, n_steps=60, lr=0.02, batch_size=8, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a[0], b[0])
    full = [li.scale_invariant_loss(Bt, m.apply(t, Bt)) for t in (m.init(), a[0])]
    assert full[1] < 0.9 * full[0]


def test_as_direction_acts_on_flat_vectors():
    f = li.as_direction(li.SpectralMultiplier(5), (1 / po.laplacian_2d_eigenvalues(5)).ravel(), 5)
    b = RNG.standard_normal(25)
    np.testing.assert_allclose(po.laplacian_2d(5) @ f(b), b, atol=1e-12)


@pytest.mark.parametrize("call,exc", [
    (lambda: li.scale_invariant_loss(B, np.zeros_like(B)), ValueError),
    (lambda: li.scale_invariant_loss(B, B[:2]), ValueError),
    (lambda: li.SpectralMultiplier(5).apply(np.ones(25), B), ValueError),
    (lambda: li.LocalConvolution(-1), ValueError),
    (lambda: li.SineBasis(li.LocalConvolution(1)), TypeError),
    (lambda: li.fit_adam(li.PowerLawMultiplier(), [0.0, 0.0], B, n_steps=1, lr=0.1, batch_size=2, rng=1), TypeError),
    (lambda: li.fit_lbfgs(li.PowerLawMultiplier(), [0.0, 0.0], B[0]), ValueError),
])
def test_bad_input_raises(call, exc):
    with pytest.raises(exc):
        call()


def test_symmetric_convolution_is_a_symmetric_operator():
    m = li.LocalConvolution(2, symmetric=True)
    w = RNG.standard_normal(25)
    X, Y = RNG.standard_normal((2, 7, 7))
    np.testing.assert_allclose(np.sum(Y * m.apply(w, X[None])[0]), np.sum(X * m.apply(w, Y[None])[0]), rtol=1e-12)
    asym = li.LocalConvolution(2)
    assert abs(np.sum(Y * asym.apply(w, X[None])[0]) - np.sum(X * asym.apply(w, Y[None])[0])) > 1e-3

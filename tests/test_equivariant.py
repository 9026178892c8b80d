"""Tests of theorylab.equivariant against independent references: scipy.linalg.polar for the
polar decomposition; scipy.spatial.transform.Rotation.random and the Haar density of the
rotation angle for uniform SO(3) sampling; the complex step for GELU's derivatives; the
gradient of the elastic energy (central differences) for the chain forces; energy
conservation of symplectic Euler; exact recovery of a polynomial law."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg, stats
from scipy.spatial.transform import Rotation

from theorylab import equivariant as eq
from theorylab import numdiff


def _F(rng, n, scale=0.3):
    F = np.eye(3) + scale * rng.normal(size=(n, 3, 3))
    return F[np.linalg.det(F) > 0.05]


def test_polar_matches_scipy_including_near_degenerate_singular_values():
    rng = np.random.default_rng(0)
    F = _F(rng, 50)
    # near-degenerate: two singular values within 1e-9, and an exactly repeated pair
    U = eq.random_rotations(2, rng=rng)
    Vr = eq.random_rotations(2, rng=rng)
    F = np.concatenate([F, U @ np.diag([1.3, 1.3 + 1e-9, 0.7]) @ Vr, U @ np.diag([0.9, 0.9, 1.1]) @ Vr])
    R, S = eq.polar(F)
    for k in range(F.shape[0]):
        Rs, Ss = linalg.polar(F[k], side="right")
        assert np.max(abs(R[k] - Rs)) < 1e-12 and np.max(abs(S[k] - Ss)) < 1e-12
    assert np.allclose(np.linalg.det(R), 1.0, atol=1e-13)
    with pytest.raises(ValueError, match="det"):
        eq.polar(np.diag([1.0, 1.0, -1.0]))


def test_random_rotations_are_haar():
    rng = np.random.default_rng(1)
    Q = eq.random_rotations(4000, rng=rng)
    assert np.allclose(Q @ np.swapaxes(Q, 1, 2), np.eye(3), atol=1e-13)
    assert np.allclose(np.linalg.det(Q), 1.0, atol=1e-13)
    w = eq.rotation_angle(Q)
    # Haar angle CDF (w - sin w) / pi
    assert stats.kstest(w, lambda t: (t - np.sin(t)) / np.pi).pvalue > 1e-3
    ref = Rotation.random(4000, random_state=np.random.default_rng(2)).as_matrix()
    assert stats.ks_2samp(w, eq.rotation_angle(ref)).pvalue > 1e-3
    # first column uniform on the sphere: the mean of Q e1 is 0 (SE 1/sqrt(3n)), E[Q11^2] = 1/3
    assert np.max(abs(Q[:, :, 0].mean(axis=0))) < 4 / np.sqrt(3 * 4000)
    assert abs(np.mean(Q[:, 0, 0] ** 2) - 1 / 3) < 4 * np.sqrt(4 / 45 / 4000)
    # orientation-sensitive: compare a non-symmetric statistic with scipy's samples
    assert stats.ks_2samp(Q[:, 0, 1], ref[:, 0, 1]).pvalue > 1e-3


def test_invariants_are_invariant_and_vanish_on_rotations():
    rng = np.random.default_rng(3)
    F = _F(rng, 40)
    Q = eq.random_rotations(F.shape[0], rng=rng)
    assert np.max(abs(eq.invariants(Q @ F) - eq.invariants(F))) < 1e-12
    assert np.max(abs(eq.invariants(Q))) < 1e-13
    s = np.linalg.svd(F[0], compute_uv=False)
    ref = np.concatenate([s - 1, (F[0].T @ F[0] - np.eye(3)).ravel(), [np.linalg.det(F[0]) - 1]])
    assert np.allclose(eq.invariants(F[0]), ref, rtol=1e-13, atol=1e-14)


def test_gelu_and_its_derivatives():
    z = np.linspace(-4, 4, 33)
    phi, d1, d2 = eq.GELU
    assert np.allclose(eq.gelu(z), z * stats.norm.cdf(z), rtol=1e-14, atol=1e-16)
    assert numdiff.compare(d1(z), numdiff.jacobian_cs(phi, z, batch_dims=1), rtol=1e-13, atol=1e-15)
    assert numdiff.compare(d2(z), numdiff.jacobian_cs(d1, z, batch_dims=1), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("bias", [False, True])
def test_invariant_law_is_equivariant_and_plain_law_is_not(bias):
    rng = np.random.default_rng(4)
    F = _F(rng, 30)
    Q = eq.random_rotations(F.shape[0], rng=rng)
    law = eq.ConstitutiveMLP(bias=bias)
    th = law.init(rng=rng, bias_var=0.1)
    P, PQ = law.stress(th, F), law.stress(th, Q @ F)
    assert np.max(abs(PQ - Q @ P)) < 1e-12 * max(1, abs(P).max())
    tau, tauQ = law.kirchhoff(th, F), law.kirchhoff(th, Q @ F)
    assert np.max(abs(tauQ - Q @ tau @ np.swapaxes(Q, 1, 2))) < 1e-12 * max(1, abs(tau).max())
    Fp, FpQ = law.plastic_update(th, F, alpha=1e-3), law.plastic_update(th, Q @ F, alpha=1e-3)
    assert np.max(abs(FpQ - Q @ Fp)) < 1e-13
    plain = eq.ConstitutiveMLP(kind="plain", bias=bias)
    tp = plain.init(rng=rng, bias_var=0.1)
    assert np.max(abs(plain.stress(tp, Q @ F) - Q @ plain.stress(tp, F))) > 1e-2
    # undeformed state: zero stress exactly without biases, and not with them
    zero = abs(law.stress(th, np.eye(3))).max()
    assert (zero == 0.0) if not bias else (zero > 1e-3)


def test_chain_forces_are_minus_the_energy_gradient():
    rng = np.random.default_rng(5)
    h0, mu = 0.1, 1.7
    x = np.arange(8) * h0 * (1 + 0.1 * rng.normal(size=8).cumsum() / 8) + 0.01 * rng.normal(size=8)
    x = np.sort(x)
    W = lambda lam: mu * (lam ** 2 / 2 - np.log(lam) - 0.5)
    E = lambda xx: h0 * np.sum(W(np.diff(xx) / h0))      # complex-step safe
    f = eq.chain_forces(x, lambda lam: eq.neo_hookean_1d(lam, mu=mu), h0=h0)
    assert numdiff.check_gradient(E, -f, x, method="complex", rtol=1e-12, atol=1e-13)


def test_symplectic_euler_conserves_energy_and_fit_recovers_the_law():
    h0, m, dt = 0.05, 0.05, 0.002
    N = 21
    s = np.linspace(0, 1, N)
    x0 = s + 0.03 * np.sin(np.pi * s)
    tr = eq.simulate_chain(x0, np.zeros(N), eq.neo_hookean_1d, h0=h0, mass=m, dt=dt, n_steps=2000)
    lam = tr.stretch
    Epot = h0 * np.sum(lam ** 2 / 2 - np.log(lam) - 0.5, axis=-1)
    # symplectic Euler: kinetic energy at staggered times; the energy error stays O(dt), no drift
    Ekin = 0.5 * m * np.sum(tr.v ** 2, axis=-1)
    Etot = Epot + Ekin
    assert np.ptp(Etot) < 0.05 * Etot[0]
    assert abs(Etot[-500:].mean() - Etot[:500].mean()) < 0.01 * Etot[0]
    # accelerations are exact second differences; a degree-3 law is recovered to round-off
    true = eq.polynomial_law([1.0, -0.6, 0.3])
    tr3 = eq.simulate_chain(x0, np.zeros(N), true, h0=h0, mass=m, dt=dt, n_steps=300)
    c = eq.fit_chain_law(tr3, mass=m, degree=3)
    assert np.allclose(c, [1.0, -0.6, 0.3], rtol=1e-7, atol=1e-8)
    acc = eq.chain_accelerations(tr3)
    f = eq.chain_forces(tr3.x[1:-1], true, h0=h0) / m
    assert np.allclose(acc[:, 1:], f[:, 1:], rtol=1e-6, atol=1e-6)


def test_batched_chains_and_boundary_conditions():
    h0, m, dt = 0.1, 0.1, 0.01
    x0 = np.linspace(0, 1, 11) + 0.02 * np.random.default_rng(6).normal(size=(3, 11))
    trb = eq.simulate_chain(x0, np.zeros_like(x0), eq.neo_hookean_1d, h0=h0, mass=m, dt=dt, n_steps=30,
                            bc="free-fixed")
    for k in range(3):
        tk = eq.simulate_chain(x0[k], np.zeros(11), eq.neo_hookean_1d, h0=h0, mass=m, dt=dt, n_steps=30,
                               bc="free-fixed")
        assert np.array_equal(trb.x[:, k], tk.x)
    assert np.all(trb.x[:, :, -1] == x0[:, -1])
    with pytest.raises(ValueError, match="bc"):
        eq.simulate_chain(x0, x0, eq.neo_hookean_1d, h0=h0, mass=m, dt=dt, n_steps=1, bc="clamped")


def test_bad_input_names_the_argument():
    rng = np.random.default_rng(7)
    with pytest.raises(ValueError, match="F"):
        eq.polar(np.ones((3, 2)))
    with pytest.raises(TypeError, match="rng"):
        eq.random_rotations(3, rng=0)
    with pytest.raises(ValueError, match="kind"):
        eq.ConstitutiveMLP(kind="spline")
    with pytest.raises(ValueError, match="lam"):
        eq.neo_hookean_1d(-1.0)
    law = eq.ConstitutiveMLP()
    with pytest.raises(ValueError, match="F"):
        law.stress(law.init(rng=rng), np.eye(2))

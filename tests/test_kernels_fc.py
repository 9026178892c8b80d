"""Tests of theorylab.kernels.fc: deep NNGP/NTK recursions and the book's single-input
recursions, against neural-tangents reference values and closed forms."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorylab import numdiff
from theorylab.kernels import dual, fc

DATA = Path(__file__).parent / "data" / "neural_tangents_fc.npz"


@pytest.fixture(scope="module")
def ref():
    return np.load(DATA)


@pytest.mark.parametrize("cfg", ["relu_d1", "relu_d2", "relu_d3", "erf_d2"])
@pytest.mark.parametrize("block_size", [65536, 100])
def test_against_neural_tangents(ref, cfg, block_size):
    # tests/data/README.md: reference accurate to ~1e-15 except the ReLU NTK diagonal
    # (~2.5e-8 rounding in the reference itself) -> rtol 1e-12 off-diagonal, 1e-7 diagonal
    act, d = cfg.split("_d")
    x, x2 = ref["x"], ref["x2"]
    kw = {"depth": int(d), "activation": act, "weight_var": 2.0, "bias_var": 0.05**2, "block_size": block_size}
    K, T = fc.nngp_ntk(x, **kw)
    Kc, Tc = fc.nngp_ntk(x, x2, **kw)
    off = ~np.eye(len(x), dtype=bool)
    for mine, name in [(K, "nngp"), (T, "ntk")]:
        exp = ref[f"{cfg}_{name}"]
        np.testing.assert_allclose(mine[off], exp[off], rtol=1e-12)
        np.testing.assert_allclose(np.diag(mine), np.diag(exp), rtol=1e-7)
    np.testing.assert_allclose(Kc, ref[f"{cfg}_nngp_cross"], rtol=1e-12)
    np.testing.assert_allclose(Tc, ref[f"{cfg}_ntk_cross"], rtol=1e-12)


def _naive(X, X2, depth, act, w, b):
    """Independent elementwise reference: loops over pairs with dual_exact."""
    d = X.shape[1]
    K = np.empty((len(X), len(X2)))
    T = np.empty_like(K)
    for i, x in enumerate(X):
        for j, y in enumerate(X2):
            k11, k12, k22 = w * x @ x / d + b, w * x @ y / d + b, w * y @ y / d + b
            t = k12
            for _ in range(depth):
                e = dual.dual_exact(act, k11, k12, k22)
                ed = dual.dual_deriv_exact(act, k11, k12, k22)
                t = w * e + b + w * ed * t
                k11 = w * dual.dual_exact(act, k11, k11, k11) + b
                k22 = w * dual.dual_exact(act, k22, k22, k22) + b
                k12 = w * e + b
            K[i, j], T[i, j] = k12, t
    return K, T


@pytest.mark.parametrize("act", ["relu", "erf", "abs", "sin", "identity"])
def test_symmetric_and_cross_match_naive(act):
    rng = np.random.default_rng(3)
    X = rng.standard_normal((23, 4))
    K, T = fc.nngp_ntk(X, depth=3, activation=act, weight_var=1.3, bias_var=0.2, block_size=64)
    Kn, Tn = _naive(X, X, 3, act, 1.3, 0.2)
    np.testing.assert_allclose(K, Kn, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(T, Tn, rtol=1e-11, atol=1e-13)
    Kc, Tc = fc.nngp_ntk(X, X.copy(), depth=3, activation=act, weight_var=1.3, bias_var=0.2)
    off = ~np.eye(len(X), dtype=bool)
    np.testing.assert_allclose(Kc[off], K[off], rtol=1e-10)
    np.testing.assert_allclose(Tc[off], T[off], rtol=1e-10)
    # the cross path sees rho = 1 - O(eps) on the diagonal, and arccos turns eps into
    # sqrt(eps) ~ 1e-8 (the same effect the neural-tangents reference shows)
    np.testing.assert_allclose(np.diag(Kc), np.diag(K), rtol=1e-7)
    np.testing.assert_allclose(np.diag(Tc), np.diag(T), rtol=1e-7)
    assert np.array_equal(K, K.T) and np.array_equal(T, T.T)


def test_quadrature_path_matches_callables_and_exact():
    rng = np.random.default_rng(4)
    X = rng.standard_normal((6, 3))
    X *= np.sqrt(3) / np.linalg.norm(X, axis=1, keepdims=True)  # |x|^2 / d = 1
    # erf via the quadrature path vs the closed form. Entire integrand; at preactivation
    # variances ~1.6 100 Gauss-Hermite nodes are accurate to ~1e-7 (at variance ~8 the
    # narrow erf'^2 = e^{-2z^2} is undersampled: measured 3e-4, hence normalised inputs)
    phi, dphi = dual.ACTIVATIONS["erf"]
    K1, T1 = fc.nngp_ntk(X, depth=2, activation=(phi, dphi), weight_var=1.5, bias_var=0.1)
    K2, T2 = fc.nngp_ntk(X, depth=2, activation="erf", weight_var=1.5, bias_var=0.1)
    np.testing.assert_allclose(K1, K2, rtol=0, atol=2e-6)
    np.testing.assert_allclose(T1, T2, rtol=0, atol=2e-6)
    K3, _ = fc.nngp_ntk(X, depth=2, activation="tanh", weight_var=1.5, bias_var=0.1)
    assert np.all(np.isfinite(K3)) and np.all(np.linalg.eigvalsh(K3) > -1e-10)


def test_depth_zero_is_linear_kernel():
    X = np.arange(12.0).reshape(4, 3)
    K, T = fc.nngp_ntk(X, depth=0, weight_var=2.0, bias_var=0.5)
    np.testing.assert_allclose(K, 2.0 * X @ X.T / 3 + 0.5, rtol=1e-15)
    np.testing.assert_allclose(T, K, rtol=1e-15)


def test_identity_activation_closed_form():
    # linear network, NTK param: K^l = w^{l+1} G + b sum_{i<=l} w^i, Theta^l = (l+1) K^l for b=0
    X = np.random.default_rng(5).standard_normal((5, 7))
    G = X @ X.T / 7
    K, T = fc.nngp_ntk(X, depth=3, activation="identity", weight_var=0.9, bias_var=0.0)
    np.testing.assert_allclose(K, 0.9**4 * G, rtol=1e-13)
    np.testing.assert_allclose(T, 4 * 0.9**4 * G, rtol=1e-13)


def test_standard_parameterisation():
    X = np.random.default_rng(6).standard_normal((8, 5))
    K, T = fc.nngp_ntk(X, depth=2, weight_var=2.0, bias_var=0.3)
    Ks, Ts = fc.nngp_ntk(X, depth=2, weight_var=2.0, bias_var=0.3, parameterization="standard",
                         lr_weight=2.0, lr_bias=0.3)
    np.testing.assert_allclose(Ks, K, rtol=1e-14)
    np.testing.assert_allclose(Ts, T, rtol=1e-12)
    # learning-rate linearity: Theta is linear in (lambda_W, lambda_b)
    T1 = fc.nngp_ntk(X, depth=2, parameterization="standard", lr_weight=1.0, lr_bias=0.0)[1]
    T2 = fc.nngp_ntk(X, depth=2, parameterization="standard", lr_weight=0.0, lr_bias=1.0)[1]
    T3 = fc.nngp_ntk(X, depth=2, parameterization="standard", lr_weight=2.5, lr_bias=0.7)[1]
    np.testing.assert_allclose(T3, 2.5 * T1 + 0.7 * T2, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.floats(0.1, 3.0), st.floats(0.0, 1.0), st.integers(0, 10_000))
def test_psd_and_diagonal_positive(depth, w, b, seed):
    X = np.random.default_rng(seed).standard_normal((12, 3))
    K, T = fc.nngp_ntk(X, depth=depth, weight_var=w, bias_var=b, block_size=37)
    for A in (K, T):
        ev = np.linalg.eigvalsh(A)
        assert ev.min() >= -1e-10 * ev.max()
        assert np.all(np.diag(A) > 0)


# ------------------------------------------------------- single-input recursions (book)
def test_relu_critical_kernel_and_vertex():
    r = fc.single_input_recursions(1.3, 10, "relu", weight_var=2.0)
    np.testing.assert_allclose(r["K"], 1.3, rtol=1e-13)  # K fixed at criticality
    np.testing.assert_allclose(r["chi_par"], 1.0, rtol=1e-12)
    np.testing.assert_allclose(r["chi_perp"], 1.0, rtol=1e-12)
    # catalogue: V^(l) = 5 (l-1) K^2 for critical ReLU
    np.testing.assert_allclose(r["V"], 5 * np.arange(10) * 1.3**2, rtol=1e-12)
    # NTK param: Theta^(l) = l K (Theta increments by lambda_W K/2 + chi_perp Theta)
    np.testing.assert_allclose(r["Theta"], np.arange(1, 11) * 1.3, rtol=1e-12)


def test_relu_off_critical_exponential():
    r = fc.single_input_recursions(1.0, 50, "relu", weight_var=2.2)
    np.testing.assert_allclose(r["K"], 1.1 ** np.arange(50), rtol=1e-12)


def test_tanh_small_k_expansion():
    # catalogue: <tanh^2>_K = K - 2K^2 + 17/3 K^3; chi_par ~ 1 - 4K; chi_perp ~ 1 - 2K
    K = 1e-3
    r = fc.single_input_recursions(K, 2, "tanh", weight_var=1.0)
    # truncation: the next term is -(62/3) K^4, i.e. 2e-8 relative at K = 1e-3
    assert r["K"][1] == pytest.approx(K - 2 * K**2 + 17 / 3 * K**3, rel=4e-8)
    par, perp = fc.susceptibilities(K, "tanh", 1.0)
    assert par == pytest.approx(1 - 4 * K, abs=5e-5)
    assert perp == pytest.approx(1 - 2 * K, abs=5e-5)


def test_susceptibility_matches_finite_difference():
    for act in ["tanh", "gelu", "sin"]:
        K = 0.7
        phi = dual.activation_fn(act)
        sq = lambda z, phi=phi: phi(z) ** 2
        fd = 1.4 * numdiff.grad_fd(lambda k, sq=sq: dual.gaussian_expectation(sq, float(k[0])), np.array([K]))[0]
        par, _ = fc.susceptibilities(K, act, 1.4)
        assert par == pytest.approx(fd, rel=1e-7)


def test_relu_correlation_map():
    rho = np.linspace(-1, 1, 11)
    np.testing.assert_allclose(fc.relu_correlation_map(rho),
                               2 * dual.dual_exact("relu", 1.0, rho, 1.0), rtol=1e-15)
    orbit = fc.relu_correlation_map(np.array([0.0, 0.5]), 30)
    direct = np.array([0.0, 0.5])
    for t in range(30):
        direct = fc.relu_correlation_map(direct)
    np.testing.assert_allclose(orbit[-1], direct, rtol=1e-12)
    om = fc.relu_correlation_map(np.array([0.0]), 20_000, one_minus=True)
    # catalogue asymptote 9 pi^2 / 2 with O(log l / l) corrections: 44.33 at l = 20000
    assert om[-1, 0] * 20_000**2 == pytest.approx(9 * np.pi**2 / 2, rel=1e-2)


@pytest.mark.parametrize(
    "kwargs,exc,word",
    [
        ({"X": np.full((3, 2), np.nan), "depth": 1}, ValueError, "X"),
        ({"X": np.ones((3, 2)), "X2": np.ones((3, 4)), "depth": 1}, ValueError, "feature"),
        ({"X": np.ones(3), "depth": 1}, ValueError, "X"),
        ({"X": np.ones((3, 2)), "depth": -1}, ValueError, "depth"),
        ({"X": np.ones((3, 2)), "depth": 1.5}, TypeError, "depth"),
        ({"X": np.ones((3, 2)), "depth": 1, "weight_var": -1.0}, ValueError, "weight_var"),
        ({"X": np.ones((3, 2)), "depth": 1, "bias_var": np.inf}, ValueError, "bias_var"),
        ({"X": np.ones((3, 2)), "depth": 1, "activation": "nope"}, ValueError, "activation"),
        ({"X": np.ones((3, 2)), "depth": 1, "activation": 3}, TypeError, "activation"),
        ({"X": np.ones((3, 2)), "depth": 1, "parameterization": "mup"}, ValueError, "parameterization"),
    ],
)
def test_bad_input(kwargs, exc, word):
    X = kwargs.pop("X")
    with pytest.raises(exc, match=word):
        fc.nngp_ntk(X, **kwargs)


# --------------------------------------------------------------------------- #
# the four-point vertex away from criticality (chi_par != 1 separates chi^2 from chi)
# --------------------------------------------------------------------------- #
def test_relu_vertex_off_criticality_closed_form():
    # hand derivation: for ReLU, <s^2>_K = K/2, <s^4>_K = 3K^2/2, chi_par = C_W/2; with C_b = 0,
    # K^(l) = (C_W/2)^(l-1) K1 and V^(l+1) = chi^2 V^(l) + C_W^2 (5/4) K_l^2, so
    # V^(l) = (l - 1) * (5/4) C_W^2 chi^(2(l-2)) K1^2.  C_W = 2.2 gives chi = 1.1.
    cw, K1, L = 2.2, 0.8, 12
    r = fc.single_input_recursions(K1, L, "relu", weight_var=cw)
    chi = cw / 2
    ell = np.arange(1, L + 1)
    np.testing.assert_allclose(r["chi_par"], chi, rtol=1e-12)
    np.testing.assert_allclose(r["K"], chi ** (ell - 1) * K1, rtol=1e-12)
    expected = (ell - 1) * 1.25 * cw**2 * chi ** (2.0 * (ell - 2)) * K1**2
    np.testing.assert_allclose(r["V"], expected, rtol=1e-11)
    # negative control: the recursion with chi (not chi^2) misses the closed form by far more
    wrong = np.zeros(L)
    for l in range(L - 1):
        wrong[l + 1] = chi * wrong[l] + 1.25 * cw**2 * r["K"][l] ** 2
    assert np.max(np.abs(wrong - expected) / np.maximum(expected, 1e-300)) > 0.05


def test_tanh_vertex_off_criticality_against_independent_quadrature():
    # reference: scipy.integrate.quad for <s^2>, <s^4> and a central finite difference of
    # K -> <s^2>_K for chi_par (independent of the Gaussian-identity form used by the code).
    from scipy import integrate

    cw, cb, K1, L = 1.5, 0.2, 0.9, 6

    def gexp(f, K):
        val, _ = integrate.quad(lambda z: f(z) * np.exp(-z * z / (2 * K)) / np.sqrt(2 * np.pi * K),
                                -np.inf, np.inf, epsabs=1e-14, epsrel=1e-13)
        return val

    s2 = lambda K: gexp(lambda z: np.tanh(z) ** 2, K)  # noqa: E731
    K, Vref = [K1], [0.0]
    for _ in range(L - 1):
        k = K[-1]
        h = 1e-4 * k
        chi = cw * (s2(k + h) - s2(k - h)) / (2 * h)  # truncation ~h^2 ~ 1e-8 relative
        s4 = gexp(lambda z: np.tanh(z) ** 4, k)
        Vref.append(chi**2 * Vref[-1] + cw**2 * (s4 - s2(k) ** 2))
        K.append(cb + cw * s2(k))
    r = fc.single_input_recursions(K1, L, "tanh", weight_var=cw, bias_var=cb, n_nodes=120)
    np.testing.assert_allclose(r["K"], K, rtol=1e-10)
    assert np.all(np.abs(r["chi_par"][:-1] - 1.0) > 0.05)  # genuinely off criticality
    np.testing.assert_allclose(r["V"], Vref, rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("act, block", [("erf", fc._erf_block), ("relu", fc._relu_block)])
def test_fused_blocks_match_generic_dual_maps(act, block):
    # the fused in-place blocks against the generic recursion on dual_exact/dual_deriv_exact
    # (same formulas, the operations regrouped: equal up to a few ulp per layer)
    rng = np.random.default_rng(11)
    X, Y = rng.standard_normal((37, 5)), rng.standard_normal((29, 5))
    w, b, lw, lb, depth = 1.7, 0.3, 0.8, 0.4, 3
    d1 = [w * np.einsum("ij,ij->i", X, X) / 5 + b]
    d2 = [w * np.einsum("ij,ij->i", Y, Y) / 5 + b]
    E, Ed = dual.EXACT_DUALS[act], dual.EXACT_DERIV_DUALS[act]
    for _ in range(depth):
        d1.append(w * E(d1[-1], d1[-1], d1[-1]) + b)
        d2.append(w * E(d2[-1], d2[-1], d2[-1]) + b)
    k0 = w * X @ Y.T / 5 + b
    th0 = lw * X @ Y.T / 5 + lb
    kg, tg = fc._generic_block(k0.copy(), th0.copy(), d1, d2, w, b, lw, lb, depth, E, Ed)
    if act == "erf":
        r1 = [(1.0 + 2.0 * d, 2.0 / np.sqrt(1.0 + 2.0 * d)) for d in d1]
        r2 = [(1.0 + 2.0 * d, 1.0 / np.sqrt(1.0 + 2.0 * d)) for d in d2]
    else:
        r1, r2 = [np.sqrt(d) for d in d1], [np.sqrt(d) for d in d2]
    ws = tuple(np.empty_like(k0) for _ in range(3))
    kf, tf = block(k0.copy(), th0.copy(), r1, r2, w, b, lw, lb, depth, ws)
    np.testing.assert_allclose(kf, kg, rtol=1e-13)
    np.testing.assert_allclose(tf, tg, rtol=1e-13)

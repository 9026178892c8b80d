"""Tests for theorylab.kernels.cnn (tree-CNN NNGP/NTK, torus spectra, finite tree CNN).

References: the one-level closed form Theta_1(t) = t k0(t) + k1(t) (catalogue), the
fully connected ReLU NTK of theorylab.kernels.fc for a single-patch tree, a direct
(loop-based) transcription of the authors' dcntk recursion, direct quadrature of the
Fourier coefficient of a one-patch kernel, finite differences for the hand-written
backpropagation, and Monte-Carlo convergence of the empirical NTK (1/sqrt(width)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad

from theorylab import numdiff
from theorylab.kernels import cnn
from theorylab.kernels.dual import dual_deriv_exact, dual_exact


def _reference_tree(X, Y, fs):
    """Loop-based transcription of the recursion (tree levels and nodes as explicit loops)."""
    n, d = X.shape
    m = Y.shape[0]
    s1 = fs[0]
    P = d // s1
    nngp, ntk = np.zeros((n, m)), np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            c = []
            for p in range(P):
                a, b = X[i, p * s1:(p + 1) * s1], Y[j, p * s1:(p + 1) * s1]
                c.append(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
            th = list(c)
            groups = list(fs[1:]) + [P // math.prod(fs[1:])]
            for g in groups:
                new_c, new_th = [], []
                for start in range(0, len(c), g):
                    cc, tt = c[start:start + g], th[start:start + g]
                    r = sum(float(cnn.k1(x)) for x in cc) / g
                    new_th.append(sum(float(cnn.k0(x)) * t for x, t in zip(cc, tt)) / g + r)
                    new_c.append(r)
                c, th = new_c, new_th
            nngp[i, j], ntk[i, j] = c[0], th[0]
    return nngp, ntk


@pytest.mark.parametrize("fs, d", [((2, 2, 2), 8), ((2, 2), 8), ((3, 2), 12), ((2,), 6), ((4, 3), 24)])
def test_tree_kernels_match_loop_reference(fs, d):
    rng = np.random.default_rng(0)
    X, Y = rng.standard_normal((5, d)), rng.standard_normal((4, d))
    got = cnn.tree_kernels(X, Y, filter_sizes=fs)
    ref = _reference_tree(X, Y, fs)
    np.testing.assert_allclose(got[0], ref[0], rtol=1e-13)
    np.testing.assert_allclose(got[1], ref[1], rtol=1e-13)


def test_one_level_closed_form_and_fc_relu_dual():
    # single patch, one level: NNGP = k1(t) = 2 E[relu relu] (kernels.dual), NTK = t k0(t) + k1(t)
    t = np.linspace(-1, 1, 11)
    C = t[None, :]
    nngp, ntk = cnn.tree_kernels_from_cosines(C, (3,))
    np.testing.assert_allclose(nngp, 2 * dual_exact("relu", 1.0, t, 1.0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ntk, t * 2 * dual_deriv_exact("relu", 1.0, t, 1.0) + nngp, rtol=1e-12, atol=1e-15)


def test_unit_patch_diagonals():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((7, 16))
    for fs in [(2, 2, 2, 2), (4, 2), (2,)]:
        nngp, ntk = cnn.tree_kernels(X, filter_sizes=fs)
        np.testing.assert_allclose(np.diag(nngp), 1.0, atol=1e-7)
        np.testing.assert_allclose(np.diag(ntk), len(fs) + 1, atol=1e-6)


def test_torus_spectrum_one_patch_matches_quadrature():
    # one patch on S^1: lambda_k = (1/2pi) int K(cos phi) cos(k phi) dphi
    spec = cnn.torus_spectrum((2,), 1, 4096)
    for kind_spec, idx in [(spec, 0), (spec, 2), (spec, 4), (spec, 10)]:
        f = lambda phi, k=idx: float(cnn.tree_kernels_from_cosines(np.array([[math.cos(phi)]]), (2,))[1][0]) * math.cos(k * phi)  # noqa: E731
        ref = quad(f, -math.pi, math.pi, limit=200)[0] / (2 * math.pi)
        # aliasing: the FFT returns sum_m lambda_{k + mG} ~ lambda_k + 2 c / G^2 (lambda ~ c k^-2), < 5e-7 here
        assert kind_spec[idx] == pytest.approx(ref, abs=5e-7)


def test_torus_spectrum_is_nonnegative_and_sums_to_kernel_at_zero():
    # Mercer: eigenvalues >= 0 (up to round-off) and sum_k lambda_k = K(0) = NTK diagonal = L + 1
    spec = cnn.torus_spectrum((2, 2), 2, 128)
    assert spec.min() > -1e-12
    assert spec.sum() == pytest.approx(3.0, rel=1e-12)


def test_empirical_ntk_matches_finite_differences():
    rng = np.random.default_rng(2)
    fs = (2, 2, 2)
    X = rng.standard_normal((4, 8))
    p = cnn.tree_cnn_init(fs, 5, n_nets=1, rng=rng)
    theta = cnn.tree_cnn_empirical_ntk(p, X, filter_sizes=fs)[0]
    # central differences (theorylab.numdiff), one parameter array at a time: (n, size) each
    J = np.concatenate([numdiff.jacobian_fd(lambda w, k=k: cnn.tree_cnn_forward({**p, k: w}, X, filter_sizes=fs)[0],
                                            v).reshape(X.shape[0], -1) for k, v in p.items()], axis=1).T
    np.testing.assert_allclose(J.T @ J, theta, rtol=1e-7, atol=1e-7)


def test_empirical_ntk_with_several_top_nodes_matches_finite_differences():
    rng = np.random.default_rng(3)
    fs = (2, 2)
    X = rng.standard_normal((3, 12))  # 3 top nodes
    p = cnn.tree_cnn_init(fs, 4, n_top=3, n_nets=2, rng=rng)
    theta = cnn.tree_cnn_empirical_ntk(p, X, filter_sizes=fs)
    # central differences (theorylab.numdiff): (R, n, size) per parameter array, stacked to
    # (n_params_total, R, n): parameters of net r only move net r
    J = np.concatenate([numdiff.jacobian_fd(lambda w, k=k: cnn.tree_cnn_forward({**p, k: w}, X, filter_sizes=fs),
                                            v).reshape(*theta.shape[:2], -1) for k, v in p.items()], axis=2)
    J = np.moveaxis(J, 2, 0)
    emp = np.einsum("prn,prm->rnm", J, J)
    np.testing.assert_allclose(emp, theta, rtol=1e-7, atol=1e-7)


def test_empirical_ntk_converges_to_tree_ntk_like_inverse_sqrt_width():
    rng = np.random.default_rng(4)
    fs = (2, 2)
    X = rng.standard_normal((8, 8))
    _, ntk = cnn.tree_kernels(X, filter_sizes=fs)
    errs = []
    for H in (64, 256, 1024):
        p = cnn.tree_cnn_init(fs, H, n_top=2, n_nets=12, rng=rng)
        th = cnn.tree_cnn_empirical_ntk(p, X, filter_sizes=fs)
        errs.append(np.sqrt(np.mean(np.linalg.norm(th - ntk, axis=(1, 2)) ** 2)) / np.linalg.norm(ntk))
    slope = np.polyfit(np.log([64, 256, 1024]), np.log(errs), 1)[0]
    assert -0.75 <= slope <= -0.3  # 1/sqrt(H), with 12 nets per width (MC spread of the fit ~0.1)


def test_empirical_nngp_monte_carlo():
    # covariance of f over many networks -> tree NNGP, within 4 standard errors
    rng = np.random.default_rng(5)
    fs = (2, 2)
    X = rng.standard_normal((3, 4))
    nngp, _ = cnn.tree_kernels(X, filter_sizes=fs)
    p = cnn.tree_cnn_init(fs, 256, n_nets=2000, rng=rng)
    f = cnn.tree_cnn_forward(p, X, filter_sizes=fs)  # (R, n)
    prods = f[:, :, None] * f[:, None, :]
    mean, se = prods.mean(0), prods.std(0, ddof=1) / math.sqrt(f.shape[0])
    assert np.all(np.abs(mean - nngp) <= 4 * se + 4e-3)  # + O(1/H) finite-width bias


@settings(max_examples=30, deadline=None)
@given(t=st.lists(st.floats(-1.0, 1.0), min_size=4, max_size=4))
def test_kernel_bounds_property(t):
    # |c| <= 1 implies |NNGP| <= 1 and 0 <= ... NTK <= L + 1 (k0, k1 in [0, 1])
    nngp, ntk = cnn.tree_kernels_from_cosines(np.array(t), (2, 2, 2))
    assert 0.0 <= nngp <= 1.0 + 1e-12
    assert -1.0 - 1e-12 <= ntk <= 4.0 + 1e-12


def test_bad_inputs():
    X = np.ones((3, 8))
    with pytest.raises(ValueError, match="divide the input dimension"):
        cnn.tree_kernels(X, filter_sizes=(3, 2))
    with pytest.raises(ValueError, match="depth >= 1"):
        cnn.tree_kernels(X, filter_sizes=())
    with pytest.raises(ValueError, match=r"filter_sizes\[1\] must be >= 1"):
        cnn.tree_kernels(X, filter_sizes=(2, 0))
    with pytest.raises(ValueError, match="non-empty"):
        cnn.tree_kernels(np.ones((0, 8)), filter_sizes=(2,))
    with pytest.raises(ValueError, match="non-zero norm"):
        cnn.tree_kernels(np.zeros((2, 4)), filter_sizes=(2,))
    with pytest.raises(ValueError, match="same dim"):
        cnn.tree_kernels(X, np.ones((2, 4)), filter_sizes=(2,))
    with pytest.raises(ValueError, match="S\\^1"):
        cnn.torus_spectrum((3,), 1, 16)
    with pytest.raises(TypeError, match="rng"):
        cnn.tree_cnn_init((2,), 4, rng=1)
    with pytest.raises(ValueError, match="top nodes"):
        p = cnn.tree_cnn_init((2,), 4, rng=np.random.default_rng(0))
        cnn.tree_cnn_forward(p, np.ones((2, 8)), filter_sizes=(2,))

"""Tests of theorylab.symbolic: backprop vs central finite differences, the smoothed
L0.5 penalty vs its closed form, sympy export vs the numerical forward pass."""

import numpy as np
import pytest
import sympy as sp

from theorylab import symbolic as S

NET = S.SymbolicNet(2, (("id", "sin", "cos", "sq", "mul"), ("mul", "sin", "id")))


def test_backprop_matches_finite_differences():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(30, 2))
    y = rng.normal(size=30)
    p = 0.7 * rng.normal(size=NET.n_params)
    _, g = S.mse_and_grad(NET, p, X, y)
    h = 1e-6
    fd = np.array([(S.mse_and_grad(NET, p + h * e, X, y)[0] - S.mse_and_grad(NET, p - h * e, X, y)[0]) / (2 * h)
                   for e in np.eye(NET.n_params)])
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-8)
    v, gv = S.objective_and_grad(NET, p, X, y, reg_weight=0.1)
    fdv = (S.objective_and_grad(NET, p + h * np.eye(NET.n_params)[3], X, y, reg_weight=0.1)[0]
           - S.objective_and_grad(NET, p - h * np.eye(NET.n_params)[3], X, y, reg_weight=0.1)[0]) / (2 * h)
    assert gv[3] == pytest.approx(fdv, rel=1e-6)


def test_l05_smooth_closed_form_and_continuity():
    a = 0.01
    w = np.array([-0.5, -a, -0.004, 0.0, 0.003, a, 2.0])
    v, g = S.l05_smooth(w, a)
    s = np.where(np.abs(w) < a, -w ** 4 / (8 * a ** 3) + 3 * w ** 2 / (4 * a) + 3 * a / 8, np.abs(w))
    assert v == pytest.approx(np.sqrt(s).sum(), rel=1e-14)
    # value and slope continuous at |w| = a (inner and outer formulas agree)
    lo = np.array([a * (1 - 1e-9)])
    hi = np.array([a * (1 + 1e-9)])
    assert S.l05_smooth(lo, a)[0] == pytest.approx(S.l05_smooth(hi, a)[0], rel=1e-8)
    assert S.l05_smooth(lo, a)[1][0] == pytest.approx(S.l05_smooth(hi, a)[1][0], rel=1e-6)
    fd = [(S.l05_smooth(np.array([x + 1e-8]), a)[0] - S.l05_smooth(np.array([x - 1e-8]), a)[0]) / 2e-8
          for x in (-0.004, 0.003, 2.0)]
    np.testing.assert_allclose(g[[2, 4, 6]], fd, rtol=1e-5)
    assert g[3] == 0.0


def test_sympy_export_matches_forward():
    rng = np.random.default_rng(1)
    p = rng.normal(size=NET.n_params)
    p[rng.random(NET.n_params) < 0.3] = 0.0
    expr = S.to_sympy(NET, p, ["u", "v"])
    fn = sp.lambdify(sp.symbols("u v"), expr, "numpy")
    X = rng.uniform(-2, 2, size=(50, 2))
    np.testing.assert_allclose(fn(X[:, 0], X[:, 1]), S.forward(NET, p, X), rtol=1e-10, atol=1e-10)


def test_fit_recovers_constants_exactly():
    rng = np.random.default_rng(2)
    X = rng.uniform(-2, 2, size=(128, 1))
    y = 2.5 * np.sin(1.3 * X[:, 0]) + 0.7
    net = S.SymbolicNet(1, (("id", "sin", "cos", "sq", "mul"),))
    fit = S.fit_symbolic(net, X, y, rng=rng, n_restarts=3)
    x1 = sp.Symbol("x1")
    expr = S.rationalize_constants(S.to_sympy(net, fit.params), tol=1e-6)
    assert sp.simplify(expr - (sp.Rational(5, 2) * sp.sin(sp.Rational(13, 10) * x1) + sp.Rational(7, 10))) == 0
    assert fit.mse < 1e-12


def test_rationalize_constants_recognises_pi():
    x = sp.Symbol("x")
    assert S.rationalize_constants(-1.0 * sp.sin(x - 3.14159265358979), 1e-8) == sp.sin(x)


def test_validation():
    with pytest.raises(ValueError, match="unknown unit"):
        S.SymbolicNet(1, (("tan",),))
    with pytest.raises(ValueError, match="columns"):
        S.forward(NET, np.zeros(NET.n_params), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="params"):
        S.forward(NET, np.zeros(3), np.zeros((3, 2)))

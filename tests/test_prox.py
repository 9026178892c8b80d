"""Tests of theorylab.prox against independent references: quadrature of the Laplace
posterior (scipy.integrate.quad) for MMSE, CDF and median; the catalogue's published values;
central differences and the complex step (theorylab.numdiff) for every hand-written
derivative of the ICNN and the 1-D LPN; quadrature of f for the dilogarithm potential; the
soft threshold as the prox of |x| (the known convex potential (|y| - 1)_+^2 / 2)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import integrate, optimize

from theorylab import numdiff, prox


def _post(x, y, b=1.0, s=1.0):
    return np.exp(-abs(x) / b - (y - x) ** 2 / (2 * s * s))


@pytest.mark.parametrize("y,b,s", [(0.5, 1, 1), (1.0, 1, 1), (2.0, 1, 1), (-1.3, 1, 1), (6.0, 1, 1),
                                   (0.7, 0.5, 2.0), (-3.0, 2.0, 0.5)])
def test_mmse_cdf_median_match_quadrature(y, b, s):
    kw = dict(points=[0.0, y], epsabs=1e-14, epsrel=1e-13, limit=200)
    lo, hi = min(0, y) - 40 * s - 20 * b, max(0, y) + 40 * s + 20 * b
    Z = integrate.quad(_post, lo, hi, args=(y, b, s), **kw)[0]
    m = integrate.quad(lambda x: x * _post(x, y, b, s), lo, hi, **kw)[0] / Z
    assert abs(prox.laplace_mmse(y, b, s) - m) < 1e-11
    for x in (-1.0, -0.2, 0.0, 0.4, y):
        c = integrate.quad(_post, lo, x, args=(y, b, s), points=[p for p in (0.0, y) if p < x] or None,
                           epsabs=1e-14, epsrel=1e-13, limit=200)[0] / Z
        assert abs(prox.laplace_posterior_cdf(x, y, b, s) - c) < 1e-10
    med = prox.laplace_posterior_median(y, b, s)
    ref = optimize.brentq(lambda x: integrate.quad(_post, lo, x, args=(y, b, s), epsabs=1e-14, epsrel=1e-13,
                                                   limit=200)[0] / Z - 0.5, lo / 2, hi / 2, xtol=1e-13)
    assert abs(med - ref) < 1e-9


def test_catalogue_reference_values():
    assert np.allclose(prox.laplace_mmse([0.5, 1, 2, 4, -0.3]),
                       [0.241019, 0.503223, 1.161089, 3.001710, -0.143236], atol=1e-6)
    assert np.allclose(prox.laplace_posterior_median([0.5, 1, 2, 3]), [0.1901, 0.4288, 1.1067, 2.0125], atol=1e-4)
    y = np.linspace(-4, 4, 17)
    assert np.array_equal(prox.laplace_map(y), np.sign(y) * np.maximum(abs(y) - 1, 0))
    # odd symmetry of all three denoisers
    assert np.allclose(prox.laplace_mmse(-y), -prox.laplace_mmse(y), atol=1e-14)
    assert np.allclose(prox.laplace_posterior_median(-y), -prox.laplace_posterior_median(y), atol=1e-12)


# ---------------------------------------------------------------- ICNN
def _icnn(seed=0, widths=(7, 6, 5), dim=3, alpha=0.05, convex=True):
    rng = np.random.default_rng(seed)
    net = prox.ICNN(dim=dim, widths=widths, beta=3.0, alpha=alpha)
    return rng, net, net.init(rng=rng, convex=convex)


def test_icnn_gradient_hessian_and_parameter_vjp():
    rng, net, th = _icnn()
    Y = rng.normal(size=(4, 3))
    for i in range(4):
        assert numdiff.check_gradient(lambda y: net.psi(th, y[None])[0], net.grad(th, Y[i:i + 1])[0], Y[i],
                                      method="central4", rtol=1e-8, atol=1e-10)
        J = numdiff.jacobian_fd(lambda y: net.grad(th, y[None])[0], Y[i], order=4)
        assert numdiff.compare(net.hessian(th, Y[i:i + 1])[0], J, rtol=1e-7, atol=1e-9)
    Vt = rng.normal(size=Y.shape)
    assert np.allclose(net.hvp(th, Y, Vt), np.einsum("nij,nj->ni", net.hessian(th, Y), Vt), rtol=1e-12)
    U = rng.normal(size=Y.shape)
    f, g = net.grad_and_param_vjp(th, Y, U)
    assert np.allclose(f, net.grad(th, Y), rtol=1e-14)
    assert numdiff.check_gradient(lambda t: float(np.sum(U * net.grad(t, Y))), g, th, method="central4",
                                  rtol=1e-7, atol=1e-9)


def test_icnn_convexity_and_projection():
    rng, net, th = _icnn(1, alpha=0.0)
    assert net.is_convex(th)
    Y = rng.normal(size=(200, 3))
    ev = np.linalg.eigvalsh(net.hessian(th, Y))
    assert ev.min() > -1e-12
    _, _, th_bad = _icnn(2, alpha=0.0, convex=False)
    assert not net.is_convex(th_bad)
    ev_bad = np.linalg.eigvalsh(net.hessian(th_bad, Y))
    assert ev_bad.min() < -1e-3                           # signed weights: not convex
    assert net.is_convex(net.project(th_bad))
    # alpha adds alpha I
    net2 = prox.ICNN(dim=3, widths=(7, 6, 5), beta=3.0, alpha=0.3)
    assert np.allclose(net2.hessian(th, Y) - net.hessian(th, Y), 0.3 * np.eye(3), atol=1e-13)


def test_icnn_inverse_and_prior_satisfy_the_prox_optimality():
    rng, net, th = _icnn(3, widths=(16, 16), dim=2, alpha=0.1)
    Y = rng.normal(size=(30, 2))
    X = net.grad(th, Y)
    assert np.max(abs(net.inverse(th, X) - Y)) < 1e-10
    # prox optimality: J(x) = |x - y|^2/2 + phi(x) is minimised at x* = f(y) (compare scipy's minimiser)
    y = Y[0]
    J = lambda x: 0.5 * np.sum((x - y) ** 2) + net.prior(th, x[None], u0=y[None])[0]
    res = optimize.minimize(J, y, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14, "maxiter": 4000})
    assert np.max(abs(res.x - X[0])) < 1e-6
    # the prior's gradient is f^{-1}(x) - x (envelope identity)
    x = X[1]
    g = numdiff.grad_fd(lambda z: net.prior(th, z[None], u0=Y[1:2])[0], x, order=4)
    assert np.allclose(g, Y[1] - x, atol=1e-7)


# ---------------------------------------------------------------- 1-D LPN
def test_monotone_lpn_potential_derivatives_and_inverse():
    rng = np.random.default_rng(4)
    net = prox.MonotoneLPN1D(n_units=9, beta=4.0, alpha=1e-2)
    th = net.init(rng=rng, log_a=-0.5)
    y = np.linspace(-5, 5, 23) + 0.013
    # psi' = f by the complex-step-free route: quadrature of f between two points
    for a, b in [(-5.0, 5.0), (-0.3, 2.2), (3.0, 40.0), (-40.0, -3.0)]:
        q = integrate.quad(lambda t: float(net.f(th, t)), a, b, epsabs=1e-12, epsrel=1e-12, limit=200)[0]
        assert abs(net.psi(th, b) - net.psi(th, a) - q) < 1e-9 * max(1, abs(q))
    assert numdiff.compare(net.df(th, y), numdiff.jacobian_fd(lambda t: net.f(th, t), y, order=4, batch_dims=1),
                           rtol=1e-7, atol=1e-9)
    u = rng.normal(size=y.shape)
    f, g = net.param_vjp(th, y, u)
    assert np.allclose(f, net.f(th, y), rtol=1e-14)
    assert numdiff.check_gradient(lambda t: float(np.sum(u * net.f(t, y))), g, th, method="central4",
                                  rtol=1e-7, atol=1e-9)
    fj, J = net.f_and_jacobian(th, y)
    assert np.allclose(fj, net.f(th, y), rtol=1e-13, atol=1e-14) and np.allclose(u @ J, g, rtol=1e-12, atol=1e-13)
    assert numdiff.check_jacobian(lambda t: net.f(t, y), J, th, method="central4", rtol=1e-7, atol=1e-9)
    assert np.all(net.df(th, y) >= 1e-2)
    assert np.max(abs(net.inverse(th, net.f(th, y)) - y)) < 1e-11
    # phi'(x) = f^{-1}(x) - x
    x = net.f(th, np.array([0.7, -1.9]))
    gphi = numdiff.jacobian_fd(lambda z: net.prior(th, z), x, order=4, batch_dims=1)
    assert np.allclose(gphi, np.array([0.7, -1.9]) - x, atol=1e-7)


def test_rho_is_stable_and_continuous():
    u = np.array([-200.0, -1e-9, 0.0, 1e-9, 200.0])
    r = prox._rho(u, 10.0)
    assert np.all(np.isfinite(r)) and r[0] >= 0
    assert abs(r[1] - r[3]) < 1e-9 and abs(r[2] - np.pi ** 2 / 12 / 100) < 1e-15
    assert abs(r[4] - 0.5 * 200 ** 2 - np.pi ** 2 / 6 / 100) < 1e-9   # rho(u) ~ u^2/2 + pi^2/(6 beta^2)


def test_soft_threshold_is_the_prox_of_abs():
    # psi(y) = (|y| - 1)_+^2 / 2 is convex with psi' = S_1: phi = |x| up to a constant
    y = np.linspace(-3, 3, 61)
    S = prox.soft_threshold(y, 1.0)
    psi = lambda t: 0.5 * np.maximum(abs(t) - 1, 0) ** 2
    assert np.allclose(numdiff.jacobian_fd(psi, y + 0.05, order=4, batch_dims=1), prox.soft_threshold(y + 0.05, 1.0),
                       atol=1e-8)
    x = S[abs(y) > 1]
    u = y[abs(y) > 1]
    phi = x * u - psi(u) - 0.5 * x * x
    assert np.allclose(phi, abs(x), atol=1e-14)


def test_losses_and_their_gradients():
    rng = np.random.default_rng(5)
    p, t = rng.normal(size=7), rng.normal(size=7)
    for fn in (prox.squared_loss, prox.l1_loss, lambda a, b: prox.prox_matching_loss(a, b, 0.4)):
        L, g = fn(p, t)
        assert numdiff.check_gradient(lambda q: fn(q, t)[0], g, p, method="central4", rtol=1e-7, atol=1e-10)
    L, _ = prox.prox_matching_loss(np.zeros((3, 2)), np.zeros((3, 2)), 0.1)
    assert L == 0.0


def test_pnp_on_a_known_prox_decreases_the_lasso_objective():
    rng = np.random.default_rng(6)
    A = prox.blur_operator(40, 2.0)
    assert abs(np.linalg.norm(A, 2) - 1) < 1e-12
    x_true = rng.laplace(size=40)
    y = A @ x_true + 0.1 * rng.normal(size=40)
    lam = 0.05
    obj = lambda x: 0.5 * np.sum((A @ x - y) ** 2) + lam * np.sum(abs(x))
    res = prox.pnp_pgd(lambda v: prox.soft_threshold(v, lam), lambda x: A.T @ (A @ x - y), np.zeros(40),
                       step=1.0, n_iter=300, objective=obj)
    assert np.all(np.diff(res.objective) <= 1e-12)
    assert res.x.shape == (301, 40) and res.steps.shape == (300,)


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="widths"):
        prox.ICNN(dim=2, widths=())
    net = prox.ICNN(dim=2, widths=(3,))
    th = net.init(rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="Y"):
        net.grad(th, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="theta"):
        net.grad(th[:-1], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="gamma"):
        prox.prox_matching_loss(np.zeros(2), np.zeros(2), 0.0)
    with pytest.raises(ValueError, match="sigma"):
        prox.laplace_mmse(1.0, sigma=-1.0)
    with pytest.raises(TypeError, match="rng"):
        prox.MonotoneLPN1D().init(rng=1)
    with pytest.raises(ValueError, match="alpha"):
        prox.MonotoneLPN1D(alpha=0.0).inverse(np.zeros(101), np.zeros(2))


def test_pm_objective_matches_quadrature_and_optimum_tends_to_map():
    for y, g in [(0.4, 0.5), (1.0, 0.1), (-2.3, 0.3), (3.0, 0.05)]:
        Z = integrate.quad(_post, -30, 30, args=(y,), points=[0.0, y], epsabs=1e-14, limit=200)[0]
        for f in (-0.5, 0.0, 0.3, y):
            q = integrate.quad(lambda x: _post(x, y) * np.exp(-(f - x) ** 2 / g ** 2), -30, 30,
                               points=[0.0, y, f], epsabs=1e-14, limit=400)[0] / Z
            assert abs(prox.laplace_pm_objective(f, y, g) - q) < 1e-11
    ys = np.linspace(-3, 3, 61)
    opt = prox.laplace_pm_optimum(ys, 0.2)
    for y, o in zip(ys[::10], opt[::10]):
        res = optimize.minimize_scalar(lambda f: -prox.laplace_pm_objective(f, y, 0.2), bounds=(min(0, y) - 1,
                                       max(0, y) + 1), method="bounded", options={"xatol": 1e-10})
        assert abs(res.x - o) < 1e-6
    d = [np.abs(prox.laplace_pm_optimum(ys, g) - prox.laplace_map(ys)).max() for g in (0.3, 0.1, 0.03, 0.01)]
    assert np.all(np.diff(d) < 0) and d[-1] < 0.03


def test_fit_lpn_1d_learns_a_known_prox():
    # noiseless targets x = S_1(y): squared-loss training must approach the soft threshold
    net = prox.MonotoneLPN1D(n_units=20, beta=10.0, alpha=1e-3)
    rng = np.random.default_rng(7)
    th0 = net.init(rng=rng, span=4.0)
    sample = lambda n, r: (lambda y: (prox.soft_threshold(y, 1.0), y))(r.uniform(-3, 3, n))
    th, hist = prox.fit_lpn_1d(net, th0, loss="squared", sample=sample, n_steps=1500, batch=500, rng=rng,
                               lr=0.03, lr_final=0.003)
    yy = np.linspace(-2.5, 2.5, 51)
    assert np.abs(net.f(th, yy) - prox.soft_threshold(yy, 1.0)).max() < 0.1
    assert hist[-100:].mean() < 0.05 * hist[:10].mean()
    with pytest.raises(ValueError, match="gamma"):
        prox.fit_lpn_1d(net, th0, loss="prox_matching", sample=sample, n_steps=1, batch=2, rng=rng, lr=0.1)

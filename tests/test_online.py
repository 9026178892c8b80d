"""Tests for theorylab.online (SEA instances, optimistic OMD / OGD / ONS, comparators, regret).

Every kernel is checked against an independent reference: closed forms derived by hand
(named in each case), scipy's constrained optimiser, Monte-Carlo with a standard-error
tolerance, finite differences, and explicit single-repetition loops.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from theorylab import numdiff
from theorylab import online as ol


def _inst(T=5, R=2, d=3, m=2, seed=0, **kw):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, d))
    b = 0.3 * rng.standard_normal(m)
    return ol.make_sea(A, b, T=T, n_repeats=R, rng=rng, **kw)


# ----------------------------------------------------------------- projection
@pytest.mark.parametrize(
    "x, radius, expected, source",
    [
        ([3.0, 4.0], 1.0, [0.6, 0.8], "hand: x * r/||x||, ||x|| = 5"),
        ([0.3, -0.4], 1.0, [0.3, -0.4], "hand: inside the ball, unchanged"),
        ([0.0, 0.0], 2.0, [0.0, 0.0], "hand: origin"),
        ([0.0, -10.0], 2.0, [0.0, -2.0], "hand: axis point"),
    ],
)
def test_project_ball_known(x, radius, expected, source):
    np.testing.assert_allclose(ol.project_ball(np.array(x), radius), expected, atol=1e-15)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3), st.floats(0.1, 10.0))
def test_project_ball_properties(x, r):
    x = np.array(x)
    p = ol.project_ball(x, r)
    assert np.linalg.norm(p) <= r * (1 + 1e-12)
    # variational inequality of the projection: <x - p, y - p> <= 0 for y in the ball
    rng = np.random.default_rng(0)
    Y = ol.project_ball(rng.standard_normal((20, 3)) * r, r)
    assert np.all((Y - p) @ (x - p) <= 1e-9 * (1 + np.abs(x).max()))
    np.testing.assert_allclose(ol.project_ball(p, r), p, atol=1e-12)  # idempotent


def test_metric_projection_against_scipy():
    """Projection in ||.||_A onto the ball vs scipy SLSQP (independent solver)."""
    rng = np.random.default_rng(3)
    d = 4
    M = rng.standard_normal((2, d, d))
    Amat = M @ np.swapaxes(M, 1, 2) + 0.5 * np.eye(d)
    z = rng.standard_normal((2, d)) * 3.0
    lam, Q = np.linalg.eigh(Amat)
    y = ol._project_ball_metric(z, Q, lam, 1.0)
    for r in range(2):
        obj = lambda v: (v - z[r]) @ Amat[r] @ (v - z[r])  # noqa: E731
        res = optimize.minimize(obj, np.zeros(d), constraints=[{"type": "ineq", "fun": lambda v: 1 - v @ v}],
                                method="SLSQP", options={"ftol": 1e-14, "maxiter": 500})
        np.testing.assert_allclose(y[r], res.x, atol=1e-5)
        # SLSQP may sit ~1e-10 outside the ball, which lowers its value by O(1e-10 * |grad|)
        assert obj(y[r]) <= res.fun * (1 + 1e-9)
        assert np.linalg.norm(y[r]) <= 1 + 1e-12


# ----------------------------------------------------------------- step sizes
@pytest.mark.parametrize(
    "cum, D, L, delta, expected, source",
    [
        (0.0, 2.0, 1.0, 1.0, 0.25, "cap 1/(4L) binds: D/sqrt(1) = 2 > 1/4"),
        (99.0, 2.0, 0.1, 1.0, 0.2, "D/sqrt(delta + cum) = 2/10 < 1/(4L) = 2.5"),
        (3.0, 1.0, 1.0, 1.0, 0.25, "1/sqrt(4) = 0.5 capped at 0.25"),
    ],
)
def test_omd_step_convex(cum, D, L, delta, expected, source):
    assert ol.omd_step_convex(cum, diameter=D, smoothness=L, delta=delta) == pytest.approx(expected, rel=1e-15)


def test_other_steps():
    assert ol.omd_step_strongly_convex(3, lam=2.0, smoothness=1.0) == pytest.approx(1 / (6 + 4))
    assert ol.ogd_step(4, diameter=2.0, grad_bound=1.0) == pytest.approx(1.0)
    assert ol.ogd_step(4, diameter=2.0, grad_bound=1.0, lam=0.5) == pytest.approx(0.5)
    assert ol.ons_gamma(grad_bound=1.0, diameter=2.0, alpha=1.0) == pytest.approx(1 / 16)
    # strongly convex rule: 1/eta_t - 1/eta_{t-1} = lam and eta_t <= 1/(4L)
    t = np.arange(1, 50)
    e = ol.omd_step_strongly_convex(t, lam=0.7, smoothness=3.0)
    np.testing.assert_allclose(np.diff(1 / e), 0.7, rtol=1e-12)
    assert np.all(e <= 1 / 12)


# ----------------------------------------------------------------- instance, losses, gradients
def test_gradient_finite_differences():
    inst = _inst(T=4, R=3, d=3, sigma=0.7, lam=0.5, centers=[0.1, -0.2, 0.3], shift=[0.2, 0.0, -0.1], zeta_std=0.5)
    rng = np.random.default_rng(1)
    x = ol.project_ball(rng.standard_normal((3, 3)), 0.9)
    for t in range(4):
        g = ol.sea_gradient(inst, x, t)
        fd = numdiff.grad_fd(lambda z, t=t: ol.sea_loss(inst, z, t), x, batch_dims=1)  # rows: repetitions
        np.testing.assert_allclose(g, fd, atol=1e-7)


def test_logcosh_stable():
    z = np.array([-800.0, -1.0, 0.0, 2.0, 800.0])
    np.testing.assert_allclose(ol.logcosh(z[1:4]), np.log(np.cosh(z[1:4])), rtol=1e-14)
    np.testing.assert_allclose(ol.logcosh(z[[0, 4]]), 800 - np.log(2), rtol=1e-15)


def test_variation_closed_form_switching():
    """Sigma_t^2 = 4 delta^2 ||u||^2 at switches (catalogue closed form); sigma_t^2 = d sigma^2."""
    T, P, delta = 40, 5, 0.5
    u = np.array([1.0, 2.0, 0.0])
    sh = ol.switching_shift(T, delta=delta, period=P, direction=u)
    inst = _inst(T=T, R=2, d=3, sigma=0.3, shift=sh)
    v = ol.sea_variation(inst)
    expect = np.zeros(T)
    expect[P::P] = 4 * delta**2 * (u @ u)
    np.testing.assert_allclose(v["Sigma2"][0], expect, atol=1e-14)
    np.testing.assert_allclose(v["sigma2"], 3 * 0.09, rtol=1e-14)
    assert v["Sigma2_cum"][0, -1] == pytest.approx(7 * 4 * delta**2 * 5)   # 7 switches in 40 rounds, ||u||^2 = 5


def test_variation_monte_carlo():
    """sigma_t^2 = max_x E||grad f - grad F||^2 = d sigma^2 + zeta_std^2 r^2 (at ||x|| = r), by Monte Carlo."""
    d, sigma, zs = 3, 0.8, 0.6
    n = 20_000
    inst = _inst(T=1, R=n, d=d, sigma=sigma, zeta_std=zs, seed=5)
    x = np.zeros((n, d)); x[:, 0] = 1.0                # on the sphere: the max over the ball
    noise = ol.sea_gradient(inst, x, 0) - ol.sea_gradients_along(inst, x[:, None, :], noisy=False)[:, 0]
    sq = np.sum(noise**2, axis=1)
    se = sq.std(ddof=1) / np.sqrt(n)
    expected = ol.sea_variation(inst)["sigma2"][0, 0]
    assert expected == pytest.approx(d * sigma**2 + zs**2)
    assert abs(sq.mean() - expected) <= 4 * se


def test_path_length_circle():
    T, rho, om = 200, 0.5, 0.01
    c = ol.circular_centers(T, rho=rho, omega=om, dim=3)
    assert ol.path_length(c) == pytest.approx((T - 1) * 2 * rho * np.sin(om / 2), rel=1e-12)


# ----------------------------------------------------------------- comparator solver
def test_minimiser_closed_form_quadratic():
    """alpha = 0: argmin beta/2||x||^2 - <h,x> on the ball = Pi(h / beta) (hand derivation);
    the FISTA path (forced with a tiny alpha on a zero-row A) must agree."""
    rng = np.random.default_rng(2)
    h = rng.standard_normal((6, 4)) * 3
    beta = rng.uniform(0.5, 2.0, 6)
    res = ol.minimise_on_ball(np.zeros((0, 4)), np.zeros(0), alpha=0.0, beta=beta, h=h)
    np.testing.assert_allclose(res["x"], ol.project_ball(h / beta[:, None], 1.0), atol=1e-15)
    # iterative path: A with a column of zeros contributes nothing to the objective
    A0 = np.zeros((1, 4))
    it = ol.minimise_on_ball(A0, np.zeros(1), alpha=1.0, beta=beta, h=h, n_iter=3000)
    np.testing.assert_allclose(it["x"], res["x"], atol=1e-8)
    assert np.all(it["gm_norm"] < 1e-6)


def test_minimiser_against_scipy():
    rng = np.random.default_rng(4)
    A = rng.standard_normal((3, 5))
    b = 0.3 * rng.standard_normal(3)
    h = rng.standard_normal(5) * 2
    res = ol.minimise_on_ball(A, b, alpha=10.0, beta=-0.5, h=h, n_iter=5000)

    def g(x):
        return 10 * ol.logcosh(A @ x - b).sum() - 0.25 * x @ x - h @ x

    best = min((optimize.minimize(g, x0, constraints=[{"type": "ineq", "fun": lambda v: 1 - v @ v}],
                                  method="SLSQP", options={"ftol": 1e-14, "maxiter": 1000})
                for x0 in (np.zeros(5), h / np.linalg.norm(h), -h / np.linalg.norm(h))), key=lambda r: r.fun)
    assert res["value"] <= best.fun + 1e-7


# ----------------------------------------------------------------- regret bookkeeping
def test_regret_hand_computation_tiny():
    """T = 2, d = 1, pure quadratic f_t(x) = 1/2 (x - c_t)^2 on [-1, 1], c = (1, -1), no noise.
    OGD from x_1 = 0 with eta_t = D/(G sqrt t), D = 2, G = 2 + 0 (lam (r + max|c|)):
    x_1 = 0, g_1 = -1, eta_1 = 1 -> x_2 = 1; losses 1/2 and 2; the best fixed point is 0 with total 1,
    so the static regret is 2.5 - 1 = 1.5 (and 0.5 at horizon 1, where the best point is x = 1)."""
    inst = ol.make_sea(np.zeros((0, 1)), np.zeros(0), T=2, n_repeats=1, lam=1.0,
                       centers=np.array([[1.0], [-1.0]]), rng=np.random.default_rng(0))
    run = ol.run_ogd(inst)
    np.testing.assert_allclose(run.x[0, :, 0], [0.0, 1.0], atol=1e-15)
    np.testing.assert_allclose(run.losses[0], [0.5, 2.0], atol=1e-15)
    np.testing.assert_allclose(ol.static_regret(run, inst, np.array([1, 2]))[0], [0.5, 1.5], atol=1e-14)
    # dynamic regret against u_t = c_t: f_t(u_t) = 0, so it equals the cumulative loss
    u = inst.centers.copy()
    np.testing.assert_allclose(ol.dynamic_regret(run, inst, u, np.array([1, 2]))[0], [0.5, 2.5], atol=1e-14)


def test_optimistic_omd_hand_two_rounds():
    """Optimistic OMD, d = 1, f_t = 1/2 (x - 1)^2 (lam = 1, L = 1), no noise, delta = 1, D = 2:
    t=1: eta = min(2/1, 1/4) = 1/4, M = 0 -> x_1 = 0, g_1 = -1, xhat_2 = 0.25, cum = 1;
    t=2: eta = min(2/sqrt 2, 1/4) = 1/4, x_2 = xhat_2 - eta M_2 = 0.25 + 0.25 = 0.5, g_2 = -0.5."""
    inst = ol.make_sea(np.zeros((0, 1)), np.zeros(0), T=2, n_repeats=1, lam=1.0, centers=1.0,
                       rng=np.random.default_rng(0))
    run = ol.run_optimistic_omd(inst)
    np.testing.assert_allclose(run.x[0, :, 0], [0.0, 0.5], atol=1e-15)
    np.testing.assert_allclose(run.sq_dev[0], [1.0, 0.25], atol=1e-15)
    np.testing.assert_allclose(run.losses[0], [0.5, 0.125], atol=1e-15)
    # best fixed point is x = 1 with loss 0 -> regret = 0.625
    assert ol.static_regret(run, inst)[0, 0] == pytest.approx(0.625, abs=1e-12)


def test_vectorised_equals_single_runs():
    """A run over R repetitions equals R separate single-repetition runs on the same draws."""
    inst = _inst(T=30, R=4, d=3, sigma=0.5, lam=0.3, zeta_std=0.2, seed=7)
    run = ol.run_optimistic_omd(inst)
    for r in range(4):
        single = ol.SEAInstance(A=inst.A, b=inst.b, lam=inst.lam, centers=inst.centers[r:r + 1],
                                shift=inst.shift[r:r + 1], xi=inst.xi[r:r + 1], zeta=inst.zeta[r:r + 1],
                                sigma=inst.sigma[r:r + 1], zeta_std=inst.zeta_std, radius=inst.radius)
        one = ol.run_optimistic_omd(single)
        np.testing.assert_allclose(one.x[0], run.x[r], atol=1e-14)
        np.testing.assert_allclose(one.losses[0], run.losses[r], atol=1e-13)


def test_learners_stay_in_ball_and_ons_runs():
    inst = _inst(T=40, R=3, d=3, sigma=2.0, seed=9)
    for run in (ol.run_ogd(inst), ol.run_optimistic_omd(inst), ol.run_optimistic_ons(inst, gamma=0.5)):
        assert np.all(np.linalg.norm(run.x, axis=-1) <= 1 + 1e-12)
        assert np.all(np.isfinite(run.losses))


def test_static_comparator_is_optimal():
    """The comparator's cumulative loss is no larger than that of any played point (cheap optimality check)."""
    inst = _inst(T=200, R=3, d=3, sigma=1.0, seed=11)
    run = ol.run_optimistic_omd(inst)
    comp = ol.static_comparator(inst, np.array([200]))
    cand = run.x[:, ::20]                                  # (R, 10, d)
    tot = np.stack([sum(ol.sea_loss(inst, cand[:, k], t) for t in range(200)) for k in range(cand.shape[1])], 1)
    assert np.all(comp["value"][:, 0] <= tot.min(axis=1) + 1e-8)


# ----------------------------------------------------------------- bad inputs
@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"T": 0}, "T"),
        ({"n_repeats": 0}, "n_repeats"),
        ({"sigma": -0.1}, "sigma"),
        ({"zeta_std": -1.0}, "zeta_std"),
        ({"lam": -1.0}, "lam"),
        ({"radius": 0.0}, "radius"),
        ({"centers": np.zeros(4)}, "centers"),
        ({"shift": np.zeros((3, 2))}, "shift"),
        ({"sigma": np.zeros(7)}, "sigma"),
        ({"noise": np.zeros((2, 5, 4))}, "noise"),
    ],
)
def test_make_sea_bad_inputs(kwargs, match):
    base = dict(T=5, n_repeats=2)
    base.update(kwargs)
    with pytest.raises(ValueError, match=match):
        ol.make_sea(np.ones((2, 3)), np.zeros(2), rng=np.random.default_rng(0), **base)


def test_bad_inputs_misc():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="b"):
        ol.make_sea(np.ones((2, 3)), np.zeros(3), T=5, n_repeats=1, rng=rng)
    with pytest.raises(TypeError, match="rng"):
        ol.make_sea(np.ones((2, 3)), np.zeros(2), T=5, n_repeats=1, rng=None)
    with pytest.raises(TypeError, match="T"):
        ol.make_sea(np.ones((2, 3)), np.zeros(2), T=2.5, n_repeats=1, rng=rng)
    inst = _inst()
    with pytest.raises(ValueError, match="x"):
        ol.sea_loss(inst, np.zeros((2, 4)), 0)
    with pytest.raises(ValueError, match="t"):
        ol.sea_gradient(inst, np.zeros((2, 3)), 5)
    with pytest.raises(ValueError, match="horizons"):
        ol.static_comparator(inst, np.array([0, 3]))
    with pytest.raises(ValueError, match="step"):
        ol.run_optimistic_omd(inst, step="bogus")
    with pytest.raises(ValueError, match="lam"):
        ol.run_optimistic_omd(inst, step="strongly-convex")
    with pytest.raises(ValueError, match="eta"):
        ol.run_optimistic_omd(inst, step="fixed")
    with pytest.raises(ValueError, match="cum_sq_dev"):
        ol.omd_step_convex(-1.0, diameter=1.0, smoothness=1.0)
    with pytest.raises(ValueError, match="u"):
        ol.dynamic_regret(ol.run_ogd(inst), inst, np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="radius"):
        ol.project_ball(np.ones(3), -1.0)
    with pytest.raises(ValueError, match="x"):
        ol.project_ball(np.array([np.nan, 1.0]))


def test_nonconvex_comparator_multistart_beats_grid():
    """With zeta_std > 0 the prefix sum can be non-convex; the multi-start comparator must be
    no worse than a dense grid of points on and inside the ball (independent brute force, d = 2)."""
    rng = np.random.default_rng(21)
    A = rng.standard_normal((1, 2))
    inst = ol.make_sea(A, np.zeros(1), T=50, n_repeats=3, sigma=0.3, zeta_std=3.0, rng=rng)
    comp = ol.static_comparator(inst, np.array([50]))
    r = np.sqrt(np.linspace(0, 1, 60))[:, None]
    th = np.linspace(0, 2 * np.pi, 240, endpoint=False)[None, :]
    grid = np.stack([(r * np.cos(th)).ravel(), (r * np.sin(th)).ravel()], axis=1)    # (n, 2)
    tot = np.zeros((3, grid.shape[0]))
    for t in range(50):
        for k in range(3):
            x = grid
            tot[k] += (ol.logcosh(x @ A.T).sum(-1) + x @ (inst.xi[k, t] + inst.shift[k, t])
                       - 0.5 * inst.zeta[k, t] * np.sum(x * x, -1))
    assert np.all(comp["value"][:, 0] <= tot.min(axis=1) + 1e-9)

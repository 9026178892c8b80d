"""Tests of theorylab.losses (comp-sum losses and their H-consistency bounds).

Independent references used below:
* the claim catalogue ``../shared/papers/cross-entropy-hconsistency.md``, section
  "Reference values" (numbers copied into the tables here; 5-6 significant digits);
* sympy: the Lagrange conditions behind the closed forms of C*_tau, series of T_tau;
* mpmath: T_tau evaluated in 50-digit arithmetic straight from the paper's formula;
* scipy: brentq (inverse of T_tau), quad (gap integral), minimize (conditional risks);
* finite differences for gradients and Hessians; Monte-Carlo with standard errors;
* hypothesis: Theorem 1's bound on random distributions and hypotheses.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, optimize

from theorylab import losses, numdiff

TAUS = [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0, 3.0]


# --------------------------------------------------------------------------- #
# reference values from the catalogue (cross-entropy-hconsistency.md, "Reference values")
# --------------------------------------------------------------------------- #
T_REFERENCE = [  # (tau, n, t, T_tau(t), decimals quoted)
    (0.0, 2, 0.2, 0.020204, 6),
    (0.0, 2, 0.5, 0.133975, 6),  # = 1 - sqrt(0.75)
    (0.5, 2, 0.2, 0.01903, 5),
    (0.5, 2, 0.5, 0.12563, 5),
    (1.0, 2, 0.2, 0.020136, 6),
    (1.0, 2, 0.5, 0.130812, 6),
    (1.5, 2, 0.5, 0.16693, 5),
    (1.5, 3, 0.5, 0.13629, 5),
    (1.5, 4, 0.5, 0.11803, 5),
    (2.0, 3, 0.3, 0.1, 12),  # T_2(t) = t / n
]


@pytest.mark.parametrize("tau,n,t,expected,decimals", T_REFERENCE)
def test_t_tau_catalogue_values(tau, n, t, expected, decimals):
    assert losses.t_tau(t, tau, n) == pytest.approx(expected, abs=0.5 * 10.0**-decimals)


CSTAR_REFERENCE = [  # p = (0.5, 0.3, 0.2), catalogue "C* values"
    (1.0, 1.029653),  # Shannon entropy in nats
    (2.0, 0.5),  # 1 - max p
    (0.0, 1.896950),  # (sum sqrt p)^2 - 1
]


@pytest.mark.parametrize("tau,expected", CSTAR_REFERENCE)
def test_cstar_catalogue_values(tau, expected):
    assert losses.cstar([0.5, 0.3, 0.2], tau) == pytest.approx(expected, abs=5e-7)


GAP_TAUS = [0.0, 0.5, 1.0, 1.5, 2.0]
GAP_REFERENCE = {  # constant-score class, n = 4, Lambda = 2, deterministic labels (catalogue, C5)
    "uniform": ([0.25, 0.25, 0.25, 0.25], [2.94505, 1.94579, 1.33280, 0.94722, 0.69791]),
    "skewed": ([0.4, 0.3, 0.2, 0.1], [2.72271, 1.79952, 1.22636, 0.85177, 0.55833]),
}


@pytest.mark.parametrize("name", sorted(GAP_REFERENCE))
def test_gap_constant_class_catalogue_values(name):
    prior, expected = GAP_REFERENCE[name]
    gaps, _ = losses.gap_constant_class(prior, GAP_TAUS, score_bound=2.0, n_restarts=20,
                                        rng=np.random.default_rng(0))
    np.testing.assert_allclose(gaps, expected, atol=5e-6)  # catalogue quotes 5 decimals


# --------------------------------------------------------------------------- #
# losses
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("tau", TAUS)
def test_comp_sum_loss_matches_definition(tau):
    """ell_tau = Phi^tau(sum_{y' != y} exp(h_y' - h_y)) evaluated naively on moderate scores."""
    rng = np.random.default_rng(1)
    h = rng.normal(scale=2.0, size=(50, 5))
    y = rng.integers(0, 5, size=50)
    u = np.exp(h - h[np.arange(50), y][:, None]).sum(axis=1) - 1.0
    naive = np.log1p(u) if tau == 1.0 else ((1 + u) ** (1 - tau) - 1) / (1 - tau)
    np.testing.assert_allclose(losses.comp_sum_loss(h, y, tau), naive, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(losses.comp_sum_phi(u, tau), naive, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(losses.comp_sum_loss_all(h, tau)[np.arange(50), y], naive, rtol=1e-12, atol=1e-14)


def test_named_members_of_the_family():
    """Table of the catalogue: tau = 0 sum-exponential, 1 logistic, 2 MAE, (1, 2) GCE with q = tau - 1."""
    h = np.array([[0.3, -1.2, 2.0, 0.1]])
    y = np.array([2])
    s = losses.softmax(h)[0, 2]
    assert losses.comp_sum_loss(h, y, 0.0)[0] == pytest.approx(1 / s - 1, rel=1e-13)
    assert losses.comp_sum_loss(h, y, 1.0)[0] == pytest.approx(-math.log(s), rel=1e-13)
    assert losses.comp_sum_loss(h, y, 2.0)[0] == pytest.approx(1 - s, rel=1e-13)
    q = 0.7
    assert losses.comp_sum_loss(h, y, 1 + q)[0] == pytest.approx((1 - s**q) / q, rel=1e-13)


def test_large_scores_do_not_overflow():
    h = np.array([[1e4, -1e4, 0.0]])
    for tau in (0.5, 1.0, 1.5, 2.0):
        val = losses.comp_sum_loss(h, np.array([1]), tau)
        assert np.isfinite(val).all() or tau < 1
    assert losses.comp_sum_loss(h, np.array([1]), 1.0)[0] == pytest.approx(2e4, rel=1e-12)
    assert losses.comp_sum_loss(h, np.array([0]), 0.0)[0] == pytest.approx(0.0, abs=1e-300)
    # the sum-exponential loss of a gap of 2e4 is beyond float64: inf, never nan
    assert losses.comp_sum_loss(h, np.array([1]), 0.0)[0] == np.inf


@pytest.mark.parametrize("tau", TAUS)
def test_loss_and_risk_gradients_by_finite_differences(tau):
    rng = np.random.default_rng(2)
    h = rng.normal(size=(4, 5))
    y = rng.integers(0, 5, size=4)
    p = rng.dirichlet(np.ones(5), size=4)
    g_loss = losses.comp_sum_loss_grad(h, y, tau)
    g_risk = losses.conditional_risk_grad(h, p, tau)
    # central differences (theorylab.numdiff), each row of h an independent example
    fd_loss = numdiff.grad_fd(lambda s: losses.comp_sum_loss(s, y, tau), h, batch_dims=1)
    fd_risk = numdiff.grad_fd(lambda s: losses.conditional_risk(s, p, tau), h, batch_dims=1)
    np.testing.assert_allclose(g_loss, fd_loss, atol=1e-8)
    np.testing.assert_allclose(g_risk, fd_risk, atol=1e-8)


@pytest.mark.parametrize("tau", TAUS)
def test_hessian_by_finite_differences(tau):
    rng = np.random.default_rng(3)
    h = rng.normal(size=(3, 4))
    p = rng.dirichlet(np.ones(4), size=3)
    hess = losses._cond_hessian(h, p, np.full((3, 1), tau))
    fd = numdiff.jacobian_fd(lambda s: losses.conditional_risk_grad(s, p, tau), h, batch_dims=1)  # (3, 4, 4)
    np.testing.assert_allclose(hess, fd, atol=1e-7)


# --------------------------------------------------------------------------- #
# closed forms of C*_tau (C4): sympy and numerical minimisation
# --------------------------------------------------------------------------- #
def test_cstar_lagrange_derivation_sympy():
    """s_y = p_y^a / sum p^a satisfies the Lagrange conditions of min sum p_y psi(s_y), sum s = 1,
    and the value there is [(sum p^a)^(2-tau) - 1]/(1-tau); psi is convex for tau < 2."""
    tau = sp.symbols("tau", positive=True)
    p = sp.symbols("p1:4", positive=True)
    s_var = sp.symbols("s", positive=True)
    psi = (s_var ** (tau - 1) - 1) / (1 - tau)
    assert sp.simplify(sp.diff(psi, s_var, 2) - (2 - tau) * s_var ** (tau - 3)) == 0
    a = 1 / (2 - tau)
    big_s = sum(pi**a for pi in p)
    s_opt = [pi**a / big_s for pi in p]
    # stationarity: p_y psi'(s_y) is the same for every y (= -lambda)
    dpsi = sp.diff(psi, s_var)
    lam = [sp.simplify(sp.powsimp(pi * dpsi.subs(s_var, si), force=True)) for pi, si in zip(p, s_opt)]
    values = {tau: sp.Rational(1, 3), p[0]: sp.Rational(1, 2), p[1]: sp.Rational(3, 10), p[2]: sp.Rational(1, 5)}
    for expr in lam[1:]:
        assert abs(float((expr - lam[0]).subs(values))) < 1e-14
    value = sum(pi * psi.subs(s_var, si) for pi, si in zip(p, s_opt))
    closed = (big_s ** (2 - tau) - 1) / (1 - tau)
    for tv in (sp.Rational(0), sp.Rational(1, 3), sp.Rational(3, 2), sp.Rational(19, 10)):
        vals = {**values, tau: tv}
        assert abs(float((value - closed).subs(vals))) < 1e-13
        assert float(closed.subs(vals)) == pytest.approx(losses.cstar([0.5, 0.3, 0.2], float(tv)), rel=1e-13)


def test_cstar_entropy_limit_and_continuity():
    p = np.array([0.5, 0.3, 0.2])
    entropy = -np.sum(p * np.log(p))
    assert losses.cstar(p, 1.0) == pytest.approx(entropy, rel=1e-15)
    for d in (1e-4, 1e-6):  # continuity at tau = 1 and tau = 2
        assert losses.cstar(p, 1 - d) == pytest.approx(entropy, abs=5 * d)
        assert losses.cstar(p, 1 + d) == pytest.approx(entropy, abs=5 * d)
        assert losses.cstar(p, 2 - d) == pytest.approx(0.5, abs=20 * d)
    assert losses.cstar(p, 3.0) == pytest.approx(0.25, rel=1e-15)
    # zero-probability classes are allowed (0 log 0 = 0, 0^a = 0)
    assert losses.cstar([1.0, 0.0, 0.0], 0.5) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5])
def test_cstar_against_scipy_minimize(tau):
    """An independent optimiser (BFGS over logits, one problem at a time)."""
    rng = np.random.default_rng(4)
    for p in rng.dirichlet(np.ones(4), size=5):
        res = optimize.minimize(lambda h, p=p: losses.conditional_risk(h, p, tau), np.zeros(4),
                                jac=lambda h, p=p: losses.conditional_risk_grad(h, p, tau), method="BFGS",
                                options={"gtol": 1e-12})
        assert res.fun == pytest.approx(losses.cstar(p, tau), abs=1e-9)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0])
def test_minimize_conditional_risk_matches_closed_form(tau):
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(5), size=30)
    _, val = losses.minimize_conditional_risk(p, tau, x0=rng.normal(size=p.shape), lower=-30.0, upper=30.0)
    np.testing.assert_allclose(val, losses.cstar(p, tau), atol=1e-9)


def test_minimize_conditional_risk_respects_bounds():
    rng = np.random.default_rng(6)
    p = rng.dirichlet(np.ones(3), size=10)
    lo = np.full(p.shape, -1.0)
    hi = np.full(p.shape, 0.0)
    lo[:, 0] = 0.0
    h, val = losses.minimize_conditional_risk(p, 1.0, x0=np.clip(rng.normal(size=p.shape), lo, hi), lower=lo, upper=hi)
    assert np.all(h >= lo) and np.all(h <= hi) and np.all(h[:, 0] == 0.0)
    np.testing.assert_allclose(val, losses.conditional_risk(h, p, 1.0), rtol=1e-15)


# --------------------------------------------------------------------------- #
# T_tau and Gamma_tau (C1, C3)
# --------------------------------------------------------------------------- #
def _t_mpmath(t: float, tau: float, n: int) -> float:
    """The paper's formula in 50-digit arithmetic (no cancellation issues)."""
    mpmath.mp.dps = 50
    t, tau = mpmath.mpf(t), mpmath.mpf(tau)
    if tau >= 2:
        return float(t / ((tau - 1) * n ** (tau - 1)))
    if tau == 1:
        second = 0 if t == 1 else (1 - t) / 2 * mpmath.log(1 - t)
        return float((1 + t) / 2 * mpmath.log(1 + t) + second)
    a = 1 / (2 - tau)
    m = ((1 + t) ** a + (1 - t) ** a) / 2
    if tau < 1:
        return float(2 ** (1 - tau) / (1 - tau) * (1 - m ** (2 - tau)))
    return float((m ** (2 - tau) - 1) / ((tau - 1) * n ** (tau - 1)))


@pytest.mark.parametrize("tau", TAUS)
@pytest.mark.parametrize("n", [2, 3, 10])
def test_t_tau_against_high_precision(tau, n):
    ts = [0.0, 1e-6, 1e-3, 0.05, 0.3, 0.7, 0.99, 0.999999, 1.0]
    got = losses.t_tau(np.array(ts), tau, n)
    ref = np.array([_t_mpmath(t, tau, n) for t in ts])
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("tau", [sp.Rational(0), sp.Rational(1, 2), sp.Rational(1), sp.Rational(3, 2)])
def test_t_tau_small_t_expansion_sympy(tau):
    """Leading term of T_tau: 2^(1-tau) t^2 / (2(2-tau)) for tau <= 1, t^2 / (2(2-tau) n^(tau-1)) on (1, 2)."""
    t, n = sp.symbols("t n", positive=True)
    a = 1 / (2 - tau)
    m = ((1 + t) ** a + (1 - t) ** a) / 2
    if tau == 1:
        expr = (1 + t) / 2 * sp.log(1 + t) + (1 - t) / 2 * sp.log(1 - t)
    elif tau < 1:
        expr = 2 ** (1 - tau) / (1 - tau) * (1 - m ** (2 - tau))
    else:
        expr = (m ** (2 - tau) - 1) / ((tau - 1) * n ** (tau - 1))
    series = sp.series(expr, t, 0, 7).removeO()
    c2 = sp.simplify(series.coeff(t, 2))
    expected = 2 ** (1 - tau) / (2 * (2 - tau)) if tau <= 1 else 1 / (2 * (2 - tau) * n ** (tau - 1))
    assert sp.simplify(c2 - expected) == 0
    assert series.coeff(t, 1) == 0 and series.coeff(t, 3) == 0
    # the stable numerical evaluation agrees with the 6th-order series at small t
    for nv in (2, 7):
        f = sp.lambdify(t, series.subs(n, nv))
        for tv in (1e-4, 1e-3):
            assert losses.t_tau(tv, float(tau), nv) == pytest.approx(f(tv), rel=1e-10)


def test_t_tau_endpoints():
    assert losses.t_tau(1.0, 1.0, 3) == pytest.approx(math.log(2), rel=1e-15)
    assert losses.t_tau(1.0, 0.0, 3) == pytest.approx(1.0, rel=1e-15)
    assert losses.t_tau(0.0, 0.5, 3) == 0.0
    for tau in TAUS:
        tt = np.linspace(0, 1, 101)
        assert np.all(np.diff(losses.t_tau(tt, tau, 4)) > 0)  # strictly increasing


def test_gamma_tau_closed_forms():
    eps = np.linspace(0, 1, 41)
    np.testing.assert_allclose(losses.gamma_tau(eps, 0.0, 5), np.sqrt(2 * eps - eps**2), atol=1e-15)
    for n in (2, 3, 10):
        np.testing.assert_allclose(losses.gamma_tau(eps, 2.0, n), np.minimum(n * eps, 1.0), atol=1e-15)
        np.testing.assert_allclose(losses.gamma_tau(eps, 3.0, n), np.minimum(2 * n**2 * eps, 1.0), atol=1e-15)


@pytest.mark.parametrize("tau", [0.25, 0.5, 1.0, 1.25, 1.5, 1.75])
def test_gamma_tau_against_brentq(tau):
    n = 4
    t_one = float(losses.t_tau(1.0, tau, n))
    eps = np.array([1e-9, 1e-5, 0.01, 0.3 * t_one, 0.9 * t_one, t_one, 2 * t_one])
    got = losses.gamma_tau(eps, tau, n)
    for e, g in zip(eps, got):
        if e >= t_one:
            assert g == 1.0
        else:
            ref = optimize.brentq(lambda x, e=e: float(losses.t_tau(x, tau, n)) - e, 0.0, 1.0, xtol=1e-16, rtol=1e-15)
            assert g == pytest.approx(ref, rel=1e-12)
            assert losses.t_tau(g, tau, n) >= e  # the upper end of the bracket: never below T^-1


# --------------------------------------------------------------------------- #
# calibration transform (C1a) and the tightness construction (C2)
# --------------------------------------------------------------------------- #
def test_sample_gap_distributions_have_exact_gap():
    rng = np.random.default_rng(7)
    t = np.array([0.0, 0.1, 0.5, 0.95])
    p = losses.sample_gap_distributions(t, 5, 200, rng=rng)
    assert p.shape == (4, 200, 5)
    np.testing.assert_allclose(p.sum(-1), 1.0, atol=1e-14)
    assert np.all(p >= 0)
    np.testing.assert_allclose(p.max(-1) - p[..., 1], t[:, None] * np.ones((1, 200)), atol=1e-14)
    np.testing.assert_allclose(p.max(-1), p[..., 0], atol=0)


@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0])
def test_calibration_transform_tight_for_tau_at_most_one(tau):
    t = np.array([0.2, 0.6])
    best = losses.calibration_transform_numeric(t, tau=tau, n=3, n_restarts=20, rng=np.random.default_rng(8))
    np.testing.assert_allclose(best, losses.t_tau(t, tau, 3), atol=1e-10)


def test_calibration_transform_not_tight_above_one():
    """Catalogue pitfall: n = 3, tau = 1.5, t = 0.5 gives 0.1669 (the n = 2 value) vs T = 0.1363."""
    best = losses.calibration_transform_numeric([0.5], tau=1.5, n=3, n_restarts=40, rng=np.random.default_rng(9))
    assert best[0] == pytest.approx(0.1669, abs=5e-5)
    assert best[0] > losses.t_tau(0.5, 1.5, 3) + 0.03


@pytest.mark.parametrize("tau", [0.0, 0.3, 0.8, 1.0])
def test_tightness_construction(tau):
    """Paper's construction (C2): the tie goes to the less likely class 1."""
    t = np.array([0.05, 0.3, 0.9])
    p = np.zeros((3, 4))
    p[:, 0], p[:, 1] = (1 - t) / 2, (1 + t) / 2
    h = np.tile([0.0, 0.0, -50.0, -50.0], (3, 1))
    np.testing.assert_allclose(losses.zero_one_conditional_regret(h, p), t, atol=1e-15)
    np.testing.assert_allclose(losses.conditional_regret(h, p, tau), losses.t_tau(t, tau, 4), atol=1e-12)


# --------------------------------------------------------------------------- #
# finite distributions (C1b)
# --------------------------------------------------------------------------- #
def _random_dist(rng, m, n):
    return losses.FiniteDistribution(weights=rng.dirichlet(np.ones(m)), cond=rng.dirichlet(np.ones(n) * 0.7, size=m))


def test_exact_risks_against_monte_carlo():
    rng = np.random.default_rng(10)
    dist = _random_dist(rng, 8, 3)
    scores = rng.normal(size=(8, 3))
    n_mc = 200_000
    xi = rng.choice(8, size=n_mc, p=dist.weights)
    yi = (rng.random(n_mc)[:, None] > np.cumsum(dist.cond[xi], axis=1)).sum(axis=1)
    for tau in (0.0, 1.0, 2.0):
        sample = losses.comp_sum_loss(scores[xi], yi, tau)
        se = sample.std(ddof=1) / math.sqrt(n_mc)
        assert abs(sample.mean() - losses.surrogate_risk_exact(scores, dist, tau)) < 5 * se
    wrong = (np.argmax(scores, axis=1)[xi] != yi).astype(float)
    se = wrong.std(ddof=1) / math.sqrt(n_mc)
    assert abs(wrong.mean() - losses.zero_one_risk_exact(scores, dist)) < 5 * se


def test_zero_one_risk_tie_break_lowest_index():
    dist = losses.FiniteDistribution(weights=np.array([1.0]), cond=np.array([[0.2, 0.8]]))
    assert losses.zero_one_risk_exact(np.zeros((1, 2)), dist) == pytest.approx(0.8)


def test_excess_risks_vanish_at_the_bayes_scores():
    rng = np.random.default_rng(11)
    dist = _random_dist(rng, 6, 4)
    for tau in (0.0, 0.5, 1.0, 1.5):
        a = 1 / (2 - tau)
        best = np.log(dist.cond) * a  # s_y proportional to p_y^a (C4)
        zo, sur = losses.excess_risks_exact(best, dist, tau)
        assert zo == pytest.approx(0.0, abs=1e-15) and sur == pytest.approx(0.0, abs=1e-13)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(1, 8), n=st.integers(2, 6),
       tau=st.sampled_from([0.0, 0.5, 1.0, 1.3, 1.5, 2.0, 2.5, 4.0]),
       log_scale=st.floats(-2.0, 2.0))
def test_h_consistency_bound_holds(seed, m, n, tau, log_scale):
    """Theorem 1 (complete H, M = 0): R_01 - R*_01 <= Gamma_tau(R_tau - R*_tau), for random cases."""
    rng = np.random.default_rng(seed)
    dist = losses.FiniteDistribution(weights=rng.dirichlet(np.ones(m)),
                                     cond=rng.dirichlet(np.full(n, 0.5), size=m))
    scores = 10.0**log_scale * rng.normal(size=(16, m, n))
    zo, sur = losses.excess_risks_exact(scores, dist, tau)
    assert np.all(zo <= losses.gamma_tau(sur, tau, n) + 1e-12)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 8), tau=st.floats(0.0, 4.0))
def test_pointwise_calibration_bound_holds(seed, n, tau):
    """Pointwise form: every tau-conditional regret >= T_tau(zero-one conditional regret)."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n, 0.3), size=64)
    h = rng.normal(scale=3.0, size=(64, n))
    zo = losses.zero_one_conditional_regret(h, p)
    assert np.all(losses.conditional_regret(h, p, tau) >= losses.t_tau(zo, tau, n) - 1e-12)


# --------------------------------------------------------------------------- #
# minimizability gaps (C5)
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize("tau", [0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
def test_gap_uniform_closed_form_is_an_integral(tau):
    n, lam = 4, 2.0
    ref, _ = integrate.quad(lambda u: (1 + u) ** -tau, (n - 1) * math.exp(-2 * lam), n - 1, epsabs=1e-13)
    assert losses.gap_constant_class_uniform(n, tau, score_bound=lam) == pytest.approx(ref, rel=1e-11)


def test_zero_one_gap_constant_class():
    assert losses.zero_one_gap_constant_class([0.4, 0.3, 0.2, 0.1]) == pytest.approx(0.6)


def test_fit_linear_comp_sum_learns_separable_data():
    rng = np.random.default_rng(12)
    X = rng.normal(size=(300, 2))
    y = (X[:, 0] > 0).astype(int)
    W = losses.fit_linear_comp_sum(X, y, tau=1.0, n_classes=2, n_steps=200, lr=1.0)
    acc = np.mean(np.argmax(np.hstack([X, np.ones((300, 1))]) @ W, axis=1) == y)
    assert acc > 0.97


# --------------------------------------------------------------------------- #
# bad input -> ValueError / TypeError naming the argument
# --------------------------------------------------------------------------- #
P3 = np.array([0.5, 0.3, 0.2])
H3 = np.array([0.1, 0.2, 0.3])


@pytest.mark.parametrize("call,exc,match", [
    (lambda: losses.cstar(P3, -0.5), ValueError, "tau"),
    (lambda: losses.cstar(P3, float("nan")), ValueError, "tau"),
    (lambda: losses.cstar(P3, "1"), TypeError, "tau"),
    (lambda: losses.t_tau(0.5, 1.0, 1), ValueError, "n must be >= 2"),
    (lambda: losses.t_tau(0.5, 1.0, 2.5), TypeError, "n must be an integer"),
    (lambda: losses.gamma_tau(0.1, 1.0, 0), ValueError, "n must be >= 2"),
    (lambda: losses.t_tau(1.5, 1.0, 3), ValueError, "t must lie in"),
    (lambda: losses.gamma_tau(-0.1, 1.0, 3), ValueError, "eps"),
    (lambda: losses.cstar([0.6, 0.6, -0.2], 1.0), ValueError, "p must be non-negative"),
    (lambda: losses.cstar([0.5, 0.3, 0.3], 1.0), ValueError, "p must sum to 1"),
    (lambda: losses.cstar([0.5, np.nan, 0.5], 1.0), ValueError, "p contains nan"),
    (lambda: losses.conditional_risk([0.1, np.inf, 0.0], P3, 1.0), ValueError, "scores contains inf"),
    (lambda: losses.conditional_risk(H3, [0.5, 0.5], 1.0), ValueError, "scores .* and p .* same shape"),
    (lambda: losses.comp_sum_loss(H3[None], np.array([3]), 1.0), ValueError, "y must lie in"),
    (lambda: losses.comp_sum_loss(H3[None], np.array([0, 1]), 1.0), ValueError, "y must have shape"),
    (lambda: losses.comp_sum_loss(H3[None], np.array([0.5]), 1.0), TypeError, "y must hold integers"),
    (lambda: losses.comp_sum_loss([[1.0]], np.array([0]), 1.0), ValueError, "at least 2 classes"),
    (lambda: losses.comp_sum_phi(-1.0, 1.0), ValueError, "u must be"),
    (lambda: losses.FiniteDistribution(weights=[0.5, 0.6], cond=np.tile(P3, (2, 1))), ValueError, "weights"),
    (lambda: losses.FiniteDistribution(weights=[1.0], cond=np.tile(P3, (2, 1))), ValueError, "cond must have shape"),
    (lambda: losses.surrogate_risk_exact(np.zeros((2, 4)), losses.FiniteDistribution(
        weights=[0.5, 0.5], cond=np.tile(P3, (2, 1))), 1.0), ValueError, "scores must have shape"),
    (lambda: losses.sample_gap_distributions([0.5], 3, 4, rng=0), TypeError, "rng"),
    (lambda: losses.calibration_transform_numeric([0.5], tau=-1.0, n=3, n_restarts=2,
                                                  rng=np.random.default_rng(0)), ValueError, "tau"),
    (lambda: losses.minimize_conditional_risk(P3[None], 1.0, x0=np.zeros((1, 3)), lower=1.0, upper=0.0),
     ValueError, "lower <= x0 <= upper"),
    (lambda: losses.gap_constant_class(P3, [1.0], score_bound=-1.0, n_restarts=2, rng=np.random.default_rng(0)),
     ValueError, "score_bound"),
    (lambda: losses.fit_linear_comp_sum(np.random.default_rng(0).normal(size=(50, 2)) * 30,
                                        np.zeros(50, dtype=int) + np.arange(50) % 3, tau=0.0, n_classes=3,
                                        n_steps=50, lr=1e3), ValueError, "lr"),
])
def test_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()

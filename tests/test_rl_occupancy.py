"""theorylab.rl.occupancy against independent references.

References: cvxpy (Clarabel interior point, in the test extra) on the primal convex
programmes over the occupancy polytope; soft value iteration (theorylab.rl.mdp, a
fixed-point iteration) for the conditional-KL optimum; closed forms for the divergences;
numpy's weighted covariance; the bound's equality case in a one-state MDP.
"""

import doctest

import numpy as np
import pytest

from theorylab.rl import mdp, occupancy as oc

cp = pytest.importorskip("cvxpy")


def test_doctests():
    res = doctest.testmod(oc, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def _problem(seed, S=6, A=3, gamma=0.9, full=True):
    rng = np.random.default_rng(seed)
    m = mdp.random_mdp(S, A, gamma=gamma, rng=rng)
    p = rng.random((S, A)) + 0.1
    if not full:
        p[0, 0] = 0.0                                   # the reference never takes (0, 0)
    p /= p.sum(1, keepdims=True)
    return m, p, mdp.occupancy(m, p)


def _cvx(m, rho, objective):
    A_eq, b_eq = mdp.flow_constraints(m)
    d = cp.Variable(rho.size, nonneg=True)
    cons = [A_eq @ d == b_eq] + [d[i] == 0 for i in np.flatnonzero(rho.ravel() == 0)]
    prob = cp.Problem(cp.Maximize(objective(d)), cons)
    prob.solve(solver="CLARABEL", tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return prob.value, d.value.reshape(rho.shape)


def test_divergences_closed_form():
    d, rho = np.array([0.5, 0.3, 0.2]), np.array([0.2, 0.3, 0.5])
    assert oc.chi2_divergence(d, rho) == pytest.approx(np.sum(d ** 2 / rho) - 1, abs=1e-15)
    assert oc.kl_divergence(d, rho) == pytest.approx(np.sum(d * np.log(d / rho)), abs=1e-15)
    assert oc.chi2_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == np.inf
    assert oc.kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == np.inf


def test_weighted_moments_match_numpy():
    rng = np.random.default_rng(0)
    w = rng.random(20)
    x, y = rng.normal(size=20), rng.normal(size=20)
    m = oc.weighted_moments(w, x, y)
    C = np.cov(np.stack([x, y]), aweights=w, ddof=0)
    assert m.sd_x == pytest.approx(np.sqrt(C[0, 0])) and m.corr == pytest.approx(C[0, 1] / np.sqrt(C[0, 0] * C[1, 1]))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("lam", [0.01, 0.05])
def test_chi2_squared_matches_cvxpy(seed, lam):
    m, p, rho = _problem(seed, full=seed != 2)
    opt = oc.chi2_regularized(m, m.r, rho, lam, penalty="squared")
    rr = rho.ravel()
    sup = rr > 0
    val, dc = _cvx(m, rho, lambda d: m.r.ravel() @ d - lam * cp.sum(cp.square(d[sup] - rr[sup]) / rr[sup]))
    assert opt.objective == pytest.approx(val, abs=1e-8)
    assert np.allclose(opt.d, dc, atol=1e-6)
    A_eq, b_eq = mdp.flow_constraints(m)
    assert np.max(np.abs(A_eq @ opt.d.ravel() - b_eq)) < 1e-11 and opt.d.min() >= 0


@pytest.mark.parametrize("seed", [0, 3])
@pytest.mark.parametrize("lam", [0.01, 0.05])
def test_chi2_sqrt_matches_cvxpy_and_the_squared_path(seed, lam):
    m, p, rho = _problem(seed)
    opt = oc.chi2_regularized(m, m.r, rho, lam, penalty="sqrt")
    rr = rho.ravel()
    val, dc = _cvx(m, rho, lambda d: m.r.ravel() @ d - lam * cp.norm((d - rr) / np.sqrt(rr)))
    assert opt.objective == pytest.approx(val, abs=1e-8)
    assert np.allclose(opt.d, dc, atol=1e-4)               # cvxpy's SOCP solution is the less accurate one
    sq = oc.chi2_regularized(m, m.r, rho, opt.multiplier, penalty="squared")
    assert np.allclose(sq.d, opt.d, atol=1e-10)            # same KKT point at the matched lambda'
    assert 2 * opt.multiplier * np.sqrt(opt.divergence) == pytest.approx(lam, rel=1e-9)


def test_chi2_sqrt_large_lambda_returns_the_reference():
    m, p, rho = _problem(4)
    opt = oc.chi2_regularized(m, m.r, rho, 100.0)
    assert np.array_equal(opt.d, rho) and opt.divergence == 0.0
    rr = rho.ravel()
    val, _ = _cvx(m, rho, lambda d: m.r.ravel() @ d - 100.0 * cp.norm((d - rr) / np.sqrt(rr)))
    assert opt.objective == pytest.approx(val, abs=1e-8)


@pytest.mark.parametrize("lam", [0.05, 0.5])
def test_kl_occupancy_matches_cvxpy(lam):
    m, p, rho = _problem(5)
    opt = oc.kl_regularized(m, m.r, rho, lam, kind="occupancy")
    val, dc = _cvx(m, rho, lambda d: m.r.ravel() @ d - lam * cp.sum(cp.rel_entr(d, rho.ravel())))
    assert opt.objective == pytest.approx(val, abs=1e-8)
    assert np.allclose(opt.d, dc, atol=1e-5)


@pytest.mark.parametrize("seed", [6, 7])
@pytest.mark.parametrize("lam", [0.05, 0.5])
def test_kl_conditional_equals_soft_value_iteration(seed, lam):
    m, p, rho = _problem(seed, full=seed == 6)
    opt = oc.kl_regularized(m, m.r, rho, lam, kind="conditional")
    sol = mdp.soft_value_iteration(m, temperature=lam, ref_policy=p, tol=1e-13)
    assert np.allclose(opt.pi, sol.pi, atol=1e-9)
    assert opt.objective == pytest.approx((1 - m.gamma) * m.mu0 @ sol.V, abs=1e-10)


def test_kl_conditional_matches_cvxpy():
    m, p, rho = _problem(8, S=4, A=2)
    lam = 0.2
    S, A = p.shape
    marg = np.kron(np.eye(S), np.ones((1, A)))            # d_S = marg @ d

    def obj(d):
        dS = cp.hstack([marg[s] @ d for s in range(S) for _ in range(A)])
        return m.r.ravel() @ d - lam * cp.sum(cp.rel_entr(d, cp.multiply(dS, p.ravel())))

    val, dc = _cvx(m, rho, obj)
    opt = oc.kl_regularized(m, m.r, rho, lam, kind="conditional")
    assert opt.objective == pytest.approx(val, abs=1e-7)
    assert np.allclose(opt.d, dc, atol=1e-5)


def test_proxy_bound_holds_and_is_tight_in_a_bandit():
    rng = np.random.default_rng(9)
    worst = np.inf
    for _ in range(50):
        m = mdp.random_mdp(5, 3, gamma=0.9, rng=rng)
        ref = mdp.uniform_policy(m)
        rho = mdp.occupancy(m, ref)
        R = rng.normal(size=(5, 3))
        Rp = rng.normal() * R + rng.normal(size=(5, 3))
        for _ in range(10):
            pi = rng.dirichlet(np.ones(3), size=5)
            lhs, rhs = oc.proxy_bound(mdp.occupancy(m, pi), rho, R, Rp)
            worst = min(worst, lhs - rhs)
    assert worst >= -1e-12
    # batched call agrees with single calls
    m = mdp.random_mdp(4, 2, gamma=0.8, rng=rng, size=3)
    ref = rng.dirichlet(np.ones(2), size=(3, 4))
    pis = rng.dirichlet(np.ones(2), size=(5, 3, 4))
    rho_b, d_b = mdp.occupancy(m, ref), mdp.occupancy(m, pis)
    Rb, Rpb = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    lb, rb = oc.proxy_bound(d_b, rho_b, Rb, Rpb)
    assert lb.shape == (5, 3)
    l1, r1 = oc.proxy_bound(d_b[2, 1], rho_b[1], Rb[1], Rpb[1])
    assert np.isclose(lb[2, 1], l1) and np.isclose(rb[2, 1], r1)
    # equality: one state, d/rho - 1 proportional to -Z_perp
    rho = np.full((1, 4), 0.25)
    R = np.array([[0.0, 1.0, 3.0, 2.0]])
    Rp = np.array([[1.0, 0.0, 2.0, 2.0]])
    mo = oc.weighted_moments(rho, R, Rp)
    Z = (R - mo.mean_x) / mo.sd_x
    Zp = (Rp - mo.mean_y) / mo.sd_y
    Zperp = (Z - mo.corr * Zp) / np.sqrt(1 - mo.corr ** 2)
    d = rho * (1 - 0.1 * Zperp)
    lhs, rhs = oc.proxy_bound(d, rho, R, Rp)
    assert lhs == pytest.approx(rhs, abs=1e-14)


def test_validation():
    m, p, rho = _problem(0)
    with pytest.raises(ValueError, match="flow constraints"):
        oc.chi2_regularized(m, m.r, rho * 2, 0.1)
    with pytest.raises(ValueError, match="penalty"):
        oc.chi2_regularized(m, m.r, rho, 0.1, penalty="cube")
    with pytest.raises(ValueError, match="lam"):
        oc.kl_regularized(m, m.r, rho, 0.0)
    with pytest.raises(TypeError, match="DiscountedMDP"):
        oc.chi2_regularized("m", m.r, rho, 0.1)
    with pytest.raises(ValueError, match="vary"):
        oc.weighted_moments(np.ones(3) / 3, np.ones(3), np.arange(3.0))

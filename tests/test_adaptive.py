"""Tests for theorylab.adaptive (Dwork et al., STOC 2015; Science 2015 reusable holdout)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from theorylab import adaptive as A


# --------------------------------------------------------------------------- #
# known closed-form values
# --------------------------------------------------------------------------- #
@pytest.mark.parametrize(
    "n, m, beta, expected",
    [
        # sqrt(ln(2m/beta) / (2n)), hand-evaluated: Hoeffding + union bound
        (2000, 1000, 0.05, math.sqrt(math.log(40000.0) / 4000.0)),
        (1, 1, 0.5, math.sqrt(math.log(4.0) / 2.0)),
        (100, 10, 0.01, math.sqrt(math.log(2000.0) / 200.0)),
    ],
)
def test_hoeffding_radius_known(n, m, beta, expected):
    assert A.hoeffding_radius(n, m, beta) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    "tau, m, beta",
    [(0.1, 100, 0.05), (0.04, 10_000, 0.01)],
)
def test_thresholdout_parameters_theorem9(tau, m, beta):
    # CACM 2017, Theorem 9: T = 3 tau / 4, sigma = tau / (96 ln(4m/beta))
    T, sigma = A.thresholdout_parameters(tau, m, beta)
    assert T == pytest.approx(0.75 * tau, rel=1e-15)
    assert sigma == pytest.approx(tau / (96 * math.log(4 * m / beta)), rel=1e-15)


def test_laplace_scale_basic_and_advanced_composition():
    # basic composition: eps0 = eps/m, b = 1/(n eps0) = m/(n eps)
    assert A.laplace_scale(1000, 50, epsilon=0.5) == pytest.approx(50 / (1000 * 0.5), rel=1e-15)
    # advanced: eps0 = eps / sqrt(8 m ln(1/delta))
    b = A.laplace_scale(1000, 50, epsilon=0.5, delta=1e-6)
    assert b == pytest.approx(math.sqrt(8 * 50 * math.log(1e6)) / (1000 * 0.5), rel=1e-14)


def test_gaussian_scale_formula():
    n, m, eps, delta = 500, 20, 0.5, 1e-5
    eps0 = eps / math.sqrt(8 * m * math.log(2 / delta))
    expected = math.sqrt(2 * math.log(1.25 / (delta / (2 * m)))) / (n * eps0)
    assert A.gaussian_scale(n, m, epsilon=eps, delta=delta) == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize(
    "signs, expected",
    [
        ([1, -1, 1], 0.5),                 # odd k: symmetry, no ties
        ([1, 1], 0.25),                     # P(Bin(2,1/2) > 1) = 1/4
        ([1, 0, -1, 1, 1], 5 / 16),         # k = 4: P(Bin(4,1/2) > 2) = 5/16
        ([0, 0, 1], 0.5),
    ],
)
def test_sign_vote_truth_binomial(signs, expected):
    assert float(A.sign_vote_truth(np.array(signs, float))) == pytest.approx(expected, abs=1e-15)


def test_sign_vote_truth_enumeration():
    # independent reference: enumerate {-1,1}^5 for a vote vector with one zero
    s = np.array([1.0, -1.0, 0.0, 1.0, 1.0])
    grid = np.array(np.meshgrid(*[[-1.0, 1.0]] * 5, indexing="ij")).reshape(5, -1).T
    assert float(A.sign_vote_truth(s)) == pytest.approx(np.mean(grid @ s > 0), abs=1e-15)


def test_halfspace_truth_is_half_by_enumeration():
    grid = np.array(np.meshgrid(*[[-1.0, 1.0]] * 5, indexing="ij")).reshape(5, -1).T  # all 32 points
    W = np.array([[1, -1, 1, 1, -1], [1, 1, 1, 1, 1], [-1, 1, -1, 1, 1]], float).T
    vals = A.halfspace_query_values(grid, W)
    np.testing.assert_array_equal(vals.mean(axis=0), 0.5)


# --------------------------------------------------------------------------- #
# the attack on a tiny instance, by hand
# --------------------------------------------------------------------------- #
X_TINY = np.array([[1, 1, -1], [1, -1, -1], [-1, 1, 1]], float)


def test_attack_tiny_instance_by_hand():
    # column sums (1, 1, -1) -> a = (2/3, 2/3, 1/3), votes s = (+, +, -)
    # row margins s.x = (3, 1, -1) -> E_S[phi*] = 2/3; P[phi*] = 1/2 (d = 3 odd)
    out = A.sign_vote_attack(X_TINY, rng=np.random.default_rng(0))
    np.testing.assert_allclose(out["answers"], [2 / 3, 2 / 3, 1 / 3], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(out["signs"], [1, 1, -1])
    assert out["final_empirical"] == pytest.approx(2 / 3, abs=1e-15)
    assert out["final_answer"] == pytest.approx(2 / 3, abs=1e-15)
    assert out["truth"] == pytest.approx(0.5, abs=1e-15)
    assert out["coord_max_error"] == pytest.approx(1 / 6, abs=1e-15)


def test_attack_tiny_instance_prefix_by_hand():
    # prefix margins: k=1: (1, 1, -1) -> 2/3; k=2: (2, 0, 0) -> 1/3; k=3: (3, 1, -1) -> 2/3
    # truth: k=1: 1/2, k=2: P(Bin(2,1/2) > 1) = 1/4, k=3: 1/2
    out = A.sign_vote_attack(X_TINY, rng=np.random.default_rng(0), prefix=True)
    np.testing.assert_allclose(out["final_empirical"], [2 / 3, 1 / 3, 2 / 3], atol=1e-15)
    np.testing.assert_allclose(out["truth"], [0.5, 0.25, 0.5], atol=1e-15)


def test_attack_tie_broken_to_plus_one():
    X = np.array([[1, 1], [-1, 1]], float)  # column 0 sums to 0 -> a = 1/2 -> vote +1
    out = A.sign_vote_attack(X, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out["signs"], [1, 1])
    assert out["truth"] == pytest.approx(0.25)  # two nonzero votes


def test_attack_matches_derived_formula_mc():
    # Monte-Carlo reference for Phi_N(sqrt(2d/(pi n))) at d = n = 1001 (catalogue: 0.788)
    rng = np.random.default_rng(7)
    X = A.rademacher_sample(1001, 1001, rng=rng, n_reps=4)
    out = A.sign_vote_attack(X, rng=rng)
    theory = 0.5 + float(A.sign_vote_bias_theory(1001, 1001))
    # 4 reps: SE ≈ 0.5/sqrt(4 * 1001) = 0.008, plus normal-approximation error ≲ 0.015
    assert abs(out["final_empirical"].mean() - theory) < 0.04
    np.testing.assert_array_equal(out["truth"], 0.5)


def test_attack_with_huge_noise_is_unbiased():
    rng = np.random.default_rng(8)
    X = A.rademacher_sample(401, 401, rng=rng, n_reps=8)
    out = A.sign_vote_attack(X, mechanism="gaussian", scale=100.0, rng=rng)
    # votes are independent of the data: E_S[phi*] - 1/2 has sd 0.5/sqrt(401*8) = 0.009
    assert abs(out["final_empirical"].mean() - 0.5) < 0.04


def test_attack_thresholdout_protects():
    rng = np.random.default_rng(9)
    n, d = 501, 801
    Xt = A.rademacher_sample(n, d, rng=rng, n_reps=3)
    Xh = A.rademacher_sample(n, d, rng=rng, n_reps=3)
    out = A.sign_vote_attack_thresholdout(Xt, Xh, threshold=4 / math.sqrt(n), sigma=1 / math.sqrt(n),
                                          budget=d + 1, noise="gaussian", rng=rng)
    # the training value of phi* is biased by Phi(sqrt(2d/(pi n))) - 1/2 ≈ 0.40, the holdout is not
    assert np.all(out["final_train"] - 0.5 > 0.3)
    assert np.all(np.abs(out["final_answer"] - out["truth"]) < 4 / math.sqrt(n) + 4 / math.sqrt(n))


# --------------------------------------------------------------------------- #
# noise distributions (goodness of fit, seeded)
# --------------------------------------------------------------------------- #
N_DRAWS = 20_000


def _const_values(m: int) -> np.ndarray:
    return np.full((4, m), 0.25)  # E_S[phi_j] = 0.25 for every query


def test_gaussian_noise_distribution():
    z = A.gaussian_answers(_const_values(N_DRAWS), scale=0.03, rng=np.random.default_rng(1)) - 0.25
    assert stats.kstest(z, stats.norm(scale=0.03).cdf).pvalue > 1e-3
    # sd within 5 SE (SE of a sample sd ≈ s / sqrt(2N))
    assert abs(z.std() - 0.03) < 5 * 0.03 / math.sqrt(2 * N_DRAWS)


def test_laplace_noise_distribution():
    b = 0.02
    z = A.laplace_answers(_const_values(N_DRAWS), scale=b, rng=np.random.default_rng(2)) - 0.25
    assert stats.kstest(z, stats.laplace(scale=b).cdf).pvalue > 1e-3
    # Lap(b) has sd sqrt(2) b (not b): mean |z| = b exactly
    assert abs(np.abs(z).mean() - b) < 5 * b / math.sqrt(N_DRAWS)
    assert stats.kstest(z, stats.norm(scale=math.sqrt(2) * b).cdf).pvalue < 1e-6  # not Gaussian


def test_noise_broadcasts_over_repetitions():
    v = np.full((3, 5, 7), 0.5)
    out = A.gaussian_answers(v, scale=0.0, rng=np.random.default_rng(0))
    assert out.shape == (3, 7)
    np.testing.assert_array_equal(out, 0.5)


def test_thresholdout_holdout_noise_is_laplace_sigma():
    # gap huge -> every query is over threshold; answers - holdout ~ Lap(sigma)
    sigma, m = 0.01, N_DRAWS
    st0 = A.thresholdout_init(threshold=0.0, sigma=sigma, budget=m, rng=np.random.default_rng(3))
    t, h = np.zeros(m), np.full(m, 100.0)
    ans, over, st1 = A.thresholdout_answer(t, h, st0, rng=np.random.default_rng(4))
    assert over.all() and st1.budget == 0 and st1.n_over == m
    assert stats.kstest(ans - 100.0, stats.laplace(scale=sigma).cdf).pvalue > 1e-3


def test_thresholdout_holdout_noise_gaussian_variant():
    sigma, m = 0.01, N_DRAWS
    st0 = A.thresholdout_init(threshold=0.0, sigma=sigma, budget=m, rng=np.random.default_rng(3), noise="gaussian")
    assert st0.gamma == 0.0
    ans, _, _ = A.thresholdout_answer(np.zeros(m), np.full(m, 100.0), st0, rng=np.random.default_rng(5))
    assert stats.kstest(ans - 100.0, stats.norm(scale=sigma).cdf).pvalue > 1e-3


def test_thresholdout_over_threshold_rate_matches_quadrature():
    # P(over) for one query = P(gamma + eta < g - T), gamma ~ Lap(2 sigma), eta ~ Lap(4 sigma):
    # reference by quadrature of the convolution
    sigma, T, g = 0.01, 0.04, 0.05
    ref = integrate.quad(lambda x: stats.laplace(scale=2 * sigma).pdf(x)
                         * stats.laplace(scale=4 * sigma).cdf(g - T - x), -1, 1, points=[0, g - T])[0]
    rng = np.random.default_rng(6)
    runs = 4000
    hits = 0
    for _ in range(runs):
        s0 = A.thresholdout_init(threshold=T, sigma=sigma, budget=1, rng=rng)
        _, over, _ = A.thresholdout_answer(np.array([0.0]), np.array([g]), s0, rng=rng)
        hits += int(over[0])
    se = math.sqrt(ref * (1 - ref) / runs)
    assert abs(hits / runs - ref) < 4 * se


def test_threshold_noise_redrawn_after_each_over_event():
    st0 = A.thresholdout_init(threshold=0.0, sigma=0.01, budget=10, rng=np.random.default_rng(0))
    _, _, st1 = A.thresholdout_answer(np.zeros(3), np.full(3, 5.0), st0, rng=np.random.default_rng(1))
    assert st1.gamma != st0.gamma


# --------------------------------------------------------------------------- #
# non-adaptive 1/sqrt(n) error
# --------------------------------------------------------------------------- #
def _exact_mean_abs_error(n: int, p: float) -> float:
    k = np.arange(n + 1)
    return float(np.sum(stats.binom.pmf(k, n, p) * np.abs(k / n - p)))


@pytest.mark.parametrize("n", [100, 400, 1600])
def test_empirical_error_matches_binomial(n):
    # Bernoulli(0.3) queries: E|E_S[phi] - 0.3| exactly from the binomial pmf
    rng = np.random.default_rng(n)
    reps = 2000
    vals = (rng.random((reps, n, 1)) < 0.3).astype(float)
    err = np.abs(A.empirical_answers(vals)[:, 0] - 0.3)
    ref = _exact_mean_abs_error(n, 0.3)
    assert abs(err.mean() - ref) < 4 * err.std(ddof=1) / math.sqrt(reps)


def test_empirical_error_scales_like_inverse_sqrt_n():
    ns = np.array([100, 400, 1600, 6400])
    ref = np.array([_exact_mean_abs_error(int(n), 0.3) for n in ns])
    slope = np.polyfit(np.log(ns), np.log(ref), 1)[0]
    assert slope == pytest.approx(-0.5, abs=0.01)  # lattice effects at n = 100 are < 1%
    # and the normal approximation sqrt(p(1-p)) sqrt(2/(pi n)) at the largest n
    assert ref[-1] == pytest.approx(math.sqrt(0.21 * 2 / (math.pi * 6400)), rel=0.01)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 30), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_empirical_answers_in_unit_interval(n, m, seed):
    v = np.random.default_rng(seed).random((n, m))
    a = A.empirical_answers(v)
    assert a.shape == (m,) and np.all((a >= 0) & (a <= 1))


# --------------------------------------------------------------------------- #
# Thresholdout budget accounting (sigma = 0: deterministic)
# --------------------------------------------------------------------------- #
def _det_state(budget, T=0.1):
    return A.thresholdout_init(threshold=T, sigma=0.0, budget=budget, rng=np.random.default_rng(0))


def test_budget_accounting_by_hand():
    t = np.array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5])
    h = np.array([0.55, 0.7, 0.5, 0.2, 0.9, 0.5])  # gaps .05 .2 0 .3 .4 0 ; T = 0.1
    with pytest.raises(A.BudgetExhausted) as info:
        A.thresholdout_answer(t, h, _det_state(2), rng=np.random.default_rng(1))
    exc = info.value
    # answered: q0 (train), q1 (holdout, B=1), q2 (train), q3 (holdout, B=0); q4 arrives with B=0 -> ⊥
    assert exc.n_answered == 4
    np.testing.assert_allclose(exc.answers, [0.5, 0.7, 0.5, 0.2])
    np.testing.assert_array_equal(exc.over, [False, True, False, True])
    assert exc.state.budget == 0 and exc.state.n_over == 2 and exc.state.n_answered == 4


def test_budget_stop_mode_and_continuation():
    t = np.full(4, 0.5)
    h = np.array([0.5, 0.9, 0.5, 0.5])
    # q0 under (train), q1 over (holdout, B -> 0), q2 arrives with B = 0 -> ⊥ although under threshold
    ans, over, s1 = A.thresholdout_answer(t, h, _det_state(1), rng=np.random.default_rng(1), on_exhausted="stop")
    np.testing.assert_allclose(ans, [0.5, 0.9])
    np.testing.assert_array_equal(over, [False, True])
    assert s1.budget == 0 and s1.n_answered == 2 and s1.n_over == 1
    with pytest.raises(A.BudgetExhausted):
        A.thresholdout_answer(np.array([0.5]), np.array([0.5]), s1, rng=np.random.default_rng(1))
    ans2, _, s2 = A.thresholdout_answer(np.array([0.5]), np.array([0.5]), s1,
                                        rng=np.random.default_rng(1), on_exhausted="stop")
    assert ans2.size == 0 and s2.n_answered == 2


def test_zero_budget_refuses_first_query():
    with pytest.raises(A.BudgetExhausted, match="budget exhausted"):
        A.thresholdout_answer(np.array([0.5]), np.array([0.5]), _det_state(0), rng=np.random.default_rng(0))


def test_class_wrapper_budget_and_state():
    tho = A.Thresholdout(threshold=0.1, sigma=0.0, budget=1, rng=np.random.default_rng(0))
    assert float(tho.answer(0.5, 0.55)) == 0.5
    assert float(tho.answer(0.5, 0.95)) == 0.95
    assert tho.budget == 0
    with pytest.raises(A.BudgetExhausted):
        tho.answer(0.5, 0.5)
    assert tho.state.n_answered == 2


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=40),
       st.floats(0, 0.5), st.integers(0, 10))
def test_budget_property(pairs, T, B):
    t = np.array([p[0] for p in pairs])
    h = np.array([p[1] for p in pairs])
    ans, over, s = A.thresholdout_answer(t, h, _det_state(B, T), rng=np.random.default_rng(0),
                                         on_exhausted="stop")
    k = ans.size
    np.testing.assert_array_equal(over, np.abs(h - t)[:k] > T)      # sigma = 0: exact rule
    np.testing.assert_array_equal(ans, np.where(over, h[:k], t[:k]))
    assert s.n_over == over.sum() <= B and s.budget == B - s.n_over
    if k < t.size:  # stopped: budget spent, and the last answered query was over threshold
        assert s.budget == 0 and (B == 0 and k == 0 or over[-1])


def test_batch_equals_one_at_a_time_without_noise():
    rng = np.random.default_rng(11)
    t, h = rng.random(30), rng.random(30)
    ans, _, _ = A.thresholdout_answer(t, h, _det_state(100, 0.3), rng=rng)
    tho = A.Thresholdout(threshold=0.3, sigma=0.0, budget=100, rng=rng)
    one = np.array([tho.answer(a, b) for a, b in zip(t, h)])
    np.testing.assert_array_equal(ans, one)


# --------------------------------------------------------------------------- #
# the reusable-holdout experiment
# --------------------------------------------------------------------------- #
def test_reusable_holdout_experiment_shapes_and_chance():
    out = A.reusable_holdout_experiment(400, 300, [5, 10, 20], rng=np.random.default_rng(0),
                                        thresholdouts={"tho": {"noise": "gaussian"}, "lap": {}})
    for key in ("train", "holdout", "fresh", "tho_train", "tho_holdout", "tho_fresh", "lap_holdout"):
        assert out[key].shape == (3,)
    # no signal: fresh accuracy is Binomial(400, 1/2)/400, sd 0.025
    assert np.all(np.abs(out["fresh"] - 0.5) < 0.1)
    assert out["tho_n_over"] + out["tho_budget_left"] == 300 + 3


def test_reusable_holdout_zero_budget_gives_bottom_as_nan():
    out = A.reusable_holdout_experiment(200, 50, [5], rng=np.random.default_rng(0),
                                        thresholdouts={"b0": {"budget": 0}})
    assert np.isnan(out["b0_holdout"]).all() and out["b0_n_selected"] == 0


# --------------------------------------------------------------------------- #
# bad inputs
# --------------------------------------------------------------------------- #
RNG = np.random.default_rng(0)


@pytest.mark.parametrize(
    "values, match",
    [
        (np.array([[0.5, 1.2]]), r"\[0, 1\]"),
        (np.array([[0.5, -0.1]]), r"\[0, 1\]"),
        (np.array([[0.5, np.nan]]), "values contains nan"),
        (np.array([[0.5, np.inf]]), "values contains inf"),
        (np.zeros((0, 3)), "n_samples >= 1"),
        (np.zeros(3), "shape"),
        (np.zeros((3, 0)), "at least one query"),
    ],
)
def test_bad_query_values(values, match):
    with pytest.raises(ValueError, match=match):
        A.empirical_answers(values)


def test_bad_query_values_type():
    with pytest.raises(TypeError, match="values"):
        A.empirical_answers([["a", "b"]])


def test_query_values_callable_checks():
    X = np.ones((4, 2))
    np.testing.assert_array_equal(A.query_values(lambda Z: (Z[:, 0] + 1) / 2, X), np.ones((4, 1)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        A.query_values(lambda Z: Z.sum(axis=1), X)
    with pytest.raises(ValueError, match="contains nan"):
        A.query_values(lambda Z: np.full(Z.shape[0], np.nan), X)
    with pytest.raises(ValueError, match="n_samples >= 1"):
        A.query_values(lambda Z: Z[:, 0], np.ones((0, 2)))
    with pytest.raises(TypeError, match="callable"):
        A.query_values(3, X)


@pytest.mark.parametrize("fn", [A.gaussian_answers, A.laplace_answers])
def test_negative_or_bad_noise_scale(fn):
    v = np.full((3, 2), 0.5)
    with pytest.raises(ValueError, match="scale"):
        fn(v, scale=-0.1, rng=RNG)
    with pytest.raises(ValueError, match="scale"):
        fn(v, scale=np.nan, rng=RNG)
    with pytest.raises(TypeError, match="rng"):
        fn(v, scale=0.1, rng=0)


def test_bad_parameters():
    with pytest.raises(ValueError, match="n_samples"):
        A.hoeffding_radius(0, 10, 0.05)
    with pytest.raises(ValueError, match="beta"):
        A.hoeffding_radius(10, 10, 1.5)
    with pytest.raises(TypeError, match="n_queries"):
        A.laplace_scale(10, 2.5, epsilon=0.1)
    with pytest.raises(ValueError, match="epsilon"):
        A.laplace_scale(10, 2, epsilon=0.0)
    with pytest.raises(ValueError, match="sigma"):
        A.thresholdout_init(threshold=0.1, sigma=-1.0, budget=3, rng=RNG)
    with pytest.raises(ValueError, match="budget"):
        A.thresholdout_init(threshold=0.1, sigma=0.1, budget=-1, rng=RNG)
    with pytest.raises(ValueError, match="noise"):
        A.thresholdout_init(threshold=0.1, sigma=0.1, budget=3, rng=RNG, noise="cauchy")
    with pytest.raises(ValueError, match="threshold"):
        A.thresholdout_init(threshold=-0.1, sigma=0.1, budget=3, rng=RNG)
    s0 = _det_state(3)
    with pytest.raises(ValueError, match="equal length"):
        A.thresholdout_answer(np.zeros(3), np.zeros(2), s0, rng=RNG)
    with pytest.raises(ValueError, match="contains nan"):
        A.thresholdout_answer(np.array([np.nan]), np.zeros(1), s0, rng=RNG)
    with pytest.raises(TypeError, match="state"):
        A.thresholdout_answer(np.zeros(1), np.zeros(1), {"budget": 3}, rng=RNG)
    with pytest.raises(ValueError, match="entries"):
        A.sign_vote_attack(np.full((3, 3), 0.5), rng=RNG)
    with pytest.raises(ValueError, match="mechanism"):
        A.sign_vote_attack(X_TINY, mechanism="median", rng=RNG)
    with pytest.raises(ValueError, match="scale"):
        A.sign_vote_attack(X_TINY, mechanism="gaussian", scale=-1.0, rng=RNG)
    with pytest.raises(ValueError, match="n_samples"):
        A.rademacher_sample(0, 3, rng=RNG)
    with pytest.raises(ValueError, match="ks"):
        A.reusable_holdout_experiment(100, 10, [20], rng=RNG)
    with pytest.raises(ValueError, match="thresholdouts"):
        A.reusable_holdout_experiment(100, 10, [2], rng=RNG, thresholdouts={"a": {"tau": 1}})


# --------------------------------------------------------------------------- #
# the sign-vote bias away from scale 0, against its exact law
# --------------------------------------------------------------------------- #
def _exact_bias(n: int, d: int, s: float) -> float:
    """Exact E[E_S phi*] - 1/2 of the Gaussian-noise attack (s > 0, so no ties).

    Derivation: flipping coordinates leaves the law unchanged, so condition on row 1 being
    all +1; then the votes s_i are i.i.d. with P(s_i = +1) = q = E_B Phi((1 + B)/(2 n s)),
    B a sum of n - 1 Rademachers, and row 1 is counted iff Bin(d, q) > d/2; every row has
    the same law, so E[E_S phi*] = P(Bin(d, q) > d/2)."""
    from scipy import stats as st

    k = np.arange(n)
    B = 2 * k - (n - 1)
    q = float(np.sum(st.binom.pmf(k, n - 1, 0.5) * st.norm.cdf((1 + B) / (2 * n * s))))
    return float(st.binom.sf(np.floor(d / 2), d, q)) - 0.5


@pytest.mark.parametrize("c", [0.5, 1.0])
def test_sign_vote_bias_theory_matches_the_exact_law_with_noise(c):
    errs = []
    for n in (401, 4001):
        s = c / math.sqrt(n)  # 4 n s^2 = 4 c^2: the noise term matters
        exact = _exact_bias(n, n, s)
        theory = float(A.sign_vote_bias_theory(n, n, s))
        # the normal approximation errs at O(1/n) (measured 0.08/n): tolerance 1/n
        assert abs(theory - exact) < 1.0 / n
        errs.append(abs(theory - exact))
        # negative control: the noise factor 1 + k n s^2 with k = 0, 1, 2 (not 4) misses by > 0.02
        for k in (0.0, 1.0, 2.0):
            wrong = 0.5 * math.erfc(-math.sqrt(2 * n / (math.pi * n * (1 + k * n * s * s))) / math.sqrt(2)) - 0.5
            assert abs(wrong - exact) > 0.02
    assert errs[1] < errs[0] / 5  # and the error shrinks like 1/n


def test_sign_vote_attack_with_gaussian_noise_matches_the_exact_expectation():
    n = d = 201
    s = 0.5 / math.sqrt(n)
    R = 300
    rng = np.random.default_rng(11)
    X = A.rademacher_sample(n, d, rng=rng, n_reps=R)
    out = A.sign_vote_attack(X, mechanism="gaussian", scale=s, rng=rng)
    m = out["final_empirical"].mean()
    se = out["final_empirical"].std(ddof=1) / math.sqrt(R)
    exact = 0.5 + _exact_bias(n, d, s)
    assert abs(m - exact) < 4 * se  # Monte-Carlo over R independent data sets
    # power: the scale-0 law (no noise in the votes) is rejected by the same criterion
    assert abs(m - (0.5 + float(A.sign_vote_bias_theory(n, d, 0.0)))) > 4 * se

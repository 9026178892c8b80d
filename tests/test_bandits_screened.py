"""The screened Beta-Bernoulli Thompson sampler (theorylab.bandits._screened, issue 24).

Independent references: scipy's ``betainc`` for the tail bound, a quadrature of
``int f_a prod_{b != a} F_b`` (scipy.stats.beta, scipy.integrate.quad) for one round's action
probabilities, and the plain all-arms sampler for the regret distribution. The numba engine is
checked bit for bit against the numpy engine.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.special import betainc

from theorylab import bandits as B
from theorylab.bandits import _screened as SC

PINNED = np.array([0.9, 0.8] + [0.5] * 8)

try:
    from theorylab.bandits import _screened_jit as JIT
except ImportError:  # the optional extra "fast" is not installed
    JIT = None
needs_numba = pytest.mark.skipif(JIT is None, reason="numba (extra 'fast') not installed")


# --------------------------------------------------------------------------- #
# the tail bound
# --------------------------------------------------------------------------- #
def test_head_bound_is_an_upper_bound_and_tight_in_the_tails():
    a = np.unique(np.round(np.geomspace(1, 5000, 25)))
    A, Bb, X = np.meshgrid(a, a, np.linspace(0.0, 1.0, 41), indexing="ij")
    A, Bb, X = A.ravel(), Bb.ravel(), X.ravel()
    bound = SC.head_bound(A, Bb, X)
    exact = betainc(A, Bb, X)
    # scipy's betainc loses accuracy far in the tail (e.g. 1.714e-262 at a = 848, b = 35,
    # x = 0.425 where mpmath gives 1.29278e-262): compare above 1e-250, mpmath below
    ok = exact > 1e-250
    assert np.all(bound[ok] >= exact[ok] * (1 - 1e-13)), "not an upper bound"
    import mpmath

    far = np.flatnonzero(~ok & (exact > 0))[::7][:12]
    assert far.size > 5
    with mpmath.workdps(40):
        for i in far:
            ref = float(mpmath.betainc(A[i], Bb[i], 0, X[i], regularized=True))
            assert bound[i] >= ref * (1 - 1e-12), (A[i], Bb[i], X[i], bound[i], ref)
    assert np.all(bound <= 1.0) and np.all(bound[X == 0.0] == 0.0) and np.all(bound[X == 1.0] == 1.0)
    # where the geometric bound is used it is at most 1 / (1 - rho) times the exact value
    inside = (X > 0) & (X < 1)
    rho = np.full(X.shape, np.inf)
    rho[inside] = (Bb[inside] - 1) * X[inside] / ((A[inside] + 1) * (1 - X[inside]))
    geo = (rho < SC.RHO_MAX) & (exact > 1e-290) & (bound < 1.0)
    assert geo.sum() > 1000
    ratio = bound[geo] / exact[geo]
    assert np.all(ratio <= (1 + 1e-6) / (1 - rho[geo])), ratio.max()
    # and it is tight where it matters (tails at a few sd): median ratio below 1.5
    tailish = geo & (exact < 1e-3) & (exact > 1e-12)
    assert np.median(ratio[tailish[geo]]) < 1.5


def test_tail_bound_and_tail_inverse_agree_with_scipy_stats():
    a, b, x = 37.0, 12.0, np.array([0.6, 0.75, 0.8, 0.9])  # sf not close to 1 (inversion conditioning)
    sf = stats.beta(a, b).sf(x)
    np.testing.assert_allclose(SC.tail(a, b, x), sf, rtol=1e-12)
    assert np.all(SC.tail_bound(a, b, x) >= sf * (1 - 1e-13))
    np.testing.assert_allclose(SC.tail_inv(a, b, sf), x, rtol=1e-10)


# --------------------------------------------------------------------------- #
# one round against a quadrature
# --------------------------------------------------------------------------- #
def _exact_probs(N, S):
    d = [stats.beta(s + 1, n - s + 1) for n, s in zip(N, S)]
    out = []
    for a in range(len(N)):
        f = lambda x, a=a: d[a].pdf(x) * np.prod([d[b].cdf(x) for b in range(len(N)) if b != a])
        out.append(integrate.quad(f, 0, 1, epsabs=1e-13, limit=200)[0])
    return np.array(out)


def _state(N, S, R, *, q=None, p_factor=1.0, c_factor=1.0):
    """A sampler whose R rows all hold the counts N, S; optionally the threshold q and bounds
    set by hand (p_factor, c_factor >= 1 keep them valid bounds; < 1 breaks them)."""
    Nm = np.tile(np.asarray(N, float), (R, 1))
    Sm = np.tile(np.asarray(S, float), (R, 1))
    ts = SC.ScreenedBetaTS(Nm, Sm)
    if q is not None:
        rows = np.arange(R)
        ts.q[:] = q
        a, b = Sm + 1, Nm - Sm + 1
        p = np.minimum(SC.tail(a, b, q) * p_factor, 1.0)
        p[rows, ts.L] = 0.0
        ts.p[:] = p
        L = ts.L[0]
        ts.cbar[:] = min(betainc(a[0, L], b[0, L], q) * c_factor, 1.0)
        ts._summary(rows)
    ts.busy[:] = False  # the eventful path is exact for any valid bounds, busy or not
    return ts, Nm, Sm


STATES = {
    # natural bounds, a clear leader
    "natural": dict(N=[60, 30, 10, 5], S=[45, 18, 4, 1]),
    # exact event probabilities, the leader often below q (q at its mean - 1 sd)
    "exact, low leader": dict(N=[40, 25, 12, 6], S=[30, 17, 6, 2], q=0.68),
    # loose bounds (x1.4 and x1.3): the mixture components are exercised
    "loose bounds": dict(N=[40, 25, 12, 6], S=[30, 17, 6, 2], q=0.68, p_factor=1.4, c_factor=1.3),
    # two close arms, many rows with two or more winners
    "close arms": dict(N=[30, 28, 27, 3], S=[21, 20, 19, 2], q=0.6, p_factor=1.2, c_factor=1.1),
}


@pytest.mark.parametrize("name", list(STATES))
def test_one_round_action_probabilities_match_quadrature(name):
    cfg = dict(STATES[name])
    N, S = cfg.pop("N"), cfg.pop("S")
    R = 200_000
    ts, _, _ = _state(N, S, R, **cfg)
    arms = ts.choose(np.random.default_rng(11))
    freq = np.bincount(arms, minlength=len(N)) / R
    p = _exact_probs(N, S)
    assert abs(p.sum() - 1) < 1e-9
    se = np.sqrt(p * (1 - p) / R)
    z = np.abs(freq - p) / se
    assert np.all(z < 4.5), (name, freq, p, z)


def test_one_round_negative_control_invalid_bounds_detected():
    """Power: the same check on a deliberately wrong variant (event probabilities at half the
    true tail, so arms above q are missed) must fail."""
    N, S = [40, 25, 12, 6], [30, 17, 6, 2]
    R = 200_000
    ts, _, _ = _state(N, S, R, q=0.68, p_factor=0.5, c_factor=1.0)
    arms = ts.choose(np.random.default_rng(11))
    freq = np.bincount(arms, minlength=4) / R
    p = _exact_probs(N, S)
    z = np.abs(freq - p) / np.sqrt(p * (1 - p) / R)
    assert z.max() > 10, z


# --------------------------------------------------------------------------- #
# whole runs
# --------------------------------------------------------------------------- #
def test_regret_distribution_matches_the_all_arms_sampler():
    env = B.KArmedBandit(PINNED)
    T, R = 2000, 1000
    a = B.run_mab(env, "thompson", T=T, n_reps=R, rng=np.random.default_rng(1)).final
    b = B.run_mab(env, "thompson", T=T, n_reps=R, rng=np.random.default_rng(2), sampler="all-arms").final
    se = math.sqrt(a.var(ddof=1) / R + b.var(ddof=1) / R)
    assert abs(a.mean() - b.mean()) < 4 * se, (a.mean(), b.mean(), se)
    assert stats.ks_2samp(a, b).pvalue > 1e-3
    np.testing.assert_allclose(np.quantile(a, [0.1, 0.5, 0.9]), np.quantile(b, [0.1, 0.5, 0.9]), rtol=0.15)


def test_screened_run_is_reproducible_and_counts_add_up():
    env = B.KArmedBandit([0.3, 0.5, 0.55])
    r1 = B.run_mab(env, "thompson", T=500, n_reps=50, rng=np.random.default_rng(4), engine="numpy")
    r2 = B.run_mab(env, "thompson", T=500, n_reps=50, rng=np.random.default_rng(4), engine="numpy")
    assert np.array_equal(r1.regret, r2.regret) and np.array_equal(r1.pulls, r2.pulls)
    assert np.all(r1.pulls.sum(axis=1) == 500)
    np.testing.assert_allclose(r1.regret[:, -1], r1.pulls @ env.gaps, rtol=1e-13)


@needs_numba
@pytest.mark.parametrize("means, T, R", [(PINNED, 3000, 200), ([0.5, 0.52, 0.48], 2000, 100), ([0.2, 0.25], 500, 300)])
def test_numba_engine_equals_numpy_engine_bit_for_bit(means, T, R):
    env = B.KArmedBandit(np.asarray(means, float))
    cps = np.array([1, 7, 100, T])
    a = B.run_mab(env, "thompson", T=T, n_reps=R, rng=np.random.default_rng(9), engine="numpy", checkpoints=cps)
    b = B.run_mab(env, "thompson", T=T, n_reps=R, rng=np.random.default_rng(9), engine="numba", checkpoints=cps)
    assert np.array_equal(a.regret, b.regret)
    assert np.array_equal(a.pulls, b.pulls)


@needs_numba
@pytest.mark.parametrize("given", [False, True])
def test_numba_ucb1_equals_numpy_ucb1_bit_for_bit(given):
    env = B.KArmedBandit(PINNED)
    T, R = 3000, 64
    cps = np.array([3, 10, 11, 700, T])

    def rng():
        return list(np.random.default_rng(2).spawn(R)) if given else np.random.default_rng(2)

    a = B.run_mab(env, "ucb1", T=T, n_reps=R, rng=rng(), engine="numpy", checkpoints=cps)
    b = B.run_mab(env, "ucb1", T=T, n_reps=R, rng=rng(), engine="numba", checkpoints=cps)
    assert np.array_equal(a.regret, b.regret) and np.array_equal(a.pulls, b.pulls)


@needs_numba
@pytest.mark.parametrize("name", list(STATES))
def test_numba_engine_equals_numpy_engine_on_the_rare_paths(name):
    """One round from hand-made states (leader below q, loose bounds, several winners): the
    compiled round must pull the same arms and leave the same state as the numpy round."""
    cfg = dict(STATES[name])
    N, S = cfg.pop("N"), cfg.pop("S")
    R = 20_000
    ts1, N1, S1 = _state(N, S, R, **cfg)
    ts2, N2, S2 = _state(N, S, R, **cfg)
    Ut = np.random.default_rng(3).random((R, 1))
    means = np.array([0.7, 0.6, 0.5, 0.4])
    arms = ts1.choose(np.random.default_rng(5))
    x = (Ut[:, 0] < means[arms]).astype(float)
    N1[np.arange(R), arms] += 1.0
    S1[np.arange(R), arms] += x
    ts1.update(arms)
    JIT.run_chunk(Ut, 0, 1, means, N2, S2, ts2.L, ts2.q, ts2.p, ts2.cbar, ts2.fmax, ts2.P0, ts2.busy,
                  np.random.default_rng(5))
    assert np.array_equal(N1, N2) and np.array_equal(S1, S2)
    for f in ("L", "q", "p", "cbar", "fmax", "P0", "busy"):
        assert np.array_equal(getattr(ts1, f), getattr(ts2, f)), f


def test_engine_choice_and_missing_numba(monkeypatch):
    env = B.KArmedBandit([0.3, 0.6])
    with pytest.raises(ValueError, match="engine must be one of"):
        B.run_mab(env, "thompson", T=10, n_reps=2, rng=np.random.default_rng(0), engine="jax")
    with pytest.raises(ValueError, match="sampler must be one of"):
        B.run_mab(env, "thompson", T=10, n_reps=2, rng=np.random.default_rng(0), sampler="some")
    import theorylab.bandits as pkg

    monkeypatch.setitem(sys.modules, "theorylab.bandits._screened_jit", None)  # import fails
    monkeypatch.delattr(pkg, "_screened_jit", raising=False)
    with pytest.raises(ImportError, match=r"pip install 'theorylab\[fast\]'"):
        B.run_mab(env, "thompson", T=10, n_reps=2, rng=np.random.default_rng(0), engine="numba")
    a = B.run_mab(env, "thompson", T=50, n_reps=3, rng=np.random.default_rng(0), engine="auto")
    b = B.run_mab(env, "thompson", T=50, n_reps=3, rng=np.random.default_rng(0), engine="numpy")
    assert np.array_equal(a.regret, b.regret)

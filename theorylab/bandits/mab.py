"""K-armed stochastic bandits, vectorised over independent repetitions.

Environments: Bernoulli and Gaussian arms (:class:`KArmedBandit`). Policies: UCB1
(Auer, Cesa-Bianchi & Fischer 2002), Thompson sampling (Beta-Bernoulli or Gaussian
posterior; Agrawal & Goyal 2012) and epsilon-greedy. :func:`run_mab` plays ``R``
repetitions at once: the state is a ``(R, K)`` array and one round is a handful of
array operations over ``R`` -- the only Python loop is over the ``T`` rounds.

Regret is the pseudo-regret ``Reg(t) = sum_a Delta_a N_a(t)`` with
``Delta_a = max_b mu_b - mu_a`` and ``N_a(t)`` the number of pulls of arm ``a`` in
the first ``t`` rounds; it is recorded at checkpoint times.

Used by the notebooks ``bandits-rl/neural-cb-online-regression`` (baselines) and
the benchmark ``benchmarks/bench_bandits.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtri

from .. import _validate as V
from ._screened import ScreenedBetaTS
from ._common import MAX_REPS, MAX_T, as_streams, check_checkpoints, check_int, draw_block, pseudo_regret

__all__ = ["KArmedBandit", "RegretRun", "run_mab", "POLICIES"]

POLICIES = ("ucb1", "thompson", "egreedy")
SAMPLERS = ("screened", "all-arms")
ENGINES = ("auto", "numpy", "numba")

_BLOCK = 512  # rounds of randomness drawn per block


@dataclass(frozen=True)
class KArmedBandit:
    """A stochastic K-armed bandit.

    Parameters
    ----------
    means : (K,) arm means; in [0, 1] for ``kind="bernoulli"``.
    kind : ``"bernoulli"`` (rewards in {0, 1}) or ``"gaussian"`` (``N(mu_a, sigma^2)``).
    sigma : noise standard deviation of Gaussian arms (> 0).

    Examples
    --------
    >>> env = KArmedBandit([0.2, 0.6, 0.5])
    >>> env.K, env.gaps.round(2).tolist()
    (3, [0.4, 0.0, 0.1])
    """

    means: np.ndarray
    kind: str = "bernoulli"
    sigma: float = 1.0

    def __post_init__(self) -> None:
        m = V.array("means", self.means, ndim=1, nonempty=True)
        V.elements("means (number of arms)", m.size, limit=10**6)
        V.choice("kind", self.kind, ("bernoulli", "gaussian"))
        if self.kind == "bernoulli" and (np.any(m < 0) or np.any(m > 1)):
            raise ValueError("means must be probabilities in [0, 1] for Bernoulli arms")
        object.__setattr__(self, "sigma", V.positive("sigma", self.sigma))
        object.__setattr__(self, "means", m)

    @property
    def K(self) -> int:
        return int(self.means.size)

    @property
    def gaps(self) -> np.ndarray:
        """``Delta_a = max_b mu_b - mu_a``, shape ``(K,)``."""
        return self.means.max() - self.means

    def rewards(self, arms: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Rewards of ``arms`` (integers in ``[0, K)``, any shape) from uniforms ``u`` in
        ``[0, 1]`` (same shape): ``1{u < mu_a}`` (Bernoulli) or
        ``mu_a + sigma * Phi^{-1}(u)`` (Gaussian)."""
        a = V.int_array("arms", arms, low=0, high=self.K - 1)
        uu = V.array("u", u, low=0.0, high=1.0)
        if uu.shape != a.shape:
            raise ValueError(f"arms {a.shape} and u {uu.shape} must have the same shape")
        out = self._rewards(a, uu)
        if not np.all(np.isfinite(out)):
            raise ValueError("u must lie in (0, 1) for Gaussian arms (Phi^{-1}(0 or 1) is infinite)")
        return out

    def _rewards(self, arms: np.ndarray, u: np.ndarray) -> np.ndarray:
        """:meth:`rewards` on validated inputs (the simulator's hot path)."""
        mu = self.means[arms]
        if self.kind == "bernoulli":
            return (u < mu).astype(float)
        return mu + self.sigma * ndtri(u)


@dataclass
class RegretRun:
    """Result of a vectorised run.

    Attributes
    ----------
    t : (m,) checkpoint times.
    regret : (R, m) cumulative pseudo-regret of each repetition at each checkpoint.
    pulls : (R, K) final pull counts (MAB) -- or ``None``.
    extra : further per-repetition curves (e.g. an oracle's square-loss regret).
    """

    t: np.ndarray
    regret: np.ndarray
    pulls: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def final(self) -> np.ndarray:
        """(R,) regret at the last checkpoint."""
        return self.regret[:, -1]

    def band(self, level: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean curve and a normal confidence band ``mean +- z * se`` over repetitions,
        ``level`` in (0, 1); with one repetition the band has zero width."""
        from scipy.stats import norm

        level = V.probability("level", level, low_open=True, high_open=True)
        R = self.regret.shape[0]
        mean = self.regret.mean(axis=0)
        se = self.regret.std(axis=0, ddof=1) / np.sqrt(R) if R > 1 else np.zeros_like(mean)
        z = norm.ppf(0.5 + level / 2)
        return mean, mean - z * se, mean + z * se


def run_mab(
    env: KArmedBandit,
    policy: str,
    *,
    T: int,
    n_reps: int,
    rng,
    checkpoints=None,
    alpha: float = 2.0,
    epsilon: float = 0.1,
    sampler: str = "screened",
    engine: str = "auto",
) -> RegretRun:
    r"""Play ``n_reps`` independent repetitions of ``policy`` on ``env`` for ``T`` rounds.

    Policies
    --------
    ``"ucb1"``
        Pull each arm once, then :math:`a_t = \arg\max_a \hat\mu_a + \sqrt{\alpha \ln t / N_a}`
        (Auer et al. 2002, UCB1 with :math:`\alpha = 2`; for Gaussian arms the bonus is
        multiplied by ``sigma``).
    ``"thompson"``
        Bernoulli arms: sample :math:`\tilde\mu_a \sim \mathrm{Beta}(S_a + 1, F_a + 1)`;
        Gaussian arms: :math:`\tilde\mu_a \sim N(\sum x / (N_a + 1), \sigma^2 / (N_a + 1))`;
        pull :math:`\arg\max_a \tilde\mu_a`.
    ``"egreedy"``
        With probability ``epsilon`` a uniformly random arm, else the empirical best
        (unpulled arms first).

    Ties are broken towards the lowest arm index.

    Parameters
    ----------
    env : the bandit.
    T : horizon (>= 1).
    n_reps : number ``R`` of independent repetitions (>= 1).
    rng : a Generator (``R`` child streams are spawned) or a sequence of ``R``
        Generators (repetition ``r`` then uses only ``rng[r]`` for its rewards and
        exploration, so a vectorised run equals ``R`` single runs with the same
        Generators). Thompson sampling's posterior draws come from the parent
        Generator in the first mode (see ``sampler``) and from ``rng[r]`` in the
        second, a reference mode with a loop over ``R`` that draws every arm.
    checkpoints : increasing times in ``[1, T]`` at which the regret is recorded.
    sampler : Beta-Bernoulli Thompson sampling with one parent Generator only.
        ``"screened"`` (default) computes the argmax of the posterior draws with exactly
        the Thompson-sampling law while drawing a Beta variate only when an arm other
        than the leader could win (:mod:`theorylab.bandits._screened`; on 10 arms about
        0.4 Beta draws per pull instead of 10); ``"all-arms"`` draws every arm every
        round. The two have the same law of the pulled arms but different draws (a
        different run for one seed).
    engine : ``"auto"`` (default), ``"numpy"`` or ``"numba"``: who runs the screened
        sampler and UCB1 on Bernoulli arms. ``"numba"`` needs the optional extra
        ``fast`` (``pip install 'theorylab[fast]'``) and gives the same run as
        ``"numpy"`` bit for bit, about 10x faster for Thompson sampling and 2-3x for UCB1
        (its first call in a process compiles, a few seconds); ``"auto"`` takes numba
        when it is installed. Ignored by the other policies.

    Determinism: with a sequence of Generators, repetition ``r`` of a vectorised run
    equals a single run with ``rng[r]`` *exactly* (bit for bit, on any BLAS), by
    construction: every quantity of repetition ``r`` is computed from row ``r`` only,
    elementwise, and the pseudo-regret is summed arm by arm in a fixed order
    (``_common.pseudo_regret``) rather than by a matrix product whose rounding depends
    on the number of rows. ``tests/test_bandits.py`` checks exact equality.

    Returns
    -------
    RegretRun with ``regret`` of shape ``(R, m)`` and ``pulls`` ``(R, K)``.

    Examples
    --------
    >>> env = KArmedBandit([0.2, 0.6, 0.5])
    >>> run = run_mab(env, "ucb1", T=100, n_reps=4, rng=np.random.default_rng(0))
    >>> run.regret.shape, run.pulls.sum(axis=1).tolist()
    ((4, 29), [100, 100, 100, 100])
    """
    V.instance("env", env, KArmedBandit, hint="build one with KArmedBandit(means)")
    V.choice("policy", policy, POLICIES)
    T = check_int("T", T, high=MAX_T)
    R = check_int("n_reps", n_reps, high=MAX_REPS)
    V.elements("n_reps * K", (R, env.K))
    V.elements("T", T)
    alpha = V.real("alpha", alpha, low=0.0)
    epsilon = V.probability("epsilon", epsilon)
    V.choice("sampler", sampler, SAMPLERS)
    V.choice("engine", engine, ENGINES)
    streams, given = as_streams(rng, R)
    cps = check_checkpoints(checkpoints, T)
    K = env.K
    gaps = env.gaps
    scale = env.sigma if env.kind == "gaussian" else 1.0
    cols = 3 if policy == "egreedy" else 1
    if policy == "thompson" and env.kind == "bernoulli" and not given and sampler == "screened":
        return _run_screened(env, T, R, rng, streams, cps, engine)
    if policy == "ucb1" and env.kind == "bernoulli":
        jit = _jit_engine(engine)
        if jit is not None:
            return _run_ucb1_jit(jit, env, T, R, streams, cps, alpha)

    N = np.zeros((R, K))
    mean = np.zeros((R, K))  # empirical means
    Nf, Mf = N.reshape(-1), mean.reshape(-1)
    base = np.arange(R) * K
    S = np.zeros((R, K))  # reward sums (Bernoulli: successes); means are exactly S / N
    Sf = S.reshape(-1)
    regret = np.empty((R, cps.size))
    ci = 0
    invsq = np.zeros((R, K)) if policy == "ucb1" else None
    invsq_f = invsq.reshape(-1) if invsq is not None else None
    inv_table, bonus_table = _ucb1_tables(T, scale, alpha) if policy == "ucb1" else (None, None)

    t = 0
    while t < T:
        n = min(_BLOCK, T - t)
        U = draw_block(streams, n, cols)  # (n, R, cols)
        for s in range(n):
            t += 1
            if policy == "ucb1":
                if t <= K:
                    a = np.full(R, t - 1)
                else:
                    idx = invsq * bonus_table[t - 1]
                    idx += mean
                    a = idx.argmax(axis=1)
            elif policy == "thompson":
                if env.kind == "bernoulli":
                    if given:
                        theta = np.stack([g.beta(S[r] + 1.0, N[r] - S[r] + 1.0) for r, g in enumerate(streams)])
                    else:
                        theta = rng.beta(S + 1.0, N - S + 1.0)
                else:
                    if given:
                        z = np.stack([g.standard_normal(K) for g in streams])
                    else:
                        z = rng.standard_normal((R, K))
                    theta = S / (N + 1.0) + env.sigma * z / np.sqrt(N + 1.0)
                a = theta.argmax(axis=1)
            else:  # epsilon-greedy
                est = np.where(N > 0, mean, np.inf)
                a = est.argmax(axis=1)
                explore = U[s, :, 1] < epsilon
                if np.any(explore):
                    rand_arm = np.minimum((U[s, :, 2] * K).astype(np.int64), K - 1)
                    a = np.where(explore, rand_arm, a)
            x = env._rewards(a, U[s, :, 0])
            fi = base + a
            cnt = Nf[fi] + 1.0
            Nf[fi] = cnt
            sx = Sf[fi] + x
            Sf[fi] = sx
            Mf[fi] = sx / cnt
            if invsq_f is not None:
                invsq_f[fi] = inv_table[cnt.astype(np.int64) - 1]
            if t == cps[ci]:
                regret[:, ci] = pseudo_regret(N, gaps)
                ci += 1
    return RegretRun(t=cps, regret=regret, pulls=N.astype(np.int64))


def _jit_engine(engine: str):
    """The compiled screened-sampler module, or ``None`` for the numpy engine."""
    if engine == "numpy":
        return None
    try:
        from . import _screened_jit
    except ImportError as exc:
        if engine == "numba":
            raise ImportError(
                "engine='numba' needs numba: pip install 'theorylab[fast]' (or engine='numpy'); "
                f"import failed with: {exc}"
            ) from exc
        return None
    return _screened_jit


def _play_blocks(streams, T, cps, N, gaps, play) -> np.ndarray:
    """Drive ``play(Ut, s0, s1, t)`` over the rounds: blocks of ``_BLOCK`` rounds' reward
    uniforms ``Ut`` (those of ``draw_block(streams, n, 1)``, stored repetition-major,
    shape ``(R, n)``), split at the checkpoints, ``t`` = rounds played before ``s0``; returns
    the pseudo-regret of ``N`` at the checkpoints."""
    R = len(streams)
    regret = np.empty((R, cps.size))
    ci = 0
    t = 0
    while t < T:
        n = min(_BLOCK, T - t)
        Ut = np.empty((R, n))
        for r, gen in enumerate(streams):
            gen.random(out=Ut[r])
        s0 = 0
        while s0 < n:
            s1 = min(n, s0 + int(cps[ci]) - t) if ci < cps.size else n  # up to the next checkpoint
            play(Ut, s0, s1, t)
            t += s1 - s0
            s0 = s1
            if ci < cps.size and t == cps[ci]:
                regret[:, ci] = pseudo_regret(N, gaps)
                ci += 1
    return regret


def _run_screened(env, T, R, rng, streams, cps, engine) -> RegretRun:
    """Beta-Bernoulli Thompson sampling by the screened sampler (``_screened``): the same
    rounds with the numpy or the compiled engine; rewards from the per-repetition streams,
    posterior randomness from ``rng``."""
    jit = _jit_engine(engine)
    K = env.K
    N = np.zeros((R, K))
    S = np.zeros((R, K))
    base = np.arange(R) * K
    Nf, Sf = N.reshape(-1), S.reshape(-1)
    ts = ScreenedBetaTS(N, S)

    def play(Ut, s0, s1, t):
        if jit is not None:
            jit.run_chunk(Ut, s0, s1, env.means, N, S, ts.L, ts.q, ts.p, ts.cbar, ts.fmax, ts.P0, ts.busy, rng)
            return
        for s in range(s0, s1):
            a = ts.choose(rng)
            x = env._rewards(a, Ut[:, s])
            fi = base + a
            Nf[fi] = Nf[fi] + 1.0
            Sf[fi] = Sf[fi] + x
            ts.update(a)

    regret = _play_blocks(streams, T, cps, N, env.gaps, play)
    return RegretRun(t=cps, regret=regret, pulls=N.astype(np.int64))


def _ucb1_tables(T: int, scale: float, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """UCB1's ``1 / sqrt(n)`` for ``n = 1..T`` and bonus ``scale sqrt(alpha log t)`` for
    ``t = 1..T``, shared by the numpy loop and the compiled engine (same values by
    construction)."""
    ts = np.arange(1, T + 1, dtype=float)
    return 1.0 / np.sqrt(ts), scale * np.sqrt(alpha * np.log(ts))


def _run_ucb1_jit(jit, env, T, R, streams, cps, alpha) -> RegretRun:
    """UCB1 on Bernoulli arms by the compiled engine: the numpy loop's operations in the same
    order on the same tables, hence the same run bit for bit (``tests/test_bandits_screened.py``)."""
    K = env.K
    N = np.zeros((R, K))
    S = np.zeros((R, K))
    M = np.zeros((R, K))
    invsq = np.zeros((R, K))
    inv_table, bonus_table = _ucb1_tables(T, 1.0, alpha)

    def play(Ut, s0, s1, t):
        jit.ucb1_chunk(Ut, s0, s1, t, bonus_table, env.means, N, S, M, invsq, inv_table)

    regret = _play_blocks(streams, T, cps, N, env.gaps, play)
    return RegretRun(t=cps, regret=regret, pulls=N.astype(np.int64))

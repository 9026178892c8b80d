r"""Exact Beta-Bernoulli Thompson sampling that draws few Beta variates (issue 24).

Thompson sampling pulls :math:`\arg\max_a \tilde\mu_a` with independent
:math:`\tilde\mu_a \sim \mathrm{Beta}(S_a + 1, F_a + 1)` (Agrawal & Goyal 2012). Only the
argmax is needed, and once one arm leads, the argmax is that arm in almost every round. This
module computes the argmax *with exactly the Thompson-sampling law* while drawing a Beta
variate only when another arm could win. It is an exact change of variables of independent
uniforms and Beta draws -- no approximation; only the cost changes.

State per repetition: a *leader* :math:`L` (the most pulled arm), a threshold :math:`q`
(``Z_Q`` posterior standard deviations below the leader's posterior mean), for every other arm
its exact tail probability :math:`p_a = P(\tilde\mu_a > q)` (recomputed when that arm is pulled
or :math:`q` moves) and for the leader an upper bound
:math:`\bar c = I_q(S_L + 1, F_L^{\max} + 1) \ge c = P(\tilde\mu_L < q)`, valid until the
leader has more than :math:`F_L^{\max}` failures (:math:`I_q(a, b)` decreases in :math:`a` and
increases in :math:`b`).

*Events.* Arm :math:`a \ne L` has event :math:`E_a = \{\tilde\mu_a > q\}`, probability
:math:`p_a`. The leader's law is split as the mixture
:math:`\mathrm{Beta}_L = \bar c\,G_1 + (1 - \bar c)\,G_2` with :math:`G_2 = \mathrm{Beta}_L \mid
\{\mu \ge q\}` and :math:`G_1 = (c/\bar c)\,\mathrm{Beta}_L\mid\{\mu < q\} +
(1 - c/\bar c)\,\mathrm{Beta}_L\mid\{\mu \ge q\}`; its event :math:`E_L` (probability
:math:`\bar c`) is "the component is :math:`G_1`". Without any event the leader lies above
:math:`q` and every other arm below it: the leader is pulled. That *quiet* round has
probability :math:`P_0 = (1 - \bar c)\prod_{a \ne L}(1 - p_a)` and costs one uniform.

*A round* (per repetition; all repetitions share one Generator, consumed in a fixed order):

1. ``w = rng.random(R)``. Repetitions whose event probability :math:`1 - P_0` exceeds
   ``EV_MAX`` (early rounds, a close second arm) are *busy*: every arm is drawn in full with
   ``rng.beta`` (the plain sampler). The others are quiet if :math:`w < P_0`.
2. Eventful repetitions (not busy, :math:`w \ge P_0`): the events are drawn conditionally on
   at least one occurring -- the first event :math:`J` from its exact law
   (:math:`P(J = j) \propto \pi_j\prod_{i<j}(1 - \pi_i)`, one uniform), the later ones
   unconditionally (one uniform per arm) -- then one more uniform :math:`g_a` per arm.
3. The leader's value: if :math:`E_L` occurred and :math:`\bar c g_L < c` (exact :math:`c`,
   one ``betainc``) it is :math:`F_L^{-1}(\bar c g_L) < q` (the :math:`\mathrm{Beta}\mid\{\mu<q\}`
   part of :math:`G_1`); otherwise a draw from :math:`\mathrm{Beta}_L\mid\{\mu \ge q\}` by
   rejection from ``rng.beta`` (acceptance :math:`1 - c \ge 1 - EV_{\max}`).
4. Leader above :math:`q`: arms without an event lie below it. An event arm :math:`a` has
   :math:`\tilde\mu_a = \bar F_a^{-1}(p_a g_a)` (survival inversion of a uniform on
   :math:`(0, p_a)`), so it beats the leader iff :math:`p_a g_a < \bar F_a(\tilde\mu_L)` -- one
   ``betainc``, no inverse. One winner: pulled; none: the leader; two or more: their values by
   inversion, the largest.
5. Leader below :math:`q` (rare): if some arm had an event, the largest of the event arms' values
   (inversion); else every other arm from :math:`\mathrm{Beta}_a\mid\{\mu \le q\}` by rejection
   from ``rng.beta`` (acceptance :math:`1 - p_a`), and the argmax over all arms.

Ties have probability 0 (the lowest index wins, as in ``argmax``). The tail function is
:math:`\bar F_{a,b}(x) = I_{1-x}(b, a)` (``betainc``; ``betaincc`` is ~10x slower here).

Two engines run this algorithm with *the same draws in the same order*: :class:`ScreenedBetaTS`
(numpy, vectorised over repetitions; the reference) and :mod:`theorylab.bandits._screened_jit`
(numba, optional extra ``fast``); ``tests/test_bandits_screened.py`` checks that they give
identical runs bit for bit, one round's action probabilities against an independent
quadrature of :math:`\int f_a\prod_{b\ne a}F_b`, and the regret distribution against the plain
sampler.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betainc, betaincinv, betaln, exp2, xlog1py, xlogy

__all__ = ["ScreenedBetaTS", "head_bound", "tail", "tail_bound", "tail_inv", "Z_Q", "DRIFT", "M_FRAC", "EV_MAX"]

Z_Q = 4.0  # q = leader's posterior mean - Z_Q posterior sd (floored at 0)
DRIFT = 0.5  # at a bound's expiry, move q up if its target rose by more than DRIFT leader sds
M_FRAC = 0.1  # the leader's bound stays valid for max(1, floor(M_FRAC sqrt(N_L))) more failures
EV_MAX = 0.6  # a repetition whose event probability exceeds this is busy (plain sampler)
RHO_MAX = 0.98  # the geometric tail bound is used when its ratio is below this, else betainc
MARGIN = 1e-8  # relative safety margin of the bound over its own floating-point error
LOG2E = 1.4426950408889634  # log2(e)
TINY = 1e-300  # floor of the bound (exp2 underflows below it; the exact value is then smaller)


def tail(a, b, x):
    r""":math:`P(\mathrm{Beta}(a, b) > x) = I_{1-x}(b, a)` (exact, ``betainc``)."""
    return betainc(b, a, 1.0 - x)


def tail_inv(a, b, u):
    r"""The :math:`x` with :math:`P(\mathrm{Beta}(a, b) > x) = u`: :math:`1 - I^{-1}_u(b, a)`."""
    return 1.0 - betaincinv(b, a, u)


def head_bound(a, b, x):
    r"""An upper bound on :math:`I_x(a, b) = P(\mathrm{Beta}(a, b) < x)` for integer
    :math:`a, b \ge 1`, about 5x cheaper than ``betainc`` and within a few per cent of it in
    the tails.

    :math:`I_x(a, b) = P(\mathrm{Bin}(n, x) \ge a)` with :math:`n = a + b - 1`; the ratio of
    consecutive binomial terms from :math:`a` on is at most
    :math:`\rho = (b - 1)x / ((a + 1)(1 - x))`, so
    :math:`I_x(a, b) \le \binom{n}{a} x^a (1 - x)^{b-1} / (1 - \rho)` when :math:`\rho < 1`.
    Used when :math:`\rho <` ``RHO_MAX`` (times ``1 + MARGIN`` against its own rounding, at
    most 1); otherwise ``betainc`` itself. ``tests/test_bandits_screened.py`` checks the bound
    against ``betainc``.
    """
    a, b, x = np.broadcast_arrays(np.asarray(a, float), np.asarray(b, float), np.asarray(x, float))
    out = np.where(x >= 1.0, 1.0, 0.0)
    inside = (x > 0.0) & (x < 1.0)
    rho = np.ones(a.shape)
    rho[inside] = (b[inside] - 1.0) * x[inside] / ((a[inside] + 1.0) * (1.0 - x[inside]))
    geo = inside & (rho < RHO_MAX)
    ex = inside & ~geo
    if geo.any():
        ag, bg, xg, rg = a[geo], b[geo], x[geo], rho[geo]
        y = xlogy(ag, xg) + xlog1py(bg - 1.0, -xg) - xlogy(1.0, ag + bg) - betaln(ag + 1.0, bg)
        out[geo] = np.minimum(np.maximum(exp2(y * LOG2E) / (1.0 - rg) * (1.0 + MARGIN), TINY), 1.0)
    if ex.any():
        out[ex] = betainc(a[ex], b[ex], x[ex])
    return out


def tail_bound(a, b, x):
    r"""An upper bound on :math:`P(\mathrm{Beta}(a, b) > x)`: :func:`head_bound` of
    :math:`\mathrm{Beta}(b, a)` at :math:`1 - x`."""
    return head_bound(b, a, 1.0 - np.asarray(x, float))


class ScreenedBetaTS:
    """State of the screened sampler for ``R`` repetitions and ``K`` arms (numpy engine).

    ``N`` and ``S`` are the caller's ``(R, K)`` float pull and success counts (read only here):
    call :meth:`choose` for the arms of a round, count the pulls and rewards in ``N`` and ``S``,
    then call :meth:`update` with the same arms.
    """

    def __init__(self, N: np.ndarray, S: np.ndarray):
        self.N, self.S = N, S
        R, K = N.shape
        self.R, self.K = R, K
        self.base = np.arange(R) * K
        self.L = np.zeros(R, dtype=np.int64)
        self.q = np.zeros(R)
        self.p = np.ones((R, K))  # bounds pbar_a >= P(mu_a > q); 0 in the leader's column
        self.cbar = np.ones(R)  # bound on P(mu_L < q)
        self.fmax = np.zeros(R)  # leader failures up to which cbar is valid
        self.P0 = np.zeros(R)
        self.busy = np.ones(R, dtype=bool)
        self._refresh(np.arange(R))

    # ---------------------------------------------------------------- state upkeep
    def _lead_counts(self, rows):
        f = self.base[rows] + self.L[rows]
        n, s = self.N.reshape(-1)[f], self.S.reshape(-1)[f]
        return s, n - s

    def _target(self, rows):
        s, fl = self._lead_counts(rows)
        a = s + 1.0
        b = fl + 1.0
        tot = a + b
        sd = np.sqrt(a * b / (tot * tot * (tot + 1.0)))
        return np.maximum(a / tot - Z_Q * sd, 0.0), sd

    def _bound(self, rows):
        s, fl = self._lead_counts(rows)
        fmax = fl + np.maximum(1.0, np.floor(M_FRAC * np.sqrt(s + fl)))
        self.fmax[rows] = fmax
        self.cbar[rows] = head_bound(s + 1.0, fmax + 1.0, self.q[rows])

    def _summary(self, rows):
        P = 1.0 - self.cbar[rows]
        p = self.p[rows]
        for k in range(self.K):  # a fixed order of the products (the compiled engine's)
            P = P * (1.0 - p[:, k])
        self.P0[rows] = P
        self.busy[rows] = ~(P >= 1.0 - EV_MAX)

    def _refresh(self, rows):
        """New threshold for ``rows``, the tail bounds of all their arms and the leader's bound."""
        if rows.size == 0:
            return
        q, _ = self._target(rows)
        self.q[rows] = q
        n, s = self.N[rows], self.S[rows]
        p = tail_bound(s + 1.0, n - s + 1.0, q[:, None])
        p[np.arange(rows.size), self.L[rows]] = 0.0
        self.p[rows] = p
        self._bound(rows)
        self._summary(rows)

    def update(self, arms: np.ndarray) -> None:
        """Bookkeeping after the pulls ``arms`` (shape ``(R,)``) were counted in N and S."""
        Nf, Sf = self.N.reshape(-1), self.S.reshape(-1)
        lead = arms == self.L
        other = np.flatnonzero(~lead)
        if other.size:
            new = Nf[self.base[other] + arms[other]] > Nf[self.base[other] + self.L[other]]
            moved = other[new]
            self.L[moved] = arms[moved]
            self._refresh(moved)
            keep = other[~new]
            if keep.size:
                f = self.base[keep] + arms[keep]
                n, s = Nf[f], Sf[f]
                self.p.reshape(-1)[f] = tail_bound(s + 1.0, n - s + 1.0, self.q[keep])
                self._summary(keep)
        # the leader was pulled: its bound expires after fmax failures; then move q up if the
        # leader's posterior has concentrated, else renew the bound
        lr = np.flatnonzero(lead)
        _, fl = self._lead_counts(lr)
        exp = lr[fl > self.fmax[lr]]
        if exp.size:
            target, sd = self._target(exp)
            up = target - self.q[exp] > DRIFT * sd
            self._refresh(exp[up])
            ren = exp[~up]
            if ren.size:
                self._bound(ren)
                self._summary(ren)

    # ---------------------------------------------------------------- one round
    def choose(self, rng: np.random.Generator) -> np.ndarray:
        """Arms pulled this round, shape ``(R,)``; consumes ``rng`` in a fixed order."""
        w = rng.random(self.R)
        arms = self.L.copy()
        sr = np.flatnonzero(self.busy)
        if sr.size:
            n, s = self.N[sr], self.S[sr]
            arms[sr] = rng.beta(s + 1.0, n - s + 1.0).argmax(axis=1)
        er = np.flatnonzero(~self.busy & (w >= self.P0))
        if er.size:
            arms[er] = self._eventful(er, rng)
        return arms

    def _eventful(self, er, rng):
        m, K = er.size, self.K
        ii = np.arange(m)
        L = self.L[er]
        q = self.q[er]
        cb = self.cbar[er]
        pi = self.p[er].copy()  # event probabilities; the leader's is cbar
        pi[ii, L] = cb
        # first event J from its exact law, later events unconditionally
        cum = np.empty((m, K))
        c = np.zeros(m)
        kp = np.ones(m)
        for k in range(K):
            c = c + pi[:, k] * kp
            cum[:, k] = c
            kp = kp * (1.0 - pi[:, k])
        v = rng.random(m) * cum[:, K - 1]
        J = np.minimum((cum <= v[:, None]).sum(axis=1), K - 1)
        u = rng.random((m, K))
        col = np.arange(K)[None, :]
        ev = (col > J[:, None]) & (u < pi)
        ev[ii, J] = True
        g = rng.random((m, K))
        n, s = self.N[er], self.S[er]
        a, b = s + 1.0, n - s + 1.0
        aL, bL = a[ii, L], b[ii, L]
        gL = g[ii, L]
        # the leader's value: below q (G1's Beta | mu < q part, by inversion) or a draw from
        # Beta | mu >= q by rejection
        thetaL = np.zeros(m)
        below = np.zeros(m, dtype=bool)
        el = np.flatnonzero(ev[ii, L])
        if el.size:
            cex = betainc(aL[el], bL[el], q[el])
            x = cb[el] * gL[el]
            lo = x < cex
            below[el[lo]] = True
            thetaL[el[lo]] = betaincinv(aL[el[lo]], bL[el[lo]], x[lo])
        todo = np.flatnonzero(~below)
        while todo.size:
            mu = rng.beta(aL[todo], bL[todo])
            ok = mu >= q[todo]
            thetaL[todo[ok]] = mu[ok]
            todo = todo[~ok]
        A = ev.copy()
        A[ii, L] = False
        out = L.copy()
        # leader above q: an event arm beats it iff pbar g < P(mu_a > theta_L); the cheap
        # bound decides most of them, betainc the rest
        r, cc = np.nonzero(A & ~below[:, None])
        if r.size:
            ug = pi[r, cc] * g[r, cc]
            ar, br, tr = a[r, cc], b[r, cc], thetaL[r]
            win = ug < tail_bound(ar, br, tr)
            if win.any():
                win[win] = ug[win] < tail(ar[win], br[win], tr[win])
            r, cc, ug = r[win], cc[win], ug[win]
            nwin = np.bincount(r, minlength=m)
            one = nwin[r] == 1
            out[r[one]] = cc[one]
            many = ~one
            if many.any():
                self._largest(out, r[many], cc[many], tail_inv(a[r[many], cc[many]], b[r[many], cc[many]], ug[many]), m)
        # leader below q: an event arm is above q iff pbar g < P(mu_a > q) (G1's Beta | mu > q
        # part); if some are, the largest of them wins
        r, cc = np.nonzero(A & below[:, None])
        gen_rows = np.zeros(m, dtype=bool)
        if r.size:
            ug = pi[r, cc] * g[r, cc]
            gen = ug < tail(a[r, cc], b[r, cc], q[r])
            r, cc, ug = r[gen], cc[gen], ug[gen]
            if r.size:
                gen_rows[r] = True
                self._largest(out, r, cc, tail_inv(a[r, cc], b[r, cc], ug), m)
        # leader below q and no arm above it: every other arm from Beta | mu <= q, by rejection
        rows = np.flatnonzero(below & ~gen_rows)
        if rows.size:
            theta = np.full((rows.size, K), -np.inf)
            theta[np.arange(rows.size), L[rows]] = thetaL[rows]
            oth = np.ones((rows.size, K), dtype=bool)
            oth[np.arange(rows.size), L[rows]] = False
            r, cc = np.nonzero(oth)
            todo = np.arange(r.size)
            while todo.size:
                rt, ct = r[todo], cc[todo]
                mu = rng.beta(a[rows[rt], ct], b[rows[rt], ct])
                ok = mu <= q[rows[rt]]
                theta[rt[ok], ct[ok]] = mu[ok]
                todo = todo[~ok]
            out[rows] = theta.argmax(axis=1)
        return out

    @staticmethod
    def _largest(out, r, cc, val, m):
        """``out[row] =`` the column of the largest ``val`` among the entries of each row
        (entries sorted by row, then column; the first of equal values wins)."""
        best = np.full(m, -np.inf)
        np.maximum.at(best, r, val)
        hit = val == best[r]
        rr, idx = np.unique(r[hit], return_index=True)
        out[rr] = cc[hit][idx]

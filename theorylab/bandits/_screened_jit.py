r"""Compiled engine (numba) of the screened Beta-Bernoulli Thompson sampler.

The algorithm, its exactness argument and the constants are those of
:mod:`theorylab.bandits._screened`; this module runs the same rounds as
:class:`~theorylab.bandits._screened.ScreenedBetaTS` *with the same draws in the same order*
(the Generator is shared with numpy through numba's Generator support, whose ``random`` and
``beta`` are ports of numpy's; the incomplete beta functions are scipy's own compiled
``cython_special`` routines), so a run is identical bit for bit to the numpy engine's on the
same machine -- ``tests/test_bandits_screened.py`` checks it. Loops are over repetitions and
arms inside a round; the arithmetic is written in the numpy engine's order, and numba's default
(no fast-math) keeps IEEE semantics.

Importing this module raises ``ImportError`` when numba is missing or scipy's routines cannot
be found; :func:`theorylab.bandits.run_mab` then falls back to the numpy engine
(``engine="auto"``) or says what to install (``engine="numba"``).
"""

from __future__ import annotations

import ctypes

import numpy as np
import numba
from numba.extending import get_cython_function_address

from ._screened import DRIFT, EV_MAX, LOG2E, M_FRAC, MARGIN, RHO_MAX, TINY, Z_Q

__all__ = ["run_chunk"]


def _cython_special(name: str, nargs: int):
    """scipy.special.cython_special's double-precision ``name`` (``nargs`` arguments) as a
    ctypes function -- the routine behind the ufunc ``scipy.special.<name>``."""
    import scipy.special.cython_special as cs

    want = '"double (' + ", ".join(["double"] * nargs) + ', int __pyx_skip_dispatch)"'
    for key in (name, "__pyx_fuse_0" + name, "__pyx_fuse_1" + name):
        cap = cs.__pyx_capi__.get(key)
        if cap is not None and want in repr(cap):
            addr = get_cython_function_address("scipy.special.cython_special", key)
            proto = ctypes.CFUNCTYPE(ctypes.c_double, *([ctypes.c_double] * nargs), ctypes.c_int)
            return proto(addr)
    raise ImportError(f"scipy.special.cython_special has no double-precision {name}")


_betainc = _cython_special("betainc", 3)
_betaincinv = _cython_special("betaincinv", 3)
_betaln = _cython_special("betaln", 2)
_xlogy = _cython_special("xlogy", 2)
_xlog1py = _cython_special("xlog1py", 2)
_exp2 = _cython_special("exp2", 1)


@numba.njit
def _tail(a, b, x):
    return _betainc(b, a, 1.0 - x, 1)


@numba.njit
def _tail_inv(a, b, u):
    return 1.0 - _betaincinv(b, a, u, 1)


@numba.njit
def _head_bound(a, b, x):
    if x >= 1.0:
        return 1.0
    if not x > 0.0:
        return 0.0
    rho = (b - 1.0) * x / ((a + 1.0) * (1.0 - x))
    if rho < RHO_MAX:
        y = _xlogy(a, x, 1) + _xlog1py(b - 1.0, -x, 1) - _xlogy(1.0, a + b, 1) - _betaln(a + 1.0, b, 1)
        return min(max(_exp2(y * LOG2E, 1) / (1.0 - rho) * (1.0 + MARGIN), TINY), 1.0)
    return _betainc(a, b, x, 1)


@numba.njit
def _tail_bound(a, b, x):
    return _head_bound(b, a, 1.0 - x)


@numba.njit
def _ab(N, S, r, k):
    """Posterior parameters ``(S + 1, N - S + 1)`` of arm ``k`` in repetition ``r``."""
    sk = S[r, k]
    return sk + 1.0, N[r, k] - sk + 1.0


@numba.njit
def _summary(r, p, cbar, P0, busy, K):
    P = 1.0 - cbar[r]
    for k in range(K):
        P = P * (1.0 - p[r, k])
    P0[r] = P
    busy[r] = not (P >= 1.0 - EV_MAX)


@numba.njit
def _target(s, fl):
    a = s + 1.0
    b = fl + 1.0
    tot = a + b
    sd = np.sqrt(a * b / (tot * tot * (tot + 1.0)))
    return max(a / tot - Z_Q * sd, 0.0), sd


@numba.njit
def _bound(r, N, S, L, q, cbar, fmax):
    s = S[r, L[r]]
    fl = N[r, L[r]] - s
    fm = fl + max(1.0, np.floor(M_FRAC * np.sqrt(s + fl)))
    fmax[r] = fm
    cbar[r] = _head_bound(s + 1.0, fm + 1.0, q[r])


@numba.njit
def _refresh(r, N, S, L, q, p, cbar, fmax, P0, busy, K):
    s = S[r, L[r]]
    qq, _ = _target(s, N[r, L[r]] - s)
    q[r] = qq
    for k in range(K):
        sk = S[r, k]
        p[r, k] = _tail_bound(sk + 1.0, N[r, k] - sk + 1.0, qq)
    p[r, L[r]] = 0.0
    _bound(r, N, S, L, q, cbar, fmax)
    _summary(r, p, cbar, P0, busy, K)


@numba.njit
def run_chunk(Ut, s0, s1, means, N, S, L, q, p, cbar, fmax, P0, busy, rng):
    """Play rounds ``s0 .. s1 - 1`` of a block whose reward uniforms are ``Ut`` (shape
    ``(R, n)``), updating the state arrays in place; posterior randomness from ``rng`` in the
    numpy engine's order."""
    R = Ut.shape[0]
    K = means.size
    w = np.empty(R)
    arms = np.empty(R, dtype=np.int64)
    er = np.empty(R, dtype=np.int64)
    cum = np.empty((R, K))
    pi = np.empty((R, K))
    ev = np.empty((R, K), dtype=np.bool_)
    g = np.empty((R, K))
    J = np.empty(R, dtype=np.int64)
    thetaL = np.empty(R)
    below = np.empty(R, dtype=np.bool_)
    gen = np.zeros(R, dtype=np.bool_)
    win = np.zeros(K, dtype=np.bool_)
    todo = np.empty(R * K, dtype=np.int64)
    todo_c = np.empty(R * K, dtype=np.int64)
    theta = np.empty(K)
    for step in range(s0, s1):
        # ---------------------------------------------------------------- choose
        for r in range(R):
            w[r] = rng.random()
        for r in range(R):
            arms[r] = L[r]
        for r in range(R):  # busy rows: every arm in full
            if busy[r]:
                best = -np.inf
                ba = 0
                for k in range(K):
                    sk = S[r, k]
                    x = rng.beta(sk + 1.0, N[r, k] - sk + 1.0)
                    if x > best:
                        best = x
                        ba = k
                arms[r] = ba
        m = 0
        for r in range(R):
            if (not busy[r]) and w[r] >= P0[r]:
                er[m] = r
                m += 1
        if m > 0:
            for i in range(m):
                r = er[i]
                c = 0.0
                kp = 1.0
                for k in range(K):
                    pk = cbar[r] if k == L[r] else p[r, k]
                    pi[i, k] = pk
                    c = c + pk * kp
                    cum[i, k] = c
                    kp = kp * (1.0 - pk)
            for i in range(m):
                v = rng.random() * cum[i, K - 1]
                j = 0
                for k in range(K):
                    if cum[i, k] <= v:
                        j += 1
                J[i] = min(j, K - 1)
            for i in range(m):
                for k in range(K):
                    uk = rng.random()
                    ev[i, k] = (k > J[i]) and (uk < pi[i, k])
                ev[i, J[i]] = True
            for i in range(m):
                for k in range(K):
                    g[i, k] = rng.random()
            # the leader's value
            for i in range(m):
                r = er[i]
                Lr = L[r]
                below[i] = False
                gen[i] = False
                thetaL[i] = 0.0
                if ev[i, Lr]:
                    sL = S[r, Lr]
                    aL = sL + 1.0
                    bL = N[r, Lr] - sL + 1.0
                    cex = _betainc(aL, bL, q[r], 1)
                    x = cbar[r] * g[i, Lr]
                    if x < cex:
                        below[i] = True
                        thetaL[i] = _betaincinv(aL, bL, x, 1)
            nt = 0
            for i in range(m):
                if not below[i]:
                    todo[nt] = i
                    nt += 1
            while nt > 0:
                nn = 0
                for t in range(nt):
                    i = todo[t]
                    r = er[i]
                    sL = S[r, L[r]]
                    mu = rng.beta(sL + 1.0, N[r, L[r]] - sL + 1.0)
                    if mu >= q[r]:
                        thetaL[i] = mu
                    else:
                        todo[nn] = i
                        nn += 1
                nt = nn
            for i in range(m):
                r = er[i]
                Lr = L[r]
                if not below[i]:
                    # event arms that beat the leader; two or more: the largest value
                    nwin = 0
                    first = -1
                    for k in range(K):
                        if k != Lr and ev[i, k]:
                            ak, bk = _ab(N, S, r, k)
                            ug = pi[i, k] * g[i, k]
                            if ug < _tail_bound(ak, bk, thetaL[i]) and ug < _tail(ak, bk, thetaL[i]):
                                win[k] = True
                                nwin += 1
                                if first < 0:
                                    first = k
                            else:
                                win[k] = False
                        else:
                            win[k] = False
                    if nwin == 1:
                        arms[r] = first
                    elif nwin > 1:
                        best = -np.inf
                        ba = first
                        for k in range(K):
                            if win[k]:
                                ak, bk = _ab(N, S, r, k)
                                val = _tail_inv(ak, bk, pi[i, k] * g[i, k])
                                if val > best:
                                    best = val
                                    ba = k
                        arms[r] = ba
                else:
                    # event arms above q (G1's Beta | mu > q part): the largest wins
                    any_gen = False
                    best = -np.inf
                    ba = Lr
                    for k in range(K):
                        if k != Lr and ev[i, k]:
                            ak, bk = _ab(N, S, r, k)
                            ug = pi[i, k] * g[i, k]
                            if ug < _tail(ak, bk, q[r]):
                                any_gen = True
                                val = _tail_inv(ak, bk, ug)
                                if val > best:
                                    best = val
                                    ba = k
                    gen[i] = any_gen
                    if any_gen:
                        arms[r] = ba
            # leader below q, no event arm: the others from Beta | mu <= q (rejection); the
            # numpy engine draws these in row-major order over all such rows, round by round
            nt = 0
            for i in range(m):
                if below[i]:
                    r = er[i]
                    if not gen[i]:
                        for k in range(K):
                            if k != L[r]:
                                todo[nt] = i
                                todo_c[nt] = k
                                nt += 1
            if nt > 0:
                vals = np.full((m, K), -np.inf)
                for i in range(m):
                    if below[i]:
                        vals[i, L[er[i]]] = thetaL[i]
                while nt > 0:
                    nn = 0
                    for t in range(nt):
                        i = todo[t]
                        k = todo_c[t]
                        r = er[i]
                        sk = S[r, k]
                        mu = rng.beta(sk + 1.0, N[r, k] - sk + 1.0)
                        if mu <= q[r]:
                            vals[i, k] = mu
                        else:
                            todo[nn] = i
                            todo_c[nn] = k
                            nn += 1
                    nt = nn
                for i in range(m):
                    if below[i]:
                        r = er[i]
                        if not gen[i]:
                            best = -np.inf
                            ba = 0
                            for k in range(K):
                                theta[k] = vals[i, k]
                                if theta[k] > best:
                                    best = theta[k]
                                    ba = k
                            arms[r] = ba
        # ---------------------------------------------------------------- rewards, counts
        for r in range(R):
            a = arms[r]
            x = 1.0 if Ut[r, step] < means[a] else 0.0
            N[r, a] = N[r, a] + 1.0
            S[r, a] = S[r, a] + x
        # ---------------------------------------------------------------- update
        for r in range(R):
            a = arms[r]
            if a != L[r]:
                if N[r, a] > N[r, L[r]]:
                    L[r] = a
                    _refresh(r, N, S, L, q, p, cbar, fmax, P0, busy, K)
                else:
                    sa = S[r, a]
                    p[r, a] = _tail_bound(sa + 1.0, N[r, a] - sa + 1.0, q[r])
                    _summary(r, p, cbar, P0, busy, K)
            else:
                s = S[r, a]
                fl = N[r, a] - s
                if fl > fmax[r]:
                    target, sd = _target(s, fl)
                    if target - q[r] > DRIFT * sd:
                        _refresh(r, N, S, L, q, p, cbar, fmax, P0, busy, K)
                    else:
                        _bound(r, N, S, L, q, cbar, fmax)
                        _summary(r, p, cbar, P0, busy, K)
    return N, S


@numba.njit
def ucb1_chunk(Ut, s0, s1, t0, bonus, means, N, S, M, invsq, inv_table):
    """UCB1 rounds ``s0 .. s1 - 1`` of a block (reward uniforms ``Ut``, shape ``(R, n)``; the
    round of ``s0`` is ``t0 + 1``), the same operations as :func:`theorylab.bandits.run_mab`'s
    numpy loop: index ``invsq * bonus[t - 1] + mean``, first maximum, Bernoulli reward
    ``u < mu``, running mean ``S / N``; ``bonus`` is the numpy loop's table of
    ``scale sqrt(alpha log t)``, ``t = 1..T``."""
    R = Ut.shape[0]
    K = means.size
    t = t0
    for step in range(s0, s1):
        t += 1
        for r in range(R):
            if t <= K:
                a = t - 1
            else:
                c = bonus[t - 1]
                best = invsq[r, 0] * c + M[r, 0]
                a = 0
                for k in range(1, K):
                    v = invsq[r, k] * c + M[r, k]
                    if v > best:
                        best = v
                        a = k
            x = 1.0 if Ut[r, step] < means[a] else 0.0
            cnt = N[r, a] + 1.0
            N[r, a] = cnt
            sx = S[r, a] + x
            S[r, a] = sx
            M[r, a] = sx / cnt
            invsq[r, a] = inv_table[int(cnt) - 1]
    return t

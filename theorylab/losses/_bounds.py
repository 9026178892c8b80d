"""The H-consistency bound of Theorem 1 (T_tau, Gamma_tau) and the numerical
calibration transform (part of :mod:`theorylab.losses`)."""

from __future__ import annotations

import math  # noqa: F401

import numpy as np

from .. import _validate as V
from ._comp_sum import cstar  # noqa: F401 - used by the examples
from ._core import (
    _MAX_SCORE,
    _EPS_SLACK,
    _MAX_STEP,
    _as_float,
    _check_n,
    _check_prob,
    _check_t,
    _check_tau,
    _cond_risk_and_grad,
    _cstar,
    _log_softmax,
    _t_tau,
)


# --------------------------------------------------------------------------- #
# the bound of Theorem 1
# --------------------------------------------------------------------------- #
def t_tau(t, tau: float, n: int) -> np.ndarray:
    r"""The transform :math:`T_\tau` of the H-consistency bound (paper, Theorem 1).

    With :math:`a = 1/(2-\tau)` and :math:`m(t) = \tfrac12[(1+t)^a + (1-t)^a]`:

    ==============  ===========================================================
    tau             :math:`T_\tau(t)`, :math:`t \in [0, 1]`
    ==============  ===========================================================
    [0, 1)          :math:`\frac{2^{1-\tau}}{1-\tau}\,[1 - m(t)^{2-\tau}]`
    1               :math:`\frac{1+t}{2}\log(1+t) + \frac{1-t}{2}\log(1-t)`
    (1, 2)          :math:`\frac{1}{(\tau-1) n^{\tau-1}}\,[m(t)^{2-\tau} - 1]`
    [2, inf)        :math:`\frac{t}{(\tau-1) n^{\tau-1}}`
    ==============  ===========================================================

    Evaluated without cancellation near ``t = 0``:
    :math:`\log m = \tfrac a2 \log(1-t^2) + \log\cosh(a\,\mathrm{artanh}\,t)` and
    :math:`T_1 = t\,\mathrm{artanh}\,t + \tfrac12 \log(1-t^2)`; exact at ``t = 1``
    (:math:`T_1(1) = \log 2`). ``t`` any shape with values in ``[0, 1]``; same shape out.
    ``n`` (the number of classes, ``>= 2``) matters only for :math:`\tau > 1`.

    Examples
    --------
    >>> t_tau(np.array([0.0, 1.0]), 1.0, 2).round(6).tolist()  # T_1(1) = log 2
    [0.0, 0.693147]
    """
    tau = _check_tau(tau)
    n = _check_n(n)
    return _t_tau(_check_t(t), tau, n)


def gamma_tau(eps, tau: float, n: int, *, n_iter: int = 64) -> np.ndarray:
    r"""The bound function :math:`\Gamma_\tau = T_\tau^{-1}` of Theorem 1 (vectorised).

    :math:`R_{0-1}(h) - R^*_{0-1} + M_{0-1} \le \Gamma_\tau(R_\tau(h) - R^*_\tau + M_\tau)`.
    Returns 1 where ``eps >= T_tau(1)`` (the zero-one regret never exceeds 1).
    Elsewhere the increasing :math:`T_\tau` is inverted by ``n_iter`` bisection steps on
    ``[0, 1]`` run on all entries at once; the **upper** end of the final bracket is
    returned, so :math:`T_\tau(\Gamma) \ge \varepsilon` and the bound is never made
    smaller by the inversion error (:math:`2^{-64}` after 64 steps).

    ``eps`` any shape, ``>= 0`` (values in ``[-1e-12, 0)`` are treated as round-off of 0).
    Special cases: :math:`\Gamma_0(\varepsilon) = \sqrt{2\varepsilon - \varepsilon^2}`,
    :math:`\Gamma_\tau(\varepsilon) = (\tau-1) n^{\tau-1} \varepsilon` for :math:`\tau \ge 2`.

    Examples
    --------
    >>> e = np.array([0.02, 0.3])
    >>> bool(np.allclose(gamma_tau(e, 0.0, 3), np.sqrt(2 * e - e**2), atol=1e-15))
    True
    """
    tau = _check_tau(tau)
    n = _check_n(n)
    e = _as_float("eps", eps)
    if np.any(e < -_EPS_SLACK):
        raise ValueError("eps must be >= 0 (a surrogate regret)")
    n_iter = V.count("n_iter", n_iter, high=200)
    e = np.maximum(e, 0.0)
    t_one = float(_t_tau(np.asarray(1.0), tau, n))
    lo = np.zeros_like(e)
    hi = np.ones_like(e)
    for _ in range(int(n_iter)):  # bisection steps, each vectorised over all eps
        mid = 0.5 * (lo + hi)
        below = _t_tau(mid, tau, n) < e
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(e >= t_one, 1.0, hi)


# --------------------------------------------------------------------------- #
# batched minimisation of conditional risks (C1a, C4, C5)
# --------------------------------------------------------------------------- #
def _cond_hessian(h: np.ndarray, p: np.ndarray, tau) -> np.ndarray:
    """Hessian of C_tau(h; p) in h, (B, n) -> (B, n, n).

    With L = log-softmax, w_y = p_y s_y^{tau-1}, W = sum_y w_y:
    H = -(tau-1) sum_y w_y (e_y - s)(e_y - s)^T + W (diag(s) - s s^T).
    """
    ls = _log_softmax(h)
    s = np.exp(ls)
    tcol = np.asarray(tau, dtype=float)
    pos = p > 0
    w = np.where(pos, p * np.exp((tcol - 1.0) * np.where(pos, ls, 0.0)), 0.0)
    big_w = w.sum(axis=-1)[..., None, None]
    outer_ws = w[..., :, None] * s[..., None, :]
    ss = s[..., :, None] * s[..., None, :]
    sum_outer = w[..., :, None] * np.eye(w.shape[-1]) - outer_ws - np.swapaxes(outer_ws, -1, -2) + big_w * ss
    jac = s[..., :, None] * np.eye(s.shape[-1]) - ss
    return -(tcol[..., None] - 1.0) * sum_outer + big_w * jac


def minimize_conditional_risk(
    p,
    tau,
    *,
    x0,
    lower,
    upper,
    gtol: float = 1e-12,
    max_iter: int = 200,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Minimise ``B`` independent conditional risks :math:`\mathcal C_\tau(h; p_b)` over boxes.

    Solves :math:`\min_{h_b \in [l_b, u_b]} \sum_y p_{b,y}\,\ell_\tau(h_b, y)` for
    ``b = 1..B`` at once by a projected Newton method vectorised over the problems:
    variables at a bound whose gradient points outwards are held fixed, the others take
    a Newton step with the Hessian's eigenvalues replaced by their absolute values
    (floored at ``1e-10`` times the largest, so the step is a descent direction also
    where the problem is non-convex, e.g. :math:`\tau > 1` in the scores), capped at 2
    per score per iteration (for :math:`\tau > 1` the gradient vanishes on the plateau
    :math:`h_y \to -\infty` without a minimum there), and a
    backtracking (Armijo) line search on the projected path runs per problem.
    Box constraints hold exactly at every iterate (e.g. ``lower = upper = 0`` pins a
    score, ``upper = 0`` on the others makes it an argmax -- the constraint of the
    calibration transform, C1a).

    Parameters
    ----------
    p : (B, n) probability vectors.
    tau : scalar or (B,) array of ``tau >= 0`` (one per problem).
    x0, lower, upper : (B, n) (or broadcastable) start and bounds, ``lower <= x0 <= upper``.
    gtol : a problem stops when its projected gradient has max-norm below ``gtol`` or
        its objective stops decreasing.
    max_iter : cap on Newton iterations.

    Returns
    -------
    h : (B, n) the minimisers found (local minima; use restarts for non-convex problems).
    value : (B,) the conditional risks at ``h``.

    Examples
    --------
    >>> p = np.array([[0.7, 0.3]])
    >>> h, v = minimize_conditional_risk(p, 1.0, x0=np.zeros((1, 2)), lower=-5.0, upper=5.0)
    >>> round(float(v[0]), 8) == round(float(cstar(p, 1.0)[0]), 8)
    True
    """
    q = _check_prob(p)
    if q.ndim != 2 or q.shape[0] == 0:
        raise ValueError(f"p must have shape (B, n) with B >= 1 problems; got {q.shape}")
    taus = V.array("tau", tau, low=0.0)
    if taus.ndim == 0:
        taus = np.full(q.shape[0], float(taus))
    if taus.shape != (q.shape[0],):
        raise ValueError(f"tau must be a scalar or a ({q.shape[0]},) array of finite values >= 0")
    gtol = V.real("gtol", gtol, low=0.0, low_open=True)
    max_iter = V.count("max_iter", max_iter, high=10**6)
    V.elements("p.shape[0] * n * n (Hessians)", (q.shape[0], q.shape[1], q.shape[1]))
    arrs = []
    for name, v in (("x0", x0), ("lower", lower), ("upper", upper)):
        a = _as_float(name, v)
        try:
            a = np.broadcast_to(a, q.shape).astype(float)
        except ValueError as exc:
            raise ValueError(f"{name} {a.shape} does not broadcast to p {q.shape}") from exc
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name} must be finite")
        arrs.append(a)
    h, lo, hi = arrs
    if np.any(lo > hi) or np.any(h < lo) or np.any(h > hi):
        raise ValueError("need lower <= x0 <= upper elementwise")
    tcol = taus[:, None]
    n = q.shape[1]
    eye = np.eye(n)
    value, grad = _cond_risk_and_grad(h, q, tcol)
    active_rows = np.ones(q.shape[0], dtype=bool)
    for _ in range(max_iter):  # Newton iterations, each vectorised over the problems
        fixed = (lo == hi) | ((h <= lo) & (grad > 0)) | ((h >= hi) & (grad < 0))
        pgrad = np.where(fixed, 0.0, grad)
        active_rows &= np.abs(pgrad).max(axis=1) > gtol
        if not active_rows.any():
            break
        idx = np.flatnonzero(active_rows)
        hess = _cond_hessian(h[idx], q[idx], tcol[idx])
        free = ~fixed[idx]
        mask = free[:, :, None] & free[:, None, :]
        hess = np.where(mask, hess, eye)
        lam, vec = np.linalg.eigh(hess)
        floor = 1e-10 * np.abs(lam).max(axis=1, keepdims=True)
        lam = np.maximum(np.abs(lam), floor)
        g_i = pgrad[idx]
        step = -np.einsum("bij,bj,bkj,bk->bi", vec, 1.0 / lam, vec, g_i)
        step = np.where(free, step, 0.0)
        # trust-region cap: a flat or negatively curved direction must not throw a score onto the
        # plateau s_y -> 0 where, for tau > 1, the gradient vanishes without being a minimum
        big = np.abs(step).max(axis=1, keepdims=True)
        step = step * np.minimum(1.0, _MAX_STEP / np.maximum(big, 1e-300))
        alpha = np.ones(idx.size)
        accepted = np.zeros(idx.size, dtype=bool)
        h_new = h[idx].copy()
        v_new = value[idx].copy()
        for _ls in range(40):  # backtracking halvings, vectorised over the problems
            trial = np.clip(h[idx] + alpha[:, None] * step, lo[idx], hi[idx])
            v_trial, _ = _cond_risk_and_grad(trial, q[idx], tcol[idx])
            decrease = np.sum(g_i * (trial - h[idx]), axis=1)
            ok = ~accepted & (v_trial <= value[idx] + 1e-4 * decrease)
            h_new[ok] = trial[ok]
            v_new[ok] = v_trial[ok]
            accepted |= ok
            if accepted.all():
                break
            alpha = np.where(accepted, alpha, 0.5 * alpha)
        stalled = ~accepted | (v_new >= value[idx])
        h[idx] = h_new
        value[idx] = v_new
        _, grad[idx] = _cond_risk_and_grad(h[idx], q[idx], tcol[idx])
        active_rows[idx[stalled]] = False
    return h, value


def sample_gap_distributions(
    t, n: int, n_samples: int, *, rng: np.random.Generator, concentrations=(0.3, 1.0, 3.0)
) -> np.ndarray:
    r"""Random conditional distributions whose top-two gap is exactly ``t``.

    For each ``t`` and sample: pick a support size ``k`` uniformly in ``{2..n}`` and a
    Dirichlet concentration from ``concentrations``, draw :math:`q \sim \mathrm{Dir}(\alpha
    \mathbb 1_k)`, sort it, keep the mass :math:`m = q_1 + q_2` of the top two and set
    :math:`p_0 = (m' + t)/2`, :math:`p_1 = (m' - t)/2`, the rest scaled by the largest
    :math:`c \le 1` keeping :math:`p_1 \ge 0` and :math:`p_0 \ge` every other entry.
    Class 0 is then the most likely class and class 1 (the *predicted* class of the
    calibration transform) has :math:`p_0 - p_1 = t` exactly.

    ``t (k,)`` in ``[0, 1)`` -> ``(k, n_samples, n)``.

    Examples
    --------
    >>> p = sample_gap_distributions([0.2, 0.5], 3, 4, rng=np.random.default_rng(0))
    >>> p.shape, (p[..., 0] - p[..., 1]).round(12).tolist()[0]
    ((2, 4, 3), [0.2, 0.2, 0.2, 0.2])
    """
    V.rng(rng)
    n = _check_n(n)
    tt = np.atleast_1d(_check_t(t))
    if tt.ndim != 1:
        raise ValueError(f"t must be a scalar or 1-D; got shape {tt.shape}")
    if np.any(tt >= 1):
        raise ValueError("t must lie in [0, 1) (a top-two gap of 1 leaves no mass for the others)")
    n_samples = V.count("n_samples", n_samples)
    V.elements("t.size * n_samples * n", (tt.size, n_samples, n))
    conc = V.array("concentrations", concentrations, ndim=1, nonempty=True, low=0.0, low_open=True)
    shape = (tt.size, n_samples)
    k = rng.integers(2, n + 1, size=shape)
    alpha = conc[rng.integers(0, conc.size, size=shape)]
    g = rng.gamma(np.broadcast_to(alpha[..., None], (*shape, n)))
    g = np.where(np.arange(n) < k[..., None], g, 0.0)
    q = -np.sort(-g / g.sum(axis=-1, keepdims=True), axis=-1)
    rest = q[..., 2:]
    r_sum = rest.sum(axis=-1)
    r_max = rest.max(axis=-1, initial=0.0)
    tb = tt[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.minimum.reduce([
            np.ones(shape),
            np.where(r_sum > 0, (1.0 - tb) / r_sum, 1.0),
            np.where(r_sum > 0, (1.0 + tb) / (r_sum + 2.0 * r_max), 1.0),
        ])
    rest = rest * c[..., None]
    m = 1.0 - rest.sum(axis=-1)
    top = np.stack([(m + tb) / 2.0, (m - tb) / 2.0], axis=-1)
    p = np.concatenate([top, rest], axis=-1)
    return np.clip(p, 0.0, None)


def calibration_transform_numeric(
    t,
    *,
    tau: float,
    n: int,
    n_restarts: int,
    rng: np.random.Generator,
    score_bound: float = 30.0,
    return_all: bool = False,
):
    r"""Numerical calibration transform: the tightest possible :math:`T` at gap ``t``.

    .. math::
        T^{\rm num}_\tau(t) = \inf_{p,\ \hat y:\ \max_y p_y - p_{\hat y} = t}\
        \inf_{h:\ \hat y \in \arg\max h} \mathcal C_\tau(h; p) - \mathcal C^*_\tau(p),

    the largest function of the zero-one conditional regret that lower-bounds the
    :math:`\tau`-conditional regret (complete, symmetric H). Any valid
    :math:`T_\tau` of Theorem 1 must satisfy :math:`T_\tau \le T^{\rm num}_\tau`, with
    equality where the bound is tight.

    The outer infimum is searched with ``n_restarts`` random distributions from
    :func:`sample_gap_distributions` (support size 2 reproduces the paper's tight
    two-class construction); the inner one exactly as a box-constrained problem: the
    score of :math:`\hat y` is pinned at 0, the others lie in ``[-score_bound, 0]`` (so
    :math:`\hat y` is an argmax, ties included: the infimum is over the closure). Every
    value returned is the regret of an actual (p, h) pair, hence an upper estimate of the
    infimum and never below it.

    Returns
    -------
    ``(k,)`` minimum over restarts for each ``t``; with ``return_all=True`` also the
    ``(k, n_restarts)`` regrets and the ``(k, n_restarts, n)`` distributions.

    Examples
    --------
    >>> T = calibration_transform_numeric([0.5], tau=1.0, n=2, n_restarts=3, rng=np.random.default_rng(0))
    >>> bool(T[0] >= t_tau(0.5, 1.0, 2) - 1e-9)
    True
    """
    tau = _check_tau(tau)
    n = _check_n(n)
    tt = np.atleast_1d(_check_t(t))
    if tt.ndim != 1 or tt.size == 0:
        raise ValueError(f"t must be a number or a non-empty 1-D array of gaps; got shape {tt.shape}")
    n_restarts = V.count("n_restarts", n_restarts)
    score_bound = V.real("score_bound", score_bound, low=0.0, low_open=True, high=_MAX_SCORE)
    return_all = V.flag("return_all", return_all)
    V.elements("t.size * n_restarts * n * n", (tt.size, n_restarts, n, n))
    p = sample_gap_distributions(tt, n, n_restarts, rng=rng)  # (k, r, n)
    flat = p.reshape(-1, n)
    lower = np.full_like(flat, -float(score_bound))
    upper = np.zeros_like(flat)
    lower[:, 1] = 0.0  # the predicted class (index 1) is pinned at 0, all others <= 0
    x0 = rng.uniform(-3.0, 0.0, size=flat.shape)
    x0[:, 1] = 0.0
    # a class with p_y = 0 has dC/dh_y = s_y * sum_y' p_y' s_y'^(tau-1) > 0 everywhere, so its
    # optimal score is the lower bound: start it there (keeps the batched problem well scaled)
    x0 = np.where(flat > 0, x0, lower)
    _, val = minimize_conditional_risk(flat, tau, x0=x0, lower=lower, upper=upper)
    regrets = (val - _cstar(flat, tau)).reshape(tt.size, int(n_restarts))
    best = regrets.min(axis=1)
    if return_all:
        return best, regrets, p
    return best

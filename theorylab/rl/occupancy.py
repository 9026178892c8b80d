r"""Regularised optimisation over the occupancy polytope, solved as convex programmes.

The normalised discounted occupancy ``d (S, A)`` of a stationary policy lies in the
polytope :math:`\{d \ge 0 : A_{eq} d = b_{eq}\}` of
:func:`~theorylab.rl.mdp.flow_constraints` (Puterman 1994, Thm. 6.9.1). Against a
reference occupancy :math:`\rho = d^{\pi_{\rm ref}}`:

========================================  ====================================================
:func:`chi2_regularized`                  :math:`\max_d \langle d, r\rangle - \lambda\sqrt{\chi^2(d\|\rho)}`
                                          (``penalty="sqrt"``, Laidlaw et al. 2025) or
                                          :math:`- \lambda\,\chi^2(d\|\rho)` (``"squared"``)
:func:`kl_regularized`                    :math:`\max_d \langle d, r\rangle - \lambda\,\mathrm{KL}(d\|\rho)`
                                          (``kind="occupancy"``, REPS; Peters et al. 2010) or
                                          :math:`- \lambda\,\mathbb E_{d}\mathrm{KL}(\pi(\cdot|s)\|\pi_{\rm ref}(\cdot|s))`
                                          (``kind="conditional"``, the action-distribution KL
                                          of RLHF, whose optimum is soft value iteration)
:func:`chi2_divergence`,                  divergences between occupancies
:func:`kl_divergence`
:func:`weighted_moments`                  means, standard deviations and the correlation of
                                          two rewards under ``rho``
:func:`proxy_bound`                       both sides of the correlated-proxy bound (derived)
========================================  ====================================================

**Solvers.** The squared-:math:`\chi^2` problem is a quadratic programme; it is solved
through its Lagrangian dual over the flow multipliers ``v (S,)``: for fixed ``v`` the
maximiser is explicit, :math:`d = \rho\,(1 + \delta/(2\lambda'))_+` with
:math:`\delta = r - A_{eq}^\top v = r + \gamma P v - v`, and the dual
:math:`g(v) = v^\top b + \lambda'\sum\rho\,[(1 + \delta/(2\lambda'))_+^2 - 1]` is convex and
piecewise quadratic, minimised by a damped semismooth Newton method (generalised Hessian
:math:`A\,\mathrm{diag}(\rho\,1[\mathrm{active}]/(2\lambda'))A^\top`, sparse). At its
minimiser the KKT conditions hold exactly, so the optimum is exact to the primal
feasibility tolerance. The square-root penalty has the same KKT point as the squared
one with :math:`\lambda' = \lambda / (2\sqrt{\chi^2(d^*)})`; ``lambda'`` is found by a
monotone 1-D root search (``brentq`` in :math:`\log\lambda'`), and for
:math:`\lambda \ge \lambda_{\max} = \lVert\delta^\infty\rVert_\rho` the optimum is ``rho``
itself. The occupancy-KL dual is smooth, :math:`d = \rho\exp(\delta/\lambda - 1)`, and is
minimised by Newton's method; the conditional-KL problem is solved by Newton's method on
its dual, the soft Bellman equation (soft policy iteration). The catalogue's route
(``scipy.optimize.minimize(method="SLSQP")`` on the primal) was far too slow for the
tomato board. Independent references in ``tests/test_rl_occupancy.py``: ``cvxpy``
(Clarabel) for every programme, soft value iteration for the conditional KL.

Conventions: ``<d, r>`` is the *normalised* return :math:`(1-\gamma)J`; only pairs with
:math:`\rho(s, a) > 0` can carry mass (else the divergence is infinite).

Used by ``notebooks/bandits-rl/correlated-proxies-reward-hacking.md``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from scipy.optimize import brentq

from .. import _validate as V_
from .mdp import DiscountedMDP, flow_constraints, occupancy, policy_from_occupancy

__all__ = [
    "OccupancyOptimum", "chi2_divergence", "kl_divergence", "weighted_moments", "proxy_bound",
    "chi2_regularized", "kl_regularized",
]


class OccupancyOptimum(NamedTuple):
    """A regularised optimum: occupancy ``d (S, A)``, its policy ``pi``, the regularised
    ``objective`` (normalised), the ``divergence`` value, the dual multipliers ``v (S,)``
    (zero on states ``rho`` never visits), ``multiplier`` (the squared-penalty weight
    ``lambda'`` matched to the square-root problem, else ``lam``) and ``n_iter`` (Newton
    iterations in total)."""

    d: np.ndarray
    pi: np.ndarray
    objective: float
    divergence: float
    v: np.ndarray
    multiplier: float
    n_iter: int


# --------------------------------------------------------------------------- divergences


def _pair(d, d_ref, name="d"):
    d = V_.real_array(name, d, min_ndim=1)
    rho = V_.real_array("d_ref", d_ref, min_ndim=1)
    if d.shape != rho.shape:
        raise ValueError(f"{name} and d_ref must have the same shape; got {d.shape} and {rho.shape}")
    if np.any(d < 0) or np.any(rho < 0):
        raise ValueError(f"{name} and d_ref must be non-negative (occupancy measures)")
    if rho.sum() <= 0:
        raise ValueError("d_ref must have positive mass")
    return d, rho


def chi2_divergence(d, d_ref) -> float:
    r""":math:`\chi^2(d\|\rho) = \sum_{\rho > 0} (d - \rho)^2/\rho` (``inf`` if ``d`` charges a
    pair ``rho`` does not); for normalised ``d`` it equals :math:`\mathrm{Var}_\rho(d/\rho)`.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import occupancy
    >>> occupancy.chi2_divergence(np.array([0.5, 0.5]), np.array([0.25, 0.75]))
    0.3333333333333333
    """
    d, rho = _pair(d, d_ref)
    if np.any((rho == 0) & (d > 0)):
        return float("inf")
    m = rho > 0
    return float(np.sum((d[m] - rho[m]) ** 2 / rho[m]))


def kl_divergence(d, d_ref) -> float:
    r""":math:`\mathrm{KL}(d\|\rho) = \sum_{d > 0} d \log(d/\rho)` (``inf`` if ``d`` charges a pair
    ``rho`` does not).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import occupancy
    >>> round(occupancy.kl_divergence(np.array([0.5, 0.5]), np.array([0.25, 0.75])), 6)
    0.143841
    """
    d, rho = _pair(d, d_ref)
    if np.any((rho == 0) & (d > 0)):
        return float("inf")
    m = d > 0
    return float(np.sum(d[m] * np.log(d[m] / rho[m])))


class Moments(NamedTuple):
    """Means, standard deviations and correlation of two rewards under a weighting."""

    mean_x: float
    mean_y: float
    sd_x: float
    sd_y: float
    corr: float


def weighted_moments(d_ref, x, y) -> Moments:
    r"""Moments of rewards ``x`` and ``y`` (same shape as ``d_ref``) under the normalised
    weights ``d_ref``: :math:`\sigma_x^2 = \mathbb E_\rho(x - \mathbb E_\rho x)^2`, and
    :math:`\mathrm{Corr}_\rho(x, y)` (Laidlaw et al.'s ``r`` of an r-correlated proxy).

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import occupancy
    >>> m = occupancy.weighted_moments(np.array([0.5, 0.5]), np.array([0.0, 1.0]), np.array([0.0, -2.0]))
    >>> m.sd_x, m.sd_y, m.corr
    (0.5, 1.0, -1.0)
    """
    rho = V_.real_array("d_ref", d_ref, min_ndim=1)
    x = V_.real_array("x", x)
    y = V_.real_array("y", y)
    if x.shape != rho.shape or y.shape != rho.shape:
        raise ValueError(f"x and y must have the shape of d_ref {rho.shape}; got {x.shape}, {y.shape}")
    if np.any(rho < 0) or rho.sum() <= 0:
        raise ValueError("d_ref must be non-negative with a positive sum")
    w = rho / rho.sum()
    mx, my = float(np.sum(w * x)), float(np.sum(w * y))
    vx, vy = float(np.sum(w * (x - mx) ** 2)), float(np.sum(w * (y - my) ** 2))
    if vx <= 0 or vy <= 0:
        raise ValueError("x and y must vary under d_ref (zero standard deviation)")
    cxy = float(np.sum(w * (x - mx) * (y - my)))
    return Moments(mx, my, float(np.sqrt(vx)), float(np.sqrt(vy)), float(cxy / np.sqrt(vx * vy)))


def proxy_bound(d, d_ref, r_true, r_proxy) -> tuple[np.ndarray, np.ndarray]:
    r"""Both sides of the correlated-proxy lower bound (derived; Laidlaw et al. 2025, Thm. 5.1
    [form inferred]) for normalised returns :math:`J(\pi, R) = \langle d^\pi, R\rangle`:

    .. math::

        J(\pi, R) - J(\pi_{\rm ref}, R) \;\ge\; \frac{\sigma_R}{\sigma_{\tilde R}}\Big[
            r\,\big(J(\pi, \tilde R) - J(\pi_{\rm ref}, \tilde R)\big)
            - \sigma_{\tilde R}\sqrt{1 - r^2}\,\sqrt{\chi^2(d^\pi\|d^{\rm ref})}\Big],

    with :math:`\sigma` and :math:`r = \mathrm{Corr}(R, \tilde R)` under :math:`d^{\rm ref}`.
    Proof: with :math:`w = d^\pi/d^{\rm ref}`, :math:`\Delta J_R = \mathrm{Cov}_{\rm ref}(w, R)`;
    write the standardised :math:`R = r\tilde Z + \sqrt{1-r^2}Z_\perp` and use
    Cauchy–Schwarz with :math:`\mathrm{Var}_{\rm ref}(w) = \chi^2`. The maximiser of the
    right-hand side over :math:`d` is the optimum of :func:`chi2_regularized` with
    :math:`\lambda = \sigma_{\tilde R}\sqrt{1-r^2}/r` (for :math:`r > 0`).

    Parameters
    ----------
    d : (..., S, A) array
        Occupancies (normalised), any leading batch shape.
    d_ref, r_true, r_proxy : (..., S, A) arrays broadcasting with ``d``
        Reference occupancy (``d`` must vanish where it does) and the two rewards.

    Returns
    -------
    (lhs, rhs) : arrays of the batch shape: the true improvement and the bound.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import occupancy
    >>> rho = np.full((1, 4), 0.25); R = np.array([[0.0, 1.0, 2.0, 3.0]]); Rp = np.array([[0.0, 1.0, 3.0, 2.0]])
    >>> lhs, rhs = occupancy.proxy_bound(np.array([[0.1, 0.2, 0.3, 0.4]]), rho, R, Rp)
    >>> bool(lhs >= rhs)
    True
    """
    d = V_.real_array("d", d, min_ndim=2)
    rho = V_.real_array("d_ref", d_ref, min_ndim=2)
    R = V_.real_array("r_true", r_true, min_ndim=2)
    Rp = V_.real_array("r_proxy", r_proxy, min_ndim=2)
    if np.any(d < 0) or np.any(rho < 0):
        raise ValueError("d and d_ref must be non-negative (occupancy measures)")
    d, rho, R, Rp = np.broadcast_arrays(d, rho, R, Rp)
    if np.any((rho == 0) & (d > 0)):
        raise ValueError("d charges a pair d_ref does not (infinite chi^2)")
    ax = (-2, -1)
    w = rho / rho.sum(axis=ax, keepdims=True)
    mx, my = (np.sum(w * x, axis=ax, keepdims=True) for x in (R, Rp))
    sx, sy = (np.sqrt(np.sum(w * (x - m) ** 2, axis=ax)) for x, m in ((R, mx), (Rp, my)))
    if np.any(sx <= 0) or np.any(sy <= 0):
        raise ValueError("r_true and r_proxy must vary under d_ref (zero standard deviation)")
    rr = np.sum(w * (R - mx) * (Rp - my), axis=ax) / (sx * sy)
    with np.errstate(divide="ignore", invalid="ignore"):
        chi = np.sum(np.where(rho > 0, (d - rho) ** 2 / np.where(rho > 0, rho, 1.0), 0.0), axis=ax)
    lhs = np.sum((d - rho) * R, axis=ax)
    dJp = np.sum((d - rho) * Rp, axis=ax)
    rhs = sx / sy * (rr * dJp - sy * np.sqrt(np.maximum(0.0, 1.0 - rr * rr)) * np.sqrt(chi))
    return lhs, rhs


# --------------------------------------------------------------------------- problem set-up


class _Problem(NamedTuple):
    A: sp.csr_matrix           # (|I|, |J|) flow constraints restricted to the support
    b: np.ndarray              # (|I|,)
    r: np.ndarray              # (|J|,)
    rho: np.ndarray            # (|J|,)
    J: np.ndarray              # flat (s, a) indices of the support
    I: np.ndarray              # states of the support
    S: int
    A_: int


def _setup(mdp, r, d_ref) -> _Problem:
    if not isinstance(mdp, DiscountedMDP) or mdp.batch_shape:
        raise TypeError("mdp must be a single (unbatched) DiscountedMDP")
    S, A = mdp.S, mdp.A
    r = V_.real_array("r", r, ndim=2)
    if r.shape != (S, A):
        raise ValueError(f"r must have shape ({S}, {A}); got {r.shape}")
    rho = V_.real_array("d_ref", d_ref, ndim=2)
    if rho.shape != (S, A) or np.any(rho < 0):
        raise ValueError(f"d_ref must be a non-negative ({S}, {A}) occupancy")
    A_eq, b_eq = flow_constraints(mdp)
    scale = max(1.0, float(np.abs(b_eq).sum()))
    if np.max(np.abs(A_eq @ rho.ravel() - b_eq)) > 1e-8 * scale:
        raise ValueError("d_ref must satisfy the flow constraints of mdp (an occupancy of mdp from mu0)")
    J = np.flatnonzero(rho.ravel() > 0)
    I = np.flatnonzero(rho.sum(axis=1) > 0)
    Asp = sp.csr_matrix(A_eq[np.ix_(I, J)])
    return _Problem(Asp, b_eq[I], r.ravel()[J], rho.ravel()[J], J, I, S, A)


def _expand(pb: _Problem, dJ, v):
    d = np.zeros(pb.S * pb.A_)
    d[pb.J] = dJ
    vv = np.zeros(pb.S)
    vv[pb.I] = v
    d = d.reshape(pb.S, pb.A_)
    return d, vv


def _spd_solver(M):
    """A solver for the sparse symmetric positive (semi)definite normal matrix ``M``: sparse LU
    with a tiny diagonal shift (relative 1e-14) against exact singularity."""
    from scipy.sparse.linalg import splu

    M = sp.csc_matrix(M)
    shift = 1e-14 * max(1.0, float(np.max(np.abs(M.diagonal()))))
    lu = splu(M + shift * sp.identity(M.shape[0], format="csc"), permc_spec="MMD_AT_PLUS_A")
    return lu.solve


def _newton(pb: _Problem, primal, hess_diag, g_fun, v0, tol, max_iter):
    """Damped (semi)smooth Newton on a convex dual g(v) with gradient b - A d(v)."""
    A, b = pb.A, pb.b
    v = np.zeros(A.shape[0]) if v0 is None else v0.copy()
    gv = g_fun(v)
    for it in range(1, max_iter + 1):
        d = primal(v)
        grad = b - A @ d
        if np.max(np.abs(grad)) <= tol:
            return v, d, it - 1
        D = hess_diag(v, d)
        step = _spd_solver(A.multiply(D[None, :]) @ A.T)(-grad)
        slope = grad @ step
        if not slope < 0:
            step, slope = -grad, -(grad @ grad)
        t = 1.0
        while True:
            vn = v + t * step
            gn = g_fun(vn)
            if np.isfinite(gn) and gn <= gv + 1e-4 * t * slope + 1e-15 * abs(gv):
                break
            t *= 0.5
            if t < 1e-20:
                # no further decrease within float64: accept the current point if nearly feasible
                if np.max(np.abs(grad)) <= 1e3 * tol:
                    return v, d, it
                raise RuntimeError(f"Newton line search failed (primal infeasibility {np.max(np.abs(grad)):.3g})")
        v, gv = vn, gn
    d = primal(v)
    res = np.max(np.abs(b - A @ d))
    if res > 1e3 * tol:
        raise RuntimeError(f"Newton did not converge in {max_iter} iterations (infeasibility {res:.3g})")
    return v, d, max_iter


def _qp_ipm(pb: _Problem, Qd, q, tol, max_iter):
    """Mehrotra predictor-corrector interior point for min 1/2 x'Qx + q'x, A x = b, x >= 0
    (Q diagonal, positive); starts from the interior feasible point x = rho."""
    A, b = pb.A, pb.b
    AT = A.T.tocsr()
    n = pb.rho.size
    x = pb.rho.copy()
    y = np.zeros(A.shape[0])
    z = np.full(n, max(1.0, float(np.max(np.abs(Qd * x + q)))))
    qs = 1.0 + float(np.max(np.abs(q)))
    it = 0
    for it in range(1, max_iter + 1):
        rd = Qd * x + q - AT @ y - z
        rp = A @ x - b
        mu = float(x @ z) / n
        if np.max(np.abs(rp)) <= tol and np.max(np.abs(rd)) <= tol * qs and mu <= tol * qs * 1e-2:
            break
        W = 1.0 / (Qd + z / x)
        solve = _spd_solver(A.multiply(W[None, :]) @ AT)

        def direction(rc):
            rhat = rd + rc / x
            dy = solve(-rp + A @ (W * rhat))
            dx = W * (AT @ dy - rhat)
            dz = (-rc - z * dx) / x
            return dx, dy, dz

        def max_step(v, dv):
            neg = dv < 0
            return 1.0 if not neg.any() else min(1.0, float(np.min(-v[neg] / dv[neg])))

        dxa, dya, dza = direction(x * z)
        aa = min(max_step(x, dxa), max_step(z, dza))
        mu_aff = float((x + aa * dxa) @ (z + aa * dza)) / n
        sig = (mu_aff / mu) ** 3
        dx, dy, dz = direction(x * z + dxa * dza - sig * mu)
        a = min(1.0, 0.995 * min(max_step(x, dx), max_step(z, dz)))
        x, y, z = x + a * dx, y + a * dy, z + a * dz
    else:
        res = float(np.max(np.abs(A @ x - b)))
        if res > 1e3 * tol:
            raise RuntimeError(f"interior point did not converge in {max_iter} iterations (infeasibility {res:.3g})")
    return -y, x, it


def _chi2_squared(pb: _Problem, c: float, v0, tol, max_iter):
    """max <d, r> - c chi^2(d || rho) as the QP min c sum d^2/rho - (r + 2c)'d on the support."""
    return _qp_ipm(pb, 2.0 * c / pb.rho, -pb.r - 2.0 * c, tol, max_iter)


def chi2_regularized(mdp: DiscountedMDP, r, d_ref, lam: float, *, penalty: str = "sqrt", tol: float = 1e-12,
                     max_iter: int = 200) -> OccupancyOptimum:
    r"""Exact maximiser of the :math:`\chi^2`-regularised return over the occupancy polytope.

    ``penalty="sqrt"`` (Laidlaw et al. 2025's objective):
    :math:`\max_d \langle d, r\rangle - \lambda\sqrt{\chi^2(d\|\rho)}`;
    ``penalty="squared"``: :math:`\max_d \langle d, r\rangle - \lambda\,\chi^2(d\|\rho)`.
    Both are convex programmes over :math:`\{d \ge 0, A_{eq}d = b_{eq}\}` with the same
    solution path; see the module docstring for the dual Newton solver.

    Parameters
    ----------
    mdp : DiscountedMDP
        Dynamics, ``gamma`` and ``mu0`` (its reward is ignored).
    r : (S, A) array
        The reward to maximise (e.g. the proxy).
    d_ref : (S, A) array
        Reference occupancy of ``mdp`` (e.g. ``mdp.occupancy(m, pi_ref)``).
    lam : float >= 0
        Regularisation strength (0: the unregularised LP optimum, computed as the limit
        of small ``lambda'``; use :func:`~theorylab.rl.mdp.occupancy_lp` instead).
    tol : float
        Primal feasibility tolerance :math:`\lVert A_{eq}d - b_{eq}\rVert_\infty`.

    Returns
    -------
    OccupancyOptimum

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, occupancy
    >>> m = mdp.random_mdp(4, 2, gamma=0.8, rng=np.random.default_rng(0))
    >>> rho = mdp.occupancy(m, mdp.uniform_policy(m))
    >>> opt = occupancy.chi2_regularized(m, m.r, rho, 0.05)
    >>> bool(opt.objective >= float((rho * m.r).sum()))     # beats staying at the reference
    True
    >>> bool(np.allclose(occupancy.chi2_regularized(m, m.r, rho, 10.0).d, rho))   # large lambda: rho
    True
    """
    pen = V_.choice("penalty", penalty, ("sqrt", "squared"))
    lam = V_.real_in("lam", lam, 0.0, np.inf, lo_open=True)
    tol = V_.real_in("tol", tol, 0.0, np.inf, lo_open=True)
    max_iter = V_.integer_in("max_iter", max_iter, low=1)
    pb = _setup(mdp, r, d_ref)
    if pen == "squared":
        v, dJ, it = _chi2_squared(pb, lam, None, tol, max_iter)
        d, vv = _expand(pb, dJ, v)
        chi = chi2_divergence(d, d_ref)
        return OccupancyOptimum(d, policy_from_occupancy(d), float(pb.r @ dJ - lam * chi), chi, vv, lam, it)
    # the c -> infinity limit: all pairs active, A (rho * delta) = 0
    A, rho = pb.A, pb.rho
    M = (A.multiply(rho[None, :]) @ A.T).toarray()
    v_inf = np.linalg.lstsq(M, A @ (rho * pb.r), rcond=None)[0]
    delta = pb.r - A.T @ v_inf
    lam_max = float(np.sqrt(np.sum(rho * delta ** 2)))
    if lam >= lam_max:
        d, vv = _expand(pb, rho.copy(), v_inf)
        return OccupancyOptimum(d, policy_from_occupancy(d), float(pb.r @ rho), 0.0, vv, np.inf, 0)
    state = {"v": None, "it": 0, "d": None}

    def h(logc):
        c = float(np.exp(logc))
        v, dJ, it = _chi2_squared(pb, c, state["v"], tol, max_iter)
        state.update(v=v, it=state["it"] + it, d=dJ)
        return 2.0 * c * np.sqrt(np.sum((dJ - rho) ** 2 / rho)) - lam

    lo = hi = np.log(max(lam, 1e-300) / 2.0)
    while h(hi) <= 0:
        hi += np.log(10.0)
    while h(lo) >= 0:
        lo -= np.log(10.0)
    logc = brentq(h, lo, hi, xtol=1e-11, rtol=8 * np.finfo(float).eps, maxiter=200)
    h(logc)
    d, vv = _expand(pb, state["d"], state["v"])
    chi = chi2_divergence(d, d_ref)
    return OccupancyOptimum(d, policy_from_occupancy(d), float(pb.r @ state["d"] - lam * np.sqrt(chi)), chi, vv,
                            float(np.exp(logc)), state["it"])


def kl_regularized(mdp: DiscountedMDP, r, d_ref, lam: float, *, kind: str = "occupancy", tol: float = 1e-12,
                   max_iter: int = 200) -> OccupancyOptimum:
    r"""Exact maximiser of a KL-regularised return over the occupancy polytope.

    * ``kind="occupancy"``: :math:`\max_d \langle d, r\rangle - \lambda\,\mathrm{KL}(d\|\rho)`
      (relative-entropy policy search, Peters et al. 2010). Dual Newton on
      :math:`g(v) = v^\top b + \lambda\sum\rho\,e^{\delta/\lambda - 1}`,
      :math:`d = \rho\,e^{\delta/\lambda - 1}`, :math:`\delta = r + \gamma P v - v`.
    * ``kind="conditional"``: :math:`\max_d \langle d, r\rangle - \lambda\sum_{s,a} d(s,a)
      \log\frac{\pi_d(a|s)}{\pi_{\rm ref}(a|s)}`, the discounted action-distribution KL of
      KL-regularised RL, with :math:`\pi_{\rm ref} = \rho/\rho_S`. Convex in ``d`` (a
      perspective). Its dual is the soft Bellman equation
      :math:`v(s) = \lambda\log\sum_a\pi_{\rm ref}(a|s)e^{(r + \gamma P v)(s,a)/\lambda}`,
      solved by Newton's method (Jacobian :math:`I - \gamma P_\pi`, sparse): each step is
      an exact regularised policy evaluation, i.e. soft policy iteration, monotone and
      locally quadratic. The optimum is the policy of soft value iteration
      (:func:`~theorylab.rl.mdp.soft_value_iteration`, a fixed-point iteration) with
      temperature ``lam`` and reference :math:`\pi_{\rm ref}`, and the objective is
      :math:`(1-\gamma)\,\mu_0\cdot V_{\rm soft}`.

    Examples
    --------
    >>> import numpy as np
    >>> from theorylab.rl import mdp, occupancy
    >>> m = mdp.random_mdp(3, 2, gamma=0.7, rng=np.random.default_rng(1))
    >>> ref = mdp.uniform_policy(m); rho = mdp.occupancy(m, ref)
    >>> opt = occupancy.kl_regularized(m, m.r, rho, 0.3, kind="conditional")
    >>> sol = mdp.soft_value_iteration(m, temperature=0.3, ref_policy=ref)
    >>> bool(np.allclose(opt.pi, sol.pi, atol=1e-9)), bool(np.isclose(opt.objective, 0.3 * m.mu0 @ sol.V))
    (True, True)
    """
    kind = V_.choice("kind", kind, ("occupancy", "conditional"))
    lam = V_.real_in("lam", lam, 0.0, np.inf, lo_open=True)
    tol = V_.real_in("tol", tol, 0.0, np.inf, lo_open=True)
    max_iter = V_.integer_in("max_iter", max_iter, low=1)
    pb = _setup(mdp, r, d_ref)
    if kind == "occupancy":
        A, r_, rho = pb.A, pb.r, pb.rho
        gam = mdp.gamma

        def expo(v):
            return (r_ - A.T @ v) / lam - 1.0

        def primal(v):
            return rho * np.exp(np.minimum(expo(v), 700.0))

        def g(v):
            e = expo(v)
            if np.max(e) > 700:
                return np.inf
            return float(v @ pb.b + lam * np.sum(rho * np.exp(e)))

        def hd(v, d):
            return d / lam

        v0 = np.full(A.shape[0], (float(np.max(r_)) - lam) / (1.0 - gam))   # max exponent = 0
        v, dJ, it = _newton(pb, primal, hd, g, v0, tol, max_iter)
        d, vv = _expand(pb, dJ, v)
        kl = kl_divergence(d, d_ref)
        return OccupancyOptimum(d, policy_from_occupancy(d), float(r_ @ dJ - lam * kl), kl, vv, lam, it)
    return _kl_conditional(pb, mdp, np.asarray(r, dtype=float), lam, tol, max_iter, d_ref)


def _kl_conditional(pb: _Problem, mdp, r_full, lam, tol, max_iter, d_ref):
    """Newton's method on the soft Bellman equation v = T(v) (the dual of the conditional-KL
    programme); each Newton step is an exact regularised policy evaluation (soft policy
    iteration), so the iteration is monotone and converges quadratically near the optimum."""
    from scipy.sparse.linalg import splu

    S, A = pb.S, pb.A_
    ref = policy_from_occupancy(np.asarray(d_ref, dtype=float))
    with np.errstate(divide="ignore"):
        log_ref = np.log(ref)
    r = np.where(np.isfinite(log_ref), r_full, 0.0)       # pairs rho never takes carry no mass
    Psp = sp.csr_matrix(mdp.P.reshape(S * A, S))
    g = mdp.gamma
    v = np.zeros(S)
    eye = sp.identity(S, format="csc")
    rows = np.repeat(np.arange(S), A)
    it = 0
    for it in range(1, max_iter + 1):
        q = r + g * (Psp @ v).reshape(S, A)
        z = q / lam + log_ref
        zmax = z.max(axis=1, keepdims=True)
        w = np.exp(z - zmax)
        Z = w.sum(axis=1, keepdims=True)
        pi = w / Z
        Tv = lam * (np.log(Z[:, 0]) + zmax[:, 0])
        res = float(np.max(np.abs(v - Tv)))
        if res <= tol * max(1.0, float(np.max(np.abs(v)))):
            break
        Ppi = sp.csr_matrix((pi.ravel(), (rows, np.arange(S * A))), shape=(S, S * A)) @ Psp
        with np.errstate(divide="ignore", invalid="ignore"):
            kl = np.sum(np.where(pi > 0, pi * (np.log(np.where(pi > 0, pi, 1.0)) - np.where(pi > 0, log_ref, 0.0)), 0.0),
                        axis=1)
        rhs = np.sum(pi * r, axis=1) - lam * kl
        v = splu(sp.csc_matrix(eye - g * Ppi)).solve(rhs)
    else:
        raise RuntimeError(f"soft policy iteration did not converge in {max_iter} steps (residual {res:.3g})")
    d = occupancy(mdp, pi)
    obj = (1.0 - g) * float(mdp.mu0 @ v)
    with np.errstate(divide="ignore", invalid="ignore"):
        ckl = float(np.sum(np.where(d > 0, d * (np.log(np.where(d > 0, pi, 1.0)) - np.where(d > 0, log_ref, 0.0)), 0.0)))
    return OccupancyOptimum(d, pi, obj, ckl, v, lam, it - 1)

"""Step sizes and the learners: projected OGD, optimistic OMD, optimistic ONS
(part of :mod:`theorylab.online`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from .. import _validate as V
from ._core import (
    _finite,
    _proj,
    _rowdot,
)
from ._sea import (
    SEAInstance,
    _check_instance,
    _grad,
    _losses,
)


# --------------------------------------------------------------------------- #
# step sizes
# --------------------------------------------------------------------------- #
def omd_step_convex(cum_sq_dev, *, diameter: float, smoothness: float, delta: float = 1.0) -> np.ndarray:
    """Convex-smooth optimistic OMD step (paper, Theorem 1; constants inferred):

    ``eta_t = min{ D / sqrt(delta + sum_{s<t} ||g_s - M_s||^2), 1 / (4 L) }``.

    ``cum_sq_dev`` is ``sum_{s<t} ||g_s - M_s||^2`` (any shape, >= 0); same shape out.

    Examples
    --------
    >>> omd_step_convex(np.array([0.0, 99.0]), diameter=2.0, smoothness=1.0).tolist()  # min(D / sqrt(1 + c), 1/(4L))
    [0.25, 0.2]
    """
    c = _finite("cum_sq_dev", cum_sq_dev, nonneg=True)
    D = V.positive("diameter", diameter)
    L = V.positive("smoothness", smoothness)
    dl = V.positive("delta", delta)
    return np.minimum(D / np.sqrt(dl + c), 1.0 / (4.0 * L))


def omd_step_strongly_convex(t, *, lam: float, smoothness: float) -> np.ndarray:
    """Strongly-convex optimistic OMD step ``eta_t = 1 / (lam t + 4 L)`` (1-based ``t``).

    [inferred] the paper's rule is ``eta_t ~ 1/(lam t)`` capped by the smoothness
    condition ``eta_t <= 1/(4L)``; this form meets both ``1/eta_t - 1/eta_{t-1} <= lam``
    and ``eta_t <= 1/(4L)``, the two inequalities its analysis uses.

    Examples
    --------
    >>> omd_step_strongly_convex(np.array([1.0, 2.0]), lam=1.0, smoothness=1.0).round(6).tolist()
    [0.2, 0.166667]
    """
    ta = _finite("t", t, positive=True)
    lam = V.positive("lam", lam)
    L = V.real("smoothness", smoothness, low=0.0)
    return 1.0 / (lam * ta + 4.0 * L)


def ogd_step(t, *, diameter: float, grad_bound: float, lam: float = 0.0) -> np.ndarray:
    """Projected OGD step: ``D / (G sqrt t)`` (convex) or ``1 / (lam t)`` if ``lam > 0``
    (Zinkevich 2003; Hazan, Agarwal & Kale 2007). ``t`` is 1-based.

    Examples
    --------
    >>> ogd_step(np.array([1.0, 4.0]), diameter=2.0, grad_bound=1.0).tolist(), ogd_step(2.0, diameter=2.0, grad_bound=1.0, lam=0.5).tolist()
    ([2.0, 1.0], 1.0)
    """
    ta = _finite("t", t, positive=True)
    lam = V.real("lam", lam, low=0.0)
    if lam > 0:
        return 1.0 / (lam * ta)
    D = V.positive("diameter", diameter)
    G = V.positive("grad_bound", grad_bound)
    return D / (G * np.sqrt(ta))


def ons_gamma(*, grad_bound: float, diameter: float, alpha: float) -> float:
    """Online Newton Step parameter ``gamma = min{1/(4 G D), alpha} / 2`` for
    ``alpha``-exp-concave losses (Hazan, Agarwal & Kale 2007, Theorem 2).

    Examples
    --------
    >>> ons_gamma(grad_bound=1.0, diameter=2.0, alpha=1.0)  # min(1/8, 1) / 2
    0.0625
    """
    G = V.positive("grad_bound", grad_bound)
    D = V.positive("diameter", diameter)
    a = V.positive("alpha", alpha)
    return 0.5 * min(1.0 / (4.0 * G * D), a)


# --------------------------------------------------------------------------- #
# learners
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class OCORun:
    """Trajectory of one learner on one instance.

    x : (R, T, d) played points; losses : (R, T) ``f_t(x_t)``;
    exp_losses : (R, T) ``F_t(x_t)``; sq_dev : (R, T) ``||g_t - M_t||^2`` (optimism
    error; for OGD ``M_t = 0``); eta : (R, T) step sizes used.
    """

    x: np.ndarray
    losses: np.ndarray
    exp_losses: np.ndarray
    sq_dev: np.ndarray
    eta: np.ndarray


def _alloc(inst: SEAInstance):
    R, T, d = inst.n_repeats, inst.T, inst.dim
    return np.empty((R, T, d)), np.empty((R, T)), np.empty((R, T)), np.empty((R, T)), np.empty((R, T))


def run_ogd(inst: SEAInstance, *, step: Literal["convex", "strongly-convex"] = "convex",
            grad_bound: float | None = None) -> OCORun:
    """Projected online gradient descent ``x_{t+1} = Pi(x_t - eta_t g_t)``, ``x_1 = 0``,
    with :func:`ogd_step` (``G`` defaults to ``inst.grad_bound`` plus the noise's
    ``sqrt(d) max sigma``). Vectorised over repetitions; loops over ``t`` only.

    Examples
    --------
    >>> from theorylab.online import make_sea
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=20, n_repeats=2, sigma=0.1, lam=0.5, rng=np.random.default_rng(0))
    >>> run = run_ogd(inst, step='strongly-convex')
    >>> run.x.shape, bool((np.linalg.norm(run.x, axis=-1) <= 1 + 1e-12).all())
    ((2, 20, 2), True)
    """
    _check_instance(inst)
    if step not in ("convex", "strongly-convex"):
        raise ValueError(f"step must be 'convex' or 'strongly-convex'; got {step!r}")
    if step == "strongly-convex" and inst.lam <= 0:
        raise ValueError("step='strongly-convex' needs an instance with lam > 0")
    if grad_bound is None:
        G = max(inst.grad_bound + np.sqrt(inst.dim) * float(inst.sigma.max()), 1e-12)
    else:
        G = V.positive("grad_bound", grad_bound)
    X, Lo, EL, SD, ET = _alloc(inst)
    x = np.zeros((inst.n_repeats, inst.dim))
    for t in range(inst.T):
        X[:, t] = x
        Lo[:, t], EL[:, t] = _losses(inst, x, t)
        g = _grad(inst, x, t)
        SD[:, t] = _rowdot(g, g)
        eta = 1.0 / (inst.lam * (t + 1)) if step == "strongly-convex" else inst.diameter / (G * np.sqrt(t + 1.0))
        ET[:, t] = eta
        x = _proj(x - eta * g, inst.radius)
    return OCORun(X, Lo, EL, SD, ET)


def run_optimistic_omd(
    inst: SEAInstance,
    *,
    step: Literal["convex", "strongly-convex", "fixed"] = "convex",
    delta: float = 1.0,
    eta=None,
) -> OCORun:
    """Euclidean optimistic OMD with last-gradient hints (paper, Algorithm 1):

    ``x_t = Pi(xhat_t - eta_t M_t)``; play ``x_t``, observe ``g_t = grad f_t(x_t)``;
    ``xhat_{t+1} = Pi(xhat_t - eta_t g_t)``; ``M_{t+1} = g_t`` (``M_1 = 0``, ``xhat_1 = 0``).

    Step sizes: ``"convex"`` -> :func:`omd_step_convex` (Theorem 1), ``"strongly-convex"``
    -> :func:`omd_step_strongly_convex` (Theorem 3, inferred constants), ``"fixed"`` ->
    the constant ``eta`` given (scalar or ``(R,)``; used for the dynamic-regret check,
    where the paper's meta-algorithm learns this constant).

    Examples
    --------
    >>> from theorylab.online import make_sea
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=20, n_repeats=2, sigma=0.1, rng=np.random.default_rng(0))
    >>> run_optimistic_omd(inst).losses.shape
    (2, 20)
    """
    _check_instance(inst)
    if step not in ("convex", "strongly-convex", "fixed"):
        raise ValueError(f"step must be 'convex', 'strongly-convex' or 'fixed'; got {step!r}")
    L = max(inst.smoothness, 1e-12)
    delta = V.positive("delta", delta)
    if step == "strongly-convex" and inst.lam <= 0:
        raise ValueError("step='strongly-convex' needs an instance with lam > 0")
    if step == "fixed":
        if eta is None:
            raise ValueError("eta is required with step='fixed'")
        eta_fixed = np.broadcast_to(_finite("eta", eta, positive=True), (inst.n_repeats,)).astype(float)
    R, d = inst.n_repeats, inst.dim
    X, Lo, EL, SD, ET = _alloc(inst)
    xhat = np.zeros((R, d))
    M = np.zeros((R, d))
    cum = np.zeros(R)
    for t in range(inst.T):
        if step == "convex":
            e = np.minimum(inst.diameter / np.sqrt(delta + cum), 1.0 / (4.0 * L))  # omd_step_convex
        elif step == "strongly-convex":
            e = np.full(R, 1.0 / (inst.lam * (t + 1) + 4.0 * L))
        else:
            e = eta_fixed
        x = _proj(xhat - e[:, None] * M, inst.radius)
        X[:, t] = x
        Lo[:, t], EL[:, t] = _losses(inst, x, t)
        g = _grad(inst, x, t)
        dgm = g - M
        dev = _rowdot(dgm, dgm)
        SD[:, t] = dev
        ET[:, t] = e
        xhat = _proj(xhat - e[:, None] * g, inst.radius)
        M = g
        cum = cum + dev
    return OCORun(X, Lo, EL, SD, ET)


def _project_ball_metric(z: np.ndarray, Q: np.ndarray, lam: np.ndarray, radius: float, n_newton: int = 30) -> np.ndarray:
    """``argmin_{||y|| <= r} (y - z)^T A (y - z)`` with ``A = Q diag(lam) Q^T`` (batched).

    Outside the ball the solution is ``y(mu) = (A + mu I)^{-1} A z`` with ``||y(mu)|| = r``;
    ``1/||y(mu)||`` is concave increasing in ``mu`` (the trust-region secular equation),
    so Newton from ``mu = 0`` converges monotonically.
    """
    nz = np.linalg.norm(z, axis=-1)
    out = z.copy()
    mask = nz > radius
    if not np.any(mask):
        return out
    Qm, lm = Q[mask], lam[mask]
    c = lm * np.einsum("rij,ri->rj", Qm, z[mask])  # Q^T A z in eigen-coordinates
    mu = np.zeros(c.shape[0])
    for _ in range(n_newton):
        den = lm + mu[:, None]
        p2 = np.sum((c / den) ** 2, axis=-1)
        p = np.sqrt(p2)
        psi = 1.0 / p - 1.0 / radius
        if np.max(np.abs(psi)) * radius < 1e-13:
            break
        dpsi = np.sum(c**2 / den**3, axis=-1) / p**3
        mu = np.maximum(mu - psi / dpsi, 0.0)
    y = np.einsum("rij,rj->ri", Qm, c / (lm + mu[:, None]))
    y = _proj(y, radius)  # remove residual round-off outside the ball
    out[mask] = y
    return out


def run_optimistic_ons(inst: SEAInstance, *, gamma: float, eps: float = 1.0) -> OCORun:
    """Optimistic Online Newton Step for exp-concave losses (paper, Section 3.3; the
    exact matrix and constants are [inferred]):

    ``A_t = eps I + sum_{s<=t} (g_s - M_s)(g_s - M_s)^T``;
    ``x_t = Pi^{A_{t-1}}(xhat_t - A_{t-1}^{-1} M_t / gamma)``;
    ``xhat_{t+1} = Pi^{A_t}(xhat_t - A_t^{-1} g_t / gamma)``; ``M_{t+1} = g_t``,

    where ``Pi^A`` is the projection in the norm ``||.||_A`` (secular equation,
    vectorised). The regret then scales with ``d log(sum_t ||g_t - M_t||^2)``.

    Examples
    --------
    >>> from theorylab.online import make_sea
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=20, n_repeats=2, sigma=0.1, rng=np.random.default_rng(0))
    >>> run_optimistic_ons(inst, gamma=0.5).x.shape
    (2, 20, 2)
    """
    _check_instance(inst)
    gamma = V.positive("gamma", gamma)
    eps = V.positive("eps", eps)
    R, d = inst.n_repeats, inst.dim
    X, Lo, EL, SD, ET = _alloc(inst)
    Amat = np.broadcast_to(eps * np.eye(d), (R, d, d)).copy()
    xhat = np.zeros((R, d))
    M = np.zeros((R, d))
    lam_e, Q = np.linalg.eigh(Amat)
    for t in range(inst.T):
        step_M = np.einsum("rij,rj,rkj,rk->ri", Q, 1.0 / lam_e, Q, M) / gamma
        x = _project_ball_metric(xhat - step_M, Q, lam_e, inst.radius)
        X[:, t] = x
        Lo[:, t], EL[:, t] = _losses(inst, x, t)
        g = _grad(inst, x, t)
        dg = g - M
        SD[:, t] = _rowdot(dg, dg)
        ET[:, t] = 1.0 / gamma
        Amat += dg[:, :, None] * dg[:, None, :]
        lam_e, Q = np.linalg.eigh(Amat)
        step_g = np.einsum("rij,rj,rkj,rk->ri", Q, 1.0 / lam_e, Q, g) / gamma
        xhat = _project_ball_metric(xhat - step_g, Q, lam_e, inst.radius)
        M = g
    return OCORun(X, Lo, EL, SD, ET)

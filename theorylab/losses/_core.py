"""Validation and internal kernels shared by :mod:`theorylab.losses` (callers of the
internal kernels trust their inputs; ``tau`` may be an array broadcasting over rows)."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .. import _validate as V


_SUM_TOL = 1e-9
"""Tolerance on ``|sum(p) - 1|`` for a probability vector."""

_MAX_STEP = 2.0
"""Largest change of any score in one Newton step of :func:`minimize_conditional_risk`."""

_EPS_SLACK = 1e-12
"""Surrogate regrets in ``[-_EPS_SLACK, 0)`` are float round-off of a zero regret."""


# --------------------------------------------------------------------------- #
# validation (public boundary)
# --------------------------------------------------------------------------- #
_MAX_SCORE = 300.0
"""Largest score bound: the sum-exponential loss of a score gap 2 * 300 is e^600, still
finite in float64 (a bound above ~350 makes the losses overflow)."""

MAX_CLASSES = 10**6
"""Largest number of classes."""


def _check_tau(tau) -> float:
    return V.real("tau", tau, low=0.0)


def _check_n(n, name: str = "n") -> int:
    return V.count(name, n, low=2, high=MAX_CLASSES)


def _as_float(name: str, value) -> np.ndarray:
    return V.array(name, value)


def _check_scores(scores, name: str = "scores") -> np.ndarray:
    h = _as_float(name, scores)
    if h.ndim < 1:
        raise ValueError(f"{name} must have shape (..., n); got a scalar")
    if h.shape[-1] < 2:
        raise ValueError(f"{name} must have at least 2 classes on its last axis; got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError(f"{name} contains non-finite values (nan or inf)")
    return h


def _check_prob(p, name: str = "p") -> np.ndarray:
    q = _as_float(name, p)
    if q.ndim < 1:
        raise ValueError(f"{name} must have shape (..., n); got a scalar")
    if q.shape[-1] < 2:
        raise ValueError(f"{name} must have at least 2 classes on its last axis; got shape {q.shape}")
    if not np.all(np.isfinite(q)):
        raise ValueError(f"{name} contains non-finite values (nan or inf)")
    if np.any(q < 0):
        raise ValueError(f"{name} must be non-negative; smallest entry {q.min():.3g}")
    dev = np.abs(q.sum(axis=-1) - 1.0)
    if np.any(dev > _SUM_TOL):
        raise ValueError(f"{name} must sum to 1 along its last axis; largest deviation {dev.max():.3g}")
    return q


def _check_same_shape(a: np.ndarray, b: np.ndarray, name_a: str, name_b: str) -> None:
    if a.shape != b.shape:
        raise ValueError(f"{name_a} {a.shape} and {name_b} {b.shape} must have the same shape")


def _check_t(t, name: str = "t") -> np.ndarray:
    arr = _as_float(name, t)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(f"{name} must lie in [0, 1]")
    return arr


def _check_labels(y, shape: tuple[int, ...], n: int) -> np.ndarray:
    lab = V.int_array("y", y)
    if lab.shape != shape:
        raise ValueError(f"y must have shape {shape} (the scores without their class axis); got {lab.shape}")
    if lab.size and (lab.min() < 0 or lab.max() >= n):
        raise ValueError(f"y must lie in [0, {n}); got range [{lab.min()}, {lab.max()}]")
    return lab.astype(np.intp)


# --------------------------------------------------------------------------- #
# internal kernels (trust their callers; tau may be an array broadcasting over rows)
# --------------------------------------------------------------------------- #
def _log_softmax(h: np.ndarray) -> np.ndarray:
    return h - special.logsumexp(h, axis=-1, keepdims=True)


def _psi_of_log(ls: np.ndarray, tau) -> np.ndarray:
    """ell_tau as a function of log s_y: expm1((tau-1) log s)/(1-tau), -log s at tau=1."""
    tau = np.asarray(tau, dtype=float)
    one = tau == 1.0
    denom = np.where(one, 1.0, 1.0 - tau)
    with np.errstate(over="ignore"):
        gen = np.expm1((tau - 1.0) * ls) / denom
    return np.where(one, -ls, gen)


def _cond_risk_and_grad(h: np.ndarray, p: np.ndarray, tau) -> tuple[np.ndarray, np.ndarray]:
    """C_tau(h; p) = sum_y p_y ell_tau(h, y) and its gradient in h. Shapes (B, n) -> (B,), (B, n)."""
    ls = _log_softmax(h)
    s = np.exp(ls)
    loss = _psi_of_log(ls, tau)
    pos = p > 0
    value = np.sum(np.where(pos, p * np.where(pos, loss, 0.0), 0.0), axis=-1)
    # d ell_tau(h, y)/d h_k = -s_y^{tau-1} (delta_yk - s_k);  w_y = p_y s_y^{tau-1}
    w = np.where(pos, p * np.exp((np.asarray(tau, dtype=float) - 1.0) * np.where(pos, ls, 0.0)), 0.0)
    grad = -w + s * w.sum(axis=-1, keepdims=True)
    return value, grad


def _cstar(p: np.ndarray, tau: float) -> np.ndarray:
    if tau == 1.0:
        return special.entr(p).sum(axis=-1)
    if tau >= 2.0:
        return (1.0 - p.max(axis=-1)) / (tau - 1.0)
    a = 1.0 / (2.0 - tau)
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    # (2 - tau) log sum_y p_y^a, computed as logsumexp(a log p) / a (stable as tau -> 2)
    log_pow = special.logsumexp(a * logp, axis=-1) / a
    return np.expm1(log_pow) / (1.0 - tau)


def _logcosh(x: np.ndarray) -> np.ndarray:
    x = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        small = np.log1p(2.0 * np.sinh(0.5 * x) ** 2)
        large = x + np.log1p(np.exp(-2.0 * x)) - math.log(2.0)
    return np.where(x < 1.0, small, large)


def _log_mean_power(t: np.ndarray, a: float) -> np.ndarray:
    """log(((1+t)^a + (1-t)^a)/2) without cancellation near t = 0; exact at t = 1."""
    tt = np.where(t < 1.0, t, 0.5)  # t == 1 is handled by the closed form below
    val = 0.5 * a * np.log1p(-tt * tt) + _logcosh(a * np.arctanh(tt))
    return np.where(t < 1.0, val, (a - 1.0) * math.log(2.0))


def _pow(n: int, e: float) -> float:
    """``n ** e`` in float64: inf instead of OverflowError for huge exponents (T_tau -> 0)."""
    with np.errstate(over="ignore"):
        return float(np.power(np.float64(n), e))


def _t_tau(t: np.ndarray, tau: float, n: int) -> np.ndarray:
    if tau >= 2.0:
        return t / ((tau - 1.0) * _pow(n, tau - 1.0))
    if tau == 1.0:
        tt = np.where(t < 1.0, t, 0.5)
        val = tt * np.arctanh(tt) + 0.5 * np.log1p(-tt * tt)
        return np.where(t < 1.0, val, math.log(2.0))
    a = 1.0 / (2.0 - tau)
    lm = _log_mean_power(t, a)
    if tau < 1.0:
        return 2.0 ** (1.0 - tau) / (1.0 - tau) * (-np.expm1((2.0 - tau) * lm))
    return np.expm1((2.0 - tau) * lm) / ((tau - 1.0) * _pow(n, tau - 1.0))

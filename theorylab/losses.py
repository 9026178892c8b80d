r"""Comp-sum losses, their conditional risks and their H-consistency bounds.

Kernels for :cite:t:`mao2023crossentropy` (Mao, Mohri, Zhong, *Cross-Entropy Loss
Functions: Theoretical Analysis and Applications*, ICML 2023, arXiv:2304.07288), used by
``notebooks/learning-theory/cross-entropy-hconsistency.md``.

The comp-sum family (paper, Section 2) applies a non-decreasing
:math:`\Phi^\tau` to the sum of exponentiated score differences,

.. math::

    \ell_\tau(h, x, y) = \Phi^\tau\Big(\sum_{y' \ne y} e^{h(x, y') - h(x, y)}\Big),
    \qquad
    \Phi^\tau(u) = \begin{cases}
        \frac{(1 + u)^{1-\tau} - 1}{1 - \tau} & \tau \ge 0,\ \tau \ne 1,\\
        \log(1 + u) & \tau = 1,
    \end{cases}

so that with the softmax probability :math:`s_y = 1 / (1 + u)`,
:math:`\ell_\tau = (s_y^{\tau - 1} - 1)/(1 - \tau)` and :math:`\ell_1 = -\log s_y`:
``tau = 0`` sum-exponential, ``tau = 1`` logistic (cross-entropy), ``tau`` in (1, 2)
generalized cross-entropy with ``q = tau - 1``, ``tau = 2`` mean absolute error.
Everything here is computed from the log-softmax, so large scores never overflow.

Conventions
-----------
* Scores have shape ``(..., n)`` (last axis = the ``n >= 2`` classes); the prediction is
  ``argmax`` with ties broken towards the **lowest** index (``numpy.argmax``).
* Probability vectors ``p`` (conditional distributions ``p(. | x)``) have shape
  ``(..., n)``, entries ``>= 0`` summing to 1 (to ``1e-9``).
* Natural logarithms throughout; float64.
* The symbols of the paper map to ASCII names: :math:`T_\tau` is :func:`t_tau`,
  :math:`\Gamma_\tau = T_\tau^{-1}` is :func:`gamma_tau`, :math:`\mathcal{C}^*_\tau` is
  :func:`cstar`.

Which formulas are read from the paper and which are derived is stated in the
notebook; in short, the family and Theorem 1's :math:`T_\tau` are recalled from the
paper, the closed forms of :math:`\mathcal{C}^*_\tau` are derived (Lagrange) and tested
with sympy in ``tests/test_losses.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import special

__all__ = [
    "FiniteDistribution",
    "calibration_transform_numeric",
    "comp_sum_loss",
    "comp_sum_loss_all",
    "comp_sum_loss_grad",
    "comp_sum_phi",
    "conditional_regret",
    "conditional_risk",
    "conditional_risk_grad",
    "cstar",
    "excess_risks_exact",
    "fit_linear_comp_sum",
    "gamma_tau",
    "gap_constant_class",
    "gap_constant_class_uniform",
    "log_softmax",
    "minimize_conditional_risk",
    "sample_gap_distributions",
    "softmax",
    "surrogate_risk_exact",
    "t_tau",
    "zero_one_conditional_regret",
    "zero_one_gap_constant_class",
    "zero_one_risk_exact",
]

_SUM_TOL = 1e-9
"""Tolerance on ``|sum(p) - 1|`` for a probability vector."""

_MAX_STEP = 2.0
"""Largest change of any score in one Newton step of :func:`minimize_conditional_risk`."""

_EPS_SLACK = 1e-12
"""Surrogate regrets in ``[-_EPS_SLACK, 0)`` are float round-off of a zero regret."""


# --------------------------------------------------------------------------- #
# validation (public boundary)
# --------------------------------------------------------------------------- #
def _check_tau(tau) -> float:
    if isinstance(tau, (bool, np.bool_)) or not isinstance(tau, (Real, np.floating, np.integer)):
        raise TypeError(f"tau must be a real number >= 0; got {type(tau).__name__}")
    value = float(tau)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"tau must be a finite number >= 0; got {tau!r}")
    return value


def _check_n(n) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (Integral, np.integer)):
        raise TypeError(f"n must be an integer number of classes >= 2; got {type(n).__name__}")
    if int(n) < 2:
        raise ValueError(f"n must be >= 2 (number of classes); got {n!r}")
    return int(n)


def _as_float(name: str, value) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array; got {type(value).__name__}") from exc
    return arr


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
    lab = np.asarray(y)
    if lab.dtype.kind not in "iu":
        raise TypeError(f"y must be an integer array of class labels; got dtype {lab.dtype}")
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


def _t_tau(t: np.ndarray, tau: float, n: int) -> np.ndarray:
    if tau >= 2.0:
        return t / ((tau - 1.0) * n ** (tau - 1.0))
    if tau == 1.0:
        tt = np.where(t < 1.0, t, 0.5)
        val = tt * np.arctanh(tt) + 0.5 * np.log1p(-tt * tt)
        return np.where(t < 1.0, val, math.log(2.0))
    a = 1.0 / (2.0 - tau)
    lm = _log_mean_power(t, a)
    if tau < 1.0:
        return 2.0 ** (1.0 - tau) / (1.0 - tau) * (-np.expm1((2.0 - tau) * lm))
    return np.expm1((2.0 - tau) * lm) / ((tau - 1.0) * n ** (tau - 1.0))


# --------------------------------------------------------------------------- #
# losses
# --------------------------------------------------------------------------- #
def log_softmax(scores) -> np.ndarray:
    r"""Log-softmax over the last axis, :math:`\log s_y = h_y - \log\sum_{y'} e^{h_{y'}}`.

    ``(..., n) -> (..., n)``; stable for any finite scores (log-sum-exp).
    """
    return _log_softmax(_check_scores(scores))


def softmax(scores) -> np.ndarray:
    r"""Softmax over the last axis, :math:`s_y = e^{h_y} / \sum_{y'} e^{h_{y'}}`. ``(..., n) -> (..., n)``."""
    return np.exp(log_softmax(scores))


def comp_sum_phi(u, tau: float) -> np.ndarray:
    r"""The comp-sum transformation :math:`\Phi^\tau(u)` (paper, Section 2).

    .. math:: \Phi^\tau(u) = \frac{(1+u)^{1-\tau} - 1}{1-\tau}\ (\tau \ne 1), \qquad
              \Phi^1(u) = \log(1+u),

    evaluated as ``expm1((1 - tau) log1p(u)) / (1 - tau)``. Any shape; ``u >= 0``.
    Used for the minimizability gaps of the bounded classes (C5).
    """
    tau = _check_tau(tau)
    arr = _as_float("u", u)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError("u must be finite and >= 0")
    if tau == 1.0:
        return np.log1p(arr)
    return np.expm1((1.0 - tau) * np.log1p(arr)) / (1.0 - tau)


def comp_sum_loss_all(scores, tau: float) -> np.ndarray:
    r"""Comp-sum losses :math:`\ell_\tau(h, y)` for every label ``y`` at once.

    :math:`\ell_\tau(h, y) = (s_y^{\tau-1} - 1)/(1-\tau)` with :math:`\log s_y` the
    log-softmax, i.e. ``expm1((tau - 1) log s_y) / (1 - tau)``; :math:`-\log s_y` at
    :math:`\tau = 1`.  ``(..., n) -> (..., n)``.

    For :math:`\tau < 1` a loss that exceeds the float64 range is returned as ``inf``
    (e.g. the sum-exponential loss of a score gap above ~709); it is never ``nan``.
    """
    tau = _check_tau(tau)
    return _psi_of_log(_log_softmax(_check_scores(scores)), tau)


def comp_sum_loss(scores, y, tau: float) -> np.ndarray:
    r"""Comp-sum loss :math:`\ell_\tau(h, x, y) = \Phi^\tau(\sum_{y'\ne y} e^{h_{y'} - h_y})`.

    Parameters
    ----------
    scores : (..., n) float array of scores :math:`h(x, \cdot)`.
    y : (...) integer labels in ``[0, n)``.
    tau : the family parameter, ``tau >= 0`` (paper, Section 2).

    Returns
    -------
    (...) losses.

    Notes
    -----
    Computed from the log-softmax: :math:`1 + u = 1/s_y`, so
    :math:`\ell_\tau = (s_y^{\tau - 1} - 1)/(1 - \tau)`.
    """
    tau = _check_tau(tau)
    h = _check_scores(scores)
    lab = _check_labels(y, h.shape[:-1], h.shape[-1])
    ls = np.take_along_axis(_log_softmax(h), lab[..., None], axis=-1)[..., 0]
    return _psi_of_log(ls, tau)


def comp_sum_loss_grad(scores, y, tau: float) -> np.ndarray:
    r"""Gradient of :func:`comp_sum_loss` in the scores.

    :math:`\partial \ell_\tau(h, y) / \partial h_k = -s_y^{\tau - 1} (\mathbb 1[k = y] - s_k)`.
    ``(..., n), (...) -> (..., n)``.
    """
    tau = _check_tau(tau)
    h = _check_scores(scores)
    lab = _check_labels(y, h.shape[:-1], h.shape[-1])
    ls = _log_softmax(h)
    s = np.exp(ls)
    lsy = np.take_along_axis(ls, lab[..., None], axis=-1)
    onehot = np.zeros_like(h)
    np.put_along_axis(onehot, lab[..., None], 1.0, axis=-1)
    return -np.exp((tau - 1.0) * lsy) * (onehot - s)


def conditional_risk(scores, p, tau: float) -> np.ndarray:
    r"""Conditional risk :math:`\mathcal C_\tau(h, x) = \sum_y p(y|x)\, \ell_\tau(h, x, y)`.

    ``scores (..., n), p (..., n) -> (...)``; terms with ``p_y = 0`` contribute 0.
    """
    tau = _check_tau(tau)
    h = _check_scores(scores)
    q = _check_prob(p)
    _check_same_shape(h, q, "scores", "p")
    return _cond_risk_and_grad(h, q, tau)[0]


def conditional_risk_grad(scores, p, tau: float) -> np.ndarray:
    r"""Gradient of :func:`conditional_risk` in the scores.

    With :math:`w_y = p_y s_y^{\tau - 1}`:
    :math:`\partial \mathcal C_\tau / \partial h_k = -w_k + s_k \sum_y w_y`.
    ``(..., n), (..., n) -> (..., n)``.
    """
    tau = _check_tau(tau)
    h = _check_scores(scores)
    q = _check_prob(p)
    _check_same_shape(h, q, "scores", "p")
    return _cond_risk_and_grad(h, q, tau)[1]


def cstar(p, tau: float) -> np.ndarray:
    r"""Best conditional risk over all scores, :math:`\mathcal C^*_\tau(p) = \inf_h \mathcal C_\tau(h; p)`.

    Closed forms (derived by Lagrange multipliers on the softmax simplex, since
    :math:`\psi(s) = (s^{\tau-1}-1)/(1-\tau)` is convex for :math:`\tau < 2` and concave
    for :math:`\tau > 2`), with :math:`a = 1/(2 - \tau)`:

    - :math:`\tau < 2,\ \tau \ne 1`: :math:`[(\sum_y p_y^a)^{2-\tau} - 1]/(1-\tau)`,
      minimiser :math:`s_y \propto p_y^a`;
    - :math:`\tau = 1`: :math:`-\sum_y p_y \log p_y` (entropy), minimiser :math:`s = p`;
    - :math:`\tau \ge 2`: :math:`(1 - \max_y p_y)/(\tau - 1)`, an infimum approached at a
      simplex vertex.

    ``(..., n) -> (...)``. Continuous in ``tau`` (including at 1 and 2).
    Checked against sympy and numerical minimisation in ``tests/test_losses.py`` and in
    claim C4 of the notebook.
    """
    tau = _check_tau(tau)
    return _cstar(_check_prob(p), tau)


def conditional_regret(scores, p, tau: float) -> np.ndarray:
    r""":math:`\mathcal C_\tau(h; p) - \mathcal C^*_\tau(p) \ge 0`. ``(..., n), (..., n) -> (...)``."""
    tau = _check_tau(tau)
    h = _check_scores(scores)
    q = _check_prob(p)
    _check_same_shape(h, q, "scores", "p")
    return _cond_risk_and_grad(h, q, tau)[0] - _cstar(q, tau)


def zero_one_conditional_regret(scores, p) -> np.ndarray:
    r"""Zero-one conditional regret :math:`\max_y p_y - p_{h(x)}`, ``h(x) = argmax`` (lowest index on ties).

    ``(..., n), (..., n) -> (...)``.
    """
    h = _check_scores(scores)
    q = _check_prob(p)
    _check_same_shape(h, q, "scores", "p")
    pred = np.argmax(h, axis=-1)
    return q.max(axis=-1) - np.take_along_axis(q, pred[..., None], axis=-1)[..., 0]


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
    """
    tau = _check_tau(tau)
    n = _check_n(n)
    e = _as_float("eps", eps)
    if not np.all(np.isfinite(e)) or np.any(e < -_EPS_SLACK):
        raise ValueError("eps must be finite and >= 0 (a surrogate regret)")
    if int(n_iter) < 1:
        raise ValueError(f"n_iter must be >= 1; got {n_iter!r}")
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
    """
    q = _check_prob(p)
    if q.ndim != 2:
        raise ValueError(f"p must have shape (B, n); got {q.shape}")
    taus = _as_float("tau", tau)
    if taus.ndim == 0:
        taus = np.full(q.shape[0], float(taus))
    if taus.shape != (q.shape[0],) or not np.all(np.isfinite(taus)) or np.any(taus < 0):
        raise ValueError(f"tau must be a scalar or a ({q.shape[0]},) array of finite values >= 0")
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
    for _ in range(int(max_iter)):  # Newton iterations, each vectorised over the problems
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
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    n = _check_n(n)
    tt = np.atleast_1d(_check_t(t))
    if tt.ndim != 1:
        raise ValueError(f"t must be a scalar or 1-D; got shape {tt.shape}")
    if int(n_samples) < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples!r}")
    conc = np.asarray(concentrations, dtype=float)
    if conc.ndim != 1 or conc.size == 0 or np.any(~np.isfinite(conc)) or np.any(conc <= 0):
        raise ValueError("concentrations must be a non-empty list of positive numbers")
    shape = (tt.size, int(n_samples))
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
    """
    tau = _check_tau(tau)
    n = _check_n(n)
    tt = np.atleast_1d(_check_t(t))
    if int(n_restarts) < 1:
        raise ValueError(f"n_restarts must be >= 1; got {n_restarts!r}")
    if not (math.isfinite(score_bound) and score_bound > 0):
        raise ValueError(f"score_bound must be a finite number > 0; got {score_bound!r}")
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


# --------------------------------------------------------------------------- #
# finite distributions and exact risks (C1b)
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class FiniteDistribution:
    r"""A distribution on a finite input set :math:`\mathcal X = \{x_1..x_m\}` and ``n`` classes.

    Attributes
    ----------
    weights : (m,) the marginal :math:`P(x_i)`, non-negative, summing to 1.
    cond : (m, n) the conditional distributions :math:`p(y | x_i)` (rows sum to 1).
    points : optional (m, d) coordinates of the inputs (for linear hypotheses).
    """

    weights: np.ndarray
    cond: np.ndarray
    points: np.ndarray | None = None

    def __post_init__(self) -> None:
        w = _as_float("weights", self.weights)
        if w.ndim != 1:
            raise ValueError(f"weights must be 1-D (m,); got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or abs(w.sum() - 1.0) > _SUM_TOL:
            raise ValueError("weights must be finite, non-negative and sum to 1")
        c = _check_prob(self.cond, "cond")
        if c.ndim != 2 or c.shape[0] != w.size:
            raise ValueError(f"cond must have shape ({w.size}, n); got {c.shape}")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "cond", c)
        if self.points is not None:
            x = _as_float("points", self.points)
            if x.ndim != 2 or x.shape[0] != w.size or not np.all(np.isfinite(x)):
                raise ValueError(f"points must be a finite ({w.size}, d) array; got shape {x.shape}")
            object.__setattr__(self, "points", x)

    @property
    def n_classes(self) -> int:
        return int(self.cond.shape[1])

    def bayes_risk(self, tau: float | None = None) -> float:
        r""":math:`E_x[\mathcal C^*_\tau(p(\cdot|x))]`, or :math:`E_x[1 - \max_y p(y|x)]` when ``tau`` is None.

        For the class of all score functions this is :math:`R^*_\tau(H) - M_\tau(H)`
        with :math:`M_\tau = 0`.
        """
        if tau is None:
            return float(self.weights @ (1.0 - self.cond.max(axis=1)))
        return float(self.weights @ _cstar(self.cond, _check_tau(tau)))


def _check_dist_scores(scores, dist: FiniteDistribution) -> np.ndarray:
    if not isinstance(dist, FiniteDistribution):
        raise TypeError(f"dist must be a FiniteDistribution; got {type(dist).__name__}")
    h = _check_scores(scores)
    if h.ndim < 2 or h.shape[-2:] != dist.cond.shape:
        raise ValueError(f"scores must have shape (..., {dist.cond.shape[0]}, {dist.cond.shape[1]}); got {h.shape}")
    return h


def surrogate_risk_exact(scores, dist: FiniteDistribution, tau: float) -> np.ndarray:
    r"""Exact risk :math:`R_\tau(h) = \sum_i P(x_i) \sum_y p(y|x_i)\,\ell_\tau(h(x_i), y)`.

    ``scores (..., m, n)`` (a batch of hypotheses evaluated on the ``m`` points) -> ``(...)``.
    """
    tau = _check_tau(tau)
    h = _check_dist_scores(scores, dist)
    cr = _cond_risk_and_grad(h, np.broadcast_to(dist.cond, h.shape), tau)[0]
    return cr @ dist.weights


def zero_one_risk_exact(scores, dist: FiniteDistribution) -> np.ndarray:
    r"""Exact zero-one risk :math:`\sum_i P(x_i)\,(1 - p(h(x_i) | x_i))`, argmax ties to the lowest index.

    ``scores (..., m, n) -> (...)``.
    """
    h = _check_dist_scores(scores, dist)
    pred = np.argmax(h, axis=-1)
    p_pred = np.take_along_axis(np.broadcast_to(dist.cond, h.shape), pred[..., None], axis=-1)[..., 0]
    return (1.0 - p_pred) @ dist.weights


def excess_risks_exact(scores, dist: FiniteDistribution, tau: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Both sides of Theorem 1 for the class of all score functions (complete H, :math:`M = 0`).

    Returns ``(zero_one, surrogate)`` with shapes ``(...)``:
    :math:`R_{0-1}(h) - E_x[1 - \max_y p(y|x)]` and
    :math:`R_\tau(h) - E_x[\mathcal C^*_\tau(p(\cdot|x))]`; Theorem 1 states
    ``zero_one <= gamma_tau(surrogate, tau, n)``.
    """
    zo = zero_one_risk_exact(scores, dist) - dist.bayes_risk(None)
    sur = surrogate_risk_exact(scores, dist, tau) - dist.bayes_risk(tau)
    return zo, sur


# --------------------------------------------------------------------------- #
# minimizability gaps of the bounded constant-score class (C5)
# --------------------------------------------------------------------------- #
def gap_constant_class(
    prior, taus, *, score_bound: float, n_restarts: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    r"""Minimizability gaps of :math:`H_c = \{h(x, y) = b_y : b \in [-\Lambda, \Lambda]^n\}`.

    With deterministic labels of prior :math:`\pi`, the best-in-class risk is
    :math:`R^*_\tau(H_c) = \min_{b \in [-\Lambda,\Lambda]^n} \sum_y \pi_y \ell_\tau(b, y)`
    (a conditional risk at :math:`p = \pi`, minimised by L-BFGS-B from ``n_restarts``
    random starts) and the pointwise infimum is
    :math:`\Phi^\tau((n-1)e^{-2\Lambda})` (paper, Section 4, bounded hypothesis sets), so

    .. math:: \mathcal M_\tau(H_c) = R^*_\tau(H_c) - \Phi^\tau((n-1) e^{-2\Lambda}).

    Parameters
    ----------
    prior : (n,) class prior :math:`\pi`.
    taus : (k,) values of :math:`\tau`.
    score_bound : :math:`\Lambda > 0`.

    Returns
    -------
    gaps : (k,) :math:`\mathcal M_\tau(H_c)`; best_risk : (k,) :math:`R^*_\tau(H_c)`.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    pi = _check_prob(prior, "prior")
    if pi.ndim != 1:
        raise ValueError(f"prior must be 1-D (n,); got shape {pi.shape}")
    tv = np.atleast_1d(_as_float("taus", taus))
    if tv.ndim != 1 or not np.all(np.isfinite(tv)) or np.any(tv < 0):
        raise ValueError("taus must be a 1-D array of finite values >= 0")
    lam = float(score_bound)
    if not (math.isfinite(lam) and lam > 0):
        raise ValueError(f"score_bound must be a finite number > 0; got {score_bound!r}")
    if int(n_restarts) < 1:
        raise ValueError(f"n_restarts must be >= 1; got {n_restarts!r}")
    n = pi.size
    r = int(n_restarts)
    p = np.broadcast_to(pi, (tv.size * r, n))
    tau_rows = np.repeat(tv, r)
    x0 = rng.uniform(-lam, lam, size=p.shape)
    _, val = minimize_conditional_risk(p, tau_rows, x0=x0, lower=-lam, upper=lam)
    best = val.reshape(tv.size, r).min(axis=1)
    floor = np.array([float(comp_sum_phi((n - 1) * math.exp(-2 * lam), float(tv_i))) for tv_i in tv])
    return best - floor, best


def gap_constant_class_uniform(n: int, tau: float, *, score_bound: float) -> float:
    r"""Closed form of :func:`gap_constant_class` for the uniform prior.

    By symmetry the best constant scores are equal, so
    :math:`\mathcal M_\tau = \Phi^\tau(n-1) - \Phi^\tau((n-1)e^{-2\Lambda})
    = \int_{(n-1)e^{-2\Lambda}}^{n-1} (1+u)^{-\tau}\,du`.
    """
    n = _check_n(n)
    tau = _check_tau(tau)
    lam = float(score_bound)
    if not (math.isfinite(lam) and lam > 0):
        raise ValueError(f"score_bound must be a finite number > 0; got {score_bound!r}")
    return float(comp_sum_phi(n - 1.0, tau) - comp_sum_phi((n - 1.0) * math.exp(-2 * lam), tau))


def zero_one_gap_constant_class(prior) -> float:
    r"""Zero-one minimizability gap of the constant-score class: :math:`1 - \max_y \pi_y`."""
    pi = _check_prob(prior, "prior")
    return float(1.0 - pi.max())


# --------------------------------------------------------------------------- #
# a linear softmax model trained with a comp-sum loss (C6 toy)
# --------------------------------------------------------------------------- #
def fit_linear_comp_sum(
    X, y, *, tau: float, n_classes: int, n_steps: int, lr: float
) -> np.ndarray:
    r"""Full-batch gradient descent on the mean comp-sum loss of a linear model.

    Raises ``ValueError`` (naming ``lr``) if the iterates overflow, as the
    sum-exponential loss (``tau = 0``) does with large steps.

    Scores :math:`h(x) = [x, 1]\,W` with :math:`W \in \mathbb R^{(d+1) \times n}`, started
    at 0 (deterministic), ``n_steps`` steps of size ``lr`` on
    :math:`\frac1N \sum_i \ell_\tau(h(x_i), y_i)` using :func:`comp_sum_loss_grad`.

    ``X (N, d), y (N,) -> W (d + 1, n_classes)``.
    """
    tau = _check_tau(tau)
    n = _check_n(n_classes)
    Xa = _as_float("X", X)
    if Xa.ndim != 2 or not np.all(np.isfinite(Xa)):
        raise ValueError(f"X must be a finite (N, d) array; got shape {Xa.shape}")
    lab = _check_labels(y, (Xa.shape[0],), n)
    if int(n_steps) < 1 or not (math.isfinite(lr) and lr > 0):
        raise ValueError("n_steps must be >= 1 and lr a finite number > 0")
    Z = np.hstack([Xa, np.ones((Xa.shape[0], 1))])
    W = np.zeros((Z.shape[1], n))
    onehot = np.eye(n)[lab]
    for _ in range(int(n_steps)):  # optimisation steps (vectorised over samples)
        ls = _log_softmax(Z @ W)
        lsy = np.sum(ls * onehot, axis=1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            g = -np.exp((tau - 1.0) * lsy) * (onehot - np.exp(ls))
            W = W - lr * (Z.T @ g) / Z.shape[0]
        if not np.all(np.isfinite(W)):
            raise ValueError(f"lr = {lr!r} is too large: gradient descent diverged (tau = {tau:g})")
    return W

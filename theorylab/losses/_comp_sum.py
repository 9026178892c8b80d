"""Comp-sum losses, their gradients and conditional risks (part of :mod:`theorylab.losses`)."""

from __future__ import annotations

import numpy as np

from ._core import (
    _as_float,
    _check_labels,
    _check_prob,
    _check_same_shape,
    _check_scores,
    _check_tau,
    _cond_risk_and_grad,
    _cstar,
    _log_softmax,
    _psi_of_log,
)


# --------------------------------------------------------------------------- #
# losses
# --------------------------------------------------------------------------- #
def log_softmax(scores) -> np.ndarray:
    r"""Log-softmax over the last axis, :math:`\log s_y = h_y - \log\sum_{y'} e^{h_{y'}}`.

    ``(..., n) -> (..., n)``; stable for any finite scores (log-sum-exp).

    Examples
    --------
    >>> log_softmax([0.0, 0.0]).round(6).tolist()
    [-0.693147, -0.693147]
    """
    return _log_softmax(_check_scores(scores))


def softmax(scores) -> np.ndarray:
    r"""Softmax over the last axis, :math:`s_y = e^{h_y} / \sum_{y'} e^{h_{y'}}`. ``(..., n) -> (..., n)``.

    Examples
    --------
    >>> softmax([0.0, np.log(3.0)]).round(6).tolist()
    [0.25, 0.75]
    """
    return np.exp(log_softmax(scores))


def comp_sum_phi(u, tau: float) -> np.ndarray:
    r"""The comp-sum transformation :math:`\Phi^\tau(u)` (paper, Section 2).

    .. math:: \Phi^\tau(u) = \frac{(1+u)^{1-\tau} - 1}{1-\tau}\ (\tau \ne 1), \qquad
              \Phi^1(u) = \log(1+u),

    evaluated as ``expm1((1 - tau) log1p(u)) / (1 - tau)``. Any shape; ``u >= 0``.
    Used for the minimizability gaps of the bounded classes (C5).

    Examples
    --------
    >>> comp_sum_phi(np.array([0.0, 1.0]), 1.0).round(6).tolist()
    [0.0, 0.693147]
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

    Examples
    --------
    >>> comp_sum_loss_all([[0.0, 0.0]], 2.0).tolist()  # mean absolute error: 1 - s_y
    [[0.5, 0.5]]
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

    Examples
    --------
    >>> comp_sum_loss([[0.0, 0.0]], np.array([0]), 1.0).round(6).tolist()  # log 2
    [0.693147]
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

    Examples
    --------
    >>> comp_sum_loss_grad([[0.0, 0.0]], np.array([0]), 1.0).tolist()
    [[-0.5, 0.5]]
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

    Examples
    --------
    >>> round(float(conditional_risk([0.0, 0.0], [0.7, 0.3], 1.0)), 6)  # log 2
    0.693147
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

    Examples
    --------
    >>> conditional_risk_grad([0.0, 0.0], [0.7, 0.3], 1.0).round(6).tolist()
    [-0.2, 0.2]
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

    Examples
    --------
    >>> round(float(cstar([0.5, 0.5], 1.0)), 6), round(float(cstar([0.7, 0.3], 2.0)), 6)
    (0.693147, 0.3)
    """
    tau = _check_tau(tau)
    return _cstar(_check_prob(p), tau)


def conditional_regret(scores, p, tau: float) -> np.ndarray:
    r""":math:`\mathcal C_\tau(h; p) - \mathcal C^*_\tau(p) \ge 0`. ``(..., n), (..., n) -> (...)``.

    Examples
    --------
    >>> abs(round(float(conditional_regret(np.log([0.7, 0.3]), [0.7, 0.3], 1.0)), 12))  # softmax = p
    0.0
    """
    tau = _check_tau(tau)
    h = _check_scores(scores)
    q = _check_prob(p)
    _check_same_shape(h, q, "scores", "p")
    return _cond_risk_and_grad(h, q, tau)[0] - _cstar(q, tau)


def zero_one_conditional_regret(scores, p) -> np.ndarray:
    r"""Zero-one conditional regret :math:`\max_y p_y - p_{h(x)}`, ``h(x) = argmax`` (lowest index on ties).

    ``(..., n), (..., n) -> (...)``.

    Examples
    --------
    >>> zero_one_conditional_regret([[1.0, 0.0], [0.0, 1.0]], [[0.7, 0.3], [0.7, 0.3]]).round(6).tolist()
    [0.0, 0.4]
    """
    h = _check_scores(scores)
    q = _check_prob(p)
    _check_same_shape(h, q, "scores", "p")
    pred = np.argmax(h, axis=-1)
    return q.max(axis=-1) - np.take_along_axis(q, pred[..., None], axis=-1)[..., 0]

"""Online least squares by projected online gradient descent, vectorised over
repetitions, with regret against the best fixed parameter in hindsight.

Used by ``bandits-rl/neural-cb-online-regression`` (claim C1: O(log T) regret of
OGD with steps 1/(mu t) under quadratic growth, against O(sqrt T) with c/sqrt t).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .. import _validate as V
from ._common import MAX_T, check_checkpoints

__all__ = ["ogd_least_squares", "best_fixed_loss"]


def best_fixed_loss(A: np.ndarray, b: np.ndarray, yy: np.ndarray) -> np.ndarray:
    r"""Minimum over :math:`\theta` of :math:`\tfrac12\sum_s(\theta^\top x_s - y_s)^2
    = \tfrac12(\theta^\top A\theta - 2 b^\top\theta + \sum y^2)`, i.e.
    :math:`\tfrac12(\sum y^2 - b^\top A^{+} b)`; ``A (R, d, d)``, ``b (R, d)``,
    ``yy (R,)`` -> ``(R,)`` (pseudo-inverse, so also valid before ``d`` samples).
    ``A`` must be symmetric positive semi-definite (a Gram matrix ``sum x x^T``).

    Examples
    --------
    >>> x = np.array([[1.0], [2.0]]); y = np.array([2.0, 4.0])
    >>> best_fixed_loss((x.T @ x)[None], (x.T @ y)[None], np.array([y @ y])).round(12).tolist()
    [0.0]
    """
    A = V.array("A", A, ndim=3)
    R, d = A.shape[0], A.shape[1]
    if A.shape != (R, d, d) or R == 0 or d == 0:
        raise ValueError(f"A must have shape (R, d, d) with R, d >= 1; got {A.shape}")
    b = V.array("b", b, shape=(R, d))
    yy = V.array("yy", yy, shape=(R,), low=0.0)
    if not np.allclose(A, np.swapaxes(A, 1, 2), rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(A).max()))):
        raise ValueError("A must be symmetric (a Gram matrix sum_s x_s x_s^T)")
    return _best_fixed_loss(A, b, yy)


def _best_fixed_loss(A: np.ndarray, b: np.ndarray, yy: np.ndarray) -> np.ndarray:
    th = np.einsum("rpq,rq->rp", np.linalg.pinv(A, hermitian=True), b)
    return 0.5 * np.maximum(yy - np.einsum("rp,rp->r", b, th), 0.0)


def ogd_least_squares(
    X: np.ndarray,
    y: np.ndarray,
    *,
    step: Callable[[int], float],
    radius: float,
    checkpoints=None,
) -> dict[str, np.ndarray]:
    r"""Projected OGD on :math:`\ell_t(\theta) = \tfrac12(\theta^\top x_t - y_t)^2`.

    :math:`\theta_{t+1} = \Pi_{\lVert\theta\rVert\le D}(\theta_t - \eta_t \nabla\ell_t(\theta_t))`,
    :math:`\theta_1 = 0`, with :math:`\eta_t` = ``step(t)`` -- e.g. :math:`1/(\mu t)`
    (Hazan, Agarwal & Kale 2007: regret :math:`\frac{G^2}{2\mu}(1 + \log T)` for
    :math:`\mu`-strongly convex losses) or :math:`c/\sqrt t` (regret :math:`O(\sqrt T)`).

    Parameters
    ----------
    X : (R, T, d) inputs of ``R`` independent streams.
    y : (R, T) targets.
    step : ``t -> eta_t`` (t = 1, 2, ...); a scalar or an ``(R,)`` array (one rule per stream).
    radius : projection radius ``D > 0``.
    checkpoints : increasing times in ``[1, T]``.

    Returns
    -------
    dict
        ``t`` (m,); ``regret`` (R, m) :math:`= \sum_{s\le t}\ell_s(\theta_s) -
        \min_\theta\sum_{s\le t}\ell_s(\theta)`; ``theta`` (R, d), the last iterate.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((2, 50, 3))
    >>> y = X @ np.array([0.5, -0.2, 0.1])
    >>> out = ogd_least_squares(X, y, step=lambda t: 0.5 / t, radius=2.0)
    >>> out['regret'].shape, out['theta'].shape
    ((2, 26), (2, 3))
    """
    X = V.array("X", X, ndim=3, nonempty=True)
    R, T, d = X.shape
    y = V.array("y", y, shape=(R, T))
    V.function("step", step, what="t -> eta_t")
    radius = V.positive("radius", radius)
    cps = check_checkpoints(checkpoints, T)
    theta = np.zeros((R, d))
    cum = np.zeros(R)
    A = np.zeros((R, d, d))
    b = np.zeros((R, d))
    yy = np.zeros(R)
    out = np.empty((R, cps.size))
    last = 0
    for ci, tc in enumerate(cps):
        for t in range(last, tc):
            x = X[:, t]
            res = (theta * x).sum(axis=1) - y[:, t]
            cum += 0.5 * res**2
            eta = np.asarray(step(t + 1), dtype=float)
            if eta.shape not in ((), (R,)) or not np.all(np.isfinite(eta)) or np.any(eta < 0):
                raise ValueError(f"step(t) must return a finite step size >= 0 (a scalar or one per stream); "
                                 f"got {eta!r} at t = {t + 1}")
            theta -= (eta * res)[:, None] * x
            nrm = np.sqrt((theta * theta).sum(axis=1))
            theta *= np.minimum(1.0, radius / np.maximum(nrm, 1e-300))[:, None]
        seg = slice(last, tc)
        A += np.einsum("rti,rtj->rij", X[:, seg], X[:, seg])
        b += np.einsum("rti,rt->ri", X[:, seg], y[:, seg])
        yy += np.einsum("rt,rt->r", y[:, seg], y[:, seg])
        out[:, ci] = cum - _best_fixed_loss(A, b, yy)
        last = tc
    return {"t": cps, "regret": out, "theta": theta}

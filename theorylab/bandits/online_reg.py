"""Online least squares by projected online gradient descent, vectorised over
repetitions, with regret against the best fixed parameter in hindsight.

Used by ``bandits-rl/neural-cb-online-regression`` (claim C1: O(log T) regret of
OGD with steps 1/(mu t) under quadratic growth, against O(sqrt T) with c/sqrt t).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ._common import check_checkpoints

__all__ = ["ogd_least_squares", "best_fixed_loss"]


def best_fixed_loss(A: np.ndarray, b: np.ndarray, yy: np.ndarray) -> np.ndarray:
    r"""Minimum over :math:`\theta` of :math:`\tfrac12\sum_s(\theta^\top x_s - y_s)^2
    = \tfrac12(\theta^\top A\theta - 2 b^\top\theta + \sum y^2)`, i.e.
    :math:`\tfrac12(\sum y^2 - b^\top A^{+} b)`; ``A (R, d, d)``, ``b (R, d)``,
    ``yy (R,)`` -> ``(R,)`` (pseudo-inverse, so also valid before ``d`` samples)."""
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
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    if X.ndim != 3:
        raise ValueError(f"X must have shape (R, T, d); got {X.shape}")
    R, T, d = X.shape
    if y.shape != (R, T):
        raise ValueError(f"y must have shape ({R}, {T}) matching X; got {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise ValueError("X and y must be finite")
    if not callable(step):
        raise TypeError("step must be a callable t -> eta_t")
    if not (np.isfinite(radius) and radius > 0):
        raise ValueError(f"radius must be > 0; got {radius!r}")
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
            theta -= (step(t + 1) * res)[:, None] * x
            nrm = np.sqrt((theta * theta).sum(axis=1))
            theta *= np.minimum(1.0, radius / np.maximum(nrm, 1e-300))[:, None]
        seg = slice(last, tc)
        A += np.einsum("rti,rtj->rij", X[:, seg], X[:, seg])
        b += np.einsum("rti,rt->ri", X[:, seg], y[:, seg])
        yy += np.einsum("rt,rt->r", y[:, seg], y[:, seg])
        out[:, ci] = cum - best_fixed_loss(A, b, yy)
        last = tc
    return {"t": cps, "regret": out, "theta": theta}

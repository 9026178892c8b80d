"""A linear softmax model trained with a comp-sum loss (part of :mod:`theorylab.losses`)."""

from __future__ import annotations

import numpy as np

from .. import _validate as V
from ._core import _check_labels, _check_n, _check_tau, _log_softmax


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

    Examples
    --------
    >>> X = np.array([[-1.0], [1.0]]); y = np.array([0, 1])
    >>> W = fit_linear_comp_sum(X, y, tau=1.0, n_classes=2, n_steps=50, lr=1.0)
    >>> (np.argmax(np.hstack([X, np.ones((2, 1))]) @ W, axis=1) == y).all()
    np.True_
    """
    tau = _check_tau(tau)
    n = _check_n(n_classes, "n_classes")
    Xa = V.array("X", X, ndim=2)
    if Xa.shape[0] == 0:
        raise ValueError("X has no rows (the training set is empty)")
    lab = _check_labels(y, (Xa.shape[0],), n)
    n_steps = V.count("n_steps", n_steps, high=10**7)
    lr = V.positive("lr", lr)
    V.elements("(d + 1) * n_classes and N * n_classes", (Xa.shape[0] + Xa.shape[1] + 1, n))
    Z = np.hstack([Xa, np.ones((Xa.shape[0], 1))])
    W = np.zeros((Z.shape[1], n))
    onehot = np.eye(n)[lab]
    for _ in range(n_steps):  # optimisation steps (vectorised over samples)
        ls = _log_softmax(Z @ W)
        lsy = np.sum(ls * onehot, axis=1, keepdims=True)
        with np.errstate(over="ignore", invalid="ignore"):
            g = -np.exp((tau - 1.0) * lsy) * (onehot - np.exp(ls))
            W = W - lr * (Z.T @ g) / Z.shape[0]
        if not np.all(np.isfinite(W)):
            raise ValueError(f"lr = {lr!r} is too large: gradient descent diverged (tau = {tau:g})")
    return W

"""Classifiers of the infinite-depth limits: interpolation from log kernels,
Nadaraya-Watson, the Hilbert kernel, 1-NN and majority vote (part of
:mod:`theorylab.kernels.infinite_depth`)."""

from __future__ import annotations

import math

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from theorylab.regression import kernel_ridge_fit

from ... import _validate as V
from ._iteration import _unit_rows

def _labels(y, n: int | None) -> np.ndarray:
    a = V.array("y", y, ndim=1)
    if a.size == 0:
        raise ValueError("y has no labels (the training set is empty)")
    if n is not None and a.size != n:
        raise ValueError(f"y must have {n} labels; got {a.size}")
    if not np.all(np.isin(a, (-1.0, 1.0))):
        raise ValueError("y must contain labels in {-1, +1}")
    return a


def _log_kernel(name: str, a) -> np.ndarray:
    """A log kernel: entries in [-inf, +inf) (``-inf`` = kernel value 0), not nan."""
    A = V.array(name, a, ndim=2, finite=False)
    if np.isposinf(A).any():
        raise ValueError(f"{name} contains +inf (a kernel value overflowing float64)")
    return A


def _sign(f: np.ndarray) -> np.ndarray:
    return np.where(f >= 0, 1.0, -1.0)


def interpolating_classifier(log_K_train, log_K_test, y) -> np.ndarray:
    r"""Sign of the ridgeless kernel interpolant, :math:`\operatorname{sign}(y^\top K^{-1}k(x))`.

    Computed from log kernels: the train Gram is divided by its largest diagonal entry
    and every test row by its largest entry (positive rescalings that leave the sign
    unchanged), then a Cholesky solve, falling back to
    :func:`theorylab.regression.kernel_ridge_fit` with ridge 0 (pseudo-inverse) when the
    Gram matrix is numerically singular. When every train entry exceeds half the diagonal (the Gram matrix
    is close to all-ones, the majority-vote regime), the equivalent bordered system for
    :math:`K/c = 11^\top - \Delta` is solved instead, with :math:`\Delta` computed by
    ``expm1`` from the log kernel, which avoids the cancellation in :math:`1 - K_{ij}`.
    Ties (:math:`f = 0`) go to +1.

    Parameters
    ----------
    log_K_train : (n, n) log train Gram; log_K_test : (m, n) log test-vs-train kernel;
    y : (n,) labels in {-1, +1}.

    Returns
    -------
    (m,) predictions in {-1, +1}.

    Examples
    --------
    >>> LK = np.log([[1.0, 0.1], [0.1, 1.0]])
    >>> interpolating_classifier(LK, np.log([[0.9, 0.2]]), [1.0, -1.0]).tolist()
    [1.0]
    """
    LK = _log_kernel("log_K_train", log_K_train)
    if LK.shape[0] == 0:
        raise ValueError("log_K_train is empty: the training set has no points")
    if LK.shape[0] != LK.shape[1]:
        raise ValueError(f"log_K_train must be square (n, n); got {LK.shape}")
    yv = _labels(y, LK.shape[0])
    LT = _log_kernel("log_K_test", log_K_test)
    if LT.shape[1] != LK.shape[0]:
        raise ValueError(f"log_K_test must have shape (m, {LK.shape[0]}); got {LT.shape}")
    if not np.all(np.isfinite(np.diag(LK))):
        raise ValueError("log_K_train must have a finite diagonal (k(x, x) > 0)")
    if LT.shape[0] and not np.all(np.isfinite(LT.max(axis=1))):
        raise ValueError("log_K_test: every test row needs at least one finite entry "
                         "(k(x, x_i) > 0 for some i)")
    log_c = float(np.max(np.diag(LK)))
    if np.min(LK - log_c) > math.log(0.5):
        # "centred" form for Gram matrices close to all-ones (majority-vote regime):
        # K/c = 11^T - Delta with Delta = -expm1(log K - log c) kept to full relative
        # precision; solve [[-Delta, 1], [1^T, -1]] [alpha; s] = [y; 0] (then K alpha = y
        # with s = 1^T alpha) and f(x) = s - d(x)^T alpha.
        n = LK.shape[0]
        D = -np.expm1(np.minimum(LK - log_c, 0.0))
        D = (D + D.T) / 2
        A = np.zeros((n + 1, n + 1))
        A[:n, :n] = -D
        A[:n, n] = 1.0
        A[n, :n] = 1.0
        A[n, n] = -1.0
        sol = np.linalg.lstsq(A, np.append(yv, 0.0), rcond=None)[0]
        dT = -np.expm1(np.minimum(LT - log_c, 0.0))
        return _sign(sol[n] - dT @ sol[:n])
    K = np.exp(LK - log_c)
    K = (K + K.T) / 2
    T = np.exp(LT - LT.max(axis=1, keepdims=True)) if LT.shape[0] else LT
    try:  # strictly positive definite Gram (the usual case): Cholesky solve
        alpha = cho_solve(cho_factor(K, lower=True), yv)
    except np.linalg.LinAlgError:  # singular to working precision: ridgeless pseudo-inverse
        alpha = kernel_ridge_fit(K, yv, 0.0)
    return _sign(T @ alpha)


def nadaraya_watson_classifier(log_W, y) -> np.ndarray:
    r"""Sign of :math:`\sum_i y_i w_i(x)` from log weights ``log_W`` of shape (m, n)
    (``-inf`` is weight 0; every row needs a finite entry).

    Examples
    --------
    >>> nadaraya_watson_classifier(np.log([[0.7, 0.2], [0.1, 0.5]]), [1.0, -1.0]).tolist()
    [1.0, -1.0]
    """
    LW = _log_kernel("log_W", log_W)
    yv = _labels(y, LW.shape[1])
    if LW.shape[0] == 0:
        return np.empty(0)
    top = LW.max(axis=1, keepdims=True)
    if not np.all(np.isfinite(top)):
        raise ValueError("log_W: every row needs at least one finite weight")
    W = np.exp(LW - top)
    return _sign(W @ yv)


def hilbert_kernel_classifier(X_train, y, X_test, *, alpha: float) -> np.ndarray:
    r"""Singular-kernel (Hilbert-kernel, Devroye et al. 1998) classifier,
    :math:`\operatorname{sign}\sum_i y_i\|x-x_i\|^{-\alpha}`; :math:`\alpha = D-1` on
    :math:`S^{D-1}` is the consistent choice. Shapes (n, D), (n,), (m, D) -> (m,).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> hilbert_kernel_classifier(X, [1.0, -1.0], np.array([[0.8, 0.6]]), alpha=1.0).tolist()
    [1.0]
    """
    A = _unit_rows("X_train", X_train)
    B = _unit_rows("X_test", X_test)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X_train and X_test must have the same dim; got {A.shape[1]} and {B.shape[1]}")
    yv = _labels(y, A.shape[0])
    alpha = V.positive("alpha", alpha)
    V.elements("X_test.shape[0] * X_train.shape[0] * dim", (B.shape[0], A.shape[0], A.shape[1]))
    sq = np.sum((B[:, None, :] - A[None, :, :]) ** 2, axis=-1)
    with np.errstate(divide="ignore"):
        return nadaraya_watson_classifier(-0.5 * alpha * np.log(sq), yv)


def one_nn_classifier(X_train, y, X_test) -> np.ndarray:
    """Label of the nearest training point (largest inner product on the sphere): (m,).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> one_nn_classifier(X, [1.0, -1.0], np.array([[0.6, 0.8]])).tolist()
    [-1.0]
    """
    A = _unit_rows("X_train", X_train)
    B = _unit_rows("X_test", X_test)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X_train and X_test must have the same dim; got {A.shape[1]} and {B.shape[1]}")
    yv = _labels(y, A.shape[0])
    V.elements("X_test.shape[0] * X_train.shape[0] * dim", (B.shape[0], A.shape[0], A.shape[1]))
    sq = np.sum((B[:, None, :] - A[None, :, :]) ** 2, axis=-1)
    return yv[np.argmin(sq, axis=1)]


def majority_vote_classifier(y, n_test: int) -> np.ndarray:
    """The training-majority label repeated ``n_test`` times (ties -> +1); ``n_test = 0``
    gives an empty array.

    Examples
    --------
    >>> majority_vote_classifier([1.0, -1.0, -1.0], 2).tolist()
    [-1.0, -1.0]
    """
    yv = _labels(y, None)
    n_test = V.count("n_test", n_test, low=0, high=V.MAX_ELEMENTS)
    return np.full(n_test, 1.0 if yv.sum() >= 0 else -1.0)

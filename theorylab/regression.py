"""Ridge regression on features and kernels, with the ridge chosen on validation data.

Shared by every notebook that fits a linear readout on random features or a kernel
predictor (random-feature attention, kernel baselines of hierarchical polynomials,
kernel learning curves). Solves are done with Cholesky / eigendecompositions in
float64; a whole grid of ridge values costs one decomposition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

__all__ = [
    "ridge_path",
    "ridge_fit",
    "kernel_ridge_path",
    "kernel_ridge_fit",
    "select_ridge",
    "RidgeSelection",
    "mse",
]


def _as_2d(name: str, a, *, rows: int | None = None) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array; got shape {arr.shape}")
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows; got {arr.shape[0]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values")
    return arr


def _targets(y, n: int) -> tuple[np.ndarray, bool]:
    arr = np.asarray(y, dtype=float)
    vec = arr.ndim == 1
    arr2 = arr[:, None] if vec else arr
    if arr2.ndim != 2 or arr2.shape[0] != n:
        raise ValueError(f"y must have shape ({n},) or ({n}, k); got {arr.shape}")
    if not np.all(np.isfinite(arr2)):
        raise ValueError("y contains non-finite values")
    return arr2, vec


def _ridges(ridges) -> np.ndarray:
    lam = np.atleast_1d(np.asarray(ridges, dtype=float))
    if lam.ndim != 1 or lam.size == 0 or not np.all(np.isfinite(lam)) or np.any(lam < 0):
        raise ValueError(f"ridges must be a non-empty 1-D array of finite values >= 0; got {ridges!r}")
    return lam


def mse(y_pred, y_true) -> float:
    """Mean squared error (averaged over samples and outputs)."""
    a, b = np.asarray(y_pred, float), np.asarray(y_true, float)
    if a.shape != b.shape:
        raise ValueError(f"y_pred {a.shape} and y_true {b.shape} must have the same shape")
    return float(np.mean((a - b) ** 2))


def ridge_path(F, y, ridges: Sequence[float]) -> np.ndarray:
    r"""Ridge coefficients for every ridge value, from one SVD.

    .. math:: \hat w_\lambda = \arg\min_w \tfrac1n\|F w - y\|^2 + \lambda \|w\|^2
              = V (S^2 + n\lambda)^{-1} S U^\top y

    Parameters
    ----------
    F : (n, p) feature matrix
    y : (n,) or (n, k) targets
    ridges : (r,) values of :math:`\lambda \ge 0` (the penalty is per-sample normalised)

    Returns
    -------
    (r, p) or (r, p, k) coefficients. ``lambda = 0`` gives the minimum-norm
    least-squares solution.
    """
    F = _as_2d("F", F)
    n = F.shape[0]
    Y, vec = _targets(y, n)
    lam = _ridges(ridges)
    U, s, Vt = np.linalg.svd(F, full_matrices=False)
    UtY = U.T @ Y  # (m, k)
    cutoff = s.max(initial=0.0) * max(F.shape) * np.finfo(float).eps
    denom = s[None, :] ** 2 + n * lam[:, None]  # (r, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where((s[None, :] > cutoff) & (denom > 0), s[None, :] / denom, 0.0)
    W = np.einsum("mp,rm,mk->rpk", Vt, factor, UtY)
    return W[..., 0] if vec else W


def ridge_fit(F, y, ridge: float) -> np.ndarray:
    """Ridge coefficients for one ridge value: ``(p,)`` or ``(p, k)``. See :func:`ridge_path`."""
    return ridge_path(F, y, [ridge])[0]


def kernel_ridge_path(K, y, ridges: Sequence[float]) -> np.ndarray:
    r"""Dual coefficients :math:`\alpha_\lambda = (K + n\lambda I)^{-1} y` for every ridge,
    from one symmetric eigendecomposition. Predict with ``K_test_train @ alpha``.

    Parameters
    ----------
    K : (n, n) symmetric positive semi-definite train Gram matrix
    y : (n,) or (n, k)
    ridges : (r,) ridge values >= 0 (``0`` = ridgeless, via the pseudo-inverse)

    Returns
    -------
    (r, n) or (r, n, k)
    """
    K = _as_2d("K", K)
    n = K.shape[0]
    if K.shape != (n, n):
        raise ValueError(f"K must be square; got {K.shape}")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(K).max()))):
        raise ValueError("K must be symmetric")
    Y, vec = _targets(y, n)
    lam = _ridges(ridges)
    evals, evecs = np.linalg.eigh(K)
    cutoff = max(float(evals.max(initial=0.0)), 0.0) * n * np.finfo(float).eps
    QtY = evecs.T @ Y
    denom = evals[None, :] + n * lam[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(denom > cutoff, 1.0 / denom, 0.0)
    A = np.einsum("nm,rm,mk->rnk", evecs, inv, QtY)
    return A[..., 0] if vec else A


def kernel_ridge_fit(K, y, ridge: float) -> np.ndarray:
    """Dual coefficients for one ridge value. See :func:`kernel_ridge_path`."""
    return kernel_ridge_path(K, y, [ridge])[0]


@dataclass(frozen=True)
class RidgeSelection:
    """Result of :func:`select_ridge`."""

    ridge: float
    index: int
    val_errors: np.ndarray
    coef: np.ndarray


def select_ridge(train, y_train, val, y_val, ridges: Sequence[float], *, kernel: bool = False) -> RidgeSelection:
    """Choose the ridge with the smallest validation MSE (never on test data).

    With ``kernel=False``: ``train`` is the (n, p) train feature matrix, ``val`` the
    (m, p) validation features; ``coef`` are primal weights. With ``kernel=True``:
    ``train`` is the (n, n) train Gram matrix and ``val`` the (m, n) validation-vs-train
    kernel; ``coef`` are dual coefficients.
    """
    lam = _ridges(ridges)
    if kernel:
        A = kernel_ridge_path(train, y_train, lam)
        V = _as_2d("val", val)
        if V.shape[1] != np.asarray(train).shape[0]:
            raise ValueError(f"val must have {np.asarray(train).shape[0]} columns; got {V.shape[1]}")
    else:
        A = ridge_path(train, y_train, lam)
        V = _as_2d("val", val)
        if V.shape[1] != np.asarray(train).shape[1]:
            raise ValueError(f"val must have {np.asarray(train).shape[1]} columns; got {V.shape[1]}")
    yv = np.asarray(y_val, float)
    preds = np.einsum("mp,rp...->rm...", V, A)
    errs = np.mean((preds - yv[None]) ** 2, axis=tuple(range(1, preds.ndim)))
    i = int(np.argmin(errs))
    return RidgeSelection(ridge=float(lam[i]), index=i, val_errors=errs, coef=A[i])

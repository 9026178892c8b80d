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

from . import _validate as V

__all__ = [
    "ridge_path",
    "ridge_fit",
    "kernel_ridge_path",
    "kernel_ridge_fit",
    "select_ridge",
    "RidgeSelection",
    "mse",
]


def _as_2d(name: str, a, *, rows: int | None = None, rows_of: str = "") -> np.ndarray:
    arr = V.array(name, a, ndim=2)
    if rows is not None and arr.shape[0] != rows:
        raise ValueError(f"{name} must have {rows} rows (as many as {rows_of}); got {arr.shape[0]}")
    return arr


def _targets(name: str, y, n: int, of: str) -> tuple[np.ndarray, bool]:
    arr = V.array(name, y)
    vec = arr.ndim == 1
    arr2 = arr[:, None] if vec else arr
    if arr2.ndim != 2 or arr2.shape[0] != n:
        raise ValueError(f"{name} must have shape ({n},) or ({n}, k), one row per row of {of}; got {arr.shape}")
    return arr2, vec


def _ridges(name: str, ridges) -> np.ndarray:
    lam = V.array(name, np.atleast_1d(V.array(name, ridges)), ndim=1, nonempty=True, low=0.0)
    return lam


def mse(y_pred, y_true) -> float:
    """Mean squared error (averaged over samples and outputs); finite arrays of one shape.

    An empty pair has no mean: ``ValueError``.

    Examples
    --------
    >>> mse([1.0, 2.0], [1.0, 4.0])
    2.0
    """
    a = V.array("y_pred", y_pred, nonempty=True)
    b = V.array("y_true", y_true, nonempty=True)
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

    Examples
    --------
    >>> F = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> ridge_path(F, [1.0, 2.0, 3.0], [0.0, 1.0]).round(4).tolist()
    [[1.0, 2.0], [0.625, 0.875]]
    """
    F = _as_2d("F", F)
    return _ridge_path(F, *_targets("y", y, F.shape[0], "F"), _ridges("ridges", ridges))


def _ridge_path(F: np.ndarray, Y: np.ndarray, vec: bool, lam: np.ndarray) -> np.ndarray:
    n = F.shape[0]
    U, s, Vt = np.linalg.svd(F, full_matrices=False)
    UtY = U.T @ Y  # (m, k)
    cutoff = s.max(initial=0.0) * max(F.shape) * np.finfo(float).eps
    denom = s[None, :] ** 2 + n * lam[:, None]  # (r, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where((s[None, :] > cutoff) & (denom > 0), s[None, :] / denom, 0.0)
    W = np.einsum("mp,rm,mk->rpk", Vt, factor, UtY)
    return W[..., 0] if vec else W


def ridge_fit(F, y, ridge: float) -> np.ndarray:
    """Ridge coefficients for one ridge value ``ridge >= 0``: ``(p,)`` or ``(p, k)``.
    See :func:`ridge_path`.

    Examples
    --------
    >>> ridge_fit([[1.0], [2.0]], [2.0, 4.0], 0.0)
    array([2.])
    """
    F = _as_2d("F", F)
    r = V.real("ridge", ridge, low=0.0)
    return _ridge_path(F, *_targets("y", y, F.shape[0], "F"), np.array([r]))[0]


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

    Examples
    --------
    >>> kernel_ridge_path(np.eye(2), [1.0, -1.0], [0.0, 0.5]).tolist()
    [[1.0, -1.0], [0.5, -0.5]]
    """
    K = _gram("K", K)
    return _kernel_ridge_path(K, *_targets("y", y, K.shape[0], "K"), _ridges("ridges", ridges))


def _gram(name: str, K) -> np.ndarray:
    K = _as_2d(name, K)
    n = K.shape[0]
    if K.shape != (n, n):
        raise ValueError(f"{name} must be square; got {K.shape}")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12 * max(1.0, float(np.abs(K).max(initial=0.0)))):
        raise ValueError(f"{name} must be symmetric")
    return K


def _kernel_ridge_path(K: np.ndarray, Y: np.ndarray, vec: bool, lam: np.ndarray) -> np.ndarray:
    n = K.shape[0]
    evals, evecs = np.linalg.eigh(K)
    top = float(np.abs(evals).max(initial=0.0))
    if evals.size and evals[0] < -1e-8 * max(top, np.finfo(float).tiny):
        raise ValueError(f"K must be positive semi-definite (a Gram matrix); smallest eigenvalue {evals[0]:.3g}")
    cutoff = max(float(evals.max(initial=0.0)), 0.0) * n * np.finfo(float).eps
    QtY = evecs.T @ Y
    denom = evals[None, :] + n * lam[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(denom > cutoff, 1.0 / denom, 0.0)
    A = np.einsum("nm,rm,mk->rnk", evecs, inv, QtY)
    return A[..., 0] if vec else A


def kernel_ridge_fit(K, y, ridge: float) -> np.ndarray:
    """Dual coefficients for one ridge value ``ridge >= 0``. See :func:`kernel_ridge_path`.

    Examples
    --------
    >>> kernel_ridge_fit(2.0 * np.eye(2), [1.0, 1.0], 0.0)
    array([0.5, 0.5])
    """
    K = _gram("K", K)
    r = V.real("ridge", ridge, low=0.0)
    return _kernel_ridge_path(K, *_targets("y", y, K.shape[0], "K"), np.array([r]))[0]


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
    kernel; ``coef`` are dual coefficients. ``y_train`` is ``(n,)`` or ``(n, k)`` and
    ``y_val`` has the matching shape ``(m,)`` or ``(m, k)``.

    Examples
    --------
    >>> F = np.array([[1.0], [2.0], [3.0]])
    >>> sel = select_ridge(F, [1.0, 2.0, 3.0], np.array([[4.0]]), [4.0], [0.0, 10.0])
    >>> sel.ridge, sel.coef
    (0.0, array([1.]))
    """
    lam = _ridges("ridges", ridges)
    kernel = V.flag("kernel", kernel)
    if kernel:
        T = _gram("train", train)
        Y, vec = _targets("y_train", y_train, T.shape[0], "train")
        A = _kernel_ridge_path(T, Y, vec, lam)
        Vm = _as_2d("val", val)
        if Vm.shape[1] != T.shape[0]:
            raise ValueError(f"val must have {T.shape[0]} columns (one per training point); got {Vm.shape[1]}")
    else:
        T = _as_2d("train", train)
        Y, vec = _targets("y_train", y_train, T.shape[0], "train")
        A = _ridge_path(T, Y, vec, lam)
        Vm = _as_2d("val", val)
        if Vm.shape[1] != T.shape[1]:
            raise ValueError(f"val must have {T.shape[1]} columns (one per feature of train); got {Vm.shape[1]}")
    if Vm.shape[0] == 0:
        raise ValueError("val must hold at least one validation row")
    want = (Vm.shape[0],) if vec else (Vm.shape[0], Y.shape[1])
    yv = V.array("y_val", y_val, shape=want)
    preds = np.einsum("mp,rp...->rm...", Vm, A)
    errs = np.mean((preds - yv[None]) ** 2, axis=tuple(range(1, preds.ndim)))
    i = int(np.argmin(errs))
    return RidgeSelection(ridge=float(lam[i]), index=i, val_errors=errs, coef=A[i])

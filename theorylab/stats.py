"""Small statistics helpers shared by the notebooks: log-log slope fits with a
bootstrap over repetitions, and Monte-Carlo means with standard errors."""

from __future__ import annotations

import numpy as np

from .claims import fit_loglog

__all__ = ["fit_loglog", "bootstrap_loglog_slope", "mean_se"]


def mean_se(samples, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the mean along ``axis`` (ddof = 1).

    ``(..., r, ...) -> (mean, se)`` with the repetition axis removed.
    """
    a = np.asarray(samples, dtype=float)
    if a.shape[axis] < 2:
        raise ValueError(f"need at least 2 samples along axis {axis}; got {a.shape[axis]}")
    if not np.all(np.isfinite(a)):
        raise ValueError("samples contain non-finite values")
    return a.mean(axis=axis), a.std(axis=axis, ddof=1) / np.sqrt(a.shape[axis])


def bootstrap_loglog_slope(
    x, Y, *, n_boot: int = 2000, rng: np.random.Generator, level: float = 0.95
) -> dict[str, float]:
    """Log-log slope of ``mean_r Y[r, i]`` against ``x[i]``, with a percentile
    bootstrap interval obtained by resampling the repetitions (rows of ``Y``).

    Parameters
    ----------
    x : (m,) positive abscissae (e.g. horizons T or sample sizes n)
    Y : (r, m) positive values, one row per independent repetition (seed)
    n_boot : number of bootstrap resamples
    rng : numpy Generator (required)

    Returns
    -------
    dict with ``slope`` (fit of the mean curve), ``lo``, ``hi`` (bootstrap
    percentile interval at ``level``), ``boot_se``.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    xa = np.asarray(x, dtype=float)
    Ya = np.asarray(Y, dtype=float)
    if Ya.ndim != 2 or Ya.shape[1] != xa.size:
        raise ValueError(f"Y must have shape (repetitions, {xa.size}); got {Ya.shape}")
    if Ya.shape[0] < 2:
        raise ValueError("Y needs at least 2 repetitions for a bootstrap")
    if int(n_boot) < 10:
        raise ValueError(f"n_boot must be >= 10; got {n_boot}")
    if np.any(xa <= 0) or np.any(Ya.mean(axis=0) <= 0):
        raise ValueError("x and the mean of Y must be strictly positive")
    slope = fit_loglog(xa, Ya.mean(axis=0))["slope"]
    r = Ya.shape[0]
    idx = rng.integers(0, r, size=(int(n_boot), r))
    means = Ya[idx].mean(axis=1)  # (n_boot, m)
    means = np.maximum(means, np.finfo(float).tiny)
    lx = np.log(xa)
    lxc = lx - lx.mean()
    ly = np.log(means)
    slopes = (ly - ly.mean(axis=1, keepdims=True)) @ lxc / (lxc @ lxc)
    a = (1 - level) / 2
    lo, hi = np.quantile(slopes, [a, 1 - a])
    return {"slope": float(slope), "lo": float(lo), "hi": float(hi), "boot_se": float(slopes.std(ddof=1))}

"""Small statistics helpers shared by the notebooks: log-log slope fits with a
bootstrap over repetitions, and Monte-Carlo means with standard errors."""

from __future__ import annotations

import numpy as np

from . import _validate as V
from .claims import fit_loglog

__all__ = ["fit_loglog", "bootstrap_loglog_slope", "mean_se"]


def mean_se(samples, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard error of the mean along ``axis`` (ddof = 1).

    ``(..., r, ...) -> (mean, se)`` with the repetition axis removed; ``samples`` finite
    with at least 2 entries along ``axis``.

    Examples
    --------
    >>> m, se = mean_se([[1.0, 10.0], [3.0, 14.0]])
    >>> m.tolist(), se.tolist()
    ([2.0, 12.0], [1.0, 2.0])
    """
    a = V.array("samples", samples)
    if a.ndim == 0:
        raise ValueError("samples must be an array with a repetition axis; got a scalar")
    ax = V.integer("axis", axis, low=-a.ndim, high=a.ndim - 1)
    if a.shape[ax] < 2:
        raise ValueError(f"samples need at least 2 entries along axis {ax}; got {a.shape[ax]}")
    return a.mean(axis=ax), a.std(axis=ax, ddof=1) / np.sqrt(a.shape[ax])


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

    Examples
    --------
    >>> Y = np.array([[1.0, 4.0, 16.0], [1.2, 4.4, 15.0]])
    >>> out = bootstrap_loglog_slope([1.0, 2.0, 4.0], Y, n_boot=100, rng=np.random.default_rng(0))
    >>> round(out["slope"], 3), out["lo"] <= out["slope"] <= out["hi"]
    (1.908, True)
    """
    V.rng(rng)
    xa = V.array("x", x, ndim=1, low=0.0, low_open=True)
    if xa.size < 2:
        raise ValueError(f"x needs at least 2 abscissae for a slope; got {xa.size}")
    Ya = V.array("Y", Y, shape=("repetitions", xa.size))
    if Ya.shape[0] < 2:
        raise ValueError("Y needs at least 2 repetitions (rows) for a bootstrap")
    n_boot = V.count("n_boot", n_boot, low=10, high=10**7)
    V.elements("n_boot * repetitions", (n_boot, Ya.shape[0], xa.size))
    level = V.real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    if np.any(Ya.mean(axis=0) <= 0):
        raise ValueError("Y must have a strictly positive mean in every column (a log-log fit)")
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

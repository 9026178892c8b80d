r"""Proper orthogonal decomposition of snapshot matrices.

The Kolmogorov n-width of a solution manifold :math:`\mathcal M` is
:math:`d_n(\mathcal M) = \inf_{\dim V_n = n}\sup_{u\in\mathcal M}\operatorname{dist}(u, V_n)`.
On a finite snapshot set the best n-dimensional subspace in the *mean-square* sense is spanned
by the leading left singular vectors (POD modes), with error
:math:`\sqrt{\sum_{k>n}\sigma_k^2}`. The mode count needed for an energy fraction
(:func:`energy_mode_count`) is therefore a proxy of the n-width (an average, not the worst
case of the definition).

Used by ``notebooks/mechanisms/lagrangian-pinns.md``.
"""

from __future__ import annotations

import numpy as np

from .. import _validate as v

__all__ = ["snapshot_svd", "energy_mode_count", "truncation_error"]


def snapshot_svd(U) -> np.ndarray:
    """Singular values of a snapshot matrix, descending.

    Parameters
    ----------
    U : (N, M) finite

    Returns
    -------
    sigma : (min(N, M),)

    Examples
    --------
    >>> snapshot_svd(np.diag([1.0, 3.0]))
    array([3., 1.])
    """
    U = v.min_length("U", v.shaped_array("U", U, ndim=2), 1)
    return np.linalg.svd(U, compute_uv=False)


def energy_mode_count(sigma, energy: float = 0.999) -> int:
    r"""Smallest n with :math:`\sum_{k\le n}\sigma_k^2 / \sum_k \sigma_k^2 \ge` ``energy``.

    Parameters
    ----------
    sigma : (r,) non-negative singular values (any order; sorted internally)
    energy : float in (0, 1]

    Returns
    -------
    n : int >= 1

    Examples
    --------
    >>> energy_mode_count([1.0, 1.0, 0.01], energy=0.99)
    2
    """
    s = v.min_length("sigma", v.shaped_array("sigma", sigma, ndim=1), 1)
    if np.any(s < 0):
        raise ValueError("sigma must be non-negative")
    e = v.positive_real("energy", energy)
    if e > 1:
        raise ValueError(f"energy must be in (0, 1]; got {e}")
    s2 = np.sort(s)[::-1] ** 2
    total = s2.sum()
    if total == 0:
        raise ValueError("sigma must not be all zero")
    frac = np.cumsum(s2) / total
    # a tiny slack so that energy=1 counts modes above round-off only
    return int(np.searchsorted(frac, e - 1e-15 * s2.size) + 1)


def truncation_error(sigma, n_modes) -> np.ndarray:
    r"""Relative Frobenius error of the best rank-n approximation,
    :math:`\sqrt{\sum_{k>n}\sigma_k^2/\sum_k\sigma_k^2}`, for each n in ``n_modes``.

    Parameters
    ----------
    sigma : (r,) non-negative
    n_modes : int or (q,) ints in [0, r]

    Returns
    -------
    err : float array, shape of ``n_modes``

    Examples
    --------
    >>> float(truncation_error([3.0, 4.0], 1))
    0.6
    """
    s = v.min_length("sigma", v.shaped_array("sigma", sigma, ndim=1), 1)
    if np.any(s < 0):
        raise ValueError("sigma must be non-negative")
    n = np.asarray(n_modes)
    if not np.issubdtype(n.dtype, np.integer) or np.any(n < 0) or np.any(n > s.size):
        raise ValueError(f"n_modes must be integers in [0, {s.size}]")
    s2 = np.sort(s)[::-1] ** 2
    if s2.sum() == 0:
        raise ValueError("sigma must not be all zero")
    tail = np.concatenate([np.cumsum(s2[::-1])[::-1], [0.0]])   # tail[n] = sum_{k>=n} s2[k]
    return np.sqrt(np.maximum(tail[n], 0.0) / s2.sum())

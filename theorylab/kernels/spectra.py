r"""Kernel spectra: Gram-matrix eigendecompositions and Mercer spectra of dot-product
kernels on the sphere.

For a dot-product kernel :math:`k(x, x') = f(x\cdot x')` on the unit sphere
:math:`S^{d-1}` with the uniform probability measure, the spherical harmonics of degree
:math:`\ell` are eigenfunctions (Funk-Hecke theorem) with eigenvalue

.. math:: \mu_\ell = \mathbb E_{t\sim\tau_d}\left[f(t)\,P_\ell^{(d)}(t)\right],\qquad
          \tau_d(dt) \propto (1-t^2)^{(d-3)/2}\,dt \ \text{on}\ [-1, 1],

with multiplicity :math:`N(d,\ell) = \frac{2\ell+d-2}{\ell}\binom{\ell+d-3}{\ell-1}`
(:math:`N(d,0)=1`) and :math:`P_\ell^{(d)}` the Legendre polynomial of dimension d,
normalised to :math:`P_\ell^{(d)}(1)=1` (Gegenbauer :math:`C_\ell^{(d-2)/2}/C_\ell^{(d-2)/2}(1)`),
so that :math:`f(t) = \sum_\ell \mu_\ell N(d,\ell) P^{(d)}_\ell(t)` (Smola, Ovari &
Williamson 2001; Bach 2017; Bietti & Mairal 2019). The expectation is computed by
Gauss-Jacobi quadrature with :math:`\alpha=\beta=(d-3)/2`.

Used by the kernel notebooks (``notebooks/kernels/``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

__all__ = ["gram_eigh", "legendre_sphere", "sphere_mercer_spectrum", "sphere_multiplicity"]


def gram_eigh(K, *, check_symmetric: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Eigendecomposition of a symmetric Gram matrix, eigenvalues in *descending* order.

    Parameters
    ----------
    K : (n, n) symmetric, finite
    check_symmetric : raise if ``K`` is not symmetric to ~1e-10 relative

    Returns
    -------
    evals : (n,) descending;  evecs : (n, n), column i the unit eigenvector of evals[i]
    (``K = evecs @ diag(evals) @ evecs.T``).
    """
    A = np.asarray(K, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"K must be a square (n, n) matrix; got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError("K must be finite")
    if check_symmetric:
        scale = max(float(np.max(np.abs(A))), np.finfo(float).tiny) if A.size else 1.0
        if np.max(np.abs(A - A.T), initial=0.0) > 1e-10 * scale:
            raise ValueError("K must be symmetric")
    evals, evecs = np.linalg.eigh(A)
    return evals[::-1].copy(), evecs[:, ::-1].copy()


def _check_dim(dim) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int; got {type(dim).__name__}")
    if dim < 2:
        raise ValueError(f"dim must be >= 2 (the sphere S^(dim-1) in R^dim); got {dim}")
    return int(dim)


def _check_degree(max_degree) -> int:
    if isinstance(max_degree, bool) or not isinstance(max_degree, (int, np.integer)):
        raise TypeError(f"max_degree must be an int; got {type(max_degree).__name__}")
    if max_degree < 0:
        raise ValueError(f"max_degree must be >= 0; got {max_degree}")
    return int(max_degree)


def sphere_multiplicity(dim: int, max_degree: int) -> np.ndarray:
    r"""Dimension :math:`N(d,\ell)` of the degree-:math:`\ell` spherical harmonics on
    :math:`S^{d-1}`, for :math:`\ell = 0..` ``max_degree`` -> (max_degree + 1,) float
    array (float because it overflows int64 for large d and l).

    :math:`N(d,\ell) = \binom{\ell+d-1}{\ell} - \binom{\ell+d-3}{\ell-2}`.
    """
    d = _check_dim(dim)
    L = _check_degree(max_degree)
    ell = np.arange(L + 1)
    a = special.comb(ell + d - 1, ell, exact=False)
    b = np.where(ell >= 2, special.comb(ell + d - 3, np.maximum(ell - 2, 0), exact=False), 0.0)
    return a - b


def legendre_sphere(dim: int, max_degree: int, t) -> np.ndarray:
    r"""Legendre polynomials of dimension d, :math:`P^{(d)}_\ell(t)`, normalised to 1 at t=1.

    Three-term recurrence :math:`P_{\ell+1} = \frac{(2\ell+d-2)\,t\,P_\ell - \ell P_{\ell-1}}{\ell+d-2}`,
    :math:`P_0=1, P_1=t` (d=3: Legendre; d=2: Chebyshev T). ``t`` any shape ->
    ``(max_degree + 1, *t.shape)``.
    """
    d = _check_dim(dim)
    L = _check_degree(max_degree)
    t = np.asarray(t, dtype=float)
    P = np.empty((L + 1,) + t.shape)
    P[0] = 1.0
    if L >= 1:
        P[1] = t
    for ell in range(1, L):
        P[ell + 1] = ((2 * ell + d - 2) * t * P[ell] - ell * P[ell - 1]) / (ell + d - 2)
    return P


def sphere_mercer_spectrum(
    f: Callable[[np.ndarray], np.ndarray],
    dim: int,
    max_degree: int,
    *,
    n_nodes: int = 2000,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Mercer eigenvalues of :math:`k(x,x') = f(x\cdot x')` on :math:`S^{d-1}`.

    Parameters
    ----------
    f : vectorised callable on [-1, 1]
    dim : ambient dimension d >= 2 (sphere :math:`S^{d-1}`)
    max_degree : highest degree :math:`\ell`
    n_nodes : Gauss-Jacobi nodes (exact for polynomial f of degree < 2 n_nodes - max_degree;
        kinks at t = +-1, e.g. arc-cosine kernels, converge algebraically)

    Returns
    -------
    mu : (max_degree + 1,) eigenvalue of each degree (uniform probability measure)
    mult : (max_degree + 1,) multiplicities :math:`N(d,\ell)`;
    :math:`\sum_\ell \mu_\ell N(d,\ell) = f(1)` (the trace) when the series converges.
    """
    d = _check_dim(dim)
    L = _check_degree(max_degree)
    if not callable(f):
        raise TypeError(f"f must be a callable of t in [-1, 1]; got {type(f).__name__}")
    if isinstance(n_nodes, bool) or not isinstance(n_nodes, (int, np.integer)) or n_nodes < 1:
        raise ValueError(f"n_nodes must be a positive int; got {n_nodes!r}")
    a = (d - 3) / 2.0
    t, w = special.roots_jacobi(int(n_nodes), a, a)
    w = w / w.sum()
    ft = np.asarray(f(t), dtype=float)
    if ft.shape != t.shape:
        raise ValueError(f"f must map an array of shape {t.shape} to the same shape; got {ft.shape}")
    if not np.all(np.isfinite(ft)):
        raise ValueError("f returned non-finite values on [-1, 1]")
    P = legendre_sphere(d, L, t)
    mu = P @ (w * ft)
    return mu, sphere_multiplicity(d, L)

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

from .. import _validate as V

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
    (``K = evecs @ diag(evals) @ evecs.T``). An empty ``(0, 0)`` matrix gives empty results.

    Examples
    --------
    >>> evals, evecs = gram_eigh([[2.0, 0.0], [0.0, 3.0]])
    >>> evals.tolist()
    [3.0, 2.0]
    """
    A = V.array("K", K, ndim=2)
    if A.shape[0] != A.shape[1]:
        raise ValueError(f"K must be a square (n, n) matrix; got shape {A.shape}")
    if V.flag("check_symmetric", check_symmetric):
        scale = max(float(np.max(np.abs(A))), np.finfo(float).tiny) if A.size else 1.0
        if np.max(np.abs(A - A.T), initial=0.0) > 1e-10 * scale:
            raise ValueError("K must be symmetric")
    evals, evecs = np.linalg.eigh(A)
    return evals[::-1].copy(), evecs[:, ::-1].copy()


def _check_dim(dim, high: int = V.MAX_COUNT) -> int:
    return V.count("dim", dim, low=2, high=high)


def _check_degree(max_degree) -> int:
    return V.count("max_degree", max_degree, low=0, high=10**6)


def sphere_multiplicity(dim: int, max_degree: int) -> np.ndarray:
    r"""Dimension :math:`N(d,\ell)` of the degree-:math:`\ell` spherical harmonics on
    :math:`S^{d-1}`, for :math:`\ell = 0..` ``max_degree`` -> (max_degree + 1,) float
    array (float because it overflows int64 for large d and l).

    :math:`N(d,\ell) = \binom{\ell+d-1}{\ell} - \binom{\ell+d-3}{\ell-2}`.
    ``ValueError`` if a multiplicity overflows float64 (very large ``dim`` and degree).

    Examples
    --------
    >>> sphere_multiplicity(3, 3).tolist()
    [1.0, 3.0, 5.0, 7.0]
    """
    d = _check_dim(dim)
    L = _check_degree(max_degree)
    ell = np.arange(L + 1)
    a = special.comb(ell + d - 1, ell, exact=False)
    b = np.where(ell >= 2, special.comb(ell + d - 3, np.maximum(ell - 2, 0), exact=False), 0.0)
    out = a - b
    if not np.all(np.isfinite(out)):
        raise ValueError(f"max_degree: multiplicities overflow float64 for dim = {d} beyond degree "
                         f"{int(np.argmax(~np.isfinite(out))) - 1}")
    return out


def legendre_sphere(dim: int, max_degree: int, t) -> np.ndarray:
    r"""Legendre polynomials of dimension d, :math:`P^{(d)}_\ell(t)`, normalised to 1 at t=1.

    Three-term recurrence :math:`P_{\ell+1} = \frac{(2\ell+d-2)\,t\,P_\ell - \ell P_{\ell-1}}{\ell+d-2}`,
    :math:`P_0=1, P_1=t` (d=3: Legendre; d=2: Chebyshev T). ``t`` any shape (finite; the
    sphere needs only [-1, 1]) -> ``(max_degree + 1, *t.shape)``.

    Examples
    --------
    >>> legendre_sphere(3, 2, 0.5).tolist()
    [1.0, 0.5, -0.125]
    """
    d = _check_dim(dim)
    L = _check_degree(max_degree)
    t = V.array("t", t)
    V.elements("(max_degree + 1) * t.size", (L + 1, max(t.size, 1)))
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

    Examples
    --------
    >>> mu, mult = sphere_mercer_spectrum(lambda t: t, 3, 2)
    >>> (mu.round(12) + 0.0).tolist(), mult.tolist()
    ([0.0, 0.333333333333, 0.0], [1.0, 3.0, 5.0])
    """
    d = _check_dim(dim, high=10**5)
    L = _check_degree(max_degree)
    V.function("f", f, what="of t in [-1, 1]")
    n_nodes = V.count("n_nodes", n_nodes, high=10**6)
    V.elements("(max_degree + 1) * n_nodes", (L + 1, n_nodes))
    a = (d - 3) / 2.0
    t, w = special.roots_jacobi(n_nodes, a, a)
    if not (np.all(np.isfinite(w)) and np.all(np.isfinite(t)) and w.sum() > 0):
        raise ValueError(f"dim = {d} is too large for Gauss-Jacobi quadrature with n_nodes = {n_nodes}")
    w = w / w.sum()
    ft = np.asarray(f(t), dtype=float)
    if ft.shape != t.shape:
        raise ValueError(f"f must map an array of shape {t.shape} to the same shape; got {ft.shape}")
    if not np.all(np.isfinite(ft)):
        raise ValueError("f returned non-finite values on [-1, 1]")
    P = legendre_sphere(d, L, t)
    mu = P @ (w * ft)
    return mu, sphere_multiplicity(d, L)

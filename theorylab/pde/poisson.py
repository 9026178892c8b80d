r"""Dirichlet Laplacians on uniform grids, their sine-transform eigenpairs and fast Poisson solves.

The 2-D 5-point Laplacian on the :math:`n\times n` interior nodes of a square with homogeneous
Dirichlet data and unit spacing, :math:`(AX)_{ij} = 4X_{ij} - X_{i\pm1,j} - X_{i,j\pm1}`
(zero outside), has the eigenpairs

.. math:: \lambda_{jk} = 4 - 2\cos\frac{j\pi}{n+1} - 2\cos\frac{k\pi}{n+1},\qquad
          v_{jk}(i_1, i_2) = \tfrac{2}{n+1}\sin\frac{j\pi i_1}{n+1}\sin\frac{k\pi i_2}{n+1},

:math:`j, k = 1..n`, so the orthonormal type-I discrete sine transform :math:`S` (symmetric and
its own inverse) diagonalises it, :math:`A = S\,\mathrm{diag}(\lambda)\,S`, and
:math:`A^{-1}b = S(\,(Sb)/\lambda\,)` costs two FFTs. The condition number is
:math:`\lambda_{nn}/\lambda_{11} \approx (4/\pi^2)(n+1)^2`.

Arrays of grid functions have shape ``(..., n, n)`` (leading axes are a batch); the flattened
vector of a grid function is its row-major ravel, matching :func:`laplacian_2d`.

Used by ``notebooks/learning-theory/deep-conjugate-direction.md`` (the model problem of
Kaneda et al., arXiv:2205.10763).
"""

from __future__ import annotations

import numpy as np
import scipy.fft
import scipy.sparse as sp

from .. import _validate as v

__all__ = ["laplacian_1d", "laplacian_2d", "laplacian_2d_eigenvalues", "laplacian_2d_apply", "dst2",
           "poisson_solve_dst", "spectral_multiplier_apply"]


def laplacian_1d(n: int, h: float = 1.0) -> sp.csr_matrix:
    r"""Tridiagonal :math:`\mathrm{tridiag}(-1, 2, -1)/h^2` of size n (Dirichlet, n interior nodes).

    Examples
    --------
    >>> laplacian_1d(3).toarray()
    array([[ 2., -1.,  0.],
           [-1.,  2., -1.],
           [ 0., -1.,  2.]])
    """
    n = v.count("n", n)
    v.elements("n", 3 * n)
    h = v.positive_real("h", h)
    e = np.ones(n)
    return sp.diags([-e[:-1], 2 * e, -e[:-1]], [-1, 0, 1], format="csr") / h**2


def laplacian_2d(n: int) -> sp.csr_matrix:
    r"""Sparse 5-point Dirichlet Laplacian :math:`I\otimes T + T\otimes I` on :math:`n\times n`
    nodes, unit spacing; shape :math:`(n^2, n^2)`, row-major grid ordering.

    Examples
    --------
    >>> A = laplacian_2d(2)
    >>> A.toarray()
    array([[ 4., -1., -1.,  0.],
           [-1.,  4.,  0., -1.],
           [-1.,  0.,  4., -1.],
           [ 0., -1., -1.,  4.]])
    """
    n = v.count("n", n)
    v.elements("n * n", 5 * n * n)
    T = laplacian_1d(n)
    eye = sp.identity(T.shape[0], format="csr")
    return (sp.kron(eye, T) + sp.kron(T, eye)).tocsr()


def laplacian_2d_eigenvalues(n: int) -> np.ndarray:
    r"""Eigenvalues :math:`\lambda_{jk}` (module docstring) as an ``(n, n)`` array; entry
    ``[j-1, k-1]`` belongs to the DST coefficient ``[j-1, k-1]`` of :func:`dst2`.

    Examples
    --------
    >>> lam = laplacian_2d_eigenvalues(3)
    >>> bool(np.isclose(lam[1, 1], 4.0))
    True
    """
    n = v.count("n", n)
    v.elements("n * n", n * n)
    mu = 2 - 2 * np.cos(np.arange(1, n + 1) * np.pi / (n + 1))
    return mu[:, None] + mu[None, :]


def _grid(name: str, X, n_min: int = 1) -> np.ndarray:
    X = v.shaped_array(name, X)
    if X.ndim < 2 or X.shape[-1] != X.shape[-2] or X.shape[-1] < n_min:
        raise ValueError(f"{name} must have shape (..., n, n); got {X.shape}")
    return X


def laplacian_2d_apply(X) -> np.ndarray:
    """Matrix-free 5-point Laplacian of grid functions ``X`` of shape (..., n, n) (zero Dirichlet).

    Examples
    --------
    >>> X = np.random.default_rng(0).normal(size=(4, 4))
    >>> bool(np.allclose(laplacian_2d_apply(X).ravel(), laplacian_2d(4) @ X.ravel()))
    True
    """
    X = _grid("X", X)
    Y = 4.0 * X
    Y[..., 1:, :] -= X[..., :-1, :]
    Y[..., :-1, :] -= X[..., 1:, :]
    Y[..., :, 1:] -= X[..., :, :-1]
    Y[..., :, :-1] -= X[..., :, 1:]
    return Y


def dst2(X) -> np.ndarray:
    """Orthonormal type-I DST over the last two axes (symmetric and self-inverse).

    Examples
    --------
    >>> X = np.arange(9.0).reshape(3, 3)
    >>> bool(np.allclose(dst2(dst2(X)), X))
    True
    """
    X = _grid("X", X)
    return scipy.fft.dstn(X, type=1, norm="ortho", axes=(-2, -1))


def spectral_multiplier_apply(g_hat, X) -> np.ndarray:
    r"""Apply the sine-transform multiplier :math:`S\,\mathrm{diag}(\hat g)\,S` to grid functions.

    Parameters
    ----------
    g_hat : (n, n) multiplier, entry ``[j-1, k-1]`` for mode (j, k)
    X : (..., n, n)

    Returns
    -------
    Y : (..., n, n)

    Examples
    --------
    >>> n = 5; X = np.random.default_rng(0).normal(size=(n, n))
    >>> Y = spectral_multiplier_apply(laplacian_2d_eigenvalues(n), X)
    >>> bool(np.allclose(Y, laplacian_2d_apply(X)))
    True
    """
    X = _grid("X", X)
    g = v.shaped_array("g_hat", g_hat, shape=X.shape[-2:])
    return scipy.fft.dstn(g * scipy.fft.dstn(X, type=1, norm="ortho", axes=(-2, -1)),
                          type=1, norm="ortho", axes=(-2, -1))


def poisson_solve_dst(B) -> np.ndarray:
    r""":math:`A^{-1}B` for the 5-point Dirichlet Laplacian, by two sine transforms.

    Parameters
    ----------
    B : (..., n, n) right-hand sides

    Returns
    -------
    X : (..., n, n)

    Examples
    --------
    >>> B = np.random.default_rng(1).normal(size=(6, 6))
    >>> bool(np.allclose(laplacian_2d_apply(poisson_solve_dst(B)), B))
    True
    """
    B = _grid("B", B)
    return spectral_multiplier_apply(1.0 / laplacian_2d_eigenvalues(B.shape[-1]), B)

"""Hermite polynomials, the multivariate Hermite basis and random orthogonal
directions (part of :mod:`theorylab.polynomials`)."""

from __future__ import annotations

import math
from itertools import combinations_with_replacement

import numpy as np

from .. import _validate as V

# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
MAX_DEGREE = 1000
"""Largest Hermite degree (the recurrence is a loop over degrees; He_j overflows float64
well before for |z| > 1)."""

MAX_SAMPLES = 10**9
"""Largest number of Monte-Carlo samples (drawn in chunks)."""


def _int_arg(name: str, value, lo: int, hi: int = V.MAX_COUNT) -> int:
    return V.integer(name, value, low=lo, high=hi)


def _check_rng(rng) -> np.random.Generator:
    return V.rng(rng)


def _matrix(name: str, X, dim: int | None = None) -> np.ndarray:
    arr = V.array(name, X)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, dim); got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns; got {arr.shape[1]}")
    return arr


def _finite_poly(name: str, out: np.ndarray, j: int) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name}: the degree-{j} Hermite polynomial overflows float64 at these points")
    return out


# --------------------------------------------------------------------------- #
# Hermite polynomials
# --------------------------------------------------------------------------- #
def hermite(j: int, z) -> np.ndarray:
    r"""Probabilists' Hermite polynomial :math:`\mathrm{He}_j(z)` by the three-term recurrence.

    .. math:: \mathrm{He}_0 = 1,\ \mathrm{He}_1 = z,\
              \mathrm{He}_{m+1}(z) = z\,\mathrm{He}_m(z) - m\,\mathrm{He}_{m-1}(z).

    Parameters
    ----------
    j : int >= 0
    z : array_like, any shape

    Returns
    -------
    ndarray of the shape of ``z`` (float64); ``ValueError`` if it overflows.

    Examples
    --------
    >>> hermite(3, [1.0, 2.0]).tolist()  # z^3 - 3z
    [-2.0, 2.0]
    """
    j = _int_arg("j", j, 0, MAX_DEGREE)
    return _finite_poly("z", _hermite(j, V.array("z", z)), j)


def _hermite(j: int, z: np.ndarray) -> np.ndarray:
    prev, cur = np.ones_like(z), z.copy()
    if j == 0:
        return prev
    with np.errstate(over="ignore", invalid="ignore"):
        for m in range(1, j):
            prev, cur = cur, z * cur - m * prev
    return cur


def hermite_normalized(j: int, z) -> np.ndarray:
    r"""Normalised Hermite polynomial :math:`h_j = \mathrm{He}_j/\sqrt{j!}`, so that
    :math:`\mathbb E_{z\sim N(0,1)}[h_i(z)h_j(z)] = \delta_{ij}`. Shape of ``z``.

    Examples
    --------
    >>> hermite_normalized(2, [1.0]).round(6).tolist()  # (z^2 - 1)/sqrt(2)
    [0.0]
    """
    j = _int_arg("j", j, 0, MAX_DEGREE)
    return _hermite_normalized(j, V.array("z", z))


def _hermite_normalized(j: int, z: np.ndarray) -> np.ndarray:
    return _finite_poly("z", _hermite(j, z) / math.sqrt(math.factorial(j)), j)


def _hermite_table(z: np.ndarray, k: int) -> np.ndarray:
    """``(k+1, *z.shape)`` stack of normalised h_0..h_k (trusted inputs)."""
    out = np.empty((k + 1,) + z.shape)
    out[0] = 1.0
    if k >= 1:
        out[1] = z
    for m in range(1, k):
        out[m + 1] = z * out[m] - m * out[m - 1]
    for m in range(2, k + 1):
        out[m] /= math.sqrt(math.factorial(m))
    return out


def n_hermite_features(dim: int, degree: int) -> int:
    r"""Number of multivariate Hermite polynomials of total degree :math:`\le k` in
    :math:`d` variables: :math:`\binom{d+k}{k}` (``(d+1)(d+2)/2`` for ``k = 2``).

    Examples
    --------
    >>> n_hermite_features(3, 2)
    10
    """
    dim = _int_arg("dim", dim, 1)
    degree = _int_arg("degree", degree, 0, MAX_DEGREE)
    return math.comb(dim + degree, degree)


def hermite_features(X, degree: int) -> np.ndarray:
    r"""Orthonormal multivariate Hermite basis of total degree :math:`\le k`.

    .. math:: \phi_\alpha(x) = \prod_{c=1}^d h_{\alpha_c}(x_c), \qquad |\alpha| \le k,

    with :math:`\mathbb E_{x\sim N(0,I_d)}[\phi_\alpha\phi_\beta] = \delta_{\alpha\beta}`.
    This is the span of the frozen degree-``k`` first layer of the paper's network
    in the limit :math:`m_1 \to \infty` (Section 3), used for stage 1.

    Parameters
    ----------
    X : (n, d) array
    degree : int >= 0

    Returns
    -------
    (n, F) array, ``F = comb(d + k, k)``; columns ordered by degree (constant first,
    then the ``d`` linear ones, ...).

    Examples
    --------
    >>> hermite_features([[1.0, 2.0]], 1).tolist()
    [[1.0, 1.0, 2.0]]
    """
    X = _matrix("X", X)
    degree = _int_arg("degree", degree, 0, MAX_DEGREE)
    n, d = X.shape
    V.elements("n_samples * comb(dim + degree, degree)", (n, math.comb(d + degree, degree)))
    H = _hermite_table(X, degree)  # (k+1, n, d)
    Hflat = np.ascontiguousarray(np.moveaxis(H, 0, 1)).reshape(n, (degree + 1) * d)  # col m*d + c = h_m(x_c)
    cols = [np.ones((n, 1))]
    for deg in range(1, degree + 1):
        combos = np.array(list(combinations_with_replacement(range(d), deg)), dtype=np.intp)  # (F_deg, deg)
        # distinct coordinates with multiplicities, padded to length deg with (coord 0, mult 0)
        rows = np.arange(len(combos))
        coord = np.zeros_like(combos)
        mult = np.zeros_like(combos)
        pos = np.zeros(len(combos), np.intp)
        for t in range(deg):
            if t > 0:
                pos = pos + (combos[:, t] != combos[:, t - 1])
            coord[rows, pos] = combos[:, t]
            mult[rows, pos] += 1
        block = Hflat[:, mult[:, 0] * d + coord[:, 0]]
        for t in range(1, deg):
            block *= Hflat[:, mult[:, t] * d + coord[:, t]]
        cols.append(block)
    return np.concatenate(cols, axis=1)


def random_orthogonal(dim: int, n_vectors: int | None = None, *, rng: np.random.Generator) -> np.ndarray:
    r"""Haar-random orthonormal vectors: QR of a Gaussian matrix with the sign fix
    :math:`Q \leftarrow Q\,\mathrm{diag}(\mathrm{sign}\,R_{ii})` (Mezzadri 2007).

    Returns
    -------
    (dim, n_vectors) array with orthonormal columns (``n_vectors`` defaults to ``dim``).

    Examples
    --------
    >>> Q = random_orthogonal(4, 2, rng=np.random.default_rng(0))
    >>> bool(np.allclose(Q.T @ Q, np.eye(2)))
    True
    """
    dim = _int_arg("dim", dim, 1)
    n_vectors = dim if n_vectors is None else _int_arg("n_vectors", n_vectors, 1)
    if n_vectors > dim:
        raise ValueError(f"n_vectors must be <= dim = {dim}; got {n_vectors}")
    V.elements("dim * n_vectors", (dim, n_vectors))
    _check_rng(rng)
    G = rng.standard_normal((dim, n_vectors))
    Q, R = np.linalg.qr(G)
    return Q * np.sign(np.diag(R))[None, :]

r"""Hermite tools and hierarchical polynomial targets :math:`h = g\circ p`.

Used by ``notebooks/kernels/hierarchical-polys-three-layer.md`` (Wang, Nichani &
Lee, *Learning Hierarchical Polynomials with Three-Layer Neural Networks*, ICLR
2024, arXiv:2311.13774).

**Conventions.**

* Inputs :math:`x \sim N(0, I_d)`; :math:`\mathrm{He}_j` are the *probabilists'*
  Hermite polynomials (:math:`\mathrm{He}_{j+1}(z) = z\,\mathrm{He}_j(z) - j\,\mathrm{He}_{j-1}(z)`),
  orthogonal with :math:`\mathbb E[\mathrm{He}_i\mathrm{He}_j] = j!\,\delta_{ij}`;
  :math:`h_j = \mathrm{He}_j/\sqrt{j!}` are the normalised ones.
* A *feature* :math:`p(x) = L^{-1/2}\sum_{i=1}^L \lambda_i \psi_i(x)` (the paper's
  feature assumption, Section 2) with independent, mean-zero, unit-variance
  :math:`\psi_i` that each depend on :math:`x` through a subspace of dimension
  :math:`\le k`, and :math:`\sum_i\lambda_i^2 = L`, so :math:`\mathbb E p = 0` and
  :math:`\mathbb E p^2 = 1` exactly. Two families:
  orthogonally decomposable (:math:`\psi_i = h_k(v_i\cdot x)`, orthonormal
  :math:`v_i`) and sparse parity-like products over disjoint coordinate blocks.
* A *link* :math:`g(z) = \sum_{j=1}^q c_j \mathrm{He}_j(z)` is given by its
  Hermite coefficients; :math:`\mathbb E g(z) = c_0 = 0` and the information
  exponent is one: :math:`\mathbb E g'(z) = c_1 \neq 0`.

Closed forms (``*_exact``) are derived for ``k = 2`` orthogonally decomposable
features and links of degree ``q <= 3``; Monte-Carlo estimators (``*_mc``) work for
any feature and link and return standard errors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations_with_replacement
from typing import NamedTuple

import numpy as np

__all__ = [
    "HermiteLink",
    "HierarchicalTarget",
    "MCEstimate",
    "OrthoFeature",
    "ParityFeature",
    "degree2_floor_exact",
    "feature_coefficients_exact",
    "feature_coefficients_mc",
    "hermite",
    "hermite_features",
    "hermite_link",
    "hermite_normalized",
    "hermite_projection_mc",
    "lower_degree_norm_exact",
    "n_hermite_features",
    "orthogonal_decomposable_feature",
    "random_orthogonal",
    "sparse_parity_feature",
    "stein_error_exact",
    "stein_error_mc",
]


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
def _int_arg(name: str, value, lo: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < lo:
        raise ValueError(f"{name} must be >= {lo}; got {value}")
    return int(value)


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")
    return rng


def _matrix(name: str, X, dim: int | None = None) -> np.ndarray:
    try:
        arr = np.asarray(X, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a numeric array") from exc
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array (n_samples, dim); got shape {arr.shape}")
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"{name} must have {dim} columns; got {arr.shape[1]}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains non-finite values")
    return arr


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
    ndarray of the shape of ``z`` (float64).
    """
    j = _int_arg("j", j, 0)
    z = np.asarray(z, dtype=float)
    prev, cur = np.ones_like(z), z.copy()
    if j == 0:
        return prev
    for m in range(1, j):
        prev, cur = cur, z * cur - m * prev
    return cur


def hermite_normalized(j: int, z) -> np.ndarray:
    r"""Normalised Hermite polynomial :math:`h_j = \mathrm{He}_j/\sqrt{j!}`, so that
    :math:`\mathbb E_{z\sim N(0,1)}[h_i(z)h_j(z)] = \delta_{ij}`. Shape of ``z``."""
    j = _int_arg("j", j, 0)
    return hermite(j, z) / math.sqrt(math.factorial(j))


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
    :math:`d` variables: :math:`\binom{d+k}{k}` (``(d+1)(d+2)/2`` for ``k = 2``)."""
    dim = _int_arg("dim", dim, 1)
    degree = _int_arg("degree", degree, 0)
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
    """
    X = _matrix("X", X)
    degree = _int_arg("degree", degree, 0)
    n, d = X.shape
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
    """
    dim = _int_arg("dim", dim, 1)
    n_vectors = dim if n_vectors is None else _int_arg("n_vectors", n_vectors, 1)
    if n_vectors > dim:
        raise ValueError(f"n_vectors must be <= dim = {dim}; got {n_vectors}")
    _check_rng(rng)
    G = rng.standard_normal((dim, n_vectors))
    Q, R = np.linalg.qr(G)
    return Q * np.sign(np.diag(R))[None, :]


# --------------------------------------------------------------------------- #
# links
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class HermiteLink:
    r"""Link :math:`g(z) = \sum_{j=0}^q c_j\,\mathrm{He}_j(z)` (coefficients of the
    *unnormalised* probabilists' Hermite polynomials).

    :math:`\mathbb E g(z) = c_0`, :math:`\mathbb E g'(z) = c_1` (since
    :math:`\mathrm{He}_j' = j\,\mathrm{He}_{j-1}`), :math:`\mathbb E g^2 = \sum_j j!\,c_j^2`.
    Build it with :func:`hermite_link`, which enforces the paper's normalisation.
    """

    coeffs: np.ndarray

    @property
    def degree(self) -> int:
        """The degree ``q``."""
        return len(self.coeffs) - 1

    @property
    def mean_derivative(self) -> float:
        r""":math:`\mathbb E_{z\sim N(0,1)}[g'(z)] = c_1`."""
        return float(self.coeffs[1])

    def __call__(self, z) -> np.ndarray:
        z = np.asarray(z, dtype=float)
        out = np.zeros_like(z)
        for j, c in enumerate(self.coeffs):
            if c != 0.0:
                out += c * hermite(j, z)
        return out

    def derivative(self, z) -> np.ndarray:
        """:math:`g'(z) = \\sum_j j c_j He_{j-1}(z)`, shape of ``z``."""
        z = np.asarray(z, dtype=float)
        out = np.zeros_like(z)
        for j, c in enumerate(self.coeffs[1:], start=1):
            if c != 0.0:
                out += j * c * hermite(j - 1, z)
        return out


def hermite_link(coeffs: Sequence[float]) -> HermiteLink:
    r"""A link :math:`g = \sum_{j=1}^q c_j \mathrm{He}_j` with the paper's normalisation.

    Parameters
    ----------
    coeffs : sequence ``(c_0, c_1, ..., c_q)``, ``q >= 1``. Requires ``c_0 = 0``
        (:math:`\mathbb E g = 0`), ``c_1 != 0`` (information exponent 1,
        :math:`\mathbb E g' = c_1 = \Theta(1)`, Assumption on the link) and
        ``c_q != 0``. Example: ``(0, 1, 0.5)`` is :math:`g = z + \tfrac12\mathrm{He}_2`.

    Raises
    ------
    ValueError
        if ``q < 1``, ``c_0 != 0``, ``c_1 == 0`` (e.g. the even link He_2, excluded
        by the paper) or the leading coefficient is 0.
    """
    c = np.asarray(coeffs, dtype=float)
    if c.ndim != 1:
        raise ValueError(f"coeffs must be a 1-D sequence (c_0, ..., c_q); got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError("coeffs must be finite")
    if c.size < 2:
        raise ValueError(f"coeffs: the link degree q must be >= 1; got q = {c.size - 1}")
    if c[-1] == 0.0:
        raise ValueError("coeffs: the leading coefficient c_q must be non-zero (trim trailing zeros)")
    if c[0] != 0.0:
        raise ValueError(f"coeffs: normalisation E g(z) = c_0 = 0 required; got c_0 = {c[0]}")
    if c[1] == 0.0:
        raise ValueError("coeffs: information exponent 1 required, E g'(z) = c_1 must be non-zero")
    return HermiteLink(coeffs=c.copy())


# --------------------------------------------------------------------------- #
# features
# --------------------------------------------------------------------------- #
def _lambdas(L: int, signs: str | np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if isinstance(signs, str):
        if signs == "balanced":
            lam = np.where(np.arange(L) % 2 == 0, 1.0, -1.0)
            return rng.permutation(lam)
        if signs == "positive":
            return np.ones(L)
        if signs == "random":
            return rng.choice([-1.0, 1.0], size=L)
        raise ValueError(f"signs must be 'balanced', 'positive', 'random' or an array; got {signs!r}")
    lam = np.asarray(signs, dtype=float)
    if lam.shape != (L,) or not np.all(np.isfinite(lam)):
        raise ValueError(f"signs as an array must be finite with shape ({L},); got {lam.shape}")
    s = float(np.sum(lam**2))
    if s == 0.0:
        raise ValueError("signs: the weights lambda cannot all be zero (E p^2 = 1 impossible)")
    return lam * math.sqrt(L / s)  # normalise sum lambda^2 = L


@dataclass(frozen=True)
class OrthoFeature:
    r"""Orthogonally decomposable degree-``k`` feature

    .. math:: p(x) = L^{-1/2}\sum_{i=1}^L \lambda_i\, h_k(v_i\cdot x), \qquad
              V = [v_1,\dots,v_L] \in \mathbb R^{d\times L},\ V^\top V = I_L,\
              \textstyle\sum_i\lambda_i^2 = L.

    ``E p = 0``, ``E p^2 = 1`` exactly. ``latent(X) = X @ V`` gives :math:`z = V^\top x`.
    """

    V: np.ndarray
    lam: np.ndarray
    k: int

    @property
    def dim(self) -> int:
        return self.V.shape[0]

    @property
    def n_terms(self) -> int:
        return self.V.shape[1]

    def latent(self, X) -> np.ndarray:
        """``(n, d) -> (n, L)``: :math:`z_i = v_i\\cdot x`."""
        return _matrix("X", X, self.dim) @ self.V

    def psi_from_latent(self, Z: np.ndarray) -> np.ndarray:
        """``(n, L) -> (n, L)``: :math:`\\psi_i = h_k(z_i)`."""
        return hermite_normalized(self.k, Z)

    def from_psi(self, Psi: np.ndarray) -> np.ndarray:
        """``(n, L) -> (n,)``: :math:`L^{-1/2}\\sum_i \\lambda_i\\psi_i`."""
        return Psi @ self.lam / math.sqrt(self.n_terms)

    def sample_latent(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``(n, L)`` draws of :math:`z = V^\\top x` -- exactly N(0, I_L) by rotation invariance."""
        return rng.standard_normal((n, self.n_terms))

    def __call__(self, X) -> np.ndarray:
        return self.from_psi(self.psi_from_latent(self.latent(X)))


@dataclass(frozen=True)
class ParityFeature:
    r"""Sparse parity-like degree-``k`` feature over disjoint coordinate blocks

    .. math:: p(x) = L^{-1/2}\sum_{i=1}^L \lambda_i \prod_{c\in B_i} x_c, \qquad |B_i| = k,

    blocks :math:`B_i` disjoint (``blocks`` is ``(L, k)`` of coordinate indices).
    Each product has mean 0 and variance 1 and the products are independent, so
    ``E p = 0`` and ``E p^2 = 1`` exactly (``sum lambda^2 = L``).
    """

    blocks: np.ndarray
    lam: np.ndarray
    k: int
    dim: int

    @property
    def n_terms(self) -> int:
        return self.blocks.shape[0]

    def latent(self, X) -> np.ndarray:
        """``(n, d) -> (n, L, k)``: the block coordinates."""
        return _matrix("X", X, self.dim)[:, self.blocks]

    def psi_from_latent(self, Z: np.ndarray) -> np.ndarray:
        return np.prod(Z, axis=-1)

    def from_psi(self, Psi: np.ndarray) -> np.ndarray:
        return Psi @ self.lam / math.sqrt(self.n_terms)

    def sample_latent(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((n, self.n_terms, self.k))

    def __call__(self, X) -> np.ndarray:
        return self.from_psi(self.psi_from_latent(self.latent(X)))


def orthogonal_decomposable_feature(
    dim: int,
    k: int,
    *,
    n_terms: int | None = None,
    signs: str | np.ndarray = "balanced",
    rng: np.random.Generator,
) -> OrthoFeature:
    r"""Random orthogonally decomposable feature :math:`p = L^{-1/2}\sum_i\lambda_i h_k(v_i\cdot x)`.

    Parameters
    ----------
    dim : d >= k
    k : feature degree >= 1
    n_terms : L in [1, d], default ``d`` (the paper's L = Theta(d))
    signs : ``"balanced"`` (half +1, half -1, randomly placed -- the catalogue's
        choice, giving E p^3 = 0 for k = 2), ``"positive"``, ``"random"``, or an
        array of weights (rescaled so that sum lambda^2 = L)
    rng : numpy Generator (Haar-random V)

    Returns
    -------
    OrthoFeature
    """
    k = _int_arg("k", k, 1)
    dim = _int_arg("dim", dim, 1)
    if dim < k:
        raise ValueError(f"dim must be >= k = {k}; got dim = {dim}")
    L = dim if n_terms is None else _int_arg("n_terms", n_terms, 1)
    if L > dim:
        raise ValueError(f"n_terms must be <= dim = {dim} (orthonormal directions); got {L}")
    _check_rng(rng)
    V = random_orthogonal(dim, L, rng=rng)
    return OrthoFeature(V=V, lam=_lambdas(L, signs, rng), k=k)


def sparse_parity_feature(
    dim: int,
    k: int,
    *,
    n_terms: int | None = None,
    signs: str | np.ndarray = "balanced",
    rng: np.random.Generator,
) -> ParityFeature:
    r"""Random sparse parity-like feature :math:`p = L^{-1/2}\sum_i\lambda_i\prod_{c\in B_i}x_c`
    on ``L`` disjoint random blocks of ``k`` coordinates (default ``L = d // k``).

    Raises ``ValueError`` if ``dim < k`` or ``n_terms * k > dim``.
    """
    k = _int_arg("k", k, 1)
    dim = _int_arg("dim", dim, 1)
    if dim < k:
        raise ValueError(f"dim must be >= k = {k}; got dim = {dim}")
    L = dim // k if n_terms is None else _int_arg("n_terms", n_terms, 1)
    if L * k > dim:
        raise ValueError(f"n_terms * k must be <= dim = {dim} (disjoint blocks); got {L} * {k}")
    _check_rng(rng)
    perm = rng.permutation(dim)[: L * k].reshape(L, k)
    return ParityFeature(blocks=np.sort(perm, axis=1), lam=_lambdas(L, signs, rng), k=k, dim=dim)


Feature = OrthoFeature | ParityFeature


@dataclass(frozen=True)
class HierarchicalTarget:
    r"""Hierarchical target :math:`h = g\circ p` (the paper's Eq. (1) setting).

    ``target(X)`` evaluates :math:`h` on ``(n, d)`` inputs; :meth:`sample` draws
    :math:`x\sim N(0, I_d)` and returns ``(X, y, p)``.
    """

    feature: Feature
    link: HermiteLink

    @property
    def dim(self) -> int:
        return self.feature.dim

    def __call__(self, X) -> np.ndarray:
        return self.link(self.feature(X))

    def sample(self, n_samples: int, *, rng: np.random.Generator, noise: float = 0.0):
        """Draw ``X (n, d)``, ``y = h(X) + noise * eps`` and the feature ``p(X)``."""
        n_samples = _int_arg("n_samples", n_samples, 1)
        _check_rng(rng)
        if not (np.isfinite(noise) and noise >= 0):
            raise ValueError(f"noise must be a finite number >= 0; got {noise}")
        X = rng.standard_normal((n_samples, self.dim))
        p = self.feature(X)
        y = self.link(p)
        if noise > 0:
            y = y + noise * rng.standard_normal(n_samples)
        return X, y, p


# --------------------------------------------------------------------------- #
# projections
# --------------------------------------------------------------------------- #
class MCEstimate(NamedTuple):
    """Monte-Carlo estimate: ``mean`` (shape of the exact quantity) and its standard error ``se``."""

    mean: np.ndarray | float
    se: np.ndarray | float


def _chunks(n: int, chunk: int) -> list[int]:
    sizes = [chunk] * (n // chunk)
    if n % chunk:
        sizes.append(n % chunk)
    return sizes


def hermite_projection_mc(
    f: Callable[[np.ndarray], np.ndarray],
    basis: Callable[[np.ndarray], np.ndarray],
    dim: int,
    *,
    n_samples: int,
    rng: np.random.Generator,
    chunk_size: int = 20_000,
) -> MCEstimate:
    r"""Monte-Carlo inner products :math:`\mathbb E_{x\sim N(0,I_d)}[f(x)\,\phi_b(x)]`
    with standard errors (chunked, so memory is ``O(chunk_size * (d + B))``).

    For an orthonormal basis :math:`\{\phi_b\}` these are the :math:`L^2(\gamma)`
    projection coefficients, e.g. ``basis = lambda X: hermite_features(X, 2)``.

    Parameters
    ----------
    f : ``(n, d) -> (n,)``
    basis : ``(n, d) -> (n, B)``
    dim : d
    n_samples : >= 2
    rng : numpy Generator
    chunk_size : samples per chunk

    Returns
    -------
    MCEstimate with ``mean`` and ``se`` of shape ``(B,)``; ``se`` is the sample
    standard deviation of :math:`f\phi_b` over :math:`\sqrt n`.
    """
    dim = _int_arg("dim", dim, 1)
    n_samples = _int_arg("n_samples", n_samples, 2)
    chunk_size = _int_arg("chunk_size", chunk_size, 1)
    _check_rng(rng)
    s1 = s2 = None
    for m in _chunks(n_samples, chunk_size):
        X = rng.standard_normal((m, dim))
        prod = np.asarray(f(X), float)[:, None] * np.asarray(basis(X), float)
        s1 = prod.sum(0) if s1 is None else s1 + prod.sum(0)
        s2 = (prod**2).sum(0) if s2 is None else s2 + (prod**2).sum(0)
    mean = s1 / n_samples
    var = np.maximum(s2 / n_samples - mean**2, 0.0) * n_samples / (n_samples - 1)
    return MCEstimate(mean=mean, se=np.sqrt(var / n_samples))


def _check_pair(feature, link) -> None:
    if not isinstance(feature, (OrthoFeature, ParityFeature)):
        raise TypeError(f"feature must be an OrthoFeature or ParityFeature; got {type(feature).__name__}")
    if not isinstance(link, HermiteLink):
        raise TypeError(f"link must be a HermiteLink (use hermite_link); got {type(link).__name__}")


def _check_exact(feature, link, max_q: int) -> None:
    _check_pair(feature, link)
    if not isinstance(feature, OrthoFeature) or feature.k != 2:
        raise ValueError("feature: closed forms are derived for k = 2 orthogonally decomposable features only")
    if link.degree > max_q:
        raise ValueError(f"link: closed form derived for link degree q <= {max_q}; got q = {link.degree}")


# moments of psi = He_2(z)/sqrt 2: E psi^3 = 8 / 2^{3/2} = 2 sqrt 2, E psi^4 = 60 / 4 = 15
_PSI3 = 2.0 * math.sqrt(2.0)
_PSI4 = 15.0


def feature_coefficients_exact(feature: OrthoFeature, link: HermiteLink) -> np.ndarray:
    r"""Exact coefficients :math:`a_i = \mathbb E[h(x)\,\psi_i(x)]`, :math:`\psi_i = \mathrm{He}_2(v_i\cdot x)/\sqrt2`,
    for ``k = 2`` orthogonally decomposable features and links of degree ``q <= 3``.

    With :math:`g = c_1\mathrm{He}_1 + c_2\mathrm{He}_2 + c_3\mathrm{He}_3` and :math:`\sum\lambda_i^2 = L`
    (derived from independence of the :math:`\psi_i`, :math:`\mathbb E\psi^3 = 2\sqrt2`,
    :math:`\mathbb E\psi^4 = 15`):

    .. math:: a_i = c_1\frac{\lambda_i}{\sqrt L} + c_2\frac{2\sqrt2\,\lambda_i^2}{L}
                    + c_3\frac{12\,\lambda_i^3}{L^{3/2}}.

    By the sign symmetry :math:`z_i\to-z_i` these, plus :math:`P_0 h`, are the only
    non-zero Hermite coefficients of degree :math:`\le 2`, so
    :math:`P_2 h = \sum_i a_i\psi_i` (the approximate Stein lemma, Lemma 3.2/3.3 of the paper).

    Returns
    -------
    (L,) array.
    """
    _check_exact(feature, link, 3)
    c = np.zeros(4)
    c[: link.degree + 1] = link.coeffs
    lam, L = feature.lam, feature.n_terms
    return c[1] * lam / math.sqrt(L) + c[2] * _PSI3 * lam**2 / L + c[3] * 12.0 * lam**3 / L**1.5


def feature_coefficients_mc(
    feature: Feature,
    link: HermiteLink,
    *,
    n_samples: int,
    rng: np.random.Generator,
    chunk_size: int = 20_000,
    n_batches: int = 20,
) -> MCEstimate:
    r"""Monte-Carlo :math:`a_i = \mathbb E[h\,\psi_i]` for any feature and link.

    Samples the latent coordinates directly (:math:`V^\top x \sim N(0, I_L)` exactly
    by rotation invariance), so the cost is ``O(n_samples * L)`` whatever ``d``.

    Returns
    -------
    MCEstimate with ``mean`` and ``se`` of shape ``(L,)`` (same shape as
    :func:`feature_coefficients_exact`).
    """
    est, _ = _coefficient_batches(feature, link, n_samples, rng, chunk_size, n_batches)
    return est


def _coefficient_batches(feature, link, n_samples, rng, chunk_size, n_batches):
    _check_pair(feature, link)
    n_samples = _int_arg("n_samples", n_samples, 2)
    chunk_size = _int_arg("chunk_size", chunk_size, 1)
    n_batches = _int_arg("n_batches", n_batches, 2)
    _check_rng(rng)
    if n_samples < n_batches:
        raise ValueError(f"n_samples must be >= n_batches = {n_batches}; got {n_samples}")
    L = feature.n_terms
    # batch boundaries: n_batches near-equal batches, each processed in chunks
    edges = np.linspace(0, n_samples, n_batches + 1).astype(int)
    batch_means = np.empty((n_batches, L))
    s1 = np.zeros(L)
    s2 = np.zeros(L)
    s_h = np.zeros(2)
    for b in range(n_batches):
        acc = np.zeros(L)
        for m in _chunks(int(edges[b + 1] - edges[b]), chunk_size):
            Psi = feature.psi_from_latent(feature.sample_latent(m, rng=rng))
            h = link(feature.from_psi(Psi))
            prod = h[:, None] * Psi
            acc += prod.sum(0)
            s1 += prod.sum(0)
            s2 += (prod**2).sum(0)
            s_h += (h.sum(), (h**2).sum())
        batch_means[b] = acc / (edges[b + 1] - edges[b])
    mean = s1 / n_samples
    var = np.maximum(s2 / n_samples - mean**2, 0.0) * n_samples / (n_samples - 1)
    return MCEstimate(mean=mean, se=np.sqrt(var / n_samples)), (batch_means, np.diff(edges))


def stein_error_exact(feature: OrthoFeature, link: HermiteLink) -> float:
    r"""Exact :math:`\|P_2 h - \mathbb E[g']\,p\|_{L^2}` (approximate Stein lemma, ``k = 2``, ``q <= 3``).

    .. math:: \|P_2 h - c_1 p\|^2 = \sum_i\Big(c_2\frac{2\sqrt2\lambda_i^2}{L}
              + c_3\frac{12\lambda_i^3}{L^{3/2}}\Big)^2,

    i.e. :math:`2\sqrt2|c_2|(\sum\lambda_i^4)^{1/2}/L` for quadratic links and
    :math:`12|c_3|(\sum\lambda_i^6)^{1/2}/L^{3/2}` for :math:`c_2 = 0` -- the rates
    :math:`L^{-1/2}` and :math:`L^{-1}` for :math:`\lambda_i = \pm1`.
    """
    a = feature_coefficients_exact(feature, link)
    lam, L = feature.lam, feature.n_terms
    return float(np.linalg.norm(a - link.mean_derivative * lam / math.sqrt(L)))


def stein_error_mc(
    feature: Feature,
    link: HermiteLink,
    *,
    n_samples: int,
    rng: np.random.Generator,
    chunk_size: int = 20_000,
    n_batches: int = 20,
) -> MCEstimate:
    r"""Monte-Carlo :math:`\|\sum_i (a_i - \mathbb E[g']\lambda_i/\sqrt L)\psi_i\|_{L^2}`,
    the component of the Stein error along the feature's own directions (the whole
    error for ``k = 2`` orthogonally decomposable features, where the other degree-2
    coefficients vanish by symmetry).

    Unbiased for the *squared* error: with ``B`` batch means :math:`\hat e_b` of
    :math:`e = a - c_1\lambda/\sqrt L`, the U-statistic
    :math:`U = \frac{1}{B(B-1)}\sum_{b\ne b'}\hat e_b\cdot\hat e_{b'}` has
    :math:`\mathbb E U = \|e\|^2` (the naive :math:`\|\hat e\|^2` is biased upward by
    :math:`\sum_i\mathrm{se}_i^2`). The standard error of :math:`U` is the
    jackknife over batches; the returned error is :math:`\sqrt{\max(U,0)}` with the
    delta-method standard error :math:`\mathrm{se}_U/(2\sqrt U)`.

    Returns
    -------
    MCEstimate of floats (same shape as :func:`stein_error_exact`).
    """
    _, (bm, _sizes) = _coefficient_batches(feature, link, n_samples, rng, chunk_size, n_batches)
    target = link.mean_derivative * feature.lam / math.sqrt(feature.n_terms)
    E = bm - target[None, :]  # (B, L)
    B = E.shape[0]

    def ustat(Eb: np.ndarray) -> float:
        s = Eb.sum(0)
        m = Eb.shape[0]
        return float((s @ s - np.einsum("bl,bl->", Eb, Eb)) / (m * (m - 1)))

    U = ustat(E)
    jack = np.array([ustat(np.delete(E, b, axis=0)) for b in range(B)])
    se_U = math.sqrt((B - 1) / B * float(np.sum((jack - jack.mean()) ** 2)))
    r = math.sqrt(max(U, 0.0))
    se_r = se_U / (2 * r) if r > 0 else math.sqrt(se_U)
    return MCEstimate(mean=r, se=se_r)


def lower_degree_norm_exact(feature: OrthoFeature, link: HermiteLink) -> float:
    r"""Exact :math:`\|P_{<2}h\|_{L^2}` for ``k = 2``, ``q <= 3``:
    :math:`P_1 h = 0` by symmetry and :math:`P_0 h = \mathbb E h = c_3\,\mathbb E p^3
    = c_3\,2\sqrt2\sum_i\lambda_i^3/L^{3/2}` (zero for balanced signs or ``q <= 2``)."""
    _check_exact(feature, link, 3)
    c3 = link.coeffs[3] if link.degree >= 3 else 0.0
    L = feature.n_terms
    return float(abs(c3 * _PSI3 * np.sum(feature.lam**3) / L**1.5))


def degree2_floor_exact(feature: OrthoFeature, link: HermiteLink) -> dict[str, float]:
    r"""Variance of :math:`h` and the relative error of the best degree-:math:`\le2`
    predictor, exactly, for ``k = 2`` orthogonally decomposable features and
    quadratic links :math:`g = c_1 z + c_2\mathrm{He}_2(z)`.

    With :math:`\mathbb E p^3 = 2\sqrt2\sum\lambda^3/L^{3/2}`,
    :math:`\mathbb E p^4 = 3 + 12\sum\lambda^4/L^2`:

    .. math:: \mathrm{Var}\,h = c_1^2 + c_2^2(\mathbb E p^4 - 1) + 2c_1c_2\,\mathbb E p^3,
              \qquad \|P_{\le 2}h - \mathbb E h\|^2 = \sum_i a_i^2 ,

    and ``rel_floor = 1 - sum a_i^2 / Var h``. For :math:`\lambda=\pm1` balanced,
    :math:`c=(0,1,\frac12)`: ``Var h = 3/2 + 3/L``, ``sum a^2 = 1 + 2/L``, floor = 1/3.
    This is the error of any method restricted to degree-2 functions (kernels at
    :math:`n\asymp d^2`, the separation claim).

    Returns
    -------
    dict with ``var``, ``proj_norm2``, ``rel_floor``, ``mean``.
    """
    _check_exact(feature, link, 2)
    c = np.zeros(3)
    c[: link.degree + 1] = link.coeffs
    lam, L = feature.lam, feature.n_terms
    Ep3 = _PSI3 * np.sum(lam**3) / L**1.5
    Ep4 = 3.0 + (_PSI4 - 3.0) * np.sum(lam**4) / L**2
    var = c[1] ** 2 + c[2] ** 2 * (Ep4 - 1.0) + 2 * c[1] * c[2] * Ep3
    a = feature_coefficients_exact(feature, link)
    proj = float(a @ a)
    return {"var": float(var), "proj_norm2": proj, "rel_floor": float(1.0 - proj / var), "mean": 0.0}

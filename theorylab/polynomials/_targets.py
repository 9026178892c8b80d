"""Links, features and hierarchical targets h = g o p (part of :mod:`theorylab.polynomials`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ._hermite import (
    MAX_DEGREE,
    _check_rng,
    _finite_poly,
    _hermite,
    _hermite_normalized,
    _int_arg,
    _matrix,
    random_orthogonal,
)


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
        return self._eval(V.array("z", z))

    def _eval(self, z: np.ndarray) -> np.ndarray:
        out = np.zeros_like(z)
        with np.errstate(over="ignore", invalid="ignore"):
            for j, c in enumerate(self.coeffs):
                if c != 0.0:
                    out += c * _hermite(j, z)
        return _finite_poly("z", out, self.degree)

    def derivative(self, z) -> np.ndarray:
        """:math:`g'(z) = \\sum_j j c_j He_{j-1}(z)`, shape of ``z``."""
        z = V.array("z", z)
        out = np.zeros_like(z)
        with np.errstate(over="ignore", invalid="ignore"):
            for j, c in enumerate(self.coeffs[1:], start=1):
                if c != 0.0:
                    out += j * c * _hermite(j - 1, z)
        return _finite_poly("z", out, self.degree)


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

    Examples
    --------
    >>> g = hermite_link([0.0, 1.0, 0.5])
    >>> g.degree, g.mean_derivative, g(np.array([1.0])).tolist()
    (2, 1.0, [1.0])
    """
    c = V.array("coeffs", coeffs)
    if c.ndim != 1:
        raise ValueError(f"coeffs must be a 1-D sequence (c_0, ..., c_q); got shape {c.shape}")
    if c.size > MAX_DEGREE + 1:
        raise ValueError(f"coeffs: the link degree must be <= {MAX_DEGREE}; got {c.size - 1}")
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
        V.choice("signs", signs, ("balanced", "positive", "random"))
        if signs == "balanced":
            lam = np.where(np.arange(L) % 2 == 0, 1.0, -1.0)
            return rng.permutation(lam)
        if signs == "positive":
            return np.ones(L)
        if signs == "random":
            return rng.choice([-1.0, 1.0], size=L)
        raise ValueError(f"signs must be 'balanced', 'positive', 'random' or an array; got {signs!r}")
    lam = V.array("signs", signs)
    if lam.shape != (L,):
        raise ValueError(f"signs as an array must have shape ({L},), one weight per term (n_terms = {L}); "
                         f"got {lam.shape}")
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
        return _hermite_normalized(self.k, np.asarray(Z, dtype=float))

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

    Examples
    --------
    >>> f = orthogonal_decomposable_feature(6, 2, n_terms=4, rng=np.random.default_rng(0))
    >>> f.V.shape, float(np.sum(f.lam ** 2))
    ((6, 4), 4.0)
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

    Examples
    --------
    >>> f = sparse_parity_feature(6, 2, rng=np.random.default_rng(0))
    >>> f.blocks.shape, len(set(f.blocks.ravel().tolist()))
    ((3, 2), 6)
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


def _check_pair(feature, link) -> None:
    if not isinstance(feature, (OrthoFeature, ParityFeature)):
        raise TypeError(f"feature must be an OrthoFeature or ParityFeature; got {type(feature).__name__}")
    if not isinstance(link, HermiteLink):
        raise TypeError(f"link must be a HermiteLink (use hermite_link); got {type(link).__name__}")


@dataclass(frozen=True)
class HierarchicalTarget:
    r"""Hierarchical target :math:`h = g\circ p` (the paper's Eq. (1) setting).

    ``target(X)`` evaluates :math:`h` on ``(n, d)`` inputs; :meth:`sample` draws
    :math:`x\sim N(0, I_d)` and returns ``(X, y, p)``.

    Examples
    --------
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> target = HierarchicalTarget(f, hermite_link([0.0, 1.0, 0.5]))
    >>> X, y, p = target.sample(5, rng=np.random.default_rng(1))
    >>> X.shape, bool(np.allclose(y, p + 0.5 * (p**2 - 1)))
    ((5, 4), True)
    """

    feature: Feature
    link: HermiteLink

    def __post_init__(self) -> None:
        _check_pair(self.feature, self.link)

    @property
    def dim(self) -> int:
        return self.feature.dim

    def __call__(self, X) -> np.ndarray:
        return self.link(self.feature(X))

    def sample(self, n_samples: int, *, rng: np.random.Generator, noise: float = 0.0):
        """Draw ``X (n, d)``, ``y = h(X) + noise * eps`` and the feature ``p(X)``."""
        n_samples = _int_arg("n_samples", n_samples, 1)
        V.elements("n_samples * dim", (n_samples, self.dim))
        _check_rng(rng)
        noise = V.real("noise", noise, low=0.0)
        X = rng.standard_normal((n_samples, self.dim))
        p = self.feature(X)
        y = self.link(p)
        if noise > 0:
            y = y + noise * rng.standard_normal(n_samples)
        return X, y, p

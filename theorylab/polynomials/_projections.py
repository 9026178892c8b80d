"""Hermite projections: Monte-Carlo estimators and the closed forms for k = 2
(part of :mod:`theorylab.polynomials`)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from .. import _validate as V
from ._hermite import (
    MAX_SAMPLES,
    _check_rng,
    _int_arg,
)
from ._targets import (
    Feature,
    HermiteLink,
    OrthoFeature,
    _check_pair,
)


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

    Examples
    --------
    >>> from theorylab.polynomials import hermite_features
    >>> est = hermite_projection_mc(lambda X: X[:, 0], lambda X: hermite_features(X, 1), 2, n_samples=20_000, rng=np.random.default_rng(0))
    >>> bool(abs(est.mean[1] - 1.0) < 5 * est.se[1])
    True
    """
    V.function("f", f, what="(n, d) -> (n,)")
    V.function("basis", basis, what="(n, d) -> (n, B)")
    dim = _int_arg("dim", dim, 1)
    n_samples = _int_arg("n_samples", n_samples, 2, MAX_SAMPLES)
    chunk_size = _int_arg("chunk_size", chunk_size, 1)
    V.elements("min(chunk_size, n_samples) * dim", (min(chunk_size, n_samples), dim))
    _check_rng(rng)
    s1 = s2 = None
    for m in _chunks(n_samples, chunk_size):
        X = rng.standard_normal((m, dim))
        fx, bx = np.asarray(f(X), float), np.asarray(basis(X), float)
        if fx.shape != (m,) or bx.ndim != 2 or bx.shape[0] != m:
            raise ValueError(f"f must map (n, d) -> (n,) and basis (n, d) -> (n, B); got {fx.shape} and {bx.shape}")
        prod = fx[:, None] * bx
        if not np.all(np.isfinite(prod)):
            raise ValueError("f or basis returned non-finite values")
        s1 = prod.sum(0) if s1 is None else s1 + prod.sum(0)
        s2 = (prod**2).sum(0) if s2 is None else s2 + (prod**2).sum(0)
    mean = s1 / n_samples
    var = np.maximum(s2 / n_samples - mean**2, 0.0) * n_samples / (n_samples - 1)
    return MCEstimate(mean=mean, se=np.sqrt(var / n_samples))




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

    Examples
    --------
    >>> from theorylab.polynomials import hermite_link, orthogonal_decomposable_feature
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> feature_coefficients_exact(f, hermite_link([0.0, 1.0])).round(6).tolist() == (f.lam / 2).round(6).tolist()
    True
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

    Examples
    --------
    >>> from theorylab.polynomials import hermite_link, orthogonal_decomposable_feature
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> link = hermite_link([0.0, 1.0, 0.5])
    >>> est = feature_coefficients_mc(f, link, n_samples=20_000, rng=np.random.default_rng(1))
    >>> bool(np.all(np.abs(est.mean - feature_coefficients_exact(f, link)) < 5 * est.se))
    True
    """
    est, _ = _coefficient_batches(feature, link, n_samples, rng, chunk_size, n_batches)
    return est


def _coefficient_batches(feature, link, n_samples, rng, chunk_size, n_batches):
    _check_pair(feature, link)
    n_samples = _int_arg("n_samples", n_samples, 2, MAX_SAMPLES)
    chunk_size = _int_arg("chunk_size", chunk_size, 1)
    n_batches = _int_arg("n_batches", n_batches, 2, 10**6)
    V.elements("min(chunk_size, n_samples) * n_terms", (min(chunk_size, n_samples), feature.n_terms * feature.k))
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

    Examples
    --------
    >>> from theorylab.polynomials import hermite_link, orthogonal_decomposable_feature
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> round(stein_error_exact(f, hermite_link([0.0, 1.0, 0.5])), 6)  # 2 sqrt 2 |c_2| sqrt(L) / L
    0.707107
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

    Examples
    --------
    >>> from theorylab.polynomials import hermite_link, orthogonal_decomposable_feature
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> link = hermite_link([0.0, 1.0, 0.5])
    >>> est = stein_error_mc(f, link, n_samples=40_000, rng=np.random.default_rng(1))
    >>> bool(abs(est.mean - stein_error_exact(f, link)) < 5 * est.se)
    True
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
    = c_3\,2\sqrt2\sum_i\lambda_i^3/L^{3/2}` (zero for balanced signs or ``q <= 2``).

    Examples
    --------
    >>> from theorylab.polynomials import hermite_link, orthogonal_decomposable_feature
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> lower_degree_norm_exact(f, hermite_link([0.0, 1.0, 0.5, 0.2]))  # balanced signs: E p^3 = 0
    0.0
    """
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

    Examples
    --------
    >>> from theorylab.polynomials import hermite_link, orthogonal_decomposable_feature
    >>> f = orthogonal_decomposable_feature(4, 2, rng=np.random.default_rng(0))
    >>> out = degree2_floor_exact(f, hermite_link([0.0, 1.0, 0.5]))
    >>> round(out['rel_floor'], 6)  # 1/3 for balanced signs
    0.333333
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

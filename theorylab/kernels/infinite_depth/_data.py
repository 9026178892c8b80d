"""The authors' data: two Dirichlet classes radially projected on the sphere, and
their Bayes rule (part of :mod:`theorylab.kernels.infinite_depth`)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ... import _validate as V
from ._classifiers import _sign

def _has_duplicates(X: np.ndarray, block: int = 2048) -> bool:
    """True if two rows have inner product >= 1 in float64 (blocked, O(n block) memory)."""
    n = X.shape[0]
    for start in range(0, n, block):
        G = X[start:start + block] @ X.T
        rows = np.arange(G.shape[0])
        G[rows, start + rows] = -np.inf
        if G.max() >= 1.0:
            return True
    return False


def _concentrations(alpha_pos, alpha_neg) -> tuple[np.ndarray, np.ndarray]:
    ap = V.array("alpha_pos", alpha_pos, ndim=1, low=0.0, low_open=True)
    an = V.array("alpha_neg", alpha_neg, ndim=1, low=0.0, low_open=True)
    if ap.size < 2:
        raise ValueError(f"alpha_pos must have length >= 2 (a Dirichlet on the simplex); got {ap.size}")
    if an.shape != ap.shape:
        raise ValueError(f"alpha_pos and alpha_neg must have the same length; got {ap.size} and {an.size}")
    return ap, an


def dirichlet_circle_sample(
    n_samples: int,
    *,
    alpha_pos: Sequence[float] = (1.0, 2.0),
    alpha_neg: Sequence[float] = (2.0, 1.0),
    prior_pos: float = 0.4,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The authors' Dirichlet problem: :math:`y=+1` w.p. ``prior_pos`` with
    :math:`s\sim\mathrm{Dir}(\alpha_+)`, else :math:`s\sim\mathrm{Dir}(\alpha_-)`;
    :math:`x = s/\|s\|` on :math:`S^{D-1}` (``dataset.py`` of ``uhlerlab/inf_depth_ntks``;
    labels here are i.i.d. Bernoulli rather than fixed class counts).

    Resamples (vectorised, whole batch) until all pairwise inner products are < 1 in
    float64, as the authors do, so singular kernels stay finite.

    Returns
    -------
    X : (n, D) unit rows, y : (n,) in {-1, +1}, S : (n, D) simplex points.

    Examples
    --------
    >>> X, y, S = dirichlet_circle_sample(4, rng=np.random.default_rng(0))
    >>> X.shape, bool(np.allclose(np.linalg.norm(X, axis=1), 1.0))
    ((4, 2), True)
    """
    V.rng(rng)
    n = V.count("n_samples", n_samples, high=10**7)
    ap, an = _concentrations(alpha_pos, alpha_neg)
    V.elements("n_samples * D", (n, ap.size))
    prior_pos = V.probability("prior_pos", prior_pos, low_open=True, high_open=True)
    for _ in range(100):
        y = np.where(rng.random(n) < prior_pos, 1.0, -1.0)
        S = np.where(y[:, None] > 0, rng.dirichlet(ap, size=n), rng.dirichlet(an, size=n))
        X = S / np.linalg.norm(S, axis=1, keepdims=True)
        if not _has_duplicates(X):
            return X, y, S
    raise RuntimeError("could not draw a sample without duplicate points in 100 tries")  # pragma: no cover


def dirichlet_bayes_rule(
    S,
    *,
    alpha_pos: Sequence[float] = (1.0, 2.0),
    alpha_neg: Sequence[float] = (2.0, 1.0),
    prior_pos: float = 0.4,
) -> np.ndarray:
    r"""Bayes classifier :math:`\operatorname{sign}(\pi_+ f_+(s) - \pi_- f_-(s))` on simplex
    points ``S`` (n, D) -> (n,) (ties -> +1). For the default problem it is
    "+1 iff :math:`s_1 < 0.4`", with population accuracy 0.76.

    Examples
    --------
    >>> dirichlet_bayes_rule(np.array([[0.2, 0.8], [0.7, 0.3]])).tolist()
    [1.0, -1.0]
    """
    from scipy.stats import dirichlet

    ap, an = _concentrations(alpha_pos, alpha_neg)
    Sa = V.array("S", S, ndim=2, low=0.0, high=1.0)
    if Sa.shape[1] != ap.size:
        raise ValueError(f"S must have {ap.size} columns (as many as alpha_pos); got {Sa.shape[1]}")
    if Sa.shape[0] == 0:
        return np.empty(0)
    if not np.allclose(Sa.sum(axis=1), 1.0, atol=1e-9):
        raise ValueError("S: every row must be a point of the simplex (entries >= 0 summing to 1)")
    prior_pos = V.probability("prior_pos", prior_pos, low_open=True, high_open=True)
    Sa = Sa / Sa.sum(axis=1, keepdims=True)
    lp = dirichlet.logpdf(Sa.T, ap) + math.log(prior_pos)
    ln = dirichlet.logpdf(Sa.T, an) + math.log(1 - prior_pos)
    return _sign(lp - ln)

"""The sign-vote attack and its exact and predicted values (part of :mod:`theorylab.adaptive`)."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from scipy import special, stats

from .. import _validate as V
from ._core import (
    _check_rng,
    _nonneg_float,
    _pm1,
)


# --------------------------------------------------------------------------- #
# the sign-vote attack
# --------------------------------------------------------------------------- #
def sign_vote_truth(signs: Any) -> np.ndarray:
    """Exact ``P[phi*]`` of the final attack query under the uniform cube.

    ``phi*(x) = 1[sum_i s_i x_i > 0]`` with ``x`` uniform on ``{-1,1}^d`` and
    ``s_i in {-1, 0, 1}``; with ``k = #{i: s_i != 0}``,
    ``P[phi*] = P(Bin(k, 1/2) > k/2)`` (``= 1/2`` exactly for odd ``k``).

    Parameters
    ----------
    signs : array_like, shape ``(..., d)``

    Returns
    -------
    ndarray, shape ``(...)``.

    Examples
    --------
    >>> sign_vote_truth([[1.0, -1.0, 1.0], [1.0, 1.0, 0.0]]).tolist()  # odd k: 1/2; k = 2: 1/4
    [0.5, 0.25]
    """
    s = V.array("signs", signs)
    if s.ndim < 1:
        raise ValueError("signs must have shape (..., d); got a scalar")
    if not np.all(np.isin(s, (-1.0, 0.0, 1.0))):
        raise ValueError("signs must have entries in {-1, 0, +1} (the analyst's votes)")
    k = np.count_nonzero(s, axis=-1)
    # P(Bin(k,1/2) > k/2) = sf(floor(k/2))
    return stats.binom.sf(np.floor(k / 2.0), k, 0.5)


def sign_vote_bias_theory(n_samples: Any, dim: Any, scale: Any = 0.0) -> np.ndarray:
    """Predicted bias ``E_S[phi*] - 1/2`` of the sign-vote attack.

    ``Phi_N( sqrt( 2 d / (pi n (1 + 4 n s^2)) ) ) - 1/2`` where ``s`` is the standard
    deviation of Gaussian noise added to the coordinate answers (``s = 0``: the empirical
    mechanism). Derivation (catalogue, [derived]): the vote ``s_i`` correlates with each
    row's ``x_i`` by ``sqrt(2/pi) / sqrt(n (1 + 4 n s^2))``; summing ``d`` such terms
    with unit variance and a normal approximation gives the formula. Broadcasts.

    Examples
    --------
    >>> sign_vote_bias_theory(100, 100).round(4).tolist(), sign_vote_bias_theory(100, 100, 0.05).round(4).tolist()
    (0.2875, 0.2137)
    """
    n = V.array("n_samples", n_samples, low=1.0)
    d = V.array("dim", dim, low=1.0)
    s = V.array("scale", scale, low=0.0)
    try:
        np.broadcast_shapes(n.shape, d.shape, s.shape)
    except ValueError:
        raise ValueError(f"n_samples {n.shape}, dim {d.shape} and scale {s.shape} do not broadcast") from None
    z = np.sqrt(2.0 * d / (np.pi * n * (1.0 + 4.0 * n * s**2)))
    return 0.5 * special.erfc(-z / np.sqrt(2.0)) - 0.5


def sign_vote_attack(
    X: Any,
    *,
    mechanism: Literal["empirical", "gaussian", "laplace"] = "empirical",
    scale: float = 0.0,
    rng: np.random.Generator,
    prefix: bool = False,
) -> dict[str, np.ndarray]:
    """The adaptive sign-vote attack on a mechanism answering statistical queries.

    The data set ``X`` (``n`` rows of ``{-1,1}^d``) is held by the mechanism. The
    analyst asks the ``d`` coordinate queries ``phi_i(x) = (1 + x_i)/2`` (``P[phi_i] =
    1/2``), receives ``a_i``, sets ``s_i = sgn(a_i - 1/2)`` (ties broken to ``+1``) and
    asks the final query ``phi*(x) = 1[sum_i s_i x_i > 0]``, whose population value is
    exactly ``1/2`` for odd ``d`` (:func:`sign_vote_truth`). The empirical mechanism
    answers ``E_S[phi*] ≈ Phi_N(sqrt(2d/(pi n)))`` (:func:`sign_vote_bias_theory`), a
    constant error once ``d ~ n``: the empirical mean fails after about ``n``
    adaptive queries (Dwork et al. 2015, Section 1; attack formula [derived]).

    Parameters
    ----------
    X : array_like, shape ``(..., n, d)`` with entries ``±1``
        Leading axes are independent repetitions (vectorised).
    mechanism : {"empirical", "gaussian", "laplace"}
        How *every* query (the ``d`` coordinate ones and the final one) is answered.
    scale : float >= 0
        Noise standard deviation (gaussian) or Laplace scale ``b`` (laplace).
    rng : numpy.random.Generator
    prefix : bool
        If ``True``, also evaluate the attack truncated to the first ``k`` coordinates
        for every ``k = 1..d`` (the analyst stops after ``k`` queries): outputs gain a
        last axis of length ``d`` indexed by ``k - 1``, computed with one cumulative sum.

    Returns
    -------
    dict with

    ``answers`` ``(..., d)``
        the coordinate answers ``a_i``;
    ``signs`` ``(..., d)``
        the votes ``s_i``;
    ``final_empirical`` ``(...)`` or ``(..., d)``
        ``E_S[phi*]``;
    ``final_answer`` ``(...)`` or ``(..., d)``
        the mechanism's answer ``a*`` to ``phi*`` (``E_S[phi*]`` plus its own noise);
    ``truth`` ``(...)`` or ``(..., d)``
        exact ``P[phi*]``;
    ``coord_max_error`` ``(...)`` or ``(..., d)``
        ``max_{i <= k} |a_i - 1/2|`` over the coordinate queries.

    Examples
    --------
    >>> from theorylab.adaptive import rademacher_sample
    >>> X = rademacher_sample(50, 51, rng=np.random.default_rng(0))
    >>> out = sign_vote_attack(X, rng=np.random.default_rng(1))
    >>> float(out['truth']), bool(out['final_empirical'] > 0.5)
    (0.5, True)
    """
    Xa = _pm1("X", X)
    if Xa.shape[-2] < 1 or Xa.shape[-1] < 1:
        raise ValueError(f"X must have n_samples >= 1 and dim >= 1; got {Xa.shape}")
    V.choice("mechanism", mechanism, ("empirical", "gaussian", "laplace"))
    s = _nonneg_float("scale", scale)
    prefix = V.flag("prefix", prefix)
    _check_rng(rng)
    if mechanism == "empirical":
        s = 0.0

    def noise(shape: tuple[int, ...]) -> np.ndarray:
        if s == 0.0:
            return np.zeros(shape)
        if mechanism == "gaussian":
            return s * rng.standard_normal(shape)
        return s * rng.laplace(0.0, 1.0, size=shape)

    answers = (1.0 + Xa.mean(axis=-2)) / 2.0 + noise(Xa.shape[:-2] + Xa.shape[-1:])
    signs = np.where(answers >= 0.5, 1.0, -1.0)
    coord_err = np.abs(answers - 0.5)
    if prefix:
        margins = Xa * signs[..., None, :]
        np.cumsum(margins, axis=-1, out=margins)  # (..., n, d): sum_{i<=k} s_i x_i
        final_emp = (margins > 0).mean(axis=-2)  # (..., d)
        k = np.arange(1, Xa.shape[-1] + 1)
        truth = np.broadcast_to(stats.binom.sf(np.floor(k / 2.0), k, 0.5), final_emp.shape).copy()
        coord_max = np.maximum.accumulate(coord_err, axis=-1)
    else:
        margins = np.matmul(Xa, signs[..., :, None])[..., 0]  # (..., n): sum_i s_i x_i
        final_emp = (margins > 0).mean(axis=-1)
        truth = sign_vote_truth(signs)
        coord_max = coord_err.max(axis=-1)
    return {
        "answers": answers,
        "signs": signs,
        "final_empirical": final_emp,
        "final_answer": final_emp + noise(final_emp.shape),
        "truth": truth,
        "coord_max_error": coord_max,
    }

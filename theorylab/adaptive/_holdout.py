"""The Science (2015) reusable-holdout experiment (part of :mod:`theorylab.adaptive`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _validate as V
from ._core import (
    _check_rng,
    _nonneg_float,
    _pos_int,
)
from ._thresholdout import (
    thresholdout_answer,
    thresholdout_init,
)


# --------------------------------------------------------------------------- #
# the reusable-holdout experiment (Science 2015)
# --------------------------------------------------------------------------- #
def _gaussian_data(n: int, d: int, n_signal: int, shift: float, rng: np.random.Generator):
    y = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    X = rng.standard_normal((n, d))
    if n_signal:
        X[:, :n_signal] += shift * y[:, None]
    return X, y


def reusable_holdout_experiment(
    n_samples: int,
    dim: int,
    ks: Any,
    *,
    rng: np.random.Generator,
    n_signal: int = 0,
    signal: float | None = None,
    thresholdouts: dict[str, dict[str, Any]] | None = None,
) -> dict[str, np.ndarray]:
    """One run of the Science (2015) reusable-holdout experiment, both arms.

    Data: ``n`` training, ``n`` holdout rows, ``x ~ N(0, I_dim)``, labels ``y`` uniform
    on ``±1``; with ``n_signal > 0`` the first ``n_signal`` features are shifted by
    ``signal * y`` (default ``6/sqrt(n)``, i.e. 0.06 at ``n = 10^4``). The analyst

    1. computes the correlations ``c_j = E[x_j y]`` on training (``c^t``) and holdout
       (``c^h``; the *standard* arm reads them exactly, the *Thresholdout* arm through
       Thresholdout, one query per feature);
    2. keeps features with ``|c^t_j| > 1/sqrt(n)`` and ``|c^h_j| > 1/sqrt(n)`` of the same
       sign, ranks them by ``|c^t_j|``;
    3. for each ``k`` in ``ks``: classifier ``sgn(sum_{j in top k} sgn(c^t_j) x_j)``,
       reports training accuracy, holdout accuracy (exact or via Thresholdout, which
       continues the same run and budget) and accuracy on fresh data.

    Fresh data are drawn for the selected columns only -- exact in distribution, since
    the columns are independent. Thresholdout defaults follow the Science
    supplementary code: ``T = 4/sqrt(n)``, ``sigma = 1/sqrt(n)`` (0.04 and 0.01 at
    ``n = 10^4``), budget large enough never to halt (``dim + len(ks)``). Several
    Thresholdout configurations can share one data set (``thresholdouts``).

    Parameters
    ----------
    n_samples : int >= 2
    dim : int >= 1
    ks : array_like of ints in ``[1, dim]``, shape ``(K,)``
    rng : numpy.random.Generator
    n_signal : int in ``[0, dim]``
    signal : float >= 0 or None (default ``6/sqrt(n)``)
    thresholdouts : dict name -> dict, optional
        One Thresholdout arm per entry, with optional keys ``threshold``, ``sigma``,
        ``budget``, ``noise`` (:func:`thresholdout_init`). Default
        ``{"tho": {"noise": "gaussian"}}`` -- the Science code's variant.

    Returns
    -------
    dict of arrays, each ``(K,)`` unless noted: ``train``, ``holdout``, ``fresh`` (the
    standard arm), ``n_selected`` (scalar: features passing the filter) and, for each
    Thresholdout arm ``<name>``: ``<name>_train``, ``<name>_holdout`` (the reported
    value; ``nan`` where the budget ran out, i.e. ``⊥``), ``<name>_fresh``,
    ``<name>_n_selected``, ``<name>_n_over`` (over-threshold events),
    ``<name>_budget_left``.

    Notes
    -----
    The loop over repetitions is left to the caller: one run holds two ``n x dim``
    matrices (1.6 GB at the Science scale ``n = dim = 10^4``).

    Examples
    --------
    >>> out = reusable_holdout_experiment(200, 20, [1, 5], rng=np.random.default_rng(0), n_signal=5)
    >>> out['train'].shape, sorted(k for k in out if k.startswith('tho_'))[:3]
    ((2,), ['tho_budget_left', 'tho_fresh', 'tho_holdout'])
    """
    n = _pos_int("n_samples", n_samples, minimum=2)
    d = _pos_int("dim", dim)
    V.elements("n_samples * dim", (n, d))
    _check_rng(rng)
    ks_a = V.int_array("ks", ks, ndim=1, nonempty=True)
    if ks_a.min() < 1 or ks_a.max() > d:
        raise ValueError(f"ks must lie in [1, dim={d}]; got range [{ks_a.min()}, {ks_a.max()}]")
    n_sig = _pos_int("n_signal", n_signal, minimum=0)
    if n_sig > d:
        raise ValueError(f"n_signal must be <= dim={d}; got {n_sig}")
    shift = 6.0 / math.sqrt(n) if signal is None else _nonneg_float("signal", signal)
    if thresholdouts is not None and not isinstance(thresholdouts, dict):
        raise TypeError(f"thresholdouts must be a dict name -> parameters; got {type(thresholdouts).__name__}")
    arms = {"tho": {"noise": "gaussian"}} if thresholdouts is None else dict(thresholdouts)
    allowed = {"threshold", "sigma", "budget", "noise"}
    for name, cfg in arms.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise ValueError(f"thresholdouts keys must be identifiers; got {name!r}")
        if not isinstance(cfg, dict) or not set(cfg) <= allowed:
            raise ValueError(f"thresholdouts[{name!r}] must be a dict with keys among {sorted(allowed)}")
        try:
            thresholdout_init(threshold=cfg.get("threshold", 0.0), sigma=cfg.get("sigma", 0.0),
                              budget=cfg.get("budget", 0), noise=cfg.get("noise", "laplace"),
                              rng=np.random.default_rng(0))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"thresholdouts[{name!r}]: {exc}") from None

    rng_data, rng_tho = rng.spawn(2)
    Xt, yt = _gaussian_data(n, d, n_sig, shift, rng_data)
    Xh, yh = _gaussian_data(n, d, n_sig, shift, rng_data)
    ct = Xt.T @ yt / n
    ch = Xh.T @ yh / n
    cut = 1.0 / math.sqrt(n)
    kmax = int(ks_a.max())

    def select(c_hold: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
        keep = ((ct > cut) & (c_hold > cut)) | ((ct < -cut) & (c_hold < -cut))
        score = np.where(keep, np.abs(ct), 0.0)
        order = np.argsort(-score, kind="stable")[:kmax]  # top features, best first
        # weight sgn(c^t_j) on a kept feature, 0 on a rejected one (fewer than k kept)
        weights = np.sign(ct[order]) * keep[order]
        return order, weights, int(keep.sum())

    def accuracies(order: np.ndarray, weights: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        # cumulative margins: column k-1 is the classifier built on the top k features;
        # a zero margin (sgn = 0) counts as a wrong prediction, as in the Science code
        margins = np.cumsum(X[:, order] * weights, axis=1)
        pred = np.sign(margins[:, ks_a - 1])
        return (pred == y[:, None]).mean(axis=0)

    def fresh_acc(order: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # fresh data for the selected columns only (columns are independent)
        yf = np.where(rng_data.random(n) < 0.5, -1.0, 1.0)
        Xf = rng_data.standard_normal((n, order.size))
        Xf += shift * (order < n_sig)[None, :] * yf[:, None]
        return accuracies(np.arange(order.size), weights, Xf, yf)

    out: dict[str, Any] = {}
    order, w, n_sel = select(ch)
    out["train"] = accuracies(order, w, Xt, yt)
    out["holdout"] = accuracies(order, w, Xh, yh)
    out["fresh"] = fresh_acc(order, w)
    out["n_selected"] = n_sel

    for name, cfg in arms.items():
        state = thresholdout_init(
            threshold=cfg.get("threshold", 4.0 / math.sqrt(n)),
            sigma=cfg.get("sigma", 1.0 / math.sqrt(n)),
            budget=cfg.get("budget", d + ks_a.size),
            noise=cfg.get("noise", "laplace"),
            rng=rng_tho,
        )
        ch_tho, _, state = thresholdout_answer(ct, ch, state, rng=rng_tho, on_exhausted="stop")
        if ch_tho.size < d:  # budget ran out during selection: ⊥ counts as "not confirmed"
            ch_tho = np.concatenate([ch_tho, np.zeros(d - ch_tho.size)])
        order_t, w_t, n_sel_t = select(ch_tho)
        tr = accuracies(order_t, w_t, Xt, yt)
        ho = accuracies(order_t, w_t, Xh, yh)
        ho_tho, _, state = thresholdout_answer(tr, ho, state, rng=rng_tho, on_exhausted="stop")
        if ho_tho.size < ks_a.size:
            ho_tho = np.concatenate([ho_tho, np.full(ks_a.size - ho_tho.size, np.nan)])
        out[f"{name}_train"] = tr
        out[f"{name}_holdout"] = ho_tho
        out[f"{name}_fresh"] = fresh_acc(order_t, w_t)
        out[f"{name}_n_selected"] = n_sel_t
        out[f"{name}_n_over"] = state.n_over
        out[f"{name}_budget_left"] = state.budget
    return {k: np.asarray(v) for k, v in out.items()}

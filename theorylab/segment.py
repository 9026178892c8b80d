r"""Unsupervised step discovery in feature sequences, after Sermanet, Xu & Levine (2017),
"Unsupervised Perceptual Rewards for Imitation Learning" (Algorithm 1, Eqs. 1-2): split
search by prefix sums, discriminative z-score feature ranking, per-step Gaussian rewards,
Jaccard overlaps, and a synthetic feature-video generator.

**Split search (Algorithm 1).** A demonstration is a sequence :math:`x_1, \dots, x_T \in
\mathbb R^D`. For a segment of frames :math:`[a, b)` let
:math:`\bar\sigma(a, b) = \frac1D\sum_d \operatorname{sd}(x_{a:b, d})` be the mean over
features of the per-feature standard deviation (population, ``ddof=0``). The paper
splits a demonstration into :math:`K` steps by minimising the *average over segments*

.. math:: J(t_1, \dots, t_{K-1}) = \frac1K \sum_{k=1}^{K} \bar\sigma(t_{k-1}, t_k),
          \qquad 0 = t_0 < t_1 < \dots < t_K = T,\quad t_k - t_{k-1} \ge m,

with a minimum segment length :math:`m`. All :math:`\bar\sigma(a, b)` come from prefix sums
of :math:`x` and :math:`x^2` in :math:`O(D)` each; since :math:`K` is fixed, minimising
the average is minimising the sum, which dynamic programming does exactly in
:math:`O(K T^2)` (the same optimum as the paper's exhaustive recursive search; the tests
compare with brute force). The average is not weighted by segment length, so short
segments, whose sample standard deviations are biased low, are favoured when :math:`m` is
small (the catalogue's pitfall).

**Feature selection (Sec. 3.2).** After normalising every feature over all training frames,
each feature :math:`i` is scored for step :math:`k` by

.. math:: z_{k,i} = \alpha\,|\mu^+_{k,i} - \mu^-_{k,i}| - (\sigma^+_{k,i} + \sigma^-_{k,i}),

with :math:`\pm` the frames inside / outside step :math:`k` (all demonstrations pooled);
the top :math:`n` features per step are kept.

**Per-step reward (Eq. 2).** On the kept features :math:`S_k` (:math:`|S_k| = n`),

.. math:: R_k(x) = \frac1n \sum_{i \in S_k} \frac{(x_i - \mu^+_{k,i})^2}{\sigma^+_{k,i}},

a distance (small when step :math:`k` is reached; the paper calls it a log-probability).
Step probabilities are a softmax of :math:`-R` over steps and the combined reward is the
expected step index (our choice: the paper's combination, Appendix A.1, was not read).

Used by ``mechanisms/unsupervised-perceptual-rewards``.

Examples
--------
>>> import numpy as np
>>> from theorylab import segment
>>> x = np.r_[np.zeros(10), np.ones(10), 3 * np.ones(10)][:, None]
>>> x = x + 0.01 * np.random.default_rng(0).normal(size=x.shape)
>>> segment.split_search(x, n_segments=3, min_size=3).bounds.tolist()
[0, 10, 20, 30]
>>> round(segment.jaccard_segments(np.array([0, 10, 30]), np.array([0, 15, 30])), 4)   # (10/15 + 15/20) / 2
0.7083
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _validate as V

__all__ = [
    "SplitResult",
    "StepModel",
    "bounds_to_labels",
    "combined_reward",
    "fit_steps",
    "jaccard_labels",
    "jaccard_segments",
    "prefix_sums",
    "random_bounds",
    "segment_cost",
    "split_brute_force",
    "split_search",
    "step_distances",
    "step_probs",
    "synthetic_step_videos",
    "zscores",
]


def _seq(name: str, x) -> np.ndarray:
    X = V.real_array(name, x, ndim=(1, 2))
    return X[:, None] if X.ndim == 1 else X


def prefix_sums(x) -> tuple[np.ndarray, np.ndarray]:
    r"""Prefix sums :math:`S_1[t] = \sum_{s<t} x_s` and :math:`S_2[t] = \sum_{s<t} x_s^2`,
    each ``(T + 1, D)`` for ``x`` (T, D) (or (T,), treated as D = 1)."""
    X = _seq("x", x)
    z = np.zeros((1, X.shape[1]))
    return np.concatenate([z, np.cumsum(X, axis=0)]), np.concatenate([z, np.cumsum(X * X, axis=0)])


def _cost(S1, S2, a, b) -> np.ndarray:
    n = (b - a)[..., None].astype(float)
    m = (S1[b] - S1[a]) / n
    var = (S2[b] - S2[a]) / n - m * m
    return np.sqrt(np.maximum(var, 0.0)).mean(axis=-1)


def segment_cost(x, a, b) -> np.ndarray:
    r"""Mean over features of the per-feature (population) standard deviation of the
    frames :math:`[a, b)`, vectorised over index arrays ``a``, ``b`` of any common shape
    (``b - a >= 1``).

    Computed from prefix sums of the centred sequence as
    :math:`\sqrt{\max(0, \overline{x^2} - \bar x^2)}`: the variance carries a round-off
    error of order :math:`T\epsilon` times the squared scale, so a segment whose true spread is
    0 comes out at most about :math:`\sqrt{T\epsilon}` times the scale (1e-7 for T = 100)."""
    X = _seq("x", x)
    S1, S2 = prefix_sums(X - X.mean(axis=0))
    T = S1.shape[0] - 1
    A0, B0 = V.int_array("a", a), V.int_array("b", b)
    try:
        A, B = np.broadcast_arrays(A0, B0)
    except ValueError:
        raise ValueError(f"a {A0.shape} and b {B0.shape} must broadcast to a common shape") from None
    if np.any(A < 0) or np.any(B > T) or np.any(B - A < 1):
        raise ValueError(f"segments must satisfy 0 <= a < b <= T = {T}")
    return _cost(S1, S2, A, B)


@dataclass(frozen=True)
class SplitResult:
    """``bounds``: (K + 1,) ints :math:`0 = t_0 < \\dots < t_K = T`; ``objective``: the
    minimised average of the segment costs; ``costs``: (K,) the segment costs."""

    bounds: np.ndarray
    objective: float
    costs: np.ndarray


def _split_args(x, n_segments, min_size):
    X = _seq("x", x)
    K = V.positive_int("n_segments", n_segments)
    m = V.positive_int("min_size", min_size)
    T = X.shape[0]
    if K * m > T:
        raise ValueError(f"n_segments * min_size = {K * m} exceeds the sequence length {T}")
    return X, K, m, T


def split_search(x, *, n_segments: int, min_size: int) -> SplitResult:
    r"""Exact minimiser of the average segment cost :math:`J` over all splits into
    ``n_segments`` contiguous segments of at least ``min_size`` frames (dynamic programming
    over the :math:`O(T^2)` segment-cost table built from prefix sums).

    Parameters
    ----------
    x : (T, D) or (T,) array.
    n_segments : K >= 1.
    min_size : m >= 1, with K m <= T.

    Returns
    -------
    SplitResult
    """
    X, K, m, T = _split_args(x, n_segments, min_size)
    S1, S2 = prefix_sums(X - X.mean(axis=0))
    a = np.arange(T + 1)
    C = np.full((T + 1, T + 1), np.inf)                     # C[a, b] cost of [a, b)
    ok = a[None, :] - a[:, None] >= m
    ia, ib = np.nonzero(ok)
    C[ia, ib] = _cost(S1, S2, ia, ib)
    best = np.full((K + 1, T + 1), np.inf)                  # best[k, t]: k segments covering [0, t)
    arg = np.zeros((K + 1, T + 1), dtype=int)
    best[0, 0] = 0.0
    for k in range(1, K + 1):
        tot = best[k - 1][:, None] + C                      # (a, b)
        arg[k] = np.argmin(tot, axis=0)
        best[k] = tot[arg[k], a]
    bounds = [T]
    for k in range(K, 0, -1):
        bounds.append(int(arg[k, bounds[-1]]))
    b = np.array(bounds[::-1])
    costs = C[b[:-1], b[1:]]
    return SplitResult(bounds=b, objective=float(costs.mean()), costs=costs)


def split_brute_force(x, *, n_segments: int, min_size: int) -> SplitResult:
    """The same optimum by enumerating every admissible split (for tests on small inputs;
    ties resolved towards the lexicographically first split)."""
    from itertools import combinations

    X, K, m, T = _split_args(x, n_segments, min_size)
    best, best_b = np.inf, None
    for cuts in combinations(range(1, T), K - 1):
        b = np.array((0,) + cuts + (T,))
        if np.any(np.diff(b) < m):
            continue
        J = float(segment_cost(X, b[:-1], b[1:]).mean())
        if J < best - 1e-12:
            best, best_b = J, b
    costs = segment_cost(X, best_b[:-1], best_b[1:])
    return SplitResult(bounds=best_b, objective=float(costs.mean()), costs=costs)


def random_bounds(T: int, n_segments: int, *, min_size: int = 1, n_draws: int = 1,
                  rng: np.random.Generator) -> np.ndarray:
    r"""Ordered random splits: ``n_draws`` splits of ``T`` frames into ``n_segments``
    segments of at least ``min_size`` frames, uniform over all admissible splits (stars and
    bars: :math:`K - 1` distinct cut positions among :math:`T - K m + K - 1`). Returns
    ``(n_draws, K + 1)`` bounds."""
    V.generator("rng", rng)
    T = V.count("T", T)
    K = V.count("n_segments", n_segments)
    m = V.count("min_size", min_size)
    R = V.count("n_draws", n_draws)
    slack = T - K * m
    if slack < 0:
        raise ValueError(f"n_segments * min_size = {K * m} exceeds T = {T}")
    pool = slack + K - 1
    V.elements("n_draws * (T - n_segments * min_size + n_segments)", R * (pool + K + 1))
    keys = rng.random((R, pool)) if pool > 0 else np.zeros((R, 0))
    cuts = np.sort(np.argsort(keys, axis=1)[:, :K - 1], axis=1)   # K-1 distinct "bars"
    extra = cuts - np.arange(K - 1)[None, :]                      # stars before each bar
    marks = np.concatenate([np.zeros((R, 1), int), extra, np.full((R, 1), slack)], axis=1)
    lengths = np.diff(marks, axis=1) + m
    return np.concatenate([np.zeros((R, 1), int), np.cumsum(lengths, axis=1)], axis=1)


def bounds_to_labels(bounds, T: int | None = None) -> np.ndarray:
    """Frame labels 0..K-1 from bounds :math:`0 = t_0 < \\dots < t_K = T` (``(K + 1,)``)."""
    return _labels(bounds, T, "bounds")


def _labels(bounds, T, name):
    b = V.int_array(name, bounds, ndim=1)
    if b.size < 2 or b[0] != 0 or np.any(np.diff(b) < 1):
        raise ValueError(f"{name} must be increasing integers starting at 0; got {b.tolist()[:8]}")
    if T is not None and b[-1] != V.count("T", T):
        raise ValueError(f"{name} must end at T = {T}; got {b[-1]}")
    V.elements(f"{name}[-1] (frames)", int(b[-1]))
    return np.repeat(np.arange(b.size - 1), np.diff(b))


def jaccard_labels(pred, true, n_steps: int) -> float:
    r"""Mean over steps :math:`k` of :math:`|P_k \cap T_k| / |P_k \cup T_k|` for frame labels
    ``pred``, ``true`` (T,) in ``0..n_steps-1`` (a step absent from both counts as 1)."""
    p = V.int_array("pred", pred, ndim=1, nonempty=True)
    t = V.int_array("true", true, ndim=1, nonempty=True)
    K = V.count("n_steps", n_steps)
    if p.shape != t.shape:
        raise ValueError(f"pred and true must have equal lengths; got {p.shape}, {t.shape}")
    V.elements("n_steps * len(pred)", K * p.size)
    if np.any((p < 0) | (p >= K)) or np.any((t < 0) | (t >= K)):
        raise ValueError(f"pred and true must hold labels in [0, n_steps = {K})")
    k = np.arange(K)[:, None]
    inter = ((p == k) & (t == k)).sum(axis=1)
    union = ((p == k) | (t == k)).sum(axis=1)
    return float(np.mean(np.where(union > 0, inter / np.maximum(union, 1), 1.0)))


def jaccard_segments(pred_bounds, true_bounds) -> float:
    """:func:`jaccard_labels` of two splits given by their bounds (same T and K)."""
    pb = V.int_array("pred_bounds", pred_bounds, ndim=1, nonempty=True)
    tb = V.int_array("true_bounds", true_bounds, ndim=1, nonempty=True)
    if pb.shape != tb.shape or pb[-1] != tb[-1]:
        raise ValueError("pred_bounds and true_bounds must have the same K + 1 entries and end at the same T")
    return jaccard_labels(_labels(pb, None, "pred_bounds"), _labels(tb, None, "true_bounds"), pb.size - 1)


def zscores(frames, labels, n_steps: int, *, alpha: float = 5.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Discriminative scores :math:`z_{k,i}` (module docstring) of every feature for every
    step, after normalising each feature over all ``frames``.

    Parameters
    ----------
    frames : (N, D) all training frames, pooled over demonstrations.
    labels : (N,) step labels in ``0..n_steps-1`` (every step present).
    alpha : weight of the mean separation (the paper's :math:`\alpha = 5`).

    Returns
    -------
    z, mu_plus, sd_plus : (K, D) arrays: the scores, and the per-step means and standard
    deviations of the normalised features (stored by :func:`fit_steps`).
    """
    F = V.real_array("frames", frames, ndim=2)
    K = V.count("n_steps", n_steps)
    lab = V.int_array("labels", labels, shape=(F.shape[0],), low=0, high=K - 1)
    V.elements("n_steps * frames", K * F.size)
    a = V.nonneg_real("alpha", alpha)
    counts = np.bincount(lab, minlength=K)
    if np.any(counts < 1) or np.any(counts == F.shape[0]):
        raise ValueError(f"labels must cover all n_steps = {K} steps, each with frames inside and outside it")
    Z = (F - F.mean(axis=0)) / np.where(F.std(axis=0) > 0, F.std(axis=0), 1.0)
    onehot = lab[:, None] == np.arange(K)[None, :]            # (N, K)
    n_in = counts[:, None].astype(float)
    n_out = F.shape[0] - n_in
    s_in, q_in = onehot.T @ Z, onehot.T @ (Z * Z)
    s_all, q_all = Z.sum(axis=0), (Z * Z).sum(axis=0)
    mu_p = s_in / n_in
    mu_m = (s_all - s_in) / np.maximum(n_out, 1)
    sd_p = np.sqrt(np.maximum(q_in / n_in - mu_p ** 2, 0.0))
    sd_m = np.sqrt(np.maximum((q_all - q_in) / np.maximum(n_out, 1) - mu_m ** 2, 0.0))
    z = a * np.abs(mu_p - mu_m) - (sd_p + sd_m)
    return z, mu_p, sd_p


@dataclass(frozen=True)
class StepModel:
    """Per-step reward models: ``selected`` (K, n) feature indices, ``mu``/``sd`` (K, n) the
    step means and standard deviations of the normalised selected features, ``center`` /
    ``scale`` (D,) the feature normalisation, ``z`` (K, D) the scores."""

    selected: np.ndarray
    mu: np.ndarray
    sd: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    z: np.ndarray


def fit_steps(frames, labels, n_steps: int, *, n_features: int, alpha: float = 5.0,
              sd_floor: float = 1e-6) -> StepModel:
    r"""Rank features by :func:`zscores`, keep the top ``n_features`` per step and store the
    statistics of Eq. 2 (standard deviations floored at ``sd_floor``)."""
    F = V.real_array("frames", frames, ndim=2)
    n = V.positive_int("n_features", n_features)
    if n > F.shape[1]:
        raise ValueError(f"n_features must be <= D = {F.shape[1]}; got {n}")
    floor = V.positive_real("sd_floor", sd_floor)
    z, mu_p, sd_p = zscores(F, labels, n_steps, alpha=alpha)
    sel = np.argsort(-z, axis=1, kind="stable")[:, :n]
    rows = np.arange(z.shape[0])[:, None]
    sd = F.std(axis=0)
    return StepModel(selected=sel, mu=mu_p[rows, sel], sd=np.maximum(sd_p[rows, sel], floor),
                     center=F.mean(axis=0), scale=np.where(sd > 0, sd, 1.0), z=z)


def step_distances(model: StepModel, x) -> np.ndarray:
    r"""Eq. 2 distances :math:`R_k(x_t)` for every frame and step, ``(T, K)``."""
    if not isinstance(model, StepModel):
        raise TypeError("model must be a StepModel (from fit_steps)")
    X = V.real_array("x", x, ndim=2, last=model.center.size)
    Z = (X - model.center) / model.scale
    A = Z[:, model.selected]                                 # (T, K, n)
    return np.mean((A - model.mu[None]) ** 2 / model.sd[None], axis=-1)


def step_probs(distances) -> np.ndarray:
    r"""Softmax of :math:`-R` over steps: ``(T, K) -> (T, K)``."""
    R = V.real_array("distances", distances, ndim=2)
    u = -R - (-R).max(axis=1, keepdims=True)
    e = np.exp(u)
    return e / e.sum(axis=1, keepdims=True)


def combined_reward(probs) -> np.ndarray:
    r"""Expected step index :math:`\sum_k k\,p_{t,k}` (our combination), ``(T, K) -> (T,)``."""
    p = V.stochastic("probs", probs, min_ndim=2)
    return p @ np.arange(p.shape[-1], dtype=float)


def synthetic_step_videos(n_demos: int, *, fractions=(0.15, 0.55, 0.30), frac_jitter: float = 0.04,
                          T_range=(60, 120), dim: int = 512, n_informative: int = 64,
                          step_scale: float = 1.5, noise: float = 0.5, walk: float = 0.05,
                          offset_scale: float = 1.0, step_means=None,
                          rng: np.random.Generator) -> dict:
    r"""Synthetic "feature videos" of a task with :math:`K` latent steps (the catalogue's toy
    substitute for Inception features).

    Each demo has :math:`T \sim U\{T_{min}, \dots, T_{max}\}` frames split into steps of
    durations proportional to ``fractions`` plus :math:`N(0,` ``frac_jitter`` :math:`^2)`
    jitter (renormalised, each step >= 1 frame). Features ``0..n_informative-1`` equal a
    step-specific mean (shared by all demos, :math:`N(0,` ``step_scale`` :math:`^2)`, or
    ``step_means`` (K, n_informative) if given) plus :math:`N(0,` ``noise`` :math:`^2)`; the
    others are a per-demo offset :math:`N(0,` ``offset_scale`` :math:`^2)` plus a random walk
    with step :math:`N(0,` ``walk`` :math:`^2)` plus :math:`N(0,` ``noise`` :math:`^2)` noise.

    Returns a dict with ``videos`` (list of (T_i, D) arrays), ``bounds`` (list of (K + 1,)
    true step bounds), ``step_means`` (K, n_informative), ``informative`` (D,) bool.
    """
    V.generator("rng", rng)
    N = V.count("n_demos", n_demos, high=10**5)
    fr = V.real_array("fractions", fractions, ndim=1)
    if np.any(fr <= 0):
        raise ValueError("fractions must be positive")
    fr = fr / fr.sum()
    K = fr.size
    jit = V.nonneg_real("frac_jitter", frac_jitter)
    tr = V.int_sequence("T_range", T_range, low=1)
    if len(tr) != 2 or tr[1] < tr[0] or tr[0] < K:
        raise ValueError(f"T_range must be (lo, hi) with {K} <= lo <= hi; got {tr}")
    lo, hi = tr
    D = V.count("dim", dim)
    V.elements("n_demos * T_range[1] * dim", N * hi * D)
    ni = V.positive_int("n_informative", n_informative)
    if ni > D:
        raise ValueError(f"n_informative must be <= dim = {D}")
    sc, nz, wk, osc = (V.nonneg_real(nm, v) for nm, v in (("step_scale", step_scale), ("noise", noise),
                                                           ("walk", walk), ("offset_scale", offset_scale)))
    if step_means is None:
        means = rng.normal(0.0, sc, size=(K, ni))
    else:
        means = V.real_array("step_means", step_means, ndim=2)
        if means.shape != (K, ni):
            raise ValueError(f"step_means must have shape ({K}, {ni}); got {means.shape}")
    videos, bounds = [], []
    for _ in range(N):
        T = int(rng.integers(lo, hi + 1))
        f = np.maximum(fr + jit * rng.normal(size=K), 0.02)
        f = f / f.sum()
        lengths = np.maximum(np.round(f * T).astype(int), 1)
        lengths[np.argmax(lengths)] += T - lengths.sum()
        b = np.concatenate([[0], np.cumsum(lengths)])
        lab = bounds_to_labels(b, T)
        x = np.empty((T, D))
        x[:, :ni] = means[lab] + nz * rng.normal(size=(T, ni))
        nn = D - ni
        x[:, ni:] = (osc * rng.normal(size=(1, nn)) + np.cumsum(wk * rng.normal(size=(T, nn)), axis=0)
                     + nz * rng.normal(size=(T, nn)))
        videos.append(x)
        bounds.append(b)
    informative = np.zeros(D, bool)
    informative[:ni] = True
    return {"videos": videos, "bounds": bounds, "step_means": means, "informative": informative}

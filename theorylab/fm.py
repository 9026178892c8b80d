"""Gated factorisation machines for feature and feature-interaction selection
(OptFS, Lyu et al. 2023, arXiv:2301.10909), synthetic click-through data from a
teacher FM, and a rank-based AUC.

Used by ``notebooks/mechanisms/optfs-ctr-feature-selection.md``.

Data: ``F`` categorical fields; sample ``i`` holds one feature (value) per field, as
global feature ids ``X[i, f] ∈ [f·V, (f+1)·V)``. Model: embedding ``e_v ∈ R^k`` and
gate ``g_v`` per feature, ``u_f = g_{X_f} e_{X_f}`` and the second-order FM logit
``ŷ = Σ_{f<f'} ⟨u_f, u_f'⟩ = ½ Σ_k [(Σ_f u_fk)² − Σ_f u_fk²]``, so an interaction
``(v, v')`` is weighted by ``g_v g_v'``: it is dropped as soon as one of its two
features is (the decomposition of OptFS, Sec. 3).

OptFS gate (official code, ``modules/mask.py``): ``g_v = σ(γ m_v)/σ(m₀)`` with
``m₀ = 0.5`` the initial logit (so gates start at 1), search loss
``BCE + λ Σ_v σ(γ m_v)``, and ``γ`` raised geometrically from 1 to ``final_temp``
(learning by continuation); the hard mask ``m_v > 0`` is kept, the embeddings are
rewound to their end-of-epoch-1 values and retrained with the mask fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit
from scipy.stats import rankdata

from . import _validate as _V
from ._validate import finite_array, generator, nonneg_real, positive_int, positive_real
from .meta import Adam

__all__ = ["fm_logits", "fm_logits_pairwise", "optfs_gates", "Teacher", "make_teacher",
           "sample_ctr", "OptFSResult", "optfs_search", "train_fm", "auc"]


def _check_ids(X, n_features: int | None = None) -> np.ndarray:
    """Feature ids ``(n, F)``: a non-empty 2-D integer array with entries in ``[0, n_features)``."""
    X = _V.int_array("X", X, ndim=2, nonempty=True)
    if X.min() < 0 or (n_features is not None and X.max() >= n_features):
        raise ValueError(f"X must hold feature ids in [0, {n_features}); got values in "
                         f"[{X.min()}, {X.max()}]")
    return X


def _check_embeddings(E) -> np.ndarray:
    E = finite_array("E", E, ndim=2)
    if E.size == 0:
        raise ValueError(f"E must hold at least one feature and one dimension; got shape {E.shape}")
    return E


def _check_gates(gates, n_features: int) -> np.ndarray:
    g = np.ones(n_features) if gates is None else finite_array("gates", gates, ndim=1)
    if g.shape != (n_features,):
        raise ValueError(f"gates must have shape ({n_features},); got {g.shape}")
    return g


def _check_labels(y, n: int) -> np.ndarray:
    y = finite_array("y", y, ndim=1)
    if y.shape[0] != n or not np.isin(y, (0, 1)).all():
        raise ValueError("y must be a 0/1 array with one label per row of X")
    return y


def _fm_forward(X, E, g):
    U = E[X] * g[X][:, :, None]                                  # (n, F, k)
    S = U.sum(1)                                                 # (n, k)
    return 0.5 * ((S * S).sum(1) - (U * U).sum((1, 2))), U, S


def fm_logits(X, E, gates=None) -> np.ndarray:
    r"""Second-order FM logits ``½ Σ_k [(Σ_f u_fk)² − Σ_f u_fk²]`` with
    ``u_f = g_{X_f} e_{X_f}``.

    Parameters
    ----------
    X : ``(n, F)`` feature ids; E : ``(n_features, k)`` embeddings;
    gates : ``(n_features,)`` (default all ones)

    Returns
    -------
    ``(n,)`` logits.

    Examples
    --------
    >>> E = np.array([[1.0, 0.0], [2.0, 1.0]])
    >>> float(fm_logits(np.array([[0, 1]]), E)[0])      # <e0, e1> = 2
    2.0
    """
    E = _check_embeddings(E)
    X = _check_ids(X, E.shape[0])
    g = _check_gates(gates, E.shape[0])
    _V.elements("len(X) * fields * dim", X.size * E.shape[1])
    return _fm_forward(X, E, g)[0]


def fm_logits_pairwise(X, E, gates=None) -> np.ndarray:
    """Reference: ``Σ_{f<f'} g_v g_v' ⟨e_v, e_v'⟩`` by an explicit loop over field pairs."""
    E = _check_embeddings(E)
    X = _check_ids(X, E.shape[0])
    g = _check_gates(gates, E.shape[0])
    _V.elements("len(X) * fields**2 * dim (the work)", X.size * X.shape[1] * E.shape[1], limit=10**11)
    out = np.zeros(X.shape[0])
    for f in range(X.shape[1]):
        for h in range(f + 1, X.shape[1]):
            a, b = X[:, f], X[:, h]
            out += g[a] * g[b] * (E[a] * E[b]).sum(1)
    return out


def optfs_gates(m, gamma: float, m0: float = 0.5) -> np.ndarray:
    r"""OptFS soft gates ``g = σ(γ m) / σ(m₀)``.

    Examples
    --------
    >>> optfs_gates(np.array([0.5]), 1.0)
    array([1.])
    """
    m = finite_array("m", m)
    gamma = positive_real("gamma", gamma)
    m0 = _V.real("m0", m0)
    return expit(gamma * m) / expit(m0)


@dataclass
class Teacher:
    """Synthetic CTR teacher: ``n_fields × n_values`` features, teacher embeddings
    ``E`` (zero rows for useless features) and the boolean ``useful`` mask."""

    n_fields: int
    n_values: int
    E: np.ndarray
    useful: np.ndarray

    def __post_init__(self):
        self.n_fields = _V.count("n_fields", self.n_fields)
        self.n_values = _V.count("n_values", self.n_values)
        n = _V.elements("n_fields * n_values", self.n_fields * self.n_values)
        self.E = finite_array("E", self.E, ndim=2)
        if self.E.shape[0] != n or self.E.shape[1] == 0:
            raise ValueError(f"E must have shape (n_fields * n_values, dim) = ({n}, dim >= 1); got {self.E.shape}")
        self.useful = _V.bool_array("useful", self.useful, shape=(n,))

    @property
    def n_features(self) -> int:
        return self.n_fields * self.n_values

    def planted_interactions(self) -> np.ndarray:
        """Boolean ``(n_features, n_features)``: pairs of useful features in different
        fields — the interactions with a non-zero teacher weight ⟨e_v, e_v'⟩ (a.s.)."""
        fid = np.arange(self.n_features) // self.n_values
        return np.outer(self.useful, self.useful) & (fid[:, None] != fid[None, :])


def make_teacher(n_fields: int, n_values: int, *, dim: int, useful_frac: float, scale: float,
                 rng: np.random.Generator) -> Teacher:
    """A teacher FM: a random ``useful_frac`` of the features get embeddings
    ``N(0, scale²)`` in ``R^dim``; the others are zero."""
    F = _V.count("n_fields", n_fields, low=2)
    V = _V.count("n_values", n_values)
    k = _V.count("dim", dim)
    _V.elements("n_fields * n_values * dim", F * V * k)
    frac = nonneg_real("useful_frac", useful_frac)
    if frac > 1:
        raise ValueError(f"useful_frac must lie in [0, 1]; got {frac}")
    rng = generator("rng", rng)
    n = F * V
    useful = np.zeros(n, dtype=bool)
    useful[rng.permutation(n)[:int(round(frac * n))]] = True
    E = positive_real("scale", scale) * rng.standard_normal((n, k)) * useful[:, None]
    return Teacher(F, V, E, useful)


def sample_ctr(teacher: Teacher, n_samples: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)``: uniform feature values per field and ``y ~ Bernoulli(σ(teacher FM))``."""
    teacher = _V.instance("teacher", teacher, Teacher, hint="build one with make_teacher(...)")
    n = _V.count("n_samples", n_samples)
    _V.elements("n_samples * fields * dim", n * teacher.n_fields * teacher.E.shape[1])
    rng = generator("rng", rng)
    X = rng.integers(0, teacher.n_values, size=(n, teacher.n_fields)) + teacher.n_values * np.arange(teacher.n_fields)
    p = expit(_fm_forward(X, teacher.E, np.ones(teacher.n_features))[0])
    return X, (rng.random(n) < p).astype(float)


def _bce_grads(X, y, E, g):
    """Mean BCE of the FM logits and gradients w.r.t. E and the gate values g."""
    logit, U, S = _fm_forward(X, E, g)
    d = (expit(logit) - y) / y.size                              # dBCE/dlogit (mean)
    dU = d[:, None, None] * (S[:, None, :] - U)                  # (n, F, k)
    n_feat = E.shape[0]
    ids = X.ravel()
    W = (dU * g[X][:, :, None]).reshape(-1, E.shape[1])
    dE = np.stack([np.bincount(ids, weights=W[:, j], minlength=n_feat) for j in range(E.shape[1])], axis=1)
    dg = np.bincount(ids, weights=(dU * E[X]).sum(2).ravel(), minlength=n_feat)
    loss = np.mean(np.logaddexp(0, logit) - y * logit)
    return loss, dE, dg


@dataclass
class OptFSResult:
    """Search output: gate logits ``m``, embeddings, the epoch-1 checkpoint (rewind
    point), the kept mask ``m > 0``, the final temperature and the loss per epoch."""

    m: np.ndarray
    E: np.ndarray
    E_rewind: np.ndarray
    kept: np.ndarray
    gamma: float
    loss: np.ndarray


def optfs_search(X, y, n_features: int, *, dim: int, epochs: int, batch: int, lr: float, lam: float,
                 rng: np.random.Generator, final_temp: float = 200.0, m0: float = 0.5,
                 continuation: bool = True, init_scale: float = 0.1) -> OptFSResult:
    r"""OptFS search stage on an FM: minimise ``BCE + λ Σ_v σ(γ m_v)`` jointly over
    embeddings and gate logits (two Adam optimisers), with ``γ`` multiplied every
    step by ``final_temp^{1/(S−1)}`` (``S`` = total steps) so it grows geometrically
    from 1 to ``final_temp`` (the code does this per epoch); ``continuation=False``
    keeps ``γ = 1`` (the ablation). The mean BCE is used, so ``λ`` is per batch.
    """
    n_features = _V.count("n_features", n_features)
    X = _check_ids(X, n_features)
    y = _check_labels(y, X.shape[0])
    rng = generator("rng", rng)
    k, ep, bs = _V.count("dim", dim), _V.count("epochs", epochs), _V.count("batch", batch)
    _V.elements("n_features * dim", n_features * k)
    _V.elements("epochs * len(X) * fields * dim (the work)", ep * X.size * k, limit=10**11)
    lam = nonneg_real("lam", lam)
    ft = positive_real("final_temp", final_temp)
    m0 = _V.real("m0", m0)
    continuation = _V.flag("continuation", continuation)
    init_scale = positive_real("init_scale", init_scale)
    lr = positive_real("lr", lr)
    E = positive_real("init_scale", init_scale) * rng.standard_normal((n_features, k))
    m = np.full(n_features, float(m0))
    optE, optm = Adam(lr), Adam(lr)
    n = X.shape[0]
    steps_per_epoch = -(-n // bs)
    total = ep * steps_per_epoch
    growth = ft ** (1.0 / max(total - 1, 1)) if continuation else 1.0
    gamma, s0 = 1.0, expit(m0)
    losses, E_rewind = [], E.copy()
    for e in range(ep):
        perm = rng.permutation(n)
        tot = 0.0
        for s in range(steps_per_epoch):
            b = perm[s * bs:(s + 1) * bs]
            sg = expit(gamma * m)
            g = sg / s0
            loss, dE, dg = _bce_grads(X[b], y[b], E, g)
            dsg = gamma * sg * (1 - sg)
            dm = dg * dsg / s0 + lam * dsg
            E = optE.step(E, dE)
            m = optm.step(m, dm)
            tot += loss * b.size
            gamma *= growth
        losses.append(tot / n)
        if e == 0:
            E_rewind = E.copy()
    return OptFSResult(m, E, E_rewind, m > 0, gamma / growth, np.array(losses))


def train_fm(X, y, n_features: int, *, dim: int, epochs: int, batch: int, lr: float, rng: np.random.Generator,
             mask=None, E0=None, init_scale: float = 0.1) -> np.ndarray:
    """Train FM embeddings by Adam on the mean BCE with a fixed 0/1 feature ``mask``
    (default: all kept), from ``E0`` (e.g. the OptFS rewind point) or a random start.
    Returns the embeddings (masked rows zero)."""
    n_features = _V.count("n_features", n_features)
    X = _check_ids(X, n_features)
    y = _check_labels(y, X.shape[0])
    rng = generator("rng", rng)
    k, ep, bs = _V.count("dim", dim), _V.count("epochs", epochs), _V.count("batch", batch)
    _V.elements("n_features * dim", n_features * k)
    _V.elements("epochs * len(X) * fields * dim (the work)", ep * X.size * k, limit=10**11)
    lr = positive_real("lr", lr)
    if mask is None:
        g = np.ones(n_features)
    else:
        g = _V.array("mask", mask, shape=(n_features,))
        if not np.isin(g, (0, 1)).all():
            raise ValueError("mask must hold 0/1 (or boolean) entries")
    if E0 is None:
        E = positive_real("init_scale", init_scale) * rng.standard_normal((n_features, k))
    else:
        E = finite_array("E0", E0, ndim=2).copy()
        if E.shape != (n_features, k):
            raise ValueError(f"E0 must have shape (n_features, dim) = ({n_features}, {k}); got {E.shape}")
    opt = Adam(lr)
    n = X.shape[0]
    for _ in range(ep):
        perm = rng.permutation(n)
        for s in range(0, n, bs):
            b = perm[s:s + bs]
            _, dE, _ = _bce_grads(X[b], y[b], E, g)
            E = opt.step(E, dE)
    return E * g[:, None]


def auc(scores, labels) -> float:
    r"""Area under the ROC curve by the Mann–Whitney statistic with average ranks for
    ties: ``(Σ_{i: y_i = 1} rank_i − n₊(n₊+1)/2) / (n₊ n₋)``.

    Examples
    --------
    >>> auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1]))
    0.75
    """
    s = finite_array("scores", scores, ndim=1)
    yl = finite_array("labels", labels, ndim=1)
    if s.shape != yl.shape:
        raise ValueError(f"scores and labels must have the same shape; got {s.shape} and {yl.shape}")
    if not np.isin(yl, (0, 1)).all():
        raise ValueError("labels must be 0/1")
    npos = yl.sum()
    nneg = yl.size - npos
    if npos == 0 or nneg == 0:
        raise ValueError("labels must contain both classes")
    r = rankdata(s)
    return float((r[yl == 1].sum() - npos * (npos + 1) / 2) / (npos * nneg))

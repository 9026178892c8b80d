r"""A small in-context learner for noisy linear regression that predicts a mean and a
variance, trained with the Gaussian negative log-likelihood by hand-written backpropagation
and Adam: the CPU stand-in for the Transformers of Liu, Cai, Chen & Li (TMLR 2025).

Tasks: :math:`w\sim N(m_w, \tau^2 I_d)`, :math:`x_t\sim N(0, c^2 I_d)`,
:math:`y_t = w^\top x_t + \varepsilon_t`, :math:`\varepsilon_t\sim N(0,\sigma^2)`. At position
:math:`t` of a sequence the learner sees the context :math:`(x_s, y_s)_{s<t}` and the query
:math:`x_t`. Instead of attention over tokens it reads the normalised sufficient statistics

.. math:: \phi_t = \Big(\tfrac{X_{<t}^\top X_{<t}}{t+1},\ \tfrac{X_{<t}^\top y_{<t}}{t+1},\
          \tfrac{y_{<t}^\top y_{<t}}{t+1},\ x_t,\ \tfrac1{t+1}\Big)

(upper triangle of the Gram matrix), which is all a Bayes-optimal predictor needs; a
two-hidden-layer tanh MLP maps :math:`\phi_t` to :math:`(\hat\mu_t, \log\hat v_t)`. Loss per position:
:math:`\tfrac12\log\hat v + (y-\hat\mu)^2/(2\hat v)`, averaged over every position of every
sequence (as a causal Transformer is trained). The reference is the Bayes predictive under the
training prior (:func:`bayes_prefix_predictive`).

Used by ``notebooks/learning-theory/icl-uncertainty.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._validate import (array, count, elements, flag, generator, instance, integer, nonneg_real, positive_real,
                        real, shaped_array)

__all__ = [
    "sample_tasks",
    "prefix_features",
    "bayes_prefix_predictive",
    "ICLParams",
    "init_icl",
    "icl_predict",
    "icl_loss_and_grad",
    "train_icl",
]

LOGV_CLIP = 10.0

MAX_STEPS = 10**6
"""Largest ``n_steps`` of :func:`train_icl` (one Adam step each)."""


def sample_tasks(n_tasks: int, length: int, dim: int, *, rng: np.random.Generator,
                 w_scale: float = 1.0, w_mean: float = 0.0, x_scale=1.0, noise: float = 1.0):
    r"""Draw ``n_tasks`` regression sequences of ``length`` tokens.

    ``x_scale`` is a scalar :math:`c` or an array of per-task scales (n_tasks,).
    Returns ``(X (T, L, d), y (T, L), w (T, d))``.

    Examples
    --------
    >>> import numpy as np
    >>> X, y, w = sample_tasks(3, 5, 2, rng=np.random.default_rng(0))
    >>> X.shape, y.shape, w.shape
    ((3, 5, 2), (3, 5), (3, 2))
    """
    T = count("n_tasks", n_tasks)
    L = count("length", length)
    d = count("dim", dim)
    elements("n_tasks * length * dim", (T, L, d))
    tw = nonneg_real("w_scale", w_scale)
    wm = real("w_mean", w_mean)
    s = nonneg_real("noise", noise)
    generator("rng", rng)
    c = array("x_scale", x_scale, low=0.0)
    if c.ndim == 0:
        c = np.full(T, float(c))
    if c.shape != (T,):
        raise ValueError(f"x_scale must be a scalar or an array of shape (n_tasks,) = ({T},); got {c.shape}")
    w = wm + tw * rng.standard_normal((T, d))
    X = c[:, None, None] * rng.standard_normal((T, L, d))
    y = np.einsum("tld,td->tl", X, w) + s * rng.standard_normal((T, L))
    return X, y, w


def prefix_features(X, y) -> np.ndarray:
    r"""Features :math:`\phi_t` of every prefix position, shape ``(T, L, d(d+1)/2 + 2d + 2)``.

    Examples
    --------
    >>> import numpy as np
    >>> F = prefix_features(np.ones((1, 2, 1)), np.array([[2.0, 3.0]]))
    >>> F[0].tolist()   # [gram, xy, yy, x_query, 1/(t+1)] at t = 0 and t = 1
    [[0.0, 0.0, 0.0, 1.0, 1.0], [0.5, 1.0, 2.0, 1.0, 0.5]]
    """
    A = shaped_array("X", X, ndim=3)
    b = shaped_array("y", y, shape=A.shape[:2])
    T, L, d = A.shape
    elements("the features of X (T * L * d(d+3)/2)", (T, L, d * (d + 3) // 2 + 2))
    iu = np.triu_indices(d)
    outer = (A[..., :, None] * A[..., None, :])[..., iu[0], iu[1]]  # (T, L, d(d+1)/2)
    xy = A * b[..., None]
    yy = (b * b)[..., None]
    stats = np.concatenate([outer, xy, yy], axis=-1)
    cum = np.cumsum(stats, axis=1) - stats  # sums over s < t
    norm = 1.0 / (np.arange(L) + 1.0)
    return np.concatenate([cum * norm[None, :, None], A,
                           np.broadcast_to(norm[None, :, None], (T, L, 1))], axis=-1)


def bayes_prefix_predictive(X, y, *, prior_var: float = 1.0, noise_var: float = 1.0,
                            prior_mean: float = 0.0):
    r"""Bayes posterior predictive at every prefix position,
    :math:`\mu^*_t = x_t^\top m_t`, :math:`v^*_t = \sigma^2 + x_t^\top\Sigma_t x_t` with
    :math:`\Sigma_t = \sigma^2(X_{<t}^\top X_{<t} + \lambda I)^{-1}`,
    :math:`m_t = \Sigma_t(X_{<t}^\top y_{<t} + \lambda m_0)/\sigma^2`, :math:`\lambda = \sigma^2/\tau^2`,
    prior mean :math:`m_0` = ``prior_mean`` times the ones vector.

    Returns ``(mu (T, L), var (T, L))``.

    Examples
    --------
    >>> import numpy as np
    >>> mu, v = bayes_prefix_predictive(np.ones((1, 2, 1)), np.array([[2.0, 3.0]]))
    >>> mu.tolist(), v.tolist()
    ([[0.0, 1.0]], [[2.0, 1.5]])
    """
    A = shaped_array("X", X, ndim=3)
    b = shaped_array("y", y, shape=A.shape[:2])
    t2 = positive_real("prior_var", prior_var)
    s2 = positive_real("noise_var", noise_var)
    m0 = real("prior_mean", prior_mean)
    d = A.shape[2]
    elements("the Gram matrices of X (T * L * d * d)", (A.shape[0], A.shape[1], d, d))
    lam = s2 / t2
    G = A[..., :, None] * A[..., None, :]
    G = np.cumsum(G, axis=1) - G + lam * np.eye(d)
    r = A * b[..., None]
    r = np.cumsum(r, axis=1) - r + lam * m0
    Ginv = np.linalg.inv(G)
    m = np.einsum("tlde,tle->tld", Ginv, r)
    mu = np.einsum("tld,tld->tl", A, m)
    v = s2 * (1 + np.einsum("tld,tlde,tle->tl", A, Ginv, A))
    return mu, v


@dataclass
class ICLParams:
    """Weights of the learner (``W1`` (h, p), ``W2`` (h, h), ``W3`` (2, h), biases) and the
    Adam moments."""

    W: list
    b: list
    m: list = field(default_factory=list)
    v: list = field(default_factory=list)
    step: int = 0

    def arrays(self) -> list:
        return self.W + self.b


def init_icl(n_features: int, width: int = 64, *, rng: np.random.Generator) -> ICLParams:
    """Glorot-scaled tanh MLP ``n_features -> width -> width -> 2`` (mean, log-variance).

    Examples
    --------
    >>> import numpy as np
    >>> p = init_icl(9, 8, rng=np.random.default_rng(0)); [w.shape for w in p.W]
    [(8, 9), (8, 8), (2, 8)]
    """
    pdim = count("n_features", n_features)
    h = count("width", width)
    elements("width * (n_features + width)", (h, pdim + h))
    generator("rng", rng)
    sizes = [(h, pdim), (h, h), (2, h)]
    W = [rng.standard_normal(s) * np.sqrt(1.0 / s[1]) for s in sizes]
    W[-1] *= 0.1
    b = [np.zeros(s[0]) for s in sizes]
    p = ICLParams(W=W, b=b)
    p.m = [np.zeros_like(a) for a in p.arrays()]
    p.v = [np.zeros_like(a) for a in p.arrays()]
    return p


def _forward(p: ICLParams, F: np.ndarray):
    h1 = np.tanh(F @ p.W[0].T + p.b[0])
    h2 = np.tanh(h1 @ p.W[1].T + p.b[1])
    out = h2 @ p.W[2].T + p.b[2]
    return out, (F, h1, h2)


def _params_and_features(p, F, ndim=None) -> np.ndarray:
    instance("p", p, ICLParams, hint="build one with init_icl or train_icl")
    A = shaped_array("F", F, ndim=ndim)
    width = p.W[0].shape[1]
    if A.ndim == 0 or A.shape[-1] != width:
        raise ValueError(f"F must have {width} features (its last axis, the input width of p); got shape {A.shape}")
    return A


def icl_predict(p: ICLParams, F) -> tuple[np.ndarray, np.ndarray]:
    r"""Predictive mean and variance :math:`(\hat\mu, \hat v)` for features ``F`` (..., p).

    Examples
    --------
    >>> import numpy as np
    >>> p = init_icl(5, 4, rng=np.random.default_rng(0))
    >>> mu, v = icl_predict(p, np.zeros((3, 5))); mu.shape, bool(np.all(v > 0))
    ((3,), True)
    """
    A = _params_and_features(p, F)
    out, _ = _forward(p, A.reshape(-1, A.shape[-1]))
    s = np.clip(out[:, 1], -LOGV_CLIP, LOGV_CLIP)
    return out[:, 0].reshape(A.shape[:-1]), np.exp(s).reshape(A.shape[:-1])


def icl_loss_and_grad(p: ICLParams, F, y, *, mse: bool = False):
    r"""Mean Gaussian NLL :math:`\tfrac12\log\hat v + (y-\hat\mu)^2/(2\hat v)` (without the constant
    :math:`\tfrac12\log 2\pi`) over the rows of ``F`` (n, p), ``y`` (n,), and its gradient with
    respect to ``p.W + p.b`` by backpropagation. ``mse=True``: the loss :math:`\tfrac12(y-\hat\mu)^2`
    (warm-up; no gradient into the variance head).

    Returns ``(loss, grads)`` with ``grads`` in the order of ``p.arrays()``.
    """
    F = _params_and_features(p, F, ndim=2)
    y = shaped_array("y", y, shape=(F.shape[0],))
    mse = flag("mse", mse)
    out, (Fm, h1, h2) = _forward(p, F)
    n = F.shape[0]
    mu, s = out[:, 0], out[:, 1]
    r = y - mu
    if mse:
        loss = 0.5 * np.mean(r * r)
        dout = np.stack([-r, np.zeros(n)], axis=1) / n
    else:
        inside = np.abs(s) < LOGV_CLIP
        sc = np.clip(s, -LOGV_CLIP, LOGV_CLIP)
        iv = np.exp(-sc)
        loss = np.mean(0.5 * sc + 0.5 * r * r * iv)
        dout = np.stack([-r * iv, (0.5 - 0.5 * r * r * iv) * inside], axis=1) / n
    g3 = dout.T @ h2
    gb3 = dout.sum(0)
    d2 = (dout @ p.W[2]) * (1 - h2 * h2)
    g2 = d2.T @ h1
    gb2 = d2.sum(0)
    d1 = (d2 @ p.W[1]) * (1 - h1 * h1)
    g1 = d1.T @ Fm
    gb1 = d1.sum(0)
    return float(loss), [g1, g2, g3, gb1, gb2, gb3]


def _adam(p: ICLParams, grads, lr: float, b1=0.9, b2=0.999, eps=1e-8) -> None:
    p.step += 1
    arrs = p.arrays()
    for a, g, m, v in zip(arrs, grads, p.m, p.v):
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * g * g
        a -= lr * (m / (1 - b1**p.step)) / (np.sqrt(v / (1 - b2**p.step)) + eps)


def train_icl(*, n_steps: int, batch_tasks: int, length: int, dim: int, rng: np.random.Generator,
              width: int = 64, lr: float = 3e-3, warmup: int = 200, x_scales=(1.0,),
              pool=None, w_scale: float = 1.0, noise: float = 1.0, lr_final: float = 0.1,
              params: ICLParams | None = None) -> tuple[ICLParams, np.ndarray]:
    r"""Train the learner on fresh tasks (or on a fixed ``pool = (X, y)`` of sequences).

    Each step draws ``batch_tasks`` sequences of ``length`` tokens (covariate scale
    :math:`c` uniform over ``x_scales``, the meta-distribution) and takes one Adam step on the NLL
    averaged over all prefix positions; the first ``warmup`` steps use the squared error.
    The learning rate decays geometrically from ``lr`` to ``lr * lr_final``.

    Returns ``(params, losses (n_steps,))``.

    Examples
    --------
    >>> import numpy as np
    >>> p, losses = train_icl(n_steps=30, batch_tasks=8, length=5, dim=1, width=8, warmup=10,
    ...                       rng=np.random.default_rng(0))
    >>> losses.shape
    (30,)
    """
    S = count("n_steps", n_steps, high=MAX_STEPS)
    B = count("batch_tasks", batch_tasks)
    L = count("length", length)
    d = count("dim", dim)
    elements("batch_tasks * length * dim", (B, L, d))
    elements("the features of a batch (batch_tasks * length * d(d+3)/2)", (B, L, d * (d + 3) // 2 + 2))
    h = count("width", width)
    lr0 = positive_real("lr", lr)
    warm = integer("warmup", warmup, low=0)
    lr_fin = positive_real("lr_final", lr_final)
    generator("rng", rng)
    scales = array("x_scales", x_scales, ndim=1, nonempty=True, low=0.0)
    if pool is not None:
        if isinstance(pool, (str, bytes)) or not isinstance(pool, (tuple, list)) or len(pool) != 2:
            raise TypeError(f"pool must be a pair (X (n, L, d), y (n, L)) of sequences; got {type(pool).__name__}")
        PX = shaped_array("pool[0]", pool[0], ndim=3)
        Py = shaped_array("pool[1]", pool[1], shape=PX.shape[:2])
        PF = prefix_features(PX, Py).reshape(PX.shape[0], PX.shape[1], -1)
        pdim = PF.shape[-1]
    else:
        pdim = d * (d + 1) // 2 + 2 * d + 2
    if params is not None:
        instance("params", params, ICLParams, hint="build one with init_icl or train_icl")
        if params.W[0].shape[1] != pdim:
            raise ValueError(f"params must take {pdim} input features; got input width {params.W[0].shape[1]}")
    p = init_icl(pdim, h, rng=rng) if params is None else params
    decay = lr_fin ** (1.0 / max(S - 1, 1))
    losses = np.empty(S)
    for k in range(S):
        if pool is None:
            c = scales[rng.integers(0, scales.size, size=B)]
            X, y, _ = sample_tasks(B, L, d, rng=rng, w_scale=w_scale, x_scale=c, noise=noise)
            F = prefix_features(X, y).reshape(B * L, -1)
            yy = y.reshape(-1)
        else:
            idx = rng.integers(0, PX.shape[0], size=B)
            F = PF[idx].reshape(-1, pdim)
            yy = Py[idx].reshape(-1)
        loss, grads = icl_loss_and_grad(p, F, yy, mse=k < warm)
        _adam(p, grads, lr0 * decay**k)
        losses[k] = loss
    return p, losses

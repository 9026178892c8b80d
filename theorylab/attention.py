r"""Random-feature attention: a single multi-head attention layer with frozen random
query-key matrices and trainable values, its infinite-head kernel, and the two-layer
random-feature MLP baseline.

Model (after Fu, Guo, Bai & Mei, *What can a Single Attention Layer Learn? A Study
Through the Random Features Lens*, NeurIPS 2023, arXiv:2307.11353, Section 2; the
exact normalisation of the paper is **inferred**, see the notebook
``notebooks/kernels/random-feature-attention.md``). An input is one query token
:math:`x_0 \in \mathbb R^d` and :math:`N` key tokens :math:`x_1,\dots,x_N`. Head
:math:`m = 1..M` has a frozen query-key matrix :math:`W_m = W_0 + \tau G_m`,
:math:`(G_m)_{ab} \sim N(0, 1)` i.i.d., score :math:`u_{mi} = x_0^\top W_m x_i`,
attention weights :math:`a_{mi} = \sigma(u_{mi})/N` (``"exp"``: the unnormalised
softmax :math:`e^u`; ``"relu"``) or :math:`a_{mi} = \operatorname{softmax}_i(u_{mi})`
(``"softmax"``), and a trainable value vector :math:`v_m`:

.. math:: f(x_0; X) = \frac{1}{\sqrt M}\sum_{m=1}^M \Big\langle v_m,
          \sum_{i=1}^N a_{mi}\, \bar x_i \Big\rangle,
          \qquad \bar x_i = x_i \ \text{or}\ (x_i, 1)\ (\text{``value_bias``}).

The model is linear in :math:`v`, so training is ridge regression on the
random-feature matrix :func:`rfa_features`. As :math:`M \to \infty` the feature inner
product converges to the kernel

.. math:: K\big((x_0, X), (x_0', X')\big) = \sum_{i,j} \mathbb E_W[a_i a'_j]\,
          \langle \bar x_i, \bar x'_j \rangle ,

which is closed form for ``"exp"`` (any mean :math:`W_0`) and ``"relu"``
(:math:`W_0 = 0`, the degree-1 arc-cosine kernel), see :func:`rfa_kernel_exact`;
:func:`rfa_kernel_mc` estimates it with finitely many heads for every activation.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from . import _validate as V
from .polynomials import hermite as _poly_hermite

__all__ = [
    "ACTIVATIONS",
    "sample_tokens",
    "sample_qk_weights",
    "rfa_features",
    "rfa_gram",
    "rfa_features_reference",
    "rfa_kernel_exact",
    "rfa_kernel_mc",
    "sample_mlp_weights",
    "rfmlp_features",
    "target_hermite",
    "hermite_he",
]

ACTIVATIONS: tuple[str, ...] = ("exp", "relu", "softmax")
"""Score activations: unnormalised softmax ``exp`` (divided by N), ``relu`` (divided
by N), and the normalised ``softmax`` over the keys."""


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
def _check_rng(rng) -> None:
    V.rng(rng)


def _pos_int(name: str, value, minimum: int = 1, high: int = V.MAX_COUNT) -> int:
    return V.count(name, value, low=minimum, high=high)


def _nonneg_float(name: str, value) -> float:
    return V.real(name, value, low=0.0)


def _activation(activation: str) -> str:
    return V.choice("activation", activation, ACTIVATIONS)


def _tokens(x0, X, *, q: str = "x0", k: str = "X") -> tuple[np.ndarray, np.ndarray]:
    """Validate a batch: query ``(n, d)`` and keys ``(n, N, d)``."""
    x0 = V.array(q, x0)
    X = V.array(k, X)
    if x0.ndim != 2:
        raise ValueError(f"{q} must have shape (n_samples, dim); got {x0.shape}")
    if X.ndim != 3:
        raise ValueError(f"{k} must have shape (n_samples, n_keys, dim); got {X.shape}")
    if X.shape[1] < 1:
        raise ValueError(f"{k} must hold at least one key token (N >= 1); got N = {X.shape[1]}")
    if X.shape[0] != x0.shape[0]:
        raise ValueError(f"{k} has {X.shape[0]} samples but {q} has {x0.shape[0]}")
    if X.shape[2] != x0.shape[1]:
        raise ValueError(
            f"{k} token dimension {X.shape[2]} does not match the query dimension {x0.shape[1]} of {q}"
        )
    if x0.shape[1] < 1:
        raise ValueError(f"{q} must have dim >= 1")
    return x0, X


def _weights(W, dim: int) -> np.ndarray:
    W = V.array("W", W)
    if W.ndim != 3 or W.shape[1:] != (dim, dim):
        raise ValueError(f"W must have shape (n_heads, {dim}, {dim}); got {W.shape}")
    if W.shape[0] < 1:
        raise ValueError("W must hold at least one head (n_heads >= 1); got 0 heads")
    return W


def _mean_matrix(mean, dim: int) -> np.ndarray:
    m = V.array("mean", mean)
    if m.ndim == 0:
        return float(m) * np.eye(dim)
    if m.shape != (dim, dim):
        raise ValueError(f"mean must be a scalar (times I_d) or a finite ({dim}, {dim}) matrix; got shape {m.shape}")
    return m


# --------------------------------------------------------------------------- #
# samplers
# --------------------------------------------------------------------------- #
def sample_tokens(n_samples: int, n_keys: int, dim: int, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""I.i.d. tokens uniform on the unit sphere :math:`S^{d-1}` (inferred input law).

    Returns
    -------
    x0 : (n_samples, dim) query tokens
    X : (n_samples, n_keys, dim) key tokens

    Examples
    --------
    >>> x0, X = sample_tokens(4, 3, 2, rng=np.random.default_rng(0))
    >>> x0.shape, X.shape, bool(np.allclose(np.linalg.norm(X, axis=-1), 1.0))
    ((4, 2), (4, 3, 2), True)
    """
    _check_rng(rng)
    n = _pos_int("n_samples", n_samples)
    N = _pos_int("n_keys", n_keys)
    d = _pos_int("dim", dim)
    V.elements("n_samples * (n_keys + 1) * dim", (n, N + 1, d))
    Z = rng.standard_normal((n, N + 1, d))
    Z /= np.linalg.norm(Z, axis=-1, keepdims=True)
    return Z[:, 0, :].copy(), Z[:, 1:, :].copy()


def sample_qk_weights(
    n_heads: int, dim: int, *, mean=0.0, scale: float = 1.0, rng: np.random.Generator
) -> np.ndarray:
    r"""Frozen query-key matrices :math:`W_m = W_0 + \tau G_m`, :math:`(G_m)_{ab}\sim N(0,1)`.

    Parameters
    ----------
    n_heads : M >= 1
    dim : d >= 1
    mean : scalar :math:`\mu` (:math:`W_0 = \mu I_d`) or a (d, d) matrix :math:`W_0`
    scale : :math:`\tau \ge 0`; the score noise :math:`x_0^\top G x_i` has variance
        :math:`\|x_0\|^2 \|x_i\|^2` (= 1 on the unit sphere)
    rng : numpy Generator (required)

    Returns
    -------
    (n_heads, dim, dim)

    Examples
    --------
    >>> W = sample_qk_weights(5, 3, mean=0.5, scale=0.0, rng=np.random.default_rng(0))
    >>> W.shape, bool(np.allclose(W, 0.5 * np.eye(3)))
    ((5, 3, 3), True)
    """
    _check_rng(rng)
    M = _pos_int("n_heads", n_heads)
    d = _pos_int("dim", dim)
    V.elements("n_heads * dim * dim", (M, d, d))
    tau = _nonneg_float("scale", scale)
    W0 = _mean_matrix(mean, d)
    return W0[None] + tau * rng.standard_normal((M, d, d))


# --------------------------------------------------------------------------- #
# features
# --------------------------------------------------------------------------- #
def _attn_weights(U: np.ndarray, activation: str, n_keys: int) -> np.ndarray:
    """``(..., N)`` scores -> ``(..., N)`` attention weights."""
    if activation == "exp":
        return np.exp(U) / n_keys
    if activation == "relu":
        return np.maximum(U, 0.0) / n_keys
    U = U - U.max(axis=-1, keepdims=True)
    E = np.exp(U)
    return E / E.sum(axis=-1, keepdims=True)


def _features_block(x0: np.ndarray, X: np.ndarray, Wflat: np.ndarray, n_heads: int,
                    activation: str, value_bias: bool) -> np.ndarray:
    n, N, d = X.shape
    Y = (x0 @ Wflat).reshape(n, n_heads, d)  # Y[n, m, :] = x0^T W_m
    U = np.matmul(Y, X.transpose(0, 2, 1))  # (n, M, N) scores u_{mi}
    A = _attn_weights(U, activation, N)
    if value_bias:
        Xv = np.concatenate([X, np.ones((n, N, 1))], axis=2)
    else:
        Xv = X
    Phi = np.matmul(A, Xv)  # (n, M, d[+1])
    return Phi.reshape(n, -1)


def rfa_features(
    x0, X, W, *, activation: str = "exp", value_bias: bool = False, block_size: int | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray:
    r"""Random-feature matrix of multi-head random-feature attention.

    .. math:: \Phi(x_0, X)_{(m, k)} = \frac{1}{\sqrt M}\sum_{i=1}^N a_{mi}\, \bar x_{ik},
              \quad a_{mi} = \sigma(x_0^\top W_m x_i)/N \ \text{or}\
              \operatorname{softmax}_i(x_0^\top W_m x_i)

    so that :math:`f = \Phi v` (paper Section 2, random-feature attention; inferred
    normalisation). Vectorised over samples and heads (two batched matmuls); with
    ``block_size`` the samples are processed in blocks so the intermediate
    ``(block, M, N)`` score tensor stays bounded.

    Parameters
    ----------
    x0 : (n, d) queries
    X : (n, N, d) keys
    W : (M, d, d) frozen query-key matrices (:func:`sample_qk_weights`)
    activation : ``"exp"``, ``"relu"`` or ``"softmax"``
    value_bias : append a constant coordinate 1 to the value tokens
    block_size : samples per block (default: all at once)
    out : optional preallocated ``(n, M*(d+value_bias))`` float64 array

    Returns
    -------
    (n, M * (d + value_bias)) features, head-major (column ``m*(d+b) + k``).

    Used by ``notebooks/kernels/random-feature-attention.md``.

    Examples
    --------
    >>> x0, X = sample_tokens(4, 3, 2, rng=np.random.default_rng(0))
    >>> W = sample_qk_weights(5, 2, rng=np.random.default_rng(1))
    >>> rfa_features(x0, X, W, activation='softmax').shape
    (4, 10)
    """
    x0, X = _tokens(x0, X)
    n, N, d = X.shape
    W = _weights(W, d)
    activation = _activation(activation)
    value_bias = V.flag("value_bias", value_bias)
    M = W.shape[0]
    p = M * (d + int(bool(value_bias)))
    bs = n if block_size is None else _pos_int("block_size", block_size)
    if out is None:
        out = np.empty((n, p))
    elif not (isinstance(out, np.ndarray) and out.shape == (n, p) and out.dtype == np.float64):
        raise ValueError(f"out must be a float64 array of shape {(n, p)}")
    Wflat = W.transpose(1, 0, 2).reshape(d, M * d)  # x0 @ Wflat -> (n, M*d)
    c = 1.0 / math.sqrt(M)
    for s in range(0, n, bs):  # loop over sample blocks (memory bound), not over heads
        e = min(n, s + bs)
        out[s:e] = _features_block(x0[s:e], X[s:e], Wflat, M, activation, bool(value_bias))
        out[s:e] *= c
    return out


def rfa_gram(
    x0, X, W, *, activation: str = "exp", value_bias: bool = False, head_block: int = 256,
) -> np.ndarray:
    r"""Finite-head kernel :math:`\Phi\Phi^\top` accumulated over blocks of heads.

    Memory is ``n^2 + n * head_block * (d+1)`` floats instead of the full ``n * M * d``
    feature matrix (used by ``benchmarks/bench_attention.py``).

    Returns
    -------
    (n, n) symmetric matrix, equal to ``F @ F.T`` with ``F = rfa_features(...)``.

    Examples
    --------
    >>> x0, X = sample_tokens(4, 3, 2, rng=np.random.default_rng(0))
    >>> W = sample_qk_weights(5, 2, rng=np.random.default_rng(1))
    >>> F = rfa_features(x0, X, W)
    >>> bool(np.allclose(rfa_gram(x0, X, W, head_block=2), F @ F.T))
    True
    """
    x0, X = _tokens(x0, X)
    n, N, d = X.shape
    W = _weights(W, d)
    activation = _activation(activation)
    value_bias = V.flag("value_bias", value_bias)
    hb = _pos_int("head_block", head_block)
    M = W.shape[0]
    K = np.zeros((n, n))
    for s in range(0, M, hb):  # blocks of heads: bounded memory, each block vectorised
        Wb = W[s:s + hb]
        Mb = Wb.shape[0]
        F = _features_block(x0, X, Wb.transpose(1, 0, 2).reshape(d, Mb * d), Mb, activation, bool(value_bias))
        K += F @ F.T
    K /= M
    return K


def rfa_features_reference(x0, X, W, *, activation: str = "exp", value_bias: bool = False) -> np.ndarray:
    """Slow, loop-based reference of :func:`rfa_features` (tests only, tiny inputs:
    at most 10^5 score evaluations).

    Examples
    --------
    >>> x0, X = sample_tokens(2, 2, 2, rng=np.random.default_rng(0))
    >>> W = sample_qk_weights(3, 2, rng=np.random.default_rng(1))
    >>> bool(np.allclose(rfa_features_reference(x0, X, W), rfa_features(x0, X, W)))
    True
    """
    x0, X = _tokens(x0, X)
    n, N, d = X.shape
    W = _weights(W, d)
    activation = _activation(activation)
    value_bias = V.flag("value_bias", value_bias)
    V.elements("n * n_heads * n_keys (a Python loop)", n * W.shape[0] * N * (d + 1), limit=10**6)
    M = W.shape[0]
    b = int(bool(value_bias))
    F = np.zeros((n, M * (d + b)))
    for s in range(n):
        for m in range(M):
            u = [float(x0[s] @ W[m] @ X[s, i]) for i in range(N)]
            if activation == "softmax":
                z = [math.exp(v - max(u)) for v in u]
                a = [v / sum(z) for v in z]
            elif activation == "exp":
                a = [math.exp(v) / N for v in u]
            else:
                a = [max(v, 0.0) / N for v in u]
            for i in range(N):
                vec = list(X[s, i]) + ([1.0] if b else [])
                for k in range(d + b):
                    F[s, m * (d + b) + k] += a[i] * vec[k] / math.sqrt(M)
    return F


# --------------------------------------------------------------------------- #
# infinite-head kernel
# --------------------------------------------------------------------------- #
def rfa_kernel_exact(
    x0, X, x0b, Xb, *, mean=0.0, scale: float = 1.0, activation: str = "exp", value_bias: bool = False,
) -> np.ndarray:
    r"""Infinite-head kernel of random-feature attention, in closed form.

    With :math:`W = W_0 + \tau G`, the scores :math:`u_i = x_0^\top W x_i` and
    :math:`u'_j = x_0'^\top W x'_j` are jointly Gaussian with means
    :math:`\mu_i = x_0^\top W_0 x_i`, variances :math:`s_i^2 = \tau^2\|x_0\|^2\|x_i\|^2`
    and covariance :math:`c_{ij} = \tau^2 (x_0\cdot x_0')(x_i\cdot x'_j)`, so

    .. math:: K = \frac{1}{N N'}\sum_{i,j} \kappa_{ij}\,\langle \bar x_i, \bar x'_j\rangle,
       \quad \kappa_{ij} = \begin{cases}
       \exp\big(\mu_i + \mu'_j + \tfrac12 (s_i^2 + s_j'^2) + c_{ij}\big) & \text{exp} \\
       \frac{s_i s'_j}{2\pi}\big(\sin\theta + (\pi-\theta)\cos\theta\big),\
       \cos\theta = c_{ij}/(s_i s'_j) & \text{relu},\ W_0 = 0
       \end{cases}

    (the lognormal moment and the degree-1 arc-cosine kernel of Cho & Saul 2009; the
    kernel of paper Section 2, derived here). ``"softmax"`` and ``"relu"`` with a
    non-zero mean have no closed form: use :func:`rfa_kernel_mc`.

    Parameters
    ----------
    x0, X : (n, d), (n, N, d) first batch
    x0b, Xb : (m, d), (m, N', d) second batch
    mean, scale, activation, value_bias : as in :func:`sample_qk_weights` / :func:`rfa_features`

    Returns
    -------
    (n, m) kernel matrix.

    Examples
    --------
    >>> x0, X = sample_tokens(3, 2, 2, rng=np.random.default_rng(0))
    >>> K = rfa_kernel_exact(x0, X, x0, X, scale=0.5)
    >>> K.shape, bool(np.allclose(K, K.T))
    ((3, 3), True)
    """
    x0, X = _tokens(x0, X)
    x0b, Xb = _tokens(x0b, Xb, q="x0b", k="Xb")
    if x0b.shape[1] != x0.shape[1]:
        raise ValueError(f"x0b dimension {x0b.shape[1]} does not match x0 dimension {x0.shape[1]}")
    d = x0.shape[1]
    activation = _activation(activation)
    value_bias = V.flag("value_bias", value_bias)
    tau = _nonneg_float("scale", scale)
    W0 = _mean_matrix(mean, d)
    if activation == "softmax":
        raise ValueError("activation 'softmax' has no closed-form kernel; use rfa_kernel_mc")
    if activation == "relu" and np.any(W0 != 0):
        raise ValueError("mean must be 0 for the closed-form relu kernel; use rfa_kernel_mc")
    n, N, _ = X.shape
    m, Nb, _ = Xb.shape
    q0 = x0 @ x0b.T  # (n, m)
    s2 = tau**2 * np.sum(x0**2, 1)[:, None] * np.sum(X**2, 2)  # (n, N) score variances
    s2b = tau**2 * np.sum(x0b**2, 1)[:, None] * np.sum(Xb**2, 2)  # (m, N')
    if activation == "exp":
        # log E[e^u] = mu + s^2/2 for each token, then the covariance term
        la = np.einsum("pe,pie->pi", x0 @ W0, X) + 0.5 * s2
        lb = np.einsum("pe,pie->pi", x0b @ W0, Xb) + 0.5 * s2b
    Xbf = Xb.reshape(m * Nb, d)
    K = np.empty((n, m))
    # rows in blocks: the (rows, N, m, N') temporaries stay below ~2^22 entries
    rows = max(1, (1 << 22) // max(1, N * m * Nb))
    for s in range(0, n, rows):  # block loop bounds memory; each block is vectorised
        e = min(n, s + rows)
        G = (X[s:e].reshape(-1, d) @ Xbf.T).reshape(e - s, N, m, Nb)  # x_i . x'_j
        C = tau**2 * q0[s:e, None, :, None] * G
        if activation == "exp":
            kap = np.exp(la[s:e, :, None, None] + lb[None, None, :, :] + C)
        else:
            ss = np.sqrt(s2[s:e, :, None, None] * s2b[None, None, :, :])
            safe = np.where(ss > 0, ss, 1.0)
            cos = np.clip(np.where(ss > 0, C / safe, 0.0), -1.0, 1.0)
            kap = ss / (2 * np.pi) * (np.sqrt(1.0 - cos**2) + (np.pi - np.arccos(cos)) * cos)
        if value_bias:
            G += 1.0
        K[s:e] = np.einsum("pimj,pimj->pm", kap, G)
    return K / (N * Nb)


def rfa_kernel_mc(
    x0, X, x0b, Xb, *, mean=0.0, scale: float = 1.0, activation: str = "exp", value_bias: bool = False,
    n_samples: int, rng: np.random.Generator,
) -> np.ndarray:
    r"""Finite-head (Monte-Carlo) estimate of the kernel of :func:`rfa_kernel_exact`:
    :math:`\hat K = \Phi(x_0, X)\,\Phi(x_0', X')^\top` with ``n_samples`` = M heads
    drawn from :func:`sample_qk_weights`. Unbiased; its entries have standard
    deviation :math:`O(M^{-1/2})`. Works for every activation and mean.

    Returns
    -------
    (n, m) kernel matrix.

    Examples
    --------
    >>> x0, X = sample_tokens(3, 2, 2, rng=np.random.default_rng(0))
    >>> K = rfa_kernel_mc(x0, X, x0, X, scale=0.5, n_samples=20000, rng=np.random.default_rng(1))
    >>> bool(np.allclose(K, rfa_kernel_exact(x0, X, x0, X, scale=0.5), rtol=0.05))
    True
    """
    _check_rng(rng)
    x0, X = _tokens(x0, X)
    x0b, Xb = _tokens(x0b, Xb, q="x0b", k="Xb")
    if x0b.shape[1] != x0.shape[1]:
        raise ValueError(f"x0b dimension {x0b.shape[1]} does not match x0 dimension {x0.shape[1]}")
    M = _pos_int("n_samples", n_samples)
    V.elements("n_samples * (dim + 1) * (x0.shape[0] + x0b.shape[0])",
               (M, x0.shape[1] + 1, x0.shape[0] + x0b.shape[0]))
    W = sample_qk_weights(M, x0.shape[1], mean=mean, scale=scale, rng=rng)
    F = rfa_features(x0, X, W, activation=activation, value_bias=value_bias)
    Fb = rfa_features(x0b, Xb, W, activation=activation, value_bias=value_bias)
    return F @ Fb.T


# --------------------------------------------------------------------------- #
# baseline: two-layer random-feature MLP on the concatenated sequence
# --------------------------------------------------------------------------- #
def sample_mlp_weights(n_features: int, in_dim: int, *, rng: np.random.Generator) -> np.ndarray:
    r"""First-layer weights of the RF-MLP baseline, i.i.d. :math:`N(0, 1)` entries.

    :func:`rfmlp_features` divides the pre-activation by :math:`\sqrt{N+1}`, so on unit
    tokens (:math:`\|z\|^2 = N + 1`) every pre-activation is standard Gaussian.

    Parameters
    ----------
    n_features : P >= 1 (match ``M * d`` of the attention layer for equal parameter counts)
    in_dim : (N + 1) * d, the length of the concatenated sequence
    rng : numpy Generator (required)

    Returns
    -------
    (n_features, in_dim)

    Examples
    --------
    >>> sample_mlp_weights(8, 6, rng=np.random.default_rng(0)).shape
    (8, 6)
    """
    _check_rng(rng)
    P = _pos_int("n_features", n_features)
    D = _pos_int("in_dim", in_dim)
    V.elements("n_features * in_dim", (P, D))
    return rng.standard_normal((P, D))


def rfmlp_features(x0, X, Wmlp) -> np.ndarray:
    r"""Two-layer random-feature ReLU network on the concatenated sequence
    :math:`z = (x_0, x_1, \dots, x_N) \in \mathbb R^{(N+1)d}`:

    .. math:: \psi_k(z) = \frac{1}{\sqrt P}\,\mathrm{ReLU}\big(w_k^\top z / \sqrt{N+1}\big),
              \quad w_k \sim N(0, I_{(N+1)d})

    (pre-activations of unit variance on unit tokens). The baseline of the paper's
    comparison with "standard two-layer random-feature networks" (inferred form).

    Parameters
    ----------
    x0 : (n, d); X : (n, N, d); Wmlp : (P, (N+1) d)

    Returns
    -------
    (n, P)

    Examples
    --------
    >>> x0, X = sample_tokens(4, 2, 3, rng=np.random.default_rng(0))
    >>> rfmlp_features(x0, X, sample_mlp_weights(8, 9, rng=np.random.default_rng(1))).shape
    (4, 8)
    """
    x0, X = _tokens(x0, X)
    n, N, d = X.shape
    Wm = V.array("Wmlp", Wmlp)
    if Wm.ndim != 2 or Wm.shape[1] != (N + 1) * d or Wm.shape[0] < 1:
        raise ValueError(f"Wmlp must have shape (n_features, {(N + 1) * d}); got {Wm.shape}")
    Z = np.concatenate([x0[:, None, :], X], axis=1).reshape(n, (N + 1) * d)
    return np.maximum(Z @ Wm.T / math.sqrt(N + 1), 0.0) / math.sqrt(Wm.shape[0])


# --------------------------------------------------------------------------- #
# targets
# --------------------------------------------------------------------------- #
def hermite_he(k: int, t) -> np.ndarray:
    r"""Probabilists' Hermite polynomial :math:`\mathrm{He}_k(t)` by the three-term
    recurrence :math:`\mathrm{He}_{k+1} = t\,\mathrm{He}_k - k\,\mathrm{He}_{k-1}`
    (:func:`theorylab.polynomials.hermite` under this module's argument names).

    Examples
    --------
    >>> hermite_he(2, [0.0, 2.0]).tolist()
    [-1.0, 3.0]
    """
    k = V.integer("k", k, low=0, high=1000)
    t = V.array("t", t)
    try:
        return _poly_hermite(k, t)
    except ValueError:
        raise ValueError(f"t: He_{k}(t) overflows float64 at these points") from None


def target_hermite(x0, X, *, k: int, beta=None, link: Callable | None = None) -> np.ndarray:
    r"""Permutation-invariant target :math:`y = \frac1N\sum_i g(t_i)\, r_i` with
    :math:`t_i = \sqrt d\, x_0\cdot x_i`, :math:`g = \mathrm{He}_k` (or ``link``), and
    :math:`r_i = \sqrt d\, \beta\cdot x_i` if ``beta`` is given else 1.

    On unit-sphere tokens :math:`t_i` is approximately N(0, 1), so the terms are
    roughly orthogonal across k. Degree k in :math:`x_0`, k (or k+1 with ``beta``) in
    :math:`x_i` (the paper's targets :math:`N^{-1}\sum_i F(x_0, x_i)`; concrete choice
    inferred).

    Returns
    -------
    (n,)

    Examples
    --------
    >>> x0, X = sample_tokens(4, 2, 3, rng=np.random.default_rng(0))
    >>> target_hermite(x0, X, k=1).shape
    (4,)
    """
    x0, X = _tokens(x0, X)
    n, N, d = X.shape
    k = V.integer("k", k, low=0, high=1000)
    t = math.sqrt(d) * np.einsum("pd,pid->pi", x0, X)
    if link is None:
        g = hermite_he(k, t)
    else:
        V.function("link", link, what="t -> g(t)")
        g = np.asarray(link(t), dtype=float)
        if g.shape != t.shape or not np.all(np.isfinite(g)):
            raise ValueError(f"link must map an array of shape {t.shape} to finite values of the same shape")
    if beta is not None:
        b = V.array("beta", beta)
        if b.shape != (d,):
            raise ValueError(f"beta must be a finite vector of shape ({d},); got {b.shape}")
        g = g * (math.sqrt(d) * (X @ b))
    return g.mean(axis=1)

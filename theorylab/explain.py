r"""Post-hoc explanations as local function approximation (LFA; Han, Srinivas & Lakkaraju,
NeurIPS 2022): perturbation samplers and kernels, (constrained) weighted least squares,
gradient matching, exact Shapley values, integrated gradients, and a differentiable black box.

An LFA explanation of a black box :math:`f` at :math:`x_0` is
:math:`g^* = \arg\min_{g\in G}\mathbb E_{\xi\sim Z}\,\ell(f, g, x_0, \xi)` with :math:`G` the linear
models. With the squared-error loss :math:`\pi(\xi)(f(x_0\oplus\xi) - g(\xi))^2` the solution is
a weighted least-squares fit (:func:`weighted_least_squares`); with gradient matching
:math:`\lVert\nabla_\xi f(x_0\oplus\xi) - \nabla_\xi g(\xi)\rVert^2` it is the mean perturbed gradient
(:func:`gradient_matching`). The paper's Table 1 pairs (neighbourhood, loss) with methods:

- C-LIME: :math:`x_0 + \xi`, :math:`\xi\sim N(0,\sigma^2 I)`, squared error;
- SmoothGrad: the same neighbourhood, gradient matching;
- vanilla gradients: the same with :math:`\sigma\to 0`, gradient matching;
- integrated gradients: :math:`\xi x_0`, :math:`\xi\sim U(0, 1)`, gradient matching;
- gradient x input: :math:`\xi x_0`, :math:`\xi\sim U(a, 1)`, :math:`a\to 1`, gradient matching;
- LIME: :math:`x_0\odot\xi`, :math:`\xi\in\{0,1\}^d`, exponential kernel, squared error;
- KernelSHAP: :math:`x_0\odot\xi`, :math:`\xi\in\{0,1\}^d`, Shapley kernel, squared error;
- occlusion: :math:`x_0\odot\xi`, :math:`\xi` one-hot, squared error.

Used by ``notebooks/learning-theory/lfa-explanations.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import comb, factorial

import numpy as np
from scipy.optimize import linprog

from ._validate import (array, count, elements, flag, function, generator, integer, nonneg_real, positive_real,
                        real, shaped_array)

MAX_QUADRATURE = 1000
"""Largest number of Gauss--Legendre nodes of :func:`integrated_gradients` (computing the nodes
is an eigenvalue problem of size :math:`m`, about a second of CPU at the limit; a few hundred
nodes already integrate smooth gradients to round-off)."""

__all__ = [
    "TanhMLP",
    "random_tanh_mlp",
    "gaussian_perturbations",
    "bernoulli_masks",
    "all_masks",
    "one_hot_masks",
    "uniform_path",
    "exponential_kernel",
    "shapley_kernel",
    "weighted_least_squares",
    "gradient_matching",
    "shapley_values",
    "integrated_gradients",
    "chebyshev_affine_fit",
]


@dataclass(frozen=True)
class TanhMLP:
    r"""A fully connected tanh network :math:`\mathbb R^d\to\mathbb R` with an analytic input
    gradient: :math:`h_0 = x`, :math:`h_\ell = \tanh(W_\ell h_{\ell-1} + b_\ell)`,
    :math:`f = v^\top h_L + c`."""

    weights: tuple
    biases: tuple
    readout: np.ndarray
    offset: float

    def __post_init__(self) -> None:
        if not isinstance(self.weights, (list, tuple)) or len(self.weights) == 0:
            raise TypeError("weights must be a non-empty tuple of 2-D arrays (W_1, ..., W_L); "
                            f"got {type(self.weights).__name__}")
        Ws = tuple(array(f"weights[{i}]", W, ndim=2, nonempty=True) for i, W in enumerate(self.weights))
        for i in range(1, len(Ws)):
            if Ws[i].shape[1] != Ws[i - 1].shape[0]:
                raise ValueError(f"weights[{i}] must have {Ws[i - 1].shape[0]} columns (the rows of "
                                 f"weights[{i - 1}]); got shape {Ws[i].shape}")
        if not isinstance(self.biases, (list, tuple)) or len(self.biases) != len(Ws):
            raise TypeError(f"biases must be a tuple of {len(Ws)} 1-D arrays, one per matrix of weights; "
                            f"got {type(self.biases).__name__}")
        bs = tuple(array(f"biases[{i}]", b, ndim=1) for i, b in enumerate(self.biases))
        for i, (W, b) in enumerate(zip(Ws, bs)):
            if b.shape != (W.shape[0],):
                raise ValueError(f"biases[{i}] must have shape ({W.shape[0]},) to match weights[{i}] of shape "
                                 f"{W.shape}; got {b.shape}")
        v = array("readout", self.readout, shape=(Ws[-1].shape[0],))
        object.__setattr__(self, "weights", Ws)
        object.__setattr__(self, "biases", bs)
        object.__setattr__(self, "readout", v)
        object.__setattr__(self, "offset", real("offset", self.offset))

    def _input(self, X) -> np.ndarray:
        A = shaped_array("X", X, ndim=(1, 2))
        d = self.weights[0].shape[1]
        if A.shape[-1] != d:
            raise ValueError(f"X must have {d} features (its last axis); got shape {A.shape}")
        return A

    def value(self, X) -> np.ndarray:
        """``X`` (n, d) or (d,) -> f (n,) or ()."""
        A = self._input(X)
        h = A
        for W, b in zip(self.weights, self.biases):
            h = np.tanh(h @ W.T + b)
        return h @ self.readout + self.offset

    def grad(self, X) -> np.ndarray:
        r"""Input gradient :math:`\nabla f`, by backpropagation: ``X`` (n, d) -> (n, d)."""
        A = self._input(X)
        hs = [A]
        for W, b in zip(self.weights, self.biases):
            hs.append(np.tanh(hs[-1] @ W.T + b))
        g = np.broadcast_to(self.readout, hs[-1].shape)
        for W, h in zip(reversed(self.weights), reversed(hs[1:])):
            g = (g * (1 - h * h)) @ W
        return g


def random_tanh_mlp(widths: Sequence[int], *, rng: np.random.Generator, scale: float = 1.0) -> TanhMLP:
    r"""A tanh MLP with widths ``(d, n_1, ..., n_L)`` and i.i.d. :math:`N(0, \text{scale}^2/n_{\ell-1})`
    weights, :math:`N(0, 0.1^2)` biases, readout :math:`N(0, 1/n_L)`.

    Examples
    --------
    >>> import numpy as np
    >>> f = random_tanh_mlp((3, 8, 8), rng=np.random.default_rng(0))
    >>> f.value(np.zeros((2, 3))).shape, f.grad(np.zeros((2, 3))).shape
    ((2,), (2, 3))
    """
    generator("rng", rng)
    if not isinstance(widths, (list, tuple)) or len(widths) < 2:
        raise ValueError("widths must be a sequence (d, n_1, ..., n_L) of at least 2 ints")
    ws = [count(f"widths[{i}]", w) for i, w in enumerate(widths)]
    for i in range(len(ws) - 1):
        elements(f"widths[{i}] * widths[{i + 1}]", (ws[i], ws[i + 1]))
    s = positive_real("scale", scale)
    Ws = tuple(rng.standard_normal((ws[i + 1], ws[i])) * s / np.sqrt(ws[i]) for i in range(len(ws) - 1))
    bs = tuple(0.1 * rng.standard_normal(ws[i + 1]) for i in range(len(ws) - 1))
    v = rng.standard_normal(ws[-1]) / np.sqrt(ws[-1])
    return TanhMLP(Ws, bs, v, float(0.1 * rng.standard_normal()))


def gaussian_perturbations(n_samples: int, dim: int, *, sigma: float, rng: np.random.Generator) -> np.ndarray:
    r""":math:`\xi\sim N(0, \sigma^2 I_d)`, shape ``(n, d)`` (C-LIME, SmoothGrad).

    Examples
    --------
    >>> import numpy as np
    >>> gaussian_perturbations(3, 2, sigma=0.1, rng=np.random.default_rng(0)).shape
    (3, 2)
    """
    n = count("n_samples", n_samples)
    d = count("dim", dim)
    elements("n_samples * dim", (n, d))
    s = nonneg_real("sigma", sigma)
    return s * generator("rng", rng).standard_normal((n, d))


def bernoulli_masks(n_samples: int, dim: int, *, rng: np.random.Generator, p: float = 0.5) -> np.ndarray:
    """Binary masks with i.i.d. Bernoulli(``p``) entries, shape ``(n, d)`` (LIME, KernelSHAP).

    Examples
    --------
    >>> import numpy as np
    >>> m = bernoulli_masks(4, 3, rng=np.random.default_rng(0)); sorted(set(m.ravel().tolist())) <= [0.0, 1.0]
    True
    """
    n = count("n_samples", n_samples)
    d = count("dim", dim)
    elements("n_samples * dim", (n, d))
    pp = nonneg_real("p", p)
    if pp > 1:
        raise ValueError(f"p must be in [0, 1]; got {pp}")
    return (generator("rng", rng).uniform(size=(n, d)) < pp).astype(float)


def all_masks(dim: int) -> np.ndarray:
    """All :math:`2^d` binary masks, row ``k`` = the bits of ``k`` (bit ``i`` -> column ``i``).

    Examples
    --------
    >>> all_masks(2).tolist()
    [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]
    """
    d = integer("dim", dim, 1)
    if d > 20:
        raise ValueError(f"dim must be <= 20 for exhaustive enumeration; got {d}")
    k = np.arange(2**d)[:, None]
    return ((k >> np.arange(d)[None, :]) & 1).astype(float)


def one_hot_masks(n_samples: int, dim: int, *, rng: np.random.Generator) -> np.ndarray:
    """Rows that are uniformly random one-hot vectors, shape ``(n, d)`` (occlusion).

    Examples
    --------
    >>> import numpy as np
    >>> one_hot_masks(5, 3, rng=np.random.default_rng(0)).sum(axis=1).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    n = count("n_samples", n_samples)
    d = count("dim", dim)
    elements("n_samples * dim", (n, d))
    hot = generator("rng", rng).integers(0, d, size=n)
    out = np.zeros((n, d))
    out[np.arange(n), hot] = 1.0  # the rows of eye(d), without allocating it
    return out


def uniform_path(n_samples: int, *, low: float = 0.0, rng: np.random.Generator) -> np.ndarray:
    r"""Scalars :math:`\xi\sim U(\text{low}, 1)`, shape ``(n,)`` (integrated gradients: ``low = 0``;
    gradient x input: ``low -> 1``).

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.all(uniform_path(10, low=0.9, rng=np.random.default_rng(0)) >= 0.9))
    True
    """
    n = count("n_samples", n_samples)
    elements("n_samples", n)
    a = nonneg_real("low", low)
    if a >= 1:
        raise ValueError(f"low must be in [0, 1); got {a}")
    return generator("rng", rng).uniform(a, 1.0, size=n)


def exponential_kernel(masks, x0, *, width: float = 1.0) -> np.ndarray:
    r"""LIME's exponential kernel on input-space distances,
    :math:`\pi(\xi) = \exp(-\lVert x_0 - x_0\odot\xi\rVert^2/w^2)` (the LFA code's choice, width 1;
    the ``lime`` package instead uses width :math:`0.75\sqrt d` on its own distance).

    Examples
    --------
    >>> import numpy as np
    >>> exponential_kernel(np.array([[1.0, 1.0], [0.0, 1.0]]), np.array([1.0, 2.0])).round(4).tolist()
    [1.0, 0.3679]
    """
    M = shaped_array("masks", masks, ndim=2)
    x = shaped_array("x0", x0, shape=(M.shape[1],))
    w = positive_real("width", width)
    D = x[None, :] * (1 - M)
    return np.exp(-np.sum(D * D, axis=1) / (w * w))


def shapley_kernel(masks) -> np.ndarray:
    r"""Shapley kernel :math:`\pi(\xi) = (d-1)/(\binom{d}{|\xi|}\,|\xi|\,(d-|\xi|))`, ``inf`` for the
    empty and the full coalition (which :func:`weighted_least_squares` turns into constraints).

    Examples
    --------
    >>> import numpy as np
    >>> shapley_kernel(np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 1.0]])).tolist()
    [inf, 0.3333333333333333, inf]
    """
    M = shaped_array("masks", masks, ndim=2)
    d = M.shape[1]
    if d < 2:
        raise ValueError(f"masks must have at least 2 columns (dim >= 2); got shape {M.shape}")
    if not np.all((M == 0) | (M == 1)):
        raise ValueError("masks must hold 0/1 entries (coalitions)")
    s = M.sum(axis=1).round().astype(int)
    out = np.full(M.shape[0], np.inf)
    mid = (s > 0) & (s < d)
    binom = np.array([comb(d, k) for k in range(d + 1)], dtype=float)
    out[mid] = (d - 1) / (binom[s[mid]] * s[mid] * (d - s[mid]))
    return out


def weighted_least_squares(Z, y, weights=None, *, intercept: bool = True) -> tuple[np.ndarray, float]:
    r"""Minimise :math:`\sum_i \pi_i (y_i - b - z_i^\top w)^2` over :math:`(w, b)`.

    Rows with infinite weight are imposed exactly (equality constraints, solved through the
    KKT system), which is how KernelSHAP enforces :math:`g(\mathbf 0) = f(\text{baseline})` and
    :math:`g(\mathbf 1) = f(x_0)`. ``weights=None`` means ordinary least squares.

    Parameters
    ----------
    Z : (n, p) regressors; y : (n,) targets; weights : (n,) non-negative, possibly ``inf``
    intercept : fit :math:`b` (else :math:`b = 0`)

    Returns
    -------
    ``(w (p,), b)``.

    Examples
    --------
    >>> import numpy as np
    >>> Z = np.array([[0.0], [1.0], [2.0]]); y = np.array([1.0, 3.0, 5.0])
    >>> w, b = weighted_least_squares(Z, y); w.round(12).tolist(), round(b, 12)
    ([2.0], 1.0)
    """
    A = shaped_array("Z", Z, ndim=2)
    n, p = A.shape
    yy = shaped_array("y", y, shape=(n,))
    if weights is None:
        pi = np.ones(n)
    else:
        pi = array("weights", weights, shape=(n,), finite=False, low=0.0)  # +inf allowed: a constraint
    D = np.c_[A, np.ones(n)] if flag("intercept", intercept) else A
    hard = np.isinf(pi)
    soft = ~hard
    Ds, ys, ws = D[soft], yy[soft], pi[soft]
    G = Ds.T @ (ws[:, None] * Ds)
    r = Ds.T @ (ws * ys)
    if np.any(hard):
        C, c = D[hard], yy[hard]
        k = C.shape[0]
        K = np.block([[2 * G, C.T], [C, np.zeros((k, k))]])
        sol = np.linalg.lstsq(K, np.r_[2 * r, c], rcond=None)[0]
        theta = sol[: D.shape[1]]
    else:
        theta = np.linalg.lstsq(G, r, rcond=None)[0]
    return (theta[:p], float(theta[p])) if intercept else (theta, 0.0)


def gradient_matching(grads) -> np.ndarray:
    r"""LFA solution for the gradient-matching loss and linear :math:`g(\xi) = w^\top\xi`:
    :math:`w^* = \arg\min_w \mathbb E\lVert\nabla_\xi f - w\rVert^2 = \mathbb E[\nabla_\xi f]`, the
    mean of the perturbed gradients ``grads`` (n, d): shape (d,).

    Examples
    --------
    >>> import numpy as np
    >>> gradient_matching(np.array([[1.0, 0.0], [3.0, 2.0]])).tolist()
    [2.0, 1.0]
    """
    return shaped_array("grads", grads, ndim=2).mean(axis=0)


def shapley_values(value_fn: Callable[[np.ndarray], np.ndarray], dim: int) -> np.ndarray:
    r"""Exact Shapley values by subset enumeration,

    .. math:: \phi_i = \sum_{S\subseteq[d]\setminus\{i\}} \frac{|S|!\,(d-|S|-1)!}{d!}
              \big(v(S\cup\{i\}) - v(S)\big),

    with ``value_fn`` evaluated once on all :math:`2^d` masks (``value_fn(masks (2^d, d)) -> (2^d,)``,
    e.g. ``lambda M: f(x0 * M)`` for baseline 0). Shape (d,).

    Examples
    --------
    >>> import numpy as np
    >>> shapley_values(lambda M: M[:, 0] * M[:, 1], 2).tolist()   # v({1,2}) = 1, else 0
    [0.5, 0.5]
    """
    function("value_fn", value_fn, what="(masks (2^d, d)) -> values (2^d,)")
    d = integer("dim", dim, 1)
    M = all_masks(d)
    v = np.asarray(value_fn(M), dtype=float)
    if v.shape != (M.shape[0],):
        raise ValueError(f"value_fn must return shape ({M.shape[0]},); got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("value_fn returned non-finite values")
    size = M.sum(axis=1).astype(int)
    wts = np.array([factorial(s) * factorial(d - s - 1) / factorial(d) for s in range(d)])
    idx = np.arange(M.shape[0])
    phi = np.empty(d)
    for i in range(d):  # a loop over features, vectorised over the 2^d coalitions
        without = (idx >> i) & 1 == 0
        S = idx[without]
        phi[i] = np.sum(wts[size[S]] * (v[S | (1 << i)] - v[S]))
    return phi


def integrated_gradients(grad_fn: Callable[[np.ndarray], np.ndarray], x0, *, low: float = 0.0,
                         n_points: int = 200, baseline=None) -> np.ndarray:
    r"""Integrated gradients by Gauss--Legendre quadrature,
    :math:`(x_0 - x')\odot\frac{1}{1-a}\int_a^1\nabla f(x' + t(x_0 - x'))\,dt` with baseline
    :math:`x'` (default 0) and lower limit :math:`a` (``low``; :math:`a = 0` is the usual IG,
    :math:`a\to1` gives gradient x input). ``grad_fn`` maps (n, d) -> (n, d). Shape (d,).

    Examples
    --------
    >>> import numpy as np
    >>> integrated_gradients(lambda X: 2 * X, np.array([1.0, 3.0])).round(12).tolist()  # f = |x|^2
    [1.0, 9.0]
    """
    x = shaped_array("x0", x0, ndim=1)
    a = nonneg_real("low", low)
    if a >= 1:
        raise ValueError(f"low must be in [0, 1); got {a}")
    function("grad_fn", grad_fn, what="(X (n, d)) -> gradients (n, d)")
    m = count("n_points", n_points, high=MAX_QUADRATURE)
    elements("n_points * len(x0)", (m, x.size))
    xb = np.zeros_like(x) if baseline is None else shaped_array("baseline", baseline, shape=x.shape)
    t, w = np.polynomial.legendre.leggauss(m)
    t = a + (1 - a) * (t + 1) / 2
    w = w / 2  # mean over U(a, 1)
    G = np.asarray(grad_fn(xb[None, :] + t[:, None] * (x - xb)[None, :]), dtype=float)
    if G.shape != (m, x.size):
        raise ValueError(f"grad_fn must return shape ({m}, {x.size}); got {G.shape}")
    if not np.all(np.isfinite(G)):
        raise ValueError("grad_fn returned non-finite values")
    return (x - xb) * (w @ G)


def chebyshev_affine_fit(x, fx) -> tuple[float, float, float]:
    r"""Best uniform affine approximation on a grid, by linear programming:
    :math:`\min_{a,b,t} t` subject to :math:`|f(x_i) - a - b x_i|\le t` (Chebyshev / minimax).
    Returns ``(a, b, t)``; :math:`t^2` is :math:`d(f, G)` for the squared-error loss.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.linspace(-1, 1, 201); a, b, t = chebyshev_affine_fit(x, x ** 2)
    >>> round(a, 6), abs(round(b, 6)), round(t, 6)   # the equioscillating line y = 1/2
    (0.5, 0.0, 0.5)
    """
    xs = shaped_array("x", x, ndim=1)
    fv = shaped_array("fx", fx, shape=xs.shape)
    n = xs.size
    ones = np.ones(n)
    # variables (a, b, t); rows: f - a - b x <= t  and  a + b x - f <= t
    A_ub = np.r_[np.c_[-ones, -xs, -ones], np.c_[ones, xs, -ones]]
    b_ub = np.r_[-fv, fv]
    res = linprog(c=[0, 0, 1], A_ub=A_ub, b_ub=b_ub, bounds=[(None, None)] * 3, method="highs")
    if not res.success:  # pragma: no cover - a bounded feasible LP
        raise RuntimeError(f"linprog failed: {res.message}")
    a, b, t = res.x
    return float(a), float(b), float(t)

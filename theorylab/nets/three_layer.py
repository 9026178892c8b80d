r"""The three-layer network of Wang, Nichani & Lee (ICLR 2024, arXiv:2311.13774), its
layerwise training with sample splitting (Algorithm 1), and kernel baselines.

Used by ``notebooks/kernels/hierarchical-polys-three-layer.md``.

Architecture (Section 3 of the paper; the skip-connection wiring is *inferred*)::

    phi1(x) = [1, sigma1(V x)]              frozen first layer, (m1 + 1,)
    ghat(x) = u . phi1(x)                   trainable scalar feature (stage 1)
    phi2(g) = [1, ReLU(a g + b)]            frozen 1-D random ReLU units, (m2 + 1,)
    f(x)    = ghat(x) + c . phi2(ghat(x))   trainable outer weights c (stage 2)

with unit-norm random rows of ``V``, :math:`\sigma_1(t) = \sum_{j=1}^k h_j(t)` a
degree-``k`` polynomial (normalised Hermite :math:`h_j = \mathrm{He}_j/\sqrt{j!}`),
random signs :math:`a_j = \pm1` and heavy-tailed (Student-t) biases :math:`b_j`.
``first_layer="hermite"`` replaces :math:`\sigma_1(Vx)` by the orthonormal Hermite
basis of degree :math:`\le k` (the span the random features reach when
:math:`m_1 \to \infty`).

Training (Algorithm 1): stage 1 fits ``u`` with ``c = 0`` on :math:`D_1` (a ridge /
weight-decay problem, convex); stage 2 fits ``c`` with ``u`` frozen on a fresh
:math:`D_2` (convex). Both are solved either in closed form (``solver="ridge"``, the
minimiser GD with weight decay converges to) or by plain gradient descent on the
hand-written backprop of :func:`loss_and_grad` (``solver="gd"``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import scipy.linalg

from theorylab import polynomials as poly
from theorylab.regression import select_ridge

from .. import _validate as V

__all__ = [
    "ThreeLayerNet",
    "feature_map",
    "first_layer_features",
    "forward",
    "init_three_layer",
    "kernel_ridge_baseline",
    "loss_and_grad",
    "rbf_kernel",
    "relu_ntk",
    "second_layer_features",
    "train_layerwise",
    "train_stage1",
    "train_stage2",
]


@dataclass(frozen=True)
class ThreeLayerNet:
    """Parameters of the three-layer network (see the module docstring).

    Attributes
    ----------
    k : degree of the first-layer activation sigma1
    first_layer : ``"random"`` (sigma1(V x)) or ``"hermite"`` (exact degree-<=k basis)
    V : (m1, d) frozen unit-norm directions, or ``None`` for ``"hermite"``
    dim : input dimension d
    a : (m2,) frozen signs, b : (m2,) frozen heavy-tailed biases
    u : (m1 + 1,) stage-1 weights (first entry multiplies the constant feature)
    c : (m2 + 1,) stage-2 weights (first entry is an intercept)

    Examples
    --------
    >>> net = init_three_layer(3, k=2, width1=6, width2=4, rng=np.random.default_rng(0))
    >>> net.width1, net.width2, net.first_layer
    (6, 4, 'random')
    """

    k: int
    first_layer: str
    V: np.ndarray | None
    dim: int
    a: np.ndarray
    b: np.ndarray
    u: np.ndarray
    c: np.ndarray

    def __post_init__(self) -> None:
        k = V.count("k", self.k, high=poly.MAX_DEGREE)
        V.choice("first_layer", self.first_layer, ("random", "hermite"))
        dim = V.count("dim", self.dim)
        a = V.array("a", self.a, ndim=1, nonempty=True)
        b = V.array("b", self.b, shape=a.shape)
        u = V.array("u", self.u, ndim=1)
        c = V.array("c", self.c, shape=(a.size + 1,))
        if self.first_layer == "random":
            Vm = V.array("V", self.V, ndim=2)
            if Vm.shape[1] != dim:
                raise ValueError(f"V must have shape (m1, dim={dim}); got {Vm.shape}")
            if u.size != Vm.shape[0] + 1:
                raise ValueError(f"u must have m1 + 1 = {Vm.shape[0] + 1} entries (one per row of V, plus 1); "
                                 f"got {u.size}")
        else:
            if self.V is not None:
                raise ValueError("V must be None for first_layer='hermite'")
            F = poly.n_hermite_features(dim, k)
            if u.size != F:
                raise ValueError(f"u must have comb(dim + k, k) = {F} entries for first_layer='hermite'; got {u.size}")
            Vm = None
        for name, v in (("k", k), ("dim", dim), ("a", a), ("b", b), ("u", u), ("c", c), ("V", Vm)):
            object.__setattr__(self, name, v)

    @property
    def width1(self) -> int:
        return self.u.size - 1

    @property
    def width2(self) -> int:
        return self.a.size


def _check_rng(rng) -> None:
    V.rng(rng)


def _pos_int(name: str, v, lo: int = 1, high: int = V.MAX_COUNT) -> int:
    return V.count(name, v, low=lo, high=high)


def _nonneg(name: str, v) -> float:
    return V.real(name, v, low=0.0)


def _net(net) -> "ThreeLayerNet":
    return V.instance("net", net, ThreeLayerNet, hint="build one with init_three_layer(dim, k=..., rng=...)")


_NO_Y = object()


def _data(X, y, dim: int, xname: str = "X", yname: str = "y"):
    X = V.array(xname, X)
    if X.ndim != 2 or X.shape[1] != dim:
        raise ValueError(f"{xname} must have shape (n, {dim}); got {X.shape}")
    if y is _NO_Y:
        return X, None
    y = V.array(yname, y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"{yname} must have shape ({X.shape[0]},), one target per row of {xname}; got {y.shape}")
    if X.shape[0] == 0:
        raise ValueError(f"{xname} has no rows (the sample is empty)")
    return X, y


def init_three_layer(
    dim: int,
    *,
    k: int,
    width1: int | None = None,
    width2: int = 50,
    first_layer: Literal["random", "hermite"] = "random",
    bias_df: float = 3.0,
    bias_scale: float = 1.0,
    rng: np.random.Generator,
) -> ThreeLayerNet:
    r"""Random initialisation: frozen ``V``, ``a``, ``b``; trainable ``u = 0``, ``c = 0``.

    Parameters
    ----------
    dim : d >= k
    k : first-layer degree >= 1 (the feature degree the network targets)
    width1 : m1 for ``first_layer="random"`` (default ``2 * comb(d + k, k)``; the paper
        takes :math:`m_1 = d^{k+\alpha}`); ignored for ``"hermite"`` (m1 = comb(d+k,k) - 1)
    width2 : m2, number of 1-D ReLU units (the paper's :math:`m_2 = d^\alpha`)
    bias_df, bias_scale : Student-t degrees of freedom and scale of the biases b
        (heavy-tailed, so kinks cover the range of the learned feature) [inferred]
    rng : numpy Generator

    Examples
    --------
    >>> net = init_three_layer(4, k=2, width2=10, rng=np.random.default_rng(0))
    >>> net.V.shape, net.u.shape, net.c.shape
    ((30, 4), (31,), (11,))
    """
    dim = _pos_int("dim", dim)
    k = _pos_int("k", k)
    if dim < k:
        raise ValueError(f"dim must be >= k = {k}; got {dim}")
    width2 = _pos_int("width2", width2, high=10**7)
    V.choice("first_layer", first_layer, ("random", "hermite"))
    bias_df = _nonneg("bias_df", bias_df)
    bias_scale = _nonneg("bias_scale", bias_scale)
    if bias_df == 0:
        raise ValueError("bias_df must be > 0")
    _check_rng(rng)
    F = poly.n_hermite_features(dim, k)
    V.elements("comb(dim + k, k) (Hermite features)", F, limit=10**7)
    if first_layer == "random":
        m1 = 2 * F if width1 is None else _pos_int("width1", width1)
        V.elements("width1 * dim", (m1, dim))
        G = rng.standard_normal((m1, dim))
        Vdir = G / np.linalg.norm(G, axis=1, keepdims=True)
    else:
        m1, Vdir = F - 1, None
    a = rng.choice([-1.0, 1.0], size=width2)
    b = bias_scale * rng.standard_t(bias_df, size=width2)
    return ThreeLayerNet(k=k, first_layer=first_layer, V=Vdir, dim=dim, a=a, b=b,
                         u=np.zeros(m1 + 1), c=np.zeros(width2 + 1))


def first_layer_features(net: ThreeLayerNet, X) -> np.ndarray:
    r"""``(n, d) -> (n, m1 + 1)``: :math:`[1, \sigma_1(Vx)]` or the Hermite basis.

    Examples
    --------
    >>> net = init_three_layer(3, k=2, first_layer='hermite', rng=np.random.default_rng(0))
    >>> first_layer_features(net, np.zeros((2, 3))).shape  # [1, comb(3 + 2, 2) - 1 features]
    (2, 10)
    """
    net = _net(net)
    X, _ = _data(X, _NO_Y, net.dim)
    if net.first_layer == "hermite":
        return poly.hermite_features(X, net.k)
    T = X @ net.V.T  # (n, m1)
    S = np.zeros_like(T)
    prev, cur = np.ones_like(T), T
    S += cur
    for j in range(1, net.k):
        prev, cur = cur, T * cur - j * prev  # He_{j+1}
        S += cur / math.sqrt(math.factorial(j + 1))
    return np.concatenate([np.ones((X.shape[0], 1)), S], axis=1)


def second_layer_features(net: ThreeLayerNet, g) -> np.ndarray:
    r"""``(n,) -> (n, m2 + 1)``: :math:`[1, \mathrm{ReLU}(a_j g + b_j)]`.

    Examples
    --------
    >>> net = init_three_layer(3, k=2, width1=6, width2=4, rng=np.random.default_rng(0))
    >>> second_layer_features(net, np.array([0.5, -1.0])).shape
    (2, 5)
    """
    net = _net(net)
    g = V.array("g", g, ndim=1)
    pre = g[:, None] * net.a[None, :] + net.b[None, :]
    return np.concatenate([np.ones((g.size, 1)), np.maximum(pre, 0.0)], axis=1)


def feature_map(net: ThreeLayerNet, X) -> np.ndarray:
    r"""The learned scalar feature :math:`\hat g(x) = u\cdot\phi_1(x)`, shape ``(n,)``.

    Examples
    --------
    >>> net = init_three_layer(3, k=2, width1=6, width2=4, rng=np.random.default_rng(0))
    >>> feature_map(net, np.zeros((2, 3))).tolist()
    [0.0, 0.0]
    """
    net = _net(net)
    return first_layer_features(net, X) @ net.u


def forward(net: ThreeLayerNet, X) -> np.ndarray:
    r"""Network output :math:`f(x) = \hat g(x) + c\cdot\phi_2(\hat g(x))`, shape ``(n,)``.

    Examples
    --------
    >>> net = init_three_layer(3, k=2, width1=6, width2=4, rng=np.random.default_rng(0))
    >>> forward(net, np.zeros((2, 3))).tolist()  # u = 0, c = 0 at initialisation
    [0.0, 0.0]
    """
    net = _net(net)
    g = feature_map(net, X)
    return g + second_layer_features(net, g) @ net.c


def loss_and_grad(net: ThreeLayerNet, X, y, *, wd_u: float = 0.0, wd_c: float = 0.0):
    r"""Regularised square loss and its gradients (hand-written backprop).

    .. math:: \mathcal L(u, c) = \frac1{2n}\sum_i (f(x_i) - y_i)^2
              + \frac{\xi_u}2\|u\|^2 + \frac{\xi_c}2\|c\|^2,

    .. math:: \nabla_c = \frac1n\Phi_2^\top r + \xi_c c,\qquad
              \nabla_u = \frac1n\Phi_1^\top\big(r\odot(1 + \textstyle\sum_j c_j a_j
              \mathbb 1[a_j\hat g + b_j > 0])\big) + \xi_u u,

    with residual :math:`r = f - y`. Stage 1 of Algorithm 1 is GD on ``u`` at
    ``c = 0``; stage 2 is GD on ``c`` at fixed ``u``.

    Returns
    -------
    (loss: float, grad_u: (m1 + 1,), grad_c: (m2 + 1,))

    Examples
    --------
    >>> net = init_three_layer(3, k=2, width1=6, width2=4, rng=np.random.default_rng(0))
    >>> loss, gu, gc = loss_and_grad(net, np.zeros((2, 3)), np.array([1.0, -1.0]))
    >>> loss, gu.shape, gc.shape
    (0.5, (7,), (5,))
    """
    net = _net(net)
    X, y = _data(X, y, net.dim)
    wd_u, wd_c = _nonneg("wd_u", wd_u), _nonneg("wd_c", wd_c)
    P1 = first_layer_features(net, X)
    g = P1 @ net.u
    P2 = second_layer_features(net, g)
    r = g + P2 @ net.c - y
    n = X.shape[0]
    loss = 0.5 * float(r @ r) / n + 0.5 * wd_u * float(net.u @ net.u) + 0.5 * wd_c * float(net.c @ net.c)
    grad_c = P2.T @ r / n + wd_c * net.c
    active = (P2[:, 1:] > 0).astype(float)  # (n, m2)
    dfdg = 1.0 + active @ (net.c[1:] * net.a)
    grad_u = P1.T @ (r * dfdg) / n + wd_u * net.u
    return loss, grad_u, grad_c


def _ridge_solve(F: np.ndarray, y: np.ndarray, ridge: float, name: str) -> np.ndarray:
    """argmin (1/2n)|F w - y|^2 + (ridge/2)|w|^2 via Cholesky of the p x p normal matrix."""
    n, p = F.shape
    if ridge == 0.0 and n < p:
        raise ValueError(
            f"{name}: least squares needs n_samples >= number of features; got n = {n} < {p} "
            "(use a positive ridge)"
        )
    A = F.T @ F / n + ridge * np.eye(p)
    rhs = F.T @ y / n
    try:
        return scipy.linalg.solve(A, rhs, assume_a="pos")
    except (np.linalg.LinAlgError, scipy.linalg.LinAlgError):
        return scipy.linalg.lstsq(F, y)[0] if ridge == 0.0 else np.linalg.solve(A, rhs)


def _gd(net, X, y, which: str, wd: float, n_steps: int) -> np.ndarray:
    """Gradient descent on u (c frozen) or c (u frozen) with step 1/smoothness."""
    if which == "u":
        P = first_layer_features(net, X)
    else:
        P = second_layer_features(net, feature_map(net, X))
    smooth = float(np.linalg.eigvalsh(P.T @ P / X.shape[0])[-1]) + wd
    lr = 1.0 / smooth
    for _ in range(n_steps):
        _, gu, gc = loss_and_grad(net, X, y, wd_u=wd if which == "u" else 0.0, wd_c=wd if which == "c" else 0.0)
        net = replace(net, u=net.u - lr * gu) if which == "u" else replace(net, c=net.c - lr * gc)
    return net.u if which == "u" else net.c


def train_stage1(
    net: ThreeLayerNet, X, y, *, ridge: float, solver: Literal["ridge", "gd"] = "ridge", n_steps: int = 500
) -> ThreeLayerNet:
    r"""Stage 1 of Algorithm 1: fit ``u`` with ``c = 0`` (returns a new net with ``c = 0``).

    .. math:: \hat u = \arg\min_u \frac1{2n}\|\Phi_1 u - y\|^2 + \frac{\xi_1}2\|u\|^2

    Parameters
    ----------
    X : (n, d), y : (n,) -- the stage-1 sample :math:`D_1`
    ridge : weight decay :math:`\xi_1 \ge 0` (0 = least squares, needs n >= m1 + 1)
    solver : ``"ridge"`` (closed form) or ``"gd"`` (``n_steps`` of GD, step 1/smoothness)

    Examples
    --------
    >>> net = init_three_layer(3, k=2, first_layer='hermite', rng=np.random.default_rng(0))
    >>> X = np.random.default_rng(1).standard_normal((200, 3)); y = X[:, 0] * X[:, 1]
    >>> net = train_stage1(net, X, y, ridge=1e-8)
    >>> round(float(np.mean((feature_map(net, X) - y) ** 2)), 8)
    0.0
    """
    net = _net(net)
    X, y = _data(X, y, net.dim)
    ridge = _nonneg("ridge", ridge)
    n_steps = _pos_int("n_steps", n_steps, high=10**7)
    net0 = replace(net, c=np.zeros_like(net.c))
    V.choice("solver", solver, ("ridge", "gd"))
    if solver == "ridge":
        u = _ridge_solve(first_layer_features(net0, X), y, ridge, "X (stage 1)")
    elif solver == "gd":
        u = _gd(net0, X, y, "u", ridge, n_steps)
    else:
        raise ValueError(f"solver must be 'ridge' or 'gd'; got {solver!r}")
    return replace(net0, u=u)


def train_stage2(
    net: ThreeLayerNet,
    X,
    y,
    *,
    ridges: float | Sequence[float] = (1e-6, 1e-4, 1e-3, 1e-2, 1e-1),
    val_fraction: float = 0.2,
    solver: Literal["ridge", "gd"] = "ridge",
    n_steps: int = 2000,
) -> tuple[ThreeLayerNet, dict]:
    r"""Stage 2 of Algorithm 1: fit ``c`` with ``u`` frozen on a fresh sample :math:`D_2`.

    .. math:: \hat c = \arg\min_c \frac1{2n}\|\Phi_2(\hat g)c - (y - \hat g)\|^2 + \frac{\xi_2}2\|c\|^2

    With several ``ridges`` the weight decay is chosen on the last ``val_fraction``
    of :math:`D_2` (never on test data), then ``c`` is refitted on all of :math:`D_2`.

    Returns
    -------
    (net with fitted c, info dict with ``ridge`` and ``val_errors``)

    Examples
    --------
    >>> net = init_three_layer(3, k=2, first_layer='hermite', width2=10, rng=np.random.default_rng(0))
    >>> X = np.random.default_rng(1).standard_normal((200, 3)); y = X[:, 0]
    >>> net = train_stage1(net, X[:100], y[:100], ridge=1e-8)
    >>> net, info = train_stage2(net, X[100:], y[100:])
    >>> sorted(info)
    ['ridge', 'val_errors']
    """
    net = _net(net)
    X, y = _data(X, y, net.dim)
    n_steps = _pos_int("n_steps", n_steps, high=10**7)
    lam = np.atleast_1d(V.array("ridges", ridges))
    if lam.ndim != 1 or lam.size == 0 or np.any(lam < 0):
        raise ValueError(f"ridges must be a non-empty 1-D sequence of finite values >= 0; got {ridges!r}")
    g = feature_map(net, X)
    P2 = second_layer_features(net, g)
    r = y - g
    info: dict = {"ridge": float(lam[0]), "val_errors": None}
    if lam.size > 1:
        val_fraction = V.probability("val_fraction", val_fraction, low_open=True, high_open=True)
        n_val = round(val_fraction * X.shape[0])
        if n_val < 1 or n_val >= X.shape[0]:
            raise ValueError(f"X: too few samples ({X.shape[0]}) for a validation split")
        sel = select_ridge(P2[:-n_val], r[:-n_val], P2[-n_val:], r[-n_val:], lam)
        info = {"ridge": sel.ridge, "val_errors": sel.val_errors}
    # select_ridge / ridge_path penalise (1/n)|.|^2 + lam |w|^2, i.e. xi_2 = lam here
    V.choice("solver", solver, ("ridge", "gd"))
    if solver == "ridge":
        c = _ridge_solve(P2, r, info["ridge"], "X (stage 2)")
    elif solver == "gd":
        c = _gd(replace(net, c=np.zeros_like(net.c)), X, y, "c", info["ridge"], n_steps)
    else:
        raise ValueError(f"solver must be 'ridge' or 'gd'; got {solver!r}")
    return replace(net, c=c), info


def train_layerwise(
    net: ThreeLayerNet,
    X,
    y,
    *,
    n_stage1: int,
    ridge1: float = 0.0,
    ridges2: float | Sequence[float] = (1e-6, 1e-4, 1e-3, 1e-2, 1e-1),
    val_fraction: float = 0.2,
    solver: Literal["ridge", "gd"] = "ridge",
) -> tuple[ThreeLayerNet, dict]:
    r"""Algorithm 1 with sample splitting: the first ``n_stage1`` rows are :math:`D_1`
    (stage 1), the remaining rows are the fresh :math:`D_2` (stage 2).

    Reusing :math:`D_1` in stage 2 would fit the link on an over-fitted
    :math:`\hat g`; the paper splits, and so does this function.

    Returns
    -------
    (trained net, info dict from :func:`train_stage2`)

    Examples
    --------
    >>> net = init_three_layer(3, k=2, first_layer='hermite', width2=10, rng=np.random.default_rng(0))
    >>> X = np.random.default_rng(1).standard_normal((400, 3)); y = X[:, 0] ** 2 - 1
    >>> net, info = train_layerwise(net, X, y, n_stage1=200, ridge1=1e-6)
    >>> bool(np.mean((forward(net, X) - y) ** 2) < 0.05)
    True
    """
    net = _net(net)
    X, y = _data(X, y, net.dim)
    n1 = _pos_int("n_stage1", n_stage1)
    ridge1 = _nonneg("ridge1", ridge1)
    r2 = np.atleast_1d(V.array("ridges2", ridges2))
    if r2.ndim != 1 or r2.size == 0 or np.any(r2 < 0):
        raise ValueError(f"ridges2 must be a non-empty 1-D sequence of values >= 0; got {ridges2!r}")
    if n1 >= X.shape[0]:
        raise ValueError(f"n_stage1 must be < n_samples = {X.shape[0]} (stage 2 needs fresh data); got {n1}")
    net1 = train_stage1(net, X[:n1], y[:n1], ridge=ridge1, solver=solver)
    return train_stage2(net1, X[n1:], y[n1:], ridges=ridges2, val_fraction=val_fraction, solver=solver)


# --------------------------------------------------------------------------- #
# kernel baselines
# --------------------------------------------------------------------------- #
def _relu_ntk_one_hidden(X: np.ndarray, X2: np.ndarray) -> np.ndarray:
    r"""NTK of a one-hidden-layer ReLU network (NTK parameterisation, weight variance 2,
    no bias; append a constant coordinate to X for a bias), arc-cosine closed form
    (Cho & Saul 2009; Jacot et al. 2018):

    .. math:: \Sigma^0 = \tfrac{x\cdot x'}{d},\quad
              \Sigma^1 = \tfrac{\sqrt{\Sigma^0_{xx}\Sigma^0_{x'x'}}}{\pi}(\sin\theta + (\pi-\theta)\cos\theta),\quad
              \dot\Sigma^1 = \tfrac{\pi-\theta}{\pi},\quad \Theta = \Sigma^1 + \Sigma^0\dot\Sigma^1.

    To be absorbed by ``theorylab.kernels`` (fully connected NNGP/NTK recursions).
    """
    d = X.shape[1]
    S = X @ X2.T / d
    n1 = np.sqrt(np.einsum("ij,ij->i", X, X) / d)
    n2 = np.sqrt(np.einsum("ij,ij->i", X2, X2) / d)
    norm = np.outer(n1, n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cos = np.where(norm > 0, S / norm, 0.0)
    theta = np.arccos(np.clip(cos, -1.0, 1.0))
    sigma1 = norm / math.pi * (np.sin(theta) + (math.pi - theta) * np.cos(theta))
    sdot = (math.pi - theta) / math.pi
    return sigma1 + S * sdot


def relu_ntk(X, X2=None) -> np.ndarray:
    r"""ReLU NTK (one hidden layer) on the bias-augmented inputs :math:`[x, 1]`.

    Uses ``theorylab.kernels.fc.nngp_ntk(depth=1, weight_var=2)`` when that module is
    present (input-layer variance 2, so exactly twice :func:`_relu_ntk_one_hidden`),
    otherwise the arc-cosine closed form. The overall scale is irrelevant for
    :func:`kernel_ridge_baseline`, whose ridge is relative to the mean diagonal.

    ``(n, d), (m, d) -> (n, m)``.

    Examples
    --------
    >>> K = relu_ntk(np.eye(2))
    >>> K.shape, bool(np.allclose(K, K.T))
    ((2, 2), True)
    """
    X = V.array("X", X)
    X2 = X if X2 is None else V.array("X2", X2)
    if X.ndim != 2 or X2.ndim != 2 or X.shape[1] != X2.shape[1]:
        raise ValueError(f"X and X2 must be 2-D with the same number of columns; got {X.shape}, {X2.shape}")
    Xa = np.concatenate([X, np.ones((X.shape[0], 1))], axis=1)
    X2a = np.concatenate([X2, np.ones((X2.shape[0], 1))], axis=1)
    try:  # pragma: no cover - depends on another engineer's module
        from theorylab.kernels.fc import nngp_ntk
    except ImportError:
        return _relu_ntk_one_hidden(Xa, X2a)
    return nngp_ntk(Xa, X2a, depth=1, activation="relu", weight_var=2.0, bias_var=0.0,
                    parameterization="ntk")[1]


def rbf_kernel(X, X2=None, *, gamma: float) -> np.ndarray:
    r"""Gaussian kernel :math:`\exp(-\gamma\|x - x'\|^2)`, ``(n, d), (m, d) -> (n, m)``.

    Examples
    --------
    >>> rbf_kernel([[0.0], [1.0]], gamma=1.0).round(6).tolist()
    [[1.0, 0.367879], [0.367879, 1.0]]
    """
    gamma = _nonneg("gamma", gamma)
    X = V.array("X", X, ndim=2)
    X2 = X if X2 is None else V.array("X2", X2, ndim=2)
    if X2.shape[1] != X.shape[1]:
        raise ValueError(f"X and X2 must have the same number of columns; got {X.shape[1]} and {X2.shape[1]}")
    V.elements("X.shape[0] * X2.shape[0]", (X.shape[0], X2.shape[0]))
    sq = np.einsum("ij,ij->i", X, X)[:, None] + np.einsum("ij,ij->i", X2, X2)[None, :] - 2 * X @ X2.T
    return np.exp(-gamma * np.maximum(sq, 0.0))


def kernel_ridge_baseline(
    X_train,
    y_train,
    X_val,
    y_val,
    X_test,
    *,
    kernel: Literal["relu_ntk", "rbf"] = "relu_ntk",
    gamma: float | None = None,
    rel_ridges: Sequence[float] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0),
    n_pilot: int = 2000,
) -> dict:
    r"""Kernel ridge regression with the ridge chosen on a validation set (not test).

    The ridge is relative to the mean kernel diagonal: :math:`(K + \rho\,\bar K_{ii}\, I)\alpha = y`.
    It is selected by validation MSE on ``(X_val, y_val)`` using the first
    ``n_pilot`` training points (one eigendecomposition for the whole grid), then one
    Cholesky solve on all training points gives the predictor.

    Returns
    -------
    dict with ``pred`` ((m_test,) predictions), ``rel_ridge`` (selected) and ``val_errors``.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((60, 2)); y = X[:, 0]
    >>> out = kernel_ridge_baseline(X[:40], y[:40], X[40:50], y[40:50], X[50:], kernel='rbf', gamma=0.5)
    >>> out['pred'].shape, bool(np.mean((out['pred'] - y[50:]) ** 2) < 0.1)
    ((10,), True)
    """
    X_train = V.array("X_train", X_train, ndim=2)
    d = X_train.shape[1]
    X_train, y_train = _data(X_train, y_train, d, "X_train", "y_train")
    X_val, y_val = _data(X_val, y_val, d, "X_val", "y_val")
    X_test, _ = _data(X_test, _NO_Y, d, "X_test")
    rel = np.atleast_1d(V.array("rel_ridges", rel_ridges))
    if rel.ndim != 1 or rel.size == 0 or np.any(rel <= 0):
        raise ValueError(f"rel_ridges must be a non-empty sequence of positive values; got {rel_ridges!r}")
    V.choice("kernel", kernel, ("relu_ntk", "rbf"))
    if kernel == "relu_ntk":
        kfun = relu_ntk
    elif kernel == "rbf":
        if gamma is None:
            raise ValueError("gamma is required for kernel='rbf'")
        g = _nonneg("gamma", gamma)
        kfun = lambda A, B=None: rbf_kernel(A, B, gamma=g)
    else:
        raise ValueError(f"kernel must be 'relu_ntk' or 'rbf'; got {kernel!r}")
    n_pilot = min(_pos_int("n_pilot", n_pilot, 2), X_train.shape[0])
    Xp, yp = X_train[:n_pilot], y_train[:n_pilot]
    Kp = kfun(Xp)
    diag_p = float(np.mean(np.diag(Kp)))
    # kernel_ridge_path solves (K + n lam I); n lam = rel * mean diag
    sel = select_ridge(Kp, yp, kfun(X_val, Xp), y_val, rel * diag_p / n_pilot, kernel=True)
    rho = float(rel[sel.index])
    if n_pilot == X_train.shape[0]:
        alpha = sel.coef
    else:
        K = kfun(X_train)
        K[np.diag_indices_from(K)] += rho * float(np.mean(np.diag(K)))
        alpha = scipy.linalg.solve(K, y_train, assume_a="pos", overwrite_a=True)
    return {"pred": kfun(X_test, X_train) @ alpha, "rel_ridge": rho, "val_errors": sel.val_errors}

r"""Ensembles of finite-width fully connected networks, vectorised over the ensemble,
with hand-written backpropagation: outputs, per-example parameter gradients, the
empirical NNGP and the empirical NTK; plus the exact "Gram-resampling" sampler of
preactivations.

Network with widths ``(n_0, n_1, ..., n_L, 1)`` (``L`` hidden layers, scalar readout),
raw parameters :math:`U^{(\ell)}_{ij}, \beta^{(\ell)}_i \sim N(0, 1)` and

.. math:: z^{(\ell)} = \sqrt{C_W/n_{\ell-1}}\; U^{(\ell)} h^{(\ell-1)} + \sqrt{C_b}\,\beta^{(\ell)},
          \qquad h^{(0)} = x,\ h^{(\ell)} = \sigma(z^{(\ell)}),\ f = z^{(L+1)}.

The distribution of the function is the same in the NTK and the standard
parameterisation; they differ in the tangent kernel:

- ``ntk``: gradient w.r.t. the raw parameters,
  :math:`\hat\Theta = \sum_\ell \frac{C_W}{n_{\ell-1}}(\delta^{(\ell)}\cdot\delta'^{(\ell)})
  (h^{(\ell-1)}\cdot h'^{(\ell-1)}) + C_b\,\delta^{(\ell)}\cdot\delta'^{(\ell)}`;
- ``standard``: gradient w.r.t. :math:`W = \sqrt{C_W/n}U`, :math:`b = \sqrt{C_b}\beta`
  with the book's per-layer learning rates :math:`\lambda_W/n_{\ell-1}, \lambda_b`
  (Roberts, Yaida & Hanin 2022, ch. 7-8 [inferred]): replace :math:`C_W, C_b` by
  :math:`\lambda_W, \lambda_b` in the sum above,

where :math:`\delta^{(\ell)} = \partial f/\partial z^{(\ell)}` is obtained by backprop:
:math:`\delta^{(L+1)} = 1`, :math:`\delta^{(\ell)} = \sigma'(z^{(\ell)})\odot
\sqrt{C_W/n_\ell}\,U^{(\ell+1)\top}\delta^{(\ell+1)}`.

Shapes: ensemble size ``E``, inputs ``X`` of shape ``(k, n_0)`` shared by all networks.
Used by ``notebooks/kernels/pdlt-criticality-finite-width.md``.

:func:`to_dense` maps an ensemble onto :class:`theorylab.nets.dense.DenseNet` (the one
vector-output network of the package) with a batch of ``E`` parameter vectors, so
per-example Jacobians for any ``n_out``, input gradients and exact Hessian-vector
products of an ensemble member come from the same backprop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from .._validate import nonneg_real
from ..kernels.dual import ACTIVATIONS

__all__ = [
    "MLPEnsemble",
    "empirical_nngp",
    "empirical_ntk",
    "init_mlp",
    "mlp_forward",
    "mlp_param_grads",
    "sample_ntk_ensemble",
    "sample_preactivations",
    "to_dense",
]

Activation = str | tuple


@dataclass(frozen=True)
class MLPEnsemble:
    """Raw parameters of ``E`` networks: ``U[l]`` (E, n_{l+1}, n_l), ``beta[l]`` (E, n_{l+1})
    for the ``L + 1`` dense layers, and the variances :math:`C_W, C_b`."""

    U: tuple
    beta: tuple
    weight_var: float
    bias_var: float

    def __post_init__(self) -> None:
        for name in ("U", "beta"):
            v = getattr(self, name)
            if not isinstance(v, (list, tuple)) or not v:
                raise TypeError(f"{name} must be a non-empty tuple of arrays, one per layer; got {type(v).__name__}")
        if len(self.U) != len(self.beta):
            raise ValueError(f"U and beta must have one array per layer; got {len(self.U)} and {len(self.beta)}")
        U = tuple(V.shaped_array(f"U[{l}]", u, ndim=3) for l, u in enumerate(self.U))
        E = U[0].shape[0]
        for l in range(1, len(U)):
            if U[l].shape[0] != E or U[l].shape[2] != U[l - 1].shape[1]:
                raise ValueError(f"U[{l}] must have shape ({E}, n_{l + 1}, {U[l - 1].shape[1]}); got {U[l].shape}")
        beta = tuple(V.shaped_array(f"beta[{l}]", b, shape=(E, u.shape[1])) for l, (u, b) in enumerate(zip(U, self.beta)))
        object.__setattr__(self, "U", U)
        object.__setattr__(self, "beta", beta)
        object.__setattr__(self, "weight_var", nonneg_real("weight_var", self.weight_var))
        object.__setattr__(self, "bias_var", nonneg_real("bias_var", self.bias_var))

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.U[0].shape[2],) + tuple(u.shape[1] for u in self.U)

    @property
    def n_ensemble(self) -> int:
        return self.U[0].shape[0]


def _acts(activation: Activation) -> tuple[Callable, Callable]:
    if isinstance(activation, str):
        if activation not in ACTIVATIONS or ACTIVATIONS[activation][1] is None:
            raise ValueError(
                f"activation {activation!r} unknown or without a pointwise derivative; "
                f"known: {sorted(k for k, v in ACTIVATIONS.items() if v[1] is not None)}"
            )
        return ACTIVATIONS[activation]
    if isinstance(activation, tuple) and len(activation) == 2 and all(callable(f) for f in activation):
        return activation
    raise TypeError("activation must be a registered name or a (phi, dphi) pair of callables")


_check_var = nonneg_real


def _check_int(name: str, v, lo: int) -> int:
    return V.count(name, v, low=lo)


def _check_rng(rng) -> None:
    V.generator("rng", rng)


def _check_net(net) -> "MLPEnsemble":
    return V.instance("net", net, MLPEnsemble, hint="build one with init_mlp")


def _check_X(X, n0: int | None) -> np.ndarray:
    A = V.shaped_array("X", X, ndim=2, nonempty=True)
    if n0 is not None and A.shape[1] != n0:
        raise ValueError(f"X has {A.shape[1]} features but the network expects n_0 = {n0}")
    return A


def init_mlp(
    widths: Sequence[int],
    n_ensemble: int,
    *,
    rng: np.random.Generator,
    weight_var: float = 2.0,
    bias_var: float = 0.0,
) -> MLPEnsemble:
    """Draw ``n_ensemble`` networks with widths ``(n_0, ..., n_L, n_out)``.

    Raw parameters are i.i.d. N(0, 1); the variances enter in :func:`mlp_forward`.
    Memory: ``n_ensemble * sum(n_l n_{l+1})`` doubles.
    """
    _check_rng(rng)
    if isinstance(widths, (list, tuple)) and len(widths) < 2:
        raise ValueError("widths must be a sequence (n_0, ..., n_out) of at least 2 ints")
    ws = list(V.int_sequence("widths", widths, low=1, high=V.MAX_COUNT, min_length=2))
    E = _check_int("n_ensemble", n_ensemble, 1)
    V.elements("n_ensemble * sum(n_l n_{l+1}) (the weights)", E * sum(a * b for a, b in zip(ws, ws[1:])))
    cw = _check_var("weight_var", weight_var)
    cb = _check_var("bias_var", bias_var)
    U = tuple(rng.standard_normal((E, ws[l + 1], ws[l])) for l in range(len(ws) - 1))
    beta = tuple(rng.standard_normal((E, ws[l + 1])) for l in range(len(ws) - 1))
    return MLPEnsemble(U=U, beta=beta, weight_var=cw, bias_var=cb)


def mlp_forward(net: MLPEnsemble, X, activation: Activation = "relu"):
    r"""Outputs and intermediate activations of every network.

    Returns
    -------
    f : (E, k, n_out) outputs;
    zs : list of L + 1 preactivations, ``zs[l]`` (E, k, n_{l+1});
    hs : list of L + 1 layer inputs, ``hs[0]`` = X broadcast (E, k, n_0), ``hs[l] = phi(zs[l-1])``.
    """
    phi, _ = _acts(activation)
    _check_net(net)
    Xa = _check_X(X, net.widths[0])
    E = net.n_ensemble
    h = np.broadcast_to(Xa, (E,) + Xa.shape)
    zs, hs = [], [h]
    sb = np.sqrt(net.bias_var)
    for l, (U, b) in enumerate(zip(net.U, net.beta)):
        s = np.sqrt(net.weight_var / U.shape[2])
        z = np.matmul(h, np.swapaxes(U, 1, 2))
        z *= s
        if sb:
            z += sb * b[:, None, :]
        zs.append(z)
        if l < len(net.U) - 1:
            h = phi(z)
            hs.append(h)
    return zs[-1], zs, hs


def _backprop(net: MLPEnsemble, zs, dphi) -> list[np.ndarray]:
    """deltas[l] = d f / d zs[l], (E, k, n_{l+1}); requires a scalar output."""
    E, k, _ = zs[-1].shape
    deltas = [None] * len(zs)
    d = np.ones((E, k, 1))
    deltas[-1] = d
    for l in range(len(zs) - 2, -1, -1):
        U = net.U[l + 1]
        s = np.sqrt(net.weight_var / U.shape[2])
        d = np.matmul(d, U) * s  # (E,k,n_{l+2}) @ (E, n_{l+2}, n_{l+1})
        d *= dphi(zs[l])
        deltas[l] = d
    return deltas


def mlp_param_grads(net: MLPEnsemble, X, activation: Activation = "relu"):
    r"""Per-example gradients of the scalar output w.r.t. the raw parameters.

    Returns a list over layers of pairs ``(dU, dbeta)`` with ``dU`` (E, k, n_{l+1}, n_l)
    = :math:`\sqrt{C_W/n_l}\,\delta^{(l+1)}\otimes h^{(l)}` and ``dbeta`` (E, k, n_{l+1})
    = :math:`\sqrt{C_b}\,\delta^{(l+1)}`. Memory ``E k sum n_l n_{l+1}``; meant for tests
    and small nets (:func:`empirical_ntk` never forms it).
    """
    _, dphi = _acts(activation)
    _check_net(net)
    if net.U[-1].shape[1] != 1:
        raise ValueError("gradients are implemented for a scalar output (n_out = 1)")
    k = _check_X(X, net.widths[0]).shape[0]
    V.elements("n_ensemble * k * n_params (the per-example gradients)",
               net.n_ensemble * k * sum(u.shape[1] * (u.shape[2] + 1) for u in net.U))
    _, zs, hs = mlp_forward(net, X, activation)
    deltas = _backprop(net, zs, dphi)
    out = []
    for l, U in enumerate(net.U):
        s = np.sqrt(net.weight_var / U.shape[2])
        dU = s * deltas[l][..., :, None] * hs[l][..., None, :]
        db = np.sqrt(net.bias_var) * deltas[l]
        out.append((dU, db))
    return out


def empirical_nngp(net: MLPEnsemble, X, activation: Activation = "relu") -> np.ndarray:
    r"""Conditional covariance of the output given the last hidden layer,
    :math:`C_b + C_W\, h^{(L)}h^{(L)\top}/n_L`, per network: (E, k, k).

    Its ensemble mean is the NNGP kernel of :func:`theorylab.kernels.nngp_ntk`
    (exactly in expectation at every width for the first layer; up to O(1/n) deeper).
    """
    _acts(activation)
    _check_net(net)
    _, _, hs = mlp_forward(net, X, activation)
    h = hs[-1]
    return net.bias_var + net.weight_var * np.matmul(h, np.swapaxes(h, 1, 2)) / h.shape[2]


def empirical_ntk(
    net: MLPEnsemble,
    X,
    activation: Activation = "relu",
    *,
    parameterization: str = "ntk",
    lr_weight: float = 1.0,
    lr_bias: float = 1.0,
) -> np.ndarray:
    r"""Empirical NTK of every network, (E, k, k), by hand-written backprop:

    .. math:: \hat\Theta(x, x') = \sum_{\ell=1}^{L+1}
        \left[\frac{c_W}{n_{\ell-1}}(\delta^{(\ell)}\cdot\delta'^{(\ell)})(h^{(\ell-1)}\cdot h'^{(\ell-1)})
        + c_b\,\delta^{(\ell)}\cdot\delta'^{(\ell)}\right]

    with :math:`(c_W, c_b) = (C_W, C_b)` (``ntk``) or :math:`(\lambda_W, \lambda_b)`
    (``standard``). Equals :math:`J J^\top` of the raw-parameter Jacobian in the ``ntk``
    case; its ensemble mean tends to the analytic NTK as the widths grow.
    """
    _, dphi = _acts(activation)
    _check_net(net)
    V.choice("parameterization", parameterization, ("ntk", "standard"))
    lw, lb = _check_var("lr_weight", lr_weight), _check_var("lr_bias", lr_bias)
    if parameterization == "ntk":
        cw, cb = net.weight_var, net.bias_var
    else:
        cw, cb = lw, lb
    if net.U[-1].shape[1] != 1:
        raise ValueError("the empirical NTK is implemented for a scalar output (n_out = 1)")
    _, zs, hs = mlp_forward(net, X, activation)
    deltas = _backprop(net, zs, dphi)
    E, k = zs[0].shape[:2]
    theta = np.zeros((E, k, k))
    for l in range(len(zs)):
        dd = np.matmul(deltas[l], np.swapaxes(deltas[l], 1, 2))
        hh = np.matmul(hs[l], np.swapaxes(hs[l], 1, 2))
        theta += dd * (cw / hs[l].shape[2] * hh + cb)
    return theta


_DENSE_NAMES = {"identity": "linear"}


def to_dense(net: MLPEnsemble, activation: str = "relu"):
    r"""The ensemble as one :class:`~theorylab.nets.dense.DenseNet` and a batch of
    parameter vectors ``theta`` (E, P): layer blocks :math:`[U^{(\ell)} \mid \beta^{(\ell)}]`
    with weight multiplier :math:`\sqrt{C_W/n_{\ell-1}}` and bias multiplier :math:`\sqrt{C_b}`,
    so ``dense.forward(theta, X)`` equals :func:`mlp_forward` and ``dense.jacobian`` the
    raw-parameter gradients of :func:`mlp_param_grads` (for any ``n_out``).

    ``activation`` must be registered in :data:`theorylab.nets.dense.ACTIVATIONS`
    (``"identity"`` is accepted as ``"linear"``).

    Examples
    --------
    >>> import numpy as np
    >>> net = init_mlp([3, 4, 2], 5, rng=np.random.default_rng(0), bias_var=0.1)
    >>> dn, theta = to_dense(net, "tanh")
    >>> X = np.ones((2, 3))
    >>> bool(np.allclose(dn.forward(theta, X), mlp_forward(net, X, "tanh")[0]))
    True
    """
    from .dense import ACTIVATIONS as DENSE_ACTS
    from .dense import DenseNet

    _check_net(net)
    V.text("activation", activation)
    name = _DENSE_NAMES.get(activation, activation)
    if not isinstance(name, str) or name not in DENSE_ACTS:
        raise ValueError(f"activation must be one of {sorted(DENSE_ACTS)} (or 'identity'); got {activation!r}")
    ws = net.widths
    dn = DenseNet(ws, activation=name, bias=True,
                  weight_mult=tuple(float(np.sqrt(net.weight_var / ws[l])) for l in range(len(ws) - 1)),
                  bias_mult=float(np.sqrt(net.bias_var)))
    theta = np.concatenate([np.concatenate([U, b[..., None]], axis=-1).reshape(net.n_ensemble, -1)
                            for U, b in zip(net.U, net.beta)], axis=-1)
    return dn, theta


def sample_ntk_ensemble(
    X,
    widths: Sequence[int],
    n_ensemble: int,
    *,
    rng: np.random.Generator,
    activation: Activation = "relu",
    weight_var: float = 2.0,
    bias_var: float = 0.0,
    chunk: int = 200,
) -> dict[str, np.ndarray]:
    """Draw ``n_ensemble`` networks in chunks of ``chunk`` (memory bound) and return
    their outputs ``f`` (E, k), empirical NNGP ``K`` (E, k, k) and NTK ``Theta`` (E, k, k)
    (``ntk`` parameterisation). Widths ``(n_0, ..., n_L, 1)``."""
    _check_rng(rng)
    _acts(activation)
    E = _check_int("n_ensemble", n_ensemble, 1)
    c = _check_int("chunk", chunk, 1)
    Xa = _check_X(X, None)
    V.elements("n_ensemble * k * k (the kernels)", E * Xa.shape[0] ** 2)
    ws = V.int_sequence("widths", widths, low=1, high=V.MAX_COUNT, min_length=2)
    if ws[0] != Xa.shape[1] or ws[-1] != 1:
        raise ValueError(f"widths must be (n_0, ..., n_L, 1) with n_0 = {Xa.shape[1]} (the features of X); got {ws}")
    fs, Ks, Ts = [], [], []
    for e0 in range(0, E, c):
        net = init_mlp(widths, min(c, E - e0), rng=rng, weight_var=weight_var, bias_var=bias_var)
        f, _, hs = mlp_forward(net, Xa, activation)
        fs.append(f[..., 0])
        h = hs[-1]
        Ks.append(net.bias_var + net.weight_var * np.matmul(h, np.swapaxes(h, 1, 2)) / h.shape[2])
        Ts.append(empirical_ntk(net, Xa, activation))
    return {"f": np.concatenate(fs), "K": np.concatenate(Ks), "Theta": np.concatenate(Ts)}


def sample_preactivations(
    X,
    *,
    depth: int,
    width: int,
    n_ensemble: int,
    rng: np.random.Generator,
    activation: Activation = "relu",
    weight_var: float = 2.0,
    bias_var: float = 0.0,
) -> dict[str, np.ndarray]:
    r"""Exact "Gram-resampling" sampler of the preactivations of ``n_ensemble``
    equal-width networks, without drawing weight matrices.

    Given the activations :math:`h^{(\ell)}` of layer :math:`\ell` (on the k inputs), the
    next preactivations are exactly i.i.d. over units
    :math:`z^{(\ell+1)}_i \sim N(0, G^{(\ell+1)})`,
    :math:`G^{(\ell+1)} = C_b + C_W\,h^{(\ell)}h^{(\ell)\top}/n` (k x k), since the rows
    of a Gaussian weight matrix are independent. Cost O(E k n) per layer instead of
    O(E k n^2). :math:`G^{(1)} = C_b + C_W XX^\top/n_0`.

    Parameters
    ----------
    X : (k, n_0) inputs;  depth : number of layers L >= 1;  width : n (all hidden layers)

    Returns
    -------
    dict with ``G`` (L, E, k, k): conditional covariance of layer l+1 given layer l
    (index l-1 for layer l); ``z`` (L, E, k, width): the preactivations.
    """
    _check_rng(rng)
    phi, _ = _acts(activation)
    Xa = _check_X(X, None)
    L = _check_int("depth", depth, 1)
    n = _check_int("width", width, 1)
    E = _check_int("n_ensemble", n_ensemble, 1)
    cw = _check_var("weight_var", weight_var)
    cb = _check_var("bias_var", bias_var)
    k, n0 = Xa.shape
    V.elements("depth * n_ensemble * k * max(k, width) (the preactivations)", L * E * k * max(k, n))
    G = np.empty((L, E, k, k))
    Z = np.empty((L, E, k, n))
    G[0] = cb + cw * (Xa @ Xa.T) / n0
    for l in range(L):
        # symmetric square root of each k x k Gram (PSD; eigh handles rank deficiency)
        if k == 1:
            root = np.sqrt(np.maximum(G[l], 0.0))
        else:
            evals, evecs = np.linalg.eigh(G[l])
            root = evecs * np.sqrt(np.maximum(evals, 0.0))[:, None, :]
        Z[l] = np.matmul(root, rng.standard_normal((E, k, n)))
        if l + 1 < L:
            h = phi(Z[l])
            G[l + 1] = cb + cw * np.matmul(h, np.swapaxes(h, 1, 2)) / n
    return {"G": G, "z": Z}

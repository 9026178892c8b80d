r"""A fully connected network with vector output and exact first- and second-order
derivatives by hand-written backpropagation: outputs, per-example parameter Jacobians,
input gradients, Jacobian-vector and vector-Jacobian products, Gauss-Newton-vector
products and exact Hessian-vector products (Pearlmutter's R-operator, no finite
differences).

Network with widths :math:`(n_0, n_1, \dots, n_L)` (``L`` dense layers, ``L - 1``
hidden activations, linear read-out):

.. math:: \bar a_\ell = [\,m_\ell\,a_\ell,\ \mu_\ell\,] ,\qquad
          z_\ell = \tilde W_\ell\,\bar a_\ell ,\qquad a_{\ell+1} = \sigma_\ell(z_\ell),
          \qquad a_0 = x,\quad f(x;\theta) = z_{L-1},

where :math:`\tilde W_\ell = [W_\ell \mid b_\ell] \in \mathbb R^{n_{\ell+1}\times(n_\ell+1)}`
holds the weights and, in its last column, the bias (dropped when the layer has no
bias), :math:`m_\ell` is a fixed weight multiplier (1 in the standard parameterisation,
:math:`\sqrt{C_W/n_\ell}` in the NTK parameterisation of :mod:`theorylab.nets.mlp`) and
:math:`\mu_\ell` the bias multiplier.

**Parameter layout.** ``theta`` is one flat vector: the blocks :math:`\tilde W_0, \dots,
\tilde W_{L-1}`, each flattened row-major. With this layout the gradient block of layer
:math:`\ell` for one example and one output :math:`o` is the Kronecker product

.. math:: \partial f_o / \partial \operatorname{vec}\tilde W_\ell = g_{\ell,o} \otimes \bar a_\ell,
          \qquad g_{\ell,o} = \partial f_o / \partial z_\ell ,

the structure that K-FAC exploits (:mod:`theorylab.curvature`) and the degeneracy
counts of Bushnaq et al. (2024) are built on.

**Batches of networks.** ``theta`` may carry leading batch dimensions ``(..., P)``
(an ensemble, seeds, training variants), and ``X`` may be ``(n, n_0)`` shared or
``(..., n, n_0)``; every method broadcasts them, so ``R`` networks train in one call.

**Complex step.** ``forward``, ``jvp``, ``vjp`` and ``hvp`` accept complex ``theta``
(and ``v``) with the built-in activations, so derivatives can be checked by the complex
step (:mod:`theorylab.numdiff`) to round-off.

Used by ``kernels/degeneracy-interaction-basis``, ``learning-theory/influence-ekfac``,
``learning-theory/target-surrogates`` and ``bandits-rl/odice-orthogonal-gradient``;
:func:`theorylab.nets.mlp.to_dense` maps an NTK-parameterised ensemble onto it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import _validate as V

__all__ = ["ACTIVATIONS", "DenseNet", "LayerStats"]


def _relu(z):
    return z * (z.real > 0)


def _relu_d(z):
    return (z.real > 0).astype(float)


def _zero(z):
    return np.zeros(np.shape(z))


def _sigmoid(z):
    if np.iscomplexobj(z):
        return 1.0 / (1.0 + np.exp(-z))
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softplus(z):
    if np.iscomplexobj(z):
        return np.log1p(np.exp(z))
    return np.logaddexp(0.0, z)


def _tanh_d(z):
    t = np.tanh(z)
    return 1.0 - t * t


def _tanh_dd(z):
    t = np.tanh(z)
    return -2.0 * t * (1.0 - t * t)


def _sig_d(z):
    s = _sigmoid(z)
    return s * (1.0 - s)


def _sig_dd(z):
    s = _sigmoid(z)
    return s * (1.0 - s) * (1.0 - 2.0 * s)


ACTIVATIONS: dict[str, tuple[Callable, Callable, Callable]] = {
    "linear": (lambda z: z * 1.0, lambda z: np.ones(np.shape(z)), _zero),
    "relu": (_relu, _relu_d, _zero),
    "tanh": (np.tanh, _tanh_d, _tanh_dd),
    "sigmoid": (_sigmoid, _sig_d, _sig_dd),
    "softplus": (_softplus, _sigmoid, _sig_d),
    "sin": (np.sin, np.cos, lambda z: -np.sin(z)),
    "square": (lambda z: z * z, lambda z: 2.0 * z, lambda z: np.full(np.shape(z), 2.0)),
}
"""Activations ``name -> (phi, phi', phi'')``, vectorised and complex-step safe
(``relu``'s derivatives are those of its real part away from the kink)."""


_DPHI_FROM_OUTPUT = {  # phi'(z) from z and a = phi(z), saving a transcendental per layer
    "tanh": lambda z, a: 1.0 - a * a,
    "sigmoid": lambda z, a: a * (1.0 - a),
    "linear": lambda z, a: np.ones(np.shape(z)),
    "relu": lambda z, a: _relu_d(z),
}


def _fast_derivs(activation, n_hidden: int) -> tuple:
    names = [activation] * n_hidden if isinstance(activation, str) else (
        list(activation) if isinstance(activation, (list, tuple)) and len(activation) == n_hidden
        and not (len(activation) == 3 and all(callable(f) for f in activation)) else [activation] * n_hidden)
    out = []
    for a in names:
        if isinstance(a, str) and a in _DPHI_FROM_OUTPUT:
            out.append(_DPHI_FROM_OUTPUT[a])
        else:
            d = (ACTIVATIONS[a][1] if isinstance(a, str) else a[1])
            out.append(lambda z, _a, d=d: d(z))
    return tuple(out)


def _resolve_acts(activation, n_hidden: int) -> tuple:
    def one(a):
        if isinstance(a, str):
            if a not in ACTIVATIONS:
                raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)} or a (phi, dphi, d2phi) "
                                 f"triple of callables; got {a!r}")
            return ACTIVATIONS[a]
        if isinstance(a, tuple) and len(a) == 3 and all(callable(f) for f in a):
            return a
        raise TypeError("activation must be a registered name or a (phi, dphi, d2phi) triple of callables")

    if isinstance(activation, str) or (isinstance(activation, tuple) and len(activation) == 3
                                       and all(callable(f) for f in activation)):
        return tuple(one(activation) for _ in range(n_hidden))
    if isinstance(activation, (list, tuple)):
        if len(activation) != n_hidden:
            raise ValueError(f"activation: one per hidden layer expected ({n_hidden}); got {len(activation)}")
        return tuple(one(a) for a in activation)
    raise TypeError("activation must be a name, a (phi, dphi, d2phi) triple, or a sequence of those")


def _per_layer(name: str, v, n: int, kind) -> tuple:
    if isinstance(v, (list, tuple)):
        if len(v) != n:
            raise ValueError(f"{name}: one value per layer expected ({n}); got {len(v)}")
        return tuple(kind(name, x) for x in v)
    return tuple(kind(name, v) for _ in range(n))


def _bool(name: str, v) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool (or one bool per layer); got {type(v).__name__}")
    return bool(v)


def _fits(name: str, shape: tuple, f_shape: tuple) -> None:
    """``shape`` (..., n, n_out) must match the outputs ``f_shape`` in its last two axes
    and broadcast against them in the leading ones."""
    ok = len(shape) >= 2 and tuple(shape[-2:]) == tuple(f_shape[-2:])
    if ok:
        try:
            np.broadcast_shapes(shape[:-2], f_shape[:-2])
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(f"{name} must have the shape of the outputs (..., n, n_out) = {f_shape} "
                         f"(leading axes broadcasting); got {shape}")


@dataclass(frozen=True)
class LayerStats:
    """Forward and backward quantities of every layer (see :meth:`DenseNet.layer_stats`).

    Attributes
    ----------
    f : (..., n, n_out) outputs.
    inputs : list over layers of :math:`\\bar a_\\ell` (..., n, n_ell [+1]) -- the layer
        input times its multiplier, with the bias multiplier appended when the layer has a bias.
    preacts : list over layers of :math:`z_\\ell` (..., n, n_{ell+1}).
    out_grads : list over layers of :math:`\\partial f_o / \\partial z_\\ell`
        (..., n, n_out, n_{ell+1}).
    """

    f: np.ndarray
    inputs: list
    preacts: list
    out_grads: list


@dataclass(frozen=True)
class DenseNet:
    r"""Architecture of a fully connected network; the parameters are a separate flat
    vector ``theta`` (see the module docstring for the layout).

    Parameters
    ----------
    widths : (n_0, ..., n_L), at least two positive ints (input and output sizes).
    activation : a name from :data:`ACTIVATIONS`, a ``(phi, dphi, d2phi)`` triple, or a
        sequence of those, one per hidden layer (``L - 1`` of them).
    bias : bool or one bool per layer.
    weight_mult, bias_mult : multipliers :math:`m_\ell, \mu_\ell >= 0` (a float or one per layer).

    Examples
    --------
    >>> import numpy as np
    >>> net = DenseNet((3, 5, 2), activation="tanh")
    >>> net.n_params                                  # (5 x 4) + (2 x 6)
    32
    >>> theta = net.init(rng=np.random.default_rng(0))
    >>> X = np.random.default_rng(1).normal(size=(4, 3))
    >>> net.forward(theta, X).shape, net.jacobian(theta, X).shape
    ((4, 2), (4, 2, 32))
    >>> v = np.ones(32)
    >>> bool(np.allclose(net.jvp(theta, X, v), net.jacobian(theta, X) @ v))
    True
    """

    widths: tuple
    activation: object = "tanh"
    bias: object = True
    weight_mult: object = 1.0
    bias_mult: object = 1.0
    _acts: tuple = field(init=False, repr=False, compare=False)
    _dfast: tuple = field(init=False, repr=False, compare=False)
    _bias: tuple = field(init=False, repr=False, compare=False)
    _mw: tuple = field(init=False, repr=False, compare=False)
    _mb: tuple = field(init=False, repr=False, compare=False)
    _offsets: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.widths, (list, tuple)) or len(self.widths) < 2:
            raise ValueError("widths must be a sequence (n_0, ..., n_L) of at least 2 ints")
        ws = tuple(V.integer("widths", w, 1) for w in self.widths)
        object.__setattr__(self, "widths", ws)
        L = len(ws) - 1
        object.__setattr__(self, "_acts", _resolve_acts(self.activation, L - 1))
        object.__setattr__(self, "_dfast", _fast_derivs(self.activation, L - 1))
        object.__setattr__(self, "_bias", _per_layer("bias", self.bias, L, _bool))
        object.__setattr__(self, "_mw", _per_layer("weight_mult", self.weight_mult, L, V.nonneg_real))
        object.__setattr__(self, "_mb", _per_layer("bias_mult", self.bias_mult, L, V.nonneg_real))
        offs, o = [0], 0
        for l in range(L):
            o += ws[l + 1] * (ws[l] + self._bias[l])
            offs.append(o)
        object.__setattr__(self, "_offsets", tuple(offs))

    # ------------------------------------------------------------ layout --
    @property
    def n_layers(self) -> int:
        """Number of dense layers ``L``."""
        return len(self.widths) - 1

    @property
    def n_params(self) -> int:
        """Length ``P`` of ``theta``."""
        return self._offsets[-1]

    @property
    def block_shapes(self) -> list[tuple[int, int]]:
        """Shape ``(n_{l+1}, n_l [+1])`` of each layer's block :math:`\\tilde W_\\ell`."""
        return [(self.widths[l + 1], self.widths[l] + self._bias[l]) for l in range(self.n_layers)]

    def block_slice(self, layer: int) -> slice:
        """Slice of ``theta`` holding layer ``layer``'s block."""
        l = V.integer("layer", layer, 0)
        if l >= self.n_layers:
            raise ValueError(f"layer must be < {self.n_layers}; got {l}")
        return slice(self._offsets[l], self._offsets[l + 1])

    def unpack(self, theta) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """``theta`` (..., P) -> list of ``(W (..., n_{l+1}, n_l), b (..., n_{l+1}) or None)`` (copies)."""
        th = self._theta(theta)
        out = []
        for l, (o, k) in enumerate(self.block_shapes):
            B = th[..., self._offsets[l]:self._offsets[l + 1]].reshape(th.shape[:-1] + (o, k))
            n = self.widths[l]
            out.append((B[..., :n].copy(), B[..., n].copy() if self._bias[l] else None))
        return out

    def pack(self, params: Sequence) -> np.ndarray:
        """Inverse of :meth:`unpack`: list of ``(W, b)`` (``b`` None without bias) -> ``theta``."""
        if not isinstance(params, (list, tuple)) or len(params) != self.n_layers:
            raise ValueError(f"params must be a list of {self.n_layers} (W, b) pairs")
        blocks = []
        for l, pair in enumerate(params):
            if not isinstance(pair, (list, tuple)) or len(pair) != 2:
                raise ValueError(f"params[{l}] must be a pair (W, b)")
            W = V.real_array(f"params[{l}][0]", pair[0], min_ndim=2, allow_complex=True)
            if W.shape[-2:] != (self.widths[l + 1], self.widths[l]):
                raise ValueError(f"params[{l}][0] must have trailing shape {(self.widths[l + 1], self.widths[l])};"
                                 f" got {W.shape}")
            if self._bias[l]:
                b = V.real_array(f"params[{l}][1]", pair[1], min_ndim=1, last=self.widths[l + 1],
                                 allow_complex=True)
                lead = np.broadcast_shapes(W.shape[:-2], b.shape[:-1])
                W = np.concatenate([np.broadcast_to(W, lead + W.shape[-2:]),
                                    np.broadcast_to(b, lead + b.shape[-1:])[..., None]], axis=-1)
            elif pair[1] is not None:
                raise ValueError(f"layer {l} has no bias: params[{l}][1] must be None")
            blocks.append(W.reshape(W.shape[:-2] + (-1,)))
        lead = np.broadcast_shapes(*[b.shape[:-1] for b in blocks])
        return np.concatenate([np.broadcast_to(b, lead + b.shape[-1:]) for b in blocks], axis=-1)

    def init(self, *, rng: np.random.Generator, weight_var: float = 1.0, bias_var: float = 0.0,
             batch: tuple = ()) -> np.ndarray:
        r"""Random ``theta`` of shape ``batch + (P,)``: effective weights
        :math:`m_\ell W_\ell` i.i.d. :math:`N(0, \text{weight\_var}/n_\ell)`, effective biases
        :math:`\mu_\ell b_\ell` i.i.d. :math:`N(0, \text{bias\_var})` (raw N(0, 1) where a
        multiplier is 0)."""
        V.generator("rng", rng)
        cw = V.nonneg_real("weight_var", weight_var)
        cb = V.nonneg_real("bias_var", bias_var)
        if not isinstance(batch, tuple):
            raise TypeError("batch must be a tuple of ints")
        batch = tuple(V.integer("batch", b, 1) for b in batch)
        V.elements("batch + (n_params,)", batch + (self.n_params,))
        th = rng.standard_normal(batch + (self.n_params,))
        for l, (o, k) in enumerate(self.block_shapes):
            n = self.widths[l]
            B = th[..., self._offsets[l]:self._offsets[l + 1]].reshape(batch + (o, k))
            mw, mb = self._mw[l], self._mb[l]
            B[..., :n] *= np.sqrt(cw / n) / mw if mw > 0 else 1.0
            if self._bias[l]:
                B[..., n] *= np.sqrt(cb) / mb if mb > 0 else 1.0
            th[..., self._offsets[l]:self._offsets[l + 1]] = B.reshape(batch + (-1,))
        return th

    # --------------------------------------------------------- validation --
    def _theta(self, theta, name: str = "theta") -> np.ndarray:
        return V.real_array(name, theta, min_ndim=1, last=self.n_params, allow_complex=True)

    def _X(self, X) -> np.ndarray:
        return V.real_array("X", X, min_ndim=2, last=self.widths[0], allow_complex=True)

    def _cot(self, U, name: str = "cotangent") -> np.ndarray:
        return V.real_array(name, U, min_ndim=2, last=self.widths[-1], allow_complex=True)

    # -------------------------------------------------------------- core --
    def _blocks(self, th):
        return [th[..., self._offsets[l]:self._offsets[l + 1]].reshape(th.shape[:-1] + s)
                for l, s in enumerate(self.block_shapes)]

    def _abar(self, l: int, a):
        x = self._mw[l] * a
        if not self._bias[l]:
            return x
        return np.concatenate([x, np.broadcast_to(np.asarray(self._mb[l], dtype=x.dtype), x.shape[:-1] + (1,))],
                              axis=-1)

    def _weff(self, l: int, B):
        """Effective weight :math:`m_\\ell W_\\ell` of a block (drops the bias column)."""
        W = B[..., :self.widths[l]]
        return W if self._mw[l] == 1.0 else self._mw[l] * W

    def _lin(self, l: int, a, B, bias: bool = True):
        """:math:`m_\\ell a W^\\top + \\mu_\\ell b` for the block ``B`` = [W | b] (bias term optional)."""
        n = self.widths[l]
        z = np.matmul(a, np.swapaxes(B[..., :n], -1, -2))
        if self._mw[l] != 1.0:
            z = z * self._mw[l]
        if bias and self._bias[l] and self._mb[l] != 0.0:
            z = z + self._mb[l] * B[..., None, :, n]
        return z

    def _outer(self, l: int, d, a, bias: bool = True):
        """Gradient block of layer ``l`` for backward vectors ``d`` (..., n, o) and inputs ``a``:
        ``[m d^T a | mu sum_i d]`` (the bias column is 0 with ``bias=False``), flattened."""
        gW = np.matmul(np.swapaxes(d, -1, -2), a)
        if self._mw[l] != 1.0:
            gW = gW * self._mw[l]
        if self._bias[l]:
            gb = (self._mb[l] * d.sum(axis=-2)) if bias else np.zeros(d.shape[:-2] + d.shape[-1:], dtype=d.dtype)
            lead = np.broadcast_shapes(gW.shape[:-2], gb.shape[:-1])
            gW = np.concatenate([np.broadcast_to(gW, lead + gW.shape[-2:]),
                                 np.broadcast_to(gb, lead + gb.shape[-1:])[..., None]], axis=-1)
        return gW.reshape(gW.shape[:-2] + (-1,))

    def _fwd(self, th, X):
        """Blocks, layer inputs ``acts`` (acts[0] = X), pre-activations ``zs`` and the
        activation derivatives ``dps[l]`` = phi'(zs[l]) of the hidden layers."""
        Bs = self._blocks(th)
        acts, zs, dps = [X], [], []
        a = X
        for l, B in enumerate(Bs):
            z = self._lin(l, a, B)
            zs.append(z)
            if l < self.n_layers - 1:
                a = self._acts[l][0](z)
                acts.append(a)
                dps.append(self._dfast[l](z, a))
        return Bs, acts, zs, dps

    def _back_matrix(self, Bs, dps, lead):
        """out_grads[l] = d f / d z_l, (..., n, n_out, n_{l+1})."""
        L = self.n_layers
        n_out = self.widths[-1]
        g = np.broadcast_to(np.eye(n_out), lead + (n_out, n_out))
        grads = [None] * L
        grads[-1] = g
        for l in range(L - 1, 0, -1):
            W = self._weff(l, Bs[l])
            g = np.matmul(g, W[..., None, :, :]) * dps[l - 1][..., None, :]
            grads[l - 1] = g
        return grads

    # ------------------------------------------------------------ public --
    def forward(self, theta, X) -> np.ndarray:
        """Outputs :math:`f(x_i; \\theta)`: ``theta`` (..., P), ``X`` (..., n, n_0) -> (..., n, n_out)."""
        th, Xa = self._theta(theta), self._X(X)
        return self._fwd(th, Xa)[2][-1]

    def hidden(self, theta, X) -> list[np.ndarray]:
        """Hidden activations :math:`a_1, \\dots, a_{L-1}`, each (..., n, n_l)."""
        th, Xa = self._theta(theta), self._X(X)
        return self._fwd(th, Xa)[1][1:]

    def layer_stats(self, theta, X) -> LayerStats:
        """Everything K-FAC and the degeneracy counts need: per layer the scaled inputs
        :math:`\\bar a_\\ell`, pre-activations and output gradients :math:`\\partial f/\\partial z_\\ell`."""
        th, Xa = self._theta(theta), self._X(X)
        Bs, acts, zs, dps = self._fwd(th, Xa)
        lead = zs[-1].shape[:-1]
        return LayerStats(f=zs[-1], inputs=[self._abar(l, a) for l, a in enumerate(acts)], preacts=zs,
                          out_grads=self._back_matrix(Bs, dps, lead))

    def jacobian(self, theta, X) -> np.ndarray:
        r"""Per-example parameter Jacobian :math:`\partial f_o(x_i)/\partial\theta`,
        (..., n, n_out, P); layer blocks :math:`g_{\ell,o}\otimes\bar a_\ell`.
        Memory ``n * n_out * P`` doubles per network."""
        st = self.layer_stats(theta, X)
        parts = [(g[..., :, :, None] * a[..., :, None, None, :]).reshape(g.shape[:-1] + (-1,))
                 for g, a in zip(st.out_grads, st.inputs)]
        lead = np.broadcast_shapes(*[p.shape[:-1] for p in parts])
        return np.concatenate([np.broadcast_to(p, lead + p.shape[-1:]) for p in parts], axis=-1)

    def input_jacobian(self, theta, X) -> np.ndarray:
        """:math:`\\partial f_o(x_i)/\\partial x_i`, (..., n, n_out, n_0)."""
        return self.activation_jacobians(theta, X)[0]

    def activation_jacobians(self, theta, X) -> list[np.ndarray]:
        """:math:`\\partial f_o(x_i)/\\partial a_\\ell` for every layer input
        (``l = 0`` is the input), each (..., n, n_out, n_l)."""
        th, Xa = self._theta(theta), self._X(X)
        Bs, _, zs, dps = self._fwd(th, Xa)
        grads = self._back_matrix(Bs, dps, zs[-1].shape[:-1])
        return [np.matmul(g, self._weff(l, Bs[l])[..., None, :, :]) for l, g in enumerate(grads)]

    def input_grad(self, theta, X, cotangent) -> np.ndarray:
        """:math:`\\sum_o u_{io}\\,\\partial f_o(x_i)/\\partial x_i`, (..., n, n_0)
        (the input gradient of :math:`\\sum_i u_i\\cdot f(x_i)`)."""
        th, Xa = self._theta(theta), self._X(X)
        U = self._cot(cotangent)
        Bs, _, zs, dps = self._fwd(th, Xa)
        _fits("cotangent", U.shape, zs[-1].shape)
        d = U
        for l in range(self.n_layers - 1, 0, -1):
            d = np.matmul(d, self._weff(l, Bs[l])) * dps[l - 1]
        return np.matmul(d, self._weff(0, Bs[0]))

    def vjp(self, theta, X, cotangent) -> np.ndarray:
        r"""Vector-Jacobian product :math:`\sum_{i,o} u_{io}\,\partial f_o(x_i)/\partial\theta`
        (..., P): the gradient of a loss when ``cotangent`` :math:`u = \partial\ell/\partial f`
        (..., n, n_out). One backward pass, no Jacobian formed."""
        th, Xa = self._theta(theta), self._X(X)
        U = self._cot(cotangent)
        Bs, acts, zs, dps = self._fwd(th, Xa)
        _fits("cotangent", U.shape, zs[-1].shape)
        return self._vjp(Bs, acts, dps, U)

    def value_and_vjp(self, theta, X, cotangent_fn) -> tuple[np.ndarray, np.ndarray, object]:
        r"""One forward and one backward pass for a loss of the outputs: returns
        ``(f, grad, aux)`` where ``cotangent_fn(f) -> (u, aux)`` gives
        :math:`u = \partial\ell/\partial f` (..., n, n_out) and any auxiliary value (e.g. the
        loss), and ``grad`` = :meth:`vjp` with that cotangent."""
        V.function("cotangent_fn", cotangent_fn, what="f -> (u, aux)")
        th, Xa = self._theta(theta), self._X(X)
        Bs, acts, zs, dps = self._fwd(th, Xa)
        U, aux = cotangent_fn(zs[-1])
        U = self._cot(U, "cotangent_fn(f)[0]")
        _fits("cotangent_fn(f)[0]", U.shape, zs[-1].shape)
        return zs[-1], self._vjp(Bs, acts, dps, U), aux

    def _vjp(self, Bs, acts, dps, U):
        L = self.n_layers
        d = U
        grads = [None] * L
        for l in range(L - 1, -1, -1):
            grads[l] = self._outer(l, d, acts[l])
            if l > 0:
                d = np.matmul(d, self._weff(l, Bs[l])) * dps[l - 1]
        lead = np.broadcast_shapes(*[g.shape[:-1] for g in grads])
        return np.concatenate([np.broadcast_to(g, lead + g.shape[-1:]) for g in grads], axis=-1)

    def jvp(self, theta, X, v) -> np.ndarray:
        r"""Jacobian-vector product :math:`\partial f(x_i)/\partial\theta\cdot v`, (..., n, n_out),
        by one forward-mode pass."""
        th, Xa = self._theta(theta), self._X(X)
        vv = self._theta(v, "v")
        Bs, acts, _, dps = self._fwd(th, Xa)
        return self._jvp(Bs, acts, dps, self._blocks(vv))[-1]

    def _jvp(self, Bs, acts, dps, Vs):
        Rz, Ra = [], None
        for l in range(self.n_layers):
            r = self._lin(l, acts[l], Vs[l])
            if Ra is not None:
                r = r + self._lin(l, Ra, Bs[l], bias=False)
            Rz.append(r)
            if l < self.n_layers - 1:
                Ra = dps[l] * r
        return Rz

    def gnvp(self, theta, X, v, out_hess=None) -> np.ndarray:
        r"""Gauss-Newton-vector product :math:`\sum_i J_i^\top H_i J_i v` (..., P), with
        ``out_hess`` :math:`H_i` (..., n, n_out, n_out) or ``None`` (identity, squared loss
        :math:`\tfrac12\lVert f - y\rVert^2`). Sum over examples, not the mean."""
        th, Xa = self._theta(theta), self._X(X)
        vv = self._theta(v, "v")
        Bs, acts, _, dps = self._fwd(th, Xa)
        Jv = self._jvp(Bs, acts, dps, self._blocks(vv))[-1]
        if out_hess is not None:
            H = self._hess(out_hess, Jv.shape)
            Jv = np.matmul(H, Jv[..., None])[..., 0]
        return self._vjp(Bs, acts, dps, Jv)

    def _hess(self, out_hess, f_shape=None):
        H = V.real_array("out_hess", out_hess, min_ndim=2, last=self.widths[-1])
        if H.shape[-2] != self.widths[-1]:
            raise ValueError(f"out_hess must have trailing shape ({self.widths[-1]}, {self.widths[-1]}); "
                             f"got {H.shape}")
        if f_shape is not None and H.ndim > 2:  # (n_out, n_out) is shared by every example
            _fits("out_hess", H.shape[:-1], f_shape)
        return H

    def hvp(self, theta, X, v, *, cotangent, out_hess=None) -> np.ndarray:
        r"""Exact Hessian-vector product of :math:`\sum_i \ell_i(f(x_i;\theta))`, (..., P).

        .. math:: \nabla^2_\theta \Big[\sum_i \ell_i\Big] v
                  = \sum_i J_i^\top H_i J_i v + \sum_{i,o} u_{io}\,\nabla^2_\theta f_o(x_i)\, v ,

        with ``cotangent`` :math:`u_i = \nabla\ell_i` (..., n, n_out) and ``out_hess``
        :math:`H_i = \nabla^2\ell_i` (..., n, n_out, n_out); ``out_hess=None`` gives only the
        second (residual) term, i.e. the Hessian of :math:`\sum u\cdot f` at fixed ``u``.
        Computed by the R-operator (Pearlmutter 1994): one forward and one backward pass
        of the directional derivatives; exact up to round-off. ``v`` may be (..., P) with
        extra leading dimensions (e.g. ``np.eye(P)`` gives the full Hessian, see :meth:`hessian`).
        """
        th, Xa = self._theta(theta), self._X(X)
        vv = self._theta(v, "v")
        U = self._cot(cotangent)
        Bs, acts, zs, dps = self._fwd(th, Xa)
        _fits("cotangent", U.shape, zs[-1].shape)
        H = None if out_hess is None else self._hess(out_hess, zs[-1].shape)
        Vs = self._blocks(vv)
        L = self.n_layers
        Rz = self._jvp(Bs, acts, dps, Vs)
        lead = np.broadcast_shapes(U.shape[:-2], Rz[-1].shape[:-2], th.shape[:-1], vv.shape[:-1],
                                   () if H is None else H.shape[:-3])
        d = np.broadcast_to(U, lead + U.shape[-2:])
        Rd = np.zeros(lead + U.shape[-2:], dtype=np.result_type(U, Rz[-1]))
        if H is not None:
            Rd = Rd + np.matmul(H, Rz[-1][..., None])[..., 0]
        out = [None] * L
        for l in range(L - 1, -1, -1):
            g = self._outer(l, Rd, acts[l])
            if l > 0:
                Ra = dps[l - 1] * Rz[l - 1]
                g = g + self._outer(l, d, Ra, bias=False)
            out[l] = np.broadcast_to(g, lead + g.shape[-1:])
            if l > 0:
                W, VW = self._weff(l, Bs[l]), self._weff(l, Vs[l])
                da = np.matmul(d, W)
                Rda = np.matmul(Rd, W) + np.matmul(d, VW)
                d2phi = self._acts[l - 1][2]
                Rd = Rda * dps[l - 1] + da * d2phi(zs[l - 1]) * Rz[l - 1]
                d = da * dps[l - 1]
        return np.concatenate(out, axis=-1)

    def hessian(self, theta, X, *, cotangent, out_hess=None) -> np.ndarray:
        """Dense Hessian (P, P) of :math:`\\sum_i \\ell_i` for one network (``theta`` (P,)),
        from :meth:`hvp` on the P basis vectors in one batched pass."""
        th = self._theta(theta)
        if th.ndim != 1:
            raise ValueError(f"hessian needs a single network, theta of shape (P,); got {th.shape}")
        Hm = self.hvp(th, X, np.eye(self.n_params), cotangent=cotangent, out_hess=out_hess)
        return 0.5 * (Hm + Hm.T)

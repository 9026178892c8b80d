r"""Infinite-width NNGP and NTK of deep fully connected networks, and the
single-input recursions of *The Principles of Deep Learning Theory*.

Network (``depth`` hidden layers, then a scalar readout; ``depth + 1`` dense layers)::

    z^0 = sigma_w/sqrt(d) W^0 x + sigma_b b^0
    z^{l+1} = sigma_w/sqrt(n_l) W^{l+1} phi(z^l) + sigma_b b^{l+1},   l = 0..depth-1

with :math:`\sigma_w^2` = ``weight_var`` and :math:`\sigma_b^2` = ``bias_var``. In the
infinite-width limit (Neal 1996; Lee et al. 2018; Jacot et al. 2018; Roberts, Yaida &
Hanin 2022, eqs. of ch. 4 and ch. 9 [numbering inferred])

.. math::
    K^0 = \sigma_w^2\, x\cdot x'/d + \sigma_b^2,\qquad
    K^{l+1} = \sigma_w^2\,\mathbb E[\phi(u)\phi(v)] + \sigma_b^2,

    \Theta^0 = \lambda_W\, x\cdot x'/d + \lambda_b,\qquad
    \Theta^{l+1} = \lambda_b + \lambda_W\,\mathbb E[\phi(u)\phi(v)]
                  + \sigma_w^2\,\mathbb E[\phi'(u)\phi'(v)]\,\Theta^l,

with :math:`(u,v)` centred Gaussian of covariance :math:`K^l` restricted to the pair.
The NTK parameterisation has :math:`\lambda_W = \sigma_w^2, \lambda_b = \sigma_b^2`
(the neural-tangents convention); the *standard* parameterisation
(:math:`z = W h + b`, :math:`W_{ij}\sim N(0,\sigma_w^2/n)`, trained with the book's
per-layer learning rates :math:`\lambda_W/n_{l}` and :math:`\lambda_b`) has free
:math:`\lambda_W, \lambda_b` (``lr_weight``, ``lr_bias``; default 1).

Used by ``notebooks/kernels/pdlt-criticality-finite-width.md``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import _validate as V
from .._validate import nonneg_real

from .dual import (
    ACTIVATIONS,
    EXACT_DERIV_DUALS,
    EXACT_DUALS,
    _resolve,
    dual_deriv_quad,
    dual_exact,
    dual_quad,
    gaussian_expectation,
)

__all__ = ["nngp_ntk", "relu_correlation_map", "single_input_recursions", "susceptibilities"]

Activation = str | tuple

_TWO_PI = 2.0 * np.pi
_TWO_OVER_PI = 2.0 / np.pi
_FOUR_PI = 4.0 / np.pi


# --------------------------------------------------------------------------- #
# validation
# --------------------------------------------------------------------------- #
def _check_X(name: str, X, d: int | None = None) -> np.ndarray:
    A = V.array(name, X, ndim=2)
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} must be non-empty; got shape {A.shape}")
    if d is not None and A.shape[1] != d:
        raise ValueError(f"X2 has {A.shape[1]} features but X has {d}: feature dimensions must match")
    return A


_check_var = nonneg_real


MAX_DEPTH = 100_000
"""Largest depth of the recursions (each layer is a pass over the Gram matrix)."""

_MAX_NODES = 150  # hermegauss weights overflow to NaN above ~170 nodes


def _check_depth(depth) -> int:
    return V.count("depth", depth, low=0, high=MAX_DEPTH)


def _maps(activation: Activation, n_nodes: int):
    """Return (E, Edot) callables of (k11, k12, k22) arrays, and a 'relu' fast-path flag."""
    n_nodes = V.count("n_nodes", n_nodes, high=_MAX_NODES)
    if isinstance(activation, str):
        if activation in EXACT_DUALS and activation in EXACT_DERIV_DUALS and activation != "step":
            return (EXACT_DUALS[activation], EXACT_DERIV_DUALS[activation])
        if activation in ACTIVATIONS and ACTIVATIONS[activation][1] is not None:
            phi, dphi = ACTIVATIONS[activation]
        else:
            raise ValueError(
                f"activation {activation!r} has no closed-form dual and no registered derivative "
                f"for quadrature; known: {sorted(ACTIVATIONS)} or pass (phi, dphi) callables"
            )
    elif isinstance(activation, tuple) and len(activation) == 2 and all(callable(f) for f in activation):
        phi, dphi = activation
    else:
        raise TypeError("activation must be a registered name or a (phi, dphi) pair of callables")
    return (
        lambda a, c, b: dual_quad(phi, a, c, b, n_nodes=n_nodes),
        lambda a, c, b: dual_deriv_quad(dphi, a, c, b, n_nodes=n_nodes),
    )


# --------------------------------------------------------------------------- #
# the deep recursion on a block
# --------------------------------------------------------------------------- #
def _relu_block(k, th, s1s, s2s, w, b, lw, lb, depth, ws):
    """In-place ReLU recursion on a block. k holds K^0, th holds Theta^0 on entry.

    s1s[l], s2s[l]: sqrt of the diagonal K^l of the row / column inputs; ``ws`` holds
    three work arrays of the block's shape (kept in cache with k and th).
    """
    rho, tmp, s = ws
    for l in range(depth):
        np.multiply.outer(s1s[l], s2s[l], out=s)  # sqrt(k11 k22)
        zero = None
        if not (s1s[l].all() and s2s[l].all()):
            # a zero-variance unit (e.g. a zero input row without bias): its preactivation is 0
            # surely, so E = Edot = 0 there; use correlation 0 and zero Edot below
            zero = s == 0
            rho.fill(0.0)
            np.divide(k, s, out=rho, where=~zero)
        else:
            np.divide(k, s, out=rho)
        np.clip(rho, -1.0, 1.0, out=rho)
        # tmp = sqrt(1 - rho^2) * s / (2 pi)
        np.multiply(rho, rho, out=tmp)
        np.subtract(1.0, tmp, out=tmp)
        np.maximum(tmp, 0.0, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp *= s
        tmp *= 1.0 / _TWO_PI
        # rho <- Edot = (pi - arccos rho) / (2 pi) = 1/4 + arcsin(rho)/(2 pi)
        np.arcsin(rho, out=rho)
        rho *= 1.0 / _TWO_PI
        rho += 0.25
        if zero is not None:
            rho[zero] = 0.0
        # E = tmp + Edot * k  (rho * s == k up to the clipping, which only acts at |rho| = 1)
        k *= rho
        k += tmp  # k <- E
        # Theta <- lb + lw E + w Edot Theta
        th *= rho
        th *= w
        if lw != 0.0:
            th += lw * k if lw != 1.0 else k
        if lb != 0.0:
            th += lb
        # K <- w E + b
        k *= w
        if b != 0.0:
            k += b
    return k, th


def _erf_block(k, th, p1s, p2s, w, b, lw, lb, depth, ws):
    """In-place erf recursion on a block (the closed forms of ``dual._erf`` and
    ``dual._erf_d``, fused).

    p1s[l], p2s[l]: pairs ``(1 + 2 K^l, c / sqrt(1 + 2 K^l))`` on the diagonal of the row /
    column inputs, with c = 2 for the rows and 1 for the columns, so that the arcsin argument
    2 k12 / sqrt((1 + 2 k11)(1 + 2 k22)) is one product with an outer product of vectors
    (one n x m square root fewer than ``dual._erf``; equal up to a few ulp).
    """
    rho, tmp, _ = ws
    for l in range(depth):
        (p1, i1), (p2, i2) = p1s[l], p2s[l]
        np.multiply.outer(p1, p2, out=tmp)  # (1 + 2 k11)(1 + 2 k22)
        # rho <- Edot = 4/pi / sqrt((1 + 2 k11)(1 + 2 k22) - 4 k12^2)
        np.multiply(k, k, out=rho)
        rho *= 4.0
        np.subtract(tmp, rho, out=rho)
        np.sqrt(rho, out=rho)
        np.divide(_FOUR_PI, rho, out=rho)
        # tmp <- E = 2/pi arcsin(clip(2 k12 / sqrt((1 + 2 k11)(1 + 2 k22))))
        np.multiply.outer(i1, i2, out=tmp)
        tmp *= k
        np.clip(tmp, -1.0, 1.0, out=tmp)
        np.arcsin(tmp, out=tmp)
        tmp *= _TWO_OVER_PI
        # Theta <- (lb + lw E) + (w Edot) Theta
        rho *= w
        th *= rho
        np.multiply(tmp, lw, out=rho)
        rho += lb
        th += rho
        # K <- w E + b
        np.multiply(tmp, w, out=k)
        k += b
    return k, th


def _generic_block(k, th, d1s, d2s, w, b, lw, lb, depth, E, Edot):
    for l in range(depth):
        a = d1s[l][:, None]
        c = d2s[l][None, :]
        e = E(a, k, c)
        ed = Edot(a, k, c)
        th = lb + lw * e + w * ed * th
        k = w * e + b
    return k, th


def nngp_ntk(
    X,
    X2=None,
    *,
    depth: int,
    activation: Activation = "relu",
    weight_var: float = 2.0,
    bias_var: float = 0.0,
    parameterization: str = "ntk",
    lr_weight: float = 1.0,
    lr_bias: float = 1.0,
    block_size: int = 65536,
    n_nodes: int = 100,
    n_threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""NNGP and NTK Gram matrices of a deep fully connected network.

    Recursion in the module docstring: ``depth`` hidden layers then a scalar readout,
    i.e. ``depth`` applications of the dual maps after the input layer
    :math:`K^0 = \sigma_w^2 XX_2^\top/d + \sigma_b^2`. Matches neural-tangents'
    ``stax.serial(*[Dense, act]*depth, Dense(1))`` in its ``ntk`` parameterisation.

    Cost: one GEMM :math:`X X_2^\top` (a symmetric product when ``X2 is None``) plus
    :math:`O(nm\cdot\text{depth})` elementwise work done block by block in place in the
    two outputs, so the extra memory is ``O(block_size)`` doubles. In the symmetric case
    only the upper block triangle is computed and mirrored; the diagonal comes from the
    exact one-dimensional recursion (correlation exactly 1).

    Parameters
    ----------
    X : (n, d) inputs;  X2 : (m, d) inputs or None (then X2 = X)
    depth : number of hidden layers (>= 0)
    activation : a name with closed-form duals (``relu``, ``erf``, ``abs``, ``identity``,
        ``sin``, ``cos``, ``square``, ``cube``; ReLU and erf have fused in-place fast paths), a
        registered name evaluated by 2-D Gauss-Hermite quadrature (``tanh``, ``gelu``,
        ``softplus``, ``swish``, ``sigmoid``; slow: ``n_nodes``:sup:`2` evaluations per entry),
        or a pair ``(phi, dphi)`` of vectorised callables.
    weight_var, bias_var : :math:`\sigma_w^2, \sigma_b^2 \ge 0`
    parameterization : ``"ntk"`` or ``"standard"`` (see module docstring)
    lr_weight, lr_bias : :math:`\lambda_W, \lambda_b` of the standard parameterisation
    block_size : approximate number of entries per block
    n_nodes : quadrature nodes per dimension for activations without closed forms
    n_threads : threads for the tile loop (default: 2 when n*m >= 1e6, else 1); tiles are
        disjoint, numpy releases the GIL in ufuncs

    Returns
    -------
    K, Theta : (n, m) float64 arrays (NNGP and NTK of the scalar output).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> K, Theta = nngp_ntk(X, depth=1)
    >>> K.round(4).tolist(), Theta.round(4).tolist()
    ([[1.0, 0.3183], [0.3183, 1.0]], [[2.0, 0.3183], [0.3183, 2.0]])
    """
    Xa = _check_X("X", X)
    sym = X2 is None
    X2a = Xa if sym else _check_X("X2", X2, Xa.shape[1])
    V.elements("the Gram matrix X X2^T", (Xa.shape[0], X2a.shape[0]))
    depth = _check_depth(depth)
    w = _check_var("weight_var", weight_var)
    b = _check_var("bias_var", bias_var)
    V.choice("parameterization", parameterization, ("ntk", "standard"))
    if parameterization == "ntk":
        lw, lb = w, b
    else:
        lw = _check_var("lr_weight", lr_weight)
        lb = _check_var("lr_bias", lr_bias)
    block_size = V.count("block_size", block_size, high=V.MAX_ELEMENTS)
    if n_threads is not None:
        n_threads = V.count("n_threads", n_threads, high=256)
    fast = activation if isinstance(activation, str) and activation in ("relu", "erf") else None
    E, Edot = _maps(activation, n_nodes)

    n, dim = Xa.shape
    m = X2a.shape[0]
    # diagonals through the layers (1-D recursion, correlation exactly one)
    def diag_path(A):
        d0 = np.einsum("ij,ij->i", A, A) / dim
        ds = [w * d0 + b]
        for _ in range(depth):
            ds.append(w * E(ds[-1], ds[-1], ds[-1]) + b)
        return ds

    d1s = diag_path(Xa)
    d2s = d1s if sym else diag_path(X2a)

    # the one GEMM, into the output buffer (numpy uses a symmetric product for A @ A.T);
    # the affine input layer is applied tile by tile below, while the tile is in cache
    K = Xa @ Xa.T if sym else Xa @ X2a.T
    Theta = np.empty_like(K)
    ntk = parameterization == "ntk"
    cw0, cb0 = w / dim, b
    lw0, lb0 = lw / dim, lb

    if fast == "relu":
        r1s = [np.sqrt(d) for d in d1s]
        r2s = r1s if sym else [np.sqrt(d) for d in d2s]
    elif fast == "erf":
        p1s = [1.0 + 2.0 * d for d in d1s]
        p2s = p1s if sym else [1.0 + 2.0 * d for d in d2s]
        r1s = [(p, 2.0 / np.sqrt(p)) for p in p1s]
        r2s = [(p, 1.0 / np.sqrt(p)) for p in p2s]

    tile = max(8, int(np.sqrt(block_size)))
    tasks = [
        (i0, min(n, i0 + tile), j0, min(m, j0 + tile))
        for i0 in range(0, n, tile)
        for j0 in range(i0 if sym else 0, m, tile)
    ]
    local = threading.local()  # per-thread work arrays, reused from tile to tile

    def run(task):
        i0, i1, j0, j1 = task
        shape = (i1 - i0, j1 - j0)
        ws = getattr(local, "ws", None)
        if ws is None:
            ws = local.ws = np.empty((5, min(tile, n) * min(tile, m)))
        size = shape[0] * shape[1]
        kb, tb, *work = (buf[:size].reshape(shape) for buf in ws)
        np.copyto(kb, K[i0:i1, j0:j1])  # contiguous, cache-sized work copy of X X2^T
        if ntk:
            kb *= cw0
            kb += cb0
            np.copyto(tb, kb)
        else:
            np.multiply(kb, lw0, out=tb)
            tb += lb0
            kb *= cw0
            kb += cb0
        if depth == 0:
            pass
        elif fast == "relu":
            kb, tb = _relu_block(
                kb, tb, [s[i0:i1] for s in r1s], [s[j0:j1] for s in r2s], w, b, lw, lb, depth, work
            )
        elif fast == "erf":
            kb, tb = _erf_block(
                kb, tb, [(p[i0:i1], c[i0:i1]) for p, c in r1s], [(p[j0:j1], c[j0:j1]) for p, c in r2s],
                w, b, lw, lb, depth, work,
            )
        else:
            kb, tb = _generic_block(
                kb, tb, [d[i0:i1] for d in d1s], [d[j0:j1] for d in d2s],
                w, b, lw, lb, depth, E, Edot,
            )
        K[i0:i1, j0:j1] = kb
        Theta[i0:i1, j0:j1] = tb
        if sym and j0 > i0:  # mirror the tile into the lower triangle
            K[j0:j1, i0:i1] = kb.T
            Theta[j0:j1, i0:i1] = tb.T

    # tiles write disjoint regions of K and Theta, and numpy ufuncs release the GIL, so
    # the elementwise work runs on n_threads cores
    if n_threads is None:
        n_threads = min(2, os.cpu_count() or 1) if n * m >= 1_000_000 else 1
    if n_threads > 1 and len(tasks) > 1:
        with ThreadPoolExecutor(max_workers=int(n_threads)) as pool:
            list(pool.map(run, tasks))
    else:
        for task in tasks:
            run(task)
    if sym:
        # diagonal tiles were computed in full (they are symmetric up to round-off):
        # symmetrise them exactly, then set the exact diagonal from the 1-D recursion
        for i0 in range(0, n, tile):
            i1 = min(n, i0 + tile)
            for A in (K, Theta):
                blk = A[i0:i1, i0:i1]
                blk[...] = np.triu(blk) + np.triu(blk, 1).T
        idx = np.arange(n)
        K[idx, idx] = d1s[-1]
        Theta[idx, idx] = _diag_theta(Xa, d1s, w, lw, lb, depth, E, Edot)
    return K, Theta


def _diag_theta(Xa, ds, w, lw, lb, depth, E, Edot):
    dim = Xa.shape[1]
    th = lw * np.einsum("ij,ij->i", Xa, Xa) / dim + lb
    for l in range(depth):
        d = ds[l]
        th = lb + lw * E(d, d, d) + w * Edot(d, d, d) * th
    return th


# --------------------------------------------------------------------------- #
# single-input recursions of the book (chapters 4, 5, 9 [numbering inferred])
# --------------------------------------------------------------------------- #
def _phi_dphi(activation) -> tuple[Callable, Callable]:
    if isinstance(activation, tuple) and len(activation) == 2 and all(callable(f) for f in activation):
        return activation
    if not isinstance(activation, str):
        raise TypeError("activation must be a registered name or a (phi, dphi) pair of callables")
    return (_resolve(activation, deriv=False, argname="activation"),
            _resolve(activation, deriv=True, argname="activation"))


def susceptibilities(K, activation: str | tuple, weight_var: float, *, n_nodes: int = 120):
    r"""Parallel and perpendicular susceptibilities of the kernel recursion.

    .. math:: \chi_\parallel(K) = C_W\,\partial_K\langle\sigma^2\rangle_K
              = \frac{C_W}{2K^2}\langle\sigma(z)^2 (z^2 - K)\rangle_K,\qquad
              \chi_\perp(K) = C_W\langle\sigma'(z)^2\rangle_K

    (the first form uses the Gaussian identity :math:`\partial_K\langle f\rangle_K =
    \langle f(z)(z^2-K)\rangle_K/(2K^2)`, valid for kinked :math:`\sigma`).

    ``K`` any shape (> 0) -> two arrays of that shape. Roberts, Yaida & Hanin (2022),
    ch. 5 [inferred]. Used in ``pdlt-criticality-finite-width``.

    Examples
    --------
    >>> par, perp = susceptibilities(1.0, "relu", 2.0)
    >>> round(float(par), 10), round(float(perp), 10)
    (1.0, 1.0)
    """
    phi, dphi = _phi_dphi(activation)
    Ka = V.array("K", K, low=0.0, low_open=True)
    cw = _check_var("weight_var", weight_var)
    V.count("n_nodes", n_nodes, high=_MAX_NODES)
    par = cw * gaussian_expectation(
        lambda z: phi(z) ** 2 * (z * z - Ka[..., None]), Ka, n_nodes=n_nodes
    ) / (2 * Ka**2)
    perp = cw * gaussian_expectation(lambda z: dphi(z) ** 2, Ka, n_nodes=n_nodes)
    return par, perp


def single_input_recursions(
    K1: float,
    depth: int,
    activation: str | tuple,
    *,
    weight_var: float,
    bias_var: float = 0.0,
    theta1: float | None = None,
    lr_weight: float | None = None,
    lr_bias: float | None = None,
    n_nodes: int = 120,
) -> dict[str, np.ndarray]:
    r"""Kernel, susceptibilities, four-point vertex and NTK for one input, layers 1..depth.

    .. math::
        K^{(\ell+1)} = C_b + C_W\langle\sigma^2\rangle_{K^{(\ell)}},\quad
        V^{(\ell+1)} = \chi_\parallel(K^{(\ell)})^2 V^{(\ell)}
            + C_W^2\left(\langle\sigma^4\rangle_{K^{(\ell)}} - \langle\sigma^2\rangle_{K^{(\ell)}}^2\right),
            \ V^{(1)} = 0,

        \Theta^{(\ell+1)} = \lambda_b + \lambda_W\langle\sigma^2\rangle_{K^{(\ell)}}
            + C_W\langle\sigma'^2\rangle_{K^{(\ell)}}\Theta^{(\ell)}

    (Roberts, Yaida & Hanin 2022, ch. 4, 5, 9 [form re-derived in the catalogue;
    numbering inferred]). The single-unit excess kurtosis is :math:`3V/(nK^2)` at leading
    order in 1/n (equal widths n).

    Parameters
    ----------
    K1 : first-layer kernel :math:`C_b + C_W |x|^2/n_0` (> 0)
    depth : number of layers L >= 1 (arrays have length L, index l-1 for layer l)
    activation : registered name or a ``(phi, dphi)`` pair of vectorised callables
    weight_var, bias_var : :math:`C_W, C_b`
    theta1 : :math:`\Theta^{(1)}` (default ``K1``, the NTK parameterisation)
    lr_weight, lr_bias : :math:`\lambda_W, \lambda_b` (default ``C_W, C_b``)

    Returns
    -------
    dict with float arrays of shape (depth,): ``K``, ``chi_par``, ``chi_perp``, ``V``,
    ``Theta`` (layer l at index l-1).

    The kernel must stay positive through the layers (``weight_var > 0``; a
    ``ValueError`` names ``activation`` if :math:`K^{(\ell)}` reaches 0).

    Examples
    --------
    >>> out = single_input_recursions(1.0, 3, "relu", weight_var=2.0)
    >>> out["K"].round(12).tolist(), out["chi_par"].round(10).tolist()
    ([1.0, 1.0, 1.0], [1.0, 1.0, 1.0])
    """
    depth = V.count("depth", depth, low=1, high=MAX_DEPTH)
    K1 = V.positive("K1", K1)
    cw = V.positive("weight_var", weight_var)
    cb = _check_var("bias_var", bias_var)
    lw = cw if lr_weight is None else _check_var("lr_weight", lr_weight)
    lb = cb if lr_bias is None else _check_var("lr_bias", lr_bias)
    phi, dphi = _phi_dphi(activation)
    n_nodes = V.count("n_nodes", n_nodes, high=_MAX_NODES)
    x, wq = np.polynomial.hermite_e.hermegauss(n_nodes)
    wq = wq / np.sqrt(2 * np.pi)
    K = np.empty(depth)
    Vx = np.zeros(depth)
    Th = np.empty(depth)
    cpar = np.empty(depth)
    cperp = np.empty(depth)
    K[0] = K1
    Th[0] = K1 if theta1 is None else _check_var("theta1", theta1)
    for l in range(depth):
        z = np.sqrt(K[l]) * x
        s = phi(z)
        s2 = wq @ (s * s)
        s4 = wq @ (s**4)
        cpar[l] = cw * (wq @ (s * s * (z * z - K[l]))) / (2 * K[l] ** 2)
        dp2 = wq @ (dphi(z) ** 2)
        cperp[l] = cw * dp2
        if l + 1 < depth:
            K[l + 1] = cb + cw * s2
            if not (np.isfinite(K[l + 1]) and K[l + 1] > 0):
                raise ValueError(f"activation: the kernel K^({l + 2}) = {K[l + 1]!r} is not finite and > 0 "
                                 "(the recursion degenerates for this activation and weight_var, bias_var)")
            Vx[l + 1] = cpar[l] ** 2 * Vx[l] + cw**2 * (s4 - s2 * s2)
            Th[l + 1] = lb + lw * s2 + cw * dp2 * Th[l]
    out = {"K": K, "chi_par": cpar, "chi_perp": cperp, "V": Vx, "Theta": Th}
    for k, v in out.items():
        if not np.all(np.isfinite(v)):
            raise ValueError(f"activation: the recursion overflows ({k} is not finite) for these variances")
    return out


def _theta_minus_sin(t: np.ndarray) -> np.ndarray:
    """theta - sin(theta) without cancellation for small theta."""
    t2 = t * t
    series = t * t2 / 6.0 * (1 - t2 / 20.0 * (1 - t2 / 42.0 * (1 - t2 / 72.0)))
    return np.where(t < 1e-2, series, t - np.sin(t))


def relu_correlation_map(rho, n_steps: int | None = None, *, one_minus: bool = False):
    r"""The critical-ReLU correlation map :math:`J(\rho) = (\sqrt{1-\rho^2} + (\pi-\arccos\rho)\rho)/\pi`.

    With ``n_steps=None`` returns :math:`J(\rho)` (same shape as ``rho``); otherwise
    returns the orbit, shape ``(n_steps + 1, *rho.shape)``, starting at ``rho`` (row 0).
    With ``one_minus=True`` the orbit of :math:`1-\rho_\ell` is returned instead (full
    relative precision even when :math:`1-\rho_\ell \sim 10^{-9}`).

    The critical ReLU network (:math:`C_W = 2, C_b = 0`) maps input correlations by J
    layer to layer (arc-cosine kernel of Cho & Saul 2009); near 1,
    :math:`1-\rho_\ell \approx 9\pi^2/(2\ell^2)` (catalogue derivation of the book's
    ch. 5 statement). Iterated in the angle :math:`\theta=\arccos\rho`:
    :math:`1 - J = ((\pi-\theta)(1-\cos\theta) + (\theta-\sin\theta))/\pi`,
    :math:`\theta' = 2\arcsin\sqrt{(1-J)/2}`, all cancellation-free.
    Used in ``pdlt-criticality-finite-width`` (C4).

    Examples
    --------
    >>> relu_correlation_map([0.0, 1.0]).round(6).tolist()
    [0.31831, 1.0]
    """
    r = V.array("rho", rho, low=-1.0, high=1.0)
    one_minus = V.flag("one_minus", one_minus)
    if n_steps is None:
        return dual_exact("relu", 1.0, r, 1.0) * 2.0
    n_steps = V.count("n_steps", n_steps, low=0, high=MAX_DEPTH * 100)
    V.elements("(n_steps + 1) * rho.size", (n_steps + 1, max(r.size, 1)))
    theta = np.arccos(r)
    out = np.empty((int(n_steps) + 1,) + r.shape)
    out[0] = 1.0 - r
    for t in range(1, int(n_steps) + 1):
        om = ((np.pi - theta) * 2.0 * np.sin(theta / 2) ** 2 + _theta_minus_sin(theta)) / np.pi
        theta = 2.0 * np.arcsin(np.sqrt(np.clip(om / 2.0, 0.0, 1.0)))
        out[t] = om
    return out if one_minus else 1.0 - out

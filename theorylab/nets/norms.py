r"""Normalisation layers in numpy, forward and hand-written backward: batch norm (BN),
group norm (GN) and the two EvoNorms of Liu, Brock, Simonyan & Le (2020), B0 and S0.

Inputs are feature maps ``x`` of shape ``(B, C, *S)`` (batch, channels, any number of
spatial axes; ``S`` may be empty for BN and GN). Per-channel parameters ``gamma``,
``beta``, ``v1`` have shape ``(C,)``. Variances are **biased** (divide by the count), as
in the reference implementation (``timm.layers.evo_norm``).

* **BN** (training): :math:`y = \gamma\,(x-\mu_{b,s})/\sqrt{s^2_{b,s}+\epsilon} + \beta`
  with mean and variance per channel over the batch and spatial axes; inference uses
  running statistics.
* **GN**: the same with statistics per sample over the spatial axes and the channels of
  each of ``groups`` contiguous channel groups.
* **EvoNorm-B0** (the paper's Table 1 / Figure 1; formula confirmed in ``timm``):

  .. math:: y = \frac{x}{\max\big(\sqrt{s^2_{b,s}(x)+\epsilon},\ v_1 x + \sqrt{s^2_{s}(x)+\epsilon}\big)}\,\gamma + \beta,

  :math:`s^2_{b,s}` the per-channel batch variance (training) or the running variance
  (inference), :math:`s^2_s` the per-sample per-channel variance over the spatial axes.
  The running variance is updated with momentum ``m`` and the unbiased factor
  :math:`n/(n-1)`, :math:`n = B\cdot|S|` (:func:`running_var_update`).
* **EvoNorm-S0**:

  .. math:: y = \frac{x\,\mathrm{sigmoid}(v_1 x)}{\sqrt{s^2_{s,c/g}(x)+\epsilon}}\,\gamma + \beta,

  :math:`s^2_{s,c/g}` the per-sample variance over the spatial axes and the channels of
  the group. Since :math:`x\,\mathrm{sigmoid}(v_1x) = \mathrm{SiLU}(v_1x)/v_1`, S0 is an
  *uncentred* group normalisation of a SiLU.

Neither EvoNorm centres its numerator; only the variances are centred.

Every ``*_backward`` function returns the gradients of :math:`\sum \mathrm{dy}\cdot y`
with respect to the input and the parameters (a vector-Jacobian product), checked against
:mod:`theorylab.numdiff` in ``tests/test_nets_norms.py``. At a B0 tie
(:math:`L = R` in the max) the left branch is taken (a set of measure zero).

Used by ``kernels/evonorm-layers``.

Examples
--------
>>> import numpy as np
>>> from theorylab.nets import norms
>>> x = np.random.default_rng(0).normal(size=(4, 8, 5, 5))
>>> y = norms.evonorm_s0(x, groups=2)
>>> bool(np.allclose(y, norms.evonorm_s0(x + 0 * x, groups=2)))
True
>>> y0 = norms.evonorm_s0(x[:1], groups=2)          # S0 of sample 0 does not see the batch
>>> bool(np.array_equal(y0[0], y[0]))
True
>>> yb = norms.batch_norm(x)
>>> float(abs(yb.mean(axis=(0, 2, 3))).max()) < 1e-12
True
"""

from __future__ import annotations

import numpy as np

from .. import _validate as V

__all__ = [
    "batch_norm",
    "batch_norm_backward",
    "group_norm",
    "group_norm_backward",
    "evonorm_b0",
    "evonorm_b0_backward",
    "evonorm_s0",
    "evonorm_s0_backward",
    "running_var_update",
    "silu",
]


# --------------------------------------------------------------------------- helpers
def _x(x, *, min_ndim: int = 2) -> np.ndarray:
    a = V.real_array("x", x, min_ndim=min_ndim)
    return a


def _param(name: str, p, C: int, default: float, *, nonneg: bool = False) -> np.ndarray:
    if p is None:
        return np.full(C, float(default))
    a = V.real_array(name, p, ndim=1)
    if a.shape != (C,):
        raise ValueError(f"{name} must have shape ({C},) (one value per channel of x, x.shape[1] = {C}); "
                         f"got {a.shape}")
    if nonneg and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0 everywhere (a variance); got min {a.min():.6g}")
    return a


def _bc(p: np.ndarray, ndim: int) -> np.ndarray:
    """(C,) -> (1, C, 1, ..., 1) for an input with ``ndim`` axes."""
    return p.reshape((1, -1) + (1,) * (ndim - 2))


def _eps(eps) -> float:
    return V.nonneg_real("eps", eps)


def _groups(groups, C: int) -> int:
    g = V.positive_int("groups", groups)
    if C % g:
        raise ValueError(f"groups must divide the number of channels x.shape[1] = {C}; got {g}")
    return g


def _dy(dy, shape) -> np.ndarray:
    d = V.real_array("dy", dy)
    if d.shape != shape:
        raise ValueError(f"dy must have the shape of x {shape}; got {d.shape}")
    return d


def _grouped(x: np.ndarray, g: int) -> np.ndarray:
    """(B, C, *S) -> (B, g, C//g * prod(S)): one row per (sample, group)."""
    B, C = x.shape[:2]
    return x.reshape(B, g, -1)


def _var_back(x: np.ndarray, mean: np.ndarray, dvar: np.ndarray, axes, n: int) -> np.ndarray:
    """Gradient through a biased variance over ``axes``: d var / dx = 2 (x - mean) / n."""
    return dvar * 2.0 * (x - mean) / n


def silu(z):
    r""":math:`\mathrm{SiLU}(z) = z\,\mathrm{sigmoid}(z)` (Swish-1), elementwise.

    Examples
    --------
    >>> float(silu(0.0)), round(float(silu(50.0)), 12)
    (0.0, 50.0)
    """
    z = V.real_array("z", z)
    return z * _sigmoid(z)


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# --------------------------------------------------------------------------- batch norm
def batch_norm(x, gamma=None, beta=None, *, eps: float = 1e-5, training: bool = True,
               running_mean=None, running_var=None) -> np.ndarray:
    r"""Batch normalisation of ``x`` (B, C, \*S) -> same shape.

    Training mode: mean and (biased) variance per channel over the batch and spatial axes;
    inference (``training=False``): ``running_mean``, ``running_var`` (C,) instead.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).normal(2.0, 3.0, size=(8, 3, 4))
    >>> y = batch_norm(x, eps=0.0)
    >>> bool(np.allclose(y.std(axis=(0, 2)), 1.0))
    True
    """
    xa = _x(x)
    C = xa.shape[1]
    g = _param("gamma", gamma, C, 1.0)
    b = _param("beta", beta, C, 0.0)
    e = _eps(eps)
    training = V.flag("training", training)
    axes = (0,) + tuple(range(2, xa.ndim))
    if training:
        mu = xa.mean(axis=axes, keepdims=True)
        var = xa.var(axis=axes, keepdims=True)
    else:
        if running_mean is None or running_var is None:
            raise ValueError("training=False needs running_mean and running_var (C,)")
        mu = _bc(_param("running_mean", running_mean, C, 0.0), xa.ndim)
        var = _bc(_param("running_var", running_var, C, 1.0, nonneg=True), xa.ndim)
    if e == 0 and np.any(var == 0):
        raise ValueError("a channel has zero variance and eps = 0")
    return _bc(g, xa.ndim) * (xa - mu) / np.sqrt(var + e) + _bc(b, xa.ndim)


def batch_norm_backward(x, dy, gamma=None, *, eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients ``(dx, dgamma, dbeta)`` of :math:`\sum dy\cdot y` for :func:`batch_norm`
    in training mode (statistics depend on ``x``)."""
    xa = _x(x)
    d = _dy(dy, xa.shape)
    C = xa.shape[1]
    g = _param("gamma", gamma, C, 1.0)
    e = _eps(eps)
    axes = (0,) + tuple(range(2, xa.ndim))
    mu = xa.mean(axis=axes, keepdims=True)
    var = xa.var(axis=axes, keepdims=True)
    s = np.sqrt(var + e)
    xhat = (xa - mu) / s
    dgamma = np.sum(d * xhat, axis=axes)
    dbeta = np.sum(d, axis=axes)
    dxhat = d * _bc(g, xa.ndim)
    dx = (dxhat - dxhat.mean(axis=axes, keepdims=True)
          - xhat * np.mean(dxhat * xhat, axis=axes, keepdims=True)) / s
    return dx, dgamma, dbeta


def running_var_update(running_var, x, *, momentum: float = 0.1) -> np.ndarray:
    r"""New running variance :math:`(1-m)\,r + m\,\frac{n}{n-1}s^2_{b,s}(x)` (C,), with
    :math:`s^2_{b,s}` the biased per-channel batch variance and :math:`n = B\cdot|S|` (as in
    ``timm``'s EvoNorm-B0 and PyTorch's BatchNorm)."""
    xa = _x(x)
    C = xa.shape[1]
    r = _param("running_var", running_var, C, 1.0, nonneg=True)
    m = V.unit_interval("momentum", momentum, closed_right=True)
    n = xa.size // C
    if n < 2:
        raise ValueError("x must hold at least 2 values per channel for an unbiased variance")
    axes = (0,) + tuple(range(2, xa.ndim))
    return (1 - m) * r + m * xa.var(axis=axes) * n / (n - 1)


# --------------------------------------------------------------------------- group norm
def group_norm(x, gamma=None, beta=None, *, groups: int, eps: float = 1e-5) -> np.ndarray:
    r"""Group normalisation of ``x`` (B, C, \*S): mean and biased variance per sample over
    the spatial axes and the ``C/groups`` channels of each group.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(2).normal(size=(2, 4, 6))
    >>> y = group_norm(x, groups=2, eps=0.0)
    >>> bool(np.allclose(y.reshape(2, 2, -1).mean(axis=-1), 0.0))
    True
    """
    xa = _x(x)
    C = xa.shape[1]
    G = _groups(groups, C)
    gm = _param("gamma", gamma, C, 1.0)
    b = _param("beta", beta, C, 0.0)
    e = _eps(eps)
    xg = _grouped(xa, G)
    mu = xg.mean(axis=-1, keepdims=True)
    var = xg.var(axis=-1, keepdims=True)
    if e == 0 and np.any(var == 0):
        raise ValueError("a group has zero variance and eps = 0")
    xhat = ((xg - mu) / np.sqrt(var + e)).reshape(xa.shape)
    return _bc(gm, xa.ndim) * xhat + _bc(b, xa.ndim)


def group_norm_backward(x, dy, gamma=None, *, groups: int, eps: float = 1e-5
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients ``(dx, dgamma, dbeta)`` of :math:`\sum dy\cdot y` for :func:`group_norm`."""
    xa = _x(x)
    d = _dy(dy, xa.shape)
    C = xa.shape[1]
    G = _groups(groups, C)
    gm = _param("gamma", gamma, C, 1.0)
    e = _eps(eps)
    axes = (0,) + tuple(range(2, xa.ndim))
    xg = _grouped(xa, G)
    mu = xg.mean(axis=-1, keepdims=True)
    s = np.sqrt(xg.var(axis=-1, keepdims=True) + e)
    xhat_g = (xg - mu) / s
    xhat = xhat_g.reshape(xa.shape)
    dgamma = np.sum(d * xhat, axis=axes)
    dbeta = np.sum(d, axis=axes)
    dxhat = _grouped(d * _bc(gm, xa.ndim), G)
    dx = (dxhat - dxhat.mean(axis=-1, keepdims=True)
          - xhat_g * np.mean(dxhat * xhat_g, axis=-1, keepdims=True)) / s
    return dx.reshape(xa.shape), dgamma, dbeta


# --------------------------------------------------------------------------- EvoNorm-B0
def _b0_parts(xa, v1, e, training, running_var):
    C = xa.shape[1]
    bax = (0,) + tuple(range(2, xa.ndim))
    sax = tuple(range(2, xa.ndim))
    if training:
        var_b = xa.var(axis=bax, keepdims=True)
    else:
        if running_var is None:
            raise ValueError("training=False needs running_var (C,)")
        var_b = _bc(_param("running_var", running_var, C, 1.0, nonneg=True), xa.ndim)
    var_i = xa.var(axis=sax, keepdims=True) if sax else np.zeros(xa.shape[:2])
    left = np.sqrt(var_b + e)
    sd_i = np.sqrt(var_i + e)
    right = _bc(v1, xa.ndim) * xa + sd_i
    den = np.maximum(left, right)
    if np.any(den <= 0):
        raise ValueError("the EvoNorm-B0 denominator max(sqrt(var_b + eps), v1 x + sd_i) is <= 0 "
                         "somewhere (eps = 0 with a constant channel, or v1 x < -sd_i everywhere)")
    return bax, sax, var_b, left, sd_i, den


def evonorm_b0(x, v1=None, gamma=None, beta=None, *, eps: float = 1e-3, training: bool = True,
               running_var=None) -> np.ndarray:
    r"""EvoNorm-B0 of ``x`` (B, C, \*S) -> same shape (formula in the module docstring).

    ``training=True`` uses the biased batch variance per channel; ``training=False`` the
    given ``running_var`` (C,). Defaults: ``v1 = gamma = 1``, ``beta = 0``, ``eps = 1e-3``
    (``timm``). With no spatial axes the instance variance is 0 and the right branch
    degenerates to :math:`v_1x + \sqrt\epsilon` (the catalogue's pitfall).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(3).normal(size=(4, 2, 6, 6))
    >>> y = evonorm_b0(x, eps=0.0)
    >>> bool(np.allclose(evonorm_b0(5.0 * x, eps=0.0), y))      # scale invariant at eps = 0
    True
    """
    xa = _x(x)
    C = xa.shape[1]
    v = _param("v1", v1, C, 1.0)
    g = _param("gamma", gamma, C, 1.0)
    b = _param("beta", beta, C, 0.0)
    e = _eps(eps)
    *_, den = _b0_parts(xa, v, e, V.flag("training", training), running_var)
    return xa / den * _bc(g, xa.ndim) + _bc(b, xa.ndim)


def evonorm_b0_backward(x, dy, v1=None, gamma=None, *, eps: float = 1e-3, training: bool = True,
                        running_var=None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients ``(dx, dv1, dgamma, dbeta)`` of :math:`\sum dy\cdot y` for
    :func:`evonorm_b0`. In training mode the batch variance depends on every sample; in
    inference mode the running variance is a constant."""
    xa = _x(x)
    d = _dy(dy, xa.shape)
    C = xa.shape[1]
    v = _param("v1", v1, C, 1.0)
    g = _param("gamma", gamma, C, 1.0)
    e = _eps(eps)
    tr = V.flag("training", training)
    bax, sax, var_b, left, sd_i, den = _b0_parts(xa, v, e, tr, running_var)
    right = _bc(v, xa.ndim) * xa + sd_i
    use_left = left >= right
    dgamma = np.sum(d * xa / den, axis=bax)
    dbeta = np.sum(d, axis=bax)
    dh = d * _bc(g, xa.ndim)                 # d/d(x / den)
    dx = dh / den
    dden = -dh * xa / den ** 2
    dleft = np.where(use_left, dden, 0.0)
    dright = np.where(use_left, 0.0, dden)
    # right = v1 x + sqrt(var_i + eps)
    dx += _bc(v, xa.ndim) * dright
    dv1 = np.sum(dright * xa, axis=bax)
    if sax:
        n_s = int(np.prod(xa.shape[2:]))
        dsd = np.sum(dright, axis=sax, keepdims=True)
        dx += _var_back(xa, xa.mean(axis=sax, keepdims=True), dsd / (2 * sd_i), sax, n_s)
    if tr:
        n_b = xa.size // C
        dl = np.sum(dleft, axis=bax, keepdims=True)
        dx += _var_back(xa, xa.mean(axis=bax, keepdims=True), dl / (2 * left), bax, n_b)
    return dx, dv1, dgamma, dbeta


# --------------------------------------------------------------------------- EvoNorm-S0
def evonorm_s0(x, v1=None, gamma=None, beta=None, *, groups: int, eps: float = 1e-5) -> np.ndarray:
    r"""EvoNorm-S0 of ``x`` (B, C, \*S) -> same shape: :math:`x\,\mathrm{sigmoid}(v_1x)`
    divided by the per-sample group standard deviation of ``x`` (``groups`` contiguous
    channel groups), times ``gamma`` plus ``beta``. Defaults ``v1 = gamma = 1``,
    ``beta = 0``, ``eps = 1e-5`` (``timm``). No statistic is taken over the batch.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(4).normal(size=(3, 4, 5))
    >>> sd = np.sqrt(x.reshape(3, 2, -1).var(axis=-1) + 1e-5).repeat(2, axis=1)[..., None]
    >>> bool(np.allclose(evonorm_s0(x, groups=2), silu(x) / sd))   # v1 = 1: SiLU over a group std
    True
    """
    xa = _x(x)
    C = xa.shape[1]
    G = _groups(groups, C)
    v = _param("v1", v1, C, 1.0)
    g = _param("gamma", gamma, C, 1.0)
    b = _param("beta", beta, C, 0.0)
    e = _eps(eps)
    xg = _grouped(xa, G)
    var = xg.var(axis=-1, keepdims=True)
    if e == 0 and np.any(var == 0):
        raise ValueError("a group has zero variance and eps = 0")
    sd = np.broadcast_to(np.sqrt(var + e), xg.shape).reshape(xa.shape)
    num = xa * _sigmoid(_bc(v, xa.ndim) * xa)
    return num / sd * _bc(g, xa.ndim) + _bc(b, xa.ndim)


def evonorm_s0_backward(x, dy, v1=None, gamma=None, *, groups: int, eps: float = 1e-5
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients ``(dx, dv1, dgamma, dbeta)`` of :math:`\sum dy\cdot y` for :func:`evonorm_s0`."""
    xa = _x(x)
    d = _dy(dy, xa.shape)
    C = xa.shape[1]
    G = _groups(groups, C)
    v = _param("v1", v1, C, 1.0)
    g = _param("gamma", gamma, C, 1.0)
    e = _eps(eps)
    bax = (0,) + tuple(range(2, xa.ndim))
    xg = _grouped(xa, G)
    sd_g = np.sqrt(xg.var(axis=-1, keepdims=True) + e)
    sd = np.broadcast_to(sd_g, xg.shape).reshape(xa.shape)
    vb = _bc(v, xa.ndim)
    sg = _sigmoid(vb * xa)
    num = xa * sg
    dgamma = np.sum(d * num / sd, axis=bax)
    dbeta = np.sum(d, axis=bax)
    dh = d * _bc(g, xa.ndim)
    dnum = dh / sd
    dsd_g = _grouped(-dh * num / sd ** 2, G).sum(axis=-1, keepdims=True)
    dsig = sg * (1 - sg)
    dx = dnum * (sg + xa * vb * dsig)
    dv1 = np.sum(dnum * xa * xa * dsig, axis=bax)
    n_g = xg.shape[-1]
    dx_var = _var_back(xg, xg.mean(axis=-1, keepdims=True), dsd_g / (2 * sd_g), -1, n_g)
    return dx + dx_var.reshape(xa.shape), dv1, dgamma, dbeta

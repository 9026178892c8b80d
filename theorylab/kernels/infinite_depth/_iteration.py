"""The depth iteration of dual activations in log space (part of
:mod:`theorylab.kernels.infinite_depth`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ... import _validate as V
from ._duals import Dual, _check_log_rho, named_dual  # noqa: F401 - named_dual for the examples

MAX_DEPTH = 10**6
"""Largest depth of the iteration (one pass over the kernel entries per layer)."""

def _unit_rows(name: str, X) -> np.ndarray:
    A = V.array(name, X, ndim=2)
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n, dim); got shape {A.shape}")
    if not np.allclose(np.linalg.norm(A, axis=1), 1.0, atol=1e-10):
        raise ValueError(f"rows of {name} must have unit norm")
    return A


def log_cosines(X, X2=None) -> np.ndarray:
    r""":math:`u_{ij} = \log(x_i\cdot z_j)` for unit vectors with non-negative inner products.

    Near :math:`\rho = 1` it is computed as :math:`\log(1 - \|x-z\|^2/2)` with ``log1p``, so
    that the gap :math:`1-\rho` keeps full relative precision (the diagonal is exactly 0).

    Parameters
    ----------
    X : (n, dim) unit rows; X2 : (m, dim) unit rows (default ``X``).

    Returns
    -------
    (n, m) array in :math:`[-\infty, 0]` (``-inf`` for orthogonal pairs).

    Examples
    --------
    >>> log_cosines([[1.0, 0.0]], [[0.6, 0.8]]).round(6).tolist()
    [[-0.510826]]
    """
    A = _unit_rows("X", X)
    B = A if X2 is None else _unit_rows("X2", X2)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X and X2 must have the same dim; got {A.shape[1]} and {B.shape[1]}")
    V.elements("X.shape[0] * X2.shape[0] * dim", (A.shape[0], B.shape[0], A.shape[1]))
    rho = A @ B.T
    if np.any(rho < -1e-12):
        raise ValueError("X, X2: inner products must be >= 0 (the log-space iteration covers rho in [0, 1])")
    sq = np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=-1)  # ||x - z||^2 = 2(1 - rho)
    with np.errstate(divide="ignore"):
        near = np.log1p(-np.minimum(sq / 2, 1.0))
        far = np.log(np.clip(rho, 0.0, 1.0))
    return np.where(rho > 0.5, near, far)


@dataclass(frozen=True)
class DeepKernels:
    """Log of the depth-L NNGP and NTK kernels at several depths.

    ``log_nngp`` and ``log_ntk`` have shape ``(len(depths),) + shape of the input``.
    """

    depths: np.ndarray
    log_nngp: np.ndarray
    log_ntk: np.ndarray = field(repr=False)

    @property
    def nngp(self) -> np.ndarray:
        """Linear-space NNGP values (may underflow to 0)."""
        return np.exp(self.log_nngp)

    @property
    def ntk(self) -> np.ndarray:
        """Linear-space NTK values (may underflow or overflow)."""
        return np.exp(self.log_ntk)


def deep_kernels_log(log_rho, dual: Dual, *, depths: Sequence[int], ntk: bool = True) -> DeepKernels:
    r"""Iterate the dual map in log space and record :math:`\log\Sigma_L`, :math:`\log\Theta_L`.

    .. math::
        u_{l+1} = \log\xi(e^{u_l}),\qquad
        \log\Theta_{l+1} = \operatorname{logaddexp}(u_{l+1},\ \log\Theta_l + \log\xi'(e^{u_l})),

    with :math:`u_0 = \log\Theta_0 = \log\rho` (spec C1; Radhakrishnan et al. 2022,
    NNGP/NTK recursions as in the authors' ``models.py``).

    Parameters
    ----------
    log_rho : array of :math:`\log\rho` in :math:`[-\infty, 0]`, any shape
        (e.g. from :func:`log_cosines`).
    dual : a :class:`Dual`.
    depths : increasing positive depths at which to record (one pass to ``max(depths)``).
    ntk : also accumulate the NTK (default); ``False`` leaves ``log_ntk`` as NaN and
        saves the derivative evaluations.

    Returns
    -------
    :class:`DeepKernels` with arrays ``(len(depths),) + log_rho.shape``.

    Examples
    --------
    >>> out = deep_kernels_log(np.log([0.5, 1.0]), named_dual("hermite_2"), depths=[1, 2])
    >>> np.exp(out.log_nngp).round(6).tolist()
    [[0.25, 1.0], [0.0625, 1.0]]
    """
    V.instance("dual", dual, Dual, hint="e.g. named_dual('relu') or PolynomialDual(coeffs)")
    u = _check_log_rho("log_rho", log_rho)
    d = V.int_array("depths", depths, ndim=1, nonempty=True, low=1, high=MAX_DEPTH)
    if np.any(np.diff(d) <= 0):
        raise ValueError(f"depths must be strictly increasing; got {d.tolist()[:8]}")
    ntk = V.flag("ntk", ntk)
    V.elements("len(depths) * log_rho.size", (d.size, max(u.size, 1)))
    want = {int(x): i for i, x in enumerate(d)}
    shape = u.shape
    cur = u.ravel().copy()
    log_theta = cur.copy()
    n_tot = cur.size
    out_s = np.empty((d.size, n_tot))
    out_t = np.full((d.size, n_tot), np.nan)
    # entries in the exactly linear regime (rho <= e^linear_below, xi(rho) = c rho) are
    # frozen at layer f and advanced in closed form:
    #   u_L = u_f + (L - f) log c,   Theta_L = c^(L-f) (Theta_f + (L - f) rho_f)
    thr = float(dual.linear_below)
    log_c = math.log(dual.slope0) if dual.slope0 > 0 else -np.inf
    linear = bool(np.isfinite(thr) and np.isfinite(log_c))
    frozen_at = np.full(n_tot, -1, dtype=np.int64)
    active = np.arange(n_tot)
    with np.errstate(divide="ignore", invalid="ignore"):
        if linear:
            fr = cur <= thr
            frozen_at[fr] = 0
            active = active[~fr]
        for layer in range(1, int(d.max()) + 1):
            if active.size:
                ua = cur[active]
                if ntk:
                    ldx = dual._log_dxi(ua)
                new = np.minimum(dual._log_xi(ua), 0.0)  # clip rho <= 1
                cur[active] = new
                if ntk:
                    log_theta[active] = np.logaddexp(new, log_theta[active] + ldx)
                if linear:
                    fr = new <= thr
                    if np.any(fr):
                        frozen_at[active[fr]] = layer
                        active = active[~fr]
            if layer in want:
                k = want[layer]
                steps = np.where(frozen_at >= 0, layer - frozen_at, 0).astype(float)
                out_s[k] = cur + np.where(steps > 0, steps * log_c, 0.0)
                if ntk:
                    extra = np.logaddexp(log_theta, np.log(steps) + cur)
                    out_t[k] = np.where(steps > 0, steps * log_c + extra, log_theta)
    out_s = out_s.reshape((d.size,) + shape)
    out_t = out_t.reshape((d.size,) + shape)
    return DeepKernels(depths=d.astype(int), log_nngp=out_s, log_ntk=out_t)


def deep_kernels(X, X2=None, *, dual: Dual, depths: Sequence[int], ntk: bool = True) -> DeepKernels:
    """:func:`deep_kernels_log` of :func:`log_cosines` ``(X, X2)``: ``(len(depths), n, m)``.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.6, 0.8]])
    >>> deep_kernels(X, dual=named_dual("relu"), depths=[1, 5]).log_nngp.shape
    (2, 2, 2)
    """
    V.instance("dual", dual, Dual, hint="e.g. named_dual('relu') or PolynomialDual(coeffs)")
    return deep_kernels_log(log_cosines(X, X2), dual, depths=depths, ntk=ntk)

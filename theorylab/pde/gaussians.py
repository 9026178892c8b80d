r"""Gaussian feature fields with analytic derivatives and parameter Jacobians (1-D).

Physics-informed Gaussians (Kang, Oh, Hong & Park, ICLR 2025, arXiv:2412.05994) embed a point
with :math:`FE(x) = \sum_i f_i G_i(x)`, :math:`G_i(x) = \exp(-\tfrac12(x-\mu_i)^\top\Sigma_i^{-1}
(x-\mu_i))`, with trainable means, covariances and features, followed by a small MLP. Our 1-D
stand-in replaces the MLP by a linear head, :math:`u(x) = \sum_i w_i G_i(x)` with
:math:`G_i = e^{-z_i^2/2}`, :math:`z_i = (x-\mu_i)/s_i`, :math:`s_i = e^{\ell_i}`. With
:math:`\theta = (w, \mu, \ell)`:

.. math::
   G' = -\frac{z}{s}G,\quad G'' = \frac{z^2-1}{s^2}G,\qquad
   \partial_\mu G = \frac{z}{s}G,\quad \partial_\ell G = z^2 G,

   \partial_\mu G' = \frac{1-z^2}{s^2}G,\quad \partial_\ell G' = \frac{2z - z^3}{s}G,\qquad
   \partial_\mu G'' = \frac{z^3-3z}{s^3}G,\quad \partial_\ell G'' = \frac{z^4-5z^2+2}{s^2}G.

The PIG fit of :math:`-u'' = f` on [a, b] with :math:`u(a) = g_0, u(b) = g_1` minimises
:math:`\sum_c \big(\sigma(-u''(x_c) - f(x_c))\big)^2/n_c + \beta\sum_{\rm bdry}(u - g)^2` (residual
scale :math:`\sigma`, e.g. :math:`\varepsilon^2` for a layer of width :math:`\varepsilon`; boundary
weight :math:`\beta`) with ``scipy.optimize.least_squares`` and the analytic Jacobian (a
finite-difference Jacobian is ~30x slower at N = 16).

Used by ``notebooks/mechanisms/physics-informed-gaussians.md``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg
import scipy.optimize

from .. import _validate as v

__all__ = ["gaussian_features", "gaussian_field", "gaussian_field_jacobian", "pack", "unpack",
           "poisson_residual", "poisson_residual_jacobian", "fit_pig_poisson", "fit_fixed_gaussians"]


def _prep(x, mu, log_s):
    x = v.shaped_array("x", x, ndim=1)
    mu = v.min_length("mu", v.shaped_array("mu", mu, ndim=1), 1)
    log_s = v.shaped_array("log_s", log_s, shape=(mu.size,))
    s = np.exp(log_s)
    z = (x[:, None] - mu[None, :]) / s[None, :]
    return z, s, np.exp(-0.5 * z**2)


def _deriv(deriv):
    if isinstance(deriv, bool) or deriv not in (0, 1, 2):
        raise ValueError(f"deriv must be 0, 1 or 2; got {deriv!r}")
    return int(deriv)


def gaussian_features(x, mu, log_s, deriv: int = 0) -> np.ndarray:
    r"""Feature matrix :math:`G^{(d)}_i(x_j)` (``deriv`` d = 0, 1, 2 in x), shape (m, N).

    Parameters
    ----------
    x : (m,) points;  mu : (N,) centres;  log_s : (N,) log widths
    deriv : 0, 1 or 2

    Returns
    -------
    G : (m, N)

    Examples
    --------
    >>> gaussian_features([0.0, 1.0], [0.0], [0.0]).ravel().round(4)
    array([1.    , 0.6065])
    """
    d = _deriv(deriv)
    z, s, G = _prep(x, mu, log_s)
    if d == 0:
        return G
    if d == 1:
        return -z / s * G
    return (z**2 - 1) / s**2 * G


def gaussian_field(x, w, mu, log_s, deriv: int = 0) -> np.ndarray:
    r""":math:`u^{(d)}(x) = \sum_i w_i G_i^{(d)}(x)`, shape (m,).

    Examples
    --------
    >>> float(gaussian_field([0.0], [2.0], [0.0], [0.0], deriv=2)[0])
    -2.0
    """
    mu = v.min_length("mu", v.shaped_array("mu", mu, ndim=1), 1)
    w = v.shaped_array("w", w, shape=(mu.size,))
    return gaussian_features(x, mu, log_s, deriv) @ w


def gaussian_field_jacobian(x, w, mu, log_s, deriv: int = 0) -> np.ndarray:
    r"""Jacobian of :math:`u^{(d)}(x_j)` with respect to :math:`\theta = (w, \mu, \ell)`, shape (m, 3N)
    (module docstring for the formulas).

    Examples
    --------
    >>> J = gaussian_field_jacobian([0.5], [1.0], [0.0], [0.0])
    >>> J.shape
    (1, 3)
    """
    d = _deriv(deriv)
    z, s, G = _prep(x, mu, log_s)
    w = v.shaped_array("w", w, shape=(s.size,))
    if d == 0:
        Gd, Gmu, Gl = G, z / s * G, z**2 * G
    elif d == 1:
        Gd, Gmu, Gl = -z / s * G, (1 - z**2) / s**2 * G, (2 * z - z**3) / s * G
    else:
        Gd = (z**2 - 1) / s**2 * G
        Gmu = (z**3 - 3 * z) / s**3 * G
        Gl = (z**4 - 5 * z**2 + 2) / s**2 * G
    return np.hstack([Gd, Gmu * w, Gl * w])


def pack(w, mu, log_s) -> np.ndarray:
    """``theta = concatenate([w, mu, log_s])``, shape (3N,).

    Examples
    --------
    >>> pack([1.0], [2.0], [3.0])
    array([1., 2., 3.])
    """
    mu = v.min_length("mu", v.shaped_array("mu", mu, ndim=1), 1)
    return np.concatenate([v.shaped_array("w", w, shape=mu.shape), mu,
                           v.shaped_array("log_s", log_s, shape=mu.shape)])


def unpack(theta) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inverse of :func:`pack`: ``(w, mu, log_s)``.

    Examples
    --------
    >>> [a.tolist() for a in unpack([1.0, 2.0, 3.0])]
    [[1.0], [2.0], [3.0]]
    """
    th = v.min_length("theta", v.shaped_array("theta", theta, ndim=1), 3)
    if th.size % 3:
        raise ValueError(f"theta must have length 3N; got {th.size}")
    n = th.size // 3
    return th[:n], th[n:2 * n], th[2 * n:]


def _bdry(x_bc, g):
    x_bc = v.min_length("x_bc", v.shaped_array("x_bc", x_bc, ndim=1), 1)
    return x_bc, v.shaped_array("g", g, shape=x_bc.shape)


def poisson_residual(theta, x_col, f_col, x_bc, g, *, residual_scale: float = 1.0,
                     bc_weight: float = 10.0) -> np.ndarray:
    r"""Residual vector of the PIG Poisson fit:
    :math:`[\sigma(-u''(x_c) - f_c)/\sqrt{n_c};\ \sqrt\beta\,(u(x_b) - g_b)]`, shape (n_c + n_b,).

    Parameters
    ----------
    theta : (3N,) packed (w, mu, log_s)
    x_col, f_col : (n_c,) collocation points and source values
    x_bc, g : (n_b,) boundary points and Dirichlet values
    residual_scale : sigma > 0;  bc_weight : beta > 0

    Examples
    --------
    >>> th = pack([1.0], [0.5], [np.log(0.2)])
    >>> poisson_residual(th, [0.5], [25.0], [0.0, 1.0], [0.0, 0.0]).shape
    (3,)
    """
    w, mu, ls = unpack(theta)
    x_col = v.min_length("x_col", v.shaped_array("x_col", x_col, ndim=1), 1)
    f_col = v.shaped_array("f_col", f_col, shape=x_col.shape)
    x_bc, g = _bdry(x_bc, g)
    sig = v.positive_real("residual_scale", residual_scale) / np.sqrt(x_col.size)
    sb = np.sqrt(v.positive_real("bc_weight", bc_weight))
    return np.concatenate([sig * (-gaussian_field(x_col, w, mu, ls, 2) - f_col),
                           sb * (gaussian_field(x_bc, w, mu, ls, 0) - g)])


def poisson_residual_jacobian(theta, x_col, f_col, x_bc, g, *, residual_scale: float = 1.0,
                              bc_weight: float = 10.0) -> np.ndarray:
    """Analytic Jacobian of :func:`poisson_residual` in theta, shape (n_c + n_b, 3N).

    Examples
    --------
    >>> th = pack([1.0, 0.5], [0.3, 0.6], [-2.0, -1.5])
    >>> poisson_residual_jacobian(th, np.linspace(0, 1, 5), np.zeros(5), [0.0, 1.0], [0.0, 0.0]).shape
    (7, 6)
    """
    w, mu, ls = unpack(theta)
    x_col = v.min_length("x_col", v.shaped_array("x_col", x_col, ndim=1), 1)
    v.shaped_array("f_col", f_col, shape=x_col.shape)
    x_bc, _ = _bdry(x_bc, g)
    sig = v.positive_real("residual_scale", residual_scale) / np.sqrt(x_col.size)
    sb = np.sqrt(v.positive_real("bc_weight", bc_weight))
    return np.vstack([-sig * gaussian_field_jacobian(x_col, w, mu, ls, 2),
                      sb * gaussian_field_jacobian(x_bc, w, mu, ls, 0)])


def fit_pig_poisson(theta0, x_col, f_col, x_bc, g, *, residual_scale: float = 1.0, bc_weight: float = 10.0,
                    log_s_min: float = -8.0, max_nfev: int = 2000, jac: str = "analytic"):
    r"""Fit all of (w, mu, log s) by trust-region least squares (``scipy.optimize.least_squares``,
    method "trf"), with ``log s >= log_s_min`` (guards against collapsing Gaussians).

    Parameters
    ----------
    theta0 : (3N,) initial packed parameters
    x_col, f_col, x_bc, g, residual_scale, bc_weight : as in :func:`poisson_residual`
    log_s_min : lower bound on the log widths
    max_nfev : evaluation budget
    jac : "analytic" (:func:`poisson_residual_jacobian`) or "2-point" (finite differences;
        only for timing comparisons)

    Returns
    -------
    scipy.optimize.OptimizeResult (``.x`` the packed parameters, ``.cost`` = half the loss)

    Examples
    --------
    >>> x = np.linspace(0, 1, 41); f = np.pi**2 * np.sin(np.pi * x)       # u = sin(pi x)
    >>> th0 = pack(np.zeros(6), np.linspace(0, 1, 6), np.full(6, np.log(0.2)))
    >>> res = fit_pig_poisson(th0, x, f, [0.0, 1.0], [0.0, 0.0], residual_scale=0.1)
    >>> w, mu, ls = unpack(res.x)
    >>> bool(np.max(np.abs(gaussian_field(x, w, mu, ls) - np.sin(np.pi * x))) < 1e-2)
    True
    """
    th0 = v.min_length("theta0", v.shaped_array("theta0", theta0, ndim=1), 3)
    v.choice("jac", jac, ("analytic", "2-point"))
    lmin = v.finite_real("log_s_min", log_s_min)
    n = th0.size // 3
    lo = np.concatenate([np.full(2 * n, -np.inf), np.full(n, lmin)])
    th0 = th0.copy()
    th0[2 * n:] = np.maximum(th0[2 * n:], lmin + 1e-12)
    kw = dict(residual_scale=residual_scale, bc_weight=bc_weight)
    J = (lambda th: poisson_residual_jacobian(th, x_col, f_col, x_bc, g, **kw)) if jac == "analytic" else "2-point"
    return scipy.optimize.least_squares(lambda th: poisson_residual(th, x_col, f_col, x_bc, g, **kw), th0,
                                        jac=J, bounds=(lo, np.full(3 * n, np.inf)), method="trf",
                                        max_nfev=v.count("max_nfev", max_nfev),
                                        x_scale="jac", xtol=1e-12, ftol=1e-12, gtol=1e-12)


def fit_fixed_gaussians(mu, log_s, x_col, f_col, x_bc, g, *, residual_scale: float = 1.0,
                        bc_weight: float = 10.0) -> np.ndarray:
    r"""Best weights for *fixed* centres and widths: the same loss is linear in w, solved
    exactly by least squares (the strongest fixed-grid baseline).

    Returns
    -------
    w : (N,)

    Examples
    --------
    >>> x = np.linspace(0, 1, 41); f = np.pi**2 * np.sin(np.pi * x)
    >>> mu = np.linspace(0, 1, 12); ls = np.full(12, np.log(2 / 12))
    >>> w = fit_fixed_gaussians(mu, ls, x, f, [0.0, 1.0], [0.0, 0.0], residual_scale=0.1)
    >>> bool(np.max(np.abs(gaussian_field(x, w, mu, ls) - np.sin(np.pi * x))) < 5e-2)
    True
    """
    x_col = v.min_length("x_col", v.shaped_array("x_col", x_col, ndim=1), 1)
    f_col = v.shaped_array("f_col", f_col, shape=x_col.shape)
    x_bc, g = _bdry(x_bc, g)
    sig = v.positive_real("residual_scale", residual_scale) / np.sqrt(x_col.size)
    sb = np.sqrt(v.positive_real("bc_weight", bc_weight))
    A = np.vstack([-sig * gaussian_features(x_col, mu, log_s, 2), sb * gaussian_features(x_bc, mu, log_s, 0)])
    y = np.concatenate([sig * f_col, sb * g])
    return scipy.linalg.lstsq(A, y, lapack_driver="gelsd")[0]

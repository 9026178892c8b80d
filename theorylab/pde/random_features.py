r"""Periodic random tanh features and the least-squares random-feature PINN for advection.

A stand-in for the MLP PINNs of Mojgani et al., *Lagrangian PINNs* (arXiv:2205.02902): the hidden
layer is frozen at random values and only the output weights are fitted, so "training" is a
linear least-squares problem whose Hessian is exact. The features

.. math:: \phi_k(x, t) = \tanh(a_k\cos x + b_k\sin x + w_k t + d_k)

are exactly :math:`2\pi`-periodic in x (the paper's "POLAR" input :math:`(\cos x, \sin x, t)`,
official code ``code/mynet_POLAR.py``), with analytic derivatives
:math:`\partial_x\phi = (1-\phi^2)(-a\sin x + b\cos x)` and :math:`\partial_t\phi = (1-\phi^2)w`.

For :math:`u = \sum_k \beta_k\phi_k` the PINN loss of :math:`u_t + c u_x = 0`, :math:`u(x,0)=u_0`,

.. math:: L(\beta) = \tfrac12\Big[\tfrac1{n_r}\sum_{r}(u_t + c u_x)^2(x_r,t_r)
          + \tfrac{\lambda}{n_0}\sum_i (u(x_i,0) - u_0(x_i))^2\Big] = \tfrac12\|A\beta - y\|^2,

is quadratic with Hessian :math:`A^\top A`; the neural-tangent kernel of the residuals is
:math:`AA^\top`, which has the same non-zero eigenvalues. In the Lagrangian frame
(characteristics :math:`x = x_0 + ct`) the residual is :math:`u_t` alone: set ``c = 0``.

Used by ``notebooks/mechanisms/lagrangian-pinns.md``.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg

from .. import _validate as v

__all__ = ["sample_periodic_tanh_params", "periodic_tanh_features", "pinn_features", "advection_pinn_system",
           "fit_least_squares"]


def sample_periodic_tanh_params(n_features: int, *, rng: np.random.Generator, space_scale: float = 2.0,
                                time_scale: float = 1.0, c_scale: float = 1.0) -> dict[str, np.ndarray]:
    r"""Random hidden-layer parameters of :func:`periodic_tanh_features`.

    :math:`a_k, b_k \sim N(0, \sigma_x^2)`, :math:`w_k = s\,c_{\rm ref}\,\xi_k` with
    :math:`\xi_k\sim N(0,1)`, and :math:`d_k \sim N(0,1)` (the catalogue's
    ``s * c_k * t`` time term; ``time_scale`` is s, ``c_scale`` a speed the time frequencies are
    matched to). The distributions are our choice (the catalogue does not specify them).

    Parameters
    ----------
    n_features : int >= 1
    rng : numpy.random.Generator (required)
    space_scale, time_scale, c_scale : floats > 0

    Returns
    -------
    params : dict with arrays ``a, b, w, d`` of shape (n_features,)

    Examples
    --------
    >>> p = sample_periodic_tanh_params(3, rng=np.random.default_rng(0))
    >>> sorted(p), p["a"].shape
    (['a', 'b', 'd', 'w'], (3,))
    """
    k = v.count("n_features", n_features)
    v.elements("n_features", 4 * k)
    rng = v.generator("rng", rng)
    sx = v.positive_real("space_scale", space_scale)
    st = v.positive_real("time_scale", time_scale) * v.positive_real("c_scale", c_scale)
    z = rng.standard_normal((4, k))
    return {"a": sx * z[0], "b": sx * z[1], "w": st * z[2], "d": z[3]}


def _check_params(params) -> dict[str, np.ndarray]:
    if not isinstance(params, dict) or set(params) != {"a", "b", "w", "d"}:
        raise TypeError("params must be a dict with keys a, b, w, d (see sample_periodic_tanh_params)")
    out = {key: v.min_length(f"params[{key!r}]", v.shaped_array(f"params[{key!r}]", params[key], ndim=1), 1) for key in "abwd"}
    if len({a.size for a in out.values()}) != 1:
        raise ValueError("params arrays must all have the same length")
    return out


def periodic_tanh_features(x, t, params, *, derivatives: bool = True):
    r"""Feature values and their x- and t-derivatives at points ``(x, t)``.

    Parameters
    ----------
    x, t : (m,) coordinates (broadcast together)
    params : dict from :func:`sample_periodic_tanh_params`, arrays of length K
    derivatives : also return the derivatives (default); ``False`` returns ``phi`` alone

    Returns
    -------
    phi, phi_x, phi_t : (m, K) each (or ``phi`` only)

    Examples
    --------
    >>> p = sample_periodic_tanh_params(4, rng=np.random.default_rng(1))
    >>> f0, _, _ = periodic_tanh_features([0.3], [0.2], p)
    >>> f1 = periodic_tanh_features([0.3 + 2 * np.pi], [0.2], p, derivatives=False)
    >>> bool(np.allclose(f0, f1))
    True
    """
    x = v.shaped_array("x", x, ndim=1)
    t = v.shaped_array("t", t, ndim=1)
    try:
        x, t = np.broadcast_arrays(x, t)
    except ValueError:
        raise ValueError(f"x and t must have broadcastable shapes; got {x.shape} and {t.shape}") from None
    p = _check_params(params)
    derivatives = v.flag("derivatives", derivatives)
    cx, sx = np.cos(x), np.sin(x)
    phi = np.multiply.outer(cx, p["a"])
    phi += np.multiply.outer(sx, p["b"])
    phi += np.multiply.outer(t, p["w"])
    phi += p["d"]
    np.tanh(phi, out=phi)
    if not derivatives:
        return phi
    dphi = 1.0 - phi**2
    px = np.multiply.outer(cx, p["b"])
    px -= np.multiply.outer(sx, p["a"])
    px *= dphi
    dphi *= p["w"]
    return phi, px, dphi


def pinn_features(x_res, t_res, x_ic, params) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The feature blocks of :func:`advection_pinn_system` that do not depend on c:
    :math:`\partial_x\phi, \partial_t\phi` at the collocation points and :math:`\phi(x_i, 0)`.

    Computing them once and passing ``features=`` to :func:`advection_pinn_system` saves the
    (dominant) cost of the tanh evaluations when the same features serve several speeds.

    Returns
    -------
    phi_x, phi_t : (n_r, K);  phi_0 : (n_0, K)

    Examples
    --------
    >>> p = sample_periodic_tanh_params(5, rng=np.random.default_rng(2))
    >>> [b.shape for b in pinn_features([0.1, 0.2], [0.5, 0.5], [0.0], p)]
    [(2, 5), (2, 5), (1, 5)]
    """
    x_res = v.shaped_array("x_res", x_res, ndim=1)
    t_res = v.shaped_array("t_res", t_res, ndim=1)
    if x_res.size != t_res.size and 1 not in (x_res.size, t_res.size):
        raise ValueError(f"x_res and t_res must have broadcastable shapes; got {x_res.shape} and {t_res.shape}")
    _, px, pt = periodic_tanh_features(x_res, t_res, params)
    x_ic = v.min_length("x_ic", v.shaped_array("x_ic", x_ic, ndim=1), 1)
    phi0, _, _ = periodic_tanh_features(x_ic, np.zeros_like(x_ic), params)
    return px, pt, phi0


def advection_pinn_system(c: float, x_res, t_res, x_ic, u0_ic, params, *, ic_weight: float = 10.0,
                          features: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    r"""Least-squares system :math:`(A, y)` of the random-feature PINN loss (module docstring).

    Rows 0..n_r-1: :math:`(\partial_t\phi + c\,\partial_x\phi)/\sqrt{n_r}` with target 0;
    rows n_r..: :math:`\sqrt{\lambda/n_0}\,\phi(x_i, 0)` with target :math:`\sqrt{\lambda/n_0}\,u_0(x_i)`.

    Parameters
    ----------
    c : float, convection speed (0 for the Lagrangian frame)
    x_res, t_res : (n_r,) collocation points
    x_ic : (n_0,) initial-condition points; u0_ic : (n_0,) initial values there
    params : hidden-layer parameters (K features)
    ic_weight : float > 0, the weight :math:`\lambda`
    features : optional output of :func:`pinn_features` for the same points and params

    Returns
    -------
    A : (n_r + n_0, K);  y : (n_r + n_0,)

    Examples
    --------
    >>> p = sample_periodic_tanh_params(5, rng=np.random.default_rng(2))
    >>> A, y = advection_pinn_system(1.0, [0.1, 0.2], [0.5, 0.5], [0.0], [1.0], p)
    >>> A.shape, y.shape
    ((3, 5), (3,))
    """
    c = v.finite_real("c", c)
    lam = v.positive_real("ic_weight", ic_weight)
    x_ic = v.min_length("x_ic", v.shaped_array("x_ic", x_ic, ndim=1), 1)
    u0_ic = v.shaped_array("u0_ic", u0_ic, shape=(x_ic.size,))
    if features is None:
        px, pt, phi0 = pinn_features(x_res, t_res, x_ic, params)
    else:
        if not isinstance(features, tuple) or len(features) != 3:
            raise TypeError("features must be the tuple (phi_x, phi_t, phi_0) returned by pinn_features; "
                            f"got {type(features).__name__}")
        px, pt, phi0 = (v.shaped_array(f"features[{i}]", f, ndim=2) for i, f in enumerate(features))
    if phi0.shape[0] != x_ic.size or px.shape != pt.shape:
        raise ValueError("features do not match x_ic / the collocation points")
    n_r, n_0 = px.shape[0], x_ic.size
    w0 = np.sqrt(lam / n_0)
    A = np.vstack([(pt + c * px) / np.sqrt(n_r), w0 * phi0])
    y = np.concatenate([np.zeros(n_r), w0 * u0_ic])
    return A, y


def fit_least_squares(A, y, *, return_singular_values: bool = False):
    r"""Minimum-norm least-squares weights :math:`\beta = \arg\min\|A\beta - y\|` (LAPACK ``gelsd``).

    Parameters
    ----------
    A : (n, K);  y : (n,)
    return_singular_values : also return the singular values of A (descending), which gelsd
        computes anyway: :math:`\sigma_1^2` is the top eigenvalue of the Hessian :math:`A^\top A`

    Returns
    -------
    beta : (K,)  (and sigma : (min(n, K),))

    Examples
    --------
    >>> fit_least_squares(np.eye(2), [1.0, 2.0])
    array([1., 2.])
    >>> fit_least_squares(np.diag([3.0, 1.0]), [1.0, 1.0], return_singular_values=True)[1]
    array([3., 1.])
    """
    A = v.min_length("A", v.shaped_array("A", A, ndim=2), 1)
    y = v.shaped_array("y", y, shape=(A.shape[0],))
    return_singular_values = v.flag("return_singular_values", return_singular_values)
    beta, _, _, sig = scipy.linalg.lstsq(A, y, lapack_driver="gelsd")
    return (beta, sig) if return_singular_values else beta

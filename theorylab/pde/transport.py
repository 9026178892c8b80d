r"""Periodic transport by FFT and the closed form of its snapshot spectrum.

The model problem of Mojgani, Balajewicz & Hassanzadeh, *Lagrangian PINNs* (arXiv:2205.02902)
is the periodic convection-diffusion equation

.. math:: u_t + c\,u_x = \nu\,u_{xx},\qquad x\in[0, 2\pi)\ \text{periodic},\qquad u(x,0)=u_0(x),

solved exactly in Fourier space, :math:`\hat u_k(t) = \hat u_k(0)\,e^{-ikct-\nu k^2 t}`.
In the Lagrangian frame :math:`x = x_0 + ct` the speed disappears and the state obeys the heat
equation :math:`u_t = \nu u_{x_0x_0}` (the same formula with :math:`c = 0`).

For the localised bump :math:`u_0(x) = e^{\kappa(\cos(x-\pi)-1)}` the Fourier coefficients are
modified-Bessel ratios, :math:`e^{\kappa(\cos\theta-1)} = \sum_k e^{-\kappa} I_k(\kappa)\,e^{ik\theta}`
(the generating function of :math:`I_k`), which gives the singular values of the inviscid
snapshot matrix in closed form (:func:`advection_singular_values_exact`).

Viscous Burgers :math:`u_t + uu_x = \nu u_{xx}` is solved twice: Eulerian pseudo-spectrally
(:func:`burgers_pseudospectral`) and on characteristics (:func:`burgers_characteristics`, the
Lagrangian reformulation behind LPINNs: :math:`\dot X = U`, :math:`\dot U = \nu u_{xx}`), with the
Cole-Hopf closed form (:func:`burgers_cole_hopf`) as an independent reference.

Used by ``notebooks/mechanisms/lagrangian-pinns.md``.
"""

from __future__ import annotations

import numpy as np
from scipy import interpolate, special

from .. import _validate as v

__all__ = ["periodic_grid", "periodic_bump", "bump_fourier_coefficients", "advect_diffuse_fft",
           "transport_snapshots", "advection_singular_values_exact", "burgers_pseudospectral",
           "burgers_characteristics", "burgers_cole_hopf", "periodic_spline_to_grid"]


def periodic_grid(n_points: int) -> np.ndarray:
    r"""Uniform grid :math:`x_i = 2\pi i/N`, :math:`i = 0..N-1`, on the periodic interval.

    Parameters
    ----------
    n_points : int >= 2

    Returns
    -------
    x : (n_points,)

    Examples
    --------
    >>> periodic_grid(4) / np.pi
    array([0. , 0.5, 1. , 1.5])
    """
    n = v.count("n_points", n_points, low=2)
    v.elements("n_points", n)
    return 2 * np.pi * np.arange(n) / n


def periodic_bump(x, kappa: float, center: float = np.pi) -> np.ndarray:
    r"""The localised periodic bump :math:`u_0(x) = \exp(\kappa(\cos(x - x_c) - 1))`.

    Its width is about :math:`1/\sqrt{\kappa}`; its maximum is 1 at :math:`x_c`. This is the
    initial condition of the catalogue's Lagrangian-PINN checks (``kappa = 20``); a localised
    profile is needed, since ``sin(x - ct)`` spans a rank-2 manifold for every c.

    Parameters
    ----------
    x : array_like, any shape
    kappa : float > 0
    center : float

    Returns
    -------
    u0 : same shape as ``x``

    Examples
    --------
    >>> float(periodic_bump(np.pi, 20.0))
    1.0
    """
    x = v.shaped_array("x", x)
    k = v.positive_real("kappa", kappa)
    c = v.finite_real("center", center)
    return np.exp(k * (np.cos(x - c) - 1.0))


def bump_fourier_coefficients(kappa: float, k) -> np.ndarray:
    r"""Fourier coefficients of :func:`periodic_bump` centred at 0:
    :math:`a_k = e^{-\kappa} I_k(\kappa) =` ``scipy.special.ive(k, kappa)``.

    ``u0(x) = sum_k a_k exp(ik(x - x_c))``, with :math:`a_{-k} = a_k`.

    Parameters
    ----------
    kappa : float > 0
    k : array_like of integers (wavenumbers)

    Returns
    -------
    a : same shape as ``k``

    Examples
    --------
    >>> x = periodic_grid(64)
    >>> a = np.fft.fft(periodic_bump(x, 5.0, center=0.0)) / 64
    >>> bool(np.allclose(a[:4].real, bump_fourier_coefficients(5.0, np.arange(4))))
    True
    """
    kap = v.positive_real("kappa", kappa)
    k = np.asarray(k)
    if not np.issubdtype(k.dtype, np.integer):
        raise TypeError(f"k must hold integers; got dtype {k.dtype}")
    return special.ive(np.abs(k), kap)


def advect_diffuse_fft(u0, t, c: float, nu: float = 0.0) -> np.ndarray:
    r"""Exact periodic solution of :math:`u_t + c u_x = \nu u_{xx}` on the grid of ``u0``.

    :math:`\hat u_k(t) = \hat u_k(0)\exp(-ikct - \nu k^2 t)` with real FFTs; the Nyquist mode
    of an even grid is advanced by the real part of its factor (it is ambiguous on the grid).

    Parameters
    ----------
    u0 : (N,) values of the initial condition on :func:`periodic_grid` ``(N)``
    t : (M,) times (any real values, e.g. ``linspace(0, 1, M)``)
    c : float, convection speed
    nu : float >= 0, viscosity

    Returns
    -------
    U : (N, M) snapshot matrix, ``U[i, j] = u(x_i, t_j)``

    Examples
    --------
    >>> x = periodic_grid(32)
    >>> U = advect_diffuse_fft(np.sin(x), [0.0, 1.0], c=2.0)
    >>> bool(np.allclose(U[:, 1], np.sin(x - 2.0)))
    True
    """
    u0 = v.min_length("u0", v.shaped_array("u0", u0, ndim=1), 2)
    t = v.min_length("t", v.shaped_array("t", t, ndim=1), 1)
    c = v.finite_real("c", c)
    nu = v.nonneg_real("nu", nu)
    n = u0.size
    k = np.fft.rfftfreq(n, d=1.0 / n)               # 0, 1, ..., n//2
    factor = np.exp(np.outer(-1j * c * k - nu * k**2, t))   # (n//2+1, M)
    if n % 2 == 0:                                   # the Nyquist mode is a real cosine
        factor[-1] = factor[-1].real
    return np.fft.irfft(np.fft.rfft(u0)[:, None] * factor, n=n, axis=0)


def transport_snapshots(u0, t, c: float, nu: float = 0.0, *, frame: str = "eulerian") -> np.ndarray:
    r"""Snapshot matrix of the convection-diffusion solution in the Eulerian or Lagrangian frame.

    * ``frame="eulerian"``: :math:`U_{ij} = u(x_i, t_j)` on the fixed grid (speed ``c``);
    * ``frame="lagrangian"``: :math:`U_{ij} = u(x_{0,i} + c t_j, t_j)`, the state along the
      characteristics, which solves the heat equation in :math:`x_0` and does not depend on c.

    Parameters
    ----------
    u0 : (N,) initial values on :func:`periodic_grid`
    t : (M,) times
    c, nu : floats (``nu >= 0``)
    frame : "eulerian" | "lagrangian"

    Returns
    -------
    U : (N, M)

    Examples
    --------
    >>> x = periodic_grid(16); u0 = periodic_bump(x, 3.0)
    >>> L = transport_snapshots(u0, [0.0, 0.5], c=7.0, frame="lagrangian")
    >>> bool(np.allclose(L[:, 1], u0))
    True
    """
    v.choice("frame", frame, ("eulerian", "lagrangian"))
    c = v.finite_real("c", c)
    return advect_diffuse_fft(u0, t, c if frame == "eulerian" else 0.0, nu)


def advection_singular_values_exact(kappa: float, n_x: int, n_t: int, n_values: int) -> np.ndarray:
    r"""Closed-form singular values of the inviscid bump snapshot matrix.

    For :math:`U_{ij} = u_0(x_i - c\,t_j)` with :math:`x_i = 2\pi i/N`, :math:`t_j = j/M`,
    :math:`c = 2\pi m` (integer m) and no aliasing (the bump's modes beyond
    :math:`\min(N/2, M/(2m))` negligible), the Fourier modes are orthogonal in both indices, so

    .. math:: \sigma = \sqrt{NM}\,\{a_0,\ a_1, a_1,\ a_2, a_2,\ \dots\},\qquad a_k = e^{-\kappa}I_k(\kappa),

    k = 0 once and each k >= 1 twice (the cosine and sine of each wavenumber). Derivation in the
    notebook ``lagrangian-pinns`` (catalogue check C1').

    Parameters
    ----------
    kappa : float > 0
    n_x, n_t : grid sizes N, M
    n_values : how many of the largest singular values to return

    Returns
    -------
    sigma : (n_values,) descending

    Examples
    --------
    >>> s = advection_singular_values_exact(20.0, 256, 400, 3)
    >>> bool(s[1] == s[2])
    True
    """
    kap = v.positive_real("kappa", kappa)
    n_x = v.count("n_x", n_x)
    n_t = v.count("n_t", n_t)
    n_values = v.count("n_values", n_values)
    v.elements("n_values", n_values)
    n_k = n_values // 2 + 1
    a = special.ive(np.arange(n_k), kap)
    vals = np.concatenate([a[:1], np.repeat(a[1:], 2)])[:n_values]
    return np.sqrt(n_x * n_t) * vals


MAX_STEPS = 10**6
"""Largest number of RK4 steps ``ceil(t_final / dt)`` the Burgers solvers take."""


def _rk4(rhs, y, t_final, dt):
    n_steps = max(1, int(np.ceil(t_final / dt - 1e-12)))
    h = t_final / n_steps
    for _ in range(n_steps):
        k1 = rhs(y)
        k2 = rhs(y + 0.5 * h * k1)
        k3 = rhs(y + 0.5 * h * k2)
        k4 = rhs(y + h * k3)
        y = y + (h / 6.0) * (k1 + 2 * k2 + 2 * k3 + k4)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"the RK4 iteration is unstable (non-finite state): dt = {dt:g} is too large for "
                             f"nu and the grid (stability needs about dt < 2.8 / (nu (N/2)^2))")
    return y


def _check_burgers(u0, t_final, nu, dt):
    u0 = v.min_length("u0", v.shaped_array("u0", u0, ndim=1), 4)
    t_final, nu, dt = v.nonneg_real("t_final", t_final), v.positive_real("nu", nu), v.positive_real("dt", dt)
    if t_final / dt > MAX_STEPS:
        raise ValueError(f"t_final / dt = {t_final / dt:.3g} RK4 steps is too many (limit {MAX_STEPS:g}); "
                         f"increase dt or reduce t_final")
    return u0, t_final, nu, dt


def burgers_pseudospectral(u0, t_final: float, nu: float, *, dt: float) -> np.ndarray:
    r"""Eulerian pseudo-spectral solution of :math:`u_t + u u_x = \nu u_{xx}` (periodic), classical
    RK4 in time with the 2/3 dealiasing rule on the product.

    Parameters
    ----------
    u0 : (N,) initial values on :func:`periodic_grid` ``(N)``
    t_final : float >= 0
    nu : float > 0
    dt : float > 0, time step upper bound (stability needs about ``dt < 2.8 / (nu (N/2)^2)``)

    Returns
    -------
    u : (N,) at ``t_final``

    Examples
    --------
    >>> x = periodic_grid(64)
    >>> u = burgers_pseudospectral(0.3 * np.sin(x), 0.5, 0.1, dt=1e-3)
    >>> bool(np.allclose(u, burgers_cole_hopf(x, 0.5, 0.1, amplitude=0.3), atol=1e-9))
    True
    """
    u0, t_final, nu, dt = _check_burgers(u0, t_final, nu, dt)
    n = u0.size
    k = np.fft.rfftfreq(n, d=1.0 / n)
    keep = k < n / 3.0                                   # 2/3 rule

    def rhs(uh):
        u = np.fft.irfft(uh, n=n)
        ux = np.fft.irfft(1j * k * uh, n=n)
        return -np.fft.rfft(u * ux) * keep - nu * k**2 * uh

    return np.fft.irfft(_rk4(rhs, np.fft.rfft(u0), t_final, dt), n=n)


def burgers_characteristics(u0, t_final: float, nu: float, *, dt: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Viscous Burgers on characteristics (Lagrangian frame): particles start at the grid points
    :math:`x_0` and obey :math:`\dot X = U`, :math:`\dot U = \nu u_{xx}`, with the Eulerian
    derivatives expressed through the map, :math:`u_x = U_{x_0}/X_{x_0}`,
    :math:`u_{xx} = (u_x)_{x_0}/X_{x_0}` (spectral derivatives of the periodic parts in
    :math:`x_0`, truncated by the 2/3 rule, without which aliasing of the quotients grows on fine
    grids; valid before characteristics cross, i.e. while :math:`X_{x_0} > 0`). RK4 in time.

    Parameters
    ----------
    u0 : (N,) initial values on :func:`periodic_grid` ``(N)``
    t_final, nu, dt : as in :func:`burgers_pseudospectral` (the map compresses, so take ``dt``
        a few times smaller)

    Returns
    -------
    X : (N,) particle positions at ``t_final`` (unwrapped, increasing)
    U : (N,) the state carried by each particle

    Examples
    --------
    >>> x = periodic_grid(64)
    >>> X, U = burgers_characteristics(0.3 * np.sin(x), 0.5, 0.1, dt=1e-3)
    >>> bool(np.allclose(U, burgers_cole_hopf(X, 0.5, 0.1, amplitude=0.3), atol=1e-8))
    True
    """
    u0, t_final, nu, dt = _check_burgers(u0, t_final, nu, dt)
    n = u0.size
    k = np.fft.rfftfreq(n, d=1.0 / n)
    k_d = np.where(k < n / 3.0, k, 0.0)                 # 2/3 rule on every derivative (and Nyquist)
    D = lambda f: np.fft.irfft(1j * k_d * np.fft.rfft(f), n=n)   # noqa: E731

    def rhs(y):
        xi, U = y[:n], y[n:]
        J = 1.0 + D(xi)
        if np.any(J <= 0):
            raise ValueError("characteristics crossed (X_x0 <= 0): t_final is past the breaking time, "
                             "or dt is too large for nu and the grid (an unstable step)")
        ux = D(U) / J
        return np.concatenate([U, nu * D(ux) / J])

    y = _rk4(rhs, np.concatenate([np.zeros(n), u0]), t_final, dt)
    return periodic_grid(n) + y[:n], y[n:]


def burgers_cole_hopf(x, t: float, nu: float, *, amplitude: float, mean: float = 0.0,
                      n_modes: int = 200) -> np.ndarray:
    r"""Closed-form viscous Burgers solution for :math:`u_0 = m + A\sin x` (Cole-Hopf).

    With :math:`a = A/(2\nu)`, :math:`\varphi(y, t) = \sum_k I_k(a)e^{-\nu k^2 t}e^{iky}` (the heat
    flow of :math:`e^{a\cos y}`), :math:`w = -2\nu\varphi_y/\varphi`, and the Galilean shift
    :math:`u(x, t) = m + w(x - mt, t)`.

    Parameters
    ----------
    x : array_like;  t : float >= 0;  nu : float > 0
    amplitude : A;  mean : m;  n_modes : terms of the Bessel series

    Returns
    -------
    u : shape of ``x``

    Examples
    --------
    >>> u = burgers_cole_hopf(np.linspace(0, 6, 5), 30.0, 0.5, amplitude=0.5, mean=0.2)   # decays to the mean
    >>> bool(np.allclose(u, 0.2, atol=1e-5))
    True
    """
    x = v.shaped_array("x", x)
    t = v.nonneg_real("t", t)
    nu = v.positive_real("nu", nu)
    A = v.finite_real("amplitude", amplitude)
    m = v.finite_real("mean", mean)
    n_modes = v.count("n_modes", n_modes)
    v.elements("x.size * n_modes", x.size * n_modes)
    kk = np.arange(1, n_modes + 1)
    a = A / (2 * nu)
    if t == 0:
        return m + A * np.sin(x)
    y = x - m * t
    c = special.ive(kk, abs(a)) * np.exp(-nu * kk**2 * t) * np.sign(a) ** kk
    phi = special.ive(0, abs(a)) + 2 * np.tensordot(np.cos(np.multiply.outer(y, kk)), c, axes=1)
    phi_y = -2 * np.tensordot(np.sin(np.multiply.outer(y, kk)), kk * c, axes=1)
    return m - 2 * nu * phi_y / phi


def periodic_spline_to_grid(X, U, x_grid) -> np.ndarray:
    r"""Periodic cubic-spline interpolation of particle values ``U`` at increasing positions ``X``
    (one period, unwrapped) onto ``x_grid`` (any points; reduced mod :math:`2\pi`).

    Examples
    --------
    >>> X = np.sort(np.random.default_rng(0).uniform(0, 2 * np.pi, 40)) + 1.0
    >>> u = periodic_spline_to_grid(X, np.sin(X), periodic_grid(16))
    >>> bool(np.allclose(u, np.sin(periodic_grid(16)), atol=1e-3))
    True
    """
    X = v.min_length("X", v.shaped_array("X", X, ndim=1), 4)
    U = v.shaped_array("U", U, shape=X.shape)
    if np.any(np.diff(X) <= 0) or X[-1] - X[0] >= 2 * np.pi:
        raise ValueError("X must be increasing and span less than one period")
    xg = v.shaped_array("x_grid", x_grid, ndim=1)
    spl = interpolate.CubicSpline(np.append(X, X[0] + 2 * np.pi), np.append(U, U[0]), bc_type="periodic")
    return spl(X[0] + np.mod(xg - X[0], 2 * np.pi))

"""The SEA instance family: instances, schedules, variations, losses and gradients
(part of :mod:`theorylab.online`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V
from ._core import (
    MAX_T,
    _check_rng,
    _finite,
    _logcosh,
    _pos_int,
    _rowdot,
)


@dataclass(frozen=True)
class SEAInstance:
    """A drawn SEA instance, batched over ``R`` repetitions.

    Attributes
    ----------
    A : (m, d) rows ``a_j`` of the ``log cosh`` part (``m`` may be 0)
    b : (m,)
    lam : curvature ``lambda >= 0`` of the quadratic part
    centers : (R, T, d) centres ``c_t`` (a broadcast view when shared)
    shift : (R, T, d) adversarial linear shifts ``m_t``
    xi : (R, T, d) stochastic linear noise ``xi_t``
    zeta : (R, T) stochastic curvature noise ``zeta_t``
    sigma : (R, T) noise scale per coordinate of ``xi_t``
    zeta_std : standard deviation of ``zeta_t``
    radius : radius of the ball domain (diameter ``D = 2 radius``)
    """

    A: np.ndarray
    b: np.ndarray
    lam: float
    centers: np.ndarray
    shift: np.ndarray
    xi: np.ndarray
    zeta: np.ndarray
    sigma: np.ndarray
    zeta_std: float
    radius: float

    @property
    def n_repeats(self) -> int:
        return self.xi.shape[0]

    @property
    def T(self) -> int:
        return self.xi.shape[1]

    @property
    def dim(self) -> int:
        return self.xi.shape[2]

    @property
    def diameter(self) -> float:
        return 2.0 * self.radius

    @property
    def smoothness(self) -> float:
        """``L = ||A||_2^2 + lam``: the Lipschitz constant of ``grad F_t``
        (``log cosh'' <= 1``)."""
        a2 = float(np.linalg.norm(self.A, 2) ** 2) if self.A.size else 0.0
        return a2 + self.lam

    @property
    def grad_bound(self) -> float:
        """A bound ``G`` on ``||grad F_t(x)||`` over the ball (noise excluded):
        ``sqrt(m)||A||_2 + lam (radius + max||c_t||) + max||m_t||``."""
        m = self.A.shape[0]
        a = float(np.sqrt(m) * np.linalg.norm(self.A, 2)) if self.A.size else 0.0
        c = float(np.linalg.norm(self.centers, axis=-1).max())
        s = float(np.linalg.norm(self.shift, axis=-1).max())
        return a + self.lam * (self.radius + c) + s


def _broadcast_rtd(name: str, value, R: int, T: int, d: int) -> np.ndarray:
    a = _finite(name, value)
    try:
        return np.broadcast_to(a, (R, T, d))
    except ValueError as exc:
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to (n_repeats, T, dim) = {(R, T, d)}") from exc


def make_sea(
    A,
    b,
    *,
    T: int,
    n_repeats: int,
    sigma=0.0,
    lam: float = 0.0,
    centers=0.0,
    shift=0.0,
    zeta_std: float = 0.0,
    radius: float = 1.0,
    dim: int | None = None,
    noise=None,
    rng: np.random.Generator,
) -> SEAInstance:
    """Draw an SEA instance (module docstring) with independent stochastic and
    adversarial parts.

    Parameters
    ----------
    A, b : (m, d), (m,) the ``log cosh`` part; ``A`` may have ``m = 0`` rows (then
        pass ``dim``) — shapes must agree.
    T : horizon, >= 1.
    n_repeats : number ``R`` of independent repetitions (seeds), >= 1.
    sigma : noise scale, broadcastable to ``(R, T)``, >= 0; per-round stochastic
        variance ``d sigma_t^2``.
    lam : curvature ``>= 0``.
    centers, shift : deterministic schedules broadcastable to ``(R, T, d)`` (they
        carry the adversarial variation).
    zeta_std : scale of the non-convex mean-zero term ``-zeta_t ||x||^2 / 2``.
    radius : radius of the ball domain.
    noise : optional pre-drawn standard-normal array ``(R, T, d)``; ``xi = sigma * noise``.
        Sharing it across instances gives common random numbers, so regrets at
        different ``sigma`` can be compared seed by seed (paired).
    rng : numpy Generator (required; draws ``noise`` when not given, and ``zeta``).

    Returns
    -------
    SEAInstance with ``xi`` of shape ``(R, T, d)``.

    Examples
    --------
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=5, n_repeats=3, sigma=0.1, rng=np.random.default_rng(0))
    >>> inst.xi.shape, inst.diameter
    ((3, 5, 2), 2.0)
    """
    _check_rng(rng)
    T = _pos_int("T", T, high=MAX_T)
    R = _pos_int("n_repeats", n_repeats, high=10**6)
    A = _finite("A", A)
    if A.ndim != 2:
        raise ValueError(f"A must be a 2-D (m, d) array; got shape {A.shape}")
    b = _finite("b", b).reshape(-1) if np.ndim(b) else _finite("b", b).reshape(1)
    if b.shape[0] != A.shape[0]:
        raise ValueError(f"b must have length m = {A.shape[0]} (rows of A); got {b.shape[0]}")
    d = A.shape[1]
    if dim is not None:
        dim = _pos_int("dim", dim)
        if A.shape[0] and dim != d:
            raise ValueError(f"dim = {dim} does not match A's {d} columns")
        d = dim
    if d < 1:
        raise ValueError("dim must be >= 1 (give dim when A has no columns)")
    if A.shape[0] == 0:
        A = np.zeros((0, d))
    V.elements("n_repeats * T * dim", (R, T, d))
    lam = V.real("lam", lam, low=0.0)
    zeta_std = V.real("zeta_std", zeta_std, low=0.0)
    radius = V.positive("radius", radius)
    sig = _finite("sigma", sigma, nonneg=True)
    try:
        sig = np.broadcast_to(sig, (R, T))
    except ValueError as exc:
        raise ValueError(f"sigma of shape {sig.shape} does not broadcast to (n_repeats, T) = {(R, T)}") from exc
    C = _broadcast_rtd("centers", centers, R, T, d)
    S = _broadcast_rtd("shift", shift, R, T, d)
    if noise is None:
        Z = rng.standard_normal((R, T, d))
    else:
        Z = _finite("noise", noise)
        if Z.shape != (R, T, d):
            raise ValueError(f"noise must have shape (n_repeats, T, dim) = {(R, T, d)}; got {Z.shape}")
    xi = sig[:, :, None] * Z
    zeta = zeta_std * rng.standard_normal((R, T)) if zeta_std > 0 else np.zeros((R, T))
    return SEAInstance(A=A, b=b, lam=lam, centers=C, shift=S, xi=xi, zeta=zeta, sigma=sig,
                       zeta_std=zeta_std, radius=radius)


def switching_shift(T: int, *, delta: float, period: int, direction) -> np.ndarray:
    """Block-switching adversarial shift ``m_t = delta_t u`` with ``delta_t = +-delta``
    flipping sign every ``period`` rounds (``delta_1 = +delta``); ``-> (T, d)``.

    Its variation is ``Sigma_t^2 = 4 delta^2 ||u||^2`` at each switch, 0 otherwise.

    Examples
    --------
    >>> switching_shift(4, delta=0.5, period=2, direction=[1.0])[:, 0].tolist()
    [0.5, 0.5, -0.5, -0.5]
    """
    T = _pos_int("T", T, high=MAX_T)
    period = _pos_int("period", period)
    delta = V.real("delta", delta)
    u = V.array("direction", direction, nonempty=True).reshape(-1)
    V.elements("T * dim", (T, u.size))
    sign = np.where((np.arange(T) // period) % 2 == 0, 1.0, -1.0)
    return (delta * sign)[:, None] * u[None, :]


def circular_centers(T: int, *, rho: float, omega, dim: int) -> np.ndarray:
    """Centres moving on a circle of radius ``rho`` in the first two coordinates at
    angular speed ``omega`` (radians per round): ``c_t = rho (cos t omega, sin t omega, 0..)``.

    ``omega`` scalar -> ``(T, dim)``; ``omega`` of shape ``(R,)`` -> ``(R, T, dim)``.
    Path length ``sum_t ||c_t - c_{t-1}|| = (T - 1) 2 rho sin(omega / 2)``.

    Examples
    --------
    >>> circular_centers(2, rho=1.0, omega=np.pi / 2, dim=2).round(6).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    T = _pos_int("T", T, high=MAX_T)
    dim = V.count("dim", dim, low=2, high=10**6)
    rho = V.real("rho", rho, low=0.0)
    om = _finite("omega", omega)
    V.elements("omega.size * T * dim", (max(om.size, 1), T, dim))
    ang = np.multiply.outer(om, np.arange(T, dtype=float))  # (..., T)
    out = np.zeros(ang.shape + (dim,))
    out[..., 0] = rho * np.cos(ang)
    out[..., 1] = rho * np.sin(ang)
    return out


def sea_variation(inst: SEAInstance) -> dict[str, np.ndarray]:
    """Per-round stochastic variance and adversarial variation (closed forms of the
    module docstring) and their cumulative sums.

    Returns a dict of ``(R, T)`` arrays ``sigma2`` (``sigma_t^2``), ``Sigma2``
    (``Sigma_t^2``, 0 at ``t = 1``), ``sigma2_cum`` (``sigma^2_{1:t}``), ``Sigma2_cum``.

    Examples
    --------
    >>> inst = make_sea(np.zeros((0, 2)), [], T=4, n_repeats=1, sigma=0.5, dim=2, rng=np.random.default_rng(0))
    >>> sea_variation(inst)['sigma2'].tolist()  # d sigma^2
    [[0.5, 0.5, 0.5, 0.5]]
    """
    _check_instance(inst)
    s2 = inst.dim * inst.sigma**2 + inst.zeta_std**2 * inst.radius**2
    dm = np.diff(inst.shift, axis=1) - inst.lam * np.diff(inst.centers, axis=1)
    S2 = np.concatenate([np.zeros((inst.n_repeats, 1)), np.sum(dm**2, axis=-1)], axis=1)
    s2 = np.broadcast_to(s2, (inst.n_repeats, inst.T)).astype(float)
    return {"sigma2": s2, "Sigma2": S2, "sigma2_cum": np.cumsum(s2, axis=1), "Sigma2_cum": np.cumsum(S2, axis=1)}


def _check_instance(inst) -> None:
    V.instance("inst", inst, SEAInstance, hint="build one with make_sea(...)")


def _check_x(x, inst: SEAInstance) -> np.ndarray:
    xa = _finite("x", x)
    if xa.ndim != 2 or xa.shape != (inst.n_repeats, inst.dim):
        raise ValueError(f"x must have shape (n_repeats, dim) = {(inst.n_repeats, inst.dim)}; got {xa.shape}")
    return xa


def _check_t(t, inst: SEAInstance) -> int:
    return V.integer("t", t, low=0, high=inst.T - 1)


def _loss(inst: SEAInstance, x: np.ndarray, t: int, noisy: bool = True) -> np.ndarray:
    return _losses(inst, x, t)[0 if noisy else 1]


def _losses(inst: SEAInstance, x: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """``(f_t(x), F_t(x))`` per repetition, sharing the deterministic part."""
    val = _logcosh(x @ inst.A.T - inst.b).sum(axis=-1) if inst.A.size else np.zeros(x.shape[0])
    dc = x - inst.centers[:, t]
    val = val + 0.5 * inst.lam * _rowdot(dc, dc) + _rowdot(inst.shift[:, t], x)
    noisy = val + _rowdot(inst.xi[:, t], x) - 0.5 * inst.zeta[:, t] * _rowdot(x, x)
    return noisy, val


def _grad(inst: SEAInstance, x: np.ndarray, t: int, noisy: bool = True) -> np.ndarray:
    g = np.tanh(x @ inst.A.T - inst.b) @ inst.A if inst.A.size else np.zeros_like(x)
    g = g + inst.lam * (x - inst.centers[:, t]) + inst.shift[:, t]
    if noisy:
        g = g + inst.xi[:, t] - inst.zeta[:, t, None] * x
    return g


def sea_loss(inst: SEAInstance, x, t: int) -> np.ndarray:
    """Realised loss ``f_t(x)`` per repetition; ``x (R, d) -> (R,)`` (0-based ``t``).

    Examples
    --------
    >>> inst = make_sea(np.zeros((0, 2)), [], T=4, n_repeats=1, lam=1.0, dim=2, rng=np.random.default_rng(0))
    >>> sea_loss(inst, np.array([[1.0, 0.0]]), 0).tolist()  # lam/2 ||x||^2
    [0.5]
    """
    _check_instance(inst)
    return _loss(inst, _check_x(x, inst), _check_t(t, inst))


def expected_loss(inst: SEAInstance, x, t: int) -> np.ndarray:
    """Expected loss ``F_t(x)`` per repetition; ``x (R, d) -> (R,)``.

    Examples
    --------
    >>> inst = make_sea(np.zeros((0, 2)), [], T=4, n_repeats=1, sigma=1.0, lam=1.0, dim=2, rng=np.random.default_rng(0))
    >>> expected_loss(inst, np.array([[1.0, 0.0]]), 0).tolist()  # the noise is excluded
    [0.5]
    """
    _check_instance(inst)
    return _loss(inst, _check_x(x, inst), _check_t(t, inst), noisy=False)


def sea_gradient(inst: SEAInstance, x, t: int) -> np.ndarray:
    """Realised gradient ``grad f_t(x) = A^T tanh(Ax - b) + lam (x - c_t) + xi_t + m_t - zeta_t x``;
    ``(R, d) -> (R, d)``.

    Examples
    --------
    >>> inst = make_sea(np.zeros((0, 2)), [], T=4, n_repeats=1, lam=1.0, dim=2, rng=np.random.default_rng(0))
    >>> sea_gradient(inst, np.array([[1.0, 0.0]]), 0).tolist()
    [[1.0, 0.0]]
    """
    _check_instance(inst)
    return _grad(inst, _check_x(x, inst), _check_t(t, inst))


def sea_gradients_along(inst: SEAInstance, X, *, noisy: bool = True) -> np.ndarray:
    """Gradients ``grad f_t(x_t)`` (or ``grad F_t(x_t)`` with ``noisy=False``) for a
    whole trajectory at once: ``X (R, T, d) -> (R, T, d)`` (vectorised over R and T).

    Examples
    --------
    >>> inst = make_sea(np.zeros((0, 2)), [], T=3, n_repeats=1, lam=1.0, dim=2, rng=np.random.default_rng(0))
    >>> sea_gradients_along(inst, np.ones((1, 3, 2)), noisy=False).tolist()
    [[[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]]]
    """
    _check_instance(inst)
    noisy = V.flag("noisy", noisy)
    Xa = _finite("X", X)
    if Xa.shape != (inst.n_repeats, inst.T, inst.dim):
        raise ValueError(f"X must have shape {(inst.n_repeats, inst.T, inst.dim)}; got {Xa.shape}")
    g = np.tanh(Xa @ inst.A.T - inst.b) @ inst.A if inst.A.size else np.zeros_like(Xa)
    g = g + inst.lam * (Xa - inst.centers) + inst.shift
    if noisy:
        g = g + inst.xi - inst.zeta[..., None] * Xa
    return g

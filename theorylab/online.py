"""Online convex optimisation in the stochastically extended adversarial (SEA) model.

Kernels for the notebook ``notebooks/learning-theory/optimistic-omd-sea.md``
(Chen, Zhang, Tu, Zhao & Zhang, *Optimistic Online Mirror Descent for Bridging
Stochastic and Adversarial Online Convex Optimization*, ICML 2023, arXiv:2302.04552).

The SEA instance family
-----------------------
Every round's loss on the Euclidean ball ``X = {x : ||x|| <= radius}`` in R^d is

.. math::

    f_t(x) = \\sum_{j=1}^{m} \\log\\cosh(a_j^\\top x - b_j)
             + \\tfrac{\\lambda}{2}\\|x - c_t\\|^2
             + \\langle \\xi_t + m_t, x\\rangle - \\tfrac{\\zeta_t}{2}\\|x\\|^2 ,

with a fixed matrix ``A`` (rows ``a_j``, ``m`` may be 0), a curvature ``lam`` >= 0,
centres ``c_t`` and adversarial shifts ``m_t`` chosen by nature (deterministic
schedules), and mean-zero noise ``xi_t ~ N(0, sigma_t^2 I_d)``, ``zeta_t ~ N(0,
zeta_std^2)``. The expected function is
``F_t(x) = sum_j log cosh(a_j^T x - b_j) + lam/2 ||x - c_t||^2 + <m_t, x>``, so

* stochastic variance (Sachs et al. 2022; eq. (3) of the paper)
  ``sigma_t^2 = max_x E||grad f_t(x) - grad F_t(x)||^2 = d sigma_t^2 + zeta_std^2 radius^2``;
* adversarial variation
  ``Sigma_t^2 = sup_x ||grad F_t(x) - grad F_{t-1}(x)||^2 = ||(m_t - m_{t-1}) - lam (c_t - c_{t-1})||^2``
  (the ``log cosh`` part cancels), ``Sigma_1^2 = 0``.

The two are set independently: ``sigma`` controls the first, the schedules
``centers``/``shift`` the second. With ``zeta_std > 0`` an individual ``f_t`` need not
be convex while ``F_t`` is (the relaxation of Chen et al. over Sachs et al.).

Everything is vectorised over ``n_repeats`` independent repetitions (the leading
axis ``R``); learners loop over time only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "SEAInstance",
    "project_ball",
    "logcosh",
    "make_sea",
    "switching_shift",
    "circular_centers",
    "sea_variation",
    "sea_loss",
    "sea_gradient",
    "sea_gradients_along",
    "expected_loss",
    "omd_step_convex",
    "omd_step_strongly_convex",
    "ogd_step",
    "ons_gamma",
    "OCORun",
    "run_ogd",
    "run_optimistic_omd",
    "run_optimistic_ons",
    "minimise_on_ball",
    "static_comparator",
    "dynamic_comparator",
    "static_regret",
    "dynamic_regret",
    "path_length",
]


# --------------------------------------------------------------------------- #
# validation helpers
# --------------------------------------------------------------------------- #
def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator; got {type(rng).__name__}")


def _pos_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int; got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be >= 1; got {value}")
    return int(value)


def _finite(name: str, value, *, nonneg: bool = False, positive: bool = False) -> np.ndarray:
    try:
        a = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be numeric") from exc
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} must be finite")
    if nonneg and np.any(a < 0):
        raise ValueError(f"{name} must be >= 0 (a variance or scale cannot be negative)")
    if positive and np.any(a <= 0):
        raise ValueError(f"{name} must be > 0")
    return a


# --------------------------------------------------------------------------- #
# elementary pieces
# --------------------------------------------------------------------------- #
def project_ball(x, radius: float = 1.0) -> np.ndarray:
    """Euclidean projection onto the ball ``{||x|| <= radius}``.

    ``Pi(x) = x * min(1, radius / ||x||)`` along the last axis; ``(..., d) -> (..., d)``.
    Used by every learner of this module (paper, Algorithm 1, projection step).
    """
    xa = _finite("x", x)
    r = float(_finite("radius", radius, positive=True))
    nrm = np.linalg.norm(xa, axis=-1, keepdims=True)
    scale = np.minimum(1.0, r / np.maximum(nrm, np.finfo(float).tiny))
    return xa * scale


def _proj(x: np.ndarray, radius: float) -> np.ndarray:
    """Unvalidated :func:`project_ball` for the hot loops (callers trust their inputs)."""
    nrm = np.sqrt(np.einsum("...i,...i->...", x, x))[..., None]
    return x * np.minimum(1.0, radius / np.maximum(nrm, np.finfo(float).tiny))


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def logcosh(z) -> np.ndarray:
    """Stable ``log cosh z = |z| + log1p(exp(-2|z|)) - log 2`` (elementwise)."""
    z = np.abs(np.asarray(z, dtype=float))
    return z + np.log1p(np.exp(-2.0 * z)) - np.log(2.0)


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
    """
    _check_rng(rng)
    T = _pos_int("T", T)
    R = _pos_int("n_repeats", n_repeats)
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
    lam = float(_finite("lam", lam, nonneg=True))
    zeta_std = float(_finite("zeta_std", zeta_std, nonneg=True))
    radius = float(_finite("radius", radius, positive=True))
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
    """
    T = _pos_int("T", T)
    period = _pos_int("period", period)
    delta = float(_finite("delta", delta))
    u = _finite("direction", direction).reshape(-1)
    sign = np.where((np.arange(T) // period) % 2 == 0, 1.0, -1.0)
    return (delta * sign)[:, None] * u[None, :]


def circular_centers(T: int, *, rho: float, omega, dim: int) -> np.ndarray:
    """Centres moving on a circle of radius ``rho`` in the first two coordinates at
    angular speed ``omega`` (radians per round): ``c_t = rho (cos t omega, sin t omega, 0..)``.

    ``omega`` scalar -> ``(T, dim)``; ``omega`` of shape ``(R,)`` -> ``(R, T, dim)``.
    Path length ``sum_t ||c_t - c_{t-1}|| = (T - 1) 2 rho sin(omega / 2)``.
    """
    T = _pos_int("T", T)
    dim = _pos_int("dim", dim)
    if dim < 2:
        raise ValueError("dim must be >= 2 for a circular drift")
    rho = float(_finite("rho", rho, nonneg=True))
    om = _finite("omega", omega)
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
    """
    _check_instance(inst)
    s2 = inst.dim * inst.sigma**2 + inst.zeta_std**2 * inst.radius**2
    dm = np.diff(inst.shift, axis=1) - inst.lam * np.diff(inst.centers, axis=1)
    S2 = np.concatenate([np.zeros((inst.n_repeats, 1)), np.sum(dm**2, axis=-1)], axis=1)
    s2 = np.broadcast_to(s2, (inst.n_repeats, inst.T)).astype(float)
    return {"sigma2": s2, "Sigma2": S2, "sigma2_cum": np.cumsum(s2, axis=1), "Sigma2_cum": np.cumsum(S2, axis=1)}


def _check_instance(inst) -> None:
    if not isinstance(inst, SEAInstance):
        raise TypeError(f"inst must be a SEAInstance; got {type(inst).__name__}")


def _check_x(x, inst: SEAInstance) -> np.ndarray:
    xa = _finite("x", x)
    if xa.ndim != 2 or xa.shape != (inst.n_repeats, inst.dim):
        raise ValueError(f"x must have shape (n_repeats, dim) = {(inst.n_repeats, inst.dim)}; got {xa.shape}")
    return xa


def _check_t(t, inst: SEAInstance) -> int:
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)):
        raise TypeError(f"t must be an int; got {type(t).__name__}")
    if not 0 <= t < inst.T:
        raise ValueError(f"t must be in [0, T) = [0, {inst.T}); got {t}")
    return int(t)


def _loss(inst: SEAInstance, x: np.ndarray, t: int, noisy: bool = True) -> np.ndarray:
    return _losses(inst, x, t)[0 if noisy else 1]


def _losses(inst: SEAInstance, x: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """``(f_t(x), F_t(x))`` per repetition, sharing the deterministic part."""
    val = logcosh(x @ inst.A.T - inst.b).sum(axis=-1) if inst.A.size else np.zeros(x.shape[0])
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
    """Realised loss ``f_t(x)`` per repetition; ``x (R, d) -> (R,)`` (0-based ``t``)."""
    _check_instance(inst)
    return _loss(inst, _check_x(x, inst), _check_t(t, inst))


def expected_loss(inst: SEAInstance, x, t: int) -> np.ndarray:
    """Expected loss ``F_t(x)`` per repetition; ``x (R, d) -> (R,)``."""
    _check_instance(inst)
    return _loss(inst, _check_x(x, inst), _check_t(t, inst), noisy=False)


def sea_gradient(inst: SEAInstance, x, t: int) -> np.ndarray:
    """Realised gradient ``grad f_t(x) = A^T tanh(Ax - b) + lam (x - c_t) + xi_t + m_t - zeta_t x``;
    ``(R, d) -> (R, d)``."""
    _check_instance(inst)
    return _grad(inst, _check_x(x, inst), _check_t(t, inst))


def sea_gradients_along(inst: SEAInstance, X, *, noisy: bool = True) -> np.ndarray:
    """Gradients ``grad f_t(x_t)`` (or ``grad F_t(x_t)`` with ``noisy=False``) for a
    whole trajectory at once: ``X (R, T, d) -> (R, T, d)`` (vectorised over R and T)."""
    _check_instance(inst)
    Xa = _finite("X", X)
    if Xa.shape != (inst.n_repeats, inst.T, inst.dim):
        raise ValueError(f"X must have shape {(inst.n_repeats, inst.T, inst.dim)}; got {Xa.shape}")
    g = np.tanh(Xa @ inst.A.T - inst.b) @ inst.A if inst.A.size else np.zeros_like(Xa)
    g = g + inst.lam * (Xa - inst.centers) + inst.shift
    if noisy:
        g = g + inst.xi - inst.zeta[..., None] * Xa
    return g


# --------------------------------------------------------------------------- #
# step sizes
# --------------------------------------------------------------------------- #
def omd_step_convex(cum_sq_dev, *, diameter: float, smoothness: float, delta: float = 1.0) -> np.ndarray:
    """Convex-smooth optimistic OMD step (paper, Theorem 1; constants inferred):

    ``eta_t = min{ D / sqrt(delta + sum_{s<t} ||g_s - M_s||^2), 1 / (4 L) }``.

    ``cum_sq_dev`` is ``sum_{s<t} ||g_s - M_s||^2`` (any shape, >= 0); same shape out.
    """
    c = _finite("cum_sq_dev", cum_sq_dev, nonneg=True)
    D = float(_finite("diameter", diameter, positive=True))
    L = float(_finite("smoothness", smoothness, positive=True))
    dl = float(_finite("delta", delta, positive=True))
    return np.minimum(D / np.sqrt(dl + c), 1.0 / (4.0 * L))


def omd_step_strongly_convex(t, *, lam: float, smoothness: float) -> np.ndarray:
    """Strongly-convex optimistic OMD step ``eta_t = 1 / (lam t + 4 L)`` (1-based ``t``).

    [inferred] the paper's rule is ``eta_t ~ 1/(lam t)`` capped by the smoothness
    condition ``eta_t <= 1/(4L)``; this form meets both ``1/eta_t - 1/eta_{t-1} <= lam``
    and ``eta_t <= 1/(4L)``, the two inequalities its analysis uses.
    """
    ta = _finite("t", t, positive=True)
    lam = float(_finite("lam", lam, positive=True))
    L = float(_finite("smoothness", smoothness, nonneg=True))
    return 1.0 / (lam * ta + 4.0 * L)


def ogd_step(t, *, diameter: float, grad_bound: float, lam: float = 0.0) -> np.ndarray:
    """Projected OGD step: ``D / (G sqrt t)`` (convex) or ``1 / (lam t)`` if ``lam > 0``
    (Zinkevich 2003; Hazan, Agarwal & Kale 2007). ``t`` is 1-based."""
    ta = _finite("t", t, positive=True)
    lam = float(_finite("lam", lam, nonneg=True))
    if lam > 0:
        return 1.0 / (lam * ta)
    D = float(_finite("diameter", diameter, positive=True))
    G = float(_finite("grad_bound", grad_bound, positive=True))
    return D / (G * np.sqrt(ta))


def ons_gamma(*, grad_bound: float, diameter: float, alpha: float) -> float:
    """Online Newton Step parameter ``gamma = min{1/(4 G D), alpha} / 2`` for
    ``alpha``-exp-concave losses (Hazan, Agarwal & Kale 2007, Theorem 2)."""
    G = float(_finite("grad_bound", grad_bound, positive=True))
    D = float(_finite("diameter", diameter, positive=True))
    a = float(_finite("alpha", alpha, positive=True))
    return 0.5 * min(1.0 / (4.0 * G * D), a)


# --------------------------------------------------------------------------- #
# learners
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class OCORun:
    """Trajectory of one learner on one instance.

    x : (R, T, d) played points; losses : (R, T) ``f_t(x_t)``;
    exp_losses : (R, T) ``F_t(x_t)``; sq_dev : (R, T) ``||g_t - M_t||^2`` (optimism
    error; for OGD ``M_t = 0``); eta : (R, T) step sizes used.
    """

    x: np.ndarray
    losses: np.ndarray
    exp_losses: np.ndarray
    sq_dev: np.ndarray
    eta: np.ndarray


def _alloc(inst: SEAInstance):
    R, T, d = inst.n_repeats, inst.T, inst.dim
    return np.empty((R, T, d)), np.empty((R, T)), np.empty((R, T)), np.empty((R, T)), np.empty((R, T))


def run_ogd(inst: SEAInstance, *, step: Literal["convex", "strongly-convex"] = "convex",
            grad_bound: float | None = None) -> OCORun:
    """Projected online gradient descent ``x_{t+1} = Pi(x_t - eta_t g_t)``, ``x_1 = 0``,
    with :func:`ogd_step` (``G`` defaults to ``inst.grad_bound`` plus the noise's
    ``sqrt(d) max sigma``). Vectorised over repetitions; loops over ``t`` only."""
    _check_instance(inst)
    if step not in ("convex", "strongly-convex"):
        raise ValueError(f"step must be 'convex' or 'strongly-convex'; got {step!r}")
    if step == "strongly-convex" and inst.lam <= 0:
        raise ValueError("step='strongly-convex' needs an instance with lam > 0")
    G = (inst.grad_bound + np.sqrt(inst.dim) * float(inst.sigma.max())) if grad_bound is None else grad_bound
    G = max(float(G), 1e-12)
    X, Lo, EL, SD, ET = _alloc(inst)
    x = np.zeros((inst.n_repeats, inst.dim))
    for t in range(inst.T):
        X[:, t] = x
        Lo[:, t], EL[:, t] = _losses(inst, x, t)
        g = _grad(inst, x, t)
        SD[:, t] = _rowdot(g, g)
        eta = 1.0 / (inst.lam * (t + 1)) if step == "strongly-convex" else inst.diameter / (G * np.sqrt(t + 1.0))
        ET[:, t] = eta
        x = _proj(x - eta * g, inst.radius)
    return OCORun(X, Lo, EL, SD, ET)


def run_optimistic_omd(
    inst: SEAInstance,
    *,
    step: Literal["convex", "strongly-convex", "fixed"] = "convex",
    delta: float = 1.0,
    eta=None,
) -> OCORun:
    """Euclidean optimistic OMD with last-gradient hints (paper, Algorithm 1):

    ``x_t = Pi(xhat_t - eta_t M_t)``; play ``x_t``, observe ``g_t = grad f_t(x_t)``;
    ``xhat_{t+1} = Pi(xhat_t - eta_t g_t)``; ``M_{t+1} = g_t`` (``M_1 = 0``, ``xhat_1 = 0``).

    Step sizes: ``"convex"`` -> :func:`omd_step_convex` (Theorem 1), ``"strongly-convex"``
    -> :func:`omd_step_strongly_convex` (Theorem 3, inferred constants), ``"fixed"`` ->
    the constant ``eta`` given (scalar or ``(R,)``; used for the dynamic-regret check,
    where the paper's meta-algorithm learns this constant).
    """
    _check_instance(inst)
    if step not in ("convex", "strongly-convex", "fixed"):
        raise ValueError(f"step must be 'convex', 'strongly-convex' or 'fixed'; got {step!r}")
    L = max(inst.smoothness, 1e-12)
    delta = float(_finite("delta", delta, positive=True))
    if step == "strongly-convex" and inst.lam <= 0:
        raise ValueError("step='strongly-convex' needs an instance with lam > 0")
    if step == "fixed":
        if eta is None:
            raise ValueError("eta is required with step='fixed'")
        eta_fixed = np.broadcast_to(_finite("eta", eta, positive=True), (inst.n_repeats,)).astype(float)
    R, d = inst.n_repeats, inst.dim
    X, Lo, EL, SD, ET = _alloc(inst)
    xhat = np.zeros((R, d))
    M = np.zeros((R, d))
    cum = np.zeros(R)
    for t in range(inst.T):
        if step == "convex":
            e = np.minimum(inst.diameter / np.sqrt(delta + cum), 1.0 / (4.0 * L))  # omd_step_convex
        elif step == "strongly-convex":
            e = np.full(R, 1.0 / (inst.lam * (t + 1) + 4.0 * L))
        else:
            e = eta_fixed
        x = _proj(xhat - e[:, None] * M, inst.radius)
        X[:, t] = x
        Lo[:, t], EL[:, t] = _losses(inst, x, t)
        g = _grad(inst, x, t)
        dgm = g - M
        dev = _rowdot(dgm, dgm)
        SD[:, t] = dev
        ET[:, t] = e
        xhat = _proj(xhat - e[:, None] * g, inst.radius)
        M = g
        cum = cum + dev
    return OCORun(X, Lo, EL, SD, ET)


def _project_ball_metric(z: np.ndarray, Q: np.ndarray, lam: np.ndarray, radius: float, n_newton: int = 30) -> np.ndarray:
    """``argmin_{||y|| <= r} (y - z)^T A (y - z)`` with ``A = Q diag(lam) Q^T`` (batched).

    Outside the ball the solution is ``y(mu) = (A + mu I)^{-1} A z`` with ``||y(mu)|| = r``;
    ``1/||y(mu)||`` is concave increasing in ``mu`` (the trust-region secular equation),
    so Newton from ``mu = 0`` converges monotonically.
    """
    nz = np.linalg.norm(z, axis=-1)
    out = z.copy()
    mask = nz > radius
    if not np.any(mask):
        return out
    Qm, lm = Q[mask], lam[mask]
    c = lm * np.einsum("rij,ri->rj", Qm, z[mask])  # Q^T A z in eigen-coordinates
    mu = np.zeros(c.shape[0])
    for _ in range(n_newton):
        den = lm + mu[:, None]
        p2 = np.sum((c / den) ** 2, axis=-1)
        p = np.sqrt(p2)
        psi = 1.0 / p - 1.0 / radius
        if np.max(np.abs(psi)) * radius < 1e-13:
            break
        dpsi = np.sum(c**2 / den**3, axis=-1) / p**3
        mu = np.maximum(mu - psi / dpsi, 0.0)
    y = np.einsum("rij,rj->ri", Qm, c / (lm + mu[:, None]))
    y = _proj(y, radius)  # remove residual round-off outside the ball
    out[mask] = y
    return out


def run_optimistic_ons(inst: SEAInstance, *, gamma: float, eps: float = 1.0) -> OCORun:
    """Optimistic Online Newton Step for exp-concave losses (paper, Section 3.3; the
    exact matrix and constants are [inferred]):

    ``A_t = eps I + sum_{s<=t} (g_s - M_s)(g_s - M_s)^T``;
    ``x_t = Pi^{A_{t-1}}(xhat_t - A_{t-1}^{-1} M_t / gamma)``;
    ``xhat_{t+1} = Pi^{A_t}(xhat_t - A_t^{-1} g_t / gamma)``; ``M_{t+1} = g_t``,

    where ``Pi^A`` is the projection in the norm ``||.||_A`` (secular equation,
    vectorised). The regret then scales with ``d log(sum_t ||g_t - M_t||^2)``.
    """
    _check_instance(inst)
    gamma = float(_finite("gamma", gamma, positive=True))
    eps = float(_finite("eps", eps, positive=True))
    R, d = inst.n_repeats, inst.dim
    X, Lo, EL, SD, ET = _alloc(inst)
    Amat = np.broadcast_to(eps * np.eye(d), (R, d, d)).copy()
    xhat = np.zeros((R, d))
    M = np.zeros((R, d))
    lam_e, Q = np.linalg.eigh(Amat)
    for t in range(inst.T):
        step_M = np.einsum("rij,rj,rkj,rk->ri", Q, 1.0 / lam_e, Q, M) / gamma
        x = _project_ball_metric(xhat - step_M, Q, lam_e, inst.radius)
        X[:, t] = x
        Lo[:, t], EL[:, t] = _losses(inst, x, t)
        g = _grad(inst, x, t)
        dg = g - M
        SD[:, t] = _rowdot(dg, dg)
        ET[:, t] = 1.0 / gamma
        Amat += dg[:, :, None] * dg[:, None, :]
        lam_e, Q = np.linalg.eigh(Amat)
        step_g = np.einsum("rij,rj,rkj,rk->ri", Q, 1.0 / lam_e, Q, g) / gamma
        xhat = _project_ball_metric(xhat - step_g, Q, lam_e, inst.radius)
        M = g
    return OCORun(X, Lo, EL, SD, ET)


# --------------------------------------------------------------------------- #
# comparators and regret
# --------------------------------------------------------------------------- #
def minimise_on_ball(A, b, *, alpha, beta, h, radius: float = 1.0, n_iter: int = 3000, x0=None) -> dict[str, np.ndarray]:
    """Minimise ``g(x) = alpha sum_j log cosh(a_j^T x - b_j) + beta/2 ||x||^2 - <h, x>``
    over ``||x|| <= radius``, batched: ``alpha, beta (...,)``, ``h (..., d)``.

    Accelerated projected gradient (FISTA with adaptive restart, step ``1/L``,
    ``L = alpha ||A||_2^2 + |beta|``); for convex ``g`` the error after ``k``
    iterations is ``<= 2 L D^2 / k^2``. With no ``log cosh`` part (``m = 0`` or
    ``alpha = 0``) and ``beta > 0`` the minimiser is the closed form ``Pi(h / beta)``,
    returned directly (and used by the tests as the reference for the iteration).

    ``x0`` (broadcastable to ``h``) is the starting point (default 0). When ``beta < 0``
    the objective can be non-convex and the iteration finds a stationary point; pass
    several starts and keep the best (as :func:`static_comparator` does).

    Returns dict ``x (..., d)``, ``value (...)`` and ``gm_norm (...)`` — the norm of the
    gradient mapping ``L ||x - Pi(x - grad g(x)/L)||``, a certificate of optimality
    (0 exactly at a minimiser).
    """
    A = _finite("A", A)
    b = _finite("b", b).reshape(-1)
    h = _finite("h", h)
    if h.ndim < 1:
        raise ValueError("h must have a last axis of length d")
    if A.ndim != 2 or A.shape[0] != b.shape[0]:
        raise ValueError(f"A must be (m, d) and b (m,); got {A.shape} and {b.shape}")
    if h.shape[-1] != A.shape[1] and A.shape[0] > 0:
        raise ValueError(f"h's last axis ({h.shape[-1]}) must equal A's columns ({A.shape[1]})")
    alpha = np.broadcast_to(_finite("alpha", alpha, nonneg=True), h.shape[:-1])
    beta = np.broadcast_to(_finite("beta", beta), h.shape[:-1])
    radius = float(_finite("radius", radius, positive=True))
    n_iter = _pos_int("n_iter", n_iter)
    if (A.size == 0 or np.all(alpha == 0)) and np.all(beta > 0):
        # isotropic quadratic: the constrained minimiser is the projection of h / beta
        x = project_ball(h / beta[..., None], radius)
        v = 0.5 * beta * np.sum(x * x, axis=-1) - np.sum(h * x, axis=-1)
        return {"x": x, "value": v, "gm_norm": np.zeros(h.shape[:-1])}
    a2 = float(np.linalg.norm(A, 2) ** 2) if A.size else 0.0
    L = np.maximum(alpha * a2 + np.abs(beta), 1e-12)[..., None]

    def grad(x):
        g = beta[..., None] * x - h
        if A.size:
            g = g + alpha[..., None] * (np.tanh(x @ A.T - b) @ A)
        return g

    def value(x):
        v = 0.5 * beta * _rowdot(x, x) - _rowdot(h, x)
        if A.size:
            v = v + alpha * logcosh(x @ A.T - b).sum(axis=-1)
        return v

    x = np.zeros_like(h) if x0 is None else _proj(np.broadcast_to(_finite("x0", x0), h.shape).copy(), radius)
    y = x.copy()
    tk = np.ones(h.shape[:-1] + (1,))
    fx = value(x)
    for _ in range(n_iter):
        xn = _proj(y - grad(y) / L, radius)
        fn = value(xn)
        restart = (fn > fx)[..., None]  # adaptive restart keeps the iteration monotone
        tn = (1.0 + np.sqrt(1.0 + 4.0 * tk * tk)) / 2.0
        yn = xn + ((tk - 1.0) / tn) * (xn - x)
        x = np.where(restart, x, xn)
        y = np.where(restart, x, yn)
        tk = np.where(restart, 1.0, tn)
        fx = np.where(restart[..., 0], fx, fn)
    gm = np.linalg.norm(L * (x - _proj(x - grad(x) / L, radius)), axis=-1)
    return {"x": x, "value": value(x), "gm_norm": gm}


def _horizons(horizons, T: int) -> np.ndarray:
    if horizons is None:
        return np.array([T])
    hz = np.asarray(horizons)
    if hz.ndim != 1 or hz.size == 0 or not np.issubdtype(hz.dtype, np.integer):
        raise ValueError("horizons must be a non-empty 1-D integer array")
    if np.any(hz < 1) or np.any(hz > T):
        raise ValueError(f"horizons must lie in [1, T] = [1, {T}]; got {hz}")
    return hz.astype(int)


def _prefix(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``sum_{t<=idx} a[:, t]`` for an ``(R, T, d)`` array, without materialising
    broadcast views that are constant in time."""
    if a.strides[1] == 0:
        return a[:, :1] * (idx + 1.0)[None, :, None]
    return np.cumsum(a, axis=1)[:, idx]


def static_comparator(inst: SEAInstance, horizons=None, *, n_iter: int = 3000) -> dict[str, np.ndarray]:
    """Best fixed point in hindsight for every prefix ``1..H``:
    ``min_{||x||<=r} sum_{t<=H} f_t(x)`` per repetition (multi-start when ``zeta_std > 0``,
    where the prefix sum can be non-convex).

    The prefix sum is ``H sum_j log cosh(a_j^T x - b_j) + (lam H - Z_H)/2 ||x||^2 -
    <lam C_H - S_H, x> + lam/2 sum ||c_t||^2`` with ``C_H = sum c_t``, ``S_H = sum (xi_t + m_t)``,
    ``Z_H = sum zeta_t``, solved by :func:`minimise_on_ball`.

    Returns dict ``value (R, n_H)`` (the minimal cumulative loss), ``x (R, n_H, d)``,
    ``gm_norm (R, n_H)``, ``horizons (n_H,)``.
    """
    _check_instance(inst)
    hz = _horizons(horizons, inst.T)
    idx = hz - 1
    Ccum = _prefix(inst.centers, idx)
    Scum = _prefix(inst.xi, idx) + _prefix(inst.shift, idx)
    Zcum = np.cumsum(inst.zeta, axis=1)[:, idx]
    Qcum = np.cumsum(np.sum(inst.centers**2, axis=-1), axis=1)[:, idx]
    alpha = np.broadcast_to(hz.astype(float), Zcum.shape)
    beta = inst.lam * hz - Zcum
    h = inst.lam * Ccum - Scum
    if inst.zeta_std > 0:
        # the prefix sum may be non-convex (beta < 0): multi-start from 0, +-r e_i and r h/||h||
        d = inst.dim
        hn = h / np.maximum(np.linalg.norm(h, axis=-1, keepdims=True), 1e-300)
        starts = np.concatenate([np.zeros((1, d)), inst.radius * np.eye(d), -inst.radius * np.eye(d)])
        S0 = np.concatenate([np.broadcast_to(starts[:, None, None, :], (starts.shape[0],) + h.shape),
                             inst.radius * hn[None]], axis=0)                  # (n_starts, R, n_H, d)
        rs = minimise_on_ball(inst.A, inst.b, alpha=alpha[None], beta=beta[None], h=np.broadcast_to(h, S0.shape),
                              radius=inst.radius, n_iter=n_iter, x0=S0)
        best = np.argmin(rs["value"], axis=0)
        take = lambda a: np.take_along_axis(a, best[None, ..., None] if a.ndim == 4 else best[None], axis=0)[0]  # noqa: E731
        res = {"x": take(rs["x"]), "value": take(rs["value"]), "gm_norm": take(rs["gm_norm"])}
    else:
        res = minimise_on_ball(inst.A, inst.b, alpha=alpha, beta=beta, h=h, radius=inst.radius, n_iter=n_iter)
    res["value"] = res["value"] + 0.5 * inst.lam * Qcum
    res["horizons"] = hz
    return res


def dynamic_comparator(inst: SEAInstance, *, n_iter: int = 2000) -> dict[str, np.ndarray]:
    """Per-round minimisers of the *expected* functions, ``u_t = argmin F_t``
    (deterministic, chosen before the noise): ``x (R, T, d)``, ``gm_norm (R, T)``,
    ``path_length (R,)`` = ``P_T = sum_t ||u_t - u_{t-1}||``."""
    _check_instance(inst)
    shape = (inst.n_repeats, inst.T)
    h = inst.lam * inst.centers - inst.shift
    res = minimise_on_ball(inst.A, inst.b, alpha=np.ones(shape), beta=np.full(shape, inst.lam), h=h,
                           radius=inst.radius, n_iter=n_iter)
    return {"x": res["x"], "gm_norm": res["gm_norm"], "path_length": path_length(res["x"])}


def path_length(u) -> np.ndarray:
    """``P_T = sum_{t>=2} ||u_t - u_{t-1}||``; ``(..., T, d) -> (...)``."""
    ua = _finite("u", u)
    if ua.ndim < 2:
        raise ValueError(f"u must have shape (..., T, d); got {ua.shape}")
    return np.sum(np.linalg.norm(np.diff(ua, axis=-2), axis=-1), axis=-1)


def static_regret(run: OCORun, inst: SEAInstance, horizons=None, *, comparator=None) -> np.ndarray:
    """Static regret ``sum_{t<=H} f_t(x_t) - min_x sum_{t<=H} f_t(x)`` per repetition and
    horizon; ``-> (R, n_H)``. Pass a precomputed :func:`static_comparator` result to reuse it."""
    _check_instance(inst)
    if not isinstance(run, OCORun):
        raise TypeError(f"run must be an OCORun; got {type(run).__name__}")
    if run.losses.shape != (inst.n_repeats, inst.T):
        raise ValueError(f"run does not match inst: losses {run.losses.shape} vs {(inst.n_repeats, inst.T)}")
    hz = _horizons(horizons, inst.T)
    comp = static_comparator(inst, hz) if comparator is None else comparator
    if not np.array_equal(comp["horizons"], hz):
        raise ValueError("comparator was computed for other horizons")
    cum = np.cumsum(run.losses, axis=1)[:, hz - 1]
    return cum - comp["value"]


def dynamic_regret(run: OCORun, inst: SEAInstance, u, horizons=None) -> np.ndarray:
    """Dynamic regret ``sum_{t<=H} f_t(x_t) - f_t(u_t)`` against a comparator sequence
    ``u (R, T, d)`` inside the ball; ``-> (R, n_H)``."""
    _check_instance(inst)
    ua = _finite("u", u)
    if ua.shape != (inst.n_repeats, inst.T, inst.dim):
        raise ValueError(f"u must have shape {(inst.n_repeats, inst.T, inst.dim)}; got {ua.shape}")
    if np.any(np.linalg.norm(ua, axis=-1) > inst.radius * (1 + 1e-9)):
        raise ValueError("u must lie in the ball domain")
    hz = _horizons(horizons, inst.T)
    # f_t(u_t) for all t at once (vectorised over R and T)
    val = logcosh(ua @ inst.A.T - inst.b).sum(axis=-1) if inst.A.size else np.zeros(ua.shape[:2])
    val = val + 0.5 * inst.lam * np.sum((ua - inst.centers) ** 2, axis=-1)
    val = val + np.sum((inst.xi + inst.shift) * ua, axis=-1) - 0.5 * inst.zeta * np.sum(ua * ua, axis=-1)
    return np.cumsum(run.losses - val, axis=1)[:, hz - 1]

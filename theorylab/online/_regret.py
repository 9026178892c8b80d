"""Comparators (best fixed point, per-round minimisers) and static / dynamic regret
(part of :mod:`theorylab.online`)."""

from __future__ import annotations

import numpy as np

from .. import _validate as V
from ._core import (
    MAX_ITER,
    _finite,
    _logcosh,
    _pos_int,
    _proj,
    _rowdot,
    project_ball,
)
from ._learners import (
    OCORun,
)
from ._sea import (
    SEAInstance,
    _check_instance,
)


# --------------------------------------------------------------------------- #
# comparators and regret
# --------------------------------------------------------------------------- #
def _broadcast_batch(name: str, a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    try:
        return np.broadcast_to(a, shape)
    except ValueError:
        raise ValueError(f"{name} of shape {a.shape} does not broadcast to the batch shape {shape} of h") from None


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

    Examples
    --------
    >>> out = minimise_on_ball(np.zeros((0, 2)), [], alpha=0.0, beta=1.0, h=np.array([3.0, 4.0]))
    >>> out['x'].round(6).tolist()  # the projection of h / beta
    [0.6, 0.8]
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
    alpha = _broadcast_batch("alpha", _finite("alpha", alpha, nonneg=True), h.shape[:-1])
    beta = _broadcast_batch("beta", _finite("beta", beta), h.shape[:-1])
    radius = V.positive("radius", radius)
    n_iter = _pos_int("n_iter", n_iter, high=MAX_ITER)
    if h.shape[-1] == 0:
        raise ValueError("h must have a last axis of length d >= 1")
    if (A.size == 0 or np.all(alpha == 0)) and np.all(beta > 0):
        # isotropic quadratic: the constrained minimiser is the projection of h / beta
        x = project_ball(h / beta[..., None], radius)
        v = 0.5 * beta * np.sum(x * x, axis=-1) - np.sum(h * x, axis=-1)
        return {"x": x, "value": v, "gm_norm": np.zeros(h.shape[:-1])}
    # iterative path only: bound the work (h.size * n_iter gradient evaluations)
    V.elements("h.size * n_iter (solver work)", h.size * n_iter, limit=10**10)
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
            v = v + alpha * _logcosh(x @ A.T - b).sum(axis=-1)
        return v

    x = np.zeros_like(h) if x0 is None else _proj(_broadcast_batch("x0", _finite("x0", x0), h.shape).copy(), radius)
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
    hz = V.int_array("horizons", horizons, ndim=1, nonempty=True)
    if np.any(hz < 1) or np.any(hz > T):
        raise ValueError(f"horizons must lie in [1, T] = [1, {T}]; got {hz.tolist()[:8]}")
    return hz


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

    Examples
    --------
    >>> from theorylab.online import make_sea
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=10, n_repeats=2, sigma=0.1, lam=1.0, rng=np.random.default_rng(0))
    >>> comp = static_comparator(inst, np.array([5, 10]), n_iter=200)
    >>> comp['value'].shape, bool((comp['gm_norm'] < 1e-6).all())
    ((2, 2), True)
    """
    _check_instance(inst)
    hz = _horizons(horizons, inst.T)
    n_iter = _pos_int("n_iter", n_iter, high=MAX_ITER)
    V.elements("n_repeats * len(horizons) * dim * n_iter (solver work)",
               inst.n_repeats * hz.size * inst.dim * n_iter * (2 * inst.dim + 2 if inst.zeta_std > 0 else 1),
               limit=10**10)
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
    ``path_length (R,)`` = ``P_T = sum_t ||u_t - u_{t-1}||``.

    Examples
    --------
    >>> from theorylab.online import make_sea
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=10, n_repeats=2, lam=1.0, centers=0.2, rng=np.random.default_rng(0))
    >>> dynamic_comparator(inst, n_iter=200)['path_length'].round(8).tolist()  # fixed centres: u_t constant
    [0.0, 0.0]
    """
    _check_instance(inst)
    n_iter = _pos_int("n_iter", n_iter, high=MAX_ITER)
    if inst.A.size:  # the isotropic case is solved in closed form (minimise_on_ball checks its own work)
        V.elements("n_repeats * T * dim * n_iter (solver work)", inst.n_repeats * inst.T * inst.dim * n_iter,
                   limit=10**10)
    shape = (inst.n_repeats, inst.T)
    h = inst.lam * inst.centers - inst.shift
    res = minimise_on_ball(inst.A, inst.b, alpha=np.ones(shape), beta=np.full(shape, inst.lam), h=h,
                           radius=inst.radius, n_iter=n_iter)
    return {"x": res["x"], "gm_norm": res["gm_norm"], "path_length": path_length(res["x"])}


def path_length(u) -> np.ndarray:
    """``P_T = sum_{t>=2} ||u_t - u_{t-1}||``; ``(..., T, d) -> (...)``.

    Examples
    --------
    >>> float(path_length([[0.0, 0.0], [3.0, 4.0], [3.0, 4.0]]))
    5.0
    """
    ua = _finite("u", u)
    if ua.ndim < 2:
        raise ValueError(f"u must have shape (..., T, d); got {ua.shape}")
    return np.sum(np.linalg.norm(np.diff(ua, axis=-2), axis=-1), axis=-1)


def static_regret(run: OCORun, inst: SEAInstance, horizons=None, *, comparator=None) -> np.ndarray:
    """Static regret ``sum_{t<=H} f_t(x_t) - min_x sum_{t<=H} f_t(x)`` per repetition and
    horizon; ``-> (R, n_H)``. Pass a precomputed :func:`static_comparator` result to reuse it.

    Examples
    --------
    >>> from theorylab.online import make_sea, run_optimistic_omd
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=10, n_repeats=2, sigma=0.1, lam=1.0, rng=np.random.default_rng(0))
    >>> static_regret(run_optimistic_omd(inst), inst, np.array([5, 10])).shape
    (2, 2)
    """
    _check_instance(inst)
    _check_run(run, inst)
    if run.losses.shape != (inst.n_repeats, inst.T):
        raise ValueError(f"run does not match inst: losses {run.losses.shape} vs {(inst.n_repeats, inst.T)}")
    hz = _horizons(horizons, inst.T)
    comp = static_comparator(inst, hz) if comparator is None else comparator
    if not np.array_equal(comp["horizons"], hz):
        raise ValueError("comparator was computed for other horizons")
    cum = np.cumsum(run.losses, axis=1)[:, hz - 1]
    return cum - comp["value"]


def _check_run(run, inst: SEAInstance) -> None:
    V.instance("run", run, OCORun, hint="the result of run_ogd, run_optimistic_omd or run_optimistic_ons")
    if run.losses.shape != (inst.n_repeats, inst.T):
        raise ValueError(f"run does not match inst: losses {run.losses.shape} vs {(inst.n_repeats, inst.T)}")


def dynamic_regret(run: OCORun, inst: SEAInstance, u, horizons=None) -> np.ndarray:
    """Dynamic regret ``sum_{t<=H} f_t(x_t) - f_t(u_t)`` against a comparator sequence
    ``u (R, T, d)`` inside the ball; ``-> (R, n_H)``.

    Examples
    --------
    >>> from theorylab.online import make_sea, run_ogd
    >>> inst = make_sea(np.eye(2), [0.0, 0.0], T=10, n_repeats=2, lam=1.0, rng=np.random.default_rng(0))
    >>> u = dynamic_comparator(inst, n_iter=200)['x']
    >>> dynamic_regret(run_ogd(inst), inst, u, np.array([10])).shape
    (2, 1)
    """
    _check_instance(inst)
    _check_run(run, inst)
    ua = _finite("u", u)
    if ua.shape != (inst.n_repeats, inst.T, inst.dim):
        raise ValueError(f"u must have shape {(inst.n_repeats, inst.T, inst.dim)}; got {ua.shape}")
    if np.any(np.linalg.norm(ua, axis=-1) > inst.radius * (1 + 1e-9)):
        raise ValueError("u must lie in the ball domain")
    hz = _horizons(horizons, inst.T)
    # f_t(u_t) for all t at once (vectorised over R and T)
    val = _logcosh(ua @ inst.A.T - inst.b).sum(axis=-1) if inst.A.size else np.zeros(ua.shape[:2])
    val = val + 0.5 * inst.lam * np.sum((ua - inst.centers) ** 2, axis=-1)
    val = val + np.sum((inst.xi + inst.shift) * ua, axis=-1) - 0.5 * inst.zeta * np.sum(ua * ua, axis=-1)
    return np.cumsum(run.losses - val, axis=1)[:, hz - 1]

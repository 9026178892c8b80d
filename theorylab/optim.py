r"""Small optimisers the notebooks need: Adam (vectorised over a batch of parameter
vectors), a backtracking Armijo line search and gradient descent with it, L-BFGS
through scipy, and the orthogonal-gradient combination of O-DICE.

* **Adam** (Kingma & Ba 2015): :math:`m \leftarrow \beta_1 m + (1-\beta_1)g`,
  :math:`v \leftarrow \beta_2 v + (1-\beta_2)g^2`,
  :math:`\theta \leftarrow \theta - \alpha\,\hat m/(\sqrt{\hat v} + \epsilon)` with the
  bias corrections :math:`\hat m = m/(1-\beta_1^t)`, :math:`\hat v = v/(1-\beta_2^t)`.
* **Armijo** (sufficient decrease): the largest :math:`t = t_0\rho^j` with
  :math:`f(x + t d) \le f(x) + c_1 t\,\nabla f(x)^\top d`.
* **Orthogonal gradient** (Mao et al. 2024, O-DICE, Eq. 7 [inferred numbering]):
  :math:`g_\perp = g_f + \eta\big(g_b - \frac{\langle g_b, g_f\rangle}{\lVert g_f\rVert^2} g_f\big)`.

Used by ``learning-theory/target-surrogates`` (Armijo inner loops, L-BFGS reference
optimum), ``learning-theory/influence-ekfac`` (L-BFGS training) and
``bandits-rl/odice-orthogonal-gradient`` (Adam, orthogonal gradient).

Examples
--------
>>> import numpy as np
>>> from theorylab import optim
>>> f = lambda x: float(np.sum((x - 1.0) ** 2))
>>> g = lambda x: 2 * (x - 1.0)
>>> res = optim.armijo_descent(lambda x: (f(x), g(x)), np.zeros(3), n_steps=20)
>>> bool(np.allclose(res.x, 1.0))
True
>>> st = optim.adam_init(np.zeros(2))
>>> x, st = optim.adam_step(np.zeros(2), np.array([1.0, -1.0]), st, lr=0.1)
>>> x.round(6).tolist()                      # the first Adam step has length lr per coordinate
[-0.1, 0.1]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _validate as V

__all__ = [
    "AdamState",
    "DescentResult",
    "adam_init",
    "adam_step",
    "armijo",
    "armijo_descent",
    "lbfgs",
    "orthogonal_gradient",
]


# --------------------------------------------------------------------------- Adam
@dataclass(frozen=True)
class AdamState:
    """First and second moment estimates ``m``, ``v`` (shape of the parameters) and the
    step count ``t``."""

    m: np.ndarray
    v: np.ndarray
    t: int


def adam_init(theta) -> AdamState:
    """Zero moments for parameters ``theta`` (any shape, e.g. a batch (R, P))."""
    th = V.real_array("theta", theta)
    return AdamState(np.zeros_like(th), np.zeros_like(th), 0)


def adam_step(theta, grad, state: AdamState, *, lr: float, beta1: float = 0.9, beta2: float = 0.999,
              eps: float = 1e-8) -> tuple[np.ndarray, AdamState]:
    """One Adam step; returns the new parameters and state (inputs are not modified).
    ``lr`` may be a float or an array broadcasting against ``theta`` (per-network rates)."""
    th = V.real_array("theta", theta)
    g = V.real_array("grad", grad)
    if g.shape != th.shape:
        raise ValueError(f"grad must have the shape of theta {th.shape}; got {g.shape}")
    if not isinstance(state, AdamState) or state.m.shape != th.shape:
        raise TypeError("state must be the AdamState of parameters of this shape (see adam_init)")
    lr_a = V.array("lr", lr, low=0.0)
    try:
        np.broadcast_shapes(lr_a.shape, th.shape)
    except ValueError:
        raise ValueError(f"lr must be a float or an array broadcasting against theta {th.shape}; "
                         f"got shape {lr_a.shape}") from None
    beta1 = V.real("beta1", beta1, low=0.0, high=1.0, high_open=True)
    beta2 = V.real("beta2", beta2, low=0.0, high=1.0, high_open=True)
    e = V.positive_real("eps", eps)
    t = state.t + 1
    m = beta1 * state.m + (1 - beta1) * g
    v = beta2 * state.v + (1 - beta2) * g * g
    mh = m / (1 - beta1 ** t)
    vh = v / (1 - beta2 ** t)
    return th - lr_a * mh / (np.sqrt(vh) + e), AdamState(m, v, t)


# ------------------------------------------------------------------------ Armijo
_MAX_TRIES = 10**6
"""Upper limit of line-search trials per step (``shrink**j`` underflows long before)."""
_MAX_STEPS = 10**8
"""Upper limit of the number of optimisation steps / iterations of one call."""


def _search_params(c1, shrink) -> tuple[float, float]:
    c = V.positive_real("c1", c1)
    rho = V.positive_real("shrink", shrink)
    if rho >= 1 or c >= 1:
        raise ValueError(f"shrink and c1 must be in (0, 1); got shrink={rho}, c1={c}")
    return c, rho


def armijo(f: Callable, x, fx: float, gx, direction, *, t0: float = 1.0, c1: float = 1e-4,
           shrink: float = 0.5, max_iter: int = 60) -> tuple[float, float, int]:
    r"""Backtracking line search: the first :math:`t = t_0\rho^j` with
    :math:`f(x + td) \le f(x) + c_1 t\,g^\top d`. Returns ``(t, f(x + t d), n_evals)``;
    ``t = 0`` (and ``f(x)``) if no step is accepted in ``max_iter`` tries or ``d`` is not a
    descent direction, so the objective never increases."""
    V.function("f", f, what="x -> f(x)")
    fx = V.real("fx", fx)
    xa = V.real_array("x", x)
    g = V.real_array("gx", gx)
    d = V.real_array("direction", direction)
    if g.shape != xa.shape or d.shape != xa.shape:
        raise ValueError("gx and direction must have the shape of x")
    t = V.positive_real("t0", t0)
    c, rho = _search_params(c1, shrink)
    n = V.count("max_iter", max_iter, high=_MAX_TRIES)
    slope = float(np.sum(g * d))
    if not slope < 0:
        return 0.0, fx, 0
    for j in range(1, n + 1):
        ft = float(f(xa + t * d))
        if np.isfinite(ft) and ft <= fx + c * t * slope:
            return t, ft, j
        t *= rho
    return 0.0, fx, n


@dataclass(frozen=True)
class DescentResult:
    """``x`` final point, ``f`` its value, ``history`` values after each step (``n_steps + 1``,
    starting with f(x0)), ``n_evals`` function evaluations, ``n_grads`` gradient evaluations."""

    x: np.ndarray
    f: float | np.ndarray
    history: np.ndarray
    n_evals: int
    n_grads: int


def armijo_descent(fun_and_grad: Callable, x0, *, n_steps: int, t0: float = 1.0, c1: float = 1e-4,
                   shrink: float = 0.5, grow: float = 2.0, batched: bool = False,
                   max_backtracks: int = 60, fun: Callable | None = None) -> DescentResult:
    r"""``n_steps`` of gradient descent with an Armijo line search; the trial step starts
    at ``grow`` times the last accepted step (``t0`` at first). The objective is
    non-increasing by construction (a rejected search leaves ``x`` unchanged).

    ``batched=True``: ``x0`` is (R, P), ``R`` independent problems (seeds, step sizes)
    solved in lockstep; ``fun_and_grad`` maps (R, P) to values (R,) and gradients (R, P),
    and every row has its own step size and line search (rows whose search has succeeded
    are frozen while the others backtrack). ``history`` is then (n_steps + 1, R).
    ``fun`` (optional): the objective alone, used for the line-search trials (saves the
    gradient computation there).
    """
    V.function("fun_and_grad", fun_and_grad, what="x -> (f, grad)")
    T = V.count("n_steps", n_steps, low=0, high=_MAX_STEPS)
    gr = V.positive_real("grow", grow)
    t_init = V.positive_real("t0", t0)
    c, rho = _search_params(c1, shrink)
    nb = V.count("max_backtracks", max_backtracks, high=_MAX_TRIES)
    batched = V.flag("batched", batched)
    V.optional(V.function, "fun", fun, what="x -> f(x)")
    if not batched:
        x = V.real_array("x0", x0).copy()
        fx, g = fun_and_grad(x)
        fx = float(fx)
        if not np.isfinite(fx):
            raise ValueError(f"fun_and_grad returned a non-finite value {fx} at x0: start where f is finite")
        hist, ne, ng, t = [fx], 1, 1, t_init
        fonly = fun if fun is not None else (lambda y: fun_and_grad(y)[0])
        for _ in range(T):
            step, fnew, k = armijo(fonly, x, fx, g, -g, t0=t, c1=c1, shrink=shrink, max_iter=max_backtracks)
            ne += k
            if step > 0:
                x = x - step * g
                t = step * gr
                fx2, g = fun_and_grad(x)
                ng += 1
                ne += 1
                fx = float(fx2)
            hist.append(fx)
        return DescentResult(x=x, f=fx, history=np.array(hist), n_evals=ne, n_grads=ng)
    x = V.real_array("x0", x0, ndim=2).copy()
    R = x.shape[0]
    fx, g = fun_and_grad(x)
    fx, g = np.asarray(fx, dtype=float), np.asarray(g, dtype=float)
    if fx.shape != (R,) or g.shape != x.shape:
        raise ValueError(f"batched fun_and_grad must return values ({R},) and gradients {x.shape}")
    t = np.full(R, t_init)
    hist, ne, ng = [fx.copy()], 1, 1
    for _ in range(T):
        slope = np.sum(g * g, axis=1)
        trial = t.copy()
        pending = slope > 0
        accepted = np.zeros(R)
        fnew = fx.copy()
        for _ in range(nb):
            if not pending.any():
                break
            xt = x - trial[:, None] * g
            ft = np.asarray(fun(xt) if fun is not None else fun_and_grad(xt)[0], dtype=float)
            ne += 1
            ok = pending & np.isfinite(ft) & (ft <= fx - c * trial * slope)
            accepted[ok] = trial[ok]
            fnew[ok] = ft[ok]
            pending &= ~ok
            trial[pending] *= rho
        x = x - accepted[:, None] * g
        t = np.where(accepted > 0, accepted * gr, t)
        fx, g = fun_and_grad(x)
        fx, g = np.asarray(fx, dtype=float), np.asarray(g, dtype=float)
        ne += 1
        ng += 1
        hist.append(fx.copy())
    return DescentResult(x=x, f=fx, history=np.array(hist), n_evals=ne, n_grads=ng)


def lbfgs(fun_and_grad: Callable, x0, *, max_iter: int = 500, gtol: float = 1e-10,
          ftol: float = 0.0) -> DescentResult:
    """L-BFGS-B (scipy) on ``fun_and_grad: x -> (f, grad)`` for at most ``max_iter``
    iterations; returns a :class:`DescentResult` (history = f per iteration)."""
    from scipy.optimize import minimize

    V.function("fun_and_grad", fun_and_grad, what="x -> (f, grad)")
    x = V.real_array("x0", x0, ndim=1)
    n = V.count("max_iter", max_iter, high=_MAX_STEPS)
    hist: list[float] = []
    res = minimize(lambda y: fun_and_grad(y), x, jac=True, method="L-BFGS-B",
                   callback=lambda xk: hist.append(float(fun_and_grad(xk)[0])),
                   options={"maxiter": n, "gtol": V.nonneg_real("gtol", gtol),
                            "ftol": V.nonneg_real("ftol", ftol), "maxcor": 20})
    return DescentResult(x=res.x, f=float(res.fun), history=np.array(hist), n_evals=int(res.nfev),
                         n_grads=int(res.nfev))


# ----------------------------------------------------------- orthogonal gradient
def orthogonal_gradient(g_forward, g_backward, eta: float, *, eps: float = 1e-10) -> np.ndarray:
    r"""O-DICE's orthogonal-gradient combination, vectorised over leading dimensions:

    .. math:: g_\perp = g_f + \eta\Big(g_b - \frac{\langle g_b, g_f\rangle}{\max(\lVert g_f\rVert^2, \varepsilon)}\,g_f\Big),

    ``g_forward``, ``g_backward`` (..., P). Since the bracket is orthogonal to
    :math:`g_f`, :math:`\langle g_f + g_b, g_\perp\rangle - \langle g_f + g_b, g_f\rangle =
    \eta\lVert g_b^\perp\rVert^2 \ge 0`.
    """
    gf = V.real_array("g_forward", g_forward, min_ndim=1)
    gb = V.real_array("g_backward", g_backward, min_ndim=1)
    if gf.shape != gb.shape:
        raise ValueError(f"g_forward {gf.shape} and g_backward {gb.shape} must have the same shape")
    e = V.nonneg_real("eta", eta)
    ep = V.positive_real("eps", eps)
    coef = np.sum(gb * gf, axis=-1, keepdims=True) / np.maximum(np.sum(gf * gf, axis=-1, keepdims=True), ep)
    return gf + e * (gb - coef * gf)

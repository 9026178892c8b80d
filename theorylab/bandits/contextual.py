"""Realizable contextual bandits with a pluggable online regression oracle,
vectorised over independent repetitions.

The reduction of contextual bandits to online regression (Foster & Rakhlin 2020,
SquareCB; Foster & Krishnamurthy 2021, FastCB) and its neural instantiation
(Deb, Ban, Zuo, He & Banerjee, ICLR 2024, "Contextual Bandits with Online Neural
Regression") are checked in the notebook ``bandits-rl/neural-cb-online-regression``.

Protocol of one round (losses, lower is better), for all ``R`` repetitions at once:

1. a context ``x_t`` (unit sphere in ``R^d``) is drawn; features ``phi_t = [x_t, 1]``;
2. the oracle predicts ``yhat_t(a)`` for every arm ``a``;
3. the policy turns ``yhat_t`` into probabilities ``p_t`` (inverse gap weighting,
   FastCB weighting, epsilon-greedy or greedy) and samples ``a_t``;
4. the loss ``y_t ~ Bernoulli(f*(x_t, a_t))`` is revealed and the oracle updated.

Regret is the pseudo-regret ``sum_t f*(x_t, a_t) - min_a f*(x_t, a)``; the oracle's
square-loss regret against ``f*`` is ``sum_t (yhat_t(a_t) - f*(x_t, a_t))^2``
(the conditional expectation of its square-loss regret).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.special import expit, ndtri

from .. import _validate as V
from ._common import MAX_REPS, MAX_T, as_streams, check_checkpoints, check_int, draw_block
from .mab import RegretRun

__all__ = [
    "ContextualBandit",
    "linear_contextual",
    "logistic_contextual",
    "RidgeOracle",
    "OGDOracle",
    "igw_probs",
    "fastcb_probs",
    "run_contextual",
    "CB_POLICIES",
]

CB_POLICIES = ("squarecb", "fastcb", "egreedy", "greedy")


# --------------------------------------------------------------------------- #
# environments
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class ContextualBandit:
    """A realizable contextual bandit with Bernoulli losses.

    Parameters
    ----------
    K : number of arms.
    dim : context dimension ``d``; contexts are uniform on the sphere ``S^{d-1}``.
    mean_loss : vectorised ``f*``: ``(n, d) -> (n, K)`` with values in ``[0, 1]``.
    name : label.

    Examples
    --------
    >>> env = ContextualBandit(2, 3, lambda X: np.full((X.shape[0], 2), 0.5), name="flat")
    >>> env.contexts(np.full((1, 3), 0.7)).round(3).tolist()
    [[0.577, 0.577, 0.577]]
    """

    K: int
    dim: int
    mean_loss: Callable[[np.ndarray], np.ndarray]
    name: str = "contextual"

    def __post_init__(self) -> None:
        check_int("K", self.K, high=10**6)
        check_int("dim", self.dim, high=10**6)
        V.function("mean_loss", self.mean_loss, what="(n, dim) -> (n, K)")
        V.text("name", self.name, nonempty=False)

    def contexts(self, u: np.ndarray) -> np.ndarray:
        """Map uniforms ``(..., d)`` in [0, 1] to points on ``S^{d-1}`` (normalised Gaussians)."""
        u = V.array("u", u, low=0.0, high=1.0)
        if u.ndim < 1 or u.shape[-1] != self.dim:
            raise ValueError(f"u must have shape (..., {self.dim}); got {u.shape}")
        return self._contexts(u)

    def _contexts(self, u: np.ndarray) -> np.ndarray:
        z = ndtri(np.clip(u, 1e-300, 1 - 1e-16))
        return z / np.linalg.norm(z, axis=-1, keepdims=True)


def _theta_bias(theta, bias, default: float):
    th = V.array("theta", theta, ndim=2)
    if th.shape[0] < 1 or th.shape[1] < 1:
        raise ValueError(f"theta must have shape (K, dim) with K >= 1 and dim >= 1; got {th.shape}")
    V.elements("theta", th.size, limit=10**8)
    b = V.array("bias", default if bias is None else bias)
    if b.ndim == 0:
        b = np.full(th.shape[0], float(b))
    if b.shape != (th.shape[0],):
        raise ValueError(f"bias must be a number or have shape ({th.shape[0]},) (one per arm); got {b.shape}")
    return th, b


def linear_contextual(theta, bias=0.5, *, name: str = "linear") -> ContextualBandit:
    r"""Linear-realizable losses :math:`f^*(x, a) = b_a + \theta_a^\top x` on the unit sphere.

    Requires :math:`b_a \pm \lVert\theta_a\rVert \in [0, 1]` so that every mean loss is a
    probability (``ValueError`` naming ``theta`` otherwise). ``theta``: ``(K, d)``;
    ``bias``: one number for every arm (default 0.5, the centre of [0, 1], so any
    ``theta`` with row norms <= 0.5 works) or a ``(K,)`` array; ``None`` means 0.5.
    The catalogue's instance is ``b_a = 0.5``, ``theta_a = 0.5 u_a`` with unit ``u_a``.

    Examples
    --------
    >>> env = linear_contextual([[0.3, 0.0], [0.0, -0.4]])
    >>> env.K, env.dim, env.mean_loss(np.array([[1.0, 0.0]])).tolist()
    (2, 2, [[0.8, 0.5]])
    """
    th, b = _theta_bias(theta, bias, 0.5)
    V.text("name", name, nonempty=False)
    nrm = np.linalg.norm(th, axis=1)
    if np.any(b - nrm < -1e-12) or np.any(b + nrm > 1 + 1e-12):
        raise ValueError("theta and bias give mean losses outside [0, 1] on the sphere: need "
                         f"bias_a ± ||theta_a|| in [0, 1]; got row norms {nrm.round(3).tolist()[:8]} "
                         f"and bias {b.round(3).tolist()[:8]}")

    def f(X):
        return np.clip(X @ th.T + b, 0.0, 1.0)

    return ContextualBandit(K=th.shape[0], dim=th.shape[1], mean_loss=f, name=name)


def logistic_contextual(theta, bias=0.0, *, name: str = "logistic") -> ContextualBandit:
    r"""Logistic losses :math:`f^*(x, a) = \sigma(b_a + \theta_a^\top x)`, ``theta``: ``(K, d)``;
    ``bias`` one number for every arm (default 0; ``None`` means 0) or a ``(K,)`` array.

    Examples
    --------
    >>> env = logistic_contextual([[1.0, 0.0], [0.0, 0.0]])
    >>> env.mean_loss(np.array([[0.0, 1.0]])).tolist()
    [[0.5, 0.5]]
    """
    th, b = _theta_bias(theta, bias, 0.0)
    V.text("name", name, nonempty=False)

    def f(X):
        return expit(X @ th.T + b)

    return ContextualBandit(K=th.shape[0], dim=th.shape[1], mean_loss=f, name=name)


# --------------------------------------------------------------------------- #
# online regression oracles (pluggable)
# --------------------------------------------------------------------------- #
class RidgeOracle:
    r"""Per-arm online ridge regression on features :math:`\phi`, by Sherman--Morrison.

    State per repetition and arm: :math:`A^{-1} = (\lambda I + \sum \phi\phi^\top)^{-1}`
    and :math:`b = \sum y\phi`; prediction :math:`\mathrm{clip}(\phi^\top A^{-1} b, 0, 1)`.
    Its square-loss regret on a realizable linear problem is :math:`O(pK\log T)`
    (Vovk--Azoury--Warmuth). Arrays: ``Ainv (R, K, p, p)``, ``theta (R, K, p)``.

    Parameters
    ----------
    lam : ridge :math:`\lambda > 0` (default 1).
    clip : clip predictions to [0, 1] (default ``True``).

    Examples
    --------
    >>> oracle = RidgeOracle(lam=1.0)
    >>> st = oracle.init(2, 3, 4)
    >>> oracle.predict(st, np.ones((2, 4))).shape
    (2, 3)
    """

    link = "identity"

    def __init__(self, lam: float = 1.0, clip: bool = True) -> None:
        self.lam = V.positive("lam", lam)
        self.clip = V.flag("clip", clip)

    def init(self, R: int, K: int, p: int) -> dict:
        Ainv = np.broadcast_to(np.eye(p) / self.lam, (R, K, p, p)).copy()
        return {"Ainv": Ainv, "b": np.zeros((R, K, p)), "theta": np.zeros((R, K, p))}

    def predict(self, st: dict, phi: np.ndarray) -> np.ndarray:
        y = np.einsum("rkp,rp->rk", st["theta"], phi)
        return np.clip(y, 0.0, 1.0) if self.clip else y

    def update(self, st: dict, phi: np.ndarray, a: np.ndarray, y: np.ndarray, t: int) -> None:
        r = np.arange(phi.shape[0])
        A = st["Ainv"][r, a]  # (R, p, p)
        u = np.einsum("rpq,rq->rp", A, phi)
        A -= u[:, :, None] * u[:, None, :] / (1.0 + np.einsum("rp,rp->r", phi, u))[:, None, None]
        st["Ainv"][r, a] = A
        st["b"][r, a] += y[:, None] * phi
        st["theta"][r, a] = np.einsum("rpq,rq->rp", A, st["b"][r, a])


class OGDOracle:
    r"""Per-arm projected online gradient descent.

    ``link="identity"``: square loss :math:`\tfrac12(\theta^\top\phi - y)^2`, prediction
    clipped to [0, 1]. ``link="logistic"``: log-loss (KL loss) of
    :math:`\sigma(\theta^\top\phi)`. Step :math:`\eta_n` = ``step(n)`` where ``n`` is the
    number of updates of that arm (or a constant); iterates projected on the ball of
    radius ``radius``.

    Examples
    --------
    >>> oracle = OGDOracle(step=0.1, link='logistic')
    >>> st = oracle.init(2, 3, 4)
    >>> oracle.predict(st, np.ones((2, 4))).tolist()  # sigma(0) = 1/2
    [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]
    """

    def __init__(self, step, link: str = "identity", radius: float = 10.0) -> None:
        V.choice("link", link, ("identity", "logistic"))
        if not callable(step):
            step = V.positive("step", step) if not isinstance(step, (str, bytes)) else V.real("step", step)
        self.step, self.link, self.radius = step, link, V.positive("radius", radius)

    def init(self, R: int, K: int, p: int) -> dict:
        return {"theta": np.zeros((R, K, p)), "n": np.zeros((R, K))}

    def predict(self, st: dict, phi: np.ndarray) -> np.ndarray:
        z = np.einsum("rkp,rp->rk", st["theta"], phi)
        return expit(z) if self.link == "logistic" else np.clip(z, 0.0, 1.0)

    def update(self, st: dict, phi: np.ndarray, a: np.ndarray, y: np.ndarray, t: int) -> None:
        r = np.arange(phi.shape[0])
        th = st["theta"][r, a]
        n = st["n"][r, a] + 1.0
        st["n"][r, a] = n
        z = np.einsum("rp,rp->r", th, phi)
        pred = expit(z) if self.link == "logistic" else z
        eta = _step_values(self.step, n) if callable(self.step) else self.step
        th = th - (eta * (pred - y))[:, None] * phi
        nrm = np.linalg.norm(th, axis=1, keepdims=True)
        th *= np.minimum(1.0, self.radius / np.maximum(nrm, 1e-300))
        st["theta"][r, a] = th


def _step_values(step, n: np.ndarray) -> np.ndarray:
    """``step(n)`` checked: finite and > 0, a scalar or one value per entry of ``n``."""
    eta = np.asarray(step(n), dtype=float)
    if eta.shape not in ((), n.shape) or not np.all(np.isfinite(eta)) or np.any(eta <= 0):
        raise ValueError(f"step(n) must return finite step sizes > 0 (a scalar or shape {n.shape}); "
                         f"got {eta!r} at n = {n.ravel()[:4].tolist()}")
    return eta


# --------------------------------------------------------------------------- #
# action distributions
# --------------------------------------------------------------------------- #
def _check_yhat_gamma(yhat, gamma):
    y = V.array("yhat", yhat)
    if y.ndim < 1 or y.shape[-1] < 1:
        raise ValueError(f"yhat must have shape (..., K) with K >= 1; got {y.shape}")
    g = V.array("gamma", gamma, low=0.0)
    try:
        g = np.broadcast_to(g, y.shape[:-1])
    except ValueError as exc:
        raise ValueError(f"gamma must broadcast to {y.shape[:-1]}; got {np.shape(gamma)}") from exc
    return y, g


def igw_probs(yhat, gamma) -> np.ndarray:
    r"""Inverse gap weighting (SquareCB, Foster & Rakhlin 2020, Algorithm 1; Abe & Long 1999).

    With :math:`b = \arg\min_a \hat y(a)` (predicted *losses*):
    :math:`p(a) = 1 / (K + \gamma(\hat y(a) - \hat y(b)))` for :math:`a \ne b` and
    :math:`p(b) = 1 - \sum_{a\ne b} p(a) \ge 1/K`.

    ``yhat``: ``(..., K)``; ``gamma``: scalar or ``(...)``, >= 0; returns ``(..., K)``.
    An empty batch (``yhat`` of shape ``(0, K)``) gives an empty ``(0, K)`` result.

    Examples
    --------
    >>> igw_probs([0.2, 0.5, 0.1], 10.0).round(4).tolist()
    [0.25, 0.1429, 0.6071]
    """
    y, g = _check_yhat_gamma(yhat, gamma)
    shape = y.shape
    y2 = y.reshape(-1, shape[-1])
    return _igw(y2, np.broadcast_to(g, shape[:-1]).reshape(-1)).reshape(shape)


def _igw(y: np.ndarray, g) -> np.ndarray:
    """IGW on validated ``(n, K)`` predictions, ``g`` scalar or ``(n,)`` (hot path)."""
    n, K = y.shape
    rows = np.arange(n)
    b = y.argmin(axis=1)
    p = 1.0 / (K + np.reshape(g, (-1, 1)) * (y - y[rows, b][:, None]))
    p[rows, b] = 0.0
    p[rows, b] = 1.0 - p.sum(axis=1)
    return p


def _fastcb(y: np.ndarray, g, floor: float) -> np.ndarray:
    """FastCB weights on validated ``(n, K)`` predictions (hot path)."""
    n, K = y.shape
    rows = np.arange(n)
    b = y.argmin(axis=1)
    yb = y[rows, b][:, None]
    ybf = np.maximum(yb, floor)
    p = ybf / (K * ybf + np.reshape(g, (-1, 1)) * (y - yb))
    p[rows, b] = 0.0
    p[rows, b] = 1.0 - p.sum(axis=1)
    return p


def fastcb_probs(yhat, gamma, *, floor: float = 1e-3) -> np.ndarray:
    r"""FastCB weighting (Foster & Krishnamurthy 2021, first-order reduction).

    With :math:`b = \arg\min_a \hat y(a)` and :math:`\hat y_b` floored at ``floor``:
    :math:`p(a) = \hat y_b / (K \hat y_b + \gamma(\hat y(a) - \hat y_b))` for
    :math:`a \ne b`, :math:`p(b) = 1 - \sum_{a \ne b} p(a)`. When the best predicted
    loss is small the weights of clearly worse arms shrink like
    :math:`\hat y_b / (\gamma\,\mathrm{gap})`, so exploration scales with the loss of
    the best arm (first-order regret).

    Examples
    --------
    >>> fastcb_probs([0.2, 0.5, 0.1], 10.0).round(4).tolist()
    [0.0769, 0.0233, 0.8998]
    """
    y, g = _check_yhat_gamma(yhat, gamma)
    floor = V.real("floor", floor, low=0.0, high=1.0, low_open=True)
    shape = y.shape
    y2 = y.reshape(-1, shape[-1])
    return _fastcb(y2, np.broadcast_to(g, shape[:-1]).reshape(-1), floor).reshape(shape)


# --------------------------------------------------------------------------- #
# the run
# --------------------------------------------------------------------------- #
def run_contextual(
    env: ContextualBandit,
    policy: str,
    *,
    oracle,
    T: int,
    n_reps: int,
    rng,
    gamma: Callable[[int], float] | float = 100.0,
    epsilon: float = 0.05,
    floor: float = 1e-3,
    checkpoints=None,
) -> RegretRun:
    r"""Run a regression-oracle contextual bandit algorithm, ``R`` repetitions at once.

    Policies: ``"squarecb"`` (:func:`igw_probs`), ``"fastcb"`` (:func:`fastcb_probs`),
    ``"egreedy"`` (uniform with probability ``epsilon``), ``"greedy"``, or a callable
    ``(yhat (R, K), t) -> probs (R, K)`` (validated every round: ``ValueError`` naming
    ``policy`` for a wrong shape, negative entries or rows not summing to 1).
    ``gamma`` is a constant or an *anytime* schedule ``t -> gamma_t`` (a horizon-tuned
    constant makes the within-run regret curve linear in t, see the notebook).

    ``oracle`` is any object with ``init(R, K, p) -> state``,
    ``predict(state, phi (R, p)) -> (R, K)`` and
    ``update(state, phi, a (R,), y (R,), t)``; features are ``phi = [x, 1]``.

    ``rng``: a Generator or a sequence of ``R`` Generators (see :func:`run_mab`).
    ``gamma``, ``epsilon`` and ``floor`` are checked up front (``gamma >= 0`` finite,
    ``epsilon`` in [0, 1], ``floor`` in (0, 1]); a schedule's values are checked every
    round (``ValueError`` naming ``gamma`` and the round).

    Determinism: as for :func:`run_mab`, repetition ``r`` of a vectorised run with a
    sequence of Generators equals a single run with ``rng[r]`` exactly, by
    construction (every operation acts row by row; no reduction mixes repetitions).

    Returns
    -------
    RegretRun: ``regret (R, m)`` pseudo-regret; ``extra["sq_regret"] (R, m)`` the
    oracle's square-loss regret :math:`\sum_t (\hat y_t(a_t) - f^*(x_t, a_t))^2`;
    ``extra["best_loss"] (R, m)`` :math:`L^*(t) = \sum_s \min_a f^*(x_s, a)`.

    Examples
    --------
    >>> env = linear_contextual([[0.3, 0.0], [0.0, 0.3], [-0.2, 0.2]])
    >>> run = run_contextual(env, "squarecb", oracle=RidgeOracle(), T=50, n_reps=2,
    ...                      rng=np.random.default_rng(0))
    >>> run.regret.shape, bool((run.final > 0).all())
    ((2, 26), True)
    """
    V.instance("env", env, ContextualBandit, hint="build one with linear_contextual(theta) or logistic_contextual")
    if not callable(policy):
        V.choice("policy", policy, CB_POLICIES)
    if isinstance(oracle, (str, bytes)) or oracle is None:
        raise TypeError(f"oracle must be an online regression oracle object, e.g. RidgeOracle() or "
                        f"OGDOracle(step=0.1); got {oracle!r}")
    for m in ("init", "predict", "update"):
        if not callable(getattr(oracle, m, None)):
            raise TypeError(f"oracle must provide init/predict/update methods (e.g. RidgeOracle()); "
                            f"{type(oracle).__name__} has no {m!r}")
    T = check_int("T", T, high=MAX_T)
    R = check_int("n_reps", n_reps, high=MAX_REPS)
    K, d = env.K, env.dim
    p_dim = d + 1
    V.elements("n_reps * K * (dim + 1)**2 (oracle state)", (R, K, p_dim, p_dim))
    V.elements("512 * n_reps * (dim + 2) (one block of randomness)", (min(T, 512), R, d + 2))
    epsilon = V.probability("epsilon", epsilon)
    floor = V.real("floor", floor, low=0.0, high=1.0, low_open=True)
    if callable(gamma):
        def gam(t, _g=gamma):
            v = np.asarray(_g(t), dtype=float)
            if v.shape not in ((), (R,)) or not np.all(np.isfinite(v)) or np.any(v < 0):
                raise ValueError(f"gamma(t) must return a finite value >= 0 (or one per repetition); "
                                 f"got {v!r} at t = {t}")
            return v if v.ndim else float(v)
    else:
        g0 = V.real("gamma", gamma, low=0.0)
        gam = (lambda t, g=g0: g)
    streams, _ = as_streams(rng, R)
    cps = check_checkpoints(checkpoints, T)
    st = oracle.init(R, K, p_dim)

    reg = np.zeros(R)
    sq = np.zeros(R)
    best = np.zeros(R)
    out_reg = np.empty((R, cps.size))
    out_sq = np.empty((R, cps.size))
    out_best = np.empty((R, cps.size))
    rows = np.arange(R)
    ci, t = 0, 0
    cols = d + 2
    while t < T:
        n = min(512, T - t)
        U = draw_block(streams, n, cols)
        X = env._contexts(U[:, :, :d])  # (n, R, d)
        F = env.mean_loss(X.reshape(n * R, d)).reshape(n, R, K)
        if F.shape != (n, R, K) or np.any(F < 0) or np.any(F > 1):
            raise ValueError("mean_loss must return values in [0, 1] with shape (n, K)")
        for s in range(n):
            t += 1
            phi = np.concatenate([X[s], np.ones((R, 1))], axis=1)
            yhat = oracle.predict(st, phi)
            if policy == "squarecb":
                p = _igw(yhat, gam(t))
            elif policy == "fastcb":
                p = _fastcb(yhat, gam(t), floor)
            elif policy == "egreedy":
                p = np.full((R, K), epsilon / K)
                p[rows, yhat.argmin(axis=1)] += 1.0 - epsilon
            elif policy == "greedy":
                p = np.zeros((R, K))
                p[rows, yhat.argmin(axis=1)] = 1.0
            else:
                p = np.asarray(policy(yhat, t), dtype=float)
                if p.shape != (R, K) or not np.all(np.isfinite(p)) or np.any(p < 0) \
                        or np.any(np.abs(p.sum(axis=1) - 1.0) > 1e-9):
                    raise ValueError(f"policy returned invalid action probabilities at t={t} "
                                     f"(need shape ({R}, {K}), entries >= 0 summing to 1)")
            cdf = np.cumsum(p, axis=1)
            a = np.minimum((U[s, :, d][:, None] >= cdf).sum(axis=1), K - 1)
            f = F[s]
            fa = f[rows, a]
            y = (U[s, :, d + 1] < fa).astype(float)
            reg += fa - f.min(axis=1)
            sq += (yhat[rows, a] - fa) ** 2
            best += f.min(axis=1)
            oracle.update(st, phi, a, y, t)
            if t == cps[ci]:
                out_reg[:, ci], out_sq[:, ci], out_best[:, ci] = reg, sq, best
                ci += 1
    return RegretRun(t=cps, regret=out_reg, extra={"sq_regret": out_sq, "best_loss": out_best})

"""Meta-learning tools: antithetic evolution strategies with common random numbers,
finite-difference (truncated) meta-gradients, Adam, a lifetime-conditioned bandit
learner, and risk-seeking REINFORCE for a categorical policy.

Used by ``notebooks/bandits-rl/temporally-aware-rl-discovery.md`` (ES vs truncated
meta-gradients on a learned step-size schedule, after Jackson et al. 2024,
arXiv:2402.05828) and ``notebooks/mechanisms/dysymnet-symbolic-network.md``
(risk-seeking policy gradient over architectures, after Li et al. 2024,
arXiv:2309.13705, and Petersen et al. 2021's risk-seeking objective).

Common random numbers (CRN): every objective here takes a batch of parameter
vectors ``Phi`` of shape ``(P, d)`` and one ``rng``; it must evaluate *all* rows with
the same random draws, so that differences between rows are not swamped by
sampling noise. :func:`reinforce_bandit_lifetime` does so by construction.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import _validate as V
from ._validate import finite_array, generator, nonneg_real, positive_int, positive_real, unit_interval

__all__ = [
    "Adam",
    "softmax",
    "categorical_entropy",
    "progress_schedule",
    "reinforce_bandit_lifetime",
    "antithetic_es_gradient",
    "centered_ranks",
    "es_ascent",
    "central_difference_gradient",
    "truncated_metagradient",
    "risk_seeking_pg_grad",
]


# --------------------------------------------------------------------------- #
# optimiser
# --------------------------------------------------------------------------- #
class Adam:
    r"""Adam (Kingma & Ba 2015) on one parameter array.

    ``m ← β₁m + (1−β₁)g``, ``v ← β₂v + (1−β₂)g²``,
    ``θ ← θ − lr · m̂ / (√v̂ + ε)`` with bias-corrected ``m̂, v̂`` (``+`` when
    ``maximize=True``).

    Examples
    --------
    >>> opt = Adam(lr=0.1)
    >>> theta = np.array([1.0, -2.0])
    >>> for _ in range(300):
    ...     theta = opt.step(theta, 2 * theta)      # gradient of |theta|^2
    >>> bool(np.all(np.abs(theta) < 1e-2))
    True
    """

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr = positive_real("lr", lr)
        self.beta1 = unit_interval("beta1", beta1)
        self.beta2 = unit_interval("beta2", beta2)
        self.eps = positive_real("eps", eps)
        self.m: np.ndarray | None = None
        self.v: np.ndarray | None = None
        self.t = 0

    def step(self, params, grad, *, maximize: bool = False) -> np.ndarray:
        """Return the updated parameters (the input is not modified)."""
        params = V.array("params", params)
        grad = V.array("grad", grad)
        maximize = V.flag("maximize", maximize)
        if grad.shape != params.shape:
            raise ValueError(f"grad must have the shape of params {params.shape}; got {grad.shape}")
        if self.m is None:
            self.m = np.zeros_like(params)
            self.v = np.zeros_like(params)
        elif self.m.shape != params.shape:
            raise ValueError(f"params changed shape from {self.m.shape} to {params.shape}")
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad * grad
        mhat = self.m / (1 - self.beta1 ** self.t)
        vhat = self.v / (1 - self.beta2 ** self.t)
        upd = self.lr * mhat / (np.sqrt(vhat) + self.eps)
        return params + upd if maximize else params - upd


# --------------------------------------------------------------------------- #
# categorical policies
# --------------------------------------------------------------------------- #
def _axis(name: str, axis, a: np.ndarray, a_name: str) -> int:
    """An axis of the array ``a`` (at least 1-D; negative counts from the end), as an int."""
    if a.ndim == 0:
        raise ValueError(f"{a_name} must be an array with at least one axis; got a scalar")
    return V.integer(name, axis, low=-a.ndim, high=a.ndim - 1)


def softmax(z, axis: int = -1) -> np.ndarray:
    """Numerically stable softmax ``exp(z − max z) / Σ exp(z − max z)`` along ``axis``.

    Examples
    --------
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    z = V.array("z", z)
    axis = _axis("axis", axis, z, "z")
    if z.shape[axis] == 0:
        raise ValueError(f"z must have at least one entry along axis {axis}; got shape {z.shape}")
    return _softmax(z, axis)


def _softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def categorical_entropy(p, axis: int = -1) -> np.ndarray:
    """Entropy ``−Σ p log p`` (nats) along ``axis``; ``0 log 0 = 0``.

    Examples
    --------
    >>> float(categorical_entropy(np.full(4, 0.25)))  # log 4
    1.3862943611198906
    """
    p = V.array("p", p, low=0.0, high=1.0)
    axis = _axis("axis", axis, p, "p")
    return _entropy(p, axis)


def _entropy(p: np.ndarray, axis: int = -1) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -t.sum(axis=axis)


# --------------------------------------------------------------------------- #
# the lifetime-conditioned inner learner
# --------------------------------------------------------------------------- #
def progress_schedule(phi, n_steps: int) -> np.ndarray:
    r"""Polynomial schedule in training progress:
    ``log η_n = Σ_j φ_j (n/N)^j`` for ``n = 0, …, N−1``.

    ``φ`` of length 1 is the constant (not temporally aware) rule; length ≥ 2 a rule
    that depends on ``n/N`` (the TA analogue of Jackson et al. 2024, eq. 9, where
    LPG's inputs are augmented with ``n/N``).

    Parameters
    ----------
    phi : array ``(d,)`` or ``(P, d)``
    n_steps : int, the lifetime ``N``

    Returns
    -------
    ``(N,)`` or ``(P, N)`` array of ``log η_n``.

    Examples
    --------
    >>> progress_schedule([0.0, 2.0], 4)
    array([0. , 0.5, 1. , 1.5])
    """
    phi = finite_array("phi", phi, ndim=(1, 2))
    if phi.size == 0:
        raise ValueError(f"phi must hold at least one coefficient; got shape {phi.shape}")
    N = V.count("n_steps", n_steps)
    V.elements("n_steps * phi.size", N * phi.size)
    s = np.arange(N) / N
    powers = s[None, :] ** np.arange(phi.shape[-1])[:, None]        # (d, N)
    return phi @ powers


def reinforce_bandit_lifetime(log_eta, mu, *, batch: int, rng: np.random.Generator,
                              z0=None, return_entropy: bool = False) -> dict:
    r"""Run a softmax REINFORCE learner on Bernoulli bandit tasks with step-size
    schedule ``η_n``, vectorised over schedules (population) and tasks.

    Each update ``n`` draws ``B`` pulls ``a_b ~ π = softmax(z)`` with rewards
    ``r_b ~ Bernoulli(μ_{a_b})`` and takes
    ``z ← z + η_n · (1/B) Σ_b (r_b − r̄)(e_{a_b} − π)`` (batch-mean baseline
    ``r̄``; the ``π`` term sums to zero and is dropped). The meta-objective is the
    final expected reward ``π_N · μ``.

    **Common random numbers**: the uniforms driving actions and rewards have shape
    ``(N, T, B)`` and are shared by every schedule, so two schedules are compared on
    the same pulls.

    Parameters
    ----------
    log_eta : ``(N,)`` or ``(P, N)`` log step sizes
    mu : ``(T, K)`` arm means in ``[0, 1]``, one row per task
    batch : pulls per update ``B``
    rng : Generator
    z0 : optional initial logits ``(T, K)`` or ``(P, T, K)`` (default zeros)
    return_entropy : also return the mean policy entropy after each update

    Returns
    -------
    dict with ``reward`` ``(P, T)`` (final ``π·μ``), ``z`` ``(P, T, K)`` final logits and,
    if asked, ``entropy`` ``(P, N + 1)`` (mean over tasks, starting at ``z0``).

    Examples
    --------
    >>> mu = np.array([[0.1, 0.9]])
    >>> out = reinforce_bandit_lifetime(np.full((1, 50), 1.0), mu, batch=8,
    ...                                 rng=np.random.default_rng(0))
    >>> bool(out["reward"][0, 0] > 0.8)
    True
    """
    rng = generator("rng", rng)
    log_eta = finite_array("log_eta", log_eta, ndim=(1, 2))
    if log_eta.ndim == 1:
        log_eta = log_eta[None, :]
    mu = _means("mu", mu)
    B = V.count("batch", batch)
    return_entropy = V.flag("return_entropy", return_entropy)
    P, N = log_eta.shape
    T, K = mu.shape
    V.elements("n_steps * tasks * batch (the shared uniforms)", 2 * N * T * B)
    V.elements("population * tasks * batch * arms (one update)", P * T * B * K)
    V.elements("n_steps * population * tasks * batch * arms (the work)", N * P * T * B * K, limit=10**11)
    if z0 is None:
        z = np.zeros((P, T, K))
    else:
        z0 = finite_array("z0", z0, ndim=(2, 3))
        if z0.shape[-2:] != (T, K) or (z0.ndim == 3 and z0.shape[0] != P):
            raise ValueError(f"z0 must have shape (T, K)=({T}, {K}) or (P, T, K)=({P}, {T}, {K}); got {z0.shape}")
        z = np.broadcast_to(z0, (P, T, K)).copy()
    if log_eta.size and log_eta.max() > 700.0:
        raise ValueError(f"log_eta must be <= 700 (exp(log_eta) overflows float64); got max {log_eta.max():.6g}")
    eta = np.exp(log_eta)                                           # (P, N)
    u_act = rng.random((N, T, B))
    u_rew = rng.random((N, T, B))
    arms = np.arange(K)
    ent = [_entropy(_softmax(z)).mean(axis=1)] if return_entropy else None
    for n in range(N):
        pi = _softmax(z)                                             # (P, T, K)
        cdf = np.cumsum(pi, axis=-1)
        a = (cdf[:, :, None, :] < u_act[n][None, :, :, None]).sum(-1)   # (P, T, B)
        np.minimum(a, K - 1, out=a)
        mu_a = np.take_along_axis(np.broadcast_to(mu, (P, T, K)), a, axis=-1)
        r = (u_rew[n][None] < mu_a).astype(float)
        adv = r - r.mean(axis=-1, keepdims=True)
        onehot = a[..., None] == arms                               # (P, T, B, K)
        g = np.einsum("ptb,ptbk->ptk", adv, onehot) / B
        z += eta[:, n, None, None] * g
        if return_entropy:
            ent.append(_entropy(_softmax(z)).mean(axis=1))
    if not np.all(np.isfinite(z)):
        raise ValueError("log_eta is too large: the step sizes exp(log_eta) made the logits overflow")
    out = {"reward": (_softmax(z) * mu[None]).sum(-1), "z": z}
    if return_entropy:
        out["entropy"] = np.stack(ent, axis=1)
    return out


def _means(name: str, mu) -> np.ndarray:
    """Bernoulli arm means ``(T, K)``: a non-empty 2-D array in ``[0, 1]``."""
    mu = finite_array(name, mu, ndim=2)
    if mu.size == 0:
        raise ValueError(f"{name} must hold at least one task and one arm; got shape {mu.shape}")
    if np.any(mu < 0) or np.any(mu > 1):
        raise ValueError(f"{name} must hold Bernoulli means in [0, 1]")
    return mu


def _objective_values(vals, shape: tuple) -> np.ndarray:
    """The objective's return value, checked: shape ``shape`` and finite."""
    vals = np.asarray(vals, dtype=float)
    if vals.shape != shape:
        raise ValueError(f"objective must return shape {shape}; got {vals.shape}")
    if not np.all(np.isfinite(vals)):
        raise ValueError("objective returned non-finite values (nan/inf)")
    return vals


# --------------------------------------------------------------------------- #
# evolution strategies
# --------------------------------------------------------------------------- #
def antithetic_es_gradient(f_plus, f_minus, eps, sigma: float) -> np.ndarray:
    r"""Antithetic ES estimate of ``∇ E_ε[F(φ + σε)]``:
    ``ĝ = (1/(2σn)) Σ_i (F(φ+σε_i) − F(φ−σε_i)) ε_i`` (Salimans et al. 2017).

    For a quadratic ``F`` the difference ``F(φ+σε) − F(φ−σε) = 2σ ∇F·ε`` exactly, so
    ``ĝ = (EᵀE/n) ∇F``: unbiased, with only the ``ε`` sampling noise.

    Parameters
    ----------
    f_plus, f_minus : ``(n,)`` fitness of the positive / negative perturbations
    eps : ``(n, d)`` standard-normal perturbations
    sigma : perturbation scale

    Examples
    --------
    >>> eps = np.eye(2)
    >>> antithetic_es_gradient(np.array([1.0, 2.0]), np.array([-1.0, -2.0]), eps, 0.5)
    array([1., 2.])
    """
    eps = finite_array("eps", eps, ndim=2)
    fp = finite_array("f_plus", f_plus, ndim=1)
    fm = finite_array("f_minus", f_minus, ndim=1)
    if not (fp.shape[0] == fm.shape[0] == eps.shape[0]):
        raise ValueError(f"f_plus, f_minus and eps must have one row per pair; got "
                         f"{fp.shape[0]}, {fm.shape[0]}, {eps.shape[0]}")
    sigma = positive_real("sigma", sigma)
    return (fp - fm) @ eps / (2 * sigma * eps.shape[0])


def centered_ranks(x) -> np.ndarray:
    """Fitness shaping: ranks of ``x`` mapped linearly to ``[−0.5, 0.5]`` (ties by order).

    Examples
    --------
    >>> centered_ranks([10.0, -3.0, 4.0])
    array([ 0.5, -0.5,  0. ])
    """
    x = finite_array("x", x, ndim=1)
    if x.size < 2:
        return np.zeros_like(x)
    r = np.empty(x.size)
    r[np.argsort(x, kind="stable")] = np.arange(x.size)
    return r / (x.size - 1) - 0.5


def es_ascent(objective: Callable[..., np.ndarray], phi0, *, sigma: float, n_pairs: int, lr: float,
              n_generations: int, rng: np.random.Generator, use_ranks: bool = False,
              callback: Callable[[int, np.ndarray, float], None] | None = None) -> dict:
    r"""Maximise ``E_ε F(φ + σε)`` by antithetic ES with Adam.

    Each generation draws ``n_pairs`` perturbations, calls ``objective(Phi, rng=g)``
    **once** on the ``(2·n_pairs + 1, d)`` batch ``[φ+σε; φ−σε; φ]`` with a fresh child
    generator ``g`` (so the whole population shares random numbers, CRN), and takes an
    Adam ascent step on :func:`antithetic_es_gradient` (of centred ranks if
    ``use_ranks``).

    Returns
    -------
    dict with ``phi`` (final), ``history`` ``(n_generations + 1, d)`` and ``fitness``
    ``(n_generations,)`` (the centre's fitness at each generation).

    Examples
    --------
    >>> c = np.array([1.0, -2.0])
    >>> obj = lambda Phi, *, rng: -((Phi - c) ** 2).sum(1)
    >>> out = es_ascent(obj, np.zeros(2), sigma=0.1, n_pairs=8, lr=0.1,
    ...                 n_generations=200, rng=np.random.default_rng(0))
    >>> bool(np.allclose(out["phi"], c, atol=0.05))
    True
    """
    rng = generator("rng", rng)
    objective = V.function("objective", objective, what="objective(Phi, *, rng) -> (P,) fitness")
    phi = finite_array("phi0", phi0, ndim=1).copy()
    sigma = positive_real("sigma", sigma)
    n = V.count("n_pairs", n_pairs)
    G = V.count("n_generations", n_generations)
    use_ranks = V.flag("use_ranks", use_ranks)
    callback = V.optional(V.function, "callback", callback, what="callback(generation, phi, fitness)")
    V.elements("n_pairs * len(phi0) (one population)", (2 * n + 1) * phi.size)
    V.elements("n_generations * len(phi0) (the history)", (G + 1) * phi.size)
    V.elements("n_generations * n_pairs * len(phi0) (the work)", G * (2 * n + 1) * phi.size, limit=10**11)
    opt = Adam(lr)
    hist = [phi.copy()]
    fit = np.empty(G)
    for g in range(G):
        eps = rng.standard_normal((n, phi.size))
        Phi = np.vstack([phi + sigma * eps, phi - sigma * eps, phi[None]])
        vals = _objective_values(objective(Phi, rng=np.random.default_rng(rng.integers(2**63))), (2 * n + 1,))
        shaped = centered_ranks(vals[:2 * n]) if use_ranks else vals[:2 * n]
        grad = antithetic_es_gradient(shaped[:n], shaped[n:], eps, sigma)
        phi = opt.step(phi, grad, maximize=True)
        fit[g] = vals[-1]
        hist.append(phi.copy())
        if callback is not None:
            callback(g, phi, fit[g])
    return {"phi": phi, "history": np.array(hist), "fitness": fit}


# --------------------------------------------------------------------------- #
# finite-difference (truncated) meta-gradients
# --------------------------------------------------------------------------- #
def central_difference_gradient(objective: Callable[..., np.ndarray], phi, *, h: float,
                                rng: np.random.Generator | None = None) -> np.ndarray:
    r"""Central finite differences ``(F(φ+h e_i) − F(φ−h e_i)) / (2h)`` for every ``i``,
    from **one** call ``objective(Phi, rng=rng)`` on the ``(2d, d)`` batch (CRN: with a
    shared ``rng`` this is the exact gradient of the sampled objective up to ``O(h²)``).

    Examples
    --------
    >>> obj = lambda Phi, *, rng: np.sin(Phi[:, 0]) * Phi[:, 1]
    >>> g = central_difference_gradient(obj, np.array([0.3, 2.0]), h=1e-5)
    >>> bool(np.allclose(g, [2 * np.cos(0.3), np.sin(0.3)], atol=1e-8))
    True
    """
    objective = V.function("objective", objective, what="objective(Phi, *, rng) -> (P,) values")
    phi = finite_array("phi", phi, ndim=1)
    if phi.size == 0:
        raise ValueError("phi must not be empty")
    h = positive_real("h", h)
    if rng is not None:
        generator("rng", rng)
    d = phi.size
    V.elements("len(phi) ** 2 (the perturbation batch)", 2 * d * d)
    E = h * np.eye(d)
    Phi = np.vstack([phi + E, phi - E])
    vals = _objective_values(objective(Phi, rng=rng), (2 * d,))
    return (vals[:d] - vals[d:]) / (2 * h)


def truncated_metagradient(phi, mu, *, n_steps: int, n0: int, unroll: int, batch: int, h: float,
                           rng: np.random.Generator) -> tuple[np.ndarray, float]:
    r"""Truncated meta-gradient of the progress schedule (K-step look-ahead).

    Run :func:`reinforce_bandit_lifetime` with schedule ``φ`` for ``n0`` updates, then,
    from that learner state, unroll ``unroll`` further updates (steps ``n0 … n0+K−1`` of
    the schedule) for every central-difference perturbation of ``φ`` with common
    random numbers; the objective is the expected reward after the unroll. This is the
    gradient a K-step truncated meta-gradient method follows (the groove code's default
    is K = 5 agent updates per meta-update), exact up to ``O(h²)``.

    Returns
    -------
    ``(grad (d,), objective at φ)``.
    """
    rng = generator("rng", rng)
    phi = finite_array("phi", phi, ndim=1)
    if phi.size == 0:
        raise ValueError("phi must not be empty")
    mu = _means("mu", mu)
    N = V.count("n_steps", n_steps)
    K = V.count("unroll", unroll)
    n0 = V.count("n0", n0, low=0)
    batch = V.count("batch", batch)
    h = positive_real("h", h)
    if n0 + K > N:
        raise ValueError(f"n0 + unroll must be <= n_steps={N}; got {n0} + {K}")
    sched = progress_schedule(phi, N)
    g1, g2 = rng.spawn(2)
    z0 = reinforce_bandit_lifetime(sched[:n0], mu, batch=batch, rng=g1)["z"][0] if n0 else None

    def objective(Phi, *, rng):
        le = progress_schedule(Phi, N)[:, n0:n0 + K]
        return reinforce_bandit_lifetime(le, mu, batch=batch, rng=rng, z0=z0)["reward"].mean(axis=1)

    state = g2.bit_generator.state
    grad = central_difference_gradient(objective, phi, h=h, rng=g2)
    g2.bit_generator.state = state
    centre = float(objective(phi[None], rng=g2)[0])
    return grad, centre


# --------------------------------------------------------------------------- #
# risk-seeking policy gradient
# --------------------------------------------------------------------------- #
def risk_seeking_pg_grad(logits, actions, rewards, *, epsilon: float,
                         entropy_weight: float = 0.0) -> tuple[np.ndarray, dict]:
    r"""Gradient (for ascent) of the risk-seeking REINFORCE objective with an entropy
    bonus, for a categorical policy ``π = softmax(z)`` over ``M`` choices:

    ``J(z) = (1/|I|) Σ_{i∈I} (r_i − q_ε) log π(a_i) + λ H(π)``, where ``q_ε`` is the
    ``(1−ε)``-quantile of the batch rewards and ``I = {i : r_i ≥ q_ε}`` the top-ε
    fraction (Petersen et al. 2021, eq. 3; used by DySymNet's controller, whose code
    takes the quantile at ``risk_factor = 0.5``). With ``∇_z log π(a) = e_a − π`` and
    ``∂H/∂z_k = −π_k (log π_k + H)``.

    Parameters
    ----------
    logits : ``(M,)``; actions : ``(n,)`` ints in ``[0, M)``; rewards : ``(n,)``
    epsilon : fraction of the batch kept, in ``(0, 1]``
    entropy_weight : ``λ ≥ 0``

    Returns
    -------
    ``(grad (M,), info)`` with ``info = {"threshold": q_ε, "n_kept": |I|}``.

    Examples
    --------
    >>> g, info = risk_seeking_pg_grad(np.zeros(2), np.array([0, 1]), np.array([1.0, 0.0]),
    ...                                epsilon=0.5)
    >>> g          # q = median 0.5: only action 0 is kept, with weight 1 - 0.5
    array([ 0.25, -0.25])
    """
    z = finite_array("logits", logits, ndim=1)
    if z.size == 0:
        raise ValueError("logits must not be empty")
    a = V.int_array("actions", actions, ndim=1, nonempty=True, low=0, high=z.size - 1)
    r = finite_array("rewards", rewards, ndim=1)
    if r.shape != a.shape:
        raise ValueError(f"rewards must have the shape of actions {a.shape}; got {r.shape}")
    eps = nonneg_real("epsilon", epsilon)
    if not 0 < eps <= 1:
        raise ValueError(f"epsilon must lie in (0, 1]; got {eps}")
    lam = nonneg_real("entropy_weight", entropy_weight)
    pi = _softmax(z)
    q = float(np.quantile(r, 1 - eps))
    keep = r >= q
    w = r[keep] - q
    counts = np.bincount(a[keep], weights=w, minlength=z.size)
    grad = (counts - w.sum() * pi) / keep.sum()
    if lam > 0:
        logp = np.log(pi)
        H = -(pi * logp).sum()
        grad = grad + lam * (-pi * (logp + H))
    return grad, {"threshold": q, "n_kept": int(keep.sum())}

"""Gaussian processes on finite domains: product (continuous × categorical) kernels,
exact prior samples, posteriors (batch and by rank-one updates, vectorised over
independent repetitions), information gain, and GP-UCB / GP-TS / random selection in a
contextual bandit.

Used by ``notebooks/bandits-rl/metalic-interface-bandit.md`` (METALIC, Li et al. 2023,
arXiv:2210.12669: a GP reward over (PDE parameters, interface conditions) chosen by
UCB or Thompson sampling). Regret theory: Srinivas et al. (2010), Krause & Ong (2011).

Domain layout: a finite domain of ``C`` contexts × ``A`` arms is indexed
``x = c·A + a``; its kernel matrix is ``K = K_ctx ⊗ K_arm`` (:func:`numpy.kron`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import solve_triangular

from . import _validate as V
from ._validate import finite_array, generator, nonneg_real, positive_int, positive_real, unit_interval

__all__ = [
    "rbf_kernel",
    "overlap_kernel",
    "hamming_exp_kernel",
    "binary_arms",
    "sample_prior",
    "posterior",
    "FinitePosterior",
    "srinivas_beta",
    "GPBanditRun",
    "run_gp_bandit",
    "GP_POLICIES",
]

GP_POLICIES = ("ucb", "ts", "random")


def _points(name: str, X) -> np.ndarray:
    X = finite_array(name, X, ndim=(1, 2))
    return X[:, None] if X.ndim == 1 else X


def rbf_kernel(X1, X2=None, *, lengthscale) -> np.ndarray:
    r"""Squared-exponential kernel ``k(x, x') = exp(−Σ_j (x_j − x'_j)² / (2 ℓ_j²))``.

    Parameters
    ----------
    X1 : ``(n, d)`` (or ``(n,)`` for ``d = 1``); X2 : ``(m, d)``, default ``X1``
    lengthscale : scalar or ``(d,)`` positive

    Returns
    -------
    ``(n, m)`` kernel matrix.

    Examples
    --------
    >>> rbf_kernel(np.array([0.0, 1.0]), lengthscale=1.0)
    array([[1.        , 0.60653066],
           [0.60653066, 1.        ]])
    """
    X1 = _points("X1", X1)
    X2 = X1 if X2 is None else _points("X2", X2)
    if X2.shape[1] != X1.shape[1]:
        raise ValueError(f"X1 and X2 must have the same number of columns; got {X1.shape[1]} and {X2.shape[1]}")
    ls = finite_array("lengthscale", lengthscale, ndim=(0, 1))
    if np.any(ls <= 0) or (ls.ndim == 1 and ls.size != X1.shape[1]):
        raise ValueError(f"lengthscale must be positive, scalar or one per column ({X1.shape[1]})")
    V.elements("len(X1) * len(X2)", X1.shape[0] * X2.shape[0])
    A, B = X1 / ls, X2 / ls
    d2 = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2 * A @ B.T
    return np.exp(-0.5 * np.maximum(d2, 0.0))


def overlap_kernel(a1, a2=None, *, rho: float) -> np.ndarray:
    r"""Categorical kernel ``k(a, a') = ρ + (1 − ρ) 1[a = a']`` (PSD for ``ρ ∈ [0, 1)``).

    Examples
    --------
    >>> overlap_kernel(np.array([0, 1, 0]), rho=0.3)
    array([[1. , 0.3, 1. ],
           [0.3, 1. , 0.3],
           [1. , 0.3, 1. ]])
    """
    a1 = V.int_array("a1", a1, ndim=1)
    a2 = a1 if a2 is None else V.int_array("a2", a2, ndim=1)
    rho = unit_interval("rho", rho)
    V.elements("len(a1) * len(a2)", a1.size * a2.size)
    return rho + (1 - rho) * (a1[:, None] == a2[None, :])


def binary_arms(n_bits: int) -> np.ndarray:
    """All ``2^n_bits`` binary vectors (rows, in ``itertools.product`` order): METALIC's
    arms, one bit per interface-condition term switched on or off.

    Examples
    --------
    >>> binary_arms(2)
    array([[0, 0],
           [0, 1],
           [1, 0],
           [1, 1]])
    """
    d = positive_int("n_bits", n_bits)
    if d > 16:
        raise ValueError(f"n_bits must be <= 16 (2^n_bits arms); got {d}")
    idx = np.arange(2 ** d)
    return (idx[:, None] >> np.arange(d - 1, -1, -1)) & 1


def hamming_exp_kernel(A1, A2=None, *, theta: float) -> np.ndarray:
    r"""METALIC's categorical kernel on binary condition vectors (``KernelCat1`` of the
    official code): ``k(a, a') = exp(θ (1 − (1/d) Σ_j |a_j − a'_j|))``.

    It factorises over bits, ``k = Π_j exp((θ/d) 1[a_j = a'_j])``, and on
    ``s = 2a − 1`` equals ``e^θ exp(−θ ‖s − s'‖² / (4d))`` — a scaled RBF, hence PSD.

    Parameters
    ----------
    A1 : ``(n, d)`` 0/1 array; A2 : ``(m, d)``, default ``A1``; theta : ``θ > 0``

    Examples
    --------
    >>> hamming_exp_kernel(binary_arms(1), theta=1.0)
    array([[2.71828183, 1.        ],
           [1.        , 2.71828183]])
    """
    A1 = finite_array("A1", A1, ndim=2)
    A2 = A1 if A2 is None else finite_array("A2", A2, ndim=2)
    if A1.shape[1] != A2.shape[1]:
        raise ValueError(f"A1 and A2 must have the same number of bits; got {A1.shape[1]} and {A2.shape[1]}")
    if not (np.isin(A1, (0, 1)).all() and np.isin(A2, (0, 1)).all()):
        raise ValueError("A1 and A2 must hold 0/1 entries")
    theta = positive_real("theta", theta)
    V.elements("len(A1) * len(A2) * n_bits", A1.shape[0] * A2.shape[0] * A1.shape[1])
    ham = np.abs(A1[:, None, :] - A2[None, :, :]).mean(-1)
    return np.exp(theta * (1.0 - ham))


def _check_K(K, name: str = "K") -> np.ndarray:
    K = finite_array(name, K, ndim=2)
    if K.shape[0] != K.shape[1]:
        raise ValueError(f"{name} must be square; got {K.shape}")
    if K.size == 0:
        raise ValueError(f"{name} must not be empty (a domain of at least one point)")
    if not np.allclose(K, K.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"{name} must be symmetric")
    return K


def sample_prior(K, n_samples: int, *, rng: np.random.Generator, jitter: float = 1e-8) -> np.ndarray:
    r"""Exact draws ``f = L ξ`` from ``GP(0, K)`` on a finite domain, with
    ``L L^T = K + jitter·I`` (Cholesky) and ``ξ ~ N(0, I)``.

    Returns
    -------
    ``(n_samples, n)`` array.

    Examples
    --------
    >>> f = sample_prior(np.eye(3), 2, rng=np.random.default_rng(0))
    >>> f.shape
    (2, 3)
    """
    K = _check_K(K)
    n = V.count("n_samples", n_samples)
    V.elements("n_samples * len(K)", n * K.shape[0])
    rng = generator("rng", rng)
    jitter = nonneg_real("jitter", jitter)
    try:
        L = np.linalg.cholesky(K + jitter * np.eye(K.shape[0]))
    except np.linalg.LinAlgError:
        raise ValueError("K + jitter*I is not positive definite; increase jitter") from None
    return rng.standard_normal((n, K.shape[0])) @ L.T


def posterior(K, idx, y, *, noise: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Batch GP posterior on a finite domain given noisy observations
    ``y_i = f(x_{idx_i}) + N(0, σ²)``:

    ``μ = K_{:,X} (K_XX + σ² I)^{-1} y``,
    ``Σ = K − K_{:,X} (K_XX + σ² I)^{-1} K_{X,:}`` (Rasmussen & Williams, eqs. 2.23–2.24).

    Parameters
    ----------
    K : ``(n, n)``; idx : ``(t,)`` ints; y : ``(t,)``; noise : ``σ > 0``

    Returns
    -------
    ``(mean (n,), cov (n, n))``.

    Examples
    --------
    >>> m, S = posterior(np.eye(2), np.array([0]), np.array([1.0]), noise=1.0)
    >>> m, np.diag(S)
    (array([0.5, 0. ]), array([0.5, 1. ]))
    """
    K = _check_K(K)
    idx = V.int_array("idx", idx, ndim=1, low=0, high=K.shape[0] - 1)
    V.elements("len(idx) * (len(idx) + len(K))", idx.size * (idx.size + K.shape[0]))
    y = finite_array("y", y, ndim=1)
    if y.shape != idx.shape:
        raise ValueError(f"y must have the shape of idx {idx.shape}; got {y.shape}")
    s2 = positive_real("noise", noise) ** 2
    if idx.size == 0:
        return np.zeros(K.shape[0]), K.copy()
    try:
        L = np.linalg.cholesky(K[np.ix_(idx, idx)] + s2 * np.eye(idx.size))
    except np.linalg.LinAlgError:
        raise ValueError("K[idx, idx] + noise**2 * I is not positive definite: K must be a covariance "
                         "(positive semi-definite)") from None
    Vt = solve_triangular(L, K[idx, :], lower=True)             # (t, n)
    alpha = solve_triangular(L, y, lower=True)
    return Vt.T @ alpha, K - Vt.T @ Vt


class FinitePosterior:
    r"""GP posterior on a finite domain kept by rank-one updates, for ``R`` independent
    repetitions at once.

    After observing ``y`` at point ``x`` (one per repetition):
    ``k = Σ_{:,x}``, ``μ ← μ + k (y − μ_x)/(σ² + Σ_xx)``,
    ``Σ ← Σ − k kᵀ/(σ² + Σ_xx)``. Each update adds
    ``½ log(1 + σ⁻² Σ_xx)`` (variance *before* the update) to the realised
    information gain ``I_t`` (Srinivas et al. 2010, Lemma 5.3).

    Parameters
    ----------
    K : ``(n, n)`` prior covariance; n_reps : R; noise : σ

    Examples
    --------
    >>> post = FinitePosterior(np.eye(2), n_reps=1, noise=1.0)
    >>> post.update(np.array([0]), np.array([1.0]))
    >>> post.mean, post.var
    (array([[0.5, 0. ]]), array([[0.5, 1. ]]))
    """

    def __init__(self, K, *, n_reps: int, noise: float):
        K = _check_K(K)
        self.R = V.count("n_reps", n_reps)
        V.elements("n_reps * len(K) ** 2 (the covariances)", 2 * self.R * K.size)
        self.noise2 = positive_real("noise", noise) ** 2
        self.mean = np.zeros((self.R, K.shape[0]))
        self.cov = np.broadcast_to(K, (self.R,) + K.shape).copy()
        self.info_gain = np.zeros(self.R)
        self._buf = np.zeros_like(self.cov)  # scratch for update(); zeros so that instances compare equal

    @property
    def var(self) -> np.ndarray:
        """Posterior variances ``(R, n)``."""
        return np.diagonal(self.cov, axis1=1, axis2=2).copy()

    def update(self, x, y) -> None:
        """Condition repetition ``r`` on ``y[r]`` observed at point ``x[r]``."""
        n = self.mean.shape[1]
        x = V.int_array("x", x, shape=(self.R,), low=0, high=n - 1)
        y = finite_array("y", y, ndim=1)
        if y.shape != (self.R,):
            raise ValueError(f"y must have shape ({self.R},); got {y.shape}")
        r = np.arange(self.R)
        k = self.cov[r, :, x]                                    # (R, n)
        sxx = k[r, x]
        denom = self.noise2 + sxx
        self.info_gain += 0.5 * np.log1p(sxx / self.noise2)
        self.mean += k * ((y - self.mean[r, x]) / denom)[:, None]
        np.multiply((k / denom[:, None])[:, :, None], k[:, None, :], out=self._buf)
        self.cov -= self._buf


def srinivas_beta(t, n_domain: int, delta: float) -> np.ndarray:
    r"""Exploration weight of GP-UCB on a finite domain (Srinivas et al. 2010, Thm 1):
    ``β_t = 2 log(|D| t² π² / (6δ))``.

    Examples
    --------
    >>> round(float(srinivas_beta(1, 6, 0.6)), 4)     # 2 log(pi^2 / 0.6)
    5.6006
    """
    t = finite_array("t", t)
    if np.any(t < 1):
        raise ValueError("t must be >= 1")
    D = positive_int("n_domain", n_domain)
    delta = unit_interval("delta", delta)
    if delta == 0:
        raise ValueError("delta must lie in (0, 1)")
    return 2 * np.log(D * t ** 2 * np.pi ** 2 / (6 * delta))


@dataclass
class GPBanditRun:
    """Output of :func:`run_gp_bandit` (all arrays have a leading repetition axis R).

    ``regret`` ``(R, T)`` instantaneous regret ``max_a f(c_t, a) − f(c_t, a_t)``;
    ``cum_regret`` its cumulative sum; ``info_gain`` ``(R, T)`` realised ``I_t``;
    ``beta`` ``(T,)`` the UCB weights used; ``arms`` and ``contexts`` ``(R, T)``.
    """

    policy: str
    regret: np.ndarray
    cum_regret: np.ndarray
    info_gain: np.ndarray
    beta: np.ndarray
    arms: np.ndarray
    contexts: np.ndarray


def run_gp_bandit(K, f, *, n_contexts: int, n_arms: int, T: int, policy: str, noise: float,
                  rng: np.random.Generator, contexts=None, beta=None, delta: float = 0.1,
                  K_learner=None) -> GPBanditRun:
    r"""Contextual GP bandit on the finite domain ``contexts × arms`` (``x = c·A + a``).

    Each round a context ``c_t`` is drawn uniformly (or taken from ``contexts``), the
    learner picks an arm from its posterior at the ``A`` points of that context and
    observes ``f(x_t) + N(0, σ²)``:

    * ``"ucb"``: ``argmax_a μ(c_t,a) + √β_t σ(c_t,a)`` with ``β_t`` from
      :func:`srinivas_beta` (``|D| = C·A``) unless ``beta`` is given (a constant, or a
      ``(T,)`` array; METALIC's code uses ``√β = 1``);
    * ``"ts"``: argmax of a joint posterior draw over the ``A`` arms of ``c_t``;
    * ``"random"``: uniform arms (the posterior is still updated, for ``I_T``).

    ``K_learner`` (default ``K``) is the kernel the learner *believes*; pass a different
    one for a misspecified learner (e.g. one that ignores arm structure).

    Parameters
    ----------
    K : ``(C·A, C·A)`` prior kernel of ``f``; f : ``(R, C·A)`` true reward functions
    n_contexts, n_arms : C, A; T : horizon; policy : one of :data:`GP_POLICIES`
    noise : σ; rng : Generator; contexts : optional ``(R, T)`` context indices

    Returns
    -------
    :class:`GPBanditRun`

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> K = np.kron(np.eye(1), overlap_kernel(np.arange(3), rho=0.0))
    >>> f = np.array([[0.0, 1.0, 0.2]])
    >>> run = run_gp_bandit(K, f, n_contexts=1, n_arms=3, T=30, policy="ucb", noise=0.1, rng=rng)
    >>> int(run.arms[0, -1])
    1
    """
    K = _check_K(K)
    C = V.count("n_contexts", n_contexts)
    A = V.count("n_arms", n_arms)
    if K.shape[0] != C * A:
        raise ValueError(f"K must be (n_contexts*n_arms, n_contexts*n_arms) = ({C * A}, {C * A}); got {K.shape}")
    f = finite_array("f", f, ndim=2)
    if f.shape[0] == 0:
        raise ValueError(f"f must hold at least one reward function (row); got shape {f.shape}")
    if f.shape[1] != C * A:
        raise ValueError(f"f must have n_contexts*n_arms = {C * A} columns; got {f.shape}")
    T = V.count("T", T)
    policy = V.choice("policy", policy, GP_POLICIES)
    rng = generator("rng", rng)
    sigma = positive_real("noise", noise)
    R = f.shape[0]
    V.elements("len(f) * T", R * T)
    V.elements("T * len(f) * len(K) ** 2 (the posterior updates)", T * R * K.size, limit=10**11)
    Kl = K if K_learner is None else _check_K(K_learner, "K_learner")
    if Kl.shape != K.shape:
        raise ValueError(f"K_learner must have the shape of K {K.shape}; got {Kl.shape}")
    delta = unit_interval("delta", delta)
    if delta == 0:
        raise ValueError("delta must lie in (0, 1)")
    if contexts is None:
        ctx = rng.integers(0, C, size=(R, T))
    else:
        ctx = V.int_array("contexts", contexts, low=0, high=C - 1)
        if ctx.shape != (R, T):
            raise ValueError(f"contexts must have shape (len(f), T) = ({R}, {T}); got {ctx.shape}")
    if beta is None:
        b = srinivas_beta(np.arange(1, T + 1), C * A, delta)
    else:
        b = finite_array("beta", beta, ndim=(0, 1))
        if b.ndim == 1 and b.shape != (T,):
            raise ValueError(f"beta must be a scalar or have shape (T,) = ({T},); got {b.shape}")
        b = np.broadcast_to(b, (T,)).astype(float)
        if np.any(b < 0):
            raise ValueError("beta must be >= 0")
    fa = f.reshape(R, C, A)
    post = FinitePosterior(Kl, n_reps=R, noise=sigma)
    r_idx = np.arange(R)
    regret = np.empty((R, T))
    ig = np.empty((R, T))
    arms = np.empty((R, T), dtype=np.int64)
    noise_draws = rng.standard_normal((T, R)) * sigma
    for t in range(T):
        c = ctx[:, t]
        cols = c[:, None] * A + np.arange(A)                        # (R, A)
        if policy == "random":
            a = rng.integers(0, A, size=R)
        else:
            m = np.take_along_axis(post.mean, cols, axis=1)
            if policy == "ucb":
                v = np.maximum(np.take_along_axis(np.diagonal(post.cov, axis1=1, axis2=2), cols, axis=1), 0)
                a = np.argmax(m + np.sqrt(b[t] * v), axis=1)
            else:
                S = post.cov[r_idx[:, None, None], cols[:, :, None], cols[:, None, :]]
                S = 0.5 * (S + S.transpose(0, 2, 1)) + 1e-10 * np.eye(A)
                w, U = np.linalg.eigh(S)
                xi = rng.standard_normal((R, A))
                draw = m + np.einsum("rij,rj->ri", U, np.sqrt(np.maximum(w, 0)) * xi)
                a = np.argmax(draw, axis=1)
        fc = fa[r_idx, c]                                           # (R, A)
        regret[:, t] = fc.max(axis=1) - fc[r_idx, a]
        x = c * A + a
        post.update(x, f[r_idx, x] + noise_draws[t])
        ig[:, t] = post.info_gain
        arms[:, t] = a
    return GPBanditRun(policy, regret, np.cumsum(regret, axis=1), ig, b.copy(), arms, ctx)

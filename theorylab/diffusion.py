r"""Score estimation for diffusion models: the Ornstein-Uhlenbeck forward process,
Gaussian-mixture data with exact scores and posterior means (Tweedie), denoising vs explicit
score-matching losses, kernel gradient descent in the eigenbasis, a reverse-SDE sampler and
the sliced Wasserstein distance.

Forward process (variance preserving OU, :math:`dx = -x\,dt + \sqrt2\,dB`):

.. math:: x_t = a_t x_0 + \sigma_t\xi,\qquad a_t = e^{-t},\quad \sigma_t^2 = 1 - e^{-2t},
          \quad\xi\sim N(0, I).

For isotropic Gaussian-mixture data :math:`x_0\sim\sum_c\pi_cN(\mu_c, s_c^2I)` the marginal
:math:`p_t` is the mixture :math:`\sum_c\pi_cN(a_t\mu_c, v_{c,t}I)`, :math:`v_{c,t} = a_t^2s_c^2 + \sigma_t^2`, with

.. math:: \nabla\log p_t(x) = \sum_c w_c(x)\frac{a_t\mu_c - x}{v_{c,t}},\qquad
          \mathbb E[x_0\mid x_t = x] = \sum_c w_c(x)\Big(\mu_c + \frac{a_ts_c^2}{v_{c,t}}(x - a_t\mu_c)\Big),

:math:`w_c(x)\propto\pi_cN(x; a_t\mu_c, v_{c,t}I)`, and Tweedie's formula
:math:`\nabla\log p_t(x) = (a_t\,\mathbb E[x_0\mid x_t = x] - x)/\sigma_t^2`.

Used by ``notebooks/kernels/diffusion-score-ntk.md`` (Han, Razaviyayn & Xu 2024).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from . import _validate as V

__all__ = [
    "GaussianMixture",
    "dsm_loss_mc",
    "dsm_loss_quad",
    "esm_loss_quad",
    "kernel_gd_eigen",
    "ou_coefficients",
    "ou_forward",
    "reverse_sde_sample",
    "sliced_wasserstein",
    "wasserstein_1d",
]


def _times(t) -> np.ndarray:
    ta = V.real_array("t", t)
    if np.any(ta <= 0):
        raise ValueError("t must be > 0 (sigma_t = 0 at t = 0)")
    return ta


def ou_coefficients(t) -> tuple[np.ndarray, np.ndarray]:
    r""":math:`(a_t, \sigma_t) = (e^{-t}, \sqrt{1 - e^{-2t}})` for ``t`` > 0 (any shape).

    Examples
    --------
    >>> a, s = ou_coefficients(1.0)
    >>> bool(abs(a * a + s * s - 1.0) < 1e-15)
    True
    """
    ta = _times(t)
    return np.exp(-ta), np.sqrt(-np.expm1(-2.0 * ta))


def ou_forward(x0, t, *, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""Sample :math:`x_t = a_tx_0 + \sigma_t\xi`: ``x0`` (n, d), ``t`` scalar or (n,) ->
    ``(x_t, xi)``, both (n, d)."""
    X0 = V.real_array("x0", x0, ndim=2)
    V.generator("rng", rng)
    a, s = ou_coefficients(t)
    if a.ndim == 1:
        if a.shape[0] != X0.shape[0]:
            raise ValueError(f"t must be a scalar or have {X0.shape[0]} entries; got {a.shape}")
        a, s = a[:, None], s[:, None]
    elif a.ndim != 0:
        raise ValueError("t must be a scalar or 1-D")
    xi = rng.standard_normal(X0.shape)
    return a * X0 + s * xi, xi


@dataclass(frozen=True)
class GaussianMixture:
    r"""Isotropic Gaussian mixture :math:`\sum_c\pi_cN(\mu_c, s_c^2I)` in :math:`\mathbb R^d`.

    Parameters
    ----------
    weights : (K,) positive, summing to 1.  means : (K, d).  stds : (K,) positive.

    Examples
    --------
    >>> import numpy as np
    >>> gm = GaussianMixture([0.5, 0.5], [[-2.0], [2.0]], [0.5, 0.5])
    >>> x = np.array([[0.3]])
    >>> s = gm.score(x, 0.4); m = gm.posterior_mean(x, 0.4)
    >>> a, sig = ou_coefficients(0.4)
    >>> bool(np.allclose(s, (a * m - x) / sig**2))        # Tweedie
    True
    """

    weights: np.ndarray
    means: np.ndarray
    stds: np.ndarray

    def __post_init__(self) -> None:
        w = V.real_array("weights", self.weights, ndim=1)
        mu = V.real_array("means", self.means, ndim=2)
        sd = V.real_array("stds", self.stds, ndim=1)
        if not (w.shape[0] == mu.shape[0] == sd.shape[0]):
            raise ValueError(f"weights {w.shape}, means {mu.shape} and stds {sd.shape} disagree on K")
        if np.any(w <= 0) or abs(w.sum() - 1.0) > 1e-12:
            raise ValueError("weights must be positive and sum to 1")
        if np.any(sd <= 0):
            raise ValueError("stds must be > 0")
        object.__setattr__(self, "weights", w)
        object.__setattr__(self, "means", mu)
        object.__setattr__(self, "stds", sd)

    @property
    def dim(self) -> int:
        return self.means.shape[1]

    def sample(self, n: int, *, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws of :math:`x_0`, (n, d)."""
        n = V.positive_int("n", n)
        V.generator("rng", rng)
        c = rng.choice(self.weights.shape[0], size=n, p=self.weights)
        return self.means[c] + self.stds[c, None] * rng.standard_normal((n, self.dim))

    def _x(self, x) -> np.ndarray:
        return V.real_array("x", x, min_ndim=1, last=self.dim)

    def _tcol(self, t, x):
        a, s = ou_coefficients(t)
        # t scalar, or one time per row of x
        if a.ndim:
            if a.shape != x.shape[:-1]:
                raise ValueError(f"t must be a scalar or have shape {x.shape[:-1]}; got {a.shape}")
        return a[..., None], s[..., None]

    def _resp(self, x, t):
        """Log-weights log(pi_c N(x; a mu_c, v_c I)) (..., K), a (..., 1), v (..., K)."""
        a, s = self._tcol(t, x)
        v = (a * self.stds) ** 2 + s * s                                  # (..., K)
        m = a[..., None] * self.means                                     # (..., K, d)
        d2 = np.sum((x[..., None, :] - m) ** 2, axis=-1)
        logw = np.log(self.weights) - 0.5 * self.dim * np.log(2 * np.pi * v) - 0.5 * d2 / v
        return logw, a, v, m

    def log_density(self, x, t) -> np.ndarray:
        r""":math:`\log p_t(x)` (``t`` scalar or one per row), (..., d) -> (...)."""
        xa = self._x(x)
        return special.logsumexp(self._resp(xa, t)[0], axis=-1)

    def score(self, x, t) -> np.ndarray:
        r"""Exact score :math:`\nabla\log p_t(x)`, (..., d) -> (..., d)."""
        xa = self._x(x)
        logw, a, v, m = self._resp(xa, t)
        w = special.softmax(logw, axis=-1)
        return np.sum(w[..., None] * (m - xa[..., None, :]) / v[..., None], axis=-2)

    def posterior_mean(self, x, t) -> np.ndarray:
        r"""Exact denoiser :math:`\mathbb E[x_0\mid x_t = x]`, (..., d) -> (..., d)."""
        xa = self._x(x)
        logw, a, v, m = self._resp(xa, t)
        w = special.softmax(logw, axis=-1)
        g = (a * self.stds ** 2 / v)[..., None]                           # (..., K, 1)
        return np.sum(w[..., None] * (self.means + g * (xa[..., None, :] - m)), axis=-2)

    def posterior_var(self, x, t) -> np.ndarray:
        r"""Trace of :math:`\operatorname{Cov}[x_0\mid x_t = x]` (the label-noise variance of the
        regression of :math:`x_0` on :math:`x_t`), (..., d) -> (...)."""
        xa = self._x(x)
        logw, a, v, m = self._resp(xa, t)
        w = special.softmax(logw, axis=-1)
        g = (a * self.stds ** 2 / v)[..., None]
        mc = self.means + g * (xa[..., None, :] - m)                      # component posterior means
        vc = self.dim * (self.stds ** 2 * (1.0 - a * g[..., 0]))         # component posterior var (trace)
        mean = np.sum(w[..., None] * mc, axis=-2)
        second = np.sum(w * (vc + np.sum(mc * mc, axis=-1)), axis=-1)
        return second - np.sum(mean * mean, axis=-1)


def _check_mixture_1d(mix) -> GaussianMixture:
    if not isinstance(mix, GaussianMixture):
        raise TypeError("mix must be a GaussianMixture")
    if mix.dim != 1:
        raise ValueError("quadrature losses are implemented for 1-D mixtures")
    return mix


def _gh(n_nodes: int):
    n = V.positive_int("n_nodes", n_nodes)
    if n > 150:
        raise ValueError("n_nodes must be <= 150 (Hermite weights overflow)")
    z, w = np.polynomial.hermite_e.hermegauss(n)
    return z, w / np.sqrt(2 * np.pi)


def dsm_loss_quad(s: Callable, mix: GaussianMixture, t: float, *, n_nodes: int = 80) -> float:
    r"""Denoising score-matching loss :math:`\mathbb E_{x_0,\xi}|s(x_t) + \xi/\sigma_t|^2` at
    fixed ``t`` for a 1-D mixture, by tensor Gauss-Hermite quadrature over
    :math:`(x_0, \xi)` in each component (exact for polynomial ``s`` of degree < ``n_nodes``).
    ``s`` maps an array of points to scores of the same shape."""
    V.function("s", s, what="(points) -> scores")
    m = _check_mixture_1d(mix)
    a, sig = ou_coefficients(t)
    z, w = _gh(n_nodes)
    Z1, Z2 = np.meshgrid(z, z, indexing="ij")
    W2 = np.outer(w, w)
    total = 0.0
    for pi, mu, sd in zip(m.weights, m.means[:, 0], m.stds):
        xt = a * (mu + sd * Z1) + sig * Z2
        r = np.asarray(s(xt), dtype=float) + Z2 / sig
        total += pi * np.sum(W2 * r * r)
    return float(total)


def esm_loss_quad(s: Callable, mix: GaussianMixture, t: float, *, n_per_std: int = 40, width: float = 14.0) -> float:
    r"""Explicit score-matching loss :math:`\mathbb E_{x\sim p_t}|s(x) - \nabla\log p_t(x)|^2` for a
    1-D mixture, by the trapezoidal rule on a uniform grid covering every component of
    :math:`p_t` to ``width`` standard deviations, ``n_per_std`` points per smallest standard
    deviation (exponentially accurate for smooth integrands decaying like Gaussians; the mixture
    score's logistic transitions make Gauss-Hermite converge only slowly here)."""
    V.function("s", s, what="(points) -> scores")
    m = _check_mixture_1d(mix)
    a, sig = ou_coefficients(t)
    k = V.count("n_per_std", n_per_std, high=100_000)
    wd = V.real("width", width, low=1.0, high=100.0)
    sd_t = np.sqrt((a * m.stds) ** 2 + sig * sig)
    lo = float(np.min(a * m.means[:, 0] - wd * sd_t))
    hi = float(np.max(a * m.means[:, 0] + wd * sd_t))
    h = float(sd_t.min()) / k
    n_grid = V.elements("the quadrature grid (width, n_per_std)", int(np.ceil((hi - lo) / h)) + 1, limit=10**7)
    x = np.linspace(lo, hi, n_grid)
    p = np.exp(m.log_density(x[:, None], t))
    r = np.asarray(s(x), dtype=float) - m.score(x[:, None], t)[:, 0]
    return float(np.trapezoid(p * r * r, x))


def dsm_loss_mc(s: Callable, x0, t, *, rng: np.random.Generator) -> tuple[float, float]:
    r"""Monte-Carlo denoising score-matching loss and its standard error:
    :math:`\frac1n\sum_i|s(x_{t,i}, t_i) + \xi_i/\sigma_{t_i}|^2` with fresh noise; ``s(x, t)``
    takes (n, d) points and (n,) or scalar times."""
    V.function("s", s, what="(points (n, d), times (n,)) -> scores (n, d)")
    X0 = V.real_array("x0", x0, ndim=2)
    ta = np.broadcast_to(_times(t), X0.shape[:1]) if np.ndim(t) == 0 else _times(t)
    xt, xi = ou_forward(X0, ta, rng=rng)
    _, sig = ou_coefficients(ta)
    r = np.asarray(s(xt, ta), dtype=float) + xi / sig[:, None]
    v = np.sum(r * r, axis=-1)
    return float(v.mean()), float(v.std(ddof=1) / np.sqrt(v.size))


def kernel_gd_eigen(K, y, *, lr: float, steps, K_test=None) -> dict:
    r"""Kernel gradient descent from :math:`f_0 = 0` on :math:`\frac1{2n}\lVert f - y\rVert^2` in
    closed form (the NTK dynamics of a linearised network), at any number of steps.

    Function-space GD :math:`f_{\tau+1} = f_\tau - \frac\eta nK(f_\tau - y)` gives, with
    :math:`K/n = U\operatorname{diag}(\lambda)U^\top`,

    .. math:: f_\tau = U\operatorname{diag}\big(1 - (1-\eta\lambda)^\tau\big)U^\top y,\qquad
              f_\tau(x_*) = K(x_*, X)\,U\operatorname{diag}\Big(\frac{1-(1-\eta\lambda)^\tau}{n\lambda}\Big)U^\top y,

    evaluated stably as :math:`-\operatorname{expm1}(\tau\log(1-\eta\lambda))` (integer :math:`\tau`
    when :math:`\eta\lambda > 1`); eigenvalues
    below :math:`10^{-13}\lambda_{max}` are treated as zero (their limit :math:`\tau\eta/n`
    is used for the test coefficients).

    Parameters
    ----------
    K : (n, n) symmetric PSD kernel matrix on the training inputs.
    y : (n,) or (n, k) labels.
    lr : :math:`\eta`, with :math:`0 < \eta\lambda_{max} < 2` for convergence.
    steps : array of step counts :math:`\tau \ge 0` (floats allowed).
    K_test : optional (m, n) kernel between test and training inputs.

    Returns
    -------
    dict with ``train`` (len(steps), n[, k]), ``test`` (len(steps), m[, k]) if ``K_test``,
    ``eigvals`` (n,) of :math:`K/n`.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(5, 2)); K = X @ X.T + 1.0; y = X[:, 0]
    >>> out = kernel_gd_eigen(K, y, lr=1.0, steps=[3])
    >>> f = np.zeros(5)
    >>> for _ in range(3): f = f - K @ (f - y) / 5
    >>> bool(np.allclose(out["train"][0], f))
    True
    """
    Ka = V.real_array("K", K, ndim=2)
    n = Ka.shape[0]
    if Ka.shape != (n, n) or not np.allclose(Ka, Ka.T, rtol=1e-10, atol=1e-12 * np.abs(Ka).max()):
        raise ValueError("K must be a symmetric (n, n) matrix")
    ya = V.real_array("y", y, ndim=(1, 2))
    if ya.shape[0] != n:
        raise ValueError(f"y must have {n} rows; got {ya.shape}")
    eta = V.positive_real("lr", lr)
    tau = V.real_array("steps", steps, ndim=1)
    if np.any(tau < 0):
        raise ValueError("steps must be >= 0")
    lam, U = np.linalg.eigh(0.5 * (Ka + Ka.T) / n)
    lam = np.where(lam > 1e-13 * lam.max(), lam, 0.0)
    if eta * lam.max() >= 2:
        raise ValueError(f"lr * lambda_max = {eta * lam.max():.3g} >= 2: GD diverges")
    Uy = U.T @ ya                                                    # (n[, k])
    q = 1.0 - eta * lam
    q = np.where(np.abs(q) < 1e-12, 0.0, q)                         # eta = 1/lambda_max up to round-off
    if np.any(q < 0) and np.any(tau != np.round(tau)):
        raise ValueError("steps must be integers when lr * lambda > 1 (oscillating modes)")
    with np.errstate(divide="ignore"):
        logq = np.log(np.abs(q))                                     # (n,), -inf where q == 0
        logq = np.where(q > 0, np.log1p(-np.minimum(eta * lam, 1.0 - 1e-300)), logq)
        pw = np.where(tau[:, None] == 0, 1.0, np.exp(tau[:, None] * logq[None, :]))
    parity = np.where(np.mod(np.round(tau), 2.0) == 1.0, -1.0, 1.0)  # (-1)^tau, integer tau where used
    pw = pw * np.where(q[None, :] < 0, parity[:, None], 1.0)
    filt = np.where(q[None, :] > 0, -np.expm1(tau[:, None] * np.where(q > 0, logq, 0.0)[None, :]), 1.0 - pw)
    shape = (-1, n) + ya.shape[1:]
    ff = filt.reshape(filt.shape + (1,) * (ya.ndim - 1))
    out = {"train": np.einsum("ij,sj...->si...", U, ff * Uy[None]).reshape(shape), "eigvals": lam}
    if K_test is not None:
        Kt = V.real_array("K_test", K_test, ndim=2, last=n)
        safe = np.where(lam > 0, lam, 1.0)
        coef = np.where(lam[None, :] > 0, filt / (n * safe[None, :]), tau[:, None] * eta / n)
        cc = coef.reshape(coef.shape + (1,) * (ya.ndim - 1))
        alpha = np.einsum("ij,sj...->si...", U, cc * Uy[None])          # (S, n[, k])
        out["test"] = np.einsum("mi,si...->sm...", Kt, alpha)
    return out


def reverse_sde_sample(score: Callable, n: int, *, dim: int, T: float, t_min: float, n_steps: int,
                       rng: np.random.Generator, y0=None) -> np.ndarray:
    r"""Euler-Maruyama integration of the reverse-time SDE of the OU process,
    :math:`dy = [y + 2\nabla\log p_{T-s}(y)]\,ds + \sqrt2\,dB`, from :math:`y_0\sim N(0, I)`
    (the stationary law; exact for large ``T``) or from given samples ``y0`` (n, d) of
    :math:`p_T`, down to time ``t_min`` (early stopping of the sampler, as in Song et al. 2021).
    ``score(x (n, d), t float) -> (n, d)``; returns (n, d)."""
    V.function("score", score, what="(x (n, d), t) -> (n, d)")
    n = V.count("n", n)
    d = V.count("dim", dim)
    V.elements("n * dim", (n, d))
    Tf, t0 = V.positive_real("T", T), V.positive_real("t_min", t_min)
    if t0 >= Tf:
        raise ValueError("t_min must be < T")
    K = V.count("n_steps", n_steps, high=10**7)
    V.generator("rng", rng)
    ts = np.linspace(Tf, t0, K + 1)
    if y0 is None:
        y = rng.standard_normal((n, d))
    else:
        y = V.real_array("y0", y0, ndim=2, last=d).copy()
        if y.shape[0] != n:
            raise ValueError(f"y0 must have {n} rows; got {y.shape}")
    for k in range(K):
        h = ts[k] - ts[k + 1]
        y = y + h * (y + 2.0 * np.asarray(score(y, ts[k]))) + np.sqrt(2.0 * h) * rng.standard_normal((n, d))
    return y


def wasserstein_1d(u, v, *, p: float = 1.0) -> np.ndarray:
    r"""Wasserstein-:math:`p` distance between two 1-D empirical measures (equal weights),
    :math:`W_p^p = \int_0^1|F_u^{-1}(q) - F_v^{-1}(q)|^p\,dq`, computed exactly on the union of
    the breakpoints :math:`i/n_u, j/n_v` of the two quantile step functions. ``u`` (..., n_u),
    ``v`` (..., n_v) -> (...).

    Examples
    --------
    >>> float(wasserstein_1d([0.0, 1.0], [0.5]))
    0.5
    """
    ua, va = V.real_array("u", u, min_ndim=1), V.real_array("v", v, min_ndim=1)
    pp = V.positive_real("p", p)
    if pp < 1:
        raise ValueError("p must be >= 1")
    us, vs = np.sort(ua, axis=-1), np.sort(va, axis=-1)
    nu, nv = us.shape[-1], vs.shape[-1]
    q = np.union1d(np.arange(1, nu + 1) / nu, np.arange(1, nv + 1) / nv)
    dq = np.diff(np.concatenate([[0.0], q]))
    mid = q - 0.5 * dq                                               # inside each constant piece
    iu = np.minimum((mid * nu).astype(int), nu - 1)
    iv = np.minimum((mid * nv).astype(int), nv - 1)
    diff = np.abs(us[..., iu] - vs[..., iv])
    return np.sum(dq * diff ** pp, axis=-1) ** (1.0 / pp)


def sliced_wasserstein(X, Y, *, n_projections: int, rng: np.random.Generator, p: float = 2.0) -> float:
    r"""Monte-Carlo sliced Wasserstein distance
    :math:`SW_p(X, Y) = \big(\mathbb E_\theta W_p^p(\theta^\top X, \theta^\top Y)\big)^{1/p}`,
    :math:`\theta` uniform on the sphere (Bonneel et al. 2015), with ``n_projections`` directions;
    ``X`` (n, d), ``Y`` (m, d)."""
    Xa = V.real_array("X", X, ndim=2)
    Ya = V.real_array("Y", Y, ndim=2, last=Xa.shape[1])
    L = V.count("n_projections", n_projections)
    V.elements("n_projections * (n + m)", (L, Xa.shape[0] + Ya.shape[0]))
    V.generator("rng", rng)
    th = rng.standard_normal((L, Xa.shape[1]))
    th /= np.linalg.norm(th, axis=1, keepdims=True)
    w = wasserstein_1d(th @ Xa.T, th @ Ya.T, p=p)
    return float(np.mean(w ** p) ** (1.0 / p))

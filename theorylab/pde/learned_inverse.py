r"""Approximate inverses learned with the scale-invariant DCDM loss.

Kaneda et al. (ICML 2023, arXiv:2205.10763) train a network :math:`f_\theta` to approximate
:math:`A^{-1}` *up to a constant* with the unsupervised loss (official code
``ayano721/2023_DCDM``, ``src/train.py``, ``custom_loss_function_cnn_1d_fast``)

.. math:: L(\theta) = \frac1N\sum_i \big\|b_i - \alpha_i A f_\theta(b_i)\big\|^2,\qquad
          \alpha_i = \frac{b_i^\top f_\theta(b_i)}{f_\theta(b_i)^\top A f_\theta(b_i)},

i.e. the residual after one exact line search along :math:`f_\theta(b_i)`. Since
:math:`\alpha` absorbs any scale, :math:`L(c f) = L(f)` for c > 0, and :math:`L = 0` for
:math:`f = cA^{-1}`. With :math:`r_i = b_i - \alpha_i A f_i`, :math:`s_i = b_i^\top f_i`,
:math:`q_i = f_i^\top A f_i`, its gradient with respect to the prediction is

.. math:: \frac{\partial L_i}{\partial f_i} = -2\Big[(r_i^\top A f_i)\Big(\frac{b_i}{q_i}
          - \frac{2 s_i A f_i}{q_i^2}\Big) + \alpha_i A r_i\Big].

Models act on batches of grid functions ``(batch, n, n)`` for the 2-D Dirichlet Laplacian of
:mod:`theorylab.pde.poisson`; each has ``apply(theta, B)`` and ``vjp(theta, B, G)`` (the gradient
of :math:`\sum\langle G, f_\theta(B)\rangle` in :math:`\theta`):

* :class:`SpectralMultiplier` -- one parameter per sine mode, :math:`f = S\,\mathrm{diag}(\hat g)\,S`
  (a full-support convolution). It *contains* :math:`A^{-1}` (:math:`\hat g = 1/\lambda`).
* :class:`PowerLawMultiplier` -- :math:`\hat g = \exp(\theta_0 + \theta_1\log\lambda)`, 2
  parameters, any grid size; contains :math:`A^{-1}` at :math:`\theta = (0, -1)`.
* :class:`LocalConvolution` -- a learned :math:`(2\rho+1)\times(2\rho+1)` stencil with zero
  padding, any grid size. It does **not** contain :math:`A^{-1}` (a dense operator): the honest
  "small CNN" stand-in (the linear part of one convolutional layer).

Used by ``notebooks/learning-theory/deep-conjugate-direction.md``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.fft
import scipy.optimize

from .. import _validate as v
from .poisson import _grid, laplacian_2d_apply, laplacian_2d_eigenvalues

__all__ = ["scale_invariant_loss", "SpectralMultiplier", "PowerLawMultiplier", "SineBasis", "sine_laplacian",
           "LocalConvolution", "as_direction", "fit_adam", "fit_lbfgs"]


def _dot(X, Y):
    return np.einsum("...ij,...ij->...", X, Y)


def _batch(name: str, X, *, n: int | None = None, batched: bool = False) -> np.ndarray:
    """A finite grid-function array (..., n, n) (``batched``: exactly (batch, n, n))."""
    X = _grid(name, X)
    if batched and X.ndim != 3:
        raise ValueError(f"{name} must have shape (batch, n, n); got {X.shape}")
    if n is not None and X.shape[-1] != n:
        raise ValueError(f"{name} must be a grid function on n = {n} (shape (..., {n}, {n})); got {X.shape}")
    return X


def _cotangent(name: str, G, B: np.ndarray, ref: str = "B") -> np.ndarray:
    G = v.shaped_array(name, G)
    if G.shape != B.shape:
        raise ValueError(f"{name} must have the shape of {ref}, {B.shape}; got {G.shape}")
    return G


def _operator(name: str, apply_A) -> Callable[[np.ndarray], np.ndarray]:
    return v.function(name, apply_A, what="mapping a (batch, n, n) array to one of the same shape")


_MODEL_HINT = "a model of theorylab.pde.learned_inverse: SpectralMultiplier, PowerLawMultiplier, SineBasis " \
              "or LocalConvolution"


def _model(model):
    if not all(callable(getattr(model, a, None)) for a in ("apply", "vjp")) or isinstance(model, type):
        raise TypeError(f"model must be {_MODEL_HINT} (with apply and vjp); got {type(model).__name__}")
    return model


def _params(model, theta, name: str) -> np.ndarray:
    th = v.shaped_array(name, theta, ndim=1)
    p = getattr(model, "n_params", None)
    if isinstance(p, int) and th.size != p:
        raise ValueError(f"{name} must have shape ({p},) for this {type(model).__name__}; got {th.shape}")
    return th


def scale_invariant_loss(B, F, apply_A: Callable[[np.ndarray], np.ndarray] = laplacian_2d_apply,
                         *, grad: bool = False):
    r"""Mean scale-invariant loss of predictions ``F = f(B)`` (module docstring), and optionally
    its gradient with respect to ``F``.

    Parameters
    ----------
    B : (batch, n, n) right-hand sides
    F : (batch, n, n) model outputs
    apply_A : callable on (batch, n, n) arrays (default: the 5-point Dirichlet Laplacian)
    grad : also return dL/dF

    Returns
    -------
    loss : float;  (and dL/dF : (batch, n, n) if ``grad``)

    Examples
    --------
    >>> from theorylab.pde.poisson import poisson_solve_dst
    >>> B = np.random.default_rng(0).normal(size=(3, 5, 5))
    >>> scale_invariant_loss(B, 7.0 * poisson_solve_dst(B)) < 1e-24
    True
    """
    B = v.shaped_array("B", B, ndim=3)
    F = v.shaped_array("F", F, shape=B.shape)
    apply_A = _operator("apply_A", apply_A)
    grad = v.flag("grad", grad)
    AF = apply_A(F)
    if np.shape(AF) != F.shape:
        raise ValueError(f"apply_A must return an array of the shape of its input {F.shape}; got {np.shape(AF)}")
    s, q = _dot(B, F), _dot(F, AF)
    if not np.all(q > 0):
        raise ValueError("F: f(b)^T A f(b) must be > 0 for every sample (a zero or indefinite prediction, "
                         "or an apply_A that is not positive definite)")
    alpha = (s / q)[:, None, None]
    R = B - alpha * AF
    loss = float(np.mean(_dot(R, R)))
    if not grad:
        return loss
    rAf = _dot(R, AF)[:, None, None]
    G = -2.0 * (rAf * (B / q[:, None, None] - 2.0 * s[:, None, None] * AF / q[:, None, None] ** 2)
                + alpha * apply_A(R))
    return loss, G / B.shape[0]


def _dst(X):
    return scipy.fft.dstn(X, type=1, norm="ortho", axes=(-2, -1))


class SpectralMultiplier:
    r""":math:`f_{\hat g}(B) = S(\hat g\odot SB)` with ``theta = g_hat.ravel()``, shape (n*n,).

    Examples
    --------
    >>> m = SpectralMultiplier(4)
    >>> theta = (1.0 / laplacian_2d_eigenvalues(4)).ravel()
    >>> B = np.ones((1, 4, 4))
    >>> bool(np.allclose(laplacian_2d_apply(m.apply(theta, B)), B))
    True
    """

    def __init__(self, n: int):
        self.n = v.count("n", n)
        v.elements("n * n", self.n**2)
        self.n_params = self.n**2

    def init(self) -> np.ndarray:
        """The identity map, ``g_hat = 1`` (catalogue's initialisation)."""
        return np.ones(self.n_params)

    def g_hat(self, theta, n: int) -> np.ndarray:
        """The multiplier as an (n, n) array."""
        n = v.count("n", n)
        if n != self.n:
            raise ValueError(f"this SpectralMultiplier is defined on n = {self.n}; got n = {n}")
        return v.shaped_array("theta", theta, shape=(self.n_params,)).reshape(self.n, self.n)

    def apply(self, theta, B) -> np.ndarray:
        B = _batch("B", B, n=self.n)
        return _dst(self.g_hat(theta, self.n) * _dst(B))

    def vjp(self, theta, B, G) -> np.ndarray:
        B = _batch("B", B, n=self.n, batched=True)
        return self.vjp_sine(theta, _dst(B), _dst(_cotangent("G", G, B)))

    def vjp_sine(self, theta, B_hat, G_hat) -> np.ndarray:
        v.shaped_array("theta", theta, shape=(self.n_params,))
        B_hat = _batch("B_hat", B_hat, n=self.n, batched=True)
        return np.sum(B_hat * _cotangent("G_hat", G_hat, B_hat, "B_hat"), axis=0).ravel()


class PowerLawMultiplier:
    r""":math:`\hat g = \exp(\theta_0 + \theta_1\log\lambda)` on any n (``theta`` shape (2,)).

    Examples
    --------
    >>> m = PowerLawMultiplier()
    >>> B = np.random.default_rng(0).normal(size=(2, 6, 6))
    >>> bool(np.allclose(laplacian_2d_apply(m.apply([0.0, -1.0], B)), B))
    True
    """

    n_params = 2

    def init(self) -> np.ndarray:
        """The identity map, ``theta = (0, 0)``."""
        return np.zeros(2)

    def g_hat(self, theta, n: int) -> np.ndarray:
        """The multiplier on the n x n grid."""
        th = v.shaped_array("theta", theta, shape=(2,))
        g = np.exp(th[0] + th[1] * np.log(laplacian_2d_eigenvalues(n)))
        if not np.all(np.isfinite(g)):
            raise ValueError(f"theta = {th.tolist()} overflows the multiplier exp(theta0 + theta1 log lambda)")
        return g

    def apply(self, theta, B) -> np.ndarray:
        B = _batch("B", B)
        return _dst(self.g_hat(theta, B.shape[-1]) * _dst(B))

    def vjp(self, theta, B, G) -> np.ndarray:
        B = _batch("B", B, batched=True)
        return self.vjp_sine(theta, _dst(B), _dst(_cotangent("G", G, B)))

    def vjp_sine(self, theta, B_hat, G_hat) -> np.ndarray:
        B_hat = _batch("B_hat", B_hat, batched=True)
        G_hat = _cotangent("G_hat", G_hat, B_hat, "B_hat")
        n = B_hat.shape[-1]
        dg = np.sum(B_hat * G_hat, axis=0) * self.g_hat(theta, n)
        return np.array([dg.sum(), (dg * np.log(laplacian_2d_eigenvalues(n))).sum()])


class SineBasis:
    r"""A spectral model seen in sine coordinates, for cheap training.

    The loss is invariant under the orthogonal change of basis :math:`S` (symmetric,
    :math:`S^2 = I`): :math:`L(B, F; A) = L(SB, SF; SAS)` with :math:`SAS = \mathrm{diag}(\lambda)`.
    So a :class:`SpectralMultiplier` or :class:`PowerLawMultiplier` can be trained on
    pre-transformed data ``B_hat = dst2(B)`` with ``apply_A = sine_laplacian(n)``, where every step
    is elementwise. ``apply(theta, B_hat) = g_hat * B_hat``.

    Examples
    --------
    >>> from theorylab.pde.poisson import dst2
    >>> m = PowerLawMultiplier(); th = np.array([0.3, -0.5])
    >>> B = np.random.default_rng(0).normal(size=(4, 6, 6))
    >>> L1 = scale_invariant_loss(B, m.apply(th, B))
    >>> L2 = scale_invariant_loss(dst2(B), SineBasis(m).apply(th, dst2(B)), sine_laplacian(6))
    >>> bool(np.isclose(L1, L2))
    True
    """

    def __init__(self, model):
        if not hasattr(model, "vjp_sine"):
            raise TypeError(f"model must be a spectral model (SpectralMultiplier, PowerLawMultiplier); "
                            f"got {type(model).__name__}")
        self.model = model
        self.n_params = model.n_params

    def init(self) -> np.ndarray:
        return self.model.init()

    def apply(self, theta, B_hat) -> np.ndarray:
        B_hat = _batch("B_hat", B_hat)
        return self.model.g_hat(theta, B_hat.shape[-1]) * B_hat

    def vjp(self, theta, B_hat, G_hat) -> np.ndarray:
        return self.model.vjp_sine(theta, B_hat, G_hat)


def sine_laplacian(n: int) -> Callable[[np.ndarray], np.ndarray]:
    """The Laplacian in sine coordinates, ``X_hat -> lambda * X_hat`` on (batch, n, n) arrays.

    Examples
    --------
    >>> sine_laplacian(2)(np.ones((1, 2, 2))).shape
    (1, 2, 2)
    """
    n = v.count("n", n)
    v.elements("n * n", n * n)
    lam = laplacian_2d_eigenvalues(n)
    return lambda X: lam * X


class LocalConvolution:
    r"""A learned stencil: :math:`f(B)_{ij} = \sum_{|a|,|b|\le\rho} w_{ab} B_{i+a, j+b}` (zero
    outside the grid), ``theta`` = the :math:`(2\rho+1)^2` weights, row-major in (a, b).

    With ``symmetric=True`` the stencil used is :math:`\tfrac12(w_{ab} + w_{-a,-b})`, so the
    operator is symmetric (as :math:`A^{-1}` is); with a symmetric positive-definite f, DCDM's
    two-term A-orthogonalisation is exact (it is then preconditioned CG). Applied by FFT.

    Examples
    --------
    >>> m = LocalConvolution(1)
    >>> w = np.array([0, -1, 0, -1, 4, -1, 0, -1, 0], dtype=float)   # the Laplacian stencil
    >>> B = np.random.default_rng(0).normal(size=(2, 5, 5))
    >>> bool(np.allclose(m.apply(w, B), laplacian_2d_apply(B)))
    True
    """

    def __init__(self, radius: int, *, symmetric: bool = False):
        self.radius = v.count("radius", radius, low=0)
        v.elements("(2 radius + 1)^2", (2 * self.radius + 1) ** 2)
        self.width = 2 * self.radius + 1
        self.n_params = self.width**2
        if not isinstance(symmetric, (bool, np.bool_)):
            raise TypeError(f"symmetric must be a bool; got {type(symmetric).__name__}")
        self.symmetric = bool(symmetric)

    def _sym(self, w: np.ndarray) -> np.ndarray:
        # point-symmetric stencil w_ab = w_-a-b: the operator is then symmetric, like A^-1
        return 0.5 * (w + w[::-1, ::-1]) if self.symmetric else w

    def _stencil(self, theta) -> np.ndarray:
        return self._sym(v.shaped_array("theta", theta, shape=(self.n_params,)).reshape(self.width, self.width))

    def init(self) -> np.ndarray:
        """The identity map (a centred delta)."""
        w = np.zeros(self.n_params)
        w[self.n_params // 2] = 1.0
        return w

    def _spectra(self, B):
        """rfft2 of the zero-padded inputs on an (n + 2 rho)^2 grid (no wrap-around for the lags)."""
        B = _batch("B", B)
        r, n = self.radius, B.shape[-1]
        L = n + 2 * r
        P = np.pad(B, [(0, 0)] * (B.ndim - 2) + [(r, r), (r, r)])
        return scipy.fft.rfft2(P, s=(L, L)), n, L

    def apply(self, theta, B) -> np.ndarray:
        # out_ij = sum_ab w_ab P_{i+a, j+b}: a circular cross-correlation, by FFT
        w = self._stencil(theta)
        FP, n, L = self._spectra(B)
        Fw = scipy.fft.rfft2(w, s=(L, L))
        return scipy.fft.irfft2(np.conj(Fw) * FP, s=(L, L))[..., :n, :n]

    def vjp(self, theta, B, G) -> np.ndarray:
        # grad_ab = sum_batch sum_ij G_ij P_{i+a, j+b}; the batch sum is taken in Fourier space
        self._stencil(theta)
        B = _batch("B", B)
        FP, n, L = self._spectra(B)
        FG = scipy.fft.rfft2(_cotangent("G", G, B), s=(L, L))
        S = np.sum(np.conj(FG) * FP, axis=tuple(range(FP.ndim - 2)))
        return self._sym(scipy.fft.irfft2(S, s=(L, L))[: self.width, : self.width]).ravel()


def as_direction(model, theta, n: int) -> Callable[[np.ndarray], np.ndarray]:
    """The model as a DCDM search-direction callable on flattened ``(n*n,)`` vectors.

    Examples
    --------
    >>> f = as_direction(PowerLawMultiplier(), [0.0, 0.0], 3)
    >>> f(np.arange(9.0)).shape
    (9,)
    """
    model = _model(model)
    n = v.count("n", n)
    v.elements("n * n", n * n)
    theta = _params(model, theta, "theta").copy()
    return lambda r: model.apply(theta, np.reshape(r, (1, n, n)))[0].ravel()


def _loss_grad(model, theta, B, apply_A):
    F = model.apply(theta, B)
    loss, G = scale_invariant_loss(B, F, apply_A, grad=True)
    return loss, model.vjp(theta, B, G)


def fit_adam(model, theta0, B, *, n_steps: int, lr: float, batch_size: int, rng: np.random.Generator,
             apply_A: Callable[[np.ndarray], np.ndarray] = laplacian_2d_apply,
             beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> tuple[np.ndarray, np.ndarray]:
    r"""Minimise the scale-invariant loss with Adam on random mini-batches (a fixed budget).

    Parameters
    ----------
    model : a model of this module;  theta0 : (p,) initial parameters
    B : (N, n, n) training right-hand sides
    n_steps, batch_size : ints;  lr : float > 0
    rng : numpy.random.Generator (required; draws the mini-batches)
    apply_A : the operator on (batch, n, n) arrays
    beta1, beta2, eps : Adam constants (Kingma & Ba 2015)

    Returns
    -------
    theta : (p,);  losses : (n_steps,) mini-batch losses

    Examples
    --------
    >>> B = np.random.default_rng(0).normal(size=(16, 6, 6))
    >>> th, L = fit_adam(PowerLawMultiplier(), [0.0, 0.0], B, n_steps=200, lr=0.05,
    ...                  batch_size=8, rng=np.random.default_rng(1))
    >>> bool(L[-1] < 0.01 * L[0])
    True
    """
    model = _model(model)
    B = v.min_length("B", v.shaped_array("B", B, ndim=3), 1)
    theta = _params(model, theta0, "theta0").copy()
    n_steps = v.count("n_steps", n_steps)
    v.elements("n_steps", n_steps)
    lr = v.positive_real("lr", lr)
    bs = v.count("batch_size", batch_size)
    rng = v.generator("rng", rng)
    apply_A = _operator("apply_A", apply_A)
    beta1 = v.real("beta1", beta1, low=0.0, high=1.0, high_open=True)
    beta2 = v.real("beta2", beta2, low=0.0, high=1.0, high_open=True)
    eps = v.positive("eps", eps)
    m, s = np.zeros_like(theta), np.zeros_like(theta)
    losses = np.empty(n_steps)
    for k in range(n_steps):
        idx = rng.choice(B.shape[0], size=min(bs, B.shape[0]), replace=False)
        try:
            losses[k], g = _loss_grad(model, theta, B[idx], apply_A)
        except ValueError as exc:
            if k == 0:   # the inputs themselves are wrong; later steps fail only when the iteration diverges
                raise
            raise ValueError(f"the Adam iteration diverged at step {k} (lr = {lr:g} too large?): {exc}") from None
        if not (np.isfinite(losses[k]) and np.all(np.isfinite(g))):
            raise ValueError(f"the Adam iteration diverged at step {k}: non-finite loss or gradient "
                             f"(lr = {lr:g} too large?)")
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g**2
        theta = theta - lr * (m / (1 - beta1 ** (k + 1))) / (np.sqrt(s / (1 - beta2 ** (k + 1))) + eps)
    return theta, losses


def fit_lbfgs(model, theta0, B, *, max_iter: int = 500,
              apply_A: Callable[[np.ndarray], np.ndarray] = laplacian_2d_apply) -> tuple[np.ndarray, float]:
    r"""Minimise the full-batch scale-invariant loss with L-BFGS (scipy) and the analytic gradient.

    Returns
    -------
    theta : (p,);  loss : float, the final loss

    Examples
    --------
    >>> B = np.random.default_rng(0).normal(size=(8, 6, 6))
    >>> th, L = fit_lbfgs(PowerLawMultiplier(), [0.0, 0.0], B)
    >>> bool(np.allclose(th, [0.0, -1.0], atol=1e-4))
    True
    """
    model = _model(model)
    B = v.min_length("B", v.shaped_array("B", B, ndim=3), 1)
    theta0 = _params(model, theta0, "theta0")
    max_iter = v.count("max_iter", max_iter)
    apply_A = _operator("apply_A", apply_A)
    res = scipy.optimize.minimize(lambda th: _loss_grad(model, th, B, apply_A), theta0, jac=True,
                                  method="L-BFGS-B", options={"maxiter": max_iter, "gtol": 1e-12,
                                                              "ftol": 1e-15})
    return res.x, float(res.fun)

r"""Learned proximal networks (Fang, Buchanan & Sulam, ICLR 2024, arXiv:2310.14344): input-
convex networks whose gradient is an exact proximal operator, the proximal-matching loss,
the Laplace-prior denoising references (MAP, MMSE, posterior median) and plug-and-play
proximal gradient.

**Why the gradient of a convex function is a prox** (the paper's Proposition 3.1, after
Gribonval & Nikolova 2020; statement [inferred from the abstract and the code]). If
:math:`\psi` is convex and differentiable and :math:`f = \nabla\psi`, then
:math:`f = \operatorname{prox}_\varphi` for

.. math:: \varphi(x) = \langle x, y\rangle - \psi(y) - \tfrac12\lVert x\rVert^2
          \quad\text{for any } y \text{ with } f(y) = x ,

(:math:`\varphi + \tfrac12\lVert\cdot\rVert^2 = \psi^*` is convex; :math:`\varphi` need not be).
Indeed :math:`J_y(x) = \tfrac12\lVert x - y\rVert^2 + \varphi(x)` satisfies
:math:`J_y(f(u)) - J_y(f(y)) = \psi(y) - \psi(u) - \langle\nabla\psi(u), y - u\rangle \ge 0`,
a Bregman divergence, which is where convexity enters. With
:math:`\psi \mapsto \psi + \tfrac\alpha2\lVert y\rVert^2` the map :math:`f` is injective and
:math:`y = f^{-1}(x)` minimises the strongly convex :math:`\psi(u) - \langle x, u\rangle`.

* :class:`ICNN` — an input-convex network (Amos et al. 2017) with softplus\ :sub:`β`
  activations, non-negative hidden-to-hidden and read-out weights, exact gradients
  (:math:`f`), Hessian-vector products and parameter gradients of :math:`\sum u\cdot f`
  by hand-written forward- and reverse-mode passes; batched Newton inversion and the
  implied prior :math:`\varphi`.
* :class:`MonotoneLPN1D` — a 1-D LPN :math:`f(y) = c + \alpha y + \sum_k a_k s_k\,
  \mathrm{softplus}_\beta(s_k(y - t_k))` (:math:`a_k = e^{\tilde a_k}`, :math:`s_k = \pm1`), the
  gradient of the convex :math:`\psi(y) = cy + \tfrac\alpha2 y^2 + \sum_k a_k\rho_\beta(s_k(y - t_k))`
  with :math:`\rho_\beta(u) = \int_{-\infty}^u \mathrm{softplus}_\beta = -\mathrm{Li}_2(-e^{\beta u})/\beta^2`
  (a one-hidden-layer ICNN with activation :math:`\rho_\beta`; the catalogue's building block,
  cheaper than the paper's 4-layer 1-D ICNN).
* Losses with their derivatives: squared, absolute and proximal matching
  :math:`\ell_\gamma(f, x) = 1 - \exp(-\lVert f - x\rVert^2/\gamma^2)` (the code's form).
* Laplace prior :math:`p(x) = e^{-|x|/b}/(2b)`, noise :math:`N(0, \sigma^2)`: MAP = soft
  threshold :math:`S_{\sigma^2/b}`, closed-form MMSE and posterior median.
* :func:`pnp_pgd` — :math:`x_{k+1} = f(x_k - \eta\nabla h(x_k))`.

Used by ``learning-theory/learned-proximal-networks``.

Examples
--------
>>> import numpy as np
>>> from theorylab import prox
>>> net = prox.ICNN(dim=2, widths=(8, 8), alpha=0.1)
>>> theta = net.init(rng=np.random.default_rng(0))
>>> Y = np.random.default_rng(1).normal(size=(5, 2))
>>> X = net.grad(theta, Y)                        # f(y), an exact prox
>>> bool(np.allclose(net.inverse(theta, X), Y))   # f is injective: the inner convex solve
True
>>> round(float(prox.laplace_mmse(1.0)), 6)
0.503223
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from . import _validate as V
from . import optim

__all__ = [
    "ICNN",
    "MonotoneLPN1D",
    "PnPResult",
    "blur_operator",
    "fit_lpn_1d",
    "laplace_map",
    "laplace_mmse",
    "laplace_posterior_cdf",
    "laplace_posterior_median",
    "laplace_pm_objective",
    "laplace_pm_optimum",
    "l1_loss",
    "pnp_pgd",
    "prox_matching_loss",
    "soft_threshold",
    "squared_loss",
]


# --------------------------------------------------------------------------- softplus
def _softplus(t, beta):
    return np.logaddexp(0.0, beta * t) / beta


def _sigmoid(t):
    return 0.5 * (1.0 + np.tanh(0.5 * t))


def _rho(u, beta):
    r""":math:`\int_{-\infty}^u \mathrm{softplus}_\beta = -\mathrm{Li}_2(-e^{\beta u})/\beta^2`, stable."""
    v = beta * np.asarray(u, dtype=float)
    out = np.empty_like(v)
    neg = v <= 0
    out[neg] = -special.spence(1.0 + np.exp(v[neg]))
    vp = v[~neg]
    out[~neg] = np.pi ** 2 / 6 + 0.5 * vp * vp + special.spence(1.0 + np.exp(-vp))
    return out / beta ** 2


# --------------------------------------------------------------------------- ICNN
@dataclass(frozen=True)
class ICNN:
    r"""Input-convex network :math:`\psi_\theta:\mathbb R^d \to \mathbb R` (Amos et al. 2017),
    the potential of a learned proximal network.

    .. math:: z_0 = \sigma(A_0 y + b_0),\quad z_k = \sigma(W_k z_{k-1} + A_k y + b_k)\ (k \ge 1),
              \quad \psi(y) = w^\top z_{L-1} + c^\top y + \tfrac\alpha2\lVert y\rVert^2 ,

    :math:`\sigma = \mathrm{softplus}_\beta` (convex, non-decreasing). With
    :math:`W_k \ge 0` and :math:`w \ge 0` elementwise (:meth:`project`), :math:`\psi` is convex
    and :math:`f = \nabla\psi` is the proximal operator of :math:`\varphi` (module docstring).
    The paper's networks add skip connections the same way (``lpn/networks``).

    ``theta`` is one flat vector: :math:`A_0, b_0, (W_1, A_1, b_1), \dots, w, c`, row-major.

    Parameters
    ----------
    dim : input dimension ``d``.
    widths : hidden widths :math:`(n_0, \dots, n_{L-1})`.
    beta : softplus sharpness (the paper's 1-D network uses 10).
    alpha : strong-convexity weight :math:`\alpha \ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> net = ICNN(dim=2, widths=(4,), alpha=1.0)
    >>> th = net.init(rng=np.random.default_rng(0))
    >>> Y = np.zeros((1, 2))
    >>> H = net.hessian(th, Y)[0]
    >>> bool(np.all(np.linalg.eigvalsh(H) >= 1.0 - 1e-12))        # convex + alpha I
    True
    """

    dim: int
    widths: tuple
    beta: float = 10.0
    alpha: float = 0.0
    _shapes: tuple = field(init=False, repr=False, compare=False)
    _offsets: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        d = V.count("dim", self.dim)
        if not isinstance(self.widths, (tuple, list)) or not self.widths:
            raise ValueError("widths must be a non-empty tuple of hidden widths")
        ws = tuple(V.count("widths", w) for w in self.widths)
        object.__setattr__(self, "widths", ws)
        object.__setattr__(self, "beta", V.positive_real("beta", self.beta))
        object.__setattr__(self, "alpha", V.nonneg_real("alpha", self.alpha))
        shapes = [("A0", (ws[0], d)), ("b0", (ws[0],))]
        for k in range(1, len(ws)):
            shapes += [(f"W{k}", (ws[k], ws[k - 1])), (f"A{k}", (ws[k], d)), (f"b{k}", (ws[k],))]
        shapes += [("w", (ws[-1],)), ("c", (d,))]
        offs, o = [0], 0
        for _, s in shapes:
            o += int(np.prod(s, dtype=object))
            offs.append(o)
        V.elements("the parameters set by dim and widths", o)
        object.__setattr__(self, "_shapes", tuple(shapes))
        object.__setattr__(self, "_offsets", tuple(offs))

    # ----------------------------------------------------------- layout --
    @property
    def n_params(self) -> int:
        """Length of ``theta``."""
        return self._offsets[-1]

    @property
    def n_layers(self) -> int:
        """Number of hidden layers ``L``."""
        return len(self.widths)

    def unpack(self, theta) -> dict[str, np.ndarray]:
        """``theta`` (P,) -> dict of the named blocks (views)."""
        th = self._theta(theta)
        return {nm: th[self._offsets[i]:self._offsets[i + 1]].reshape(s) for i, (nm, s) in enumerate(self._shapes)}

    def nonneg_mask(self) -> np.ndarray:
        """Boolean (P,): the entries that must be >= 0 for convexity (all :math:`W_k` and :math:`w`)."""
        m = np.zeros(self.n_params, dtype=bool)
        for i, (nm, _) in enumerate(self._shapes):
            if nm.startswith("W") or nm == "w":
                m[self._offsets[i]:self._offsets[i + 1]] = True
        return m

    def project(self, theta) -> np.ndarray:
        """``theta`` with the convexity-constrained entries clipped at 0 (as the paper's code does
        after every optimiser step)."""
        th = self._theta(theta).copy()
        m = self.nonneg_mask()
        th[m] = np.maximum(th[m], 0.0)
        return th

    def is_convex(self, theta) -> bool:
        """Whether every constrained entry of ``theta`` is >= 0."""
        return bool(np.all(self._theta(theta)[self.nonneg_mask()] >= 0))

    def init(self, *, rng: np.random.Generator, scale: float = 1.0, bias_scale: float = 0.5,
             convex: bool = True) -> np.ndarray:
        r"""Random parameters: :math:`A_k \sim N(0, \text{scale}^2/d)`, :math:`b_k \sim N(0,
        \text{bias\_scale}^2)`, :math:`W_k, w \sim |N(0, \text{scale}^2/n)|` (signed
        :math:`N(0, \text{scale}^2/n)` with ``convex=False``, the notebook's negative
        control), :math:`c = 0`."""
        V.generator("rng", rng)
        s = V.positive_real("scale", scale)
        bs = V.nonneg_real("bias_scale", bias_scale)
        convex = V.flag("convex", convex)
        parts = []
        for nm, shp in self._shapes:
            if nm.startswith("A"):
                parts.append(rng.normal(0.0, s / np.sqrt(self.dim), shp))
            elif nm.startswith("b"):
                parts.append(rng.normal(0.0, bs, shp))
            elif nm.startswith("W") or nm == "w":
                v = rng.normal(0.0, s / np.sqrt(shp[-1]), shp)
                parts.append(np.abs(v) if convex else v)
            else:
                parts.append(np.zeros(shp))
        return np.concatenate([p.ravel() for p in parts])

    def _theta(self, theta) -> np.ndarray:
        th = V.real_array("theta", theta, ndim=1)
        if th.size != self.n_params:
            raise ValueError(f"theta must have length {self.n_params}; got {th.size}")
        return th

    def _Y(self, Y, name: str = "Y") -> np.ndarray:
        return V.real_array(name, Y, ndim=2, last=self.dim)

    # ------------------------------------------------------------- core --
    def _acts(self, t):
        b = self.beta
        s = _sigmoid(b * t)
        return _softplus(t, b), s, b * s * (1.0 - s)

    def _forward(self, p, Y):
        hs, zs, d1s, d2s = [], [], [], []
        for k in range(self.n_layers):
            h = Y @ p[f"A{k}"].T + p[f"b{k}"]
            if k > 0:
                h = h + zs[-1] @ p[f"W{k}"].T
            z, d1, d2 = self._acts(h)
            hs.append(h)
            zs.append(z)
            d1s.append(d1)
            d2s.append(d2)
        return hs, zs, d1s, d2s

    def _psi_from(self, p, Y, zs):
        return zs[-1] @ p["w"] + Y @ p["c"] + 0.5 * self.alpha * np.sum(Y * Y, axis=-1)

    def _grad_from(self, p, Y, d1s):
        L = self.n_layers
        g = p["w"] * d1s[-1]
        out = g @ p[f"A{L - 1}"]
        for k in range(L - 1, 0, -1):
            g = (g @ p[f"W{k}"]) * d1s[k - 1]
            out = out + g @ p[f"A{k - 1}"]
        return out + p["c"] + self.alpha * Y

    def _tangent_reverse(self, p, Y, Vt, fwd, want_params: bool):
        """Reverse pass through the forward-mode tangent along ``Vt`` (n, d):
        returns (H(Y) Vt (n, d), dict of parameter adjoints of sum_n Vt_n . f(Y_n) or None)."""
        hs, zs, d1s, d2s = fwd
        L = self.n_layers
        # forward tangents
        hdots, zdots = [], []
        for k in range(L):
            hd = Vt @ p[f"A{k}"].T
            if k > 0:
                hd = hd + zdots[-1] @ p[f"W{k}"].T
            hdots.append(hd)
            zdots.append(d1s[k] * hd)
        grads = {} if want_params else None
        zdot_bar = np.broadcast_to(p["w"], zdots[-1].shape)
        z_bar = np.zeros_like(zs[-1])
        Ybar = self.alpha * Vt
        if want_params:
            grads["w"] = zdots[-1].sum(axis=0)
            grads["c"] = Vt.sum(axis=0)
        for k in range(L - 1, -1, -1):
            hdot_bar = d1s[k] * zdot_bar
            h_bar = d2s[k] * hdots[k] * zdot_bar + d1s[k] * z_bar
            Ybar = Ybar + h_bar @ p[f"A{k}"]
            if want_params:
                grads[f"A{k}"] = hdot_bar.T @ Vt + h_bar.T @ Y
                grads[f"b{k}"] = h_bar.sum(axis=0)
            if k > 0:
                W = p[f"W{k}"]
                if want_params:
                    grads[f"W{k}"] = hdot_bar.T @ zdots[k - 1] + h_bar.T @ zs[k - 1]
                zdot_bar = hdot_bar @ W
                z_bar = h_bar @ W
        return Ybar, grads

    def _pack(self, g: dict) -> np.ndarray:
        return np.concatenate([g[nm].ravel() for nm, _ in self._shapes])

    # ----------------------------------------------------------- public --
    def psi(self, theta, Y) -> np.ndarray:
        """The potential :math:`\\psi(y_i)`, ``Y`` (n, d) -> (n,)."""
        p = self.unpack(theta)
        Ya = self._Y(Y)
        _, zs, _, _ = self._forward(p, Ya)
        return self._psi_from(p, Ya, zs)

    def grad(self, theta, Y) -> np.ndarray:
        """The learned proximal operator :math:`f(y_i) = \\nabla\\psi(y_i)`, (n, d) -> (n, d)
        (one reverse pass)."""
        p = self.unpack(theta)
        Ya = self._Y(Y)
        _, _, d1s, _ = self._forward(p, Ya)
        return self._grad_from(p, Ya, d1s)

    def hvp(self, theta, Y, Vt) -> np.ndarray:
        """Hessian-vector products :math:`\\nabla^2\\psi(y_i)\\,v_i`, (n, d) -> (n, d)
        (forward-mode tangent, then its reverse pass)."""
        p = self.unpack(theta)
        Ya = self._Y(Y)
        Va = self._Y(Vt, "Vt")
        if Va.shape != Ya.shape:
            raise ValueError(f"Vt must have the shape of Y {Ya.shape}; got {Va.shape}")
        return self._tangent_reverse(p, Ya, Va, self._forward(p, Ya), False)[0]

    def hessian(self, theta, Y) -> np.ndarray:
        """Hessians :math:`\\nabla^2\\psi(y_i)`, (n, d) -> (n, d, d) (``d`` HVPs)."""
        p = self.unpack(theta)
        Ya = self._Y(Y)
        fwd = self._forward(p, Ya)
        cols = [self._tangent_reverse(p, Ya, np.broadcast_to(np.eye(self.dim)[j], Ya.shape), fwd, False)[0]
                for j in range(self.dim)]
        H = np.stack(cols, axis=-1)
        return 0.5 * (H + np.swapaxes(H, -1, -2))

    def grad_and_param_vjp(self, theta, Y, U) -> tuple[np.ndarray, np.ndarray]:
        r"""``(f(Y), g)`` with :math:`g = \nabla_\theta \sum_i u_i\cdot f(y_i;\theta)` (P,):
        the parameter gradient of a loss of the prox outputs when ``U`` (n, d) holds
        :math:`\partial\ell/\partial f`. Computed as the reverse pass of the directional
        derivative :math:`D_{u_i}\psi(y_i) = u_i\cdot f(y_i)` (no second-order tensors)."""
        p = self.unpack(theta)
        Ya = self._Y(Y)
        Ua = self._Y(U, "U")
        if Ua.shape != Ya.shape:
            raise ValueError(f"U must have the shape of Y {Ya.shape}; got {Ua.shape}")
        fwd = self._forward(p, Ya)
        _, g = self._tangent_reverse(p, Ya, Ua, fwd, True)
        return self._grad_from(p, Ya, fwd[2]), self._pack(g)

    def inverse(self, theta, X, *, u0=None, tol: float = 1e-13, max_iter: int = 60,
                return_status: bool = False):
        r"""Solve :math:`f(u_i) = x_i` for every row of ``X`` (n, d) by batched Newton with
        a backtracking line search on the residual norm (for convex :math:`\psi` this is
        Newton's method on :math:`\psi(u) - \langle x, u\rangle`). ``u0`` (n, d) is the
        starting point (default ``X``). Stops when :math:`\lVert f(u) - x\rVert_\infty \le`
        ``tol`` :math:`\cdot\max(1, \lVert x\rVert_\infty)`; ``RuntimeError`` if some row has
        not converged after ``max_iter`` iterations, unless ``return_status=True``, which
        returns ``(U, converged)`` with a boolean (n,) mask instead (for non-convex
        :math:`\psi`, where a preimage need not exist or be unique)."""
        p = self.unpack(theta)
        Xa = self._Y(X, "X")
        U = Xa.copy() if u0 is None else self._Y(u0, "u0").copy()
        if U.shape != Xa.shape:
            raise ValueError(f"u0 must have the shape of X {Xa.shape}; got {U.shape}")
        t = V.positive_real("tol", tol)
        n_it = V.count("max_iter", max_iter, high=10**6)
        return_status = V.flag("return_status", return_status)
        thr = t * np.maximum(1.0, np.abs(Xa).max(axis=1))
        active = np.arange(Xa.shape[0])
        R = self._grad_from(p, U, self._forward(p, U)[2]) - Xa
        for _ in range(n_it):
            res = np.abs(R[active]).max(axis=1)
            active = active[res > thr[active]]
            if active.size == 0:
                return (U, np.ones(Xa.shape[0], dtype=bool)) if return_status else U
            Ua, Ra = U[active], R[active]
            H = self.hessian(theta, Ua)
            try:
                step = -np.linalg.solve(H, Ra[..., None])[..., 0]
            except np.linalg.LinAlgError:
                step = -Ra
            r0 = np.sum(Ra * Ra, axis=1)
            lam = np.ones(active.size)
            todo = np.arange(active.size)
            newU, newR = Ua.copy(), Ra.copy()
            for _ in range(40):
                cand = Ua[todo] + lam[todo, None] * step[todo]
                Rc = self._grad_from(p, cand, self._forward(p, cand)[2]) - Xa[active[todo]]
                ok = np.sum(Rc * Rc, axis=1) < r0[todo] * (1 - 1e-4 * lam[todo]) + 1e-300
                newU[todo[ok]] = cand[ok]
                newR[todo[ok]] = Rc[ok]
                todo = todo[~ok]
                if todo.size == 0:
                    break
                lam[todo] *= 0.5
            U[active], R[active] = newU, newR
        res = np.abs(R[active]).max(axis=1)
        if return_status:
            conv = np.ones(Xa.shape[0], dtype=bool)
            conv[active[res > thr[active]]] = False
            return U, conv
        if np.any(res > thr[active]):
            raise RuntimeError(f"inverse: {int(np.sum(res > thr[active]))} rows did not converge in {n_it} "
                               f"Newton iterations (largest residual {res.max():.3g})")
        return U

    def prior(self, theta, X, *, u0=None, tol: float = 1e-13, max_iter: int = 60,
              return_status: bool = False):
        r"""The regulariser :math:`\varphi(x_i) = \langle x_i, u_i\rangle - \psi(u_i) -
        \tfrac12\lVert x_i\rVert^2` with :math:`u_i = f^{-1}(x_i)` (:meth:`inverse`), (n,);
        :math:`f = \operatorname{prox}_\varphi` when :math:`\psi` is convex. With
        ``return_status=True`` returns ``(phi, converged)`` (see :meth:`inverse`)."""
        Xa = self._Y(X, "X")
        return_status = V.flag("return_status", return_status)
        out = self.inverse(theta, Xa, u0=u0, tol=tol, max_iter=max_iter, return_status=return_status)
        U, conv = out if return_status else (out, None)
        phi = np.sum(Xa * U, axis=1) - self.psi(theta, U) - 0.5 * np.sum(Xa * Xa, axis=1)
        return (phi, conv) if return_status else phi


# --------------------------------------------------------------------------- 1-D LPN
@dataclass(frozen=True)
class MonotoneLPN1D:
    r"""A 1-D learned proximal network (module docstring):
    :math:`f(y) = c + \alpha y + \sum_{k=1}^K a_k s_k\,\mathrm{softplus}_\beta(s_k(y - t_k))`,
    :math:`a_k = e^{\tilde a_k}`, :math:`s_k = +1` for even ``k`` and :math:`-1` for odd
    ``k``. Every term is non-decreasing, :math:`f' = \alpha + \sum_k a_k\,
    \mathrm{sigmoid}(\beta s_k(y - t_k)) \ge \alpha`, so :math:`f = \psi'` for a convex
    :math:`\psi` (closed form with the dilogarithm) and :math:`f` is a proximal operator
    for every value of ``theta`` = :math:`(c, \tilde a_1..\tilde a_K, t_1..t_K)`.

    Examples
    --------
    >>> import numpy as np
    >>> net = MonotoneLPN1D(n_units=6, beta=5.0, alpha=1e-3)
    >>> th = net.init(rng=np.random.default_rng(0))
    >>> y = np.linspace(-3, 3, 7)
    >>> bool(np.all(np.diff(net.f(th, y)) > 0))
    True
    >>> bool(np.allclose(net.inverse(th, net.f(th, y)), y))
    True
    """

    n_units: int = 50
    beta: float = 10.0
    alpha: float = 1e-3

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_units", V.count("n_units", self.n_units, high=V.MAX_ELEMENTS // 2))
        object.__setattr__(self, "beta", V.positive_real("beta", self.beta))
        object.__setattr__(self, "alpha", V.nonneg_real("alpha", self.alpha))

    @property
    def n_params(self) -> int:
        """Length of ``theta``: ``1 + 2 K``."""
        return 1 + 2 * self.n_units

    @property
    def signs(self) -> np.ndarray:
        """The fixed slopes :math:`s_k = \\pm 1` (K,)."""
        return np.where(np.arange(self.n_units) % 2 == 0, 1.0, -1.0)

    def init(self, *, rng: np.random.Generator, span: float = 6.0, log_a: float = -3.0) -> np.ndarray:
        """Knots :math:`t_k` uniform on ``[-span, span]``, :math:`\\tilde a_k = ` ``log_a`` + 0.1 N(0, 1), c = 0."""
        V.generator("rng", rng)
        sp = V.positive_real("span", span)
        la = V.real("log_a", log_a)
        K = self.n_units
        return np.concatenate([[0.0], la + 0.1 * rng.standard_normal(K), rng.uniform(-sp, sp, K)])

    def _split(self, theta):
        th = V.real_array("theta", theta, ndim=1)
        if th.size != self.n_params:
            raise ValueError(f"theta must have length {self.n_params}; got {th.size}")
        K = self.n_units
        return th[0], np.exp(th[1:1 + K]), th[1 + K:]

    def _y(self, y, name="y"):
        return V.real_array(name, y)

    def f(self, theta, y) -> np.ndarray:
        """The prox :math:`f(y)`, any shape."""
        c, a, t = self._split(theta)
        ya = self._y(y)
        s = self.signs
        u = s * (ya[..., None] - t)
        return c + self.alpha * ya + np.sum(a * s * _softplus(u, self.beta), axis=-1)

    def df(self, theta, y) -> np.ndarray:
        """:math:`f'(y) = \\psi''(y) > 0`, any shape."""
        _, a, t = self._split(theta)
        ya = self._y(y)
        u = self.signs * (ya[..., None] - t)
        return self.alpha + np.sum(a * _sigmoid(self.beta * u), axis=-1)

    def psi(self, theta, y) -> np.ndarray:
        """The convex potential :math:`\\psi(y)` with :math:`\\psi' = f` (closed form, dilogarithm)."""
        c, a, t = self._split(theta)
        ya = self._y(y)
        u = self.signs * (ya[..., None] - t)
        return c * ya + 0.5 * self.alpha * ya * ya + np.sum(a * _rho(u, self.beta), axis=-1)

    def f_and_jacobian(self, theta, y) -> tuple[np.ndarray, np.ndarray]:
        r"""``(f(y), J)`` for ``y`` (n,): the prox values and the per-example parameter
        Jacobian :math:`J_{ij} = \partial f(y_i)/\partial\theta_j` (n, P), in one pass (one
        ``exp`` and one ``log1p`` per unit and example) — the training loop's workhorse:
        the gradient of a loss with :math:`\partial\ell/\partial f = u` is ``u @ J``."""
        c, a, t = self._split(theta)
        ya = V.real_array("y", y, ndim=1)
        s = self.signs
        z = self.beta * s * (ya[:, None] - t)
        e = np.exp(-np.abs(z))
        sp = (np.maximum(z, 0.0) + np.log1p(e)) / self.beta
        sg = np.where(z >= 0, 1.0, e) / (1.0 + e)
        J = np.empty((ya.size, self.n_params))
        J[:, 0] = 1.0
        J[:, 1:1 + self.n_units] = sp * (a * s)
        J[:, 1 + self.n_units:] = -sg * a
        return c + self.alpha * ya + J[:, 1:1 + self.n_units].sum(axis=1), J

    def param_vjp(self, theta, y, u) -> tuple[np.ndarray, np.ndarray]:
        r"""``(f(y), g)`` with :math:`g = \nabla_\theta\sum_i u_i f(y_i)` (P,) for ``y``, ``u`` (n,)."""
        c, a, t = self._split(theta)
        ya = self._y(y)
        ua = self._y(u, "u")
        if ua.shape != ya.shape:
            raise ValueError(f"u must have the shape of y {ya.shape}; got {ua.shape}")
        s = self.signs
        z = s * (ya.reshape(-1, 1) - t)
        sp = _softplus(z, self.beta)
        sg = _sigmoid(self.beta * z)
        uf = ua.reshape(-1, 1)
        f = c + self.alpha * ya.reshape(-1) + (sp * (a * s)).sum(axis=1)
        g = np.concatenate([[ua.sum()], (uf * sp).sum(axis=0) * a * s, -(uf * sg).sum(axis=0) * a])
        return f.reshape(ya.shape), g

    def inverse(self, theta, x, *, tol: float = 1e-13, max_iter: int = 200) -> np.ndarray:
        r""":math:`f^{-1}(x)` elementwise (any shape) by Newton's method safeguarded by
        bisection (``f`` is strictly increasing when :math:`\alpha > 0`; with
        :math:`\alpha = 0` the inverse is set-valued on flat stretches and ``ValueError``
        is raised for ``x`` outside the range)."""
        xa = self._y(x, "x")
        if self.alpha == 0:
            raise ValueError("inverse needs alpha > 0 (f must be strictly increasing)")
        t = V.positive_real("tol", tol)
        n_it = V.count("max_iter", max_iter, high=10**6)
        xf = xa.ravel()
        lo = np.full(xf.shape, -1.0)
        hi = np.full(xf.shape, 1.0)
        for _ in range(200):                      # bracket: f(lo) <= x <= f(hi)
            bad_lo = self.f(theta, lo) > xf
            bad_hi = self.f(theta, hi) < xf
            if not (bad_lo.any() or bad_hi.any()):
                break
            lo = np.where(bad_lo, 2 * lo - 1, lo)
            hi = np.where(bad_hi, 2 * hi + 1, hi)
        u = np.clip(xf, lo, hi)
        for _ in range(n_it):
            r = self.f(theta, u) - xf
            lo = np.where(r <= 0, u, lo)
            hi = np.where(r >= 0, u, hi)
            if np.all(np.abs(r) <= t * np.maximum(1.0, np.abs(xf))):
                return u.reshape(xa.shape)
            un = u - r / self.df(theta, u)
            bad = ~((un > lo) & (un < hi))
            u = np.where(bad, 0.5 * (lo + hi), un)
        r = self.f(theta, u) - xf
        if np.any(np.abs(r) > 1e3 * t * np.maximum(1.0, np.abs(xf))):
            raise RuntimeError(f"inverse did not converge (largest residual {np.abs(r).max():.3g})")
        return u.reshape(xa.shape)

    def prior(self, theta, x, **kw) -> np.ndarray:
        r""":math:`\varphi(x) = x u - \psi(u) - x^2/2`, :math:`u = f^{-1}(x)`: the function whose
        prox :math:`f` is; the learned regulariser (up to an additive constant)."""
        xa = self._y(x, "x")
        u = self.inverse(theta, xa, **kw)
        return xa * u - self.psi(theta, u) - 0.5 * xa * xa


# --------------------------------------------------------------------------- losses
def _pair(pred, target):
    p = V.real_array("pred", pred)
    t = V.real_array("target", target)
    if p.shape != t.shape:
        raise ValueError(f"pred {p.shape} and target {t.shape} must have the same shape")
    return p, t


def squared_loss(pred, target) -> tuple[float, np.ndarray]:
    r"""Mean squared error over the leading axis and its gradient: :math:`L = \frac1n\sum_i
    \lVert p_i - t_i\rVert^2`, :math:`\partial L/\partial p = 2(p - t)/n`. ``pred``,
    ``target`` (n,) or (n, d). Its population minimiser is :math:`E[x\mid y]` (MMSE)."""
    p, t = _pair(pred, target)
    n = p.shape[0]
    r = p - t
    return float(np.sum(r * r) / n), 2.0 * r / n


def l1_loss(pred, target) -> tuple[float, np.ndarray]:
    r"""Mean absolute error and a subgradient, :math:`\operatorname{sign}(p - t)/n`
    (1-D: minimised by the posterior median)."""
    p, t = _pair(pred, target)
    n = p.shape[0]
    return float(np.sum(np.abs(p - t)) / n), np.sign(p - t) / n


def prox_matching_loss(pred, target, gamma: float) -> tuple[float, np.ndarray]:
    r"""Proximal-matching loss (the paper's Eq. for :math:`\mathcal L_{PM}`, in the form of
    its code): :math:`L = \frac1n\sum_i 1 - \exp(-\lVert p_i - t_i\rVert^2/\gamma^2)` and
    :math:`\partial L/\partial p_i = \frac{2}{n\gamma^2}(p_i - t_i)\exp(-\lVert p_i - t_i\rVert^2/\gamma^2)`.
    As :math:`\gamma \to 0` its minimiser tends to the posterior mode (MAP).

    Examples
    --------
    >>> import numpy as np
    >>> L, g = prox_matching_loss(np.array([0.0, 10.0]), np.zeros(2), gamma=1.0)
    >>> round(L, 6), np.round(g, 12).tolist()         # a far-off point has no gradient
    (0.5, [0.0, 0.0])
    """
    p, t = _pair(pred, target)
    gm = V.positive_real("gamma", gamma)
    n = p.shape[0]
    r = p - t
    q = (r * r) if r.ndim == 1 else np.sum(r * r, axis=tuple(range(1, r.ndim)), keepdims=True)
    e = np.exp(-q / gm ** 2)
    return float(np.sum(1.0 - e) / n), 2.0 * r * e / (n * gm ** 2)


_LOSSES = {"squared": squared_loss, "l1": l1_loss}


def fit_lpn_1d(net: "MonotoneLPN1D", theta, *, loss: str, sample: Callable, n_steps: int, batch: int,
               rng: np.random.Generator, lr: float, lr_final: float | None = None,
               gamma: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Train a :class:`MonotoneLPN1D` denoiser with Adam (:mod:`theorylab.optim`) on fresh
    pairs ``(x, y) = sample(batch, rng)`` at every step, minimising ``loss`` =
    ``"squared"``, ``"l1"`` or ``"prox_matching"`` (with ``gamma``) of :math:`f(y)` against
    :math:`x`. The step size decays geometrically from ``lr`` to ``lr_final`` (default: constant).
    Returns the final parameters and the loss of every step (n_steps,). Every iterate is an
    exact proximal operator (the parameterisation is monotone for every ``theta``)."""
    if not isinstance(net, MonotoneLPN1D):
        raise TypeError("net must be a MonotoneLPN1D")
    if not callable(sample):
        raise TypeError("sample must be a callable (n, rng) -> (x, y)")
    V.choice("loss", loss, ("squared", "l1", "prox_matching"))
    if loss == "prox_matching":
        if gamma is None:
            raise ValueError("loss='prox_matching' needs gamma")
        g = V.positive_real("gamma", gamma)
        lossfn = lambda f, x: prox_matching_loss(f, x, g)
    else:
        lossfn = _LOSSES[loss]
    T = V.count("n_steps", n_steps)
    n = V.count("batch", batch)
    V.elements("n_steps", T)
    V.elements("batch * n_params", (n, net.n_params))
    V.generator("rng", rng)
    lr0 = V.positive_real("lr", lr)
    lr1 = lr0 if lr_final is None else V.positive_real("lr_final", lr_final)
    th = V.real_array("theta", theta, ndim=1).copy()
    st = optim.adam_init(th)
    hist = np.empty(T)
    for k in range(T):
        x, y = sample(n, rng)
        f, J = net.f_and_jacobian(th, np.asarray(y, dtype=float))
        hist[k], u = lossfn(f, np.asarray(x, dtype=float))
        th, st = optim.adam_step(th, u @ J, st, lr=lr0 * (lr1 / lr0) ** (k / max(T - 1, 1)))
    return th, hist


# --------------------------------------------------------------------------- Laplace
def _lap_args(y, b, sigma):
    return V.real_array("y", y), V.positive_real("b", b), V.positive_real("sigma", sigma)


def soft_threshold(y, lam: float) -> np.ndarray:
    r""":math:`S_\lambda(y) = \operatorname{sign}(y)\max(|y| - \lambda, 0)`, the prox of
    :math:`\lambda|\cdot|`."""
    ya = V.real_array("y", y)
    la = V.nonneg_real("lam", lam)
    return np.sign(ya) * np.maximum(np.abs(ya) - la, 0.0)


def laplace_map(y, b: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""MAP denoiser for a Laplace(0, b) prior and :math:`N(0,\sigma^2)` noise:
    :math:`S_{\sigma^2/b}(y) = \operatorname{prox}_{-\sigma^2\log p}(y)`."""
    ya, bb, s = _lap_args(y, b, sigma)
    return soft_threshold(ya, s * s / bb)


def _lap_parts(ya, bb, s):
    mp, mm = ya - s * s / bb, ya + s * s / bb
    lwp = -ya / bb + special.log_ndtr(mp / s)
    lwm = ya / bb + special.log_ndtr(-mm / s)
    p_plus = _sigmoid(lwp - lwm)
    return mp, mm, p_plus


def _broadcast(name: str, a: np.ndarray, ya: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    try:
        shape = np.broadcast_shapes(a.shape, ya.shape)
    except ValueError:
        raise ValueError(f"{name} {a.shape} and y {ya.shape} must broadcast to one shape") from None
    V.elements(f"the broadcast of {name} and y", shape)
    return np.broadcast_arrays(a, ya)


def laplace_mmse(y, b: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""Posterior mean :math:`E[x\mid y]` for :math:`x \sim` Laplace(0, b),
    :math:`y = x + \sigma v`, in closed form: with :math:`\mu_\pm = y \mp \sigma^2/b`, weights
    :math:`w_+ = e^{-y/b}\Phi(\mu_+/\sigma)`, :math:`w_- = e^{y/b}\Phi(-\mu_-/\sigma)` and
    truncated-normal means :math:`m_+ = \mu_+ + \sigma\phi(\mu_+/\sigma)/\Phi(\mu_+/\sigma)`,
    :math:`m_- = \mu_- - \sigma\phi(\mu_-/\sigma)/\Phi(-\mu_-/\sigma)`,
    :math:`E[x\mid y] = (w_+m_+ + w_-m_-)/(w_+ + w_-)` (computed in log space).

    Examples
    --------
    >>> [round(float(v), 6) for v in laplace_mmse([0.5, 2.0, 4.0, -0.3])]
    [0.241019, 1.161089, 3.00171, -0.143236]
    """
    ya, bb, s = _lap_args(y, b, sigma)
    mp, mm, pp = _lap_parts(ya, bb, s)
    logphi = lambda z: -0.5 * z * z - 0.5 * np.log(2 * np.pi)
    m_plus = mp + s * np.exp(logphi(mp / s) - special.log_ndtr(mp / s))
    m_minus = mm - s * np.exp(logphi(mm / s) - special.log_ndtr(-mm / s))
    return pp * m_plus + (1.0 - pp) * m_minus


def laplace_posterior_cdf(x, y, b: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""Posterior CDF :math:`P(X \le x\mid y)` (``x``, ``y`` broadcast): a two-piece
    truncated normal, :math:`(1-p_+)\,\Phi((x - \mu_-)/\sigma)/\Phi(-\mu_-/\sigma)` for
    :math:`x < 0` and :math:`1 - p_+\Phi((\mu_+ - x)/\sigma)/\Phi(\mu_+/\sigma)` for
    :math:`x \ge 0`, :math:`p_+ = w_+/(w_+ + w_-)`."""
    xa = V.real_array("x", x)
    ya, bb, s = _lap_args(y, b, sigma)
    xa, ya = _broadcast("x", xa, ya)
    mp, mm, pp = _lap_parts(ya, bb, s)
    left = (1 - pp) * np.exp(special.log_ndtr((np.minimum(xa, 0) - mm) / s) - special.log_ndtr(-mm / s))
    right = 1 - pp * np.exp(special.log_ndtr((mp - np.maximum(xa, 0)) / s) - special.log_ndtr(mp / s))
    return np.where(xa < 0, left, right)


def laplace_posterior_median(y, b: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""Posterior median, in closed form by inverting :func:`laplace_posterior_cdf` on the
    branch that holds 1/2: :math:`\mu_- + \sigma\Phi^{-1}\big(\Phi(-\mu_-/\sigma)/(2(1-p_+))\big)`
    if :math:`p_+ \le 1/2`, else :math:`\mu_+ - \sigma\Phi^{-1}\big(\Phi(\mu_+/\sigma)/(2p_+)\big)`.

    Examples
    --------
    >>> [round(float(v), 4) for v in laplace_posterior_median([0.5, 1.0, 2.0, 3.0])]
    [0.1901, 0.4288, 1.1067, 2.0125]
    """
    ya, bb, s = _lap_args(y, b, sigma)
    mp, mm, pp = _lap_parts(ya, bb, s)
    with np.errstate(divide="ignore", invalid="ignore"):
        neg = mm + s * special.ndtri(np.exp(special.log_ndtr(-mm / s)) / (2 * (1 - pp)))
        pos = mp - s * special.ndtri(np.exp(special.log_ndtr(mp / s)) / (2 * pp))
    return np.where(pp <= 0.5, neg, pos)


def laplace_pm_objective(f, y, gamma: float, b: float = 1.0, sigma: float = 1.0) -> np.ndarray:
    r"""The population proximal-matching gain :math:`G_\gamma(f; y) = E[\exp(-(f - x)^2/\gamma^2)\mid y]`
    for the Laplace posterior, in closed form (``f``, ``y`` broadcast): the posterior is a
    two-piece truncated normal, and each piece times the Gaussian kernel
    :math:`\exp(-(x - f)^2/\gamma^2) = \sqrt\pi\gamma\,N(x; f, \gamma^2/2)` integrates to
    :math:`\sqrt\pi\gamma\,N(\mu; f, \sigma^2 + \gamma^2/2)\,\Phi(\pm m/\sqrt v)` with
    :math:`v = \sigma^2\gamma^2/(2\sigma^2 + \gamma^2)`, :math:`m = (\mu\gamma^2/2 + f\sigma^2)/(\sigma^2 + \gamma^2/2)`.
    Minimising the expected loss :math:`1 - G` over ``f`` is maximising ``G``."""
    fa = V.real_array("f", f)
    ya, bb, s = _lap_args(y, b, sigma)
    g = V.positive_real("gamma", gamma)
    fa, ya = _broadcast("f", fa, ya)
    mp, mm, pp = _lap_parts(ya, bb, s)
    s2, k2 = s * s, g * g / 2
    tot = s2 + k2
    sd_v = np.sqrt(s2 * k2 / tot)
    out = 0.0
    for mu, w, sign in ((mp, pp, 1.0), (mm, 1.0 - pp, -1.0)):
        m = (mu * k2 + fa * s2) / tot
        dens = np.exp(-0.5 * (mu - fa) ** 2 / tot) / np.sqrt(2 * np.pi * tot)
        trunc = np.exp(special.log_ndtr(sign * m / sd_v) - special.log_ndtr(sign * mu / s))
        out = out + w * dens * trunc
    return np.sqrt(np.pi) * g * out


def laplace_pm_optimum(y, gamma: float, b: float = 1.0, sigma: float = 1.0, *, n_grid: int = 4001) -> np.ndarray:
    r"""The population minimiser of the proximal-matching loss,
    :math:`f^*_\gamma(y) = \arg\max_f G_\gamma(f; y)` (:func:`laplace_pm_objective`), for ``y``
    (n,): a grid of ``n_grid`` points over :math:`[\min(0, y) - 1, \max(0, y) + 1]` (the
    posterior mode lies between 0 and y) refined by a parabola through the best grid point and
    its neighbours. As :math:`\gamma \to 0` it tends to the MAP :math:`S_{\sigma^2/b}(y)` (the
    paper's proximal-matching theorem, [inferred numbering])."""
    ya = V.real_array("y", y, ndim=1)
    n = V.count("n_grid", n_grid, low=5)
    V.elements("y.size * n_grid", (ya.size, n))
    lo, hi = np.minimum(0.0, ya) - 1.0, np.maximum(0.0, ya) + 1.0
    u = np.linspace(0.0, 1.0, n)
    F = lo[:, None] + (hi - lo)[:, None] * u[None, :]
    G = laplace_pm_objective(F, ya[:, None], gamma, b, sigma)
    k = np.clip(G.argmax(axis=1), 1, n - 2)
    r = np.arange(ya.size)
    g0, g1, g2 = G[r, k - 1], G[r, k], G[r, k + 1]
    den = g0 - 2 * g1 + g2
    off = np.where(den < 0, 0.5 * (g0 - g2) / np.where(den < 0, den, -1.0), 0.0)
    h = (hi - lo) / (n - 1)
    return F[r, k] + np.clip(off, -1, 1) * h


# --------------------------------------------------------------------------- PnP
def blur_operator(n: int, width: float) -> np.ndarray:
    r"""1-D Gaussian blur with zero boundary, :math:`A_{ij} \propto e^{-(i-j)^2/(2w^2)}`,
    rescaled so that :math:`\lVert A\rVert_2 = 1` (n, n)."""
    m = V.count("n", n)
    V.elements("n * n", (m, m))
    w = V.positive_real("width", width)
    i = np.arange(m)
    A = np.exp(-0.5 * ((i[:, None] - i[None, :]) / w) ** 2)
    return A / np.linalg.norm(A, 2)


@dataclass(frozen=True)
class PnPResult:
    """Iterates ``x`` (n_iter + 1, n), the objective after each iterate ``objective``
    (n_iter + 1,) (if an objective was given) and the step norms ``steps`` (n_iter,)."""

    x: np.ndarray
    objective: np.ndarray | None
    steps: np.ndarray


def pnp_pgd(prox: Callable, grad_h: Callable, x0, *, step: float, n_iter: int,
            objective: Callable | None = None) -> PnPResult:
    r"""Plug-and-play proximal gradient :math:`x_{k+1} = \mathrm{prox}(x_k - \eta\nabla h(x_k))`.

    With ``prox`` :math:`= \operatorname{prox}_{\varphi}` exactly (an LPN), this is proximal
    gradient descent on :math:`h + \varphi/\eta`; for :math:`\eta\,\mathrm{Lip}(\nabla h) \le 1`
    that objective is non-increasing (the paper's PnP-PGD guarantee, [inferred] statement).
    ``objective(x)`` is evaluated after every iterate if given.
    """
    if not (callable(prox) and callable(grad_h)):
        raise TypeError("prox and grad_h must be callables x -> array")
    if objective is not None and not callable(objective):
        raise TypeError("objective must be a callable x -> float or None")
    x = V.real_array("x0", x0, ndim=1).copy()
    eta = V.positive_real("step", step)
    T = V.count("n_iter", n_iter, low=0)
    V.elements("(n_iter + 1) * x0.size", (T + 1, x.size))
    xs, objs, steps = [x.copy()], [], []
    if objective is not None:
        objs.append(float(objective(x)))
    for _ in range(T):
        xn = np.asarray(prox(x - eta * np.asarray(grad_h(x))), dtype=float)
        steps.append(float(np.linalg.norm(xn - x)))
        x = xn
        xs.append(x.copy())
        if objective is not None:
            objs.append(float(objective(x)))
    return PnPResult(np.stack(xs), np.array(objs) if objective is not None else None, np.array(steps))

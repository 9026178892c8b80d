r"""A small predictive-coding variational RNN (PV-RNN; Ahmadi & Tani 2019, Neural
Computation 31(11)) with hand-written backpropagation through time, Gaussian KL terms, the
meta-prior weight :math:`w`, prior-only generation and error regression.

**Model** (one layer; ``R`` independent runs, ``N`` sequences of length ``T``). A deterministic
leaky-integrator (MTRNN) state and a stochastic latent per step, :math:`t = 1, \dots, T`:

.. math::
   p(z_t \mid d_{t-1}) &= N(\mu^p_t, \sigma^{p\,2}_t),\quad
       \mu^p_t = \tanh(W_\mu d_{t-1} + b_\mu),\ \sigma^p_t = \exp(W_\sigma d_{t-1} + b_\sigma),
       \quad (t = 1:\ \mu^p = 0,\ \sigma^p = 1)\\
   q(z_t) &= N(\mu^q_t, \sigma^{q\,2}_t),\quad \mu^q_t = \tanh(A^\mu_t),\ \sigma^q_t = \exp(A^\sigma_t),\\
   h_t &= (1 - 1/\tau)\,h_{t-1} + (W_{dd} d_{t-1} + W_{dz} z_t + b)/\tau,\qquad d_t = \tanh(h_t),\\
   \hat x_t &= \tanh(W_o d_t + b_o),

with :math:`h_0 = d_0 = 0`. The posterior is parameterised by free *adaptive vectors*
:math:`A_t = (A^\mu_t, A^\sigma_t)`, one per training sequence and step, not by an encoder of
the data: information about :math:`x` reaches :math:`A` only through back-propagated prediction
errors. Log-standard deviations are clipped to ``[LOG_SIG_MIN, LOG_SIG_MAX]``.

**Objective** (negative ELBO with the meta-prior :math:`w` on the KL term, per run, averaged
over sequences; :math:`z_t = \mu^q_t + \sigma^q_t\varepsilon_t` by reparameterisation):

.. math:: L = \frac1N\sum_{n}\sum_{t}\Big(\lVert x_t - \hat x_t\rVert^2
          + w\,\mathrm{KL}\big(q(z_t)\,\Vert\,p(z_t\mid d_{t-1})\big)\Big),\qquad
          \mathrm{KL} = \sum_i \Big[\log\frac{\sigma^p_i}{\sigma^q_i}
          + \frac{\sigma^{q\,2}_i + (\mu^q_i - \mu^p_i)^2}{2\sigma^{p\,2}_i} - \frac12\Big].

Gradients with respect to the weights and to :math:`A` are computed by BPTT (formulas in
:meth:`PVRNN.loss_and_grad`) and checked against :mod:`theorylab.numdiff` in the tests. The
forward pass is complex-step safe away from the clip bounds.

**Error regression** (the paper's test-time inference): with the weights frozen, the adaptive
vectors of a window of recent observations are optimised (Adam) on the same objective, and the
model then predicts forward from the prior; windows slide along the sequence, each starting
from the state the previous window's posterior reached.

The form of the prior and posterior (``tanh``/``exp`` of linear maps, a unit-Gaussian prior at
the first step, KL weighted by :math:`w`) follows the paper's description as recalled in the
catalogue and a later PV-RNN implementation from the authors' lab; the exact normalisation of
the two terms in the paper is not confirmed (see the notebook).

Used by ``mechanisms/pv-rnn-meta-prior``.

Examples
--------
>>> import numpy as np
>>> from theorylab.nets.vrnn import PVRNN
>>> net = PVRNN(x_dim=2, d_dim=5, z_dim=2, tau=2.0)
>>> rng = np.random.default_rng(0)
>>> theta = net.init(n_runs=3, rng=rng)
>>> X = rng.normal(size=(4, 10, 2)) * 0.5               # 4 sequences of length 10
>>> A = np.zeros((3, 4, 10, 4))
>>> out = net.forward(theta, A, X, eps=np.zeros((3, 4, 10, 2)), w=np.array([0.1, 1.0, 10.0]))
>>> out["loss"].shape, out["kl"].shape
((3,), (3,))
>>> bool(np.all(out["kl"] >= 0))
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import _validate as V

__all__ = ["LOG_SIG_MAX", "LOG_SIG_MIN", "PVRNN", "gaussian_kl", "switching_sinusoids"]

LOG_SIG_MIN, LOG_SIG_MAX = -8.0, 3.0


def _clip(a, lo=LOG_SIG_MIN, hi=LOG_SIG_MAX):
    """Clip by the real part (complex-step safe inside the bounds)."""
    return np.where(a.real > hi, hi, np.where(a.real < lo, lo, a))


def _inside(a, lo=LOG_SIG_MIN, hi=LOG_SIG_MAX):
    return ((a.real > lo) & (a.real < hi)).astype(float)


def _meta_prior(w, R: int) -> np.ndarray:
    """``w`` (a scalar or one meta-prior per run) as an (R,) array of values >= 0."""
    ww = V.array("w", w, ndim=(0, 1), low=0.0)
    if ww.ndim == 1 and ww.size not in (1, R):
        raise ValueError(f"w must be a scalar or hold one meta-prior per run ({R}); got shape {ww.shape}")
    return np.broadcast_to(ww.reshape(-1) if ww.ndim else ww, (R,)).astype(float)


def gaussian_kl(mu_q, log_sig_q, mu_p, log_sig_p) -> np.ndarray:
    r"""Closed-form :math:`\mathrm{KL}(N(\mu_q, \sigma_q^2) \Vert N(\mu_p, \sigma_p^2))` summed
    over the last axis (diagonal Gaussians), broadcasting over the leading axes.

    Examples
    --------
    >>> float(gaussian_kl(np.array([1.0]), np.array([0.0]), np.array([0.0]), np.array([0.0])))
    0.5
    """
    names = ("mu_q", "log_sig_q", "mu_p", "log_sig_p")
    mq, lq, mp, lp = (V.array(nm, a, nonempty=True, ndim=(1, 2, 3, 4, 5))
                      for nm, a in zip(names, (mu_q, log_sig_q, mu_p, log_sig_p)))
    try:
        np.broadcast_shapes(mq.shape, lq.shape, mp.shape, lp.shape)
    except ValueError:
        raise ValueError(f"mu_q, log_sig_q, mu_p, log_sig_p must broadcast; got shapes "
                         f"{mq.shape}, {lq.shape}, {mp.shape}, {lp.shape}") from None
    if max(np.abs(lq).max(), np.abs(lp).max()) > 300:
        raise ValueError("log_sig_q and log_sig_p must lie in [-300, 300] (exp would overflow)")
    return np.sum(lp - lq + (np.exp(2 * lq) + (mq - mp) ** 2) / (2 * np.exp(2 * lp)) - 0.5, axis=-1)


@dataclass(frozen=True)
class PVRNN:
    r"""Architecture of a one-layer PV-RNN (see the module docstring).

    Parameters
    ----------
    x_dim, d_dim, z_dim : positive ints (observation, deterministic and latent sizes).
    tau : time constant :math:`\tau \ge 1` of the leaky integrator.

    Notes
    -----
    ``theta`` (R, P) holds, per run, :math:`[W_{dd}, W_{dz}, b, W_p, b_p, W_o, b_o]` flattened
    row-major, with :math:`W_p = [W_\mu; W_\sigma]` (2Z, D). Adaptive vectors ``A`` have shape
    (R, N, T, 2Z): :math:`A^\mu` in the first Z entries, :math:`A^\sigma` in the last Z.
    """

    x_dim: int
    d_dim: int
    z_dim: int
    tau: float = 2.0

    def __post_init__(self) -> None:
        for name in ("x_dim", "d_dim", "z_dim"):
            object.__setattr__(self, name, V.positive_int(name, getattr(self, name)))
        t = V.positive_real("tau", self.tau)
        if t < 1:
            raise ValueError(f"tau must be >= 1; got {t}")
        object.__setattr__(self, "tau", t)

    # ------------------------------------------------------------ layout --
    @property
    def _shapes(self):
        D, Z, X = self.d_dim, self.z_dim, self.x_dim
        return [("Wdd", (D, D)), ("Wdz", (D, Z)), ("b", (D,)), ("Wp", (2 * Z, D)), ("bp", (2 * Z,)),
                ("Wo", (X, D)), ("bo", (X,))]

    @property
    def n_params(self) -> int:
        return int(sum(np.prod(s) for _, s in self._shapes))

    def unpack(self, theta) -> dict[str, np.ndarray]:
        """``theta`` (R, P) -> dict of (R, ...) views named as in the Notes."""
        th = V.real_array("theta", theta, ndim=2, last=self.n_params, allow_complex=True)
        out, o = {}, 0
        for name, s in self._shapes:
            k = int(np.prod(s))
            out[name] = th[:, o:o + k].reshape((th.shape[0],) + s)
            o += k
        return out

    def pack(self, parts: dict) -> np.ndarray:
        R = np.shape(parts["Wdd"])[0]
        return np.concatenate([np.reshape(parts[n], (R, -1)) for n, _ in self._shapes], axis=1)

    def init(self, *, n_runs: int, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        r"""Random ``theta`` (R, P): weights :math:`N(0, \text{scale}^2/\text{fan-in})`, biases 0,
        except :math:`b_\sigma = -1` (initial prior spread :math:`e^{-1}`)."""
        V.generator("rng", rng)
        R = V.positive_int("n_runs", n_runs)
        s = V.positive_real("scale", scale)
        parts = {}
        for name, shp in self._shapes:
            if len(shp) == 2:
                parts[name] = rng.normal(0.0, s / np.sqrt(shp[1]), size=(R,) + shp)
            else:
                parts[name] = np.zeros((R,) + shp)
        parts["bp"][:, self.z_dim:] = -1.0
        return self.pack(parts)

    # --------------------------------------------------------- validation --
    def _check(self, theta, A, X, eps, w, h0, d0, unit_first):
        P = self.unpack(theta)
        R = P["Wdd"].shape[0]
        x = V.real_array("X", X, ndim=(3, 4), last=self.x_dim)
        if x.ndim == 3:
            x = np.broadcast_to(x, (R,) + x.shape)
        if x.shape[0] != R:
            raise ValueError(f"X must be (N, T, x_dim) or ({R}, N, T, x_dim)")
        N, T = x.shape[1], x.shape[2]
        a = V.real_array("A", A, ndim=4, allow_complex=True)
        if a.shape != (R, N, T, 2 * self.z_dim):
            raise ValueError(f"A must have shape {(R, N, T, 2 * self.z_dim)}; got {a.shape}")
        e = V.real_array("eps", eps, ndim=4)
        if e.shape != (R, N, T, self.z_dim):
            raise ValueError(f"eps must have shape {(R, N, T, self.z_dim)}; got {e.shape}")
        ww = _meta_prior(w, R)
        D = self.d_dim
        h = np.zeros((R, N, D)) if h0 is None else V.real_array("h0", h0, ndim=3, allow_complex=True)
        if h.shape != (R, N, D):
            raise ValueError(f"h0 must have shape {(R, N, D)}")
        d = np.tanh(h) if d0 is None else V.real_array("d0", d0, ndim=3, allow_complex=True)
        if not isinstance(unit_first, (bool, np.bool_)):
            raise TypeError("unit_first must be a bool")
        return P, a, x, e, ww, h, d

    # ------------------------------------------------------------ forward --
    def _forward(self, P, A, X, eps, w, h0, d0, unit_first):
        # only the state recursion h_t <- h_{t-1} is a loop over time; everything else is
        # vectorised over (runs, sequences, steps)
        R, N, T, _ = X.shape
        Z, tau = self.z_dim, self.tau
        keep = 1.0 - 1.0 / tau
        mu_q = np.tanh(A[..., :Z])
        lsq = _clip(A[..., Z:])
        sq = np.exp(lsq)
        z = mu_q + sq * eps                                               # (R, N, T, Z)
        zin = z @ np.swapaxes(P["Wdz"], 1, 2)[:, None] + P["b"][:, None, None, :]
        WddT = np.swapaxes(P["Wdd"], 1, 2)
        Ds = []
        h, d = h0, d0
        for t in range(T):
            h = keep * h + (d @ WddT + zin[:, :, t]) / tau
            d = np.tanh(h)
            Ds.append(d)
        Dst = np.stack(Ds, axis=2)                                        # d_1..d_T
        Dprev = np.concatenate([d0[:, :, None], Dst[:, :, :-1]], axis=2)  # d_0..d_{T-1}
        Y = np.tanh(Dst @ np.swapaxes(P["Wo"], 1, 2)[:, None] + P["bo"][:, None, None, :])
        AP = Dprev @ np.swapaxes(P["Wp"], 1, 2)[:, None] + P["bp"][:, None, None, :]
        first = np.zeros((1, 1, T, 1), bool)
        first[0, 0, 0, 0] = unit_first
        mu_p = np.where(first, 0.0, np.tanh(AP[..., :Z]))
        lsp = np.where(first, 0.0, _clip(AP[..., Z:]))
        sp2 = np.exp(2 * lsp)
        u = mu_q - mu_p
        rec = np.sum((X - Y) ** 2, axis=(2, 3)).mean(axis=1)
        kl = np.sum(lsp - lsq + (sq * sq + u * u) / (2 * sp2) - 0.5, axis=(2, 3)).mean(axis=1)
        cache = dict(mu_q=mu_q, lsq=lsq, sq=sq, z=z, Dst=Dst, Dprev=Dprev, Y=Y, AP=AP, mu_p=mu_p, lsp=lsp,
                     sp2=sp2, u=u, first=first)
        return rec, kl, cache, h, d

    def forward(self, theta, A, X, *, eps, w, h0=None, d0=None, unit_first: bool = True) -> dict:
        r"""Posterior pass. ``X`` (N, T, x_dim) shared by the runs or (R, N, T, x_dim); ``A``
        (R, N, T, 2Z); ``eps`` (R, N, T, Z) standard-normal draws (zeros: the posterior means);
        ``w`` scalar or (R,). ``h0`` (R, N, D) an initial state (default 0, ``d0 = tanh(h0)``);
        ``unit_first``: unit-Gaussian prior at the first step (``False`` when a window starts
        mid-sequence, the prior then comes from ``d0``).

        Returns ``loss``, ``rec``, ``kl`` (R,), the trajectories ``y`` (R, N, T, x_dim), ``d``
        (R, N, T, D), ``mu_p``, ``sigma_p``, ``mu_q``, ``sigma_q`` (R, N, T, Z) and the final
        ``h``, ``d_last``.
        """
        P, a, x, e, ww, h, d = self._check(theta, A, X, eps, w, h0, d0, unit_first)
        rec, kl, c, hT, dT = self._forward(P, a, x, e, ww, h, d, unit_first)
        return {"loss": rec + ww * kl, "rec": rec, "kl": kl, "y": c["Y"], "d": c["Dst"], "mu_p": c["mu_p"],
                "sigma_p": np.exp(c["lsp"]), "mu_q": c["mu_q"], "sigma_q": c["sq"], "h": hT, "d_last": dT}

    def loss(self, theta, A, X, *, eps, w, h0=None, d0=None, unit_first: bool = True) -> np.ndarray:
        """The objective ``rec + w kl`` per run (R,) (complex-step safe)."""
        P, a, x, e, ww, h, d = self._check(theta, A, X, eps, w, h0, d0, unit_first)
        rec, kl, _, _, _ = self._forward(P, a, x, e, ww, h, d, unit_first)
        return rec + ww * kl

    def loss_and_grad(self, theta, A, X, *, eps, w, h0=None, d0=None, unit_first: bool = True):
        r"""The objective per run (R,), its gradient with respect to ``theta`` (R, P) and to
        ``A`` (R, N, T, 2Z), by backpropagation through time.

        With :math:`u = \mu^q - \mu^p` and :math:`s = \sigma^{p\,2}` the KL derivatives are
        :math:`\partial_{\mu^q} = u/s = -\partial_{\mu^p}`,
        :math:`\partial_{\log\sigma^q} = \sigma^{q\,2}/s - 1`,
        :math:`\partial_{\log\sigma^p} = 1 - (\sigma^{q\,2} + u^2)/s`; the latent enters through
        :math:`\partial z/\partial\mu^q = 1`, :math:`\partial z/\partial\log\sigma^q = \sigma^q\varepsilon`;
        the state gradient carries :math:`\partial L/\partial h_{t-1} \mathrel{+}= (1 - 1/\tau)\,
        \partial L/\partial h_t` and :math:`\partial L/\partial d_{t-1} \mathrel{+}=
        W_{dd}^\top \partial L/\partial h_t/\tau + W_p^\top \partial L/\partial a^p_t`.
        """
        P, a, x, e, ww, h, d = self._check(theta, A, X, eps, w, h0, d0, unit_first)
        rec, kl, c, _, _ = self._forward(P, a, x, e, ww, h, d, unit_first)
        R, N, T, _ = x.shape
        Z, tau, D = self.z_dim, self.tau, self.d_dim
        keep = 1.0 - 1.0 / tau
        flat = lambda M: M.reshape(R, N * T, M.shape[-1])
        outer = lambda G_, M: np.swapaxes(flat(G_), 1, 2) @ flat(M)        # sum over n, t of G^T M
        G = {}
        Y, Dst, Dprev = c["Y"], c["Dst"], c["Dprev"]
        dpo = 2.0 * (Y - x) / N * (1.0 - Y * Y)                            # (R, N, T, X)
        G["Wo"] = outer(dpo, Dst)
        G["bo"] = dpo.sum(axis=(1, 2))
        wN = (ww / N)[:, None, None, None]
        u, sp2, sq, mu_q, mu_p = c["u"], c["sp2"], c["sq"], c["mu_q"], c["mu_p"]
        k_muq = wN * u / sp2
        k_lsq = wN * (sq * sq / sp2 - 1.0)
        k_lsp = wN * (1.0 - (sq * sq + u * u) / sp2)
        live = ~c["first"]
        gap = np.concatenate([np.where(live, -k_muq * (1.0 - mu_p * mu_p), 0.0),
                              np.where(live, k_lsp * _inside(c["AP"][..., Z:]), 0.0)], axis=-1)
        G["Wp"] = outer(gap, Dprev)
        G["bp"] = gap.sum(axis=(1, 2))
        # direct gradient on d_t: from the output at t and from the prior at t + 1
        direct = dpo @ P["Wo"][:, None]
        gprior = gap @ P["Wp"][:, None]                                    # on d_{t-1}, indexed by t
        direct[:, :, :-1] += gprior[:, :, 1:]
        Wdd = P["Wdd"]
        GP = np.empty((R, N, T, D), dtype=direct.dtype)
        gh = np.zeros((R, N, D), dtype=direct.dtype)
        gpre = np.zeros_like(gh)
        for t in range(T - 1, -1, -1):
            dt = Dst[:, :, t]
            gh = (direct[:, :, t] + gpre @ Wdd) * (1.0 - dt * dt) + keep * gh
            gpre = gh / tau
            GP[:, :, t] = gpre
        G["Wdd"] = outer(GP, Dprev)
        G["Wdz"] = outer(GP, c["z"])
        G["b"] = GP.sum(axis=(1, 2))
        gz = GP @ P["Wdz"][:, None]
        gA = np.concatenate([(gz + k_muq) * (1.0 - mu_q * mu_q),
                             (gz * sq * e + k_lsq) * _inside(a[..., Z:])], axis=-1)
        return rec + ww * kl, self.pack(G), gA

    # --------------------------------------------------------- generation --
    def generate(self, theta, T: int, *, n_samples: int, rng: np.random.Generator | None = None,
                 h0=None, unit_first: bool = True, mean: bool = False) -> dict:
        r"""Prior-only rollouts: :math:`z_t \sim p(z_t \mid d_{t-1})` (or its mean with
        ``mean=True``). ``h0`` (R, M, D) initial states (default 0; ``M = n_samples``).
        Returns ``y`` (R, M, T, x_dim), ``sigma_p`` (R, M, T, Z), ``h`` and ``d`` at the end."""
        P = self.unpack(theta)
        R = P["Wdd"].shape[0]
        M = V.count("n_samples", n_samples)
        T = V.count("T", T, high=10**6)
        V.elements("runs * n_samples * T * x_dim", R * M * T * max(self.x_dim, self.z_dim))
        V.elements("runs * n_samples * d_dim", R * M * self.d_dim)
        V.flag("unit_first", unit_first)
        V.flag("mean", mean)
        if not mean:
            V.generator("rng", rng)
        Z, D, keep = self.z_dim, self.d_dim, 1.0 - 1.0 / self.tau
        h = np.zeros((R, M, D)) if h0 is None else V.real_array("h0", h0, ndim=3)
        if h.shape != (R, M, D):
            raise ValueError(f"h0 must have shape {(R, M, D)}")
        d = np.tanh(h)
        ys, sps = [], []
        for t in range(T):
            if t == 0 and unit_first:
                mu_p, lsp = np.zeros((R, M, Z)), np.zeros((R, M, Z))
            else:
                ap = np.einsum("rkd,rnd->rnk", P["Wp"], d) + P["bp"][:, None, :]
                mu_p, lsp = np.tanh(ap[..., :Z]), _clip(ap[..., Z:])
            z = mu_p if mean else mu_p + np.exp(lsp) * rng.standard_normal((R, M, Z))
            h = keep * h + (np.einsum("rij,rnj->rni", P["Wdd"], d) + np.einsum("rij,rnj->rni", P["Wdz"], z)
                            + P["b"][:, None, :]) / self.tau
            d = np.tanh(h)
            ys.append(np.tanh(np.einsum("rxd,rnd->rnx", P["Wo"], d) + P["bo"][:, None, :]))
            sps.append(np.exp(lsp))
        return {"y": np.stack(ys, axis=2), "sigma_p": np.stack(sps, axis=2), "h": h, "d": d}

    # ----------------------------------------------------------- training --
    def train(self, theta0, X, *, w, n_iters: int, lr: float, rng: np.random.Generator,
              lr_A: float | None = None) -> dict:
        r"""Joint Adam training of the weights and the adaptive vectors (initialised at 0) on
        the training sequences ``X`` (N, T, x_dim), one reparameterised draw per iteration.
        ``w`` (R,) meta-priors, one per run. Returns ``theta``, ``A``, the objective history
        ``loss`` (n_iters, R) and the final ``rec``, ``kl`` (R,) at the posterior means."""
        from .. import optim

        V.generator("rng", rng)
        n = V.count("n_iters", n_iters, high=10**6)
        rate = V.positive_real("lr", lr)
        rate_A = rate if lr_A is None else V.positive_real("lr_A", lr_A)
        theta = V.real_array("theta0", theta0, ndim=2, last=self.n_params).copy()
        R = theta.shape[0]
        V.elements("n_iters * runs", n * R)
        x = V.real_array("X", X, ndim=3, last=self.x_dim)
        N, T = x.shape[:2]
        A = np.zeros((R, N, T, 2 * self.z_dim))
        st_t, st_a = optim.adam_init(theta), optim.adam_init(A)
        hist = np.empty((n, R))
        ww = _meta_prior(w, R)
        for i in range(n):
            eps = rng.standard_normal((R, N, T, self.z_dim))
            hist[i], gt, ga = self.loss_and_grad(theta, A, x, eps=eps, w=ww)
            theta, st_t = optim.adam_step(theta, gt, st_t, lr=rate)
            A, st_a = optim.adam_step(A, ga, st_a, lr=rate_A)
        fin = self.forward(theta, A, x, eps=np.zeros((R, N, T, self.z_dim)), w=ww)
        return {"theta": theta, "A": A, "loss": hist, "rec": fin["rec"], "kl": fin["kl"]}

    def error_regression(self, theta, X, *, w, window: int, starts, n_iters: int, lr: float,
                         horizon: int) -> dict:
        r"""Sliding-window error regression on held-out sequences ``X`` (N, T, x_dim), weights
        frozen.

        For each window end :math:`t_0` in ``starts`` (increasing, multiples of ``window``
        apart or more), the adaptive vectors of the ``window`` steps before :math:`t_0` are
        optimised for ``n_iters`` Adam steps on ``rec + w kl`` (posterior means, ``eps = 0``),
        starting from the state reached by the previous window's posterior (the first window
        starts at :math:`t = 0` from the zero state with the unit first prior and covers every
        step up to its end). The model then predicts ``horizon`` steps ahead with prior means.

        Returns ``pred`` (R, N, len(starts), horizon, x_dim) and the targets ``target`` of the
        same shape.
        """
        from .. import optim

        P = self.unpack(theta)
        R = P["Wdd"].shape[0]
        x = V.real_array("X", X, ndim=3, last=self.x_dim)
        N, T = x.shape[:2]
        W = V.positive_int("window", window)
        H = V.positive_int("horizon", horizon)
        s = np.asarray(starts)
        if s.ndim != 1 or not np.issubdtype(s.dtype, np.integer) or np.any(np.diff(s) <= 0) or s[0] < W \
                or s[-1] + H > T:
            raise ValueError(f"starts must be increasing ints with starts[0] >= window and "
                             f"starts[-1] + horizon <= {T}")
        n = V.count("n_iters", n_iters, high=10**6)
        rate = V.positive_real("lr", lr)
        ww = _meta_prior(w, R)
        Z = self.z_dim
        h = np.zeros((R, N, self.d_dim))
        t_prev = 0
        preds, targs = [], []
        for k, t0 in enumerate(s):
            lo = 0 if k == 0 else max(t_prev, t0 - W)
            if k > 0 and lo > t_prev:        # advance the state through the gap with the prior mean
                g = self.generate(theta, lo - t_prev, n_samples=N, h0=h, unit_first=False, mean=True)
                h = g["h"]
            unit = k == 0
            seg = x[:, lo:t0]
            A = np.zeros((R, N, t0 - lo, 2 * Z))
            st = optim.adam_init(A)
            zero = np.zeros((R, N, t0 - lo, Z))
            for _ in range(n):
                _, _, gA = self.loss_and_grad(theta, A, seg, eps=zero, w=ww, h0=h, unit_first=unit)
                A, st = optim.adam_step(A, gA, st, lr=rate)
            fin = self.forward(theta, A, seg, eps=zero, w=ww, h0=h, unit_first=unit)
            h = fin["h"]
            g = self.generate(theta, H, n_samples=N, h0=h, unit_first=False, mean=True)
            preds.append(g["y"])
            targs.append(np.broadcast_to(x[:, t0:t0 + H], (R, N, H, self.x_dim)))
            t_prev = t0
        return {"pred": np.stack(preds, axis=2), "target": np.stack(targs, axis=2)}


def switching_sinusoids(n_seqs: int, T: int, *, periods=(12, 20), p_switch: float = 0.3,
                        amplitude: float = 0.8, noise: float = 0.02,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    r"""A probabilistic finite-state switcher between circular primitives: each primitive
    traces one cycle of :math:`a(\sin\phi, \cos\phi)` with period ``periods[k]``; at every
    cycle boundary the next primitive is the other one with probability ``p_switch``.
    Observation noise :math:`N(0, \text{noise}^2)`. Returns ``X`` (n_seqs, T, 2) and the
    primitive index of every step (n_seqs, T)."""
    V.generator("rng", rng)
    n = V.count("n_seqs", n_seqs)
    T = V.count("T", T)
    V.elements("n_seqs * T * 2", n * T * 2)
    per = V.int_sequence("periods", periods, low=2, high=10**6)
    if len(per) != 2:
        raise ValueError(f"periods must hold two periods; got {per}")
    ps = V.unit_interval("p_switch", p_switch, closed_right=True)
    amp = V.positive_real("amplitude", amplitude)
    sig = V.nonneg_real("noise", noise)
    phase = np.zeros((n, T))
    prim = np.zeros((n, T), dtype=int)
    k = rng.integers(0, 2, size=n)
    pos = np.zeros(n, dtype=int)
    for t in range(T):                                   # vectorised over sequences
        length = np.where(k == 0, per[0], per[1])
        phase[:, t] = 2 * np.pi * pos / length
        prim[:, t] = k
        pos += 1
        end = pos >= length
        flip = end & (rng.random(n) < ps)
        k = np.where(flip, 1 - k, k)
        pos = np.where(end, 0, pos)
    X = amp * np.stack([np.sin(phase), np.cos(phase)], axis=-1) + sig * rng.normal(size=(n, T, 2))
    return X, prim

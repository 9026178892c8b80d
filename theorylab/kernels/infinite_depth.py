r"""Infinite-depth limits of fully connected NNGP / NTK kernels on the sphere, and the
classifiers they converge to.

Used by the notebook ``notebooks/kernels/wide-deep-ntk-classification.md``
(Radhakrishnan, Belkin & Uhler, *Wide and deep neural networks achieve consistency for
classification*, arXiv:2204.14126, PNAS 2023).

Setting
-------
Unit-norm inputs, no biases, an activation :math:`\phi = \sum_i a_i He_i/\sqrt{i!}` with
:math:`\sum_i a_i^2 = 1`. Its *normalised dual* is :math:`\xi(\rho) = \sum_i a_i^2\rho^i`
(:math:`\xi(1) = 1`), and the depth-:math:`L` kernels of the correlation
:math:`\rho = x\cdot z` are

.. math::

    \Sigma_L = \xi^{\circ L}(\rho) \quad(\text{NNGP}),\qquad
    \Theta_0 = \rho,\ \Theta_{l+1} = \xi(\rho_l) + \Theta_l\,\xi'(\rho_l),\
    \rho_{l+1} = \xi(\rho_l) \quad(\text{NTK}).

Numerically safe iteration
--------------------------
At large depth the off-diagonal entries underflow (:math:`\xi'(0)^L \approx 10^{-120}`
for :math:`\xi'(0) = 1/16, L = 100`; :math:`\rho^{2^L}` for the monomial dual), while
near :math:`\rho = 1` the gap :math:`1-\rho` must be kept to full relative precision.
The iteration is therefore done on :math:`u = \log\rho \in [-\infty, 0]` (correlations
are restricted to :math:`[0, 1]`, which the duals here map into itself), with each
dual providing :math:`\log\xi(e^u)` and :math:`\log\xi'(e^u)` accurately both for
:math:`u \to -\infty` (log-sum-exp) and for :math:`u \to 0` (``log1p`` / ``expm1`` of
the co-dual :math:`1-\xi(1-\delta)`). The NTK is accumulated with ``logaddexp``.
Classifiers rescale each kernel row by its largest entry in log space before
exponentiating, which leaves the sign of the interpolant unchanged and removes the
underflow entirely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy.linalg import cho_factor, cho_solve

from theorylab.regression import kernel_ridge_fit

__all__ = [
    "Dual",
    "PolynomialDual",
    "SinhDual",
    "ReluDual",
    "ErfDual",
    "named_dual",
    "NAMED_DUALS",
    "singular_exponent",
    "dual_regime",
    "log_cosines",
    "DeepKernels",
    "deep_kernels_log",
    "deep_kernels",
    "interpolating_classifier",
    "nadaraya_watson_classifier",
    "hilbert_kernel_classifier",
    "one_nn_classifier",
    "majority_vote_classifier",
    "dirichlet_circle_sample",
    "dirichlet_bayes_rule",
]

_NEAR = -0.5  # u = log(rho) above which the co-dual (1 - xi(1 - delta)) branch is used


def _expm1_neg(u: np.ndarray) -> np.ndarray:
    """delta = 1 - e^u (>= 0 for u <= 0) with full relative precision."""
    return -np.expm1(u)


# --------------------------------------------------------------------------- #
# dual activations
# --------------------------------------------------------------------------- #
class Dual:
    r"""A normalised dual activation :math:`\xi : [0, 1] \to [0, 1]`, :math:`\xi(1) = 1`.

    Subclasses implement :meth:`log_xi` and :meth:`log_dxi` on :math:`u = \log\rho`
    (arrays of any shape, values in :math:`[-\infty, 0]`).
    """

    name: str = "dual"
    linear_below: float = -np.inf
    """log-correlation below which xi(rho) = xi'(0) rho and xi'(rho) = xi'(0) hold to
    float64 precision (relative error < 1e-17); -inf if there is no linear regime."""

    def log_xi(self, u) -> np.ndarray:
        r""":math:`\log\xi(e^u)` for :math:`u\in[-\infty,0]`: the far-from-1 formula on all
        entries, the co-dual formula :math:`\log(1 - (1-\xi(1-\delta)))` with
        :math:`\delta = -\mathrm{expm1}(u)` on entries with :math:`u > -1/2`."""
        u = np.asarray(u, dtype=float)
        out = np.asarray(self._log_xi_far(u), dtype=float)
        m = u > _NEAR
        if np.any(m):
            out = np.array(out, dtype=float, copy=True)
            out[m] = np.log1p(-self._gap(_expm1_neg(u[m])))
        return out

    def _log_xi_far(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _gap(self, delta: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        """Co-dual 1 - xi(1 - delta) for delta in [0, 1 - e^{-1/2}]."""
        raise NotImplementedError

    def log_dxi(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # linear-space conveniences -------------------------------------------------
    def xi(self, rho) -> np.ndarray:
        r""":math:`\xi(\rho)` for :math:`\rho\in[0,1]` (may underflow; for plots/tests)."""
        with np.errstate(divide="ignore"):
            return np.exp(self.log_xi(np.log(_check_rho(rho))))

    def dxi(self, rho) -> np.ndarray:
        r""":math:`\xi'(\rho)` for :math:`\rho\in[0,1]`."""
        with np.errstate(divide="ignore"):
            return np.exp(self.log_dxi(np.log(_check_rho(rho))))

    @property
    def value0(self) -> float:
        r""":math:`\xi(0)`."""
        return float(np.exp(self.log_xi(np.array(-np.inf))))

    @property
    def slope0(self) -> float:
        r""":math:`\xi'(0)`."""
        return float(np.exp(self.log_dxi(np.array(-np.inf))))

    @property
    def slope1(self) -> float:
        r""":math:`\xi'(1)`."""
        return float(np.exp(self.log_dxi(np.array(0.0))))

    def __repr__(self) -> str:  # pragma: no cover - trivial
        return f"{type(self).__name__}({self.name!r})"


def _check_rho(rho) -> np.ndarray:
    r = np.asarray(rho, dtype=float)
    if not np.all(np.isfinite(r)) or np.any(r < 0) or np.any(r > 1):
        raise ValueError("rho must lie in [0, 1] (finite)")
    return r


class PolynomialDual(Dual):
    r"""Polynomial dual :math:`\xi(\rho) = \sum_i c_i \rho^i`, :math:`c_i = a_i^2 \ge 0`,
    :math:`\sum_i c_i = 1` (activation :math:`\phi = \sum_i \sqrt{c_i}\,He_i/\sqrt{i!}`).

    Parameters
    ----------
    coeffs : (m,) non-negative coefficients of :math:`\rho^0, \dots, \rho^{m-1}`,
        summing to 1 (within 1e-12).
    name : label.
    """

    def __init__(self, coeffs: Sequence[float], name: str = "polynomial") -> None:
        c = np.asarray(coeffs, dtype=float)
        if c.ndim != 1 or c.size == 0 or not np.all(np.isfinite(c)) or np.any(c < 0):
            raise ValueError("coeffs must be a non-empty 1-D array of finite values >= 0")
        if abs(c.sum() - 1.0) > 1e-12:
            raise ValueError(f"coeffs must sum to 1 (normalised dual, xi(1) = 1); got sum {c.sum()!r}")
        self.coeffs = c
        self.name = name
        self._deg = np.nonzero(c)[0].astype(float)
        self._logc = np.log(c[c > 0])
        dc = (np.arange(c.size) * c)[1:]
        self._ddeg = np.nonzero(dc)[0].astype(float)  # exponent i-1 of i c_i rho^(i-1)
        self._logdc = np.log(dc[dc > 0])
        if c.size > 1 and c[0] == 0 and c[1] > 0 and np.count_nonzero(c) > 1:
            # rho^(i-1) * i c_i / c_1 < 1e-17 for every higher term i >= 2
            hi = np.nonzero(c[2:])[0] + 2
            self.linear_below = float(np.min((np.log(1e-17) - np.log(hi * c[hi] / c[1])) / (hi - 1)))
        elif c.size > 1 and c[0] == 0 and c[1] > 0:
            self.linear_below = 0.0

    @staticmethod
    def _log_poly(logc: np.ndarray, deg: np.ndarray, u: np.ndarray) -> np.ndarray:
        """log sum_j exp(logc_j + deg_j u) for u <= 0, factoring out the lowest degree:
        logc_0 + deg_0 u + log1p(sum_{j>0} exp(logc_j - logc_0 + (deg_j - deg_0) u))."""
        if deg[0] == 0:
            lead = np.full(u.shape, logc[0])
        else:
            lead = logc[0] + deg[0] * u
        rest = np.zeros(u.shape)
        with np.errstate(invalid="ignore"):
            for lc, dg in zip(logc[1:], deg[1:]):
                rest = rest + np.exp(lc - logc[0] + (dg - deg[0]) * u)
        return lead + np.log1p(rest)

    def _log_xi_far(self, u):
        return self._log_poly(self._logc, self._deg, u)

    def _gap(self, delta):
        # 1 - xi = sum_i c_i (1 - (1 - delta)^i) = sum_i c_i * (-expm1(i log1p(-delta)))
        lu = np.log1p(-delta)
        gap = np.zeros(delta.shape)
        for c, dg in zip(np.exp(self._logc), self._deg):
            if dg > 0:
                gap = gap - c * np.expm1(dg * lu)
        return gap

    def log_dxi(self, u):
        u = np.asarray(u, dtype=float)
        if self._logdc.size == 0:
            return np.full(u.shape, -np.inf)
        return self._log_poly(self._logdc, self._ddeg, u)


def _log_sinh(x: np.ndarray, logx: np.ndarray) -> np.ndarray:
    """log sinh(x) for x >= 0 given also log x (exact when x underflows)."""
    xs = np.where(x > 1e-8, x, 1.0)
    small = logx + np.where(x > 1e-8, np.log(np.sinh(np.minimum(xs, 1.0)) / np.minimum(xs, 1.0)), 0.0)
    big = xs + np.log1p(-np.exp(-2 * xs)) - math.log(2.0)
    return np.where(x > 1.0, big, small)


def _log_cosh(x: np.ndarray) -> np.ndarray:
    return x + np.log1p(np.exp(-2 * x)) - math.log(2.0)


class SinhDual(Dual):
    r"""Dual :math:`\xi(\rho) = \sinh(a\rho)/\sinh a` of :math:`\phi(x)\propto\sin(\sqrt a\,x)`
    (the code's ``'sine_<a>'``), :math:`\xi'(0) = a/\sinh a`, :math:`\xi'(1) = a\coth a`.
    """

    def __init__(self, a: float) -> None:
        a = float(a)
        if not (math.isfinite(a) and a > 0):
            raise ValueError(f"a must be a finite number > 0; got {a!r}")
        self.a = a
        self.name = f"sine_{a:g}"
        self._logsinha = float(_log_sinh(np.array(a), np.array(math.log(a))))
        # cosh(a rho) - 1 ~ (a rho)^2 / 2 < 1e-17
        self.linear_below = 0.5 * math.log(2e-17) - math.log(a)

    def _log_xi_far(self, u):
        return _log_sinh(self.a * np.exp(u), math.log(self.a) + u) - self._logsinha

    def _gap(self, delta):
        # 1 - xi = 2 cosh(a(1+rho)/2) sinh(a(1-rho)/2) / sinh a
        a = self.a
        return 2 * np.cosh(a * (2 - delta) / 2) * np.sinh(a * delta / 2) / math.sinh(a)

    def log_dxi(self, u):
        u = np.asarray(u, dtype=float)
        return math.log(self.a) + _log_cosh(self.a * np.exp(u)) - self._logsinha


class ReluDual(Dual):
    r"""Normalised ReLU dual (arc-cosine kernel of degree 1),
    :math:`\xi(\rho) = (\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho)/\pi`,
    :math:`\xi'(\rho) = (\pi-\arccos\rho)/\pi`; :math:`\xi(0)=1/\pi`, :math:`\xi'(0)=1/2`,
    :math:`\xi'(1) = 1`.
    """

    name = "relu"

    def _log_xi_far(self, u):
        rho = np.exp(u)
        return np.log((np.sqrt(1 - rho**2) + (np.pi - np.arccos(np.clip(rho, 0, 1))) * rho) / np.pi)

    def _gap(self, delta):
        # 1 - xi = (pi delta - theta delta + (theta - sin theta)) / pi, theta = arccos(1 - delta)
        theta = 2 * np.arcsin(np.sqrt(delta / 2))
        # theta - sin theta: direct for theta >= 1e-2 (relative error ~1e-11), else by
        # its Taylor series theta^3/6 - theta^5/120 + theta^7/5040 (next term < 1e-22)
        t2 = theta**2
        series = np.where(
            theta >= 1e-2,
            theta - np.sin(theta),
            theta**3 / 6.0 * (1 - t2 / 20.0 * (1 - t2 / 42.0)),
        )
        return (np.pi * delta - theta * delta + series) / np.pi

    def log_dxi(self, u):
        rho = np.exp(np.asarray(u, dtype=float))
        return np.log((np.pi - np.arccos(np.clip(rho, 0, 1))) / np.pi)


class ErfDual(Dual):
    r"""Normalised erf dual :math:`\xi(\rho) = \arcsin(2\rho/3)/\arcsin(2/3)`."""

    name = "erf"
    _b = 2.0 / 3.0
    # 1/sqrt(1 - b^2 rho^2) - 1 ~ (b rho)^2 / 2 < 1e-17
    linear_below = 0.5 * math.log(2e-17) - math.log(2.0 / 3.0)

    def _log_xi_far(self, u):
        b = self._b
        x = b * np.exp(u)
        xs = np.where(x > 1e-8, x, 1.0)
        return math.log(b) + u + np.where(x > 1e-8, np.log(np.arcsin(xs) / xs), 0.0) - math.log(math.asin(b))

    def _gap(self, delta):
        # arcsin b - arcsin(b rho) = arcsin(b (1 - rho^2) / (sqrt(1 - b^2 rho^2) + rho sqrt(1 - b^2)))
        b = self._b
        rho = 1 - delta
        arg = b * delta * (2 - delta) / (np.sqrt(1 - (b * rho) ** 2) + rho * math.sqrt(1 - b * b))
        return np.arcsin(arg) / math.asin(b)

    def log_dxi(self, u):
        b = self._b
        rho = np.exp(np.asarray(u, dtype=float))
        return np.log(b / np.sqrt(1 - (b * rho) ** 2) / math.asin(b))


NAMED_DUALS: dict[str, list[float]] = {
    "2d_opt": [0, 0.5, 0, 0, 0, 0, 0, 0.5],
    "3d_opt": [0, 0.5, 0, 0.5],
    "5d_opt": [0, 0.25, 0.5, 0.25],
    "9d_opt": [0, 1 / 16, 7 / 8, 1 / 16],
}
"""Polynomial duals labelled "optimal" in the authors' code (``models.py``)."""


def named_dual(name: str) -> Dual:
    """The dual of one of the activations named in the authors' code.

    ``'relu'``, ``'erf'``, ``'2d_opt'``, ``'3d_opt'``, ``'5d_opt'``, ``'9d_opt'``,
    ``'sine_<a>'`` (:class:`SinhDual`) and ``'hermite_<k>'`` (the monomial dual
    :math:`\\rho^k` of :math:`He_k/\\sqrt{k!}`).
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a str; got {type(name).__name__}")
    if name == "relu":
        return ReluDual()
    if name == "erf":
        return ErfDual()
    if name in NAMED_DUALS:
        return PolynomialDual(NAMED_DUALS[name], name=name)
    if name.startswith("sine_"):
        return SinhDual(float(name.split("_", 1)[1]))
    if name.startswith("hermite_"):
        k = int(name.split("_", 1)[1])
        if k < 0:
            raise ValueError("hermite degree must be >= 0")
        c = np.zeros(k + 1)
        c[k] = 1.0
        return PolynomialDual(c, name=name)
    raise ValueError(f"unknown dual name {name!r}")


def singular_exponent(dual: Dual, *, kernel: str = "nngp") -> float:
    r"""Exponent :math:`\alpha` of the limiting singular kernel :math:`\|x-z\|^{-\alpha}`.

    With :math:`\gamma = \ln(1/\xi'(0))/\ln\xi'(1)` (for :math:`\xi(0)=0`,
    :math:`0<\xi'(0)<1<\xi'(1)`): :math:`\Sigma_L \approx C\xi'(0)^L(1-\rho)^{-\gamma}`
    and :math:`\Theta_L\approx C'\xi'(0)^L(1-\rho)^{-(1+\gamma)}`, and since
    :math:`\|x-z\|^2 = 2(1-\rho)`, :math:`\alpha = 2\gamma` (NNGP) or :math:`2(1+\gamma)`
    (NTK). Derived in the catalogue (spec C1); returns ``inf`` when :math:`\xi'(0)=0`
    and raises ``ValueError`` outside the singular regime.
    """
    if kernel not in ("nngp", "ntk"):
        raise ValueError(f"kernel must be 'nngp' or 'ntk'; got {kernel!r}")
    s0, s1 = dual.slope0, dual.slope1
    if dual.value0 != 0 or not s1 > 1 or not s0 < 1:
        raise ValueError("singular exponent defined only for xi(0) = 0, xi'(0) < 1 < xi'(1)")
    gamma = math.inf if s0 == 0 else math.log(1 / s0) / math.log(s1)
    return 2 * gamma if kernel == "nngp" else 2 * (1 + gamma)


def dual_regime(dual: Dual) -> str:
    r"""Taxonomy of the infinite-depth interpolating classifier (spec C2):

    ``'majority'`` if :math:`\xi'(1) \le 1` (every correlation flows to 1);
    ``'1-nn'`` if :math:`\xi(0)=0,\ \xi'(0)=0 < 1 < \xi'(1)`;
    ``'singular'`` if :math:`\xi(0)=0,\ 0<\xi'(0)<1<\xi'(1)`; otherwise ``'other'``.
    """
    s0, s1, v0 = dual.slope0, dual.slope1, dual.value0
    if s1 <= 1 + 1e-12:
        return "majority"
    if v0 == 0 and s0 == 0:
        return "1-nn"
    if v0 == 0 and 0 < s0 < 1:
        return "singular"
    return "other"


# --------------------------------------------------------------------------- #
# the depth iteration
# --------------------------------------------------------------------------- #
def _unit_rows(name: str, X) -> np.ndarray:
    A = np.asarray(X, dtype=float)
    if A.ndim != 2 or A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} must be a non-empty 2-D array (n, dim); got shape {A.shape}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"{name} contains non-finite values")
    if not np.allclose(np.linalg.norm(A, axis=1), 1.0, atol=1e-10):
        raise ValueError(f"rows of {name} must have unit norm")
    return A


def log_cosines(X, X2=None) -> np.ndarray:
    r""":math:`u_{ij} = \log(x_i\cdot z_j)` for unit vectors with non-negative inner products.

    Near :math:`\rho = 1` it is computed as :math:`\log(1 - \|x-z\|^2/2)` with ``log1p``, so
    that the gap :math:`1-\rho` keeps full relative precision (the diagonal is exactly 0).

    Parameters
    ----------
    X : (n, dim) unit rows; X2 : (m, dim) unit rows (default ``X``).

    Returns
    -------
    (n, m) array in :math:`[-\infty, 0]`.
    """
    A = _unit_rows("X", X)
    B = A if X2 is None else _unit_rows("X2", X2)
    if A.shape[1] != B.shape[1]:
        raise ValueError(f"X and X2 must have the same dim; got {A.shape[1]} and {B.shape[1]}")
    rho = A @ B.T
    if np.any(rho < -1e-12):
        raise ValueError("inner products must be >= 0 (the log-space iteration covers rho in [0, 1])")
    sq = np.sum((A[:, None, :] - B[None, :, :]) ** 2, axis=-1)  # ||x - z||^2 = 2(1 - rho)
    with np.errstate(divide="ignore"):
        near = np.log1p(-np.minimum(sq / 2, 1.0))
        far = np.log(np.clip(rho, 0.0, 1.0))
    return np.where(rho > 0.5, near, far)


@dataclass(frozen=True)
class DeepKernels:
    """Log of the depth-L NNGP and NTK kernels at several depths.

    ``log_nngp`` and ``log_ntk`` have shape ``(len(depths),) + shape of the input``.
    """

    depths: np.ndarray
    log_nngp: np.ndarray
    log_ntk: np.ndarray = field(repr=False)

    @property
    def nngp(self) -> np.ndarray:
        """Linear-space NNGP values (may underflow to 0)."""
        return np.exp(self.log_nngp)

    @property
    def ntk(self) -> np.ndarray:
        """Linear-space NTK values (may underflow or overflow)."""
        return np.exp(self.log_ntk)


def deep_kernels_log(log_rho, dual: Dual, *, depths: Sequence[int], ntk: bool = True) -> DeepKernels:
    r"""Iterate the dual map in log space and record :math:`\log\Sigma_L`, :math:`\log\Theta_L`.

    .. math::
        u_{l+1} = \log\xi(e^{u_l}),\qquad
        \log\Theta_{l+1} = \operatorname{logaddexp}(u_{l+1},\ \log\Theta_l + \log\xi'(e^{u_l})),

    with :math:`u_0 = \log\Theta_0 = \log\rho` (spec C1; Radhakrishnan et al. 2022,
    NNGP/NTK recursions as in the authors' ``models.py``).

    Parameters
    ----------
    log_rho : array of :math:`\log\rho` in :math:`[-\infty, 0]`, any shape
        (e.g. from :func:`log_cosines`).
    dual : a :class:`Dual`.
    depths : increasing positive depths at which to record (one pass to ``max(depths)``).
    ntk : also accumulate the NTK (default); ``False`` leaves ``log_ntk`` as NaN and
        saves the derivative evaluations.

    Returns
    -------
    :class:`DeepKernels` with arrays ``(len(depths),) + log_rho.shape``.
    """
    if not isinstance(dual, Dual):
        raise TypeError(f"dual must be a theorylab Dual; got {type(dual).__name__}")
    u = np.asarray(log_rho, dtype=float)
    if np.any(np.isnan(u)) or np.any(u > 0) or np.any(u == np.inf):
        raise ValueError("log_rho must lie in [-inf, 0] (rho in [0, 1])")
    d = np.asarray(depths)
    if d.ndim != 1 or d.size == 0 or not np.issubdtype(d.dtype, np.integer) or np.any(d < 1):
        raise ValueError(f"depths must be a non-empty 1-D sequence of integers >= 1; got {depths!r}")
    if np.any(np.diff(d) <= 0):
        raise ValueError("depths must be strictly increasing")
    want = {int(x): i for i, x in enumerate(d)}
    shape = u.shape
    cur = u.ravel().copy()
    log_theta = cur.copy()
    n_tot = cur.size
    out_s = np.empty((d.size, n_tot))
    out_t = np.full((d.size, n_tot), np.nan)
    # entries in the exactly linear regime (rho <= e^linear_below, xi(rho) = c rho) are
    # frozen at layer f and advanced in closed form:
    #   u_L = u_f + (L - f) log c,   Theta_L = c^(L-f) (Theta_f + (L - f) rho_f)
    thr = float(dual.linear_below)
    log_c = math.log(dual.slope0) if dual.slope0 > 0 else -np.inf
    linear = bool(np.isfinite(thr) and np.isfinite(log_c))
    frozen_at = np.full(n_tot, -1, dtype=np.int64)
    active = np.arange(n_tot)
    with np.errstate(divide="ignore", invalid="ignore"):
        if linear:
            fr = cur <= thr
            frozen_at[fr] = 0
            active = active[~fr]
        for layer in range(1, int(d.max()) + 1):
            if active.size:
                ua = cur[active]
                if ntk:
                    ldx = dual.log_dxi(ua)
                new = np.minimum(dual.log_xi(ua), 0.0)  # clip rho <= 1
                cur[active] = new
                if ntk:
                    log_theta[active] = np.logaddexp(new, log_theta[active] + ldx)
                if linear:
                    fr = new <= thr
                    if np.any(fr):
                        frozen_at[active[fr]] = layer
                        active = active[~fr]
            if layer in want:
                k = want[layer]
                steps = np.where(frozen_at >= 0, layer - frozen_at, 0).astype(float)
                out_s[k] = cur + np.where(steps > 0, steps * log_c, 0.0)
                if ntk:
                    extra = np.logaddexp(log_theta, np.log(steps) + cur)
                    out_t[k] = np.where(steps > 0, steps * log_c + extra, log_theta)
    out_s = out_s.reshape((d.size,) + shape)
    out_t = out_t.reshape((d.size,) + shape)
    return DeepKernels(depths=d.astype(int), log_nngp=out_s, log_ntk=out_t)


def deep_kernels(X, X2=None, *, dual: Dual, depths: Sequence[int], ntk: bool = True) -> DeepKernels:
    """:func:`deep_kernels_log` of :func:`log_cosines` ``(X, X2)``: ``(len(depths), n, m)``."""
    return deep_kernels_log(log_cosines(X, X2), dual, depths=depths, ntk=ntk)


# --------------------------------------------------------------------------- #
# classifiers
# --------------------------------------------------------------------------- #
def _labels(y, n: int) -> np.ndarray:
    a = np.asarray(y, dtype=float).ravel()
    if a.size == 0:
        raise ValueError("training set is empty (y has no labels)")
    if a.size != n:
        raise ValueError(f"y must have {n} labels; got {a.size}")
    if not np.all(np.isin(a, (-1.0, 1.0))):
        raise ValueError("y must contain labels in {-1, +1}")
    return a


def _sign(f: np.ndarray) -> np.ndarray:
    return np.where(f >= 0, 1.0, -1.0)


def interpolating_classifier(log_K_train, log_K_test, y) -> np.ndarray:
    r"""Sign of the ridgeless kernel interpolant, :math:`\operatorname{sign}(y^\top K^{-1}k(x))`.

    Computed from log kernels: the train Gram is divided by its largest diagonal entry
    and every test row by its largest entry (positive rescalings that leave the sign
    unchanged), then a Cholesky solve, falling back to
    :func:`theorylab.regression.kernel_ridge_fit` with ridge 0 (pseudo-inverse) when the
    Gram matrix is numerically singular. When every train entry exceeds half the diagonal (the Gram matrix
    is close to all-ones, the majority-vote regime), the equivalent bordered system for
    :math:`K/c = 11^\top - \Delta` is solved instead, with :math:`\Delta` computed by
    ``expm1`` from the log kernel, which avoids the cancellation in :math:`1 - K_{ij}`.
    Ties (:math:`f = 0`) go to +1.

    Parameters
    ----------
    log_K_train : (n, n) log train Gram; log_K_test : (m, n) log test-vs-train kernel;
    y : (n,) labels in {-1, +1}.

    Returns
    -------
    (m,) predictions in {-1, +1}.
    """
    LK = np.asarray(log_K_train, dtype=float)
    LT = np.asarray(log_K_test, dtype=float)
    if LK.ndim != 2 or LK.shape[0] != LK.shape[1]:
        raise ValueError(f"log_K_train must be square (n, n); got {LK.shape}")
    yv = _labels(y, LK.shape[0])
    if LT.ndim != 2 or LT.shape[1] != LK.shape[0]:
        raise ValueError(f"log_K_test must have shape (m, {LK.shape[0]}); got {LT.shape}")
    log_c = float(np.max(np.diag(LK)))
    if np.min(LK - log_c) > math.log(0.5):
        # "centred" form for Gram matrices close to all-ones (majority-vote regime):
        # K/c = 11^T - Delta with Delta = -expm1(log K - log c) kept to full relative
        # precision; solve [[-Delta, 1], [1^T, -1]] [alpha; s] = [y; 0] (then K alpha = y
        # with s = 1^T alpha) and f(x) = s - d(x)^T alpha.
        n = LK.shape[0]
        D = -np.expm1(np.minimum(LK - log_c, 0.0))
        D = (D + D.T) / 2
        A = np.zeros((n + 1, n + 1))
        A[:n, :n] = -D
        A[:n, n] = 1.0
        A[n, :n] = 1.0
        A[n, n] = -1.0
        sol = np.linalg.lstsq(A, np.append(yv, 0.0), rcond=None)[0]
        dT = -np.expm1(np.minimum(LT - log_c, 0.0))
        return _sign(sol[n] - dT @ sol[:n])
    K = np.exp(LK - log_c)
    K = (K + K.T) / 2
    T = np.exp(LT - LT.max(axis=1, keepdims=True))
    try:  # strictly positive definite Gram (the usual case): Cholesky solve
        alpha = cho_solve(cho_factor(K, lower=True), yv)
    except np.linalg.LinAlgError:  # singular to working precision: ridgeless pseudo-inverse
        alpha = kernel_ridge_fit(K, yv, 0.0)
    return _sign(T @ alpha)


def nadaraya_watson_classifier(log_W, y) -> np.ndarray:
    r"""Sign of :math:`\sum_i y_i w_i(x)` from log weights ``log_W`` of shape (m, n)."""
    LW = np.asarray(log_W, dtype=float)
    if LW.ndim != 2:
        raise ValueError(f"log_W must be 2-D (m, n); got {LW.shape}")
    yv = _labels(y, LW.shape[1])
    W = np.exp(LW - LW.max(axis=1, keepdims=True))
    return _sign(W @ yv)


def hilbert_kernel_classifier(X_train, y, X_test, *, alpha: float) -> np.ndarray:
    r"""Singular-kernel (Hilbert-kernel, Devroye et al. 1998) classifier,
    :math:`\operatorname{sign}\sum_i y_i\|x-x_i\|^{-\alpha}`; :math:`\alpha = D-1` on
    :math:`S^{D-1}` is the consistent choice. Shapes (n, D), (n,), (m, D) -> (m,)."""
    A = _unit_rows("X_train", X_train)
    B = _unit_rows("X_test", X_test)
    yv = _labels(y, A.shape[0])
    if not (math.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be finite and > 0; got {alpha!r}")
    sq = np.sum((B[:, None, :] - A[None, :, :]) ** 2, axis=-1)
    with np.errstate(divide="ignore"):
        return nadaraya_watson_classifier(-0.5 * alpha * np.log(sq), yv)


def one_nn_classifier(X_train, y, X_test) -> np.ndarray:
    """Label of the nearest training point (largest inner product on the sphere): (m,)."""
    A = _unit_rows("X_train", X_train)
    B = _unit_rows("X_test", X_test)
    yv = _labels(y, A.shape[0])
    sq = np.sum((B[:, None, :] - A[None, :, :]) ** 2, axis=-1)
    return yv[np.argmin(sq, axis=1)]


def majority_vote_classifier(y, n_test: int) -> np.ndarray:
    """The training-majority label repeated ``n_test`` times (ties -> +1)."""
    yv = np.asarray(y, dtype=float).ravel()
    if yv.size == 0:
        raise ValueError("training set is empty (y has no labels)")
    if int(n_test) < 0:
        raise ValueError(f"n_test must be >= 0; got {n_test!r}")
    return np.full(int(n_test), 1.0 if yv.sum() >= 0 else -1.0)


# --------------------------------------------------------------------------- #
# data: two Dirichlet classes radially projected on the sphere
# --------------------------------------------------------------------------- #
def _has_duplicates(X: np.ndarray, block: int = 2048) -> bool:
    """True if two rows have inner product >= 1 in float64 (blocked, O(n block) memory)."""
    n = X.shape[0]
    for start in range(0, n, block):
        G = X[start:start + block] @ X.T
        rows = np.arange(G.shape[0])
        G[rows, start + rows] = -np.inf
        if G.max() >= 1.0:
            return True
    return False


def dirichlet_circle_sample(
    n_samples: int,
    *,
    alpha_pos: Sequence[float] = (1.0, 2.0),
    alpha_neg: Sequence[float] = (2.0, 1.0),
    prior_pos: float = 0.4,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The authors' Dirichlet problem: :math:`y=+1` w.p. ``prior_pos`` with
    :math:`s\sim\mathrm{Dir}(\alpha_+)`, else :math:`s\sim\mathrm{Dir}(\alpha_-)`;
    :math:`x = s/\|s\|` on :math:`S^{D-1}` (``dataset.py`` of ``uhlerlab/inf_depth_ntks``;
    labels here are i.i.d. Bernoulli rather than fixed class counts).

    Resamples (vectorised, whole batch) until all pairwise inner products are < 1 in
    float64, as the authors do, so singular kernels stay finite.

    Returns
    -------
    X : (n, D) unit rows, y : (n,) in {-1, +1}, S : (n, D) simplex points.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    n = int(n_samples)
    if n < 1:
        raise ValueError(f"n_samples must be >= 1; got {n_samples!r}")
    ap, an = np.asarray(alpha_pos, float), np.asarray(alpha_neg, float)
    if ap.shape != an.shape or ap.ndim != 1 or ap.size < 2 or np.any(ap <= 0) or np.any(an <= 0):
        raise ValueError("alpha_pos and alpha_neg must be positive vectors of the same length >= 2")
    if not 0 < prior_pos < 1:
        raise ValueError(f"prior_pos must be in (0, 1); got {prior_pos!r}")
    for _ in range(100):
        y = np.where(rng.random(n) < prior_pos, 1.0, -1.0)
        S = np.where(y[:, None] > 0, rng.dirichlet(ap, size=n), rng.dirichlet(an, size=n))
        X = S / np.linalg.norm(S, axis=1, keepdims=True)
        if not _has_duplicates(X):
            return X, y, S
    raise RuntimeError("could not draw a sample without duplicate points in 100 tries")  # pragma: no cover


def dirichlet_bayes_rule(
    S,
    *,
    alpha_pos: Sequence[float] = (1.0, 2.0),
    alpha_neg: Sequence[float] = (2.0, 1.0),
    prior_pos: float = 0.4,
) -> np.ndarray:
    r"""Bayes classifier :math:`\operatorname{sign}(\pi_+ f_+(s) - \pi_- f_-(s))` on simplex
    points ``S`` (n, D) -> (n,) (ties -> +1). For the default problem it is
    "+1 iff :math:`s_1 < 0.4`", with population accuracy 0.76."""
    from scipy.stats import dirichlet

    Sa = np.asarray(S, dtype=float)
    if Sa.ndim != 2:
        raise ValueError(f"S must be 2-D (n, D); got {Sa.shape}")
    lp = dirichlet.logpdf(Sa.T, np.asarray(alpha_pos, float)) + math.log(prior_pos)
    ln = dirichlet.logpdf(Sa.T, np.asarray(alpha_neg, float)) + math.log(1 - prior_pos)
    return _sign(lp - ln)

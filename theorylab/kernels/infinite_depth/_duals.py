"""Normalised dual activations and their infinite-depth regimes (part of
:mod:`theorylab.kernels.infinite_depth`)."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from ... import _validate as V

_NEAR = -0.5  # u = log(rho) above which the co-dual (1 - xi(1 - delta)) branch is used


def _expm1_neg(u: np.ndarray) -> np.ndarray:
    """delta = 1 - e^u (>= 0 for u <= 0) with full relative precision."""
    return -np.expm1(u)


class Dual:
    r"""A normalised dual activation :math:`\xi : [0, 1] \to [0, 1]`, :math:`\xi(1) = 1`.

    Subclasses implement ``_log_xi_far``, ``_gap`` and ``_log_dxi`` on :math:`u = \log\rho`
    (arrays of any shape, values in :math:`[-\infty, 0]`).
    """

    name: str = "dual"
    linear_below: float = -np.inf
    """log-correlation below which xi(rho) = xi'(0) rho and xi'(rho) = xi'(0) hold to
    float64 precision (relative error < 1e-17); -inf if there is no linear regime."""

    def log_xi(self, u) -> np.ndarray:
        r""":math:`\log\xi(e^u)` for :math:`u\in[-\infty,0]`: the far-from-1 formula on all
        entries, the co-dual formula :math:`\log(1 - (1-\xi(1-\delta)))` with
        :math:`\delta = -\mathrm{expm1}(u)` on entries with :math:`u > -1/2`.

        ``-inf`` (correlation 0) is a legal input; the result is ``-inf`` where
        :math:`\xi(0) = 0`.

        Examples
        --------
        >>> float(ReluDual().log_xi(0.0))
        0.0
        """
        return self._log_xi(_check_log_rho("u", u))

    def log_dxi(self, u) -> np.ndarray:
        r""":math:`\log\xi'(e^u)` for :math:`u\in[-\infty,0]` (``-inf`` where :math:`\xi'` vanishes)."""
        return self._log_dxi(_check_log_rho("u", u))

    def _log_xi(self, u: np.ndarray) -> np.ndarray:
        """:meth:`log_xi` on validated input (the depth iteration's hot path)."""
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

    def _log_dxi(self, u: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # linear-space conveniences -------------------------------------------------
    def xi(self, rho) -> np.ndarray:
        r""":math:`\xi(\rho)` for :math:`\rho\in[0,1]` (may underflow; for plots/tests)."""
        with np.errstate(divide="ignore"):
            return np.exp(self._log_xi(np.log(_check_rho(rho))))

    def dxi(self, rho) -> np.ndarray:
        r""":math:`\xi'(\rho)` for :math:`\rho\in[0,1]`."""
        with np.errstate(divide="ignore"):
            return np.exp(self._log_dxi(np.log(_check_rho(rho))))

    @property
    def value0(self) -> float:
        r""":math:`\xi(0)`."""
        return float(np.exp(self._log_xi(np.array(-np.inf))))

    @property
    def slope0(self) -> float:
        r""":math:`\xi'(0)`."""
        return float(np.exp(self._log_dxi(np.array(-np.inf))))

    @property
    def slope1(self) -> float:
        r""":math:`\xi'(1)`."""
        return float(np.exp(self._log_dxi(np.array(0.0))))

    def __repr__(self) -> str:  # pragma: no cover - trivial
        return f"{type(self).__name__}({self.name!r})"


def _check_rho(rho) -> np.ndarray:
    return V.array("rho", rho, low=0.0, high=1.0)


def _check_log_rho(name: str, u) -> np.ndarray:
    """Log-correlations in [-inf, 0] (``-inf`` is correlation 0; nan and +inf refused)."""
    return V.array(name, u, finite=False, high=0.0)


class PolynomialDual(Dual):
    r"""Polynomial dual :math:`\xi(\rho) = \sum_i c_i \rho^i`, :math:`c_i = a_i^2 \ge 0`,
    :math:`\sum_i c_i = 1` (activation :math:`\phi = \sum_i \sqrt{c_i}\,He_i/\sqrt{i!}`).

    Parameters
    ----------
    coeffs : (m,) non-negative coefficients of :math:`\rho^0, \dots, \rho^{m-1}`,
        summing to 1 (within 1e-12).
    name : label.

    Examples
    --------
    >>> d = PolynomialDual([0.0, 0.5, 0.0, 0.5])
    >>> d.xi(0.5).round(6).tolist(), d.slope0, round(d.slope1, 12)
    (0.3125, 0.5, 2.0)
    """

    def __init__(self, coeffs: Sequence[float], name: str = "polynomial") -> None:
        c = V.array("coeffs", coeffs, ndim=1, nonempty=True, low=0.0)
        if c.size > 10_000:
            raise ValueError(f"coeffs: at most 10000 coefficients (degree 9999); got {c.size}")
        V.text("name", name, nonempty=False)
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

    def _log_dxi(self, u):
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

    Examples
    --------
    >>> d = SinhDual(2.0)
    >>> round(float(d.xi(1.0)), 12), round(d.slope0, 6)
    (1.0, 0.551441)
    """

    def __init__(self, a: float) -> None:
        a = V.real("a", a, low=0.0, high=700.0, low_open=True)  # sinh overflows above ~710
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

    def _log_dxi(self, u):
        u = np.asarray(u, dtype=float)
        return math.log(self.a) + _log_cosh(self.a * np.exp(u)) - self._logsinha


class ReluDual(Dual):
    r"""Normalised ReLU dual (arc-cosine kernel of degree 1),
    :math:`\xi(\rho) = (\sqrt{1-\rho^2} + (\pi - \arccos\rho)\rho)/\pi`,
    :math:`\xi'(\rho) = (\pi-\arccos\rho)/\pi`; :math:`\xi(0)=1/\pi`, :math:`\xi'(0)=1/2`,
    :math:`\xi'(1) = 1`.

    Examples
    --------
    >>> d = ReluDual()
    >>> round(d.value0, 6), d.slope0, round(d.slope1, 12)
    (0.31831, 0.5, 1.0)
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

    def _log_dxi(self, u):
        rho = np.exp(np.asarray(u, dtype=float))
        return np.log((np.pi - np.arccos(np.clip(rho, 0, 1))) / np.pi)


class ErfDual(Dual):
    r"""Normalised erf dual :math:`\xi(\rho) = \arcsin(2\rho/3)/\arcsin(2/3)`.

    Examples
    --------
    >>> round(float(ErfDual().xi(1.0)), 12)
    1.0
    """

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

    def _log_dxi(self, u):
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

    Examples
    --------
    >>> named_dual("3d_opt").coeffs.tolist()
    [0.0, 0.5, 0.0, 0.5]
    >>> round(named_dual("relu").slope0, 12)
    0.5
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
        try:
            a = float(name.split("_", 1)[1])
        except ValueError:
            raise ValueError(f"name {name!r}: expected 'sine_<a>' with a number a > 0") from None
        try:
            return SinhDual(a)
        except ValueError as exc:
            raise ValueError(f"name {name!r}: {exc}") from None
    if name.startswith("hermite_"):
        tail = name.split("_", 1)[1]
        if not tail.isdigit():
            raise ValueError(f"name {name!r}: expected 'hermite_<k>' with an integer degree k >= 0")
        k = int(tail)
        if k > 9999:
            raise ValueError(f"name {name!r}: the hermite degree must be <= 9999")
        c = np.zeros(k + 1)
        c[k] = 1.0
        return PolynomialDual(c, name=name)
    raise ValueError(f"unknown dual name {name!r}; known: 'relu', 'erf', "
                     f"{', '.join(map(repr, NAMED_DUALS))}, "
                     "'sine_<a>', 'hermite_<k>'")


def singular_exponent(dual: Dual, *, kernel: str = "nngp") -> float:
    r"""Exponent :math:`\alpha` of the limiting singular kernel :math:`\|x-z\|^{-\alpha}`.

    With :math:`\gamma = \ln(1/\xi'(0))/\ln\xi'(1)` (for :math:`\xi(0)=0`,
    :math:`0<\xi'(0)<1<\xi'(1)`): :math:`\Sigma_L \approx C\xi'(0)^L(1-\rho)^{-\gamma}`
    and :math:`\Theta_L\approx C'\xi'(0)^L(1-\rho)^{-(1+\gamma)}`, and since
    :math:`\|x-z\|^2 = 2(1-\rho)`, :math:`\alpha = 2\gamma` (NNGP) or :math:`2(1+\gamma)`
    (NTK). Derived in the catalogue (spec C1); returns ``inf`` when :math:`\xi'(0)=0`
    and raises ``ValueError`` outside the singular regime.

    Examples
    --------
    >>> round(singular_exponent(named_dual("3d_opt")), 6)  # gamma = ln 2 / ln 2
    2.0
    """
    V.instance("dual", dual, Dual, hint="e.g. named_dual('relu') or PolynomialDual(coeffs)")
    V.choice("kernel", kernel, ("nngp", "ntk"))
    s0, s1 = dual.slope0, dual.slope1
    if dual.value0 != 0 or not s1 > 1 or not s0 < 1:
        raise ValueError("dual: the singular exponent is defined only for xi(0) = 0, xi'(0) < 1 < xi'(1); "
                         f"got xi(0) = {dual.value0:.3g}, xi'(0) = {s0:.3g}, xi'(1) = {s1:.3g}")
    gamma = math.inf if s0 == 0 else math.log(1 / s0) / math.log(s1)
    return 2 * gamma if kernel == "nngp" else 2 * (1 + gamma)


def dual_regime(dual: Dual) -> str:
    r"""Taxonomy of the infinite-depth interpolating classifier (spec C2):

    ``'majority'`` if :math:`\xi'(1) \le 1` (every correlation flows to 1);
    ``'1-nn'`` if :math:`\xi(0)=0,\ \xi'(0)=0 < 1 < \xi'(1)`;
    ``'singular'`` if :math:`\xi(0)=0,\ 0<\xi'(0)<1<\xi'(1)`; otherwise ``'other'``.

    Examples
    --------
    >>> dual_regime(named_dual("relu")), dual_regime(named_dual("3d_opt"))
    ('majority', 'singular')
    """
    V.instance("dual", dual, Dual, hint="e.g. named_dual('relu') or PolynomialDual(coeffs)")
    s0, s1, v0 = dual.slope0, dual.slope1, dual.value0
    if s1 <= 1 + 1e-12:
        return "majority"
    if v0 == 0 and s0 == 0:
        return "1-nn"
    if v0 == 0 and 0 < s0 < 1:
        return "singular"
    return "other"

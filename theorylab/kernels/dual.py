r"""Dual activations: Gaussian expectations of products of activations.

For an activation :math:`\phi` and a centred Gaussian pair :math:`(u, v)` with covariance
:math:`\begin{pmatrix} k_{11} & k_{12} \\ k_{12} & k_{22} \end{pmatrix}` the *dual
activation* is

.. math:: \hat\phi(k_{11}, k_{12}, k_{22}) = \mathbb E[\phi(u)\phi(v)],

and the *derivative dual* is :math:`\mathbb E[\phi'(u)\phi'(v)]`. They are the building
blocks of the NNGP/NTK recursions (Neal 1996; Cho & Saul 2009; Jacot et al. 2018;
Roberts, Yaida & Hanin 2022, *The Principles of Deep Learning Theory*, ch. 4-5 and 9,
where :math:`\langle\sigma\sigma\rangle_K` is the book's notation).

Three estimators share one signature (the closed form, quadrature and Monte-Carlo
versions of one quantity take the same arguments and return the same shape):

``dual_exact(activation, k11, k12, k22)``
    closed forms for ``relu`` (arc-cosine kernel of order 1), ``step`` (order 0),
    ``abs``, ``erf``, ``identity``, ``square``, ``cube``, ``sin``, ``cos``;
``dual_quad(fn, k11, k12, k22, *, n_nodes)``
    tensor-product Gauss-Hermite quadrature for any callable (or registered name);
``dual_mc(fn, k11, k12, k22, n_samples, rng)``
    Monte-Carlo with ``n_samples`` Gaussian pairs per entry.

plus the derivative versions ``dual_deriv_exact``, ``dual_deriv_quad``,
``dual_deriv_mc`` and the one-dimensional :func:`gaussian_expectation`
:math:`\langle f\rangle_K = \mathbb E_{z\sim N(0,K)} f(z)`.

All functions broadcast ``k11, k12, k22`` against each other and return float64
arrays of the broadcast shape. Correlations are clipped to ``[-1, 1]``.

Used by ``notebooks/kernels/pdlt-criticality-finite-width.md`` and by
:mod:`theorylab.kernels.fc`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import special

from .. import _validate as V

__all__ = [
    "ACTIVATIONS",
    "EXACT_DERIV_DUALS",
    "EXACT_DUALS",
    "activation_deriv",
    "activation_fn",
    "dual_deriv_exact",
    "dual_deriv_mc",
    "dual_deriv_quad",
    "dual_exact",
    "dual_mc",
    "dual_quad",
    "gaussian_expectation",
]

ArrayLike = float | np.ndarray
FnLike = str | Callable[[np.ndarray], np.ndarray]

_SQRT2 = np.sqrt(2.0)
_INV_SQRT_PI = 1.0 / np.sqrt(np.pi)
_MAX_NODES = 150  # hermegauss weights overflow to NaN above ~170 nodes


# --------------------------------------------------------------------------- #
# the activation registry: name -> (phi, phi')
# --------------------------------------------------------------------------- #
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return special.expit(z)


def _gelu(z: np.ndarray) -> np.ndarray:
    return z * special.ndtr(z)


def _gelu_d(z: np.ndarray) -> np.ndarray:
    return special.ndtr(z) + z * np.exp(-0.5 * z * z) / np.sqrt(2 * np.pi)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, z)


def _swish(z: np.ndarray) -> np.ndarray:
    return z * special.expit(z)


def _swish_d(z: np.ndarray) -> np.ndarray:
    s = special.expit(z)
    return s + z * s * (1.0 - s)


def _sech2(z: np.ndarray) -> np.ndarray:
    return 1.0 / np.cosh(np.clip(z, -350, 350)) ** 2


ACTIVATIONS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray] | None]] = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "step": (lambda z: (z > 0).astype(float), None),  # derivative is a Dirac delta
    "abs": (np.abs, np.sign),
    "erf": (special.erf, lambda z: 2.0 * _INV_SQRT_PI * np.exp(-z * z)),
    "identity": (lambda z: np.asarray(z, dtype=float) * 1.0, lambda z: np.ones_like(z, dtype=float)),
    "square": (lambda z: z * z, lambda z: 2.0 * z),
    "cube": (lambda z: z**3, lambda z: 3.0 * z * z),
    "sin": (np.sin, np.cos),
    "cos": (np.cos, lambda z: -np.sin(z)),
    "tanh": (np.tanh, _sech2),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "gelu": (_gelu, _gelu_d),
    "softplus": (_softplus, _sigmoid),
    "swish": (_swish, _swish_d),
    "silu": (_swish, _swish_d),
}
"""Registered activations: ``name -> (phi, phi')`` (vectorised numpy callables);
``phi'`` is ``None`` where the derivative is not a function (``step``)."""


def activation_fn(activation: str) -> Callable[[np.ndarray], np.ndarray]:
    """The callable :math:`\\phi` of a registered activation name.

    Examples
    --------
    >>> activation_fn("relu")(np.array([-1.0, 2.0])).tolist()
    [0.0, 2.0]
    """
    _check_name("activation", activation, ACTIVATIONS)
    return ACTIVATIONS[activation][0]


def activation_deriv(activation: str) -> Callable[[np.ndarray], np.ndarray]:
    """The callable :math:`\\phi'` of a registered activation name.

    Raises ``ValueError`` for ``step`` (whose derivative is a Dirac delta; use
    :func:`dual_deriv_exact`, which has its closed form).

    Examples
    --------
    >>> activation_deriv('relu')(np.array([-1.0, 2.0])).tolist()
    [0.0, 1.0]
    """
    _check_name("activation", activation, ACTIVATIONS)
    d = ACTIVATIONS[activation][1]
    if d is None:
        raise ValueError(
            f"activation {activation!r} has no pointwise derivative (a Dirac delta); "
            "only dual_deriv_exact handles it"
        )
    return d


# --------------------------------------------------------------------------- #
# validation
# --------------------------------------------------------------------------- #
def _check_name(argname: str, name: object, table: dict, what: str = "a registered activation") -> None:
    if not isinstance(name, str):
        raise TypeError(f"{argname} must be a str naming an activation; got {type(name).__name__}")
    if name not in table:
        raise ValueError(f"{argname} {name!r} is not {what}; known: {sorted(table)}")


def _as_float(name: str, a: ArrayLike) -> np.ndarray:
    return V.array(name, a)


def _validate(k11: ArrayLike, k12: ArrayLike, k22: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = _as_float("k11", k11)
    c = _as_float("k12", k12)
    b = _as_float("k22", k22)
    if np.any(a < 0):
        raise ValueError("k11 must be >= 0 (a variance)")
    if np.any(b < 0):
        raise ValueError("k22 must be >= 0 (a variance)")
    try:
        a, c, b = np.broadcast_arrays(a, c, b)
    except ValueError as exc:
        raise ValueError(f"k11 {a.shape}, k12 {c.shape}, k22 {b.shape} do not broadcast") from exc
    # allow round-off violations of Cauchy-Schwarz; larger ones are an error
    bad = c * c > a * b * (1 + 1e-6) + 1e-300
    if np.any(bad):
        raise ValueError("k12 must satisfy k12**2 <= k11*k22 (a covariance matrix)")
    return a, c, b


def _resolve(fn: FnLike, *, deriv: bool, argname: str) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(fn, str):
        _check_name(argname, fn, ACTIVATIONS)
        if deriv and ACTIVATIONS[fn][1] is None:
            raise ValueError(f"{argname} {fn!r} has no pointwise derivative (a Dirac delta); "
                             "only dual_deriv_exact handles it")
        return ACTIVATIONS[fn][1 if deriv else 0]
    if not callable(fn):
        raise TypeError(f"{argname} must be a callable or a registered activation name; got {type(fn).__name__}")
    return fn


def _corr(a: np.ndarray, c: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sqrt(k11*k22) and the clipped correlation (0 where a variance vanishes)."""
    s = np.sqrt(a * b)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = np.where(s > 0, c / np.where(s > 0, s, 1.0), 0.0)
    return s, np.clip(rho, -1.0, 1.0)


# --------------------------------------------------------------------------- #
# closed forms
# --------------------------------------------------------------------------- #
def _relu(a, c, b):
    s, rho = _corr(a, c, b)
    theta = np.arccos(rho)
    return s * (np.sqrt(np.maximum(1.0 - rho * rho, 0.0)) + (np.pi - theta) * rho) / (2 * np.pi)


def _step(a, c, b):
    _, rho = _corr(a, c, b)
    out = (np.pi - np.arccos(rho)) / (2 * np.pi)
    # a zero variance means phi(0) = 0 surely
    return np.where((a > 0) & (b > 0), out, 0.0)


def _abs(a, c, b):
    s, rho = _corr(a, c, b)
    return s * 2.0 / np.pi * (np.sqrt(np.maximum(1.0 - rho * rho, 0.0)) + rho * np.arcsin(rho))


def _sign_dual(a, c, b):
    _, rho = _corr(a, c, b)
    return np.where((a > 0) & (b > 0), 2.0 / np.pi * np.arcsin(rho), 0.0)


def _erf(a, c, b):
    den = np.sqrt((1.0 + 2.0 * a) * (1.0 + 2.0 * b))
    return 2.0 / np.pi * np.arcsin(np.clip(2.0 * c / den, -1.0, 1.0))


def _erf_d(a, c, b):
    det = (1.0 + 2.0 * a) * (1.0 + 2.0 * b) - 4.0 * c * c
    return 4.0 / np.pi / np.sqrt(det)


def _step_d(a, c, b):
    # E[delta(u) delta(v)] = density of (u, v) at the origin
    det = a * b - c * c
    with np.errstate(divide="ignore"):
        return np.where(det > 0, 1.0 / (2 * np.pi * np.sqrt(np.where(det > 0, det, 1.0))), np.inf)


def _exp_hyp(a, c, b, sign):
    """e^{-(a+b)/2} cosh(c) (sign=+1) or sinh(c) (sign=-1) without overflow."""
    m = -0.5 * (a + b)
    return 0.5 * (np.exp(m + c) + sign * np.exp(m - c))


EXACT_DUALS: dict[str, Callable[..., np.ndarray]] = {
    "relu": _relu,
    "step": _step,
    "abs": _abs,
    "erf": _erf,
    "identity": lambda a, c, b: c.copy(),
    "square": lambda a, c, b: a * b + 2.0 * c * c,
    "cube": lambda a, c, b: 9.0 * a * b * c + 6.0 * c**3,
    "sin": lambda a, c, b: _exp_hyp(a, c, b, -1.0),
    "cos": lambda a, c, b: _exp_hyp(a, c, b, 1.0),
}
"""Closed-form dual activations ``E[phi(u) phi(v)]`` (name -> f(k11, k12, k22))."""

EXACT_DERIV_DUALS: dict[str, Callable[..., np.ndarray]] = {
    "relu": _step,
    "step": _step_d,
    "abs": _sign_dual,
    "erf": _erf_d,
    "identity": lambda a, c, b: np.ones_like(c),
    "square": lambda a, c, b: 4.0 * c,
    "cube": lambda a, c, b: 9.0 * (a * b + 2.0 * c * c),
    "sin": lambda a, c, b: _exp_hyp(a, c, b, 1.0),
    "cos": lambda a, c, b: _exp_hyp(a, c, b, -1.0),
}
"""Closed-form derivative duals ``E[phi'(u) phi'(v)]``."""


def dual_exact(activation: str, k11: ArrayLike, k12: ArrayLike, k22: ArrayLike) -> np.ndarray:
    r"""Closed-form dual activation :math:`\mathbb E[\phi(u)\phi(v)]`.

    With :math:`\rho = k_{12}/\sqrt{k_{11}k_{22}}` (clipped to [-1, 1]) and
    :math:`\theta = \arccos\rho`:

    - ``relu``: :math:`\frac{\sqrt{k_{11}k_{22}}}{2\pi}(\sin\theta + (\pi-\theta)\cos\theta)`
      (arc-cosine kernel of order 1, Cho & Saul 2009);
    - ``step``: :math:`(\pi-\theta)/(2\pi)` (order 0);
    - ``abs``: :math:`\frac{2\sqrt{k_{11}k_{22}}}{\pi}(\sqrt{1-\rho^2} + \rho\arcsin\rho)`;
    - ``erf``: :math:`\frac{2}{\pi}\arcsin\frac{2k_{12}}{\sqrt{(1+2k_{11})(1+2k_{22})}}`
      (Williams 1997);
    - ``identity``: :math:`k_{12}`; ``square``: :math:`k_{11}k_{22}+2k_{12}^2`;
      ``cube``: :math:`9k_{11}k_{22}k_{12}+6k_{12}^3` (Isserlis);
    - ``sin``: :math:`e^{-(k_{11}+k_{22})/2}\sinh k_{12}`; ``cos``: same with ``cosh``.

    Parameters
    ----------
    activation : one of :data:`EXACT_DUALS`
    k11, k12, k22 : array_like, broadcastable; ``k11, k22 >= 0``,
        ``k12**2 <= k11*k22``.

    Returns
    -------
    ndarray of the broadcast shape (float64).

    Used in ``notebooks/kernels/pdlt-criticality-finite-width.md`` (the book's
    :math:`\langle\sigma_\alpha\sigma_\beta\rangle_K`, eq. 4.x [inferred numbering]).

    Examples
    --------
    >>> dual_exact('relu', 1.0, np.array([0.0, 1.0]), 1.0).round(6).tolist()  # 1/(2 pi), 1/2
    [0.159155, 0.5]
    """
    _check_name("activation", activation, EXACT_DUALS, "an activation with a closed-form dual")
    a, c, b = _validate(k11, k12, k22)
    return np.asarray(EXACT_DUALS[activation](a, c, b), dtype=np.float64)


def dual_deriv_exact(activation: str, k11: ArrayLike, k12: ArrayLike, k22: ArrayLike) -> np.ndarray:
    r"""Closed-form derivative dual :math:`\mathbb E[\phi'(u)\phi'(v)]`.

    - ``relu``: :math:`(\pi-\theta)/(2\pi)`; ``abs``: :math:`\frac{2}{\pi}\arcsin\rho`;
    - ``step``: :math:`\mathbb E[\delta(u)\delta(v)] = 1/(2\pi\sqrt{k_{11}k_{22}-k_{12}^2})`
      (the Gaussian density at the origin; infinite when the covariance is singular);
    - ``erf``: :math:`\frac{4}{\pi}\left[(1+2k_{11})(1+2k_{22})-4k_{12}^2\right]^{-1/2}`;
    - ``identity``: 1; ``square``: :math:`4k_{12}`; ``cube``: :math:`9(k_{11}k_{22}+2k_{12}^2)`;
    - ``sin``: :math:`e^{-(k_{11}+k_{22})/2}\cosh k_{12}`; ``cos``: same with ``sinh``.

    Same parameters and shapes as :func:`dual_exact`.

    Examples
    --------
    >>> dual_deriv_exact('relu', 1.0, np.array([0.0, 1.0]), 1.0).tolist()  # 1/4, 1/2
    [0.25, 0.5]
    """
    _check_name("activation", activation, EXACT_DERIV_DUALS, "an activation with a closed-form derivative dual")
    a, c, b = _validate(k11, k12, k22)
    return np.asarray(EXACT_DERIV_DUALS[activation](a, c, b), dtype=np.float64)


# --------------------------------------------------------------------------- #
# quadrature
# --------------------------------------------------------------------------- #
def _nodes(n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    n_nodes = V.count("n_nodes", n_nodes, high=_MAX_NODES)
    x, w = np.polynomial.hermite_e.hermegauss(n_nodes)
    return x, w / np.sqrt(2 * np.pi)


def _quad2(f: Callable, a, c, b, n_nodes: int, chunk: int) -> np.ndarray:
    x, w = _nodes(n_nodes)
    shape = a.shape
    s1 = np.sqrt(a).ravel()
    s2 = np.sqrt(b).ravel()
    _, rho = _corr(a, c, b)
    rho = rho.ravel()
    rc = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))
    W2 = np.outer(w, w).ravel()  # (q*q,)
    Z1 = np.repeat(x, x.size)  # u-node index outer
    Z2 = np.tile(x, x.size)
    out = np.empty(s1.size)
    # chunk over entries so memory stays ~ chunk * n_nodes**2 doubles
    step = max(1, chunk // (x.size * x.size))
    for i in range(0, s1.size, step):
        sl = slice(i, i + step)
        u = s1[sl, None] * Z1[None, :]
        v = s2[sl, None] * (rho[sl, None] * Z1[None, :] + rc[sl, None] * Z2[None, :])
        out[sl] = (np.asarray(f(u, v), dtype=float)) @ W2
    return out.reshape(shape)


def dual_quad(
    fn: FnLike,
    k11: ArrayLike,
    k12: ArrayLike,
    k22: ArrayLike,
    *,
    n_nodes: int = 100,
    chunk: int = 4_000_000,
) -> np.ndarray:
    r"""Dual activation :math:`\mathbb E[\phi(u)\phi(v)]` by 2-D Gauss-Hermite quadrature.

    Writes :math:`u = \sqrt{k_{11}}\,z_1`, :math:`v = \sqrt{k_{22}}(\rho z_1 +
    \sqrt{1-\rho^2}\,z_2)` with :math:`z_1, z_2` i.i.d. standard normal and sums over the
    tensor grid of ``n_nodes``:sup:`2` probabilists' Gauss-Hermite nodes. Exact for
    polynomial integrands of degree < 2 ``n_nodes`` in each variable; converges
    algebraically only for kinks (ReLU, abs: ~1% at 150 nodes) -- use :func:`dual_exact`
    there -- and like :math:`e^{-c\sqrt{n}}` for functions analytic in a strip only
    (tanh, sigmoid: at variance 4, ~1e-8 for the dual and ~3e-6 for the derivative dual
    with the default 100 nodes).

    Parameters
    ----------
    fn : callable ``z -> phi(z)`` (vectorised) or a registered name (:data:`ACTIVATIONS`)
    k11, k12, k22 : broadcastable covariance entries
    n_nodes : nodes per dimension, 1..150
    chunk : at most this many doubles in a work array (memory bound)

    Returns
    -------
    ndarray of the broadcast shape.

    Examples
    --------
    >>> bool(np.allclose(dual_quad('erf', 1.0, 0.5, 2.0), dual_exact('erf', 1.0, 0.5, 2.0)))
    True
    """
    phi = _resolve(fn, deriv=False, argname="fn")
    a, c, b = _validate(k11, k12, k22)
    chunk = V.count("chunk", chunk, high=V.MAX_ELEMENTS)
    return _finite_out("fn", _quad2(lambda u, v: phi(u) * phi(v), a, c, b, n_nodes, chunk))


def _finite_out(argname: str, out: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{argname} gave non-finite values at the quadrature or sample points "
                         "(the expectation does not exist in float64 for these variances)")
    return out


def dual_deriv_quad(
    dfn: FnLike,
    k11: ArrayLike,
    k12: ArrayLike,
    k22: ArrayLike,
    *,
    n_nodes: int = 100,
    chunk: int = 4_000_000,
) -> np.ndarray:
    r""":math:`\mathbb E[\phi'(u)\phi'(v)]` by Gauss-Hermite quadrature.

    ``dfn`` is the derivative callable :math:`\phi'` itself, or a registered activation
    *name* (whose derivative is then looked up). Otherwise as :func:`dual_quad`.

    Examples
    --------
    >>> bool(np.allclose(dual_deriv_quad('erf', 1.0, 0.5, 2.0), dual_deriv_exact('erf', 1.0, 0.5, 2.0)))
    True
    """
    dphi = _resolve(dfn, deriv=True, argname="dfn")
    a, c, b = _validate(k11, k12, k22)
    chunk = V.count("chunk", chunk, high=V.MAX_ELEMENTS)
    return _finite_out("dfn", _quad2(lambda u, v: dphi(u) * dphi(v), a, c, b, n_nodes, chunk))


def gaussian_expectation(fn: Callable[[np.ndarray], np.ndarray] | str, K: ArrayLike, *, n_nodes: int = 120) -> np.ndarray:
    r"""One-dimensional Gaussian expectation :math:`\langle f\rangle_K = \mathbb E_{z\sim N(0,K)} f(z)`.

    Gauss-Hermite with ``n_nodes`` probabilists' nodes, vectorised over ``K``
    (any shape, ``K >= 0``) -> same shape. This is the book's :math:`\langle f\rangle_K`
    (Roberts, Yaida & Hanin 2022, ch. 1). Symmetric nodes make it exact for
    :math:`f(z) = z_+^{2m}` as well as for polynomials of degree < 2 ``n_nodes``.
    """
    f = _resolve(fn, deriv=False, argname="fn")
    Ka = _as_float("K", K)
    if np.any(Ka < 0):
        raise ValueError("K must be >= 0 (a variance)")
    x, w = _nodes(n_nodes)
    vals = np.asarray(f(np.sqrt(Ka)[..., None] * x), dtype=float)
    return vals @ w


# --------------------------------------------------------------------------- #
# Monte-Carlo
# --------------------------------------------------------------------------- #
def _check_mc(n_samples: int, rng: np.random.Generator, return_se, chunk) -> tuple[int, bool, int]:
    V.rng(rng)
    n = V.count("n_samples", n_samples, low=2, high=V.MAX_ELEMENTS)
    return n, V.flag("return_se", return_se), V.count("chunk", chunk, high=V.MAX_ELEMENTS)


def _mc2(f, a, c, b, n_samples, rng, return_se, chunk, argname="fn"):
    shape = a.shape
    s1 = np.sqrt(a).ravel()
    s2 = np.sqrt(b).ravel()
    _, rho = _corr(a, c, b)
    rho = rho.ravel()
    rc = np.sqrt(np.maximum(1.0 - rho * rho, 0.0))
    m = s1.size
    step = max(1, chunk // n_samples)
    mean = np.empty(m)
    se = np.empty(m)
    for i in range(0, m, step):
        sl = slice(i, min(i + step, m))
        k = sl.stop - sl.start
        z1 = rng.standard_normal((k, n_samples))
        z2 = rng.standard_normal((k, n_samples))
        u = s1[sl, None] * z1
        v = s2[sl, None] * (rho[sl, None] * z1 + rc[sl, None] * z2)
        vals = np.asarray(f(u, v), dtype=float)
        mean[sl] = vals.mean(axis=1)
        se[sl] = vals.std(axis=1, ddof=1) / np.sqrt(n_samples)
    _finite_out(argname, mean)
    if return_se:
        return mean.reshape(shape), se.reshape(shape)
    return mean.reshape(shape)


def dual_mc(
    fn: FnLike,
    k11: ArrayLike,
    k12: ArrayLike,
    k22: ArrayLike,
    n_samples: int,
    *,
    rng: np.random.Generator,
    return_se: bool = False,
    chunk: int = 4_000_000,
):
    r"""Monte-Carlo estimate of :math:`\mathbb E[\phi(u)\phi(v)]`.

    ``n_samples`` independent Gaussian pairs per entry (independent across entries).
    Returns the mean (broadcast shape); with ``return_se=True`` also its standard error
    (sample std / sqrt(n_samples)). ``rng`` is required.

    Examples
    --------
    >>> m, se = dual_mc('relu', 1.0, 0.5, 1.0, 100_000, rng=np.random.default_rng(0), return_se=True)
    >>> bool(abs(m - dual_exact('relu', 1.0, 0.5, 1.0)) < 4 * se)
    True
    """
    phi = _resolve(fn, deriv=False, argname="fn")
    n_samples, return_se, chunk = _check_mc(n_samples, rng, return_se, chunk)
    a, c, b = _validate(k11, k12, k22)
    return _mc2(lambda u, v: phi(u) * phi(v), a, c, b, n_samples, rng, return_se, chunk)


def dual_deriv_mc(
    dfn: FnLike,
    k11: ArrayLike,
    k12: ArrayLike,
    k22: ArrayLike,
    n_samples: int,
    *,
    rng: np.random.Generator,
    return_se: bool = False,
    chunk: int = 4_000_000,
):
    r"""Monte-Carlo estimate of :math:`\mathbb E[\phi'(u)\phi'(v)]` (see :func:`dual_mc`).

    Examples
    --------
    >>> m, se = dual_deriv_mc('relu', 1.0, 0.5, 1.0, 100_000, rng=np.random.default_rng(0), return_se=True)
    >>> bool(abs(m - dual_deriv_exact('relu', 1.0, 0.5, 1.0)) < 4 * se)
    True
    """
    dphi = _resolve(dfn, deriv=True, argname="dfn")
    n_samples, return_se, chunk = _check_mc(n_samples, rng, return_se, chunk)
    a, c, b = _validate(k11, k12, k22)
    return _mc2(lambda u, v: dphi(u) * dphi(v), a, c, b, n_samples, rng, return_se, chunk, "dfn")

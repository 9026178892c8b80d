r"""Numerical derivatives for checking hand-written ones: central finite differences
(second and fourth order) and the complex step, for gradients, Jacobians,
Jacobian-vector products, Hessian-vector products and dense Hessians.

Every test of a hand-written gradient in theorylab goes through this module, so the
step sizes and the error model are chosen once:

* **central differences**, order 2:
  :math:`\partial_v f(x) \approx [f(x + hv) - f(x - hv)]/(2h)`, error
  :math:`\tfrac{h^2}{6}|f'''| + \epsilon|f|/h`; the default step
  :math:`h = \epsilon^{1/3}\max(1, |x_i|) \approx 6\cdot10^{-6}` balances the two, so
  expect a relative error of order :math:`\epsilon^{2/3} \approx 4\cdot10^{-11}` times the
  curvature scale (``rtol=1e-6`` is a safe check for smooth O(1) functions).
  Order 4 uses :math:`[-f(x+2h) + 8f(x+h) - 8f(x-h) + f(x-2h)]/(12h)`, error
  :math:`O(h^4) + \epsilon/h` with default :math:`h = \epsilon^{1/5}`.
* **complex step** (Squire & Trapp 1998; Martins, Sturdza & Alonso 2003):
  :math:`\partial_v f(x) = \operatorname{Im} f(x + ihv)/h + O(h^2)` with no subtractive
  cancellation, so with :math:`h = 10^{-20}` it is exact to round-off. It needs ``f``
  to be holomorphic in its real arguments and written with complex-safe numpy
  (no ``abs``, ``maximum``, ``real`` casts on the perturbed path).
* **kinks** (ReLU, hinge, :math:`\max(\delta, 0)`): both methods are exact away from a
  kink; keep the evaluation point at least ``2h`` from every kink.

Functions take ``f`` acting on an array ``x`` of any shape; derivatives have shape
``f(x).shape + x.shape`` (Jacobians) or ``x.shape`` (gradients, HVPs). With
``vectorized=True`` ``f`` receives a whole stack of perturbed points, shape
``(k,) + x.shape``, and must return ``(k,) + f(x).shape``: one call instead of
``2 x.size`` (e.g. :meth:`theorylab.nets.dense.DenseNet.forward` with batched ``theta``).

Used by the tests of every module with hand-written derivatives
(``tests/test_nets_*.py``, ``tests/test_curvature.py``, ``tests/test_kernels_cnn.py``,
``tests/test_three_layer.py``, ...) and by ``bandits-rl/odice-orthogonal-gradient``.

Examples
--------
>>> import numpy as np
>>> from theorylab import numdiff
>>> f = lambda x: np.sin(x[0]) * x[1] ** 2
>>> x = np.array([0.3, -1.2])
>>> exact = np.array([np.cos(0.3) * 1.44, 2 * np.sin(0.3) * -1.2])
>>> bool(np.allclose(numdiff.grad_fd(f, x), exact, rtol=1e-9))
True
>>> float(np.max(np.abs(numdiff.grad_cs(f, x) - exact))) < 1e-15
True
>>> numdiff.check_gradient(f, lambda x: exact, x).passed
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _validate as V

__all__ = [
    "GradientCheck",
    "check_gradient",
    "check_jacobian",
    "compare",
    "grad_cs",
    "grad_fd",
    "hessian_fd",
    "hvp_fd",
    "jacobian_cs",
    "jacobian_fd",
    "jvp_cs",
    "jvp_fd",
]

_EPS = float(np.finfo(float).eps)
_H_CS = 1e-20


def _x(x) -> np.ndarray:
    return V.real_array("x", x)


def _finite(d: np.ndarray, what: str) -> np.ndarray:
    """``d`` unchanged if finite; else a ``ValueError`` naming ``f`` and ``h`` (an overflow
    at the perturbed points, e.g. a complex step that is not small, or f returning nan)."""
    if not np.all(np.isfinite(d)):
        raise ValueError(f"the {what} is not finite: f returned nan/inf (or overflowed) at the perturbed "
                         "points; check f near x and use a small step h (the default is safe)")
    return d


def _bound(name: str, n: int, n_evals: int) -> None:
    """Refuse at once a derivative whose identity matrix (``n * n``) or number of
    function evaluations would be absurd."""
    V.elements(f"{name} (size {n})", n * n)
    if n_evals > V.MAX_COUNT:
        raise ValueError(f"{name} is too large: it would take {n_evals:.3g} evaluations of f")


def _callable(name: str, f) -> None:
    V.function(name, f)


def _order(order) -> int:
    o = V.integer("order", order)
    if o not in (2, 4):
        raise ValueError(f"order must be 2 or 4; got {o}")
    return o


def _steps(x: np.ndarray, h, order: int) -> np.ndarray:
    """Per-coordinate steps, shape x.shape."""
    if h is None:
        base = _EPS ** (1 / 3) if order == 2 else _EPS ** (1 / 5)
        return base * np.maximum(1.0, np.abs(x))
    return np.full(x.shape, V.positive_real("h", h))


def _stencil(order: int) -> tuple[np.ndarray, np.ndarray]:
    if order == 2:
        return np.array([1.0, -1.0]), np.array([0.5, -0.5])
    return np.array([2.0, 1.0, -1.0, -2.0]), np.array([-1.0, 8.0, -8.0, 1.0]) / 12.0


def _eval_stack(f, pts, vectorized: bool) -> np.ndarray:
    """Evaluate f at each of ``k`` points (an array or an iterable), stacked on axis 0."""
    if vectorized:
        P = np.stack(list(pts)) if not isinstance(pts, np.ndarray) else pts
        out = np.asarray(f(P))
        if out.shape[:1] != P.shape[:1]:
            raise ValueError(f"vectorized f must return a leading axis of length {P.shape[0]}; got {out.shape}")
        return out
    return np.stack([np.asarray(f(p)) for p in pts])


def _directional_fd(f, x: np.ndarray, dirs: np.ndarray, steps: np.ndarray, order: int,
                    vectorized: bool) -> np.ndarray:
    """Derivatives of f along each row of dirs (k, *x.shape), step steps[k]: (k, *f.shape)."""
    offs, wts = _stencil(order)
    k = dirs.shape[0]
    shp = (k,) + (1,) * x.ndim
    pts = np.concatenate([x[None] + (o * steps).reshape(shp) * dirs for o in offs])
    vals = np.asarray(_eval_stack(f, pts, vectorized), dtype=np.float64)
    vals = vals.reshape((len(offs), k) + vals.shape[1:])
    num = np.tensordot(wts, vals, axes=(0, 0))
    return num / steps.reshape((k,) + (1,) * (num.ndim - 1))


def _batch(x: np.ndarray, batch_dims) -> tuple[tuple, tuple]:
    k = V.integer("batch_dims", batch_dims, 0)
    if k > x.ndim:
        raise ValueError(f"batch_dims must be <= x.ndim = {x.ndim}; got {k}")
    return x.shape[:k], x.shape[k:]


def _check_batch_out(vals: np.ndarray, B: tuple, lead: int) -> None:
    if vals.shape[lead:lead + len(B)] != B:
        raise ValueError(f"with batch_dims={len(B)}, f must return an array with leading shape {B}; "
                         f"got {vals.shape[lead:]}")


def jacobian_fd(f: Callable, x, *, h: float | None = None, order: int = 2, vectorized: bool = False,
                batch_dims: int = 0) -> np.ndarray:
    r"""Jacobian of ``f`` at ``x`` by central differences, shape ``f(x).shape + x.shape``.

    ``h`` : absolute step (default :math:`\epsilon^{1/3}\max(1,|x_i|)` per coordinate for
    order 2, :math:`\epsilon^{1/5}\max(1,|x_i|)` for order 4). Cost: ``order * x.size``
    evaluations of ``f`` (one batched call with ``vectorized=True``).

    ``batch_dims=k``: the first ``k`` axes of ``x`` index independent problems -- ``f`` maps
    ``x`` (B..., s...) to (B..., o...) with row ``b`` of the output depending only on row
    ``b`` of the input (per-example losses, elementwise functions). Then all rows are
    perturbed at once (``order * prod(s)`` evaluations) and the result has shape
    ``(B..., o..., s...)``; with ``k = x.ndim`` it is the elementwise derivative.
    """
    _callable("f", f)
    xa = _x(x)
    o = _order(order)
    B, sh = _batch(xa, batch_dims)
    N = int(np.prod(sh, dtype=int))
    _bound("x", N, o * N)
    vec = V.flag("vectorized", vectorized)
    steps = _steps(xa, h, o).reshape(B + (N,))
    xf = xa.reshape(B + (N,))
    E = np.eye(N)
    offs, wts = _stencil(o)

    def points():
        for off in offs:
            for j in range(N):
                yield (xf + off * steps[..., j:j + 1] * E[j]).reshape(xa.shape)

    vals = np.asarray(_eval_stack(f, points(), vec), dtype=np.float64)
    _check_batch_out(vals, B, 1)
    vals = vals.reshape((len(offs), N) + vals.shape[1:])
    d = np.tensordot(wts, vals, axes=(0, 0))  # (N, B..., o...)
    hs = np.moveaxis(steps, -1, 0).reshape((N,) + B + (1,) * (d.ndim - 1 - len(B)))
    d = _finite(d / hs, "finite-difference Jacobian")
    return np.moveaxis(d, 0, -1).reshape(d.shape[1:] + sh)


def grad_fd(f: Callable, x, *, h: float | None = None, order: int = 2, vectorized: bool = False,
            batch_dims: int = 0) -> np.ndarray:
    """Gradient of a scalar ``f`` (or, with ``batch_dims``, of each row's scalar) by central
    differences, shape ``x.shape``."""
    g = jacobian_fd(f, x, h=h, order=order, vectorized=vectorized, batch_dims=batch_dims)
    if g.shape != np.shape(x):
        raise ValueError("f must return a scalar (one per batch row) for grad_fd; "
                         f"got a derivative of shape {g.shape} for x of shape {np.shape(x)}")
    return g


def jvp_fd(f: Callable, x, v, *, h: float | None = None, order: int = 2) -> np.ndarray:
    r"""Directional derivative :math:`J(x)v` by central differences, shape ``f(x).shape``.

    Default step :math:`\epsilon^{1/3}\max(1, \lVert x\rVert_\infty)/\lVert v\rVert_\infty` (order 2).
    """
    _callable("f", f)
    xa = _x(x)
    va = V.real_array("v", v)
    if va.shape != xa.shape:
        raise ValueError(f"v must have the shape of x {xa.shape}; got {va.shape}")
    o = _order(order)
    nv = float(np.max(np.abs(va)))
    if nv == 0:
        return np.zeros(np.shape(f(xa)))
    if h is None:
        base = _EPS ** (1 / 3) if o == 2 else _EPS ** (1 / 5)
        step = base * max(1.0, float(np.max(np.abs(xa)))) / nv
    else:
        step = V.positive_real("h", h)
    return _finite(_directional_fd(f, xa, va[None], np.array([step]), o, False)[0], "directional derivative")


def hvp_fd(grad: Callable, x, v, *, h: float | None = None, order: int = 2) -> np.ndarray:
    r"""Hessian-vector product :math:`\nabla^2 f(x) v` as the central difference of the
    gradient ``grad`` along ``v``, shape ``x.shape``."""
    _callable("grad", grad)
    return jvp_fd(grad, x, v, h=h, order=order)


def hessian_fd(f: Callable, x, *, grad: Callable | None = None, h: float | None = None) -> np.ndarray:
    r"""Dense Hessian, shape ``x.shape + x.shape``, symmetrised.

    With ``grad``: central differences of the gradient (error :math:`O(\epsilon^{2/3})`).
    Without: second differences of ``f``,
    :math:`H_{ij} \approx [f(x{+}h_i{+}h_j) - f(x{+}h_i{-}h_j) - f(x{-}h_i{+}h_j) + f(x{-}h_i{-}h_j)]/(4h_ih_j)`
    with default :math:`h = \epsilon^{1/4}\max(1, |x_i|)` (error :math:`O(\epsilon^{1/2})`;
    cost :math:`4N^2` evaluations -- small N only).
    """
    _callable("f", f)
    xa = _x(x)
    n = xa.size
    _bound("x", n, 4 * n * n if grad is None else 2 * n)
    if grad is not None:
        _callable("grad", grad)
        H = jacobian_fd(lambda y: np.asarray(grad(y)).reshape(-1), xa, h=h).reshape(n, n)
    else:
        steps = (_EPS ** 0.25 * np.maximum(1.0, np.abs(xa)) if h is None
                 else np.full(xa.shape, V.positive_real("h", h))).ravel()
        flat = xa.ravel()
        E = np.eye(n) * steps[:, None]
        H = np.empty((n, n))
        for i in range(n):
            for j in range(i, n):
                pp = f((flat + E[i] + E[j]).reshape(xa.shape))
                pm = f((flat + E[i] - E[j]).reshape(xa.shape))
                mp = f((flat - E[i] + E[j]).reshape(xa.shape))
                mm = f((flat - E[i] - E[j]).reshape(xa.shape))
                H[i, j] = H[j, i] = float(pp - pm - mp + mm) / (4.0 * steps[i] * steps[j])
    H = _finite(0.5 * (H + H.T), "finite-difference Hessian")
    return H.reshape(xa.shape + xa.shape)


def jacobian_cs(f: Callable, x, *, h: float = _H_CS, vectorized: bool = False, batch_dims: int = 0) -> np.ndarray:
    r"""Jacobian by the complex step :math:`\operatorname{Im} f(x + ih e_j)/h`, shape
    ``f(x).shape + x.shape`` (``batch_dims`` as in :func:`jacobian_fd`); exact to
    round-off for holomorphic, complex-safe ``f``."""
    _callable("f", f)
    xa = _x(x)
    hh = V.positive_real("h", h)
    B, sh = _batch(xa, batch_dims)
    N = int(np.prod(sh, dtype=int))
    _bound("x", N, N)
    vec = V.flag("vectorized", vectorized)
    xf = xa.reshape(B + (N,)).astype(np.complex128)
    E = np.eye(N)
    pts = ((xf + 1j * hh * E[j]).reshape(xa.shape) for j in range(N))
    vals = _eval_stack(f, pts, vec)
    if not np.iscomplexobj(vals):
        raise TypeError("f returned a real array for a complex input: it is not complex-step safe")
    _check_batch_out(vals, B, 1)
    d = _finite(vals.imag / hh, "complex-step Jacobian")
    return np.moveaxis(d, 0, -1).reshape(d.shape[1:] + sh)


def grad_cs(f: Callable, x, *, h: float = _H_CS, vectorized: bool = False, batch_dims: int = 0) -> np.ndarray:
    """Gradient of a scalar ``f`` (one per batch row) by the complex step, shape ``x.shape``."""
    g = jacobian_cs(f, x, h=h, vectorized=vectorized, batch_dims=batch_dims)
    if g.shape != np.shape(x):
        raise ValueError("f must return a scalar (one per batch row) for grad_cs")
    return g


def jvp_cs(f: Callable, x, v, *, h: float = _H_CS) -> np.ndarray:
    r""":math:`J(x)v = \operatorname{Im} f(x + ihv)/h`, shape ``f(x).shape``; with ``f`` a
    gradient this is an exact Hessian-vector product."""
    _callable("f", f)
    xa = _x(x)
    va = V.real_array("v", v)
    if va.shape != xa.shape:
        raise ValueError(f"v must have the shape of x {xa.shape}; got {va.shape}")
    hh = V.positive_real("h", h)
    out = np.asarray(f(xa + 1j * hh * va))
    if not np.iscomplexobj(out):
        raise TypeError("f returned a real array for a complex input: it is not complex-step safe")
    return _finite(out.imag / hh, "complex-step directional derivative")


@dataclass(frozen=True)
class GradientCheck:
    r"""Outcome of comparing an analytic derivative with a numerical one.

    ``max_abs_err`` = :math:`\max |a - n|`; ``max_rel_err`` = :math:`\max |a - n| / \max(|a|, |n|, f)`
    elementwise with floor :math:`f` = ``atol / rtol`` (an entry where both are 0 has relative error 0);
    ``passed``: :math:`|a - n| \le` ``atol + rtol`` :math:`|n|` everywhere. Non-finite derivatives
    are accepted as input and fail the check (their errors are then nan/inf).
    """

    analytic: np.ndarray
    numeric: np.ndarray
    max_abs_err: float
    max_rel_err: float
    passed: bool
    rtol: float
    atol: float

    def __bool__(self) -> bool:  # so that ``assert check_gradient(...)`` works
        return self.passed

    def __repr__(self) -> str:
        return (f"GradientCheck(passed={self.passed}, max_abs_err={self.max_abs_err:.3g}, "
                f"max_rel_err={self.max_rel_err:.3g}, rtol={self.rtol:g}, atol={self.atol:g})")


def compare(analytic, numeric, *, rtol: float = 1e-6, atol: float = 1e-9) -> GradientCheck:
    """Compare two derivative arrays of equal shape (see :class:`GradientCheck`)."""
    a = V.real_array("analytic", analytic, finite=False)
    n = V.real_array("numeric", numeric, finite=False)
    if a.shape != n.shape:
        raise ValueError(f"analytic {a.shape} and numeric {n.shape} shapes differ")
    rt, at = V.nonneg_real("rtol", rtol), V.nonneg_real("atol", atol)
    err = np.abs(a - n)
    floor = at / rt if rt > 0 else max(at, np.finfo(float).tiny)
    den = np.maximum(np.maximum(np.abs(a), np.abs(n)), floor)
    rel = np.divide(err, den, out=np.zeros_like(err), where=den > 0)  # 0/0 (a = n = 0): no error
    ok = bool(np.all(np.isfinite(a)) and np.all(np.isfinite(n)) and np.all(err <= at + rt * np.abs(n)))
    return GradientCheck(a, n, float(np.max(err)), float(np.max(rel)), ok, rt, at)


def check_gradient(f: Callable, grad, x, *, method: str = "central", rtol: float = 1e-6,
                   atol: float = 1e-9, vectorized: bool = False) -> GradientCheck:
    """Compare ``grad`` (a callable or an array) with the numerical gradient of the scalar
    ``f`` at ``x``; ``method`` ``"central"``, ``"central4"`` or ``"complex"``.

    ``assert check_gradient(f, g, x)`` fails with the error sizes in the message.
    """
    return _check(f, grad, x, "grad", method, rtol, atol, vectorized, scalar=True)


def check_jacobian(f: Callable, jac, x, *, method: str = "central", rtol: float = 1e-6,
                   atol: float = 1e-9, vectorized: bool = False) -> GradientCheck:
    """Compare ``jac`` (callable or array of shape ``f(x).shape + x.shape``) with the
    numerical Jacobian of ``f`` at ``x`` (``method`` as in :func:`check_gradient`)."""
    return _check(f, jac, x, "jac", method, rtol, atol, vectorized, scalar=False)


def _check(f, jac, x, jac_name: str, method, rtol, atol, vectorized, *, scalar: bool) -> GradientCheck:
    V.choice("method", method, ("central", "central4", "complex"))
    _callable("f", f)
    xa = _x(x)
    V.nonneg_real("rtol", rtol), V.nonneg_real("atol", atol)
    V.flag("vectorized", vectorized)
    a = V.real_array(jac_name, jac(xa) if callable(jac) else jac, finite=False)
    if method == "complex":
        num = jacobian_cs(f, xa, vectorized=vectorized)
    else:
        num = jacobian_fd(f, xa, order=2 if method == "central" else 4, vectorized=vectorized)
    if scalar and num.shape != xa.shape:
        raise ValueError("f must return a scalar for check_gradient (use check_jacobian)")
    if a.shape != num.shape:
        what = "callable's value" if callable(jac) else "array"
        raise ValueError(f"{jac_name} ({what}) must have shape {num.shape} (f(x).shape + x.shape); got {a.shape}")
    return compare(a, num, rtol=rtol, atol=atol)

"""EQL-style symbolic networks: layers of primitive operator units with analytic
backpropagation, the smoothed L0.5 penalty, the three-stage sparse fit (MSE; MSE +
L0.5; prune and refit), and export to sympy.

Used by ``notebooks/mechanisms/dysymnet-symbolic-network.md`` (DySymNet, Li et al.
2024, arXiv:2309.13705; the symbolic layer follows Sahoo, Lampert & Martius 2018).

A network with input dimension ``d`` and layers ``U_1, …, U_L`` (tuples of unit names):
layer ``l`` computes ``G_l = H_{l−1} W_l + b_l`` (one column per unit *input*; ``mul``
takes two) and ``H_l = units(G_l)``; the output is ``y = H_L w + c``. Parameters are one
flat vector (see :meth:`SymbolicNet.unpack`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from scipy.optimize import minimize

from . import _validate as V
from ._validate import finite_array, generator, nonneg_real, positive_int, positive_real

__all__ = ["UNITS", "SymbolicNet", "l05_smooth", "mse_and_grad", "objective_and_grad",
           "SymbolicFit", "fit_symbolic", "to_sympy", "rationalize_constants"]

#: unit name -> arity
UNITS = {"id": 1, "sin": 1, "cos": 1, "sq": 1, "mul": 2}


@dataclass(frozen=True)
class SymbolicNet:
    """Architecture of a symbolic network: input dimension and the units of each layer.

    Examples
    --------
    >>> net = SymbolicNet(2, (("id", "sin", "mul"),))
    >>> net.n_params          # W: 2x4, b: 4, w_out: 3, c: 1
    16
    """

    n_in: int
    layers: tuple[tuple[str, ...], ...]
    shapes: list = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        V.count("n_in", self.n_in)
        if not isinstance(self.layers, tuple):
            raise TypeError(f"layers must be a non-empty tuple of tuples of unit names; got "
                            f"{type(self.layers).__name__}")
        if not self.layers:
            raise ValueError("layers must be a non-empty tuple of tuples of unit names")
        shapes = []
        width = self.n_in
        for k, units in enumerate(self.layers):
            if not isinstance(units, tuple):
                raise TypeError(f"layers[{k}] must be a non-empty tuple of unit names; got {type(units).__name__}")
            if not units:
                raise ValueError(f"layers[{k}] must be a non-empty tuple of unit names")
            bad = [u for u in units if not isinstance(u, str) or u not in UNITS]
            if bad:
                raise ValueError(f"layers[{k}] has unknown unit(s) {bad}; known: {sorted(UNITS)}")
            m = sum(UNITS[u] for u in units)
            shapes += [(width, m), (m,)]
            width = len(units)
        shapes += [(width,), ()]
        V.elements("n_in * layers (the parameters)", sum(int(np.prod(sh)) for sh in shapes))
        object.__setattr__(self, "shapes", shapes)

    @property
    def n_params(self) -> int:
        return int(sum(int(np.prod(s)) for s in self.shapes))

    def unpack(self, p) -> list[np.ndarray]:
        """Flat vector -> ``[W_1, b_1, …, W_L, b_L, w_out, c]`` (views)."""
        p = V.array("p", p)
        if p.shape != (self.n_params,):
            raise ValueError(f"p must have shape (n_params,) = ({self.n_params},); got {p.shape}")
        return self._unpack(p)

    def _unpack(self, p: np.ndarray) -> list[np.ndarray]:
        """:meth:`unpack` without the checks (for the optimiser's inner loop, where ``p`` may
        leave the finite range and the caller handles it)."""
        p = np.asarray(p, dtype=float)
        if p.shape != (self.n_params,):
            raise ValueError(f"p must have shape (n_params,) = ({self.n_params},); got {p.shape}")
        out, i = [], 0
        for s in self.shapes:
            n = int(np.prod(s))
            out.append(p[i:i + n].reshape(s))
            i += n
        return out

    def init_params(self, *, rng: np.random.Generator, scale: float = 1.0) -> np.ndarray:
        """Gaussian initial parameters ``N(0, scale²)``."""
        rng = generator("rng", rng)
        return positive_real("scale", scale) * rng.standard_normal(self.n_params)


def _units_forward(units, G):
    H = np.empty((G.shape[0], len(units)))
    j = 0
    for k, u in enumerate(units):
        g = G[:, j]
        if u == "id":
            H[:, k] = g
        elif u == "sin":
            H[:, k] = np.sin(g)
        elif u == "cos":
            H[:, k] = np.cos(g)
        elif u == "sq":
            H[:, k] = g * g
        else:  # mul
            H[:, k] = g * G[:, j + 1]
        j += UNITS[u]
    return H


def _units_backward(units, G, dH):
    dG = np.empty_like(G)
    j = 0
    for k, u in enumerate(units):
        g, d = G[:, j], dH[:, k]
        if u == "id":
            dG[:, j] = d
        elif u == "sin":
            dG[:, j] = d * np.cos(g)
        elif u == "cos":
            dG[:, j] = -d * np.sin(g)
        elif u == "sq":
            dG[:, j] = 2 * d * g
        else:
            dG[:, j] = d * G[:, j + 1]
            dG[:, j + 1] = d * g
        j += UNITS[u]
    return dG


_NO_Y = object()


def _check_net(net) -> SymbolicNet:
    return V.instance("net", net, SymbolicNet, hint="build one with SymbolicNet(n_in, layers)")


def _check_data(net: SymbolicNet, X, y=_NO_Y):
    net = _check_net(net)
    X = finite_array("X", X, ndim=2)
    if X.shape[1] != net.n_in:
        raise ValueError(f"X must have n_in={net.n_in} columns; got {X.shape}")
    if y is _NO_Y:
        return X
    if y is None:
        raise TypeError("y must be a 1-D array of targets; got None")
    y = finite_array("y", y, ndim=1)
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have one entry per row of X ({X.shape[0]}); got {y.shape}")
    return X, y


def _forward(net, P, X):
    H, cache = X, []
    for l in range(len(net.layers)):
        W, b = P[2 * l], P[2 * l + 1]
        G = H @ W + b
        cache.append((H, G))
        H = _units_forward(net.layers[l], G)
    return H @ P[-2] + P[-1], H, cache


def forward(net: SymbolicNet, p, X) -> np.ndarray:
    """Network output ``(n,)`` at inputs ``X`` ``(n, n_in)``.

    Examples
    --------
    >>> net = SymbolicNet(1, (("sin",),))
    >>> p = np.array([2.0, 0.0, 3.0, 1.0])      # 3 sin(2x) + 1
    >>> float(forward(net, p, np.array([[np.pi / 4]]))[0])
    4.0
    """
    X = _check_data(net, X)
    return _forward(net, net.unpack(p), X)[0]


def mse_and_grad(net: SymbolicNet, p, X, y) -> tuple[float, np.ndarray]:
    r"""Mean squared error ``(1/n) Σ (ŷ_i − y_i)²`` and its gradient by backpropagation.

    Examples
    --------
    >>> net = SymbolicNet(1, (("id",),))
    >>> mse_and_grad(net, np.array([1.0, 0.0, 1.0, 0.0]), np.array([[1.0]]), np.array([3.0]))
    (4.0, array([-4., -4., -4., -4.]))
    """
    X, y = _check_data(net, X, y)
    net.unpack(p)                     # checks p
    return _mse_and_grad(net, np.asarray(p, dtype=float), X, y)


def _mse_and_grad(net, p, X, y):
    P = net._unpack(p)
    yhat, H, cache = _forward(net, P, X)
    r = yhat - y
    n = y.size
    dy = 2 * r / n
    grads = [None] * len(P)
    grads[-2] = H.T @ dy
    grads[-1] = np.asarray(dy.sum())
    dH = dy[:, None] * P[-2][None, :]
    for l in range(len(net.layers) - 1, -1, -1):
        Hin, G = cache[l]
        dG = _units_backward(net.layers[l], G, dH)
        grads[2 * l] = Hin.T @ dG
        grads[2 * l + 1] = dG.sum(0)
        if l:
            dH = dG @ P[2 * l].T
    return float(r @ r / n), np.concatenate([np.ravel(g) for g in grads])


def l05_smooth(w, a: float) -> tuple[float, np.ndarray]:
    r"""Smoothed L0.5 penalty ``Σ_i √s(w_i)`` and its gradient, with
    ``s(w) = |w|`` for ``|w| ≥ a`` and the quartic ``−w⁴/(8a³) + 3w²/(4a) + 3a/8``
    below ``a`` (matches ``|w|`` in value and slope at ``±a``; DySymNet uses ``a = 0.01``,
    following Fan et al. 2014).

    Examples
    --------
    >>> v, g = l05_smooth(np.array([4.0, -1.0]), a=0.01)
    >>> v, g
    (3.0, array([ 0.25, -0.5 ]))
    """
    w = finite_array("w", w, ndim=1)
    a = positive_real("a", a)
    small = np.abs(w) < a
    s = np.where(small, -w ** 4 / (8 * a ** 3) + 3 * w ** 2 / (4 * a) + 3 * a / 8, np.abs(w))
    ds = np.where(small, -w ** 3 / (2 * a ** 3) + 3 * w / (2 * a), np.sign(w))
    rs = np.sqrt(s)
    return float(rs.sum()), ds / (2 * rs)


def objective_and_grad(net: SymbolicNet, p, X, y, *, reg_weight: float, a: float = 0.01):
    """``MSE + λ Σ √s(p_i)`` (all weights and biases) and its gradient."""
    reg_weight = nonneg_real("reg_weight", reg_weight)
    a = positive_real("a", a)
    m, g = mse_and_grad(net, p, X, y)
    v, gv = l05_smooth(np.asarray(p, dtype=float), a)
    return m + reg_weight * v, g + reg_weight * gv


@dataclass
class SymbolicFit:
    """Result of :func:`fit_symbolic`: best parameters (pruned ones exactly 0), the
    mask of survivors, final training MSE, the number of non-zero parameters, and the
    final MSE of every restart."""

    net: SymbolicNet
    params: np.ndarray
    mask: np.ndarray
    mse: float
    n_nonzero: int
    restart_mse: np.ndarray


def fit_symbolic(net: SymbolicNet, X, y, *, rng: np.random.Generator, n_restarts: int = 5,
                 reg_weight: float = 1e-3, a: float = 0.01, threshold: float = 0.05,
                 maxiter: int = 2000, init_scale: float = 0.5, refine: bool = True) -> SymbolicFit:
    r"""Three-stage sparse fit (after DySymNet's training, with L-BFGS in place of RMSprop):

    1. L-BFGS on the MSE;
    2. L-BFGS on ``MSE + λ·L0.5*`` (:func:`l05_smooth`);
    3. prune ``|p| < threshold`` and refit the survivors by BFGS on the MSE (the
       paper's constant refinement).

    Repeated from ``n_restarts`` random initialisations; the restart with the lowest
    final MSE is returned (ties broken by fewer parameters). ``refine=False`` skips the
    refit of stage 3 (the pruned stage-2 parameters are returned: an ablation).
    """
    X, y = _check_data(net, X, y)
    rng = generator("rng", rng)
    n_restarts = V.count("n_restarts", n_restarts)
    lam = nonneg_real("reg_weight", reg_weight)
    a = positive_real("a", a)
    thr = nonneg_real("threshold", threshold)
    maxiter = V.count("maxiter", maxiter)
    init_scale = positive_real("init_scale", init_scale)
    refine = V.flag("refine", refine)
    V.elements("n_restarts * maxiter * len(X) * n_params (the work)",
               3 * n_restarts * maxiter * X.shape[0] * net.n_params, limit=10**12)
    opts = {"maxiter": maxiter}
    best, mses = None, []
    for _ in range(n_restarts):
        p = net.init_params(rng=rng, scale=init_scale)
        with np.errstate(all="ignore"):
            p = minimize(lambda q: _mse_and_grad(net, q, X, y), p, jac=True,
                         method="L-BFGS-B", options=opts).x
            if lam > 0:
                def obj(q):
                    m, g = _mse_and_grad(net, q, X, y)
                    v, gv = l05_smooth(q, a)
                    return m + lam * v, g + lam * gv
                p = minimize(obj, p, jac=True, method="L-BFGS-B", options=opts).x
            mask = np.abs(p) >= thr
            p = np.where(mask, p, 0.0)

            def obj3(q):
                full = np.zeros(net.n_params)
                full[mask] = q
                m, g = _mse_and_grad(net, full, X, y)
                return m, g[mask]
            if mask.any() and refine:
                res = minimize(obj3, p[mask], jac=True, method="BFGS", options={"maxiter": maxiter, "gtol": 1e-12})
                p = np.zeros(net.n_params)
                p[mask] = res.x
        m = _mse_and_grad(net, p, X, y)[0]
        if not np.isfinite(m):
            m = np.inf
        mses.append(m)
        key = (m, int(mask.sum()))
        if best is None or key < best[0]:
            best = (key, p.copy(), mask.copy())
    (m, nnz), p, mask = best
    return SymbolicFit(net, p, mask, float(m), int(np.count_nonzero(p)), np.array(mses))


def to_sympy(net: SymbolicNet, p, names=None) -> sp.Expr:
    """The network as a sympy expression (zero parameters drop out), expanded.

    Examples
    --------
    >>> net = SymbolicNet(1, (("sin",),))
    >>> to_sympy(net, np.array([2.0, 0.0, 3.0, 1.0]))
    3.0*sin(2.0*x1) + 1.0
    """
    net = _check_net(net)
    P = net.unpack(p)
    if names is None:
        names = [f"x{i + 1}" for i in range(net.n_in)]
    if isinstance(names, (str, bytes)) or not isinstance(names, (list, tuple)):
        raise TypeError(f"names must be a list or tuple of variable names; got {type(names).__name__}")
    if any(not isinstance(n, str) or not n.strip() for n in names):
        raise TypeError("names must hold non-empty strings (variable names)")
    names = names or [f"x{i + 1}" for i in range(net.n_in)]
    if len(names) != net.n_in:
        raise ValueError(f"names must have n_in={net.n_in} entries; got {len(names)}")
    H = [sp.Symbol(n) for n in names]

    def num(v):
        v = float(v)
        return sp.Integer(0) if v == 0 else sp.Float(v)
    for l, units in enumerate(net.layers):
        W, b = P[2 * l], P[2 * l + 1]
        G = [sum((num(W[i, j]) * H[i] for i in range(len(H))), sp.Integer(0)) + num(b[j])
             for j in range(W.shape[1])]
        out, j = [], 0
        for u in units:
            g = G[j]
            out.append({"id": g, "sin": sp.sin(g), "cos": sp.cos(g), "sq": g ** 2,
                        "mul": g * G[j + 1] if u == "mul" else None}[u])
            j += UNITS[u]
        H = out
    expr = sum((num(P[-2][k]) * H[k] for k in range(len(H))), sp.Integer(0)) + num(P[-1])
    return sp.expand(expr)


def rationalize_constants(expr: sp.Expr, tol: float = 1e-6, constants=(sp.pi,)) -> sp.Expr:
    """Replace every float constant by the simplest rational (or rational combination
    of ``constants``, default ``π``) within ``tol`` (``sympy.nsimplify``), e.g.
    ``1.3000000004 -> 13/10``, ``3.14159265 -> pi``; then expand.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> rationalize_constants(2.50000000001 * sp.sin(1.2999999999 * x))
    5*sin(13*x/10)/2
    """
    expr = V.instance("expr", expr, sp.Basic, hint="a sympy expression")
    tol = positive_real("tol", tol)
    if isinstance(constants, (str, bytes)) or not isinstance(constants, (list, tuple)):
        raise TypeError(f"constants must be a tuple of sympy constants (e.g. (sympy.pi,)); got "
                        f"{type(constants).__name__}")
    if any(not isinstance(k, sp.Basic) or k.free_symbols for k in constants):
        raise TypeError("constants must hold sympy constants without free symbols (e.g. sympy.pi, sympy.E)")

    def simplest(c):
        q = sp.nsimplify(c, tolerance=tol, rational=True)
        if constants:
            k = sp.nsimplify(c, list(constants), tolerance=tol)
            if k.free_symbols == set() and k != q and abs(float(k) - float(c)) <= tol \
                    and sp.count_ops(k) <= sp.count_ops(q):
                return k
        return q
    reps = {c: simplest(c) for c in expr.atoms(sp.Float)}
    return sp.expand(expr.xreplace(reps))

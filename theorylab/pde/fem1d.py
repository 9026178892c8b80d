r"""1-D piecewise-linear (P1) finite elements on [a, b] with Dirichlet data.

For :math:`-u'' = f` on :math:`(a, b)`, :math:`u(a) = g_0`, :math:`u(b) = g_1`, on nodes
:math:`a = x_0 < \dots < x_n = b` with hat functions :math:`\varphi_j`:

* stiffness :math:`K_{ij} = \int\varphi_i'\varphi_j'` (element matrix :math:`\frac1h[[1,-1],[-1,1]]`),
  mass :math:`M_{ij} = \int\varphi_i\varphi_j` (:math:`\frac h6[[2,1],[1,2]]`);
* **lifting**: :math:`u_h = g_h + \sum_{j\ \mathrm{interior}} c_j\varphi_j` with
  :math:`g_h = g_0\varphi_0 + g_1\varphi_n`, and :math:`K_{II}c = F_I - K_{IB}g_B`. The boundary
  values of :math:`u_h` are :math:`g_0, g_1` *whatever* c is -- the structure-preserving decoder
  of Bouziani & Boullé, *Structure-preserving operator learning* (arXiv:2410.01065), where a
  processor network predicts c only (:func:`lift`);
* the load :math:`F_i = \int f\varphi_i` by Gauss-Legendre quadrature on each element, or
  :math:`F = M f_h` for the nodal interpolant :math:`f_h` (an operator on nodal values);
* errors :math:`\|u - u_h\|_{L^2}` by element-wise Gauss quadrature (nodal errors of 1-D P1 are
  superconvergent and would show a spurious rate). For smooth u the error is
  :math:`O(h^2)` in :math:`L^2` (Aubin-Nitsche).

Nodal vectors have shape ``(..., n+1)``; leading axes are a batch. Used by
``notebooks/mechanisms/structure-preserving-operator-learning.md``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .. import _validate as v

__all__ = ["uniform_mesh", "graded_mesh", "gauss_legendre", "stiffness_matrix", "mass_matrix",
           "load_vector", "lift", "solve_dirichlet", "solution_operator", "evaluate", "l2_error"]


MAX_QUAD = 1000
"""Largest number of Gauss points per element (the rule costs an eigenproblem of that size)."""


def _nodes(nodes) -> np.ndarray:
    x = v.min_length("nodes", v.shaped_array("nodes", nodes, ndim=1), 2)
    if np.any(np.diff(x) <= 0):
        raise ValueError("nodes must be strictly increasing")
    return x


def uniform_mesh(n_elements: int, a: float = 0.0, b: float = 1.0) -> np.ndarray:
    """``n_elements + 1`` equispaced nodes on [a, b].

    Examples
    --------
    >>> uniform_mesh(4)
    array([0.  , 0.25, 0.5 , 0.75, 1.  ])
    """
    n = v.count("n_elements", n_elements, high=v.MAX_ELEMENTS - 1)
    a, b = v.finite_real("a", a), v.finite_real("b", b)
    if not b > a:
        raise ValueError(f"b must be > a; got a={a}, b={b}")
    return np.linspace(a, b, n + 1)


def graded_mesh(n_elements: int, grading: float, *, side: str = "left") -> np.ndarray:
    r"""Nodes :math:`x_i = (i/n)^p` on [0, 1] (clustered at 0), or :math:`1 - (1 - i/n)^p`
    (``side="right"``, clustered at 1); ``grading`` p >= 1 (p = 1 is uniform).

    Examples
    --------
    >>> graded_mesh(2, 2.0)
    array([0.  , 0.25, 1.  ])
    """
    n = v.count("n_elements", n_elements, high=v.MAX_ELEMENTS - 1)
    p = v.positive_real("grading", grading)
    if p < 1:
        raise ValueError(f"grading must be >= 1; got {p}")
    v.choice("side", side, ("left", "right"))
    s = (np.arange(n + 1) / n) ** p
    return s if side == "left" else 1.0 - s[::-1]


def gauss_legendre(n_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1] (exact for polynomials of degree 2n-1).

    Examples
    --------
    >>> t, w = gauss_legendre(2)
    >>> round(float(w @ t**3), 12)
    0.25
    """
    n = v.count("n_points", n_points, high=MAX_QUAD)
    t, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (t + 1.0), 0.5 * w


def stiffness_matrix(nodes) -> sp.csr_matrix:
    r"""Global P1 stiffness matrix :math:`K`, shape (n+1, n+1), sparse.

    Examples
    --------
    >>> stiffness_matrix([0.0, 0.5, 1.0]).toarray()
    array([[ 2., -2.,  0.],
           [-2.,  4., -2.],
           [ 0., -2.,  2.]])
    """
    x = _nodes(nodes)
    h = np.diff(x)
    d = np.zeros(x.size)
    d[:-1] += 1 / h
    d[1:] += 1 / h
    return sp.diags([-1 / h, d, -1 / h], [-1, 0, 1], format="csr")


def mass_matrix(nodes) -> sp.csr_matrix:
    r"""Global P1 (consistent) mass matrix :math:`M`, shape (n+1, n+1), sparse.

    Examples
    --------
    >>> float(mass_matrix([0.0, 0.5, 1.0]).sum())   # integral of 1 = 1
    1.0
    """
    x = _nodes(nodes)
    h = np.diff(x)
    d = np.zeros(x.size)
    d[:-1] += h / 3
    d[1:] += h / 3
    return sp.diags([h / 6, d, h / 6], [-1, 0, 1], format="csr")


def _quad_points(x, n_quad):
    t, w = gauss_legendre(n_quad)
    h = np.diff(x)
    xq = x[:-1, None] + h[:, None] * t[None, :]          # (n_el, n_quad)
    wq = h[:, None] * w[None, :]
    return xq, wq, t


def load_vector(nodes, f: Callable[[np.ndarray], np.ndarray], *, n_quad: int = 4) -> np.ndarray:
    r""":math:`F_i = \int f\varphi_i` by ``n_quad``-point Gauss quadrature per element.

    Parameters
    ----------
    nodes : (n+1,) increasing
    f : callable, vectorised: ``f(x)`` of shape ``(..., *x.shape)`` (a batch of sources is
        allowed)
    n_quad : int

    Returns
    -------
    F : (..., n+1)

    Examples
    --------
    >>> F = load_vector([0.0, 0.5, 1.0], lambda x: np.ones_like(x))
    >>> F
    array([0.25, 0.5 , 0.25])
    """
    x = _nodes(nodes)
    f = v.function("f", f, what="f(x) on an array of points")
    xq, wq, t = _quad_points(x, v.count("n_quad", n_quad, high=MAX_QUAD))
    fq = np.asarray(f(xq), dtype=np.float64)
    if fq.shape[-2:] != xq.shape or not np.all(np.isfinite(fq)):
        raise ValueError(f"f(x) must be finite with trailing shape {xq.shape}; got {fq.shape}")
    left = np.sum(fq * wq * (1 - t), axis=-1)            # integral against the left hat
    right = np.sum(fq * wq * t, axis=-1)
    F = np.zeros(fq.shape[:-2] + (x.size,))
    F[..., :-1] += left
    F[..., 1:] += right
    return F


def lift(interior, g0, g1) -> np.ndarray:
    r"""Structure-preserving decoder: nodal vector ``[g0, interior..., g1]``.

    Whatever the interior coefficients (e.g. any processor-network output), the decoded P1
    function has :math:`u_h(a) = g_0` and :math:`u_h(b) = g_1` exactly.

    Parameters
    ----------
    interior : (..., n-1)
    g0, g1 : floats or arrays broadcastable to the leading shape ``(...)``

    Returns
    -------
    U : (..., n+1)

    Examples
    --------
    >>> lift(np.array([[5.0, 6.0]]), 1.0, np.array([2.0]))
    array([[1., 5., 6., 2.]])
    """
    c = v.shaped_array("interior", interior, nonempty=False)
    if c.ndim < 1:
        raise ValueError("interior must have at least one axis")
    lead = c.shape[:-1]
    g0, g1 = v.shaped_array("g0", g0), v.shaped_array("g1", g1)
    try:
        g0 = np.broadcast_to(g0, lead)[..., None]
        g1 = np.broadcast_to(g1, lead)[..., None]
    except ValueError:
        raise ValueError(f"g0 and g1 must broadcast to the leading shape {lead} of interior (shape {c.shape}); "
                         f"got shapes {g0.shape} and {g1.shape}") from None
    return np.concatenate([g0, c, g1], axis=-1)


def solution_operator(nodes) -> tuple[np.ndarray, np.ndarray]:
    r"""Dense matrices of the discrete solution map from nodal data to interior coefficients.

    With the load :math:`F = M f_h` of the nodal interpolant of f,
    :math:`c = K_{II}^{-1}(M_{I\cdot} f_h - K_{IB} g_B) = S_f f_h + S_g g_B`.

    Returns
    -------
    S_f : (n-1, n+1);  S_g : (n-1, 2)   (``g_B = [g0, g1]``)

    Examples
    --------
    >>> S_f, S_g = solution_operator(uniform_mesh(4))
    >>> bool(np.allclose(S_g @ [1.0, 1.0], 1.0))        # u = 1 solves -u'' = 0
    True
    """
    x = _nodes(nodes)
    K, M = stiffness_matrix(x).toarray(), mass_matrix(x).toarray()
    inner = slice(1, -1)
    KII = K[inner, inner]
    S_f = np.linalg.solve(KII, M[inner, :])
    S_g = -np.linalg.solve(KII, K[inner][:, [0, -1]])
    return S_f, S_g


def solve_dirichlet(nodes, f: Callable[[np.ndarray], np.ndarray], g0: float, g1: float, *,
                    load: str = "quadrature", n_quad: int = 4) -> np.ndarray:
    r"""P1 Galerkin solution of :math:`-u'' = f`, :math:`u(a) = g_0`, :math:`u(b) = g_1`, by lifting.

    Parameters
    ----------
    nodes : (n+1,)
    f : callable, vectorised
    g0, g1 : Dirichlet values
    load : "quadrature" (:math:`\int f\varphi_i`) or "interpolant" (:math:`M f_h`)
    n_quad : quadrature points per element (load="quadrature")

    Returns
    -------
    U : (n+1,) nodal values, ``U[0] == g0`` and ``U[-1] == g1`` exactly

    Examples
    --------
    >>> U = solve_dirichlet(uniform_mesh(8), lambda x: 2.0 + 0 * x, 0.0, 0.0)   # u = x(1-x)
    >>> bool(np.allclose(U, uniform_mesh(8) * (1 - uniform_mesh(8))))
    True
    """
    x = _nodes(nodes)
    g0, g1 = v.finite_real("g0", g0), v.finite_real("g1", g1)
    v.choice("load", load, ("quadrature", "interpolant"))
    f = v.function("f", f, what="f(x) on an array of points")
    n_quad = v.count("n_quad", n_quad, high=MAX_QUAD)
    if x.size < 3:
        return np.array([g0, g1])
    K = stiffness_matrix(x)
    if load == "quadrature":
        F = load_vector(x, f, n_quad=n_quad)
    else:
        fn = np.asarray(f(x), dtype=np.float64)
        if fn.shape != x.shape:
            raise ValueError(f"f(nodes) must have shape {x.shape}; got {fn.shape}")
        F = mass_matrix(x) @ fn
    KII = K[1:-1, 1:-1].tocsc()
    rhs = F[1:-1] - K[1:-1][:, [0, x.size - 1]] @ np.array([g0, g1])
    return lift(spla.spsolve(KII, rhs), g0, g1)


def evaluate(nodes, U, xq) -> np.ndarray:
    """Evaluate P1 functions with nodal values ``U`` (..., n+1) at points ``xq`` (q,) -> (..., q).

    Examples
    --------
    >>> evaluate([0.0, 1.0], np.array([0.0, 2.0]), np.array([0.25]))
    array([0.5])
    """
    x = _nodes(nodes)
    U = v.shaped_array("U", U)
    if U.ndim < 1 or U.shape[-1] != x.size:
        raise ValueError(f"U must have shape (..., {x.size}); got {U.shape}")
    xq = v.shaped_array("xq", xq, ndim=1)
    if np.any(xq < x[0]) or np.any(xq > x[-1]):
        raise ValueError("xq must lie inside [nodes[0], nodes[-1]]")
    e = np.clip(np.searchsorted(x, xq, side="right") - 1, 0, x.size - 2)
    t = (xq - x[e]) / (x[e + 1] - x[e])
    return U[..., e] * (1 - t) + U[..., e + 1] * t


def l2_error(nodes, U, u_exact: Callable[[np.ndarray], np.ndarray], *, n_quad: int = 5) -> np.ndarray:
    r""":math:`\|u - u_h\|_{L^2(a,b)}` by ``n_quad``-point Gauss quadrature on every element.

    Parameters
    ----------
    nodes : (n+1,);  U : (..., n+1) nodal values of u_h
    u_exact : callable, ``u_exact(x)`` of shape ``(..., *x.shape)`` (batch-compatible with U)
    n_quad : int

    Returns
    -------
    err : float array of shape ``(...)``

    Examples
    --------
    >>> x = uniform_mesh(1)
    >>> round(float(l2_error(x, np.array([0.0, 1.0]), lambda s: s**2) ** 2) * 30, 12)   # = 1/30
    1.0
    """
    x = _nodes(nodes)
    U = v.shaped_array("U", U)
    if U.ndim < 1 or U.shape[-1] != x.size:
        raise ValueError(f"U must have shape (..., {x.size}); got {U.shape}")
    u_exact = v.function("u_exact", u_exact, what="u_exact(x) on an array of points")
    xq, wq, t = _quad_points(x, v.count("n_quad", n_quad, high=MAX_QUAD))
    uh = U[..., :-1, None] * (1 - t) + U[..., 1:, None] * t
    ue = np.asarray(u_exact(xq), dtype=np.float64)
    if not np.all(np.isfinite(ue)):
        raise ValueError("u_exact(x) returned non-finite values")
    return np.sqrt(np.sum((uh - ue) ** 2 * wq, axis=(-2, -1)))

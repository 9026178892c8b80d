r"""0-dimensional persistent homology on graphs, one- and two-parameter.

- :func:`lower_star_h0`: the H0 barcode of a lower-star filtration (vertex values
  :math:`f`, edge value :math:`\max(f_u, f_v)`) by union--find with the elder rule, with the
  vertex that creates and the vertex that kills every bar. Since a bar's endpoints are vertex
  values, :math:`\partial(d - b)/\partial f` is a signed indicator on a locally constant pair
  (Leygonie, Oudot & Tillmann 2021; Carri\`ere et al. 2021): :func:`persistence_loss`.
- :func:`hilbert_function_h0`: the Hilbert function :math:`H(a, b) = \beta_0` of a
  bifiltered graph on a grid, one minimum spanning forest per grid column (components =
  vertices present minus spanning-forest edges present).
- :func:`mobius_inversion`, :func:`signed_measure`: its Möbius inversion, the Hilbert signed
  measure :math:`\mu = \sum_k c_k\delta_{p_k}`, whose point coordinates are filtration values of
  specific vertices; :func:`signed_measure_loss` smooths it with a Gaussian and back-propagates
  into the vertex values (the mechanism behind the differentiability framework of Scoccola,
  Setlur, Loiseaux, Carri\`ere & Oudot, ICML 2024; the exact descriptors of the paper are richer).
- Point clouds: :func:`rips_h0_deaths` (single linkage) and :func:`knn_codensity`.

Used by ``notebooks/learning-theory/multiparameter-ph-optimization.md``.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import minimum_spanning_tree
from scipy.spatial.distance import cdist

from ._validate import array, count, elements, integer, positive_real, real, shaped_array

__all__ = [
    "path_graph_edges",
    "radius_graph_edges",
    "lower_star_h0",
    "persistence_loss",
    "hilbert_function_h0",
    "mobius_inversion",
    "signed_measure",
    "signed_measure_loss",
    "rips_h0_deaths",
    "knn_codensity",
    "rips_codensity_hilbert",
]


def _edges(edges, n: int) -> np.ndarray:
    E = np.asarray(edges)
    if E.ndim != 2 or E.shape[1] != 2 or not np.issubdtype(E.dtype, np.integer):
        raise ValueError(f"edges must be an integer array of shape (E, 2); got {E.shape}, {E.dtype}")
    if E.size and (E.min() < 0 or E.max() >= n):
        raise ValueError(f"edges must index vertices 0..{n - 1}")
    if np.any(E[:, 0] == E[:, 1]):
        raise ValueError("edges must not contain self-loops")
    return E.astype(np.intp)


def path_graph_edges(n_vertices: int) -> np.ndarray:
    """Edges ``(i, i+1)`` of a path on ``n_vertices`` vertices, shape ``(n - 1, 2)``.

    Examples
    --------
    >>> path_graph_edges(3).tolist()
    [[0, 1], [1, 2]]
    """
    n = count("n_vertices", n_vertices)
    elements("2 * n_vertices", 2 * n)
    i = np.arange(n - 1)
    return np.stack([i, i + 1], axis=1)


def radius_graph_edges(X, radius: float) -> np.ndarray:
    """Edges ``(i, j)``, ``i < j``, with ``|x_i - x_j| <= radius``, shape ``(E, 2)``.

    Examples
    --------
    >>> import numpy as np
    >>> radius_graph_edges(np.array([[0.0], [0.5], [2.0]]), 1.0).tolist()
    [[0, 1]]
    """
    A = shaped_array("X", X, ndim=2)
    r = positive_real("radius", radius)
    elements("len(X) ** 2 (pairwise distances)", (A.shape[0], A.shape[0]))
    D = cdist(A, A)
    i, j = np.nonzero(np.triu(D <= r, k=1))
    return np.stack([i, j], axis=1)


def _find(parent: list[int], x: int) -> int:
    root = x
    while parent[root] != root:
        root = parent[root]
    while parent[x] != root:  # path compression
        parent[x], x = root, parent[x]
    return root


def lower_star_h0(f, edges) -> dict[str, np.ndarray]:
    r"""H0 persistence of the lower-star filtration of a graph.

    Vertices enter at :math:`f_v`, edge :math:`uv` at :math:`\max(f_u, f_v)`; edges are processed
    in increasing value (ties broken by edge index, vertices by index). When an edge joins two
    components, the younger one (larger birth value; elder rule) dies.

    Parameters
    ----------
    f : (n,) vertex values
    edges : (E, 2) integer vertex pairs

    Returns
    -------
    dict with, for the finite bars (zero-length bars included): ``birth``, ``death`` (k,),
    ``birth_vertex``, ``death_vertex`` (k,) (``f[birth_vertex] == birth``,
    ``f[death_vertex] == death``); and for the essential bars (one per connected component):
    ``essential_birth``, ``essential_vertex``.

    Examples
    --------
    >>> import numpy as np
    >>> d = lower_star_h0(np.array([0.0, 2.0, 1.0, 3.0, 0.5]), path_graph_edges(5))
    >>> keep = d["death"] > d["birth"]          # drop the zero-length bars
    >>> list(zip(d["birth"][keep].tolist(), d["death"][keep].tolist()))
    [(1.0, 2.0), (0.5, 3.0)]
    >>> d["essential_birth"].tolist()
    [0.0]
    """
    fv = shaped_array("f", f, ndim=1)
    n = fv.size
    E = _edges(edges, n)
    ev = np.maximum(fv[E[:, 0]], fv[E[:, 1]]) if E.size else np.empty(0)
    order = np.lexsort((np.arange(E.shape[0]), ev))
    # the vertex at which each edge enters: its endpoint with the larger value (larger index on ties)
    u, w = E[:, 0], E[:, 1]
    top = np.where((fv[w] > fv[u]) | ((fv[w] == fv[u]) & (w > u)), w, u)
    parent = list(range(n))
    oldest = list(range(n))  # the vertex of minimal (f, index) of each root's component
    key = [(fv[i], i) for i in range(n)]
    births, deaths, bv, dv = [], [], [], []
    for e in order.tolist():
        ra, rb = _find(parent, int(u[e])), _find(parent, int(w[e]))
        if ra == rb:
            continue
        oa, ob = oldest[ra], oldest[rb]
        young, old = (oa, ob) if key[oa] > key[ob] else (ob, oa)
        births.append(fv[young])
        deaths.append(ev[e])
        bv.append(young)
        dv.append(int(top[e]))
        parent[ra] = rb
        oldest[rb] = old
    roots = sorted({_find(parent, i) for i in range(n)}, key=lambda r: key[oldest[r]])
    ess_v = np.array([oldest[r] for r in roots], dtype=np.intp)
    return {
        "birth": np.array(births, dtype=float),
        "death": np.array(deaths, dtype=float),
        "birth_vertex": np.array(bv, dtype=np.intp),
        "death_vertex": np.array(dv, dtype=np.intp),
        "essential_birth": fv[ess_v],
        "essential_vertex": ess_v,
    }


def persistence_loss(f, edges, *, threshold: float | None = None) -> tuple[float, np.ndarray]:
    r"""Total squared persistence of the finite H0 bars and its gradient in :math:`f`.

    .. math:: L(f) = \sum_{(b, d):\ d - b < \tau} (d - b)^2, \qquad
              \frac{\partial L}{\partial f_{v_d}} \mathrel{+}= 2(d - b),\quad
              \frac{\partial L}{\partial f_{v_b}} \mathrel{-}= 2(d - b),

    with :math:`v_b, v_d` the birth and death vertices (fixed on the open dense set where
    the order of the values is fixed). ``threshold`` :math:`\tau` (default: none) keeps only
    the small bars, the "remove topological noise" loss (``inf`` keeps every bar, ``-inf`` none).

    Returns ``(L, grad (n,))``.

    Examples
    --------
    >>> import numpy as np
    >>> L, g = persistence_loss(np.array([0.0, 2.0, 1.0]), path_graph_edges(3))
    >>> L, g.tolist()
    (1.0, [0.0, 2.0, -2.0])
    """
    fv = shaped_array("f", f, ndim=1)
    d = lower_star_h0(fv, edges)
    pers = d["death"] - d["birth"]
    keep = np.ones(pers.size, bool) if threshold is None else pers < real("threshold", threshold, finite=False)
    g = np.zeros(fv.size)
    np.add.at(g, d["death_vertex"][keep], 2 * pers[keep])
    np.add.at(g, d["birth_vertex"][keep], -2 * pers[keep])
    return float(np.sum(pers[keep] ** 2)), g


def _column_counts(v1, v2, e1, e2, E, grid1, grid2) -> np.ndarray:
    """beta_0 at every (grid1[i], grid2[j]) from one minimum spanning forest per column."""
    n = v1.size
    H = np.zeros((grid1.size, grid2.size), dtype=np.int64)
    # integer ranks as MST weights: exact in float64 and >= 1 (scipy drops zero weights)
    levels = np.unique(e1)
    rank = np.searchsorted(levels, e1) + 1.0
    for j, b in enumerate(grid2):
        vin = v2 <= b
        nv = np.searchsorted(np.sort(v1[vin]), grid1, side="right")
        ein = e2 <= b
        if np.any(ein):
            Ej = E[ein]
            # weights shifted to be >= 1: scipy drops zero-weight edges
            G = coo_matrix((rank[ein], (Ej[:, 0], Ej[:, 1])), shape=(n, n)).tocsr()
            T = minimum_spanning_tree(G)
            w = levels[np.sort(T.data).astype(np.intp) - 1]
            ne = np.searchsorted(w, grid1, side="right")
        else:
            ne = 0
        H[:, j] = nv - ne
    return H


def hilbert_function_h0(f1, f2, edges, *, grid1=None, grid2=None,
                        edge_values=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Hilbert function of H0 of a bifiltered graph: :math:`H(a, b) = \beta_0` of the
    subgraph of vertices with :math:`(f_1, f_2) \le (a, b)` and edges whose grade is :math:`\le (a, b)`.

    Parameters
    ----------
    f1, f2 : (n,) vertex grades
    edges : (E, 2) integer vertex pairs (no duplicates)
    grid1, grid2 : increasing grid values; default the sorted distinct vertex values of
        each coordinate (the grid induced by the filtration, on which :math:`H` is exact)
    edge_values : optional ``(e1, e2)`` edge grades; default the coordinate-wise max of the
        endpoints' grades (lower-star bifiltration). Each must be >= its endpoints' grades.

    Returns
    -------
    ``(H (G1, G2) int, grid1, grid2)``.

    Examples
    --------
    >>> import numpy as np
    >>> H, g1, g2 = hilbert_function_h0(np.array([0.0, 1.0]), np.array([1.0, 0.0]),
    ...                                 np.array([[0, 1]]))
    >>> H.tolist()
    [[0, 1], [1, 1]]
    """
    a1 = shaped_array("f1", f1, ndim=1)
    a2 = shaped_array("f2", f2, shape=(a1.size,))
    E = _edges(edges, a1.size)
    if edge_values is None:
        e1 = np.maximum(a1[E[:, 0]], a1[E[:, 1]])
        e2 = np.maximum(a2[E[:, 0]], a2[E[:, 1]])
    else:
        if isinstance(edge_values, (str, bytes)) or not isinstance(edge_values, (tuple, list, np.ndarray)):
            raise TypeError(f"edge_values must be a pair (e1, e2) of arrays of edge grades; "
                            f"got {type(edge_values).__name__}")
        if len(edge_values) != 2:
            raise ValueError(f"edge_values must be a pair (e1, e2); got {len(edge_values)} entries")
        e1 = shaped_array("edge_values[0]", edge_values[0], ndim=1, nonempty=False)
        e2 = shaped_array("edge_values[1]", edge_values[1], ndim=1, nonempty=False)
        if e1.shape != (E.shape[0],) or e2.shape != (E.shape[0],):
            raise ValueError(f"edge_values must hold one grade per row of edges ({E.shape[0]}); "
                             f"got shapes {e1.shape} and {e2.shape}")
        if np.any(e1 < np.maximum(a1[E[:, 0]], a1[E[:, 1]])) or np.any(
                e2 < np.maximum(a2[E[:, 0]], a2[E[:, 1]])):
            raise ValueError("edge_values must be >= the grades f1, f2 of both endpoints of each edge")
    g1 = np.unique(a1) if grid1 is None else shaped_array("grid1", grid1, ndim=1)
    g2 = np.unique(a2) if grid2 is None else shaped_array("grid2", grid2, ndim=1)
    for name, g in (("grid1", g1), ("grid2", g2)):
        if np.any(np.diff(g) <= 0):
            raise ValueError(f"{name} must be strictly increasing")
    return _column_counts(a1, a2, e1, e2, E, g1, g2), g1, g2


def _grid_function(H, ndim) -> np.ndarray:
    """``H`` checked (numeric, finite, non-empty, ``ndim``) with its own dtype kept (booleans as ints)."""
    array("H", H, ndim=ndim, nonempty=True)
    A = np.asarray(H)
    return A.astype(np.int64) if A.dtype.kind == "b" else A


def mobius_inversion(H) -> np.ndarray:
    r"""Möbius inversion on a grid with :math:`H = 0` outside it (1-D or 2-D):
    :math:`\mu_i = H_i - H_{i-1}`; :math:`\mu_{ij} = H_{ij} - H_{i-1,j} - H_{i,j-1} + H_{i-1,j-1}`,
    so that :math:`\sum_{i'\le i, j'\le j}\mu_{i'j'} = H_{ij}`.

    Examples
    --------
    >>> import numpy as np
    >>> mobius_inversion(np.array([[1, 1], [1, 2]])).tolist()
    [[1, 0], [0, 1]]
    """
    A = _grid_function(H, (1, 2))
    mu = np.diff(A, axis=0, prepend=0)
    if A.ndim == 2:
        mu = np.diff(mu, axis=1, prepend=0)
    return mu


def signed_measure(H, grid1, grid2) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Hilbert signed measure :math:`\mu = \sum_k c_k\delta_{p_k}` of a 2-D Hilbert function.

    Returns ``(points (K, 2), weights (K,) nonzero ints, index (K, 2) grid indices)``.

    Examples
    --------
    >>> import numpy as np
    >>> p, c, ij = signed_measure(np.array([[1, 1], [1, 2]]), np.array([0.0, 1.0]), np.array([5.0, 6.0]))
    >>> p.tolist(), c.tolist()
    ([[0.0, 5.0], [1.0, 6.0]], [1, 1])
    """
    mu = mobius_inversion(_grid_function(H, 2))
    g1 = shaped_array("grid1", grid1, shape=(mu.shape[0],))
    g2 = shaped_array("grid2", grid2, shape=(mu.shape[1],))
    i, j = np.nonzero(mu)
    return np.stack([g1[i], g2[j]], axis=1), mu[i, j], np.stack([i, j], axis=1)


def signed_measure_loss(f1, f2, edges, Z, *, bandwidth: float) -> dict[str, np.ndarray | float]:
    r"""Gaussian-smoothed Hilbert signed measure at query points and the gradient of its
    squared norm in the vertex grades.

    .. math:: V(z) = \sum_k c_k \exp\!\big(-\lVert z - p_k\rVert^2/(2s^2)\big), \qquad
              L = \sum_{z\in Z} V(z)^2 .

    On the induced grid every coordinate of :math:`p_k` is the grade of one vertex (distinct
    values assumed), so :math:`\partial L/\partial p_k` is added to that vertex's grade; the
    :math:`c_k` are locally constant.

    Parameters
    ----------
    f1, f2 : (n,) distinct vertex grades per coordinate (generic); edges : (E, 2)
    Z : (q, 2) query points; bandwidth : :math:`s > 0`

    Returns
    -------
    dict with ``V`` (q,), ``loss``, ``grad1``, ``grad2`` (n,), ``points``, ``weights``.

    Examples
    --------
    >>> import numpy as np
    >>> out = signed_measure_loss(np.array([0.0, 1.0]), np.array([1.0, 0.0]), np.array([[0, 1]]),
    ...                           np.array([[0.5, 0.5]]), bandwidth=1.0)
    >>> out["weights"].tolist()
    [1, 1, -1]
    """
    a1 = shaped_array("f1", f1, ndim=1)
    a2 = shaped_array("f2", f2, shape=(a1.size,))
    if np.unique(a1).size != a1.size or np.unique(a2).size != a2.size:
        raise ValueError("f1 and f2 must each have distinct values (jitter ties)")
    Zq = shaped_array("Z", Z, shape=(None, 2))
    s = positive_real("bandwidth", bandwidth)
    H, g1, g2 = hilbert_function_h0(a1, a2, edges)
    P, c, ij = signed_measure(H, g1, g2)
    owner1 = np.argsort(a1)  # grid1 = sorted a1, so grid index -> vertex
    owner2 = np.argsort(a2)
    diff = Zq[:, None, :] - P[None, :, :]  # (q, K, 2)
    K = np.exp(-np.sum(diff * diff, axis=2) / (2 * s * s))  # (q, K)
    V = K @ c
    # dL/dp_k = sum_z 2 V(z) c_k K(z, k) (z - p_k)/s^2
    gP = np.einsum("q,qk,qkc->kc", 2 * V, K * c[None, :], diff) / (s * s)
    grad1 = np.zeros(a1.size)
    grad2 = np.zeros(a2.size)
    np.add.at(grad1, owner1[ij[:, 0]], gP[:, 0])
    np.add.at(grad2, owner2[ij[:, 1]], gP[:, 1])
    return {"V": V, "loss": float(V @ V), "grad1": grad1, "grad2": grad2, "points": P, "weights": c}


def rips_h0_deaths(X) -> np.ndarray:
    r"""Finite H0 death times of the Rips filtration of a point cloud (all births 0), sorted
    decreasingly: the edge lengths of a Euclidean minimum spanning tree (single linkage).
    Shape ``(n - 1,)`` for distinct points.

    Examples
    --------
    >>> import numpy as np
    >>> rips_h0_deaths(np.array([[0.0], [1.0], [3.0]])).tolist()
    [2.0, 1.0]
    """
    A = shaped_array("X", X, ndim=2)
    elements("len(X) ** 2 (pairwise distances)", (A.shape[0], A.shape[0]))
    D = cdist(A, A)
    if np.any(D[~np.eye(A.shape[0], dtype=bool)] == 0):
        raise ValueError("X must have distinct points")
    T = minimum_spanning_tree(D)  # the zero diagonal is no edge
    return np.sort(T.data)[::-1]


def knn_codensity(X, k: int) -> np.ndarray:
    """Distance of each point to its ``k``-th nearest neighbour (itself excluded): large in
    sparse regions, so that outliers enter a codensity filtration last. Shape ``(n,)``.

    Examples
    --------
    >>> import numpy as np
    >>> knn_codensity(np.array([[0.0], [1.0], [3.0]]), 1).tolist()
    [1.0, 1.0, 2.0]
    """
    A = shaped_array("X", X, ndim=2)
    kk = integer("k", k, 1)
    if kk >= A.shape[0]:
        raise ValueError(f"k must be < n_points = {A.shape[0]}; got {kk}")
    elements("len(X) ** 2 (pairwise distances)", (A.shape[0], A.shape[0]))
    D = cdist(A, A)
    return np.sort(D, axis=1)[:, kk]


def rips_codensity_hilbert(X, radii, thresholds, *, k: int) -> np.ndarray:
    r"""Hilbert function of H0 of the Rips--codensity bifiltration of a point cloud on a grid:
    :math:`H(r, c)` = number of connected components of the graph on the points with
    codensity :math:`\le c`, joined when closer than :math:`r`. Shape ``(len(radii), len(thresholds))``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [0.1], [0.2], [5.0]])
    >>> rips_codensity_hilbert(X, [0.05, 1.0], [0.15, 10.0], k=1).tolist()
    [[3, 4], [1, 2]]
    """
    A = shaped_array("X", X, ndim=2)
    r = shaped_array("radii", radii, ndim=1)
    c = shaped_array("thresholds", thresholds, ndim=1)
    cod = knn_codensity(A, k)
    D = cdist(A, A)
    if np.any(D[~np.eye(A.shape[0], dtype=bool)] == 0):
        raise ValueError("X must have distinct points")
    H = np.zeros((r.size, c.size), dtype=np.int64)
    for j, cj in enumerate(c):
        idx = np.flatnonzero(cod <= cj)
        if idx.size == 0:
            continue
        if idx.size == 1:
            H[:, j] = 1
            continue
        T = minimum_spanning_tree(D[np.ix_(idx, idx)])  # distinct points: zero only on the diagonal
        H[:, j] = idx.size - np.searchsorted(np.sort(T.data), r, side="right")
    return H

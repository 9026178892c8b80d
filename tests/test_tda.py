"""Tests of theorylab.tda: H0 barcodes against gudhi and scipy single linkage, Hilbert
functions against brute-force connected components, Möbius identities, gradients against
central finite differences."""

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from theorylab import tda

gudhi = pytest.importorskip("gudhi")


def _graph(seed, n=50, r=0.25):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, 2))
    return X, tda.radius_graph_edges(X, r), rng


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_lower_star_h0_matches_gudhi(seed):
    X, E, rng = _graph(seed)
    f = rng.normal(size=X.shape[0])
    st = gudhi.SimplexTree()
    for i, v in enumerate(f):
        st.insert([i], filtration=float(v))
    for u, v in E:
        st.insert([int(u), int(v)], filtration=float(max(f[u], f[v])))
    st.compute_persistence(persistence_dim_max=True)
    ref = st.persistence_intervals_in_dimension(0)
    d = tda.lower_star_h0(f, E)
    keep = d["death"] > d["birth"]
    ours = np.sort(np.c_[d["birth"][keep], d["death"][keep]], axis=0)
    fin = np.sort(ref[np.isfinite(ref[:, 1])], axis=0)
    assert ours.shape == fin.shape and np.array_equal(ours, fin)
    assert np.array_equal(np.sort(d["essential_birth"]), np.sort(ref[~np.isfinite(ref[:, 1]), 0]))
    # endpoints are values of the named vertices; every vertex creates exactly one bar
    assert np.array_equal(f[d["birth_vertex"]], d["birth"])
    assert np.array_equal(f[d["death_vertex"]], d["death"])
    assert d["birth"].size + d["essential_birth"].size == X.shape[0]


def test_rips_deaths_match_single_linkage_and_gudhi():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    ours = tda.rips_h0_deaths(X)
    ref = np.sort(linkage(X, method="single")[:, 2])[::-1]
    assert np.allclose(ours, ref, rtol=0, atol=1e-12)
    st = gudhi.RipsComplex(points=X, max_edge_length=100.0).create_simplex_tree(max_dimension=1)
    st.compute_persistence()
    g = st.persistence_intervals_in_dimension(0)
    g = np.sort(g[np.isfinite(g[:, 1]), 1])[::-1]
    assert np.allclose(ours, g, atol=1e-12)


def _brute_hilbert(f1, f2, E, g1, g2, e1=None, e2=None):
    n = f1.size
    e1 = np.maximum(f1[E[:, 0]], f1[E[:, 1]]) if e1 is None else e1
    e2 = np.maximum(f2[E[:, 0]], f2[E[:, 1]]) if e2 is None else e2
    H = np.zeros((g1.size, g2.size), int)
    for i, a in enumerate(g1):
        for j, b in enumerate(g2):
            vin = (f1 <= a) & (f2 <= b)
            ein = (e1 <= a) & (e2 <= b)
            G = coo_matrix((np.ones(ein.sum()), (E[ein, 0], E[ein, 1])), shape=(n, n))
            _, lab = connected_components(G, directed=False)
            H[i, j] = np.unique(lab[vin]).size
    return H


@pytest.mark.parametrize("seed", [0, 4])
def test_hilbert_function_brute_force(seed):
    X, E, rng = _graph(seed, n=25, r=0.3)
    f1, f2 = X[:, 0], rng.uniform(size=25)
    H, g1, g2 = tda.hilbert_function_h0(f1, f2, E)
    assert np.array_equal(H, _brute_hilbert(f1, f2, E, g1, g2))
    # coarse user grid, and explicit edge grades (edge length as first coordinate)
    G1, G2 = np.linspace(0, 1, 7), np.linspace(0, 1, 5)
    L = np.linalg.norm(X[E[:, 0]] - X[E[:, 1]], axis=1)
    e1 = np.maximum(np.maximum(f1[E[:, 0]], f1[E[:, 1]]), L)
    e2 = np.maximum(f2[E[:, 0]], f2[E[:, 1]])
    H2, _, _ = tda.hilbert_function_h0(f1, f2, E, grid1=G1, grid2=G2, edge_values=(e1, e2))
    assert np.array_equal(H2, _brute_hilbert(f1, f2, E, G1, G2, e1, e2))


def test_mobius_identities():
    rng = np.random.default_rng(7)
    H = rng.integers(-3, 4, size=(6, 5))
    mu = tda.mobius_inversion(H)
    assert np.array_equal(np.cumsum(np.cumsum(mu, axis=0), axis=1), H)
    # one parameter: Möbius inversion of "bars alive" = +1 at births, -1 at deaths
    f = rng.normal(size=30)
    d = tda.lower_star_h0(f, tda.path_graph_edges(30))
    grid = np.unique(f)
    alive = ((d["birth"][None, :] <= grid[:, None]) & (grid[:, None] < d["death"][None, :])).sum(1)
    alive += (d["essential_birth"][None, :] <= grid[:, None]).sum(1)
    mu1 = tda.mobius_inversion(alive)
    expect = np.zeros(grid.size, int)
    np.add.at(expect, np.searchsorted(grid, np.r_[d["birth"], d["essential_birth"]]), 1)
    np.add.at(expect, np.searchsorted(grid, d["death"]), -1)
    assert np.array_equal(mu1, expect)
    # total mass of the Hilbert signed measure = beta_0 of the whole graph
    X, E, rng = _graph(5, n=30, r=0.3)
    H, g1, g2 = tda.hilbert_function_h0(X[:, 0], X[:, 1], E)
    _, c, _ = tda.signed_measure(H, g1, g2)
    n_cc = connected_components(coo_matrix((np.ones(len(E)), (E[:, 0], E[:, 1])), shape=(30, 30)),
                                directed=False)[0]
    assert c.sum() == n_cc


def _fd(fun, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        g[i] = (fun(x + e) - fun(x - e)) / (2 * h)
    return g


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_persistence_loss_gradient(seed):
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, 60)
    f = np.sin(6 * np.pi * t) + 0.3 * rng.normal(size=60)
    E = tda.path_graph_edges(60)
    for thr in (None, 0.5):
        L, g = tda.persistence_loss(f, E, threshold=thr)
        num = _fd(lambda x: tda.persistence_loss(x, E, threshold=thr)[0], f)
        assert np.max(np.abs(g - num)) <= 1e-6 * max(1.0, np.max(np.abs(num)))


@pytest.mark.parametrize("seed", [0, 1])
def test_signed_measure_loss_gradient(seed):
    X, E, rng = _graph(seed, n=20, r=0.35)
    f1, f2 = X[:, 1] + 1e-9 * rng.normal(size=20), rng.uniform(size=20)
    Z = np.stack(np.meshgrid(np.linspace(0.1, 0.9, 4), np.linspace(0.1, 0.9, 4)), -1).reshape(-1, 2)
    out = tda.signed_measure_loss(f1, f2, E, Z, bandwidth=0.1)
    n1 = _fd(lambda x: tda.signed_measure_loss(x, f2, E, Z, bandwidth=0.1)["loss"], f1)
    n2 = _fd(lambda x: tda.signed_measure_loss(f1, x, E, Z, bandwidth=0.1)["loss"], f2)
    scale = max(np.max(np.abs(n1)), np.max(np.abs(n2)))
    assert np.max(np.abs(out["grad1"] - n1)) <= 1e-6 * scale
    assert np.max(np.abs(out["grad2"] - n2)) <= 1e-6 * scale
    assert scale > 0


def test_codensity_hilbert_brute_force():
    rng = np.random.default_rng(2)
    X = rng.uniform(size=(30, 2))
    r, c = np.linspace(0.02, 0.4, 6), np.linspace(0.05, 0.4, 5)
    H = tda.rips_codensity_hilbert(X, r, c, k=3)
    cod = tda.knn_codensity(X, 3)
    D = np.linalg.norm(X[:, None] - X[None], axis=2)
    for i, ri in enumerate(r):
        for j, cj in enumerate(c):
            idx = np.flatnonzero(cod <= cj)
            A = (D[np.ix_(idx, idx)] <= ri).astype(float)
            ref = connected_components(A, directed=False)[0] if idx.size else 0
            assert H[i, j] == ref


def test_validation():
    with pytest.raises(ValueError, match="edges"):
        tda.lower_star_h0(np.zeros(3), np.array([[0, 5]]))
    with pytest.raises(ValueError, match="edges"):
        tda.lower_star_h0(np.zeros(3), np.array([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="f"):
        tda.lower_star_h0(np.array([0.0, np.nan]), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="f2"):
        tda.hilbert_function_h0(np.zeros(3), np.zeros(2), np.array([[0, 1]]))
    with pytest.raises(ValueError, match="grid1"):
        tda.hilbert_function_h0(np.zeros(2), np.zeros(2), np.array([[0, 1]]), grid1=[1.0, 0.0])
    with pytest.raises(ValueError, match="edge_values"):
        tda.hilbert_function_h0(np.ones(2), np.ones(2), np.array([[0, 1]]),
                                edge_values=(np.zeros(1), np.ones(1)))
    with pytest.raises(ValueError, match="distinct"):
        tda.signed_measure_loss(np.zeros(2), np.arange(2.0), np.array([[0, 1]]), np.zeros((1, 2)),
                                bandwidth=1.0)
    with pytest.raises(ValueError, match="bandwidth"):
        tda.signed_measure_loss(np.arange(2.0), np.arange(2.0), np.array([[0, 1]]), np.zeros((1, 2)),
                                bandwidth=0.0)
    with pytest.raises(ValueError, match="k"):
        tda.knn_codensity(np.zeros((3, 1)), 3)

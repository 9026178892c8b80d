"""Contract cases of theorylab.tda."""

import numpy as np

from theorylab import tda
from tests.contract import ok

_F = np.array([0.0, 2.0, 1.0, 3.0, 0.5])
_E = tda.path_graph_edges(5)
_F1 = np.array([0.0, 1.0, 2.5, 0.7])
_F2 = np.array([1.0, 0.0, 0.3, 2.0])
_E4 = np.array([[0, 1], [1, 2], [2, 3], [0, 3]])
_H = np.array([[1, 1], [1, 2]])
_PTS = np.array([[0.0, 0.0], [0.1, 0.05], [0.2, 0.0], [3.0, 1.0], [3.1, 1.2]])

CASES = {
    "path_graph_edges": ok(4).invalid(n_vertices=[0]),
    "radius_graph_edges": ok(_PTS, 0.5).invalid(radius=[0.0]),
    "lower_star_h0": ok(_F, _E).invalid(edges=[np.array([[0, 5]]), np.array([[1, 1]]), np.array([[0.0, 1.0]])]),
    "persistence_loss": ok(_F, _E, threshold=1.5).allow_inf("threshold").invalid(edges=[np.array([[0, 5]])]),
    "hilbert_function_h0": ok(_F1, _F2, _E4, grid1=np.array([0.0, 1.0, 2.0]), grid2=np.array([0.0, 0.5, 2.0]),
                              edge_values=(np.array([1.0, 2.5, 2.5, 0.7]), np.array([1.0, 0.3, 2.0, 2.0]))).invalid(
        f2=[np.ones(3)], grid1=[np.array([1.0, 0.0])], edge_values=[(np.zeros(4), np.zeros(4)), (np.ones(4),), (np.ones(3), np.ones(3))]),
    "mobius_inversion": ok(_H).invalid(H=[np.ones((2, 2, 2))]),
    "signed_measure": ok(_H, np.array([0.0, 1.0]), np.array([5.0, 6.0])).invalid(grid1=[np.array([0.0])], H=[np.array([1, 2])]),
    "signed_measure_loss": ok(_F1, _F2, _E4, np.array([[0.5, 0.5], [1.0, 2.0]]), bandwidth=1.0).invalid(
        Z=[np.ones((2, 3))], bandwidth=[0.0]),
    "rips_h0_deaths": ok(_PTS).invalid(X=[np.zeros((3, 2))]),
    "knn_codensity": ok(_PTS, 2).invalid(k=[0, 5]),
    "rips_codensity_hilbert": ok(_PTS, np.array([0.05, 0.5, 5.0]), np.array([0.1, 1.0, 10.0]), k=1).invalid(
        k=[5]),
}

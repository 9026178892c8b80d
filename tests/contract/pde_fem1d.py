"""Contract cases of theorylab.pde.fem1d."""

import numpy as np

from theorylab.pde import fem1d
from tests.contract import ok

_x = fem1d.uniform_mesh(4)
_U = np.array([0.0, 0.3, 0.5, 0.2, 0.0])


def _f(x):
    return np.sin(np.pi * x) + 1.0


CASES = {
    "uniform_mesh": ok(4, 0.0, 2.0).invalid(b=[-1.0]),
    "graded_mesh": ok(4, 2.0, side="right").invalid(grading=[0.5]),
    "gauss_legendre": ok(3),
    "stiffness_matrix": ok(_x).invalid(nodes=[_x[::-1]]),
    "mass_matrix": ok(_x),
    "load_vector": ok(_x, _f, n_quad=3),
    "lift": ok(np.array([[5.0, 6.0]]), 1.0, np.array([2.0])),
    "solution_operator": ok(_x),
    "solve_dirichlet": ok(_x, _f, 0.5, 1.0, load="interpolant", n_quad=3),
    "evaluate": ok(_x, _U, np.array([0.1, 0.6])).invalid(xq=[np.array([2.0])]),
    "l2_error": ok(_x, _U, _f, n_quad=4),
}

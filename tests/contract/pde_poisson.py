"""Contract cases of theorylab.pde.poisson."""

import numpy as np

from tests.contract import ok

_X = np.random.default_rng(0).standard_normal((2, 4, 4))

CASES = {
    "laplacian_1d": ok(4, h=0.5).invalid(n=[0], h=[0.0]),
    "laplacian_2d": ok(3).invalid(n=[0]),
    "laplacian_2d_eigenvalues": ok(4).invalid(n=[0]),
    "laplacian_2d_apply": ok(_X).invalid(X=[np.ones((3, 4))]),
    "dst2": ok(_X).invalid(X=[np.ones((3, 4))]),
    "poisson_solve_dst": ok(_X),
    "spectral_multiplier_apply": ok(np.ones((4, 4)), _X).invalid(g_hat=[np.ones((3, 3))]),
}

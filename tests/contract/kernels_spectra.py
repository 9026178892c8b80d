"""Contract cases of theorylab.kernels.spectra."""

import numpy as np

from tests.contract import ok

_A = np.random.default_rng(0).standard_normal((4, 4))

CASES = {
    "gram_eigh": ok(_A @ _A.T, check_symmetric=True).invalid(K=[_A]),
    "legendre_sphere": ok(3, 4, np.array([-0.5, 0.0, 0.7])).invalid(dim=[1]).legal(t=[np.array([1.5])]),
    "sphere_mercer_spectrum": ok(np.exp, 3, 4, n_nodes=50).invalid(dim=[1], n_nodes=[0]),
    "sphere_multiplicity": ok(4, 5).invalid(dim=[1], max_degree=[-1]),
}

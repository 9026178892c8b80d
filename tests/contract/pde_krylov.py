"""Contract cases of theorylab.pde.krylov."""

import numpy as np

from tests.contract import RNG, ok, skip

_A = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])
_b = np.array([1.0, 2.0, 0.5])


def _jacobi(r):
    return r / np.array([4.0, 3.0, 2.0])


CASES = {
    "KrylovResult": skip("result container of cg and dcdm"),
    "cg": ok(_A, _b, x0=np.zeros(3), tol=1e-10, max_iter=20, residual="true", store=True).invalid(
        A=[np.ones((2, 3))], tol=[0.0]),
    "dcdm": ok(_A, _b, _jacobi, x0=np.zeros(3), tol=1e-10, max_iter=20, n_orth=2, normalize=True,
               store=True).invalid(tol=[0.0]),
    "lanczos": ok(_A, np.ones(3), 3, reorthogonalize=True, breakdown_tol=1e-12).invalid(
        n_steps=[4], v0=[np.zeros(3)]),
    "ritz_pairs": ok(_A, np.ones(3), 2).invalid(n_steps=[4]),
    "ritz_training_rhs": ok(np.eye(4), 3, rng=RNG, n_boost=2, boost=9.0).invalid(n_boost=[5], boost=[0.0]),
}

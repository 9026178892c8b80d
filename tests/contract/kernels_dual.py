"""Contract cases of theorylab.kernels.dual."""

import numpy as np

from tests.contract import RNG, ok

_k11 = np.array([1.0, 2.0])
_k12 = np.array([0.3, -0.5])
_k22 = np.array([1.5, 0.5])

CASES = {
    "activation_fn": ok("tanh"),
    "activation_deriv": ok("gelu").invalid(activation=["step"]),
    "dual_exact": ok("relu", _k11, _k12, _k22).invalid(k11=[np.array([-1.0, 1.0])], k12=[np.array([3.0, 0.0])]),
    "dual_deriv_exact": ok("erf", _k11, _k12, _k22).invalid(k22=[np.array([1.0, -1.0])]),
    "dual_quad": ok("tanh", _k11, _k12, _k22, n_nodes=20, chunk=10_000).invalid(n_nodes=[0, 151]),
    "dual_deriv_quad": ok(np.tanh, _k11, _k12, _k22, n_nodes=20, chunk=10_000),
    "dual_mc": ok("relu", _k11, _k12, _k22, 50, rng=RNG, return_se=True, chunk=10_000).invalid(n_samples=[1]),
    "dual_deriv_mc": ok("relu", _k11, _k12, _k22, 50, rng=RNG, return_se=False, chunk=10_000),
    "gaussian_expectation": ok("relu", np.array([0.5, 2.0]), n_nodes=30).invalid(K=[np.array([-1.0])]),
}

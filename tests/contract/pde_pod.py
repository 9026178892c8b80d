"""Contract cases of theorylab.pde.pod."""

import numpy as np

from tests.contract import ok

_U = np.random.default_rng(0).standard_normal((5, 4))

CASES = {
    "snapshot_svd": ok(_U),
    "energy_mode_count": ok(np.array([3.0, 1.0, 0.1]), energy=0.99).invalid(
        sigma=[np.array([1.0, -1.0]), np.zeros(3)], energy=[0.0, 1.5]),
    "truncation_error": ok(np.array([3.0, 1.0, 0.1]), np.array([0, 1, 3])).invalid(
        n_modes=[np.array([4]), np.array([-1])]),
}

"""Contract cases of theorylab.kernels.eigenlearning."""

import numpy as np

from tests.contract import ok

_lam = 1.0 / np.arange(1, 30) ** 2
_v2 = 1.0 / np.arange(1, 30) ** 1.5

CASES = {
    "effective_ridge": ok(_lam, 10.0, ridge=0.01).invalid(n_samples=[0.0], ridge=[-1.0]),
    "eigenlearning_risk": ok(_lam, _v2, np.array([5.0, 10.0]), ridge=0.01, noise_var=0.1).invalid(
        n_samples=[np.array([0.0])], noise_var=[-1.0], target_power=[-_v2]),
}

"""Contract cases of theorylab.bandits.neural."""

import numpy as np

from tests.contract import ok

CASES = {
    "ntk_relu_2layer": ok(np.array([-1.0, 0.0, 0.5, 1.0])).invalid(u=[np.array([1.5])]),
    "ntk_logdet_orthogonal": ok(np.array([1, 5, 20]), 1.0).invalid(lam=[0.0, -1.0]),
    "effective_dimension": ok(np.array([3.0, 5.0]), np.array([10, 100]), 1.0).invalid(lam=[-1.0, 0.0]),
}

"""Contract cases of theorylab.stats."""

import numpy as np

from tests.contract import RNG, ok

_Y = np.random.default_rng(0).uniform(1.0, 2.0, size=(5, 4)) * np.array([1.0, 2.0, 4.0, 8.0])

CASES = {
    "bootstrap_loglog_slope": ok([1.0, 2.0, 4.0, 8.0], _Y, n_boot=20, rng=RNG, level=0.9).invalid(
        level=[0.0, 1.0, 1.5], n_boot=[5]),
    "mean_se": ok(np.arange(12.0).reshape(4, 3), axis=0).invalid(axis=[2, -3]),
}

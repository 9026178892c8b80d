"""Contract cases of theorylab.bandits.mab."""

import numpy as np

from theorylab.bandits import KArmedBandit, run_mab
from tests.contract import RNG, ok, skip

_ENV = KArmedBandit(np.array([0.2, 0.6, 0.5]))

CASES = {
    "KArmedBandit": ok(np.array([0.2, 0.6, 0.5]), kind="gaussian", sigma=0.5).invalid(sigma=[0.0, -1.0]),
    "KArmedBandit.rewards": ok(np.array([0, 2, 1]), np.array([0.1, 0.7, 0.4])).on(_ENV).invalid(
        arms=[np.array([0, 3, 1])], u=[np.array([0.1, 1.5, 0.4])]),
    "RegretRun": skip("result container returned by run_mab / run_contextual, not an input boundary"),
    "RegretRun.band": ok(0.9).on(
        run_mab(_ENV, "ucb1", T=20, n_reps=3, rng=np.random.default_rng(1))).invalid(level=[0.0, 1.0, 1.5]),
    "run_mab": ok(_ENV, "thompson", T=30, n_reps=3, rng=RNG, checkpoints=np.array([5, 10, 30]), alpha=2.0,
                  epsilon=0.1, sampler="screened", engine="numpy").invalid(
        sampler=["all", 1], engine=["jax"], epsilon=[-0.1, 1.5], alpha=[-1.0],
        checkpoints=[np.array([0, 10]), np.array([10, 5])]),
}

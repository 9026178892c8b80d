"""Contract cases of theorylab.segment."""

import numpy as np

from theorylab import segment as sg
from tests.contract import RNG, ok, skip

_r = np.random.default_rng(0)
_X = np.concatenate([_r.normal(0, 0.3, (8, 3)), _r.normal(2, 0.3, (8, 3))])
_LAB = np.repeat([0, 1], 8)
_MODEL = sg.fit_steps(_X, _LAB, 2, n_features=2)
_R = sg.step_distances(_MODEL, _X)

CASES = {
    "SplitResult": skip("result container of split_search"),
    "StepModel": skip("result container of fit_steps"),
    "prefix_sums": ok(_X),
    "segment_cost": ok(_X, np.array([0, 4]), np.array([4, 16])),
    "split_search": ok(_X, n_segments=2, min_size=3).invalid(min_size=[9]),
    "split_brute_force": ok(_X, n_segments=2, min_size=3).invalid(min_size=[9]),
    "random_bounds": ok(16, 2, min_size=3, n_draws=4, rng=RNG).invalid(min_size=[9]),
    "bounds_to_labels": ok(np.array([0, 5, 16]), 16).invalid(T=[15]),
    "jaccard_labels": ok(_LAB, np.roll(_LAB, 2), 2).invalid(n_steps=[1]),
    "jaccard_segments": ok(np.array([0, 5, 16]), np.array([0, 8, 16])),
    "zscores": ok(_X, _LAB, 2, alpha=5.0),
    "fit_steps": ok(_X, _LAB, 2, n_features=2, alpha=5.0, sd_floor=1e-6).invalid(n_features=[4]),
    "step_distances": ok(_MODEL, _X[:4]),
    "step_probs": ok(_R),
    "combined_reward": ok(sg.step_probs(_R)),
    "synthetic_step_videos": ok(2, fractions=(0.3, 0.7), frac_jitter=0.02, T_range=(10, 12), dim=6, n_informative=2,
                                step_scale=1.5, noise=0.5, walk=0.05, offset_scale=1.0, rng=RNG).invalid(
        n_informative=[7]),
}

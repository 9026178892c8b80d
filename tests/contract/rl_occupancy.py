"""Contract cases of theorylab.rl.occupancy."""

import numpy as np

from theorylab.rl import mdp
from tests.contract import ok, skip

_m = mdp.random_mdp(3, 2, gamma=0.8, rng=np.random.default_rng(0))
_rho = mdp.occupancy(_m, mdp.uniform_policy(_m))
_d = mdp.occupancy(_m, np.tile([0.2, 0.8], (3, 1)))
_R = np.random.default_rng(1).normal(size=(3, 2))

CASES = {
    "OccupancyOptimum": skip("result container returned by the optimisers"),
    "chi2_divergence": ok(_d, _rho).allow_inf("d", "d_ref"),
    "kl_divergence": ok(_d, _rho).allow_inf("d", "d_ref"),
    "weighted_moments": ok(_rho, _m.r, _R),
    "proxy_bound": ok(_d, _rho, _m.r, _R),
    "chi2_regularized": ok(_m, _m.r, _rho, 0.05).invalid(lam=[0.0, -1.0], d_ref=[_rho * 2]).nonfinite(
        "multiplier is inf when lam >= lam_max: the optimum is d_ref itself (lambda' = infinity)"),
    "kl_regularized": ok(_m, _m.r, _rho, 0.5).invalid(lam=[0.0], kind=["joint"]),
}

"""Contract cases of theorylab.pde.random_features."""

import numpy as np

from theorylab.pde import random_features as rf
from tests.contract import RNG, ok

_P = rf.sample_periodic_tanh_params(5, rng=np.random.default_rng(0))
_xr, _tr = np.array([0.1, 0.2, 0.4]), np.array([0.5, 0.5, 0.1])
_xi = np.array([0.0, 1.0])
_A = np.random.default_rng(1).standard_normal((6, 3))

CASES = {
    "sample_periodic_tanh_params": ok(5, rng=RNG, space_scale=2.0, time_scale=1.0, c_scale=1.0),
    "periodic_tanh_features": ok(_xr, _tr, _P, derivatives=True).invalid(params=[{"a": np.ones(2)}]),
    "pinn_features": ok(_xr, _tr, _xi, _P),
    "advection_pinn_system": ok(1.0, _xr, _tr, _xi, np.array([1.0, 0.5]), _P, ic_weight=10.0).invalid(
        ic_weight=[0.0]),
    "fit_least_squares": ok(_A, np.arange(6.0), return_singular_values=True),
}

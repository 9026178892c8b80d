"""Contract cases of theorylab.pde.transport."""

import numpy as np

from theorylab.pde import transport as tr
from tests.contract import ok

_x = tr.periodic_grid(16)
_u0 = tr.periodic_bump(_x, 5.0)
_X = np.sort(np.random.default_rng(0).uniform(0, 2 * np.pi, 12)) + 0.5

CASES = {
    "periodic_grid": ok(16).invalid(n_points=[1]),
    "periodic_bump": ok(_x, 5.0, center=np.pi).invalid(kappa=[0.0]),
    "bump_fourier_coefficients": ok(5.0, np.arange(4)),
    "advect_diffuse_fft": ok(_u0, np.array([0.0, 0.5]), 2.0, nu=0.01).invalid(nu=[-0.1]),
    "transport_snapshots": ok(_u0, np.array([0.0, 0.5]), 2.0, nu=0.01, frame="lagrangian"),
    "advection_singular_values_exact": ok(5.0, 16, 20, 3).invalid(n_values=[0]),
    "burgers_pseudospectral": ok(0.3 * np.sin(_x), 0.05, 0.1, dt=10.0).invalid(nu=[0.0], dt=[0.0]),
    "burgers_characteristics": ok(0.3 * np.sin(_x), 0.05, 0.1, dt=10.0).invalid(nu=[0.0], dt=[0.0]),
    "burgers_cole_hopf": ok(_x, 0.5, 0.1, amplitude=0.3, mean=0.1, n_modes=30).invalid(nu=[0.0]),
    "periodic_spline_to_grid": ok(_X, np.sin(_X), _x).invalid(X=[_X[::-1]]),
}

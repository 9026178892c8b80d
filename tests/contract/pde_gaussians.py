"""Contract cases of theorylab.pde.gaussians."""

import numpy as np

from theorylab.pde import gaussians as pg
from tests.contract import ok

_mu = np.array([0.2, 0.5, 0.8])
_ls = np.log(np.array([0.2, 0.3, 0.25]))
_w = np.array([1.0, -0.5, 0.3])
_xc = np.linspace(0.0, 1.0, 6)
_fc = np.pi**2 * np.sin(np.pi * _xc)
_xb, _g = np.array([0.0, 1.0]), np.array([0.0, 0.0])
_th = pg.pack(_w, _mu, _ls)

CASES = {
    "gaussian_features": ok(_xc, _mu, _ls, 2).invalid(deriv=[3]),
    "gaussian_field": ok(_xc, _w, _mu, _ls, 1),
    "gaussian_field_jacobian": ok(_xc, _w, _mu, _ls, 2),
    "pack": ok(_w, _mu, _ls),
    "unpack": ok(_th).invalid(theta=[np.ones(4)]),
    "poisson_residual": ok(_th, _xc, _fc, _xb, _g, residual_scale=0.1, bc_weight=10.0).invalid(
        residual_scale=[0.0], bc_weight=[0.0]),
    "poisson_residual_jacobian": ok(_th, _xc, _fc, _xb, _g, residual_scale=0.1, bc_weight=10.0),
    "fit_pig_poisson": ok(_th, _xc, _fc, _xb, _g, residual_scale=0.1, bc_weight=10.0, log_s_min=-8.0,
                          max_nfev=5, jac="analytic"),
    "fit_fixed_gaussians": ok(_mu, _ls, _xc, _fc, _xb, _g, residual_scale=0.1, bc_weight=10.0),
}

"""Contract cases of theorylab.diffusion."""

import numpy as np

from theorylab import diffusion as df
from tests.contract import RNG, ok

_GM = df.GaussianMixture([0.5, 0.5], [[-2.0], [2.0]], [0.5, 0.5])
_r = np.random.default_rng(0)
_X = _r.standard_normal((6, 2))
_K = _X @ _X.T + 1.0
_y = _X[:, 0]


def _poly(x):
    return 0.5 * x - 0.1 * x ** 3


def _s2(x, t):
    return -x


CASES = {
    "GaussianMixture": ok([0.3, 0.7], [[0.0, 1.0], [1.0, 0.0]], [0.5, 1.0]).invalid(weights=[[0.5, 0.6]],
                                                                                   stds=[[0.5, -1.0]]),
    "ou_coefficients": ok(np.array([0.1, 1.0])).invalid(t=[0.0]),
    "ou_forward": ok(_X, 0.5, rng=RNG),
    "dsm_loss_quad": ok(_poly, _GM, 0.3, n_nodes=20).invalid(n_nodes=[151]),
    "esm_loss_quad": ok(_poly, _GM, 0.3, n_per_std=10, width=8.0),
    "dsm_loss_mc": ok(_s2, _X, 0.5, rng=RNG),
    "kernel_gd_eigen": ok(_K, _y, lr=0.1, steps=np.array([0.0, 3.0, 10.0]), K_test=_X[:2] @ _X.T + 1.0).invalid(
        lr=[100.0], steps=[np.array([-1.0])]),
    "reverse_sde_sample": ok(_s2, 5, dim=2, T=1.0, t_min=0.1, n_steps=5, rng=RNG, y0=None).invalid(t_min=[2.0]),
    "wasserstein_1d": ok(np.array([0.0, 1.0, 3.0]), np.array([0.5, 2.0]), p=1.0).invalid(p=[0.5]),
    "sliced_wasserstein": ok(_X, _X[:4] + 1.0, n_projections=5, rng=RNG, p=2.0),
}

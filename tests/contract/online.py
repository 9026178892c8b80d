"""Contract cases of theorylab.online."""

import numpy as np

from theorylab import online as ol
from tests.contract import RNG, ok, skip

_r = np.random.default_rng(0)
_A = _r.standard_normal((2, 3)) / 2
_b = np.array([0.1, -0.2])
_INST = ol.make_sea(_A, _b, T=8, n_repeats=2, sigma=0.3, lam=0.5, centers=np.array([0.2, 0.0, 0.1]),
                    shift=0.05, zeta_std=0.1, radius=1.0, rng=np.random.default_rng(1))
_x = np.full((2, 3), 0.1)
_RUN = ol.run_optimistic_omd(_INST)
_U = ol.dynamic_comparator(_INST, n_iter=50)["x"]

CASES = {
    "SEAInstance": skip("built and validated by make_sea, which every notebook uses"),
    "project_ball": ok(np.array([[3.0, 4.0], [0.1, 0.2]]), radius=2.0).invalid(radius=[0.0]),
    "logcosh": ok(np.array([-800.0, 0.0, 3.0])),
    "make_sea": ok(_A, _b, T=6, n_repeats=2, sigma=np.array([0.1, 0.2])[:, None], lam=0.5, centers=0.1, shift=0.0,
                   zeta_std=0.1, radius=1.0, dim=3, noise=None, rng=RNG).invalid(lam=[-1.0], radius=[0.0],
                                                                                zeta_std=[-1.0]),
    "switching_shift": ok(10, delta=0.5, period=3, direction=np.array([1.0, 0.0])).invalid(period=[0]),
    "circular_centers": ok(10, rho=0.5, omega=0.3, dim=3).invalid(dim=[1], rho=[-1.0]),
    "sea_variation": ok(_INST),
    "sea_loss": ok(_INST, _x, 3).invalid(t=[8, -1]),
    "sea_gradient": ok(_INST, _x, 0),
    "sea_gradients_along": ok(_INST, _RUN.x, noisy=False),
    "expected_loss": ok(_INST, _x, 7),
    "omd_step_convex": ok(np.array([0.0, 1.0, 10.0]), diameter=2.0, smoothness=1.0, delta=1.0).invalid(
        cum_sq_dev=[np.array([-1.0])], diameter=[0.0]),
    "omd_step_strongly_convex": ok(np.array([1.0, 2.0]), lam=0.5, smoothness=1.0).invalid(lam=[0.0]),
    "ogd_step": ok(np.array([1.0, 4.0]), diameter=2.0, grad_bound=3.0, lam=0.0).invalid(grad_bound=[0.0]),
    "ons_gamma": ok(grad_bound=2.0, diameter=2.0, alpha=0.5).invalid(alpha=[0.0]),
    "OCORun": skip("result container returned by the learners, not an input boundary"),
    "run_ogd": ok(_INST, step="strongly-convex", grad_bound=5.0).invalid(grad_bound=[0.0, -1.0]),
    "run_optimistic_omd": ok(_INST, step="fixed", delta=1.0, eta=0.1).invalid(eta=[0.0]),
    "run_optimistic_ons": ok(_INST, gamma=0.5, eps=1.0).invalid(gamma=[0.0]),
    "minimise_on_ball": ok(_A, _b, alpha=np.array([1.0, 2.0]), beta=np.array([0.5, 1.0]),
                           h=np.array([[0.1, 0.2, 0.3], [1.0, 0.0, 0.0]]), radius=1.0, n_iter=50,
                           x0=np.zeros(3)).invalid(alpha=[np.array([-1.0, 1.0])], n_iter=[0]),
    "static_comparator": ok(_INST, np.array([4, 8]), n_iter=50).invalid(horizons=[np.array([0, 4])]),
    "dynamic_comparator": ok(_INST, n_iter=50),
    "static_regret": ok(_RUN, _INST, np.array([8]), comparator=None),
    "dynamic_regret": ok(_RUN, _INST, _U, np.array([4, 8])).invalid(u=[_U + 2.0]),
    "path_length": ok(_U),
}

"""Contract cases of theorylab.losses."""

import numpy as np

from theorylab import losses
from tests.contract import RNG, ok

_h = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]])
_p = np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
_y = np.array([2, 0])
_D = losses.FiniteDistribution(np.array([0.4, 0.6]), _p)
_Xf = np.random.default_rng(0).standard_normal((8, 2))

CASES = {
    "FiniteDistribution": ok(np.array([0.4, 0.6]), _p, points=np.array([[0.0, 1.0], [1.0, 0.0]])).invalid(
        weights=[np.array([0.5, 0.6])]),
    "log_softmax": ok(_h),
    "softmax": ok(_h),
    "comp_sum_phi": ok(np.array([0.0, 1.0, 5.0]), 0.5).invalid(u=[np.array([-1.0])], tau=[-1.0]),
    "comp_sum_loss_all": ok(_h, 1.5),
    "comp_sum_loss": ok(_h, _y, 1.0).invalid(y=[np.array([3, 0])]),
    "comp_sum_loss_grad": ok(_h, _y, 0.5),
    "conditional_risk": ok(_h, _p, 1.0).invalid(p=[np.array([[0.5, 0.6, -0.1], [0.6, 0.3, 0.1]])]),
    "conditional_risk_grad": ok(_h, _p, 2.0),
    "cstar": ok(_p, 0.5).invalid(p=[_p * 2]),
    "conditional_regret": ok(_h, _p, 1.5),
    "zero_one_conditional_regret": ok(_h, _p),
    "t_tau": ok(np.array([0.0, 0.3, 1.0]), 1.5, 3).invalid(t=[np.array([1.5])], n=[1]),
    "gamma_tau": ok(np.array([0.0, 0.05, 2.0]), 1.0, 3, n_iter=30).invalid(eps=[np.array([-1.0])], n_iter=[0]),
    "minimize_conditional_risk": ok(_p, np.array([0.5, 1.5]), x0=np.zeros((2, 3)), lower=-5.0, upper=5.0,
                                    gtol=1e-10, max_iter=20).invalid(lower=[10.0]),
    "sample_gap_distributions": ok(np.array([0.1, 0.5]), 3, 4, rng=RNG, concentrations=(0.5, 2.0)).invalid(
        t=[np.array([1.5])], concentrations=[(0.0,)]),
    "calibration_transform_numeric": ok(np.array([0.2, 0.6]), tau=1.0, n=3, n_restarts=3, rng=RNG,
                                        score_bound=10.0, return_all=False).invalid(n_restarts=[0],
                                                                                    score_bound=[0.0]),
    "surrogate_risk_exact": ok(_h, _D, 1.0),
    "zero_one_risk_exact": ok(_h, _D),
    "excess_risks_exact": ok(_h, _D, 0.5),
    "FiniteDistribution.bayes_risk": ok(1.0).on(_D).invalid(tau=[-1.0]),
    "gap_constant_class": ok(np.array([0.5, 0.3, 0.2]), np.array([0.5, 1.0]), score_bound=2.0, n_restarts=2,
                             rng=RNG).invalid(score_bound=[0.0], n_restarts=[0]),
    "gap_constant_class_uniform": ok(3, 1.0, score_bound=2.0).invalid(score_bound=[0.0]),
    "zero_one_gap_constant_class": ok(np.array([0.5, 0.3, 0.2])),
    "fit_linear_comp_sum": ok(_Xf, np.arange(8) % 3, tau=1.0, n_classes=3, n_steps=5, lr=0.5).invalid(
        lr=[0.0], n_steps=[0]),
}

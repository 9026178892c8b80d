"""Contract cases of theorylab.rl.imitation."""

import numpy as np

from theorylab.rl import imitation, mdp
from tests.contract import RNG, ok, skip

_F = mdp.random_finite_mdp(3, 2, 2, rng=np.random.default_rng(0))
_TRF = mdp.sample_trajectories(_F, mdp.uniform_policy(_F), 5, rng=np.random.default_rng(1))
_M = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(2))
_PE = mdp.soft_value_iteration(_M).pi
_D = imitation.exact_transitions(_M, _PE)
_Q = np.random.default_rng(3).standard_normal((3, 2))
_TRM = mdp.sample_trajectories(_M, _PE, 3, rng=np.random.default_rng(4), horizon=5)
_PF = mdp.value_iteration(_F).pi

CASES = {
    "Transitions": ok(np.array([0, 1]), np.array([1, 0]), np.array([1, 1]), np.array([0.4, 0.6]),
                      np.array([False, True])).invalid(w=[np.array([0.5, 0.6])], s=[np.array([0, -1])]),
    "bc_policy": ok(np.array([[3.0, 1.0], [0.0, 0.0]]), kappa=1.0).invalid(counts=[np.array([[-1.0, 1.0]])]),
    "behaviour_cloning": ok(_TRF, 3, 2, kappa=0.5, per_step=True),
    "trajectory_kl": ok(_F, mdp.uniform_policy(_F), _PF * 0.8 + 0.1),
    "dagger": ok(_F, _PF, n_rounds=2, n_per_round=4, n_seeds=2, rng=RNG, kappa=0.5),
    "compounding_chain": ok(0.1, 4, recoverable=True).invalid(eps=[1.5]),
    "bc_chain_loss": ok(np.array([0.1, 0.2]), 5).invalid(eps=[np.array([1.5])]),
    "dagger_chain_loss": ok(np.array([0.1, 0.2]), 5).invalid(eps=[np.array([-0.1])]),
    "exact_transitions": ok(_M, _PE),
    "trajectory_transitions": ok(_TRM, gamma=0.9, terminal=np.zeros(3, bool)),
    "soft_value": ok(_Q, temperature=0.5).invalid(temperature=[0.0]),
    # alpha = inf is documented: it drops the regulariser
    "iq_objective": ok(_Q, _D, _M.mu0, gamma=0.9, alpha=0.5).invalid(alpha=[0.0]).allow_inf("alpha"),
    "td_regularized_mle": ok(_Q, _D, gamma=0.9, alpha=0.5, return_grad=True).invalid(alpha=[-1.0]).allow_inf(
        "alpha"),
    "iq_fit": ok(_D, 3, 2, gamma=0.9, alpha=0.5, Q0=_Q, tol=1e-8, max_iter=50).invalid(n_states=[2]).allow_inf("alpha"),
    "iq_reward": ok(_Q, _M),
}

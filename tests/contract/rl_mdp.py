"""Contract cases of theorylab.rl.mdp."""

import numpy as np

from theorylab.rl import mdp
from tests.contract import RNG, ok, skip

_M = mdp.random_mdp(3, 2, gamma=0.8, rng=np.random.default_rng(0))
_F = mdp.random_finite_mdp(3, 2, 2, rng=np.random.default_rng(1))
_PI = np.array([[0.3, 0.7], [0.5, 0.5], [0.9, 0.1]])
_CH = mdp.chain_mdp(4, gamma=0.9)
_GR = mdp.grid_mdp(2, 3, gamma=0.9, goal=(1, 2))
_TR = mdp.sample_trajectories(_M, _PI, 3, rng=np.random.default_rng(2), horizon=4)
_MOVE = np.array([[0, 1], [1, 1]])
_FAC = mdp.factored_mdp([_MOVE, _MOVE], np.zeros((4, 4)), gamma=0.9)
_Q = np.array([[1.0, 0.2], [0.5, 0.6], [0.0, 0.3]])

CASES = {
    "DiscountedMDP": ok(_M.P, _M.r, 0.8, mu0=np.array([0.2, 0.3, 0.5]), terminal=np.zeros(3, bool)).invalid(
        gamma=[1.0], mu0=[np.array([0.5, 0.6, 0.1])]),
    "DiscountedMDP.replace": ok(gamma=0.5).on(_M).invalid(gamma=[1.0]),
    "FiniteHorizonMDP": ok(_F.P, _F.r, mu0=np.array([0.2, 0.3, 0.5])),
    "FiniteHorizonMDP.replace": ok(mu0=np.array([1.0, 0.0, 0.0])).on(_F),
    "Solution": skip("result container of the planners"),
    "Trajectories": skip("result container of sample_trajectories"),
    "Trajectories.returns": ok(0.9).on(_TR).invalid(gamma=[1.5]),
    "FactoredMDP": skip("built by factored_mdp, which validates the tables"),
    "FactoredMDP.state_factors": ok(np.array([0, 3])).on(_FAC).invalid(s=[np.array([4])]),
    "FactoredMDP.action_factors": ok(np.array([1, 2])).on(_FAC).invalid(a=[np.array([-1])]),
    "FactoredMDP.encode_state": ok(np.array([[0, 1], [1, 1]])).on(_FAC).invalid(x=[np.array([[0, 2]])]),
    "policy_evaluation": ok(_M, _PI),
    "expected_return": ok(_F, mdp.uniform_policy(_F)),
    "value_iteration": ok(_M, tol=1e-10, max_iter=1000),
    "soft_value_iteration": ok(_M, temperature=0.5, ref_policy=_PI, tol=1e-10, max_iter=10000).invalid(
        temperature=[0.0]),
    "regularized_policy_evaluation": ok(_M, _PI, temperature=0.5, ref_policy=mdp.uniform_policy(_M)),
    "greedy_policy": ok(_Q),
    "optimal_action_mask": ok(_Q, tol=1e-9),
    "uniform_policy": ok(_F),
    "occupancy": ok(_M, _PI),
    "flow_constraints": ok(_F),
    "occupancy_lp": ok(_M),
    "policy_from_occupancy": ok(np.array([[0.2, 0.6], [0.0, 0.0], [0.1, 0.1]])).invalid(
        d=[np.array([[-0.1, 0.6]])]),
    "successor_features": ok(_M, _PI, np.random.default_rng(3).standard_normal((3, 2, 2))),
    "potential_shaping": ok(_CH, np.array([1.0, -2.0, 0.5, 0.0])).invalid(Phi=[np.ones(4)]),
    "bellman_optimality_residual": ok(_Q, np.array([0, 1]), np.array([0, 1]), np.array([0.0, 1.0]),
                                      np.array([1, 2]), gamma=0.5, done=np.array([False, True])).invalid(
        s=[np.array([0, 3])], gamma=[1.5]),
    "sample_categorical": ok(np.tile([0.2, 0.0, 0.8], (4, 1)), rng=RNG),
    "sample_trajectories": ok(_M, _PI, 3, rng=RNG, horizon=4, s0=np.array([0, 1, 2])).invalid(s0=[np.array([3])]),
    "sample_occupancy": ok(_M, _PI, 5, rng=RNG),
    "empirical_model": ok(_M, 10, rng=RNG, size=2),
    "visit_counts": ok(_TR.states, _TR.actions, 3, 2, per_step=True, weights=0.9 ** np.arange(4)).invalid(
        n_states=[2]),
    "next_state_table": ok(_CH),
    "random_mdp": ok(3, 2, gamma=0.8, rng=RNG, concentration=0.3, size=2),
    "random_finite_mdp": ok(3, 2, 2, rng=RNG, concentration=0.3, stationary=True),
    "chain_mdp": ok(4, gamma=0.9, slip=0.1, reward=2.0, mu0=np.array([1.0, 0.0, 0.0, 0.0])).invalid(slip=[1.5]),
    "grid_mdp": ok(2, 3, gamma=0.9, goal=(1, 2), step_reward=-0.1, enter_reward=np.zeros((2, 3)), goal_reward=1.0,
                   slip=0.1, start=(0, 0), walls=np.array([[False, True, False], [False, False, False]])).invalid(
        goal=[(2, 0)], start=[(0, 5)]),
    "factored_mdp": ok([_MOVE, _MOVE], np.zeros((4, 4)), gamma=0.9, mu0=np.full(4, 0.25),
                       terminal=np.zeros(4, bool)).invalid(tables=[[np.array([[0, 2], [1, 1]])]]),
}

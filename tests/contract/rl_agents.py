"""Contract cases of theorylab.rl.agents."""

import numpy as np

from theorylab.rl import agents, mdp
from tests.contract import RNG, ok

_CH = mdp.chain_mdp(4, gamma=0.9, mu0=np.array([1.0, 0.0, 0.0, 0.0]))
_M = mdp.random_mdp(3, 2, gamma=0.9, rng=np.random.default_rng(0))
_TH = np.random.default_rng(1).standard_normal((3, 2))
_MOVE = np.array([[0, 1], [1, 1]])
_FAC = mdp.factored_mdp([_MOVE, _MOVE], np.r_[np.zeros((3, 4)), np.zeros((1, 4))], gamma=0.9)
_RUN = agents.q_learning(_CH, n_seeds=2, n_episodes=4, rng=np.random.default_rng(2))

CASES = {
    "QLearningRun.episodes_to_reach": ok(0.5).on(_RUN),
    "QLearningRun": ok(_RUN.Q, _RUN.episode_return, _RUN.episode_length, _RUN.greedy_return,
                       _RUN.episode_end_step, None, _RUN.n_steps).fix(
        # a result container; its fields are not validated on construction
        "Q", "episode_return", "episode_length", "greedy_return", "episode_end_step", "actions", "n_steps"),
    "q_learning": ok(_CH, n_seeds=2, n_episodes=4, rng=RNG, alpha=0.5, epsilon=0.1, Q0=np.zeros((4, 2)),
                     shaping=np.array([0.1, 0.2, 0.3, 0.0]), max_episode_steps=20, max_steps=None, replay_ratio=1,
                     planning_steps=1, model="tabular", tie_tol=1e-9, record_actions=True).invalid(
        # max_steps=None (every episode is reached, so no NaN is documented); its bad values are listed
        alpha=[0.0], epsilon=[1.5], shaping=[np.ones(4)], max_steps=[0, -1, 60.5, "60", 10**12]).legal(
        max_steps=[500]),
    "softmax_policy": ok(_TH),
    "policy_gradient": ok(_CH, np.zeros((4, 2)), weighting="undiscounted").invalid(
        mdp=[mdp.random_mdp(4, 2, gamma=0.9, rng=np.random.default_rng(5))]),  # no terminal state: the undiscounted visit counts are infinite
    "softmax_policy_gradient": ok(_M, steps=5, lr=1.0, theta0=_TH, weighting="discounted").invalid(lr=[0.0]),
}

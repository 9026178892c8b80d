"""Contract cases of theorylab.rl.preferences."""

import numpy as np

from theorylab.rl import gridworlds, mdp, preferences as pf
from tests.contract import RNG, ok, skip

_f = gridworlds.delivery_mdp([".C", "SG"], gamma=0.9)
_m = mdp.random_mdp(3, 2, gamma=0.8, rng=np.random.default_rng(0))
_pairs = pf.sample_segment_pairs(_f.mdp, mdp.uniform_policy(_f.mdp), 6, 2, rng=np.random.default_rng(1))
_mpairs = pf.sample_segment_pairs(_m, mdp.uniform_policy(_m), 6, 2, rng=np.random.default_rng(2))
_y = np.array([1.0, 0.0, 0.5, 1.0, 0.0, 0.2])
_Q = mdp.value_iteration(_m).Q
_act = pf.optimal_policy_actions(_f.mdp)[1]
_X = np.random.default_rng(3).normal(size=(6, 2))

CASES = {
    "SegmentPairs": skip("container of two integer arrays, validated by every function that reads it"),
    "RegretFit": skip("result container returned by fit_regret"),
    "sample_segment_pairs": ok(_m, mdp.uniform_policy(_m), 4, 3, rng=RNG).invalid(n_pairs=[0], length=[0]),
    "all_segments": ok(_f.mdp, 2).invalid(length=[0]),
    "discounted_sum": ok(_m.r, _mpairs.states, _mpairs.actions, gamma=0.9).invalid(gamma=[1.5, -0.1]),
    "regret": ok(_Q, _mpairs.states, _mpairs.actions, gamma=0.8),
    "bt_probability": ok(np.array([1.0, 2.0]), np.array([0.0, 3.0]), temperature=2.0).invalid(temperature=[0.0]),
    "sample_labels": ok(np.array([0.1, 0.9]), rng=RNG).invalid(p=[np.array([1.5])]),
    "bt_loss": ok(np.zeros(2), _X, _y, l2=0.1).invalid(l2=[-1.0], y=[np.full(6, 2.0)]),
    "fit_bt_linear": ok(_X, _y, l2=0.1, max_iter=20).invalid(l2=[-1.0], max_iter=[0]),
    "optimal_policy_actions": ok(_f.mdp),
    "regret_features": ok(_f.mdp, _f.phi, _act, _pairs.states, _pairs.actions).invalid(act=[np.zeros(3, dtype=int)]),
    "regret_loss": ok(_f.weights, _f.mdp, _f.phi, _pairs, _y, l2=0.1),
    "fit_regret": ok(_f.mdp, _f.phi, _pairs, _y, w0s=np.zeros((1, 6)), l2=0.1, max_iter=5).invalid(max_iter=[0]),
    "softmax_logits": ok(np.array([[0.0, 1.0], [2.0, -1.0]])),
    "cpl_loss": ok(np.zeros((3, 2)), _mpairs, _y, alpha=1.0, gamma=0.9, lam=0.5).invalid(alpha=[0.0], lam=[0.0, 1.5]),
    "fit_cpl": ok(_mpairs, _y, 3, 2, alpha=1.0, gamma=0.9, max_iter=10).invalid(n_states=[0], alpha=[0.0]),
    "heron_labels": ok(np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]]), np.array([[0, 1], [1, 2]]), sigma=0.1).invalid(
        sigma=[-1.0], ddof=[-1]).nonfinite("NaN marks a pair tied at every level (dropped), by design"),
    "scaled_return": ok(_m, mdp.uniform_policy(_m)),
}

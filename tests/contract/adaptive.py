"""Contract cases of theorylab.adaptive."""

import numpy as np

from theorylab import adaptive as ad
from tests.contract import RNG, ok

_r = np.random.default_rng(0)
_V = _r.uniform(0.0, 1.0, size=(6, 3))
_X = ad.rademacher_sample(8, 5, rng=np.random.default_rng(1), n_reps=2)
_Xh = ad.rademacher_sample(8, 5, rng=np.random.default_rng(2), n_reps=2)
_W = np.where(_r.random((5, 3)) < 0.5, -1.0, 1.0)
_STATE = ad.thresholdout_init(threshold=0.05, sigma=0.01, budget=3, rng=np.random.default_rng(3))

CASES = {
    "query_values": ok(lambda X: (X[:, :2] > 0).astype(float), _X[0]),
    "validate_query_values": ok(_V, name="values").invalid(values=[_V * 2]).legal(name=["unknown choice"]),
    "empirical_answers": ok(_V),
    "gaussian_answers": ok(_V, scale=0.1, rng=RNG).invalid(scale=[-1.0]),
    "laplace_answers": ok(_V, scale=0.1, rng=RNG).invalid(scale=[-1.0]),
    "laplace_scale": ok(100, 10, epsilon=0.5, delta=1e-6).invalid(epsilon=[0.0], delta=[1.0, -0.1]),
    "gaussian_scale": ok(100, 10, epsilon=0.5, delta=1e-6).invalid(delta=[0.0, 1.0], epsilon=[2.0]),
    "hoeffding_radius": ok(100, 10, 0.05).invalid(beta=[0.0, 1.0]),
    "rademacher_sample": ok(4, 3, rng=RNG, n_reps=2).invalid(n_samples=[0]),
    "halfspace_query_values": ok(_X, _W),
    "sign_vote_attack": ok(_X, mechanism="gaussian", scale=0.05, rng=RNG, prefix=True).invalid(
        X=[_X * 0.5], scale=[-1.0]),
    "sign_vote_truth": ok(np.array([[1.0, -1.0, 0.0], [1.0, 1.0, 1.0]])).invalid(
        signs=[np.array([0.5, 1.0, 1.0])]),
    "sign_vote_bias_theory": ok(np.array([100.0, 400.0]), 50.0, 0.01).invalid(
        n_samples=[0.0], dim=[0.0], scale=[-1.0]),
    "sign_vote_attack_thresholdout": ok(_X, _Xh, threshold=0.05, sigma=0.01, budget=20, rng=RNG,
                                        noise="gaussian").invalid(threshold=[-1.0], budget=[-1]).nonfinite(
        "nan marks the repetitions whose budget ran out (the paper's ⊥), as documented"),
    "ThresholdoutState": ok(0.05, 0.01, "laplace", 3, 0.001).invalid(budget=[-1], threshold=[-1.0]),
    "thresholdout_init": ok(threshold=0.05, sigma=0.01, budget=3, rng=RNG, noise="laplace").invalid(
        sigma=[-1.0]),
    "thresholdout_answer": ok(np.array([0.5, 0.6, 0.4]), np.array([0.5, 0.3, 0.41]), _STATE, rng=RNG,
                              on_exhausted="stop").invalid(holdout_means=[np.array([0.5, 0.3])]),
    "thresholdout_parameters": ok(0.1, 100, 0.05).invalid(tau=[0.0], beta=[1.0]),
    "Thresholdout": ok(threshold=0.05, sigma=0.01, budget=3, rng=RNG, noise="gaussian"),
    "Thresholdout.answer": ok(np.array([0.5, 0.6]), np.array([0.5, 0.3])).on(
        ad.Thresholdout(threshold=0.05, sigma=0.01, budget=5, rng=np.random.default_rng(4))),
    "reusable_holdout_experiment": ok(20, 6, np.array([1, 3]), rng=RNG, n_signal=2, signal=0.5,
                                      thresholdouts={"tho": {"noise": "gaussian", "budget": 20}}).invalid(
        ks=[np.array([0, 3]), np.array([1, 7])], n_signal=[7], signal=[-1.0]),
}

"""Contract cases of theorylab.trees."""

import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

from theorylab import trees as tr
from tests.contract import RNG, ok

_X = np.random.default_rng(0).uniform(size=(12, 2))
_Y = _X.sum(1)
_RF = RandomForestRegressor(n_estimators=3, max_depth=3, random_state=0).fit(_X, _Y)
_TREE = DecisionTreeRegressor(max_depth=2, random_state=0).fit(_X, _Y)
_XE = _X[:4] + 0.01
_X5 = np.random.default_rng(1).uniform(size=(4, 6))
_P = np.random.default_rng(2).standard_normal((3, 2, 4))


def _fit_predict(X, y):
    return 0.5 * y + 0.1 * X[:, 0]


CASES = {
    "in_bag_counts": ok(_RF, 12).invalid(n_samples=[0], model=[object()]),
    "tree_smoothers": ok(_RF, _X, _XE).invalid(X_train=[np.ones((12, 3))], X_eval=[np.ones((2, 3))]),
    "forest_smoother": ok(_TREE, _X, _XE).invalid(X_train=[np.ones((12, 3))], X_eval=[np.ones((2, 3))]),
    "effective_parameters": ok(np.full((3, 4), 0.25)),
    "smoothing_parameters": ok(_RF, _X, _XE).invalid(X_train=[np.ones((12, 3))]).nonfinite(
        "documented: trace is nan when X_eval is not the training set"),
    "mars_additive": ok(_X5).invalid(X=[np.ones((3, 4))]),
    "sample_mars": ok(4, dim=6, noise=0.5, rng=RNG).invalid(dim=[4], n_samples=[0]),
    "shift_inputs": ok(_X, 0.1, rng=RNG),
    "resampled_dof": ok(_fit_predict, _X, _Y, noise=1.0, n_redraws=4, rng=RNG, pooled_variance=True).invalid(
        noise=[0.0], n_redraws=[1, 100_001], f=[np.ones(11)]),
    "ensemble_error_decomposition": ok(_P, np.zeros(4)).invalid(f_eval=[np.zeros(3)]),
}

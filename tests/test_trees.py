"""Tests of theorylab.trees: smoother matrices against scikit-learn's own predictions,
closed forms (interpolating trees, k-NN-like leaves), Jensen, resampled degrees of freedom."""

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

from theorylab import trees


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X, y, f = trees.sample_mars(120, noise=1.0, rng=rng)
    Xte, _, _ = trees.sample_mars(80, noise=1.0, rng=rng)
    return X, y, Xte


@pytest.mark.parametrize("bootstrap", [True, False])
@pytest.mark.parametrize("max_features", [1.0, 0.4])
@pytest.mark.parametrize("max_leaf_nodes", [None, 20])
def test_smoother_reproduces_predict(data, bootstrap, max_features, max_leaf_nodes):
    # independent reference: scikit-learn's predict (leaf means of in-bag-weighted labels)
    X, y, Xte = data
    rf = RandomForestRegressor(n_estimators=7, bootstrap=bootstrap, max_features=max_features,
                               max_leaf_nodes=max_leaf_nodes, random_state=3).fit(X, y)
    for Xe in (X, Xte):
        S = trees.forest_smoother(rf, X, Xe)
        assert np.allclose(S.sum(axis=1), 1.0, atol=1e-13)
        assert np.max(np.abs(S @ y - rf.predict(Xe))) < 1e-12
    T = trees.tree_smoothers(rf, X, Xte)
    assert T.shape == (7, 80, 120)
    for b, est in enumerate(rf.estimators_):
        assert np.max(np.abs(T[b] @ y - est.predict(Xte))) < 1e-12


def test_max_samples_and_extra_trees(data):
    X, y, Xte = data
    for m in (ExtraTreesRegressor(n_estimators=4, bootstrap=True, random_state=0),
              RandomForestRegressor(n_estimators=4, max_samples=0.5, random_state=0)):
        m.fit(X, y)
        assert np.max(np.abs(trees.forest_smoother(m, X, Xte) @ y - m.predict(Xte))) < 1e-12
    c = trees.in_bag_counts(RandomForestRegressor(n_estimators=3, max_samples=0.5,
                                                  random_state=0).fit(X, y), X.shape[0])
    assert np.all(c.sum(axis=1) == 60)


def test_closed_forms(data):
    X, y, Xte = data
    n = X.shape[0]
    # a fully grown tree on distinct inputs puts all weight on one point: ||s(x)||^2 = 1 anywhere
    t = DecisionTreeRegressor(random_state=0).fit(X, y)
    assert trees.effective_parameters(trees.forest_smoother(t, X, Xte)) == pytest.approx(n)
    assert trees.effective_parameters(trees.forest_smoother(t, X)) == pytest.approx(n)
    # leaves of exactly k points (sorted 1-D inputs, equal blocks): p = n / k, like k-NN
    x = np.arange(40.0)[:, None]
    yy = np.repeat(np.arange(10.0), 4) ** 2
    t4 = DecisionTreeRegressor(max_leaf_nodes=10, random_state=0).fit(x, yy)
    assert trees.effective_parameters(trees.forest_smoother(t4, x)) == pytest.approx(40 / 4)


def test_jensen_and_cumulative(data):
    X, y, Xte = data
    rf = RandomForestRegressor(n_estimators=6, max_features=0.4, random_state=1).fit(X, y)
    p = trees.smoothing_parameters(rf, X, Xte)
    assert p["forest"] <= p["trees"].mean() + 1e-9
    assert p["cumulative"][0] == pytest.approx(p["trees"][0])
    assert p["forest"] == pytest.approx(trees.effective_parameters(trees.forest_smoother(rf, X, Xte)))
    assert np.isnan(p["trace"])
    assert trees.smoothing_parameters(rf, X)["trace"] == pytest.approx(
        np.trace(trees.forest_smoother(rf, X)))


def test_resampled_dof():
    rng = np.random.default_rng(5)
    n, R = 30, 400
    X = rng.uniform(size=(n, 1))
    f = np.sin(3 * X[:, 0])
    # interpolator: exactly n with the pooled variance
    d = trees.resampled_dof(lambda X, y: y, X, f, noise=1.0, n_redraws=5, rng=rng)
    assert d["df"] == pytest.approx(n, rel=1e-12)
    # linear smoother yhat = H y: df = trace(H); MC reference within 4 SE
    Z = np.c_[np.ones(n), X]
    H = Z @ np.linalg.solve(Z.T @ Z, Z.T)
    d = trees.resampled_dof(lambda X, y: H @ y, X, f, noise=0.5, n_redraws=R, rng=rng,
                            pooled_variance=False)
    # Var of sample cov sum ~ sum_i (H_ii^2 + 1) sigma^4 / R ... bound it crudely by (n + 2)/R
    se = np.sqrt((np.sum(np.diag(H) ** 2) + np.sum(H * H)) / R)
    assert abs(d["df"] - np.trace(H)) < 4 * se


def test_error_decomposition():
    rng = np.random.default_rng(0)
    P = rng.normal(size=(5, 3, 7))
    f = rng.normal(size=7)
    d = trees.ensemble_error_decomposition(P, f)
    mse = ((P - f) ** 2).mean(axis=2)
    assert np.allclose(d["avg_mse"], mse.mean(axis=0))
    assert np.allclose(d["rep_bias"], mse.min(axis=0))
    b = np.argmin(mse[:, 1])
    assert d["mod_var"][1] == pytest.approx(np.mean((P[:, 1] - P[b, 1]) ** 2))


def test_mars_and_shift():
    X = np.array([[0.0, 0.5, 1.0, 1.0, 1.0]])
    assert trees.mars_additive(X)[0] == pytest.approx(0.1 + 2.0 + 6.0)
    rng = np.random.default_rng(1)
    Z = trees.shift_inputs(np.zeros((1000, 3)), 0.2, rng=rng)
    assert np.abs(Z).max() <= 0.2 and abs(Z.mean()) < 0.01


def test_validation(data):
    X, y, _ = data
    rf = RandomForestRegressor(n_estimators=2, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="model"):
        trees.forest_smoother(object(), X)
    with pytest.raises(ValueError, match="X_eval"):
        trees.forest_smoother(rf, X, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="X_train"):
        trees.forest_smoother(rf, X[:, :3])
    with pytest.raises(ValueError, match="S"):
        trees.effective_parameters(np.ones(3))
    with pytest.raises(TypeError, match="rng"):
        trees.sample_mars(5, rng=0)
    with pytest.raises(ValueError, match="dim"):
        trees.sample_mars(5, dim=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="n_redraws"):
        trees.resampled_dof(lambda X, y: y, X, y, noise=1.0, n_redraws=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="noise"):
        trees.resampled_dof(lambda X, y: y, X, y, noise=0.0, n_redraws=3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="delta"):
        trees.shift_inputs(X, -1.0, rng=np.random.default_rng(0))

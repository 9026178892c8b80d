r"""Tree ensembles as adaptive smoothers: the smoother matrix of a fitted scikit-learn
forest, its effective number of parameters, Mentch--Zhou degrees of freedom by outcome
resampling, and the data-generating process of Curth, Jeffares & van der Schaar (2024).

A regression tree predicts a weighted average of training labels. With leaf map
:math:`\ell(\cdot)` and in-bag multiplicities :math:`c_i` (bootstrap counts; 1 without
bootstrap, 0 out of bag),

.. math:: \hat s_i(x) = \frac{c_i\,\mathbb 1[\ell(x_i)=\ell(x)]}{\sum_j c_j\,\mathbb 1[\ell(x_j)=\ell(x)]},
          \qquad \hat f(x) = \hat s(x)^\top y ,

and a forest of :math:`B` trees averages the rows, :math:`\hat s = B^{-1}\sum_b \hat s^{(b)}`.
The leaves come from the fitted model's ``apply``; the in-bag counts are re-drawn from each
tree's ``random_state`` exactly as scikit-learn draws them (the test suite checks that
:math:`S y` reproduces ``predict`` to round-off, which guards against a change in
scikit-learn's private sampler).

The *effective number of parameters* at evaluation inputs :math:`\{x_j\}_{j\in I_0}`
(Curth et al. 2023, used in the paper's Section 3) is

.. math:: p^0_{\hat s} = \frac{n}{|I_0|}\sum_{j\in I_0}\lVert \hat s(x_j)\rVert_2^2 ,

equal to :math:`n` for an interpolating tree and :math:`n/k` for k-NN. By Jensen
(:math:`\lVert\bar s\rVert^2\le\overline{\lVert s\rVert^2}`) a forest's :math:`p^0` never exceeds
the mean of its trees'.

Used by ``notebooks/learning-theory/rf-adaptive-smoothers.md``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import count, elements, flag, function, generator, integer, nonneg_real, shaped_array

MAX_REDRAWS = 100_000
"""Largest ``n_redraws`` of :func:`resampled_dof` (one model fit each)."""

__all__ = [
    "in_bag_counts",
    "tree_smoothers",
    "forest_smoother",
    "effective_parameters",
    "smoothing_parameters",
    "mars_additive",
    "sample_mars",
    "shift_inputs",
    "resampled_dof",
    "ensemble_error_decomposition",
]


def _estimators(model) -> list:
    """The list of fitted trees of a forest, or ``[model]`` for a single fitted tree."""
    if hasattr(model, "estimators_"):
        est = model.estimators_
        if len(est) and not hasattr(est[0], "apply"):  # gradient boosting stores arrays of trees
            raise TypeError("model must be a random forest / bagging of trees or a single tree")
        return list(est)
    if hasattr(model, "tree_") and hasattr(model, "apply"):
        return [model]
    raise TypeError(
        "model must be a fitted scikit-learn forest (RandomForestRegressor, ExtraTreesRegressor) "
        f"or a fitted DecisionTreeRegressor; got {type(model).__name__}"
    )


def in_bag_counts(model, n_samples: int) -> np.ndarray:
    """In-bag multiplicities :math:`c_{bi}` of every tree, shape ``(B, n_samples)``.

    All ones when ``model`` was fitted without bootstrap (or is a single tree); otherwise
    the bootstrap counts re-drawn from each tree's ``random_state`` with scikit-learn's own
    sampler (as its out-of-bag score does). Fitting with ``sample_weight`` is not supported.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> X = np.random.default_rng(0).uniform(size=(30, 2)); y = X.sum(1)
    >>> rf = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y)
    >>> c = in_bag_counts(rf, 30)
    >>> c.shape, bool((c.sum(axis=1) == 30).all())
    ((3, 30), True)
    """
    n = count("n_samples", n_samples)
    trees = _estimators(model)
    elements("n_trees * n_samples", (len(trees), n))
    if not getattr(model, "bootstrap", False):
        return np.ones((len(trees), n))
    from sklearn.ensemble import _forest  # private, guarded by tests/test_trees.py

    max_samples = getattr(model, "max_samples", None)
    try:
        n_boot = _forest._get_n_samples_bootstrap(n, max_samples, None)
    except TypeError:  # scikit-learn < 1.6
        n_boot = _forest._get_n_samples_bootstrap(n, max_samples)
    out = np.empty((len(trees), n))
    for b, t in enumerate(trees):
        try:
            idx = _forest._generate_sample_indices(t.random_state, n, n_boot, None)
        except TypeError:  # scikit-learn < 1.6
            idx = _forest._generate_sample_indices(t.random_state, n, n_boot)
        out[b] = np.bincount(idx, minlength=n)
    return out


def _check_X_pair(model, X_train, X_eval):
    _estimators(model)  # a fitted forest or tree, else a TypeError naming model
    Xtr = shaped_array("X_train", X_train, ndim=2)
    nf = getattr(model, "n_features_in_", Xtr.shape[1])
    if Xtr.shape[1] != nf:
        raise ValueError(f"X_train has {Xtr.shape[1]} features; the model was fitted on {nf}")
    Xev = Xtr if X_eval is None else shaped_array("X_eval", X_eval, shape=(None, Xtr.shape[1]))
    elements("len(X_eval) * len(X_train)", (Xev.shape[0], Xtr.shape[0]))
    return Xtr, Xev


def tree_smoothers(model, X_train, X_eval=None) -> np.ndarray:
    r"""Per-tree smoother matrices :math:`S^{(b)}_{ji} = \hat s^{(b)}_i(x_j)`, shape ``(B, m, n)``.

    Each row sums to one (every leaf holds at least one in-bag point). Memory is
    ``B m n`` doubles; use :func:`smoothing_parameters` when only norms are needed.

    Parameters
    ----------
    model : fitted scikit-learn forest or tree
        ``X_train`` must be its training inputs.
    X_train : (n, d) array
        Training inputs.
    X_eval : (m, d) array, optional
        Evaluation inputs; default ``X_train``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> X = np.arange(6.0)[:, None]; y = X[:, 0] ** 2
    >>> t = DecisionTreeRegressor(max_leaf_nodes=2, random_state=0).fit(X, y)
    >>> tree_smoothers(t, X, np.array([[0.0], [5.0]]))[0].round(3)
    array([[0.25, 0.25, 0.25, 0.25, 0.  , 0.  ],
           [0.  , 0.  , 0.  , 0.  , 0.5 , 0.5 ]])
    """
    Xtr, Xev = _check_X_pair(model, X_train, X_eval)
    trees = _estimators(model)
    counts = in_bag_counts(model, Xtr.shape[0])
    elements("n_trees * len(X_eval) * len(X_train)", (len(trees), Xev.shape[0], Xtr.shape[0]))
    out = np.empty((len(trees), Xev.shape[0], Xtr.shape[0]))
    for b, t in enumerate(trees):
        out[b] = _one_tree(t, Xtr, Xev, counts[b])
    return out


def _one_tree(tree, Xtr, Xev, c) -> np.ndarray:
    lt = tree.apply(Xtr)
    le = tree.apply(Xev)
    w = np.bincount(lt, weights=c, minlength=max(lt.max(), le.max()) + 1)
    same = le[:, None] == lt[None, :]
    return same * c[None, :] / w[le][:, None]


def forest_smoother(model, X_train, X_eval=None) -> np.ndarray:
    r"""Forest smoother matrix :math:`S = B^{-1}\sum_b S^{(b)}`, shape ``(m, n)``, so that
    ``S @ y_train`` equals ``model.predict(X_eval)`` (to round-off).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> rng = np.random.default_rng(1); X = rng.uniform(size=(40, 3)); y = X @ [1.0, 2.0, 0.0]
    >>> rf = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    >>> bool(np.allclose(forest_smoother(rf, X) @ y, rf.predict(X)))
    True
    """
    Xtr, Xev = _check_X_pair(model, X_train, X_eval)
    trees = _estimators(model)
    counts = in_bag_counts(model, Xtr.shape[0])
    S = np.zeros((Xev.shape[0], Xtr.shape[0]))
    for b, t in enumerate(trees):
        S += _one_tree(t, Xtr, Xev, counts[b])
    return S / len(trees)


def effective_parameters(S) -> float:
    r""":math:`p^0 = \frac{n}{m}\sum_{j=1}^m\lVert S_{j\cdot}\rVert_2^2` of a smoother matrix ``S`` (m, n).

    Examples
    --------
    >>> import numpy as np
    >>> effective_parameters(np.eye(4)), effective_parameters(np.full((3, 4), 0.25))
    (4.0, 1.0)
    """
    A = shaped_array("S", S, ndim=2)
    return float(A.shape[1] * np.mean(np.sum(A * A, axis=1)))


def smoothing_parameters(model, X_train, X_eval=None) -> dict[str, np.ndarray | float]:
    r"""Effective parameters of a forest and of each of its trees at ``X_eval``.

    Returns
    -------
    dict with ``forest`` (:math:`p^0` of the averaged smoother), ``trees`` (B,) (:math:`p^0`
    of each tree's smoother), ``cumulative`` (B,) (:math:`p^0` of the sub-forest of the first
    b trees, b = 1..B) and ``trace`` (trace of the forest smoother when ``X_eval`` is the
    training set, else ``nan``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestRegressor
    >>> X = np.random.default_rng(2).uniform(size=(50, 2)); y = X[:, 0]
    >>> rf = RandomForestRegressor(n_estimators=4, bootstrap=False, random_state=0).fit(X, y)
    >>> p = smoothing_parameters(rf, X)
    >>> p["forest"], p["trees"].tolist()
    (50.0, [50.0, 50.0, 50.0, 50.0])
    """
    Xtr, Xev = _check_X_pair(model, X_train, X_eval)
    trees = _estimators(model)
    n = Xtr.shape[0]
    counts = in_bag_counts(model, n)
    acc = np.zeros((Xev.shape[0], n))
    p_trees = np.empty(len(trees))
    p_cum = np.empty(len(trees))
    for b, t in enumerate(trees):
        Sb = _one_tree(t, Xtr, Xev, counts[b])
        p_trees[b] = n * np.mean(np.sum(Sb * Sb, axis=1))
        acc += Sb
        Sc = acc / (b + 1)
        p_cum[b] = n * np.mean(np.sum(Sc * Sc, axis=1))
    S = acc / len(trees)
    trace = float(np.trace(S)) if X_eval is None else float("nan")
    return {"forest": float(p_cum[-1]), "trees": p_trees, "cumulative": p_cum, "trace": trace}


def mars_additive(X) -> np.ndarray:
    r"""Noise-free "MARS additive" regression function of the paper's simulations,

    .. math:: f(x) = 0.1\,e^{4x_1} + \frac{4}{1+e^{-20(x_2-0.5)}} + 3x_3 + 2x_4 + x_5 ,

    for ``X`` of shape (n, d), d >= 5 (extra columns are noise features). Shape (n,).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(mars_additive(np.full((1, 5), 0.5))[0]), 6)
    5.738906
    """
    A = shaped_array("X", X, ndim=2)
    if A.shape[1] < 5:
        raise ValueError(f"X must have at least 5 columns; got {A.shape[1]}")
    return (0.1 * np.exp(4 * A[:, 0]) + 4 / (1 + np.exp(-20 * (A[:, 1] - 0.5)))
            + 3 * A[:, 2] + 2 * A[:, 3] + A[:, 4])


def sample_mars(n_samples: int, *, dim: int = 5, noise: float = 1.0,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X ~ U[0, 1]^dim``, ``f = mars_additive(X)`` and ``y = f + N(0, noise^2)``.

    Returns ``(X (n, dim), y (n,), f (n,))``.

    Examples
    --------
    >>> import numpy as np
    >>> X, y, f = sample_mars(4, noise=0.0, rng=np.random.default_rng(0))
    >>> X.shape, bool(np.all(y == f))
    ((4, 5), True)
    """
    n = count("n_samples", n_samples)
    d = count("dim", dim, low=5)
    elements("n_samples * dim", (n, d))
    s = nonneg_real("noise", noise)
    generator("rng", rng)
    X = rng.uniform(size=(n, d))
    f = mars_additive(X)
    return X, f + s * rng.standard_normal(n), f


def shift_inputs(X, delta: float, *, rng: np.random.Generator) -> np.ndarray:
    r"""Test inputs displaced from ``X``: :math:`X + U[-\delta, \delta]^d` (the paper's
    train--test dissimilarity experiment). ``delta = 0`` returns a copy of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((3, 2)); Z = shift_inputs(X, 0.1, rng=np.random.default_rng(0))
    >>> bool(np.all(np.abs(Z) <= 0.1))
    True
    """
    A = shaped_array("X", X, ndim=2)
    dlt = nonneg_real("delta", delta)
    generator("rng", rng)
    return A + rng.uniform(-dlt, dlt, size=A.shape)


def resampled_dof(fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], X, f, *,
                  noise: float, n_redraws: int, rng: np.random.Generator,
                  pooled_variance: bool = True) -> dict[str, float | np.ndarray]:
    r"""Mentch--Zhou degrees of freedom :math:`\mathrm{df} = \sigma^{-2}\sum_i
    \mathrm{Cov}(\hat y_i, y_i)` by redrawing outcomes :math:`y = f + \varepsilon` with ``X`` fixed.

    Parameters
    ----------
    fit_predict : callable ``(X, y) -> yhat_train`` (fit a fresh model, predict on ``X``)
    X : (n, d) inputs; f : (n,) noise-free regression function at ``X``
    noise : outcome noise standard deviation :math:`\sigma > 0`
    n_redraws : number of outcome redraws R >= 2 (one model fit each)
    pooled_variance : divide by the pooled sample variance of the :math:`y_i` over redraws
        (the covariance estimate is then exact, = n, for an interpolator) instead of :math:`\sigma^2`

    Returns
    -------
    dict with ``df`` and ``cov`` (n,) (sample covariances, ddof = 1).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((5, 1)); f = np.zeros(5)
    >>> resampled_dof(lambda X, y: y, X, f, noise=1.0, n_redraws=4, rng=np.random.default_rng(0))["df"]
    5.0
    """
    A = shaped_array("X", X, ndim=2)
    fv = shaped_array("f", f, shape=(A.shape[0],))
    s = nonneg_real("noise", noise)
    if s == 0:
        raise ValueError("noise must be > 0")
    function("fit_predict", fit_predict, what="(X, y) -> yhat_train")
    R = count("n_redraws", n_redraws, low=2, high=MAX_REDRAWS)
    elements("n_redraws * n_samples", (R, A.shape[0]))
    pooled = flag("pooled_variance", pooled_variance)
    generator("rng", rng)
    Y = fv[None, :] + s * rng.standard_normal((R, A.shape[0]))
    Yhat = np.empty_like(Y)
    for r in range(R):  # one model fit per redraw (not a per-sample loop)
        pred = np.asarray(fit_predict(A, Y[r]), dtype=float)
        if pred.shape != (A.shape[0],):
            raise ValueError(f"fit_predict must return shape ({A.shape[0]},); got {pred.shape}")
        if not np.all(np.isfinite(pred)):
            raise ValueError("fit_predict returned non-finite predictions")
        Yhat[r] = pred
    Yc = Y - Y.mean(axis=0)
    cov = np.sum(Yc * (Yhat - Yhat.mean(axis=0)), axis=0) / (R - 1)
    var = float(np.mean(np.sum(Yc * Yc, axis=0) / (R - 1))) if pooled else s * s
    return {"df": float(cov.sum() / var), "cov": cov}


def ensemble_error_decomposition(preds, f_eval) -> dict[str, np.ndarray]:
    r"""Test error of R independently seeded ensembles as their size grows, split the way
    the catalogue reads the paper's code (Section 4; not re-confirmed in the paper's text).

    Parameters
    ----------
    preds : (R, B, m) predictions of repetition r's sub-ensemble of its first b+1 members
    f_eval : (m,) noise-free targets at the evaluation inputs

    Returns
    -------
    dict with, each of shape (B,): ``avg_mse`` (mean over r of the test MSE), ``rep_bias``
    (the MSE of the best repetition, a proxy for the best function reachable by the class) and
    ``mod_var`` (mean squared deviation of every repetition's predictions from the best one's).

    Examples
    --------
    >>> import numpy as np
    >>> P = np.array([[[1.0, 1.0]], [[0.0, 2.0]]])   # R = 2, B = 1, m = 2
    >>> d = ensemble_error_decomposition(P, np.array([1.0, 1.0]))
    >>> d["avg_mse"].tolist(), d["rep_bias"].tolist(), d["mod_var"].tolist()
    ([0.5], [0.0], [0.5])
    """
    P = shaped_array("preds", preds, ndim=3)
    fv = shaped_array("f_eval", f_eval, shape=(P.shape[2],))
    mse = np.mean((P - fv) ** 2, axis=2)  # (R, B)
    best = np.argmin(mse, axis=0)  # (B,)
    ref = P[best, np.arange(P.shape[1])]  # (B, m)
    mod_var = np.mean(np.mean((P - ref[None]) ** 2, axis=2), axis=0)
    return {"avg_mse": mse.mean(axis=0), "rep_bias": mse.min(axis=0), "mod_var": mod_var}

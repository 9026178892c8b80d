r"""Latent-variable models in closed form: the linear-Gaussian factor model and its
probabilistic-PCA maximum-likelihood fit, exact excess risks of least squares, Bayesian
linear regression (Gaussian prior with known noise, and normal--inverse-gamma), and
Gaussian-mixture pretraining with scikit-learn.

Factor model (Ge, Tang, Fan & Jin, ICLR 2024, the factor-model instance; details inferred):
:math:`x = Bz + \mu`, :math:`z\sim N(0, I_r)`, :math:`\mu\sim N(0,\sigma^2 I_d)`, so
:math:`\mathbb E[z\mid x] = (\sigma^2 I + B^\top B)^{-1}B^\top x`,
:math:`\mathrm{Cov}(z\mid x) = \sigma^2(\sigma^2 I + B^\top B)^{-1}`; the MLE of :math:`B` (up to a
rotation) is :math:`\hat B = U_r(\Lambda_r - \sigma^2 I)_+^{1/2}` from the top eigenpairs of the
sample covariance (Tipping & Bishop 1999).

Bayesian linear regression: :math:`w\sim N(0, \tau^2 I)`, :math:`y = Xw + \varepsilon`,
:math:`\varepsilon\sim N(0,\sigma^2 I)`: posterior :math:`N(m, \Sigma)` with
:math:`\Sigma = \sigma^2(X^\top X + \lambda I)^{-1}`, :math:`m = (X^\top X+\lambda I)^{-1}X^\top y`,
:math:`\lambda = \sigma^2/\tau^2`; predictive :math:`N(x^\top m, \sigma^2 + x^\top\Sigma x)`.
Normal--inverse-gamma: :math:`w\mid\sigma^2\sim N(0,\sigma^2 V_0)`,
:math:`\sigma^2\sim IG(a_0, b_0)`; Student-t predictive with :math:`2a_n` degrees of freedom.

Used by ``notebooks/learning-theory/unsupervised-pretraining.md`` and
``notebooks/learning-theory/icl-uncertainty.md``.
"""

from __future__ import annotations

import numpy as np

from ._validate import (array, choice, count, elements, flag, generator, int_array, integer, nonneg_real,
                        positive_real, shaped_array)

MAX_GMM_INITS = 1000
"""Largest ``n_init`` of :func:`gmm_pretrain` (one EM run each)."""

__all__ = [
    "sample_factor_model",
    "factor_posterior_mean",
    "ppca_fit",
    "ols_fit",
    "excess_risk",
    "ols_expected_excess_risk",
    "blr_posterior",
    "blr_predictive",
    "nig_posterior",
    "nig_predictive",
    "gaussian_nll",
    "gmm_pretrain",
    "gmm_label_map",
]


def sample_factor_model(n_samples: int, B, beta=None, *, rng: np.random.Generator,
                        noise_var: float = 1.0, label_noise: float = 1.0, gamma=None):
    r"""Draw ``n_samples`` from the factor model :math:`x = Bz + \mu`.

    Labels: :math:`y = \beta^\top z + \nu` (``beta``, through the latent), or
    :math:`y = \gamma^\top\mu + \nu` (``gamma``, through the isotropic noise that
    pretraining discards); :math:`\nu\sim N(0, \text{label\_noise}^2)`.

    Returns ``(X (n, d), Z (n, r), y (n,) or None)``.

    Examples
    --------
    >>> import numpy as np
    >>> X, Z, y = sample_factor_model(5, np.ones((4, 2)), np.ones(2), rng=np.random.default_rng(0))
    >>> X.shape, Z.shape, y.shape
    ((5, 4), (5, 2), (5,))
    """
    n = count("n_samples", n_samples)
    Bm = shaped_array("B", B, ndim=2)
    s2 = nonneg_real("noise_var", noise_var)
    sl = nonneg_real("label_noise", label_noise)
    generator("rng", rng)
    d, r = Bm.shape
    elements("n_samples * (dim + rank)", (n, d + r))
    Z = rng.standard_normal((n, r))
    M = np.sqrt(s2) * rng.standard_normal((n, d))
    X = Z @ Bm.T + M
    y = None
    if beta is not None and gamma is not None:
        raise ValueError("give beta or gamma, not both")
    if beta is not None:
        y = Z @ shaped_array("beta", beta, shape=(r,)) + sl * rng.standard_normal(n)
    if gamma is not None:
        y = M @ shaped_array("gamma", gamma, shape=(d,)) + sl * rng.standard_normal(n)
    return X, Z, y


def factor_posterior_mean(X, B, *, noise_var: float = 1.0) -> np.ndarray:
    r"""Posterior mean of the latent, :math:`\hat z = (\sigma^2 I + B^\top B)^{-1}B^\top x`, for each row
    of ``X`` (n, d): shape (n, r).

    Examples
    --------
    >>> import numpy as np
    >>> factor_posterior_mean(np.array([[2.0, 0.0]]), np.array([[1.0], [0.0]])).tolist()
    [[1.0]]
    """
    Bm = shaped_array("B", B, ndim=2)
    A = shaped_array("X", X, shape=(None, Bm.shape[0]))
    s2 = positive_real("noise_var", noise_var)
    G = s2 * np.eye(Bm.shape[1]) + Bm.T @ Bm
    return np.linalg.solve(G, Bm.T @ A.T).T


def ppca_fit(X, rank: int, *, noise_var: float | None = 1.0, center: bool = False):
    r"""Probabilistic-PCA maximum-likelihood loading matrix, :math:`\hat B = U_r(\Lambda_r -
    \sigma^2 I)_+^{1/2}` (eigenvalues below :math:`\sigma^2` clipped to zero).

    Parameters
    ----------
    X : (m, d) unlabeled data
    rank : r, the latent dimension
    noise_var : known :math:`\sigma^2`; ``None`` estimates it by the mean of the discarded
        eigenvalues (the MLE)
    center : subtract the sample mean (the model here has mean zero, so default ``False``)

    Returns
    -------
    ``(B_hat (d, r), noise_var)``.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).standard_normal((20000, 3)) * [3.0, 1.0, 1.0]
    >>> B, s2 = ppca_fit(X, 1)
    >>> round(float(abs(B[0, 0])), 1), s2
    (2.8, 1.0)
    """
    A = shaped_array("X", X, ndim=2)
    m, d = A.shape
    r = integer("rank", rank, 1)
    if r >= d:
        raise ValueError(f"rank must be < dim = {d}; got {r}")
    if flag("center", center):
        A = A - A.mean(axis=0)
    C = A.T @ A / m
    lam, U = np.linalg.eigh(C)
    lam, U = lam[::-1], U[:, ::-1]
    s2 = float(lam[r:].mean()) if noise_var is None else nonneg_real("noise_var", noise_var)
    return U[:, :r] * np.sqrt(np.maximum(lam[:r] - s2, 0.0)), s2


def ols_fit(F, y) -> np.ndarray:
    """Least-squares coefficients without intercept, ``F`` (n, p) or a batch (R, n, p) with
    ``y`` (n,) or (R, n): shape (p,) or (R, p). Needs ``n >= p`` and full column rank.

    Examples
    --------
    >>> import numpy as np
    >>> ols_fit(np.array([[1.0], [2.0]]), np.array([2.0, 4.0])).tolist()
    [2.0]
    """
    A = shaped_array("F", F, ndim=(2, 3))
    b = _rows_of("y", y, "F", A)
    G = np.swapaxes(A, -1, -2) @ A
    try:
        return np.linalg.solve(G, (np.swapaxes(A, -1, -2) @ b[..., None]))[..., 0]
    except np.linalg.LinAlgError:
        raise ValueError("F must have full column rank (F^T F is singular)") from None


def _rows_of(name, v, of, A, *, nonempty=True) -> np.ndarray:
    """``v`` as one value per row of ``A`` (shape ``A.shape[:-1]``), the message naming both."""
    b = shaped_array(name, v, nonempty=nonempty)
    if b.shape != A.shape[:-1]:
        raise ValueError(f"{name} must have shape {A.shape[:-1]}, one value per row of {of} "
                         f"(shape {A.shape}); got {b.shape}")
    return b


def excess_risk(w, w_star, Sigma) -> np.ndarray:
    r"""Exact excess squared risk of a linear predictor, :math:`(w - w^*)^\top\Sigma(w - w^*)`,
    for ``w`` (d,) or a batch (R, d): shape () or (R,).

    Examples
    --------
    >>> import numpy as np
    >>> float(excess_risk(np.array([1.0, 0.0]), np.zeros(2), np.diag([2.0, 1.0])))
    2.0
    """
    W = shaped_array("w", w, ndim=(1, 2))
    ws = shaped_array("w_star", w_star, shape=(W.shape[-1],))
    S = shaped_array("Sigma", Sigma, shape=(W.shape[-1], W.shape[-1]))
    D = W - ws
    return np.einsum("...i,ij,...j->...", D, S, D)


def ols_expected_excess_risk(n_features: int, n_samples: int, *, residual_var: float) -> float:
    r"""Expected excess risk of OLS with a Gaussian zero-mean design and no intercept,
    :math:`\sigma^2 p/(n - p - 1)`, for :math:`n > p + 1` (e.g. Hastie et al. 2022, Prop. 2).

    Examples
    --------
    >>> ols_expected_excess_risk(3, 50, residual_var=2.0)
    0.13043478260869565
    """
    p = count("n_features", n_features)
    n = integer("n_samples", n_samples)
    if n < p + 2:
        raise ValueError(f"n_samples must be >= n_features + 2 = {p + 2} (the expectation is finite only "
                         f"for n > p + 1); got n_samples = {n}")
    return nonneg_real("residual_var", residual_var) * p / (n - p - 1)


def _context(X, y):
    A = shaped_array("X", X, ndim=(2, 3), nonempty=False)
    if A.shape[-1] == 0:
        raise ValueError(f"X must have at least one feature (last axis); got shape {A.shape}")
    b = _rows_of("y", y, "X", A, nonempty=False)
    return A, b


def blr_posterior(X, y, *, prior_var: float = 1.0, noise_var: float = 1.0):
    r"""Gaussian posterior of the weights, for one context ``X`` (t, d), ``y`` (t,) or a batch
    ``X`` (T, t, d), ``y`` (T, t); ``t = 0`` gives the prior.

    Returns ``(mean (..., d), cov (..., d, d))``.

    Examples
    --------
    >>> import numpy as np
    >>> m, S = blr_posterior(np.array([[1.0]]), np.array([2.0]))
    >>> m.tolist(), S.tolist()
    ([1.0], [[0.5]])
    """
    A, b = _context(X, y)
    t2 = positive_real("prior_var", prior_var)
    s2 = positive_real("noise_var", noise_var)
    d = A.shape[-1]
    P = np.swapaxes(A, -1, -2) @ A + (s2 / t2) * np.eye(d)
    Pinv = np.linalg.inv(P)  # d x d, positive definite
    mean = (Pinv @ (np.swapaxes(A, -1, -2) @ b[..., None]))[..., 0]
    return mean, s2 * Pinv


def blr_predictive(Xq, X, y, *, prior_var: float = 1.0, noise_var: float = 1.0):
    r"""Posterior predictive :math:`N(x^\top m, \sigma^2 + x^\top\Sigma x)` at query points.

    ``Xq`` (d,) or (q, d) with one context, or (T, d) / (T, q, d) with a batch of T contexts.
    Returns ``(mean, var)`` of the query shape without the last axis.

    Examples
    --------
    >>> import numpy as np
    >>> mu, v = blr_predictive(np.array([1.0]), np.array([[1.0]]), np.array([2.0]))
    >>> float(mu), float(v)
    (1.0, 1.5)
    """
    A, b = _context(X, y)
    m, S = blr_posterior(A, b, prior_var=prior_var, noise_var=noise_var)
    Q = shaped_array("Xq", Xq)
    if Q.shape[-1] != A.shape[-1]:
        raise ValueError(f"Xq must have {A.shape[-1]} features; got shape {Q.shape}")
    batched = A.ndim == 3
    if batched:
        if Q.shape[0] != A.shape[0] or Q.ndim not in (2, 3):
            raise ValueError(f"Xq must have shape (T, d) or (T, q, d) with T = {A.shape[0]}; got {Q.shape}")
        Qb = Q if Q.ndim == 3 else Q[:, None, :]
        mu = np.einsum("tqd,td->tq", Qb, m)
        var = noise_var + np.einsum("tqd,tde,tqe->tq", Qb, S, Qb)
        return (mu, var) if Q.ndim == 3 else (mu[:, 0], var[:, 0])
    return Q @ m, noise_var + np.einsum("...d,de,...e->...", Q, S, Q)


def nig_posterior(X, y, *, V0, a0: float, b0: float):
    r"""Normal--inverse-gamma posterior :math:`(m_n, V_n, a_n, b_n)`:
    :math:`V_n = (V_0^{-1} + X^\top X)^{-1}`, :math:`m_n = V_nX^\top y`,
    :math:`a_n = a_0 + t/2`, :math:`b_n = b_0 + \tfrac12(y^\top y - m_n^\top V_n^{-1}m_n)`
    (prior mean 0). One context ``X`` (t, d), ``y`` (t,).

    Examples
    --------
    >>> import numpy as np
    >>> m, V, a, b = nig_posterior(np.array([[1.0]]), np.array([2.0]), V0=np.eye(1), a0=2.0, b0=1.0)
    >>> m.tolist(), V.tolist(), a, b
    ([1.0], [[0.5]], 2.5, 2.0)
    """
    A, yb = _context(X, y)
    if A.ndim != 2:
        raise ValueError("nig_posterior takes one context X (t, d)")
    d = A.shape[1]
    V0m = shaped_array("V0", V0, shape=(d, d))
    if not np.allclose(V0m, V0m.T):
        raise ValueError("V0 must be symmetric (a prior covariance)")
    try:
        np.linalg.cholesky(V0m)
    except np.linalg.LinAlgError:
        raise ValueError("V0 must be positive definite (a prior covariance)") from None
    a = positive_real("a0", a0)
    bb = positive_real("b0", b0)
    Pn = np.linalg.inv(V0m) + A.T @ A
    Vn = np.linalg.inv(Pn)
    mn = Vn @ (A.T @ yb)
    an = a + A.shape[0] / 2
    bn = bb + 0.5 * (yb @ yb - mn @ Pn @ mn)
    return mn, Vn, an, float(bn)


def nig_predictive(Xq, X, y, *, V0, a0: float, b0: float):
    r"""Student-t posterior predictive of the normal--inverse-gamma model at ``Xq`` (q, d):
    location :math:`x^\top m_n`, squared scale :math:`(b_n/a_n)(1 + x^\top V_n x)`, :math:`2a_n`
    degrees of freedom. Returns ``(loc (q,), scale2 (q,), dof)``.

    Examples
    --------
    >>> import numpy as np
    >>> loc, s2, nu = nig_predictive(np.array([[1.0]]), np.array([[1.0]]), np.array([2.0]),
    ...                              V0=np.eye(1), a0=2.0, b0=1.0)
    >>> loc.tolist(), s2.round(12).tolist(), nu
    ([1.0], [1.2], 5.0)
    """
    mn, Vn, an, bn = nig_posterior(X, y, V0=V0, a0=a0, b0=b0)
    Q = shaped_array("Xq", Xq, shape=(None, mn.size))
    return Q @ mn, (bn / an) * (1 + np.einsum("qd,de,qe->q", Q, Vn, Q)), 2 * an


def gaussian_nll(y, mean, var) -> np.ndarray:
    r"""Gaussian negative log-likelihood :math:`\tfrac12\log(2\pi v) + (y-\mu)^2/(2v)`, elementwise.

    Examples
    --------
    >>> round(float(gaussian_nll(0.0, 0.0, 1.0)), 6)
    0.918939
    """
    yy = array("y", y)
    mu = array("mean", mean)
    v = array("var", var, low=0.0, low_open=True)
    try:
        np.broadcast_shapes(yy.shape, mu.shape, v.shape)
    except ValueError:
        raise ValueError(f"y, mean and var must broadcast together; got shapes {yy.shape}, {mu.shape}, "
                         f"{v.shape}") from None
    return 0.5 * np.log(2 * np.pi * v) + (yy - mu) ** 2 / (2 * v)


def gmm_pretrain(X, n_components: int, *, rng: np.random.Generator,
                 covariance_type: str = "spherical", n_init: int = 1):
    """Fit a Gaussian mixture by EM (maximum likelihood; scikit-learn's ``GaussianMixture``,
    k-means initialisation) to unlabeled ``X`` (m, d). The seed comes from ``rng``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))]
    >>> g = gmm_pretrain(X, 2, rng=rng)
    >>> sorted(np.round(g.means_[:, 0]).tolist())
    [-5.0, 5.0]
    """
    from sklearn.mixture import GaussianMixture

    A = shaped_array("X", X, ndim=2)
    k = count("n_components", n_components, high=A.shape[0])
    cov = choice("covariance_type", covariance_type, ("full", "tied", "diag", "spherical"))
    n_init = count("n_init", n_init, high=MAX_GMM_INITS)
    generator("rng", rng)
    seed = int(rng.integers(0, 2**31 - 1))
    return GaussianMixture(n_components=k, covariance_type=cov, n_init=n_init, random_state=seed).fit(A)


def gmm_label_map(gmm, X_labeled, y_labeled, *, n_classes: int) -> np.ndarray:
    """Downstream ERM over maps {cluster -> label}: each cluster takes the label with the
    largest posterior-weighted count among the labeled points (label permutations are the
    symmetry the pretraining cannot resolve). Clusters no labeled point reaches get label 0.

    Returns the map, shape ``(n_components,)``; predict with ``map[gmm.predict(X)]``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-5, 1, (100, 2)), rng.normal(5, 1, (100, 2))]
    >>> g = gmm_pretrain(X, 2, rng=rng)
    >>> m = gmm_label_map(g, np.array([[-5.0, -5.0], [5.0, 5.0]]), np.array([1, 0]), n_classes=2)
    >>> m[g.predict(np.array([[-4.0, -6.0]]))].tolist()
    [1]
    """
    if not (hasattr(gmm, "predict_proba") and hasattr(gmm, "means_")):
        raise TypeError(f"gmm must be a fitted Gaussian mixture (from gmm_pretrain); got {type(gmm).__name__}")
    A = shaped_array("X_labeled", X_labeled, ndim=2)
    if A.shape[1] != gmm.means_.shape[1]:
        raise ValueError(f"X_labeled must have {gmm.means_.shape[1]} features (as gmm was fitted on); "
                         f"got shape {A.shape}")
    yl = int_array("y_labeled", y_labeled, shape=(A.shape[0],))
    K = count("n_classes", n_classes, low=2)
    elements("len(X_labeled) * n_classes", (A.shape[0], K))
    if yl.min() < 0 or yl.max() >= K:
        raise ValueError(f"y_labeled must lie in 0..{K - 1} (n_classes = {K})")
    R = gmm.predict_proba(A)  # (n, C)
    counts = R.T @ np.eye(K)[yl]  # (C, K)
    return np.argmax(counts, axis=1)

"""theorylab.diffusion against independent references: finite differences of scipy.stats
log-densities, Monte-Carlo posterior means within standard errors, explicit GD iterations,
scipy.stats.wasserstein_distance, and exact shifts for the sliced distance."""

import numpy as np
import pytest
from scipy import special, stats

from theorylab import diffusion as df
from theorylab import numdiff

GM1 = df.GaussianMixture([0.5, 0.5], [[-2.0], [2.0]], [0.5, 0.5])
GM2 = df.GaussianMixture([0.2, 0.3, 0.5], [[1.0, 0.0], [-1.0, 2.0], [0.0, -1.5]], [0.4, 0.7, 0.3])


def _scipy_logpdf(gm, x, t):
    """log p_t(x) from scipy.stats multivariate normals (independent of the module)."""
    a, s = np.exp(-t), np.sqrt(1 - np.exp(-2 * t))
    logs = [np.log(w) + np.atleast_1d(stats.multivariate_normal(a * m, (a * a * sd * sd + s * s) * np.eye(gm.dim)).logpdf(x))
            for w, m, sd in zip(gm.weights, gm.means, gm.stds)]
    return special.logsumexp(np.array(logs), axis=0)


def test_ou_coefficients_and_forward_moments():
    a, s = df.ou_coefficients(np.array([0.1, 1.0, 3.0]))
    np.testing.assert_allclose(a, np.exp(-np.array([0.1, 1.0, 3.0])))
    np.testing.assert_allclose(a ** 2 + s ** 2, 1.0, rtol=1e-15)
    rng = np.random.default_rng(0)
    x0 = np.full((200_000, 1), 2.0)
    xt, xi = df.ou_forward(x0, 0.5, rng=rng)
    a, s = df.ou_coefficients(0.5)
    np.testing.assert_allclose(xt, a * x0 + s * xi)
    assert abs(xt.mean() - 2 * a) < 4 * s / np.sqrt(2e5)


@pytest.mark.parametrize("gm", [GM1, GM2])
@pytest.mark.parametrize("t", [0.05, 0.7, 2.0])
def test_log_density_and_score_against_scipy(gm, t):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(6, gm.dim)) * 1.5
    np.testing.assert_allclose(gm.log_density(x, t), _scipy_logpdf(gm, x, t), rtol=1e-12)
    for xi in x:
        g = numdiff.grad_fd(lambda z: float(_scipy_logpdf(gm, z[None, :], t)[0]), xi, order=4)
        np.testing.assert_allclose(gm.score(xi[None, :], t)[0], g, rtol=1e-7, atol=1e-7)


def test_per_row_times():
    x = np.array([[0.3], [-1.0]])
    t = np.array([0.2, 1.1])
    s = GM1.score(x, t)
    np.testing.assert_allclose(s[0], GM1.score(x[:1], 0.2)[0])
    np.testing.assert_allclose(s[1], GM1.score(x[1:], 1.1)[0])


@pytest.mark.parametrize("gm", [GM1, GM2])
def test_tweedie_and_posterior_mean_against_monte_carlo(gm):
    t = 0.6
    a, s = df.ou_coefficients(t)
    x = np.array([[0.4] * gm.dim, [-1.2] * gm.dim])
    m = gm.posterior_mean(x, t)
    np.testing.assert_allclose(gm.score(x, t), (a * m - x) / s ** 2, rtol=1e-12, atol=1e-13)
    # E[x0 | xt = x] = E_p0[x0 N(x; a x0, s^2)] / E_p0[N(x; a x0, s^2)] (self-normalised importance sampling)
    rng = np.random.default_rng(2)
    x0 = gm.sample(400_000, rng=rng)
    for i in range(2):
        logw = -0.5 * np.sum((x[i] - a * x0) ** 2, axis=1) / s ** 2
        w = np.exp(logw - logw.max())
        w /= w.sum()
        est = w @ x0
        var = w @ np.sum((x0 - est) ** 2, axis=1)
        se = np.sqrt(np.sum(w ** 2 * np.sum((x0 - est) ** 2, axis=1)))
        assert np.all(np.abs(est - m[i]) <= 5 * se + 1e-12)
        np.testing.assert_allclose(gm.posterior_var(x[i:i + 1], t)[0], var, rtol=0.05)


def test_dsm_equals_esm_plus_constant_and_mc():
    t = 0.3
    rng = np.random.default_rng(3)
    diffs = []
    for _ in range(5):
        c = rng.normal(size=4)
        s = lambda x, c=c: np.polyval(c, x)
        diffs.append(df.dsm_loss_quad(s, GM1, t) - df.esm_loss_quad(s, GM1, t))
    # constant C(t) = E|xi/sigma|^2 - E|score|^2 (independent of s)
    a, sig = df.ou_coefficients(t)
    const = 1 / sig ** 2 - df.esm_loss_quad(lambda x: 0 * x, GM1, t)
    np.testing.assert_allclose(diffs, const, rtol=1e-9)
    # Monte-Carlo DSM within 4 SE of the quadrature
    c = rng.normal(size=3)
    s = lambda x: np.polyval(c, x)
    mc, se = df.dsm_loss_mc(lambda x, tt: s(x), GM1.sample(200_000, rng=rng), t, rng=rng)
    assert abs(mc - df.dsm_loss_quad(s, GM1, t)) <= 4 * se


def test_kernel_gd_eigen_equals_explicit_iteration():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(8, 3))
    Xt = rng.normal(size=(5, 3))
    K = np.exp(-0.5 * np.sum((X[:, None] - X[None]) ** 2, -1))
    Kt = np.exp(-0.5 * np.sum((Xt[:, None] - X[None]) ** 2, -1))
    y = rng.normal(size=(8, 2))
    lam_max = np.linalg.eigvalsh(K / 8).max()
    for lr in (0.9 / lam_max, 1.6 / lam_max):
        steps = [0, 1, 5, 40]
        out = df.kernel_gd_eigen(K, y, lr=lr, steps=steps, K_test=Kt)
        # explicit GD on the kernel coefficients: f = K c, c <- c - (lr/n) (K c - y)
        c = np.zeros((8, 2))
        for k in range(41):
            if k in steps:
                j = steps.index(k)
                np.testing.assert_allclose(out["train"][j], K @ c, rtol=1e-9, atol=1e-11)
                np.testing.assert_allclose(out["test"][j], Kt @ c, rtol=1e-9, atol=1e-11)
            c = c - lr / 8 * (K @ c - y)
    # tau -> infinity: the interpolant K^-1 y
    out = df.kernel_gd_eigen(K, y[:, 0], lr=0.9 / lam_max, steps=[1e9], K_test=Kt)
    np.testing.assert_allclose(out["test"][0], Kt @ np.linalg.solve(K, y[:, 0]), rtol=1e-6)


def test_wasserstein_1d_against_scipy():
    rng = np.random.default_rng(5)
    for nu, nv in [(7, 7), (5, 11), (40, 13)]:
        u, v = rng.normal(size=nu), rng.normal(1.0, 2.0, size=nv)
        np.testing.assert_allclose(df.wasserstein_1d(u, v), stats.wasserstein_distance(u, v), rtol=1e-12)
    # p = 2 between equal-size samples: sorted differences
    u, v = rng.normal(size=9), rng.normal(size=9)
    np.testing.assert_allclose(df.wasserstein_1d(u, v, p=2), np.sqrt(np.mean((np.sort(u) - np.sort(v)) ** 2)))
    # batched rows
    U, Vv = rng.normal(size=(3, 6)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(df.wasserstein_1d(U, Vv), [stats.wasserstein_distance(a, b) for a, b in zip(U, Vv)],
                               rtol=1e-12)


def test_sliced_wasserstein_of_a_shift():
    """SW_1(X, X + m) = E_theta |theta . m| exactly for the same projections."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(50, 3))
    m = np.array([1.0, -2.0, 0.5])
    sw = df.sliced_wasserstein(X, X + m, n_projections=500, rng=np.random.default_rng(7), p=1)
    th = np.random.default_rng(7).standard_normal((500, 3))
    th /= np.linalg.norm(th, axis=1, keepdims=True)
    np.testing.assert_allclose(sw, np.mean(np.abs(th @ m)), rtol=1e-12)
    assert df.sliced_wasserstein(X, X, n_projections=10, rng=rng) == 0.0


def test_reverse_sde_recovers_gaussian_data():
    """Data N(mu, s^2): exact score; sampled mean and variance within MC tolerance."""
    mu, s0 = 1.5, 0.5
    gm = df.GaussianMixture([1.0], [[mu]], [s0])
    rng = np.random.default_rng(8)
    y = df.reverse_sde_sample(lambda x, t: gm.score(x, t), 20_000, dim=1, T=6.0, t_min=1e-3, n_steps=600, rng=rng)
    assert abs(y.mean() - mu) < 0.03
    assert abs(y.var() - s0 ** 2) < 0.03


def test_validation():
    with pytest.raises(ValueError, match="t must be > 0"):
        df.ou_coefficients(0.0)
    with pytest.raises(ValueError, match="sum to 1"):
        df.GaussianMixture([0.5, 0.6], [[0.0], [1.0]], [1.0, 1.0])
    with pytest.raises(ValueError, match="disagree"):
        df.GaussianMixture([1.0], [[0.0], [1.0]], [1.0])
    with pytest.raises(TypeError, match="rng"):
        GM1.sample(3, rng=1)
    with pytest.raises(ValueError, match="1-D"):
        df.dsm_loss_quad(lambda x: x, GM2, 0.5)
    with pytest.raises(ValueError, match="diverges"):
        df.kernel_gd_eigen(np.eye(2) * 2, np.ones(2), lr=10.0, steps=[1])
    with pytest.raises(ValueError, match="symmetric"):
        df.kernel_gd_eigen(np.array([[1.0, 0.5], [0.0, 1.0]]), np.ones(2), lr=0.1, steps=[1])
    with pytest.raises(ValueError, match="p must be"):
        df.wasserstein_1d([0.0], [1.0], p=0.5)
    with pytest.raises(ValueError, match="t_min"):
        df.reverse_sde_sample(lambda x, t: x, 2, dim=1, T=1.0, t_min=2.0, n_steps=3, rng=np.random.default_rng(0))

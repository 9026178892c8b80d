"""theorylab.nets.two_layer against independent references: explicit numpy formulas, finite
differences (theorylab.numdiff), sympy (Isserlis via the Gaussian moment-generating function),
Gauss-Hermite quadrature and Monte-Carlo ensembles within standard errors."""

import numpy as np
import pytest
import sympy as sp

from theorylab import numdiff
from theorylab.kernels import dual
from theorylab.nets import two_layer as tl


def _act(name, eps=0.0):
    return {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh,
            "quadratic": lambda z: z + 0.5 * eps * z * z}[name]


@pytest.mark.parametrize("activation,scaling,alpha,c", [("relu", "ntk", 1.0, 1.0), ("tanh", "mean-field", 3.0, 0.5),
                                                        ("quadratic", "mean-field", 0.7, 1.0)])
def test_forward_matches_explicit_formula(activation, scaling, alpha, c):
    rng = np.random.default_rng(0)
    m = tl.TwoLayer(dim=4, width=6, n_out=2, activation=activation, scaling=scaling, alpha=alpha, input_scale=c,
                    eps=0.3)
    th = m.init(rng=rng)
    W, A = m.unpack(th)
    X = rng.normal(size=(5, 4))
    gamma = tl.SCALINGS[scaling]
    ref = alpha / 6 ** gamma * _act(activation, 0.3)(c * X @ W.T) @ A.T
    np.testing.assert_allclose(m.forward(th, X), ref, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(m.hidden(th, X), _act(activation, 0.3)(c * X @ W.T), rtol=1e-13)
    np.testing.assert_allclose(m.pack(W, A), th)


def test_init_variants_and_symmetric_zero_output():
    rng = np.random.default_rng(1)
    m = tl.TwoLayer(dim=3, width=8, activation="relu")
    th = m.init(rng=rng, readout="sign", readout_std=0.5, weight_std=2.0, batch=(2,), symmetric=True)
    W, A = m.unpack(th)
    assert th.shape == (2, m.n_params)
    assert np.all(np.abs(A) == 0.5)
    np.testing.assert_array_equal(W[:, :4], W[:, 4:])
    X = rng.normal(size=(7, 3))
    np.testing.assert_allclose(m.forward(th, X), 0.0, atol=1e-14)
    _, A1 = m.unpack(m.init(rng=rng, readout="ones"))
    assert np.all(A1 == 1.0)


def _loss_fn(m, X, y, loss, theta0=None):
    Y = y[:, None] if y.ndim == 1 else y

    def L(th):
        F = m.forward(th, X)
        if theta0 is not None:
            F = F - m.forward(theta0, X)
        if loss == "mse":
            return 0.5 * np.sum((F - Y) ** 2) / X.shape[0]
        return np.mean(np.logaddexp(0, -Y * F))
    return L


@pytest.mark.parametrize("loss,centred,train_first,train_readout",
                         [("mse", False, True, True), ("mse", True, True, False), ("logistic", False, False, True),
                          ("logistic", False, True, False)])
def test_one_gd_step_is_minus_lr_times_fd_gradient(loss, centred, train_first, train_readout):
    rng = np.random.default_rng(2)
    m = tl.TwoLayer(dim=3, width=5, activation="tanh", scaling="ntk", alpha=1.3)
    X = rng.normal(size=(6, 3))
    y = np.sign(rng.normal(size=6)) if loss == "logistic" else rng.normal(size=6)
    th0 = m.init(rng=rng)
    th_ref = th0 + 0.05 * rng.normal(size=th0.shape) if centred else th0
    # one step from th_ref, centred on th0 when asked: run gd from th0 for 0 steps is trivial, so
    # test the gradient at th0 (centring only shifts F by f(th0), whose gradient is zero at th0)
    res = tl.gd(m, th_ref, X, y, lr=0.1, n_steps=1, loss=loss, centred=centred, train_first=train_first,
                train_readout=train_readout)
    g = numdiff.grad_fd(_loss_fn(m, X, y, loss, th_ref if centred else None), th_ref)
    mask = m.mask(train_first=train_first, train_readout=train_readout)
    expected = th_ref - 0.1 * g * mask
    np.testing.assert_allclose(res.theta, expected, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(res.loss[0], _loss_fn(m, X, y, loss, th_ref if centred else None)(th_ref), rtol=1e-13)


def test_gd_batched_equals_separate_runs_and_records():
    rng = np.random.default_rng(3)
    m = tl.TwoLayer(dim=2, width=4, activation="relu")
    X = rng.normal(size=(5, 2))
    y = rng.normal(size=5)
    th = m.init(rng=rng, batch=(3,))
    res = tl.gd(m, th, X, y, lr=0.2, n_steps=7, record_steps=[0, 3, 7], keep_theta=True,
                record=lambda t, s: {"out": m.forward(t, X)[..., 0]})
    for r in range(3):
        one = tl.gd(m, th[r], X, y, lr=0.2, n_steps=7)
        np.testing.assert_allclose(res.theta[r], one.theta, rtol=1e-14)
        np.testing.assert_allclose(res.loss[:, r], one.loss, rtol=1e-14)
    assert res.records["theta"].shape == (3, 3, m.n_params)
    np.testing.assert_allclose(res.records["out"][-1], m.forward(res.theta, X)[..., 0])
    np.testing.assert_array_equal(res.steps, [0, 3, 7])


@pytest.mark.parametrize("loss", ["mse", "logistic"])
def test_fixed_readout_span_dynamics_equals_dense_gd(loss):
    rng = np.random.default_rng(4)
    m = tl.TwoLayer(dim=40, width=7, activation="relu", input_scale=0.3)
    X = rng.normal(size=(6, 40))
    y = np.sign(rng.normal(size=6))
    th = m.init(rng=rng, readout="sign", batch=(2,))
    fast = tl.gd_fixed_readout(m, th, X, y, lr=0.5, n_steps=12, loss=loss, record_steps=[5, 12])
    ref = tl.gd(m, th, X, y, lr=0.5, n_steps=12, loss=loss, train_readout=False, record_steps=[5, 12],
                keep_theta=True)
    np.testing.assert_allclose(fast.loss, ref.loss, rtol=1e-11)
    Xn = rng.normal(size=(3, 40))
    for k in range(2):
        np.testing.assert_allclose(fast.Z[k], m.preacts(ref.records["theta"][k], X), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(tl.fixed_readout_preacts(m, th, X, fast.C[k], Xn),
                                   m.preacts(ref.records["theta"][k], Xn), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("activation,n_out", [("relu", 1), ("tanh", 2)])
def test_gd_first_layer_equals_dense_gd(activation, n_out):
    rng = np.random.default_rng(13)
    m = tl.TwoLayer(dim=3, width=9, n_out=n_out, activation=activation, input_scale=0.7, alpha=1.5)
    th = m.init(rng=rng, batch=(2,))
    X, y = rng.normal(size=(7, 3)), rng.normal(size=(7, n_out))
    a = tl.gd_first_layer(m, th, X, y, lr=0.3, n_steps=15, record_steps=[4, 15])
    b = tl.gd(m, th, X, y, lr=0.3, n_steps=15, train_readout=False, record_steps=[4, 15], keep_theta=True)
    np.testing.assert_allclose(a.records["theta"], b.records["theta"], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12)


def test_empirical_ntk_is_jacobian_gram_by_finite_differences():
    rng = np.random.default_rng(5)
    m = tl.TwoLayer(dim=3, width=4, activation="tanh", scaling="mean-field", alpha=2.0)
    th = m.init(rng=rng)
    X = rng.normal(size=(4, 3))
    J = numdiff.jacobian_fd(lambda t: m.forward(t, X)[:, 0], th)        # (4, P)
    np.testing.assert_allclose(m.ntk(th, X), J @ J.T, rtol=1e-7, atol=1e-9)
    mask = m.mask(train_readout=False)
    np.testing.assert_allclose(m.ntk(th, X, train_readout=False), J[:, mask] @ J[:, mask].T, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("activation,train_readout", [("relu", False), ("relu", True), ("tanh", True),
                                                      ("quadratic", False), ("linear", True)])
def test_empirical_ntk_of_wide_networks_tends_to_analytic(activation, train_readout):
    """Ensemble mean of the empirical NTK (width 2000, 20 networks) within 4 MC standard errors."""
    rng = np.random.default_rng(6)
    X = rng.normal(size=(4, 3)) / np.sqrt(3)
    m = tl.TwoLayer(dim=3, width=2000, activation=activation, eps=0.4, input_scale=1.2)
    th = m.init(rng=rng, weight_std=1.1, readout_std=0.8, batch=(20,))
    K = m.ntk(th, X, train_readout=train_readout)
    mean, se = K.mean(0), K.std(0, ddof=1) / np.sqrt(20)
    ref = tl.ntk_analytic(X, activation=activation, weight_std=1.1, readout_std=0.8, input_scale=1.2, eps=0.4,
                          train_readout=train_readout)
    assert np.all(np.abs(mean - ref) <= 4 * se + 1e-12), (mean, ref, se)


def test_ntk_analytic_closed_forms():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(5, 3))
    # ReLU, frozen read-out: (x.x') (pi - theta)/(2 pi) (hand derivation)
    # angle by atan2(|x cross x'|, x.x') (stable at theta = 0, unlike arccos)
    cross = np.linalg.norm(np.cross(X[:, None, :], X[None, :, :]), axis=-1)
    ref = (X @ X.T) * (np.pi - np.arctan2(cross, X @ X.T)) / (2 * np.pi)
    np.testing.assert_allclose(tl.ntk_analytic(X, activation="relu", train_readout=False), ref, rtol=1e-12,
                               atol=1e-14)
    # quadratic committee at w ~ N(0, I): K = x.x' + eps^2 (x.x')^2 (Kumar et al. 2024, sec. 3)
    eps = 0.3
    G = X @ X.T
    np.testing.assert_allclose(tl.ntk_analytic(X, activation="quadratic", eps=eps, train_readout=False),
                               G + eps ** 2 * G ** 2, rtol=1e-13)
    # quadratic duals against independent 2-D Gauss-Hermite quadrature of phi(h) = h + eps h^2 / 2
    phi = lambda z: z + 0.5 * eps * z * z
    K = tl.ntk_analytic(X, activation="quadratic", eps=eps, train_first=False)
    k11, k22 = np.diag(G)[:, None], np.diag(G)[None, :]
    np.testing.assert_allclose(K, dual.dual_quad(phi, k11, G, k22, n_nodes=20), rtol=1e-11)


def test_committee_statistics_give_the_network_output():
    rng = np.random.default_rng(8)
    D, N, alpha, eps = 5, 30, 1.7, 0.25
    m = tl.TwoLayer(dim=D, width=N, activation="quadratic", eps=eps, scaling="mean-field", alpha=alpha)
    th = m.init(rng=rng, readout="ones")
    W, _ = m.unpack(th)
    wb, M = tl.committee_moments(W)
    np.testing.assert_allclose(M, W.T @ W / N, rtol=1e-14)
    X = rng.normal(size=(9, D))
    np.testing.assert_allclose(tl.committee_predict(wb, M, X, alpha=alpha, eps=eps), m.forward(th, X)[:, 0],
                               rtol=1e-12)


def test_closure_equals_full_network_gd():
    """Catalogue C1 check: D = 10, P = 30, N = 100, alpha = 1.5, eps = 0.3, 300 steps."""
    rng = np.random.default_rng(9)
    D, P, N, alpha, eps = 10, 30, 100, 1.5, 0.3
    X = rng.normal(size=(P, D)) / np.sqrt(D)
    beta = rng.normal(size=D)
    y = 0.5 * (X @ beta) ** 2
    m = tl.TwoLayer(dim=D, width=N, activation="quadratic", eps=eps, scaling="mean-field", alpha=alpha)
    th0 = m.init(rng=rng, readout="ones")
    wb0, M0 = tl.committee_moments(m.unpack(th0)[0])
    net = tl.gd(m, th0, X, y, lr=2.0 * N / alpha ** 2, n_steps=300, centred=True, train_readout=False)
    cl = tl.committee_closure_gd(wb0, M0, X, y, alpha=alpha, eps=eps, lr0=2.0, n_steps=300)
    wb, M = tl.committee_moments(m.unpack(net.theta)[0])
    np.testing.assert_allclose(cl["train_loss"], 2 * net.loss, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(cl["M"][-1], M, rtol=1e-11, atol=1e-12 * np.abs(M).max())
    np.testing.assert_allclose(cl["wbar"][-1], wb, atol=1e-12)
    # several alphas in one run equal separate runs
    many = tl.committee_closure_gd(wb0, M0, X, y, alpha=np.array([0.5, 1.5]), eps=eps, n_steps=50)
    one = tl.committee_closure_gd(wb0, M0, X, y, alpha=0.5, eps=eps, n_steps=50)
    np.testing.assert_allclose(many["M"][-1, 0], one["M"][-1], rtol=1e-12)
    many_e = tl.committee_closure_gd(wb0, M0, X, y, alpha=1.0, eps=np.array([0.1, 0.3]), n_steps=50)
    one_e = tl.committee_closure_gd(wb0, M0, X, y, alpha=1.0, eps=0.1, n_steps=50)
    np.testing.assert_allclose(many_e["M"][-1, 0], one_e["M"][-1], rtol=1e-12)
    np.testing.assert_allclose(many_e["train_loss"][:, 0], one_e["train_loss"], rtol=1e-12)


def test_test_loss_decomposition_against_monte_carlo_and_isserlis():
    rng = np.random.default_rng(10)
    D, alpha, eps = 6, 1.3, 0.4
    beta = rng.normal(size=D)
    B = rng.normal(size=(D, D))
    M, M0 = B @ B.T / D, np.eye(D)
    wb, wb0 = rng.normal(size=D) * 0.3, rng.normal(size=D) * 0.1
    terms = tl.committee_test_loss(wb, M, beta, alpha=alpha, eps=eps, wbar0=wb0, M0=M0)
    # Monte Carlo on 2e5 fresh points within 4 SE
    X = rng.normal(size=(200_000, D)) / np.sqrt(D)
    err = tl.committee_predict(wb, M, X, alpha=alpha, eps=eps, wbar0=wb0, M0=M0) - 0.5 * (X @ beta) ** 2
    e2 = err ** 2
    assert abs(e2.mean() - terms["total"]) <= 4 * e2.std() / np.sqrt(e2.size)
    # exact: E[(u.x + x^T Q x / 2)^2] with the Isserlis fourth-moment tensor
    S = np.eye(D) / D
    Q = alpha * eps * (M - M0) - np.outer(beta, beta)
    u = alpha * (wb - wb0)
    quart = np.einsum("ijkl,ij,kl->", tl.isserlis_moment4(S), Q, Q) / 4
    np.testing.assert_allclose(terms["total"], u @ S @ u + quart, rtol=1e-13)
    np.testing.assert_allclose(terms["total"], terms["variance"] + terms["misalignment"] + terms["linear"])


def test_isserlis_against_sympy_moment_generating_function():
    s = sp.symbols("s0:6")
    Sig = sp.Matrix([[s[0], s[1], s[2]], [s[1], s[3], s[4]], [s[2], s[4], s[5]]])
    t = sp.symbols("t0:3")
    tv = sp.Matrix(t)
    mgf = sp.exp((tv.T * Sig * tv)[0] / 2)
    vals = {s[0]: 2.0, s[1]: 0.3, s[2]: -0.5, s[3]: 1.5, s[4]: 0.2, s[5]: 1.0}
    S = np.array(Sig.subs(vals), dtype=float)
    mom = tl.isserlis_moment4(S)
    for idx in [(0, 0, 0, 0), (0, 1, 1, 2), (0, 1, 2, 2), (1, 1, 2, 2), (2, 2, 2, 1)]:
        d = mgf
        for i in idx:
            d = sp.diff(d, t[i])
        ref = float(d.subs({ti: 0 for ti in t}).subs(vals))
        assert abs(mom[idx] - ref) < 1e-12


def test_quadratic_feature_moment_spectrum_matches_paper_eigenvalues():
    """Kumar et al. 2024 App. eqs. 13-16 (with the two typos of the catalogue corrected)."""
    D, eps = 7, 0.3
    ev = np.sort(np.linalg.eigvalsh(tl.quadratic_feature_moment(np.eye(D) / D, eps)))[::-1]
    expected = np.sort(np.concatenate([
        np.full(D, 1 / D), np.full(D * (D + 1) // 2 - 1, 2 * eps ** 2 / D ** 2), [eps ** 2 * (D + 2) / D ** 2],
        np.zeros(D * (D - 1) // 2)]))[::-1]
    np.testing.assert_allclose(ev, expected, atol=1e-15)
    # Monte-Carlo second moment of psi(x) = [x, eps vec(xx^T)] within 5 SE entrywise
    rng = np.random.default_rng(11)
    x = rng.normal(size=(100_000, 3)) / np.sqrt(3)
    psi = np.concatenate([x, eps * (x[:, :, None] * x[:, None, :]).reshape(-1, 9)], axis=1)
    prod = psi[:, :, None] * psi[:, None, :]
    mc, se = prod.mean(0), prod.std(0) / np.sqrt(x.shape[0])
    assert np.all(np.abs(mc - tl.quadratic_feature_moment(np.eye(3) / 3, eps)) <= 5 * se + 1e-12)


def test_xor_clusters():
    rng = np.random.default_rng(12)
    d = tl.xor_clusters(4000, 30, mu_norm=5.0, flip=0.1, rng=rng)
    assert d["X"].shape == (4000, 30)
    assert abs(d["flipped"].mean() - 0.1) < 4 * np.sqrt(0.09 / 4000)
    np.testing.assert_array_equal(d["y"][~d["flipped"]], d["y_clean"][~d["flipped"]])
    pos = d["y_clean"] > 0
    # clean +1 points sit at +-mu1: |x . mu1/|mu|| ~ 5, x . mu2 ~ N(0, 1)
    assert abs(np.abs(d["X"][pos] @ d["mu1"] / 5).mean() - 5) < 0.1
    assert abs((d["X"][pos] @ d["mu2"] / 5).std() - 1) < 0.1
    assert abs(d["mu1"] @ d["mu2"]) == 0


def test_validation():
    with pytest.raises(ValueError, match="scaling"):
        tl.TwoLayer(dim=2, width=3, scaling="standard")
    with pytest.raises(ValueError, match="activation"):
        tl.TwoLayer(dim=2, width=3, activation="bogus")
    with pytest.raises(TypeError, match="width"):
        tl.TwoLayer(dim=2, width=3.0)
    m = tl.TwoLayer(dim=2, width=4)
    with pytest.raises(TypeError, match="rng"):
        m.init(rng=0)
    with pytest.raises(ValueError, match="even width"):
        tl.TwoLayer(dim=2, width=3).init(rng=np.random.default_rng(0), symmetric=True)
    th = m.init(rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="labels"):
        tl.gd(m, th, np.ones((3, 2)), np.array([0.0, 1.0, 1.0]), lr=0.1, n_steps=1, loss="logistic")
    with pytest.raises(ValueError, match="lr"):
        tl.gd(m, th, np.ones((3, 2)), np.ones(3), lr=-1.0, n_steps=1)
    with pytest.raises(ValueError, match="rows"):
        tl.gd(m, th, np.ones((3, 2)), np.ones(4), lr=0.1, n_steps=1)
    with pytest.raises(ValueError, match="record_steps"):
        tl.gd(m, th, np.ones((3, 2)), np.ones(3), lr=0.1, n_steps=2, record_steps=[5])
    with pytest.raises(ValueError, match="alpha"):
        tl.committee_closure_gd(np.zeros(2), np.eye(2), np.ones((3, 2)), np.ones(3), alpha=0.0, eps=0.1, n_steps=1)
    with pytest.raises(ValueError, match="cov"):
        tl.isserlis_moment4(np.ones((2, 3)))
    with pytest.raises(ValueError, match="flip"):
        tl.xor_clusters(5, 3, mu_norm=1.0, flip=1.5, rng=np.random.default_rng(0))

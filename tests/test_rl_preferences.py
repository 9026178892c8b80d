"""theorylab.rl.preferences against independent references.

References: scikit-learn's LogisticRegression (linear Bradley-Terry = logistic regression on
feature differences); central finite differences (theorylab.numdiff) for every hand-written
gradient, away from ties of the greedy policy; the deterministic telescoping form of the
regret computed from value iteration (theorylab.rl.mdp, an independent solver); plain
Python loops for segment sums and for the HERON comparison tree; the exactness of the CPL
loss at the true max-ent policy (population stationarity) and soft value iteration.
"""

import doctest

import numpy as np
import pytest

from theorylab import numdiff
from theorylab.rl import gridworlds, mdp, preferences as pf


def test_doctests():
    res = doctest.testmod(pf, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def _board():
    return gridworlds.delivery_mdp(["..C.", ".S..", "R..G"], gamma=0.95)


# --------------------------------------------------------------------------- segments


def test_discounted_sum_matches_loop():
    rng = np.random.default_rng(0)
    S, A, k, n = 5, 3, 4, 7
    x = rng.normal(size=(S, A))
    phi = rng.normal(size=(S, A, 2))
    s = rng.integers(0, S, (n, k + 1))
    a = rng.integers(0, A, (n, k))
    ref = np.array([sum(0.8 ** t * x[s[i, t], a[i, t]] for t in range(k)) for i in range(n)])
    ref_phi = np.array([sum(0.8 ** t * phi[s[i, t], a[i, t]] for t in range(k)) for i in range(n)])
    assert np.allclose(pf.discounted_sum(x, s, a, gamma=0.8), ref, atol=1e-13)
    assert np.allclose(pf.discounted_sum(phi, s, a, gamma=0.8), ref_phi, atol=1e-13)


def test_all_segments_enumerates_every_action_sequence():
    f = _board()
    s, a = pf.all_segments(f.mdp, 2)
    n_start = int((f.mdp.mu0 > 0).sum())
    assert s.shape == (n_start * 16, 3) and a.shape == (n_start * 16, 2)
    nxt = mdp.next_state_table(f.mdp)
    assert np.all(s[:, 1] == nxt[s[:, 0], a[:, 0]]) and np.all(s[:, 2] == nxt[s[:, 1], a[:, 1]])
    assert len({(tuple(x), tuple(y)) for x, y in zip(s, a)}) == s.shape[0]


def test_sample_segment_pairs_start_distribution():
    m = mdp.random_mdp(4, 2, gamma=0.9, rng=np.random.default_rng(1))
    seg = pf.sample_segment_pairs(m, mdp.uniform_policy(m), 20000, 2, rng=np.random.default_rng(2))
    freq = np.bincount(seg.states[:, :, 0].ravel(), minlength=4) / 40000
    se = np.sqrt(0.25 * 0.75 / 40000)
    assert np.all(np.abs(freq - 0.25) < 5 * se)


def test_regret_telescopes_for_deterministic_dynamics():
    f = _board()
    sol = mdp.value_iteration(f.mdp)
    s, a = pf.all_segments(f.mdp, 3)
    g = f.mdp.gamma
    pr = pf.discounted_sum(f.mdp.r, s, a, gamma=g)
    ref = sol.V[s[:, 0]] - pr - g ** 3 * sol.V[s[:, -1]]
    assert np.allclose(pf.regret(sol.Q, s, a, gamma=g), ref, atol=1e-9)
    assert np.all(pf.regret(sol.Q, s, a, gamma=g) >= -1e-12)


# --------------------------------------------------------------------------- Bradley-Terry


def test_bt_loss_gradient_fd():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(40, 3))
    y = rng.random(40)
    wts = rng.random(40)
    assert numdiff.check_gradient(lambda w: pf.bt_loss(w, X, y, l2=0.3, sample_weight=wts)[0],
                                  lambda w: pf.bt_loss(w, X, y, l2=0.3, sample_weight=wts)[1],
                                  rng.normal(size=3), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("l2", [1e-3, 0.1])
def test_fit_bt_linear_equals_sklearn_logistic_regression(l2):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 4))
    w_true = np.array([1.0, -2.0, 0.5, 0.0])
    y = (rng.random(300) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
    w = pf.fit_bt_linear(X, y, l2=l2)
    sk = LogisticRegression(fit_intercept=False, C=1.0 / (l2 * len(y)), tol=1e-12, max_iter=10_000).fit(X, y)
    assert np.allclose(w, sk.coef_[0], atol=1e-6, rtol=1e-6)


def test_bt_probability_and_labels():
    p = pf.bt_probability(np.array([2.0]), np.array([0.0]), temperature=2.0)
    assert np.isclose(p[0], 1 / (1 + np.exp(-1.0)))
    y = pf.sample_labels(np.full(40000, 0.2), rng=np.random.default_rng(5))
    assert abs(y.mean() - 0.2) < 5 * np.sqrt(0.16 / 40000)


# --------------------------------------------------------------------------- regret model


def test_regret_features_give_the_optimal_advantages():
    f = _board()
    rng = np.random.default_rng(6)
    s, a = pf.all_segments(f.mdp, 2)
    for _ in range(5):
        w = rng.normal(size=6) * np.array([1, 10, 10, 1, 1, 1])
        m = f.with_weights(w)
        Q = mdp.value_iteration(m).Q
        Q2, act = pf.optimal_policy_actions(m)
        assert np.allclose(Q, Q2, atol=1e-9)
        F = pf.regret_features(f.mdp, f.phi, act, s, a)
        assert np.allclose(F @ w, -pf.regret(Q, s, a, gamma=m.gamma), atol=1e-9)


def test_regret_loss_danskin_gradient_fd():
    f = _board()
    rng = np.random.default_rng(7)
    pairs = pf.sample_segment_pairs(f.mdp, mdp.uniform_policy(f.mdp), 200, 3, rng=rng)
    y = rng.random(200)
    w0 = f.weights / 10 + rng.normal(size=6) * 0.3
    # away from ties: the greedy policy is the same throughout the stencil
    _, _, act = pf.regret_loss(w0, f.mdp, f.phi, pairs, y)
    for dw in np.eye(6) * 1e-5:
        assert np.array_equal(pf.regret_loss(w0 + dw, f.mdp, f.phi, pairs, y)[2], act)
        assert np.array_equal(pf.regret_loss(w0 - dw, f.mdp, f.phi, pairs, y)[2], act)
    assert numdiff.check_gradient(lambda w: pf.regret_loss(w, f.mdp, f.phi, pairs, y, l2=0.01)[0],
                                  lambda w: pf.regret_loss(w, f.mdp, f.phi, pairs, y, l2=0.01)[1],
                                  w0, rtol=1e-5, atol=1e-8)


def test_fit_regret_recovers_optimal_actions_from_infinite_data():
    f = _board()
    sol = mdp.value_iteration(f.mdp)
    s, a = pf.all_segments(f.mdp, 1)
    n = s.shape[0]
    i, j = np.triu_indices(n, 1)
    pairs = pf.SegmentPairs(np.stack([s[i], s[j]], 1), np.stack([a[i], a[j]], 1))
    reg = pf.regret(sol.Q, pairs.states, pairs.actions, gamma=f.mdp.gamma)
    p = pf.bt_probability(-reg[:, 0], -reg[:, 1])
    fit = pf.fit_regret(f.mdp, f.phi, pairs, p, w0s=np.stack([np.zeros(6), np.ones(6)]), max_iter=500)
    Q_hat = mdp.value_iteration(f.with_weights(fit.w)).Q
    live = ~f.mdp.terminal
    assert np.array_equal(mdp.optimal_action_mask(Q_hat)[live], mdp.optimal_action_mask(sol.Q)[live])


def test_fit_regret_input_validation():
    f = _board()
    pairs = pf.sample_segment_pairs(f.mdp, mdp.uniform_policy(f.mdp), 5, 2, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="y must have shape"):
        pf.fit_regret(f.mdp, f.phi, pairs, np.ones(4), w0s=np.zeros((1, 6)))
    with pytest.raises(ValueError, match="w must have shape"):
        pf.regret_loss(np.zeros(5), f.mdp, f.phi, pairs, np.ones(5))


# --------------------------------------------------------------------------- CPL


def test_cpl_loss_gradient_fd():
    rng = np.random.default_rng(8)
    S, A = 4, 3
    m = mdp.random_mdp(S, A, gamma=0.9, rng=rng)
    pairs = pf.sample_segment_pairs(m, mdp.uniform_policy(m), 60, 3, rng=rng)
    y = rng.random(60)
    for lam in (1.0, 0.5):
        f = lambda x: pf.cpl_loss(x.reshape(S, A), pairs, y, alpha=0.7, gamma=0.9, lam=lam, l2=0.1)[0]  # noqa: E731
        g = lambda x: pf.cpl_loss(x.reshape(S, A), pairs, y, alpha=0.7, gamma=0.9, lam=lam, l2=0.1)[1].ravel()  # noqa: E731
        assert numdiff.check_gradient(f, g, rng.normal(size=S * A), rtol=1e-6, atol=1e-9)


def test_cpl_population_loss_is_stationary_at_the_maxent_policy():
    """With labels equal to the regret-model probabilities, log pi* is a global minimiser."""
    rng = np.random.default_rng(9)
    S, A, alpha, g = 5, 3, 0.8, 0.9
    m = mdp.random_mdp(S, A, gamma=g, rng=rng)
    sol = mdp.soft_value_iteration(m, temperature=alpha)
    Adv = sol.Q - sol.V[:, None]
    assert np.allclose(Adv, alpha * np.log(sol.pi), atol=1e-10)
    pairs = pf.sample_segment_pairs(m, mdp.uniform_policy(m), 500, 4, rng=rng)
    x = pf.discounted_sum(Adv, pairs.states, pairs.actions, gamma=g)
    p = pf.bt_probability(x[:, 0], x[:, 1])
    L, grad = pf.cpl_loss(np.log(sol.pi), pairs, p, alpha=alpha, gamma=g)
    assert np.max(np.abs(grad)) < 1e-10
    th = pf.fit_cpl(pairs, p, S, A, alpha=alpha, gamma=g)
    assert pf.cpl_loss(th, pairs, p, alpha=alpha, gamma=g)[0] <= L + 1e-10


def test_cpl_bias_lowers_unseen_action_mass():
    rng = np.random.default_rng(10)
    pairs = pf.SegmentPairs(np.zeros((200, 2, 2), dtype=int), rng.integers(0, 2, (200, 2, 1)))
    y = (pairs.actions[:, 0, 0] <= pairs.actions[:, 1, 0]).astype(float)
    p1 = pf.softmax_logits(pf.fit_cpl(pairs, y, 1, 3, alpha=1.0, gamma=1.0, lam=1.0, max_iter=200))
    p5 = pf.softmax_logits(pf.fit_cpl(pairs, y, 1, 3, alpha=1.0, gamma=1.0, lam=0.5, max_iter=200))
    assert p5[0, 2] < p1[0, 2]


# --------------------------------------------------------------------------- HERON


def _heron_loop(F, pairs, sigma):
    std = F.std(axis=0, ddof=1)
    out = []
    for i, j in pairs:
        lab = np.nan
        for k in range(F.shape[1]):
            if F[i, k] > F[j, k] + sigma[k] * std[k]:
                lab = 1.0
                break
            if F[j, k] > F[i, k] + sigma[k] * std[k]:
                lab = 0.0
                break
        out.append(lab)
    return np.array(out)


def test_heron_labels_match_loop_and_are_affine_invariant():
    rng = np.random.default_rng(11)
    F = np.round(rng.normal(size=(60, 3)), 1)            # ties happen
    pairs = rng.integers(0, 60, (500, 2))
    sig = np.array([0.2, 0.1, 0.3])
    lab = pf.heron_labels(F, pairs, sigma=sig)
    assert np.array_equal(lab, _heron_loop(F, pairs, sig), equal_nan=True)
    assert np.isnan(lab).any() and (lab == 1).any() and (lab == 0).any()
    G = F * np.array([4.0, 1000.0, 0.5]) + np.array([-3.0, 7.0, 1.0])
    assert np.array_equal(pf.heron_labels(G, pairs, sigma=sig), lab, equal_nan=True)


def test_heron_validation():
    with pytest.raises(ValueError, match="pairs"):
        pf.heron_labels(np.zeros((3, 2)), np.array([[0, 5]]), sigma=0.1)
    with pytest.raises(ValueError, match="sigma"):
        pf.heron_labels(np.zeros((3, 2)), np.array([[0, 1]]), sigma=-1.0)


# --------------------------------------------------------------------------- evaluation


def test_scaled_return_limits():
    f = _board()
    sol = mdp.value_iteration(f.mdp)
    assert pf.scaled_return(f.mdp, sol.pi) == pytest.approx(1.0, abs=1e-12)
    assert pf.scaled_return(f.mdp, mdp.uniform_policy(f.mdp)) == pytest.approx(0.0, abs=1e-12)


def test_segment_validation():
    with pytest.raises(TypeError, match="integer"):
        pf.discounted_sum(np.zeros((2, 2)), np.zeros(3), np.zeros(2), gamma=0.5)
    with pytest.raises(ValueError, match="shape"):
        pf.discounted_sum(np.zeros((2, 2)), np.zeros(3, dtype=int), np.zeros(3, dtype=int), gamma=0.5)
    with pytest.raises(ValueError, match="states must lie"):
        pf.discounted_sum(np.zeros((2, 2)), np.array([0, 5]), np.array([0]), gamma=0.5)
    with pytest.raises(TypeError, match="rng"):
        pf.sample_labels(np.array([0.5]), rng=0)

"""theorylab.rl.imitation against independent references.

References: enumeration of every trajectory of a tiny MDP (trajectory KL, chain losses);
Monte-Carlo log-likelihood ratios within k standard errors; the exact finite-horizon DP
of theorylab.rl.mdp for the closed-form chain losses (and the reverse); central finite
differences for the TD-regularised likelihood's gradient; soft value iteration for the
reward extracted from Q.
"""

import itertools

import numpy as np
import pytest

from theorylab.rl import imitation, mdp


def _rand_policy(shape, rng):
    p = rng.random(shape) + 0.05
    return p / p.sum(-1, keepdims=True)


# --------------------------------------------------------------------------- BC


def test_bc_policy_is_the_log_regularised_mle():
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 6, size=(4, 3)).astype(float)
    counts[2] = 0.0
    kappa = 0.7
    pi = imitation.bc_policy(counts, kappa)
    obj = lambda p: np.sum((counts + kappa) * np.log(p))
    for q in _rand_policy((200, 4, 3), rng):
        assert obj(q) <= obj(pi) + 1e-12
    np.testing.assert_allclose(imitation.bc_policy(counts, 0.0)[2], 1 / 3)
    with pytest.raises(ValueError, match="counts"):
        imitation.bc_policy(-counts - 1, 1.0)
    with pytest.raises(TypeError, match="kappa"):
        imitation.bc_policy(counts, "1")


def test_trajectory_kl_equals_kl_between_trajectory_laws():
    rng = np.random.default_rng(1)
    m = mdp.random_finite_mdp(2, 2, 2, rng=rng, concentration=1.0)
    p, q = _rand_policy((2, 2, 2), rng), _rand_policy((2, 2, 2), rng)
    kl = 0.0
    for s0, a0, s1, a1 in itertools.product(range(2), repeat=4):
        dyn = m.mu0[s0] * m.P[0, s0, a0, s1]
        lp = dyn * p[0, s0, a0] * p[1, s1, a1]
        lq = dyn * q[0, s0, a0] * q[1, s1, a1]
        kl += lp * np.log(lp / lq)
    assert np.isclose(imitation.trajectory_kl(m, p, q), kl, rtol=1e-12)


def test_trajectory_kl_monte_carlo_and_batch():
    rng = np.random.default_rng(2)
    m = mdp.random_finite_mdp(6, 3, 5, rng=rng)
    p = _rand_policy((5, 6, 3), rng)
    qs = _rand_policy((3, 5, 6, 3), rng)
    kl = imitation.trajectory_kl(m, p, qs)
    assert kl.shape == (3,)
    n = 20_000
    tr = mdp.sample_trajectories(m, p, n, rng=rng)
    h = np.arange(5)
    st = tr.states[:, :5]
    llr = np.log(p[h, st, tr.actions]).sum(1) - np.log(qs[0][h, st, tr.actions]).sum(1)
    assert abs(llr.mean() - kl[0]) <= 4 * llr.std(ddof=1) / np.sqrt(n)
    inf_q = qs[0].copy()
    inf_q[0, :, 0] = 0.0
    inf_q[0] /= inf_q[0].sum(-1, keepdims=True)
    assert imitation.trajectory_kl(m, p, inf_q) == np.inf


def _trap_mdp(H=10):
    """G --0--> G (reward 1), G --1--> B; B --0--> G, B --1--> C (absorbing, reward 0)."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 0] = P[0, 1, 1] = P[1, 0, 0] = P[1, 1, 2] = 1.0
    P[2, :, 2] = 1.0
    r = np.zeros((3, 2))
    r[0, 0] = 1.0
    return mdp.FiniteHorizonMDP.stationary(P, r, H, mu0=np.array([1.0, 0.0, 0.0]))


def test_dagger_labels_the_learners_states():
    """The expert never visits B, so BC leaves B uniform; DAgger's learner (smoothed, so it
    errs at G) reaches B and gets the expert's label there -- and loses less."""
    m = _trap_mdp()
    expert = np.zeros((10, 3, 2))
    expert[..., 0] = 1.0
    rng = np.random.default_rng(3)
    bc = imitation.dagger(m, expert, n_rounds=1, n_per_round=150, n_seeds=20, rng=rng, kappa=1.0)
    dg = imitation.dagger(m, expert, n_rounds=3, n_per_round=50, n_seeds=20, rng=rng, kappa=1.0)
    np.testing.assert_allclose(bc[:, :, 1, 0], 0.5)
    assert np.all(dg[:, 1:, 1, 0].max(axis=1) > 0.5)
    J_e = mdp.expected_return(m, expert)
    loss_bc = J_e - mdp.expected_return(m, bc)
    loss_dg = J_e - mdp.expected_return(m, dg)
    assert loss_bc.shape == (20,) and np.all(loss_dg >= -1e-12)
    assert loss_dg.mean() < loss_bc.mean()
    with pytest.raises(TypeError, match="FiniteHorizonMDP"):
        imitation.dagger(mdp.chain_mdp(3, gamma=0.9), np.full((3, 2), 0.5), n_rounds=1, n_per_round=1,
                         n_seeds=1, rng=rng)


def test_dagger_one_round_copies_a_deterministic_expert_where_it_goes():
    rng = np.random.default_rng(4)
    m = mdp.random_finite_mdp(8, 3, 5, rng=rng, stationary=True)
    expert = mdp.value_iteration(m).pi
    full = imitation.dagger(m, expert, n_rounds=1, n_per_round=5000, n_seeds=1, rng=rng)[0]
    seen = mdp.occupancy(m, expert).sum(-1) > 1e-3
    np.testing.assert_array_equal(full[seen], expert[seen])


# --------------------------------------------------------------------------- chains


@pytest.mark.parametrize("eps", [1e-3, 0.05, 0.3])
@pytest.mark.parametrize("H", [1, 2, 7, 40])
def test_chain_closed_forms_equal_dp(eps, H):
    for recov, closed in ((False, imitation.bc_chain_loss), (True, imitation.dagger_chain_loss)):
        m, pe, pl = imitation.compounding_chain(eps, H, recoverable=recov)
        dp = mdp.expected_return(m, pe) - mdp.expected_return(m, pl)
        assert abs(dp - closed(eps, H)) <= 1e-12 * H


def test_chain_losses_by_enumeration_and_bounds():
    eps, H = 0.2, 4
    # irrecoverable: enumerate the learner's action sequences (0 = expert, 1 = error)
    loss = 0.0
    for acts in itertools.product(range(2), repeat=H):
        p = np.prod([eps if a else 1 - eps for a in acts])
        good = 0
        for a in acts:
            if a:
                break
            good += 1
        loss += p * (H - good)
    assert np.isclose(imitation.bc_chain_loss(eps, H), loss, rtol=1e-13)
    e = np.array([1e-4, 1e-3, 1e-2])
    Hs = np.array([5, 20, 100])
    L = imitation.bc_chain_loss(e[:, None], Hs[None, :])
    assert np.all(L <= e[:, None] * Hs * (Hs + 1) / 2 + 1e-15)
    assert np.all(L <= e[:, None] * Hs ** 2)
    assert np.isclose(imitation.bc_chain_loss(1e-9, 10), 1e-9 * 55, rtol=1e-6)
    assert imitation.bc_chain_loss(0.0, 10) == 0.0
    with pytest.raises(ValueError, match="eps"):
        imitation.dagger_chain_loss(1.5, 3)


# --------------------------------------------------------------------------- IQ-Learn


def _setup(seed=4, S=6, A=3, gamma=0.9):
    rng = np.random.default_rng(seed)
    m = mdp.random_mdp(S, A, gamma=gamma, rng=rng)
    expert = _rand_policy((S, A), rng)
    return m, expert, rng


def test_iq_objective_equals_td_regularised_mle_exactly():
    m, expert, rng = _setup()
    D = imitation.exact_transitions(m, expert)
    for alpha in (0.1, 1.0, np.inf):
        for Q in rng.normal(size=(5, 6, 3)) * 2:
            a = imitation.iq_objective(Q, D, m.mu0, gamma=m.gamma, alpha=alpha)
            b = imitation.td_regularized_mle(Q, D, gamma=m.gamma, alpha=alpha)
            assert abs(a - b) <= 1e-12 * max(1.0, abs(a))


def test_iq_forms_agree_in_expectation_on_samples():
    m, expert, rng = _setup(5)
    n, alpha = 40_000, 0.5
    Q = rng.normal(size=(6, 3))
    s, a, s2 = mdp.sample_occupancy(m, expert, n, rng=rng)
    s0 = mdp.sample_categorical(np.broadcast_to(m.mu0, (n, 6)), rng=rng)
    Vq = np.log(np.exp(Q).sum(1))
    x = Q[s, a] - m.gamma * Vq[s2]
    term_iq = x - x * x / (4 * alpha) - (1 - m.gamma) * Vq[s0]
    term_mle = Q[s, a] - Vq[s] - x * x / (4 * alpha)
    dlt = term_iq - term_mle
    assert abs(dlt.mean()) <= 4 * dlt.std(ddof=1) / np.sqrt(n)
    # and the package's weighted form on the same samples equals the per-sample mean
    D = imitation.Transitions(s, a, s2, np.full(n, 1 / n), np.zeros(n, dtype=bool))
    assert np.isclose(imitation.td_regularized_mle(Q, D, gamma=m.gamma, alpha=alpha), term_mle.mean())


def test_td_regularised_mle_gradient_finite_differences():
    m, expert, rng = _setup(6)
    tr = mdp.sample_trajectories(m, expert, 30, rng=rng, horizon=15)
    D = imitation.trajectory_transitions(tr, gamma=m.gamma)
    done = rng.random(D.s.size) < 0.2
    D = imitation.Transitions(D.s, D.a, D.s_next, D.w, done)
    Q = rng.normal(size=(6, 3))
    _, G = imitation.td_regularized_mle(Q, D, gamma=m.gamma, alpha=0.3, return_grad=True)
    h = 1e-6
    num = np.zeros_like(Q)
    for i, j in itertools.product(range(6), range(3)):
        e = np.zeros_like(Q)
        e[i, j] = h
        num[i, j] = (imitation.td_regularized_mle(Q + e, D, gamma=m.gamma, alpha=0.3)
                     - imitation.td_regularized_mle(Q - e, D, gamma=m.gamma, alpha=0.3)) / (2 * h)
    np.testing.assert_allclose(G, num, atol=1e-8)


def test_iq_fit_mle_limit_is_empirical_conditional():
    m, expert, rng = _setup(7)
    tr = mdp.sample_trajectories(m, expert, 40, rng=rng, horizon=30)
    D = imitation.trajectory_transitions(tr, gamma=m.gamma)
    Q = imitation.iq_fit(D, 6, 3, gamma=m.gamma, alpha=np.inf)
    w = np.zeros((6, 3))
    np.add.at(w, (D.s, D.a), D.w)
    vis = w.sum(1) > 0
    emp = w[vis] / w[vis].sum(1, keepdims=True)
    piq = np.exp(Q - np.log(np.exp(Q).sum(1, keepdims=True)))
    np.testing.assert_allclose(piq[vis], emp, atol=1e-5)


def test_iq_reward_soft_bellman_consistency():
    m, _, rng = _setup(8)
    Q = rng.normal(size=(6, 3))
    sol = mdp.soft_value_iteration(m.replace(r=imitation.iq_reward(Q, m)), tol=1e-13)
    piq = np.exp(Q - np.log(np.exp(Q).sum(1, keepdims=True)))
    np.testing.assert_allclose(sol.pi, piq, atol=1e-10)
    mf = mdp.random_finite_mdp(4, 2, 3, rng=rng)
    Qf = rng.normal(size=(3, 4, 2))
    solf = mdp.soft_value_iteration(mf.replace(r=imitation.iq_reward(Qf, mf)))
    np.testing.assert_allclose(solf.Q, Qf, atol=1e-12)
    with pytest.raises(ValueError, match="terminal"):
        imitation.iq_reward(np.zeros((3, 2)), mdp.chain_mdp(3, gamma=0.9))

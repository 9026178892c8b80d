"""theorylab.rl.agents: Q-learning and exact softmax policy gradient.

References: the closed-form Q-learning recursion on a one-state MDP; Wiewiora's (2003)
equivalence of shaping and initialisation (same actions, tables shifted by Phi); optimal
policies from value iteration; central finite differences of the exact return.
"""

import numpy as np
import pytest

from theorylab.rl import agents, mdp


def _one_state(gamma=0.9, reward=1.0):
    return mdp.DiscountedMDP(np.ones((1, 1, 1)), np.full((1, 1), reward), gamma)


def test_q_learning_update_closed_form():
    """Q_{k+1} = Q_k + alpha (1 + gamma Q_k - Q_k)  =>  Q_k = (1 - (1 - alpha (1 - gamma))^k) / (1 - gamma)."""
    g, alpha, k = 0.9, 0.3, 37
    run = agents.q_learning(_one_state(g), n_seeds=3, n_episodes=1, rng=np.random.default_rng(0), alpha=alpha,
                            epsilon=0.0, max_episode_steps=k)
    ref = (1 - (1 - alpha * (1 - g)) ** k) / (1 - g)
    np.testing.assert_allclose(run.Q[:, 0, 0], ref, rtol=1e-13)
    assert run.episode_length.tolist() == [[k]] * 3
    np.testing.assert_allclose(run.episode_return[:, 0], (1 - g ** k) / (1 - g), rtol=1e-13)


def test_q_learning_finds_optimal_policy_on_a_grid():
    g = mdp.grid_mdp(3, 3, gamma=0.9, goal=(2, 2), step_reward=-0.01, start=(0, 0))
    run = agents.q_learning(g, n_seeds=10, n_episodes=150, rng=np.random.default_rng(1), alpha=0.5, epsilon=0.2)
    J_star = float(g.mu0 @ mdp.value_iteration(g).V)
    np.testing.assert_allclose(run.greedy_return[:, -1], J_star, rtol=1e-10)
    first = run.episodes_to_reach(0.9 * J_star)
    assert first.shape == (10,) and np.all((first >= 1) & (first <= 150))


def test_shaping_equals_initialisation_wiewiora():
    g = mdp.grid_mdp(4, 4, gamma=0.95, goal=(3, 3), step_reward=-0.01, start=(0, 0))
    rc = np.divmod(np.arange(16), 4)
    Phi = -(np.abs(rc[0] - 0) + np.abs(rc[1] - 3)) * 0.1    # a misleading potential
    Phi[15] = 0.0
    kw = dict(n_seeds=6, n_episodes=40, alpha=0.5, epsilon=0.1, record_actions=True)
    a = agents.q_learning(g, rng=np.random.default_rng(2), shaping=Phi, **kw)
    b = agents.q_learning(g, rng=np.random.default_rng(2), Q0=np.repeat(Phi[:, None], 4, axis=1), **kw)
    assert a.n_steps == b.n_steps
    np.testing.assert_array_equal(a.actions, b.actions)
    np.testing.assert_allclose(a.Q, b.Q - Phi[None, :, None], atol=1e-12)
    np.testing.assert_allclose(a.episode_return, b.episode_return, rtol=1e-12)


def test_replay_and_dyna_run_and_learn():
    tab = np.array([[0, 1], [0, 2], [1, 3], [2, 4], [3, 4]])   # a 5-cell line: action 0 left, 1 right
    tab[0, 0] = 0
    S = 25
    goal = S - 1
    nxt_r = np.zeros(S)
    nxt_r[goal] = 1.0
    f0 = mdp.factored_mdp([tab, tab], np.zeros((S, 4)), gamma=0.9)
    nxt = mdp.next_state_table(f0.mdp)
    r = nxt_r[nxt]
    r[goal] = 0.0
    P = f0.mdp.P.copy()
    P[goal] = 0.0
    P[goal, :, goal] = 1.0
    term = np.zeros(S, dtype=bool)
    term[goal] = True
    f = mdp.FactoredMDP(mdp.DiscountedMDP(P, r, 0.9, mu0=np.eye(S)[0], terminal=term), f0.tables)
    J_star = float(f.mdp.mu0 @ mdp.value_iteration(f.mdp).V)
    kw = dict(n_seeds=5, n_episodes=60, rng=np.random.default_rng(3), alpha=0.5, epsilon=0.1, max_steps=600)
    er = agents.q_learning(f.mdp, replay_ratio=4, **kw)
    dy = agents.q_learning(f.mdp, replay_ratio=4, planning_steps=8, model="factored", factored=f, **kw)
    tb = agents.q_learning(f.mdp, replay_ratio=4, planning_steps=8, model="tabular", **kw)
    for run in (er, dy, tb):
        assert run.n_steps <= 600
        reached = np.nan_to_num(run.greedy_return, nan=-1.0).max(axis=1)
        assert np.all(reached > 0)
    dy_final = dy.greedy_return[np.arange(5), (dy.episode_end_step >= 0).sum(1) - 1]
    np.testing.assert_allclose(dy_final, J_star, rtol=1e-10)
    with pytest.raises(ValueError, match="factored"):
        agents.q_learning(f.mdp, planning_steps=1, model="factored", n_seeds=1, n_episodes=1,
                          rng=np.random.default_rng(0))


def test_q_learning_validation():
    m = _one_state()
    with pytest.raises(ValueError, match="alpha"):
        agents.q_learning(m, n_seeds=1, n_episodes=1, rng=np.random.default_rng(0), alpha=0.0)
    with pytest.raises(ValueError, match="model"):
        agents.q_learning(m, n_seeds=1, n_episodes=1, rng=np.random.default_rng(0), planning_steps=2)
    with pytest.raises(TypeError, match="rng"):
        agents.q_learning(m, n_seeds=1, n_episodes=1, rng=1)
    with pytest.raises(ValueError, match="Q0"):
        agents.q_learning(m, n_seeds=2, n_episodes=1, rng=np.random.default_rng(0), Q0=np.zeros((3, 1, 1)))


def test_policy_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    m = mdp.random_mdp(4, 3, gamma=0.85, rng=rng)
    th = rng.normal(size=(4, 3))
    G = agents.policy_gradient(m, th)
    h = 1e-6
    num = np.zeros_like(th)
    for i in range(4):
        for j in range(3):
            e = np.zeros_like(th)
            e[i, j] = h
            num[i, j] = (mdp.expected_return(m, agents.softmax_policy(th + e))
                         - mdp.expected_return(m, agents.softmax_policy(th - e))) / (2 * h)
    np.testing.assert_allclose(G, num, atol=1e-8)


def test_undiscounted_weighting_on_one_step_episodes():
    """Every episode ends after one step: the visit counts equal mu0 and both weightings agree."""
    S = 3
    P = np.zeros((S, 2, S))
    P[:2, :, 2] = 1.0
    P[2, :, 2] = 1.0
    r = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    m = mdp.DiscountedMDP(P, r, 0.7, mu0=np.array([0.4, 0.6, 0.0]), terminal=np.array([False, False, True]))
    th = np.random.default_rng(5).normal(size=(S, 2))
    np.testing.assert_allclose(agents.policy_gradient(m, th, weighting="undiscounted"),
                               agents.policy_gradient(m, th), atol=1e-14)


def test_softmax_pg_ascends_and_batches():
    rng = np.random.default_rng(6)
    mb = mdp.random_mdp(5, 3, gamma=0.8, rng=rng, size=3)
    th, J = agents.softmax_policy_gradient(mb, steps=40, lr=0.2)
    assert J.shape == (41, 3) and th.shape == (3, 5, 3)
    assert np.all(np.diff(J, axis=0) >= -1e-12)
    for j in range(3):
        _, Jj = agents.softmax_policy_gradient(mdp.DiscountedMDP(mb.P[j], mb.r[j], 0.8), steps=40, lr=0.2)
        np.testing.assert_allclose(J[:, j], Jj, rtol=1e-12)

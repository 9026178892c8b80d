"""theorylab.rl.mdp against independent references.

References: iterative (fixed-point) policy evaluation written here; the *primal* LP
``min mu0.V s.t. V >= r + gamma P V`` solved by scipy.optimize.linprog (independent of the
package's dual/flow constraints); brute force over all deterministic policies; the
performance-difference (telescoping) identity; Monte-Carlo within k standard errors;
closed forms on one-step problems; gymnasium's FrozenLake tables (a second opinion on the
grid builder and on values via gymnasium's own simulator).
"""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.special import logsumexp

from theorylab.rl import mdp


def _rand(S=5, A=3, gamma=0.9, seed=0, **kw):
    return mdp.random_mdp(S, A, gamma=gamma, rng=np.random.default_rng(seed), **kw)


def _rand_policy(shape, rng):
    p = rng.random(shape) + 0.05
    return p / p.sum(-1, keepdims=True)


def _iterative_eval(m, pi, n_iter=3000):
    """V <- r_pi + gamma P_pi V, as plain loops over states (reference)."""
    S, A = m.S, m.A
    V = np.zeros(S)
    for _ in range(n_iter):
        Vn = np.array([sum(pi[s, a] * (m.r[s, a] + m.gamma * sum(m.P[s, a, t] * V[t] for t in range(S)))
                           for a in range(A)) for s in range(S)])
        V = Vn
    return V


# --------------------------------------------------------------------------- validation


def test_mdp_validation():
    P = np.full((2, 2, 2), 0.5)
    r = np.zeros((2, 2))
    with pytest.raises(ValueError, match="P must sum to 1"):
        mdp.DiscountedMDP(P * 1.1, r, 0.9)
    with pytest.raises(ValueError, match="non-negative"):
        mdp.DiscountedMDP(np.array([[[1.5, -0.5]] * 2] * 2), r, 0.9)
    with pytest.raises(ValueError, match="gamma"):
        mdp.DiscountedMDP(P, r, 1.0)
    with pytest.raises(TypeError, match="gamma"):
        mdp.DiscountedMDP(P, r, "0.9")
    with pytest.raises(ValueError, match="r must have shape"):
        mdp.DiscountedMDP(P, np.zeros((2, 3)), 0.9)
    with pytest.raises(ValueError, match="mu0"):
        mdp.DiscountedMDP(P, r, 0.9, mu0=np.array([0.7, 0.7]))
    with pytest.raises(ValueError, match="finite"):
        mdp.DiscountedMDP(P, np.array([[np.nan, 0], [0, 0]]), 0.9)
    with pytest.raises(ValueError, match="absorbing"):
        mdp.DiscountedMDP(P, r, 0.9, terminal=np.array([True, False]))
    with pytest.raises(ValueError, match="terminal must be a boolean"):
        mdp.DiscountedMDP(P, r, 0.9, terminal=np.array([1, 0]))
    with pytest.raises(ValueError, match="r must have shape"):
        mdp.FiniteHorizonMDP(np.full((2, 2, 2, 2), 0.5), np.zeros((3, 2, 2)))
    m = _rand()
    with pytest.raises(ValueError, match="pi must have shape"):
        mdp.policy_evaluation(m, np.full((5, 2), 0.5))
    with pytest.raises(ValueError, match="pi must sum to 1"):
        mdp.policy_evaluation(m, np.full((5, 3), 0.5))
    with pytest.raises(TypeError, match="mdp must be"):
        mdp.policy_evaluation("mdp", np.full((5, 3), 1 / 3))
    with pytest.raises(TypeError, match="rng"):
        mdp.sample_trajectories(m, mdp.uniform_policy(m), 3, rng=0, horizon=2)
    with pytest.raises(ValueError, match="horizon"):
        mdp.sample_trajectories(m, mdp.uniform_policy(m), 3, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="temperature"):
        mdp.soft_value_iteration(m, temperature=0.0)
    with pytest.raises(ValueError, match="Phi must have shape"):
        mdp.potential_shaping(m, np.zeros(4))
    g = mdp.grid_mdp(3, 3, gamma=0.9, goal=(2, 2))
    with pytest.raises(ValueError, match="terminal"):
        mdp.potential_shaping(g, np.ones(9))
    with pytest.raises(ValueError, match="goal"):
        mdp.grid_mdp(3, 3, gamma=0.9, goal=(3, 0))
    with pytest.raises(ValueError, match="tables"):
        mdp.factored_mdp([np.array([[0, 2]])], np.zeros((1, 2)), gamma=0.9)


def test_batch_shapes_broadcast():
    rng = np.random.default_rng(1)
    m = mdp.random_mdp(4, 2, gamma=0.8, rng=rng, size=3)
    assert m.batch_shape == (3,)
    pis = _rand_policy((5, 1, 4, 2), rng)                      # (5, 1) x (3,) -> (5, 3)
    V, Q = mdp.policy_evaluation(m, pis)
    assert V.shape == (5, 3, 4) and Q.shape == (5, 3, 4, 2)
    for i, j in [(0, 0), (4, 2), (2, 1)]:
        mj = mdp.DiscountedMDP(m.P[j], m.r[j], 0.8)
        Vij, _ = mdp.policy_evaluation(mj, pis[i, 0])
        np.testing.assert_allclose(V[i, j], Vij, rtol=1e-13)
    d = mdp.occupancy(m, pis)
    np.testing.assert_allclose(d.sum(axis=(-1, -2)), 1.0, rtol=1e-12)
    sol = mdp.value_iteration(m)
    for j in range(3):
        np.testing.assert_allclose(sol.V[j], mdp.value_iteration(mdp.DiscountedMDP(m.P[j], m.r[j], 0.8)).V,
                                   rtol=1e-12)


# --------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize("seed", [0, 1])
def test_policy_evaluation_linear_solve_equals_iteration(seed):
    m = _rand(S=4, A=3, gamma=0.7, seed=seed)
    pi = _rand_policy((4, 3), np.random.default_rng(seed + 10))
    V, Q = mdp.policy_evaluation(m, pi)
    Vit = _iterative_eval(m, pi, n_iter=200)                  # 0.7^200 ~ 1e-31
    np.testing.assert_allclose(V, Vit, rtol=1e-12)
    np.testing.assert_allclose((pi * Q).sum(-1), V, rtol=1e-12)


def test_finite_horizon_evaluation_by_enumeration():
    """Exact expectation over every trajectory of a tiny MDP (S=2, A=2, H=3)."""
    rng = np.random.default_rng(3)
    m = mdp.random_finite_mdp(2, 2, 3, rng=rng, concentration=1.0)
    pi = _rand_policy((3, 2, 2), rng)
    J = 0.0
    for s0, a0, s1, a1, s2, a2 in itertools.product(range(2), repeat=6):
        p = (m.mu0[s0] * pi[0, s0, a0] * m.P[0, s0, a0, s1] * pi[1, s1, a1] * m.P[1, s1, a1, s2]
             * pi[2, s2, a2])
        J += p * (m.r[0, s0, a0] + m.r[1, s1, a1] + m.r[2, s2, a2])
    assert np.isclose(mdp.expected_return(m, pi), J, rtol=1e-13)


def test_value_iteration_beats_every_deterministic_policy():
    m = _rand(S=3, A=3, gamma=0.95, seed=4)
    sol = mdp.value_iteration(m)
    best = np.full(3, -np.inf)
    for acts in itertools.product(range(3), repeat=3):
        pi = np.eye(3)[list(acts)]
        best = np.maximum(best, mdp.policy_evaluation(m, pi)[0])
    np.testing.assert_allclose(sol.V, best, rtol=1e-12)
    np.testing.assert_allclose(sol.V, sol.Q.max(-1), rtol=1e-12)
    # Bellman optimality at round-off
    np.testing.assert_allclose(sol.Q, m.r + m.gamma * m.P @ sol.V, atol=1e-12)


def test_primal_lp_equals_value_iteration_and_dual_lp():
    """Independent reference: the primal LP min mu0.V s.t. V(s) >= r(s,a) + gamma sum P V."""
    m = _rand(S=6, A=3, gamma=0.9, seed=5)
    S, A = m.S, m.A
    A_ub = np.zeros((S * A, S))
    b_ub = np.zeros(S * A)
    for s in range(S):
        for a in range(A):
            A_ub[s * A + a] = m.gamma * m.P[s, a] - np.eye(S)[s]
            b_ub[s * A + a] = -m.r[s, a]
    res = linprog(m.mu0, A_ub=A_ub, b_ub=b_ub, bounds=(None, None), method="highs")
    J_primal = res.fun
    J_vi = float(m.mu0 @ mdp.value_iteration(m).V)
    d, J_dual = mdp.occupancy_lp(m)
    assert abs(J_vi - J_primal) < 1e-7 and abs(J_vi - J_dual) < 1e-7
    pi = mdp.policy_from_occupancy(d)
    assert abs(float(mdp.expected_return(m, pi)) - J_vi) < 1e-7


def test_finite_horizon_lp_equals_backward_induction():
    m = mdp.random_finite_mdp(4, 3, 4, rng=np.random.default_rng(6))
    d, J = mdp.occupancy_lp(m)
    sol = mdp.value_iteration(m)
    assert abs(J - float(m.mu0 @ sol.V[0])) < 1e-8
    A_eq, b_eq = mdp.flow_constraints(m)
    np.testing.assert_allclose(A_eq @ mdp.occupancy(m, sol.pi).ravel(), b_eq, atol=1e-12)


@pytest.mark.parametrize("finite", [False, True])
def test_performance_difference_identity(finite):
    """J(pi') - J(pi) = E_{d^{pi'}}[<pi', A^pi>] / (1 - gamma) (Kakade & Langford 2002, Lemma 6.1)."""
    rng = np.random.default_rng(7)
    if finite:
        m = mdp.random_finite_mdp(5, 3, 6, rng=rng)
        shape = (6, 5, 3)
    else:
        m = _rand(S=5, A=3, gamma=0.85, seed=7)
        shape = (5, 3)
    p1, p2 = _rand_policy(shape, rng), _rand_policy(shape, rng)
    V1, Q1 = mdp.policy_evaluation(m, p1)
    V1s = V1[:-1] if finite else V1
    adv = Q1 - V1s[..., None]
    d2 = mdp.occupancy(m, p2)
    rhs = (d2 * adv).sum()
    if not finite:
        rhs /= 1 - m.gamma
    lhs = mdp.expected_return(m, p2) - mdp.expected_return(m, p1)
    assert abs(lhs - rhs) < 1e-12 * max(1.0, abs(lhs)) + 1e-13


def test_occupancy_flow_and_return():
    m = _rand(S=5, A=2, gamma=0.8, seed=8)
    pi = _rand_policy((5, 2), np.random.default_rng(8))
    d = mdp.occupancy(m, pi)
    A_eq, b_eq = mdp.flow_constraints(m)
    np.testing.assert_allclose(A_eq @ d.ravel(), b_eq, atol=1e-14)
    assert np.isclose((d * m.r).sum() / (1 - m.gamma), mdp.expected_return(m, pi), rtol=1e-12)
    # truncated series sum_t gamma^t Pr(s_t, a_t) as a reference
    ds = m.mu0.copy()
    acc = np.zeros((5, 2))
    P_pi = np.einsum("sa,sap->sp", pi, m.P)
    for t in range(400):
        acc += (1 - m.gamma) * m.gamma ** t * ds[:, None] * pi
        ds = ds @ P_pi
    np.testing.assert_allclose(d, acc, atol=1e-14)


def test_successor_features_give_q_for_linear_rewards():
    rng = np.random.default_rng(9)
    m = _rand(S=4, A=2, gamma=0.9, seed=9)
    phi = rng.normal(size=(4, 2, 3))
    w = rng.normal(size=3)
    pi = _rand_policy((4, 2), rng)
    psi = mdp.successor_features(m, pi, phi)
    _, Q = mdp.policy_evaluation(m.replace(r=phi @ w), pi)
    np.testing.assert_allclose(psi @ w, Q, rtol=1e-11)
    mf = mdp.random_finite_mdp(4, 2, 3, rng=rng)
    phif = rng.normal(size=(3, 4, 2, 3))
    pif = _rand_policy((3, 4, 2), rng)
    _, Qf = mdp.policy_evaluation(mf.replace(r=phif @ w), pif)
    np.testing.assert_allclose(mdp.successor_features(mf, pif, phif) @ w, Qf, rtol=1e-11)


# --------------------------------------------------------------------------- regularised planning


def test_soft_vi_one_step_closed_form_and_small_temperature():
    rng = np.random.default_rng(10)
    r = rng.normal(size=(1, 4))
    ref = _rand_policy((1, 1, 4), rng)
    m = mdp.FiniteHorizonMDP.stationary(np.ones((1, 4, 1)), r, horizon=1)
    lam = 0.3
    sol = mdp.soft_value_iteration(m, temperature=lam, ref_policy=ref)
    assert np.isclose(sol.V[0, 0], lam * logsumexp(r[0] / lam, b=ref[0, 0]), rtol=1e-13)
    np.testing.assert_allclose(sol.pi[0, 0], ref[0, 0] * np.exp(r[0] / lam) / (ref[0, 0] * np.exp(r[0] / lam)).sum())
    md = _rand(S=4, A=3, gamma=0.8, seed=11)
    V0 = mdp.soft_value_iteration(md, temperature=1e-4, ref_policy=np.full((4, 3), 1 / 3)).V
    np.testing.assert_allclose(V0, mdp.value_iteration(md).V, atol=1e-4 * np.log(3) / 0.2 + 1e-9)


@pytest.mark.parametrize("finite", [False, True])
def test_soft_vi_is_optimal_for_regularised_objective(finite):
    rng = np.random.default_rng(12)
    if finite:
        m = mdp.random_finite_mdp(4, 3, 5, rng=rng)
        shape = (5, 4, 3)
    else:
        m = _rand(S=4, A=3, gamma=0.8, seed=12)
        shape = (4, 3)
    ref = _rand_policy(shape, rng)
    sol = mdp.soft_value_iteration(m, temperature=0.5, ref_policy=ref)
    Vself, _ = mdp.regularized_policy_evaluation(m, sol.pi, temperature=0.5, ref_policy=ref)
    np.testing.assert_allclose(Vself, sol.V, atol=1e-10)
    others = _rand_policy((50,) + shape, rng)
    Vo, _ = mdp.regularized_policy_evaluation(m, others, temperature=0.5, ref_policy=ref)
    assert np.all(Vo <= sol.V + 1e-10)


# --------------------------------------------------------------------------- shaping


def test_potential_shaping_shifts_q_of_every_policy():
    rng = np.random.default_rng(13)
    m = _rand(S=5, A=3, gamma=0.9, seed=13)
    Phi = rng.normal(size=5)
    ms = mdp.potential_shaping(m, Phi)
    for pi in _rand_policy((4, 5, 3), rng):
        _, Q = mdp.policy_evaluation(m, pi)
        _, Qs = mdp.policy_evaluation(ms, pi)
        np.testing.assert_allclose(Qs, Q - Phi[:, None], atol=1e-12)
    g = mdp.grid_mdp(4, 4, gamma=0.9, goal=(3, 3), step_reward=-0.01)
    Phi = -np.abs(np.arange(16) // 4 - 3) - np.abs(np.arange(16) % 4 - 3.0)
    gs = mdp.potential_shaping(g, Phi)
    assert np.array_equal(mdp.optimal_action_mask(mdp.value_iteration(g).Q),
                          mdp.optimal_action_mask(mdp.value_iteration(gs).Q))
    mf = mdp.random_finite_mdp(3, 2, 4, rng=rng)
    Phif = np.vstack([rng.normal(size=(4, 3)), np.zeros(3)])
    np.testing.assert_allclose(mdp.value_iteration(mdp.potential_shaping(mf, Phif)).Q,
                               mdp.value_iteration(mf).Q - Phif[:-1, :, None], atol=1e-12)


# --------------------------------------------------------------------------- sampling


def test_sample_categorical_frequencies():
    rng = np.random.default_rng(14)
    p = np.array([0.1, 0.0, 0.6, 0.3])
    n = 40_000
    x = mdp.sample_categorical(np.broadcast_to(p, (n, 4)), rng=rng)
    f = np.bincount(x, minlength=4) / n
    se = np.sqrt(p * (1 - p) / n)
    assert f[1] == 0
    assert np.all(np.abs(f - p) <= 4 * se + 1e-12)


def test_trajectory_sampler_monte_carlo():
    rng = np.random.default_rng(15)
    m = mdp.random_finite_mdp(5, 3, 4, rng=rng)
    pi = _rand_policy((4, 5, 3), rng)
    n = 20_000
    tr = mdp.sample_trajectories(m, pi, n, rng=rng)
    G = tr.returns()
    J = mdp.expected_return(m, pi)
    assert abs(G.mean() - J) <= 4 * G.std(ddof=1) / np.sqrt(n)
    freq = mdp.visit_counts(tr.states, tr.actions, 5, 3) / n
    d = mdp.occupancy(m, pi)
    se = np.sqrt(d * (1 - d) / n)
    assert np.all(np.abs(freq - d) <= 5 * se + 1e-12)


def test_trajectory_sampler_batched_rows_are_independent_policies():
    rng = np.random.default_rng(16)
    m = mdp.random_finite_mdp(4, 2, 3, rng=rng)
    pis = np.zeros((2, 3, 4, 2))
    pis[0, ..., 0] = 1.0
    pis[1, ..., 1] = 1.0
    tr = mdp.sample_trajectories(m, pis, 50, rng=rng)
    assert tr.actions.shape == (2, 50, 3)
    assert np.all(tr.actions[0] == 0) and np.all(tr.actions[1] == 1)
    # a batch of MDPs with a shared policy: MDP j's deterministic dynamics are followed
    P = np.zeros((2, 3, 4, 2, 4))
    P[0, ..., 1] = 1.0
    P[1, ..., 3] = 1.0
    mb = mdp.FiniteHorizonMDP(P, np.zeros((2, 3, 4, 2)), mu0=np.array([1.0, 0, 0, 0]))
    trb = mdp.sample_trajectories(mb, mdp.uniform_policy(m), 7, rng=rng)
    assert np.all(trb.states[0, :, 1:] == 1) and np.all(trb.states[1, :, 1:] == 3)


def test_sample_occupancy_matches_occupancy():
    rng = np.random.default_rng(17)
    m = _rand(S=4, A=2, gamma=0.8, seed=17)
    pi = _rand_policy((4, 2), rng)
    n = 40_000
    s, a, s2 = mdp.sample_occupancy(m, pi, n, rng=rng)
    f = np.bincount(s * 2 + a, minlength=8).reshape(4, 2) / n
    d = mdp.occupancy(m, pi)
    assert np.all(np.abs(f - d) <= 5 * np.sqrt(d * (1 - d) / n))
    # next-state law given (s, a) = (0, 0)
    sel = (s == 0) & (a == 0)
    f2 = np.bincount(s2[sel], minlength=4) / sel.sum()
    p = m.P[0, 0]
    assert np.all(np.abs(f2 - p) <= 5 * np.sqrt(p * (1 - p) / sel.sum()) + 1e-12)


def test_empirical_model_is_unbiased():
    rng = np.random.default_rng(18)
    m = _rand(S=4, A=2, gamma=0.9, seed=18)
    k, n = 400, 25
    mh = mdp.empirical_model(m, n, rng=rng, size=k)
    assert mh.batch_shape == (k,)
    np.testing.assert_allclose(mh.P.sum(-1), 1.0)
    se = np.sqrt(m.P * (1 - m.P) / (n * k))
    assert np.all(np.abs(mh.P.mean(0) - m.P) <= 5 * se + 1e-12)


def test_visit_counts_against_loops():
    rng = np.random.default_rng(19)
    st = rng.integers(0, 3, size=(2, 4, 6))
    ac = rng.integers(0, 2, size=(2, 4, 5))
    c = mdp.visit_counts(st, ac, 3, 2, per_step=True)
    ref = np.zeros((2, 5, 3, 2))
    for b in range(2):
        for i in range(4):
            for t in range(5):
                ref[b, t, st[b, i, t], ac[b, i, t]] += 1
    np.testing.assert_array_equal(c, ref)
    np.testing.assert_array_equal(mdp.visit_counts(st, ac, 3, 2, per_step=False), ref.sum(1))
    w = 0.5 ** np.arange(5)
    np.testing.assert_allclose(mdp.visit_counts(st, ac, 3, 2, per_step=False, weights=w),
                               np.einsum("btsa,t->bsa", ref, w))


# --------------------------------------------------------------------------- builders


def test_factored_mdp_matches_product_rule():
    rng = np.random.default_rng(20)
    t1 = rng.integers(0, 3, size=(3, 2))
    t2 = rng.integers(0, 4, size=(4, 3))
    f = mdp.factored_mdp([t1, t2], np.zeros((12, 6)), gamma=0.9)
    nxt = mdp.next_state_table(f.mdp)
    for x1, x2, a1, a2 in itertools.product(range(3), range(4), range(2), range(3)):
        s = x1 * 4 + x2
        a = a1 * 3 + a2
        assert nxt[s, a] == t1[x1, a1] * 4 + t2[x2, a2]
    assert f.state_factors(7).tolist() == [1, 3]
    assert f.encode_state(np.array([[1, 3], [2, 0]])).tolist() == [7, 8]


def test_grid_mdp_geometry():
    g = mdp.grid_mdp(3, 4, gamma=0.9, goal=(0, 3), step_reward=-0.1, start=(2, 0))
    nxt = mdp.next_state_table(g)
    assert nxt[8, 0] == 4 and nxt[8, 3] == 8 and nxt[8, 2] == 8 and nxt[8, 1] == 9
    assert g.r[2, 1] == pytest.approx(0.9) and g.r[8, 0] == pytest.approx(-0.1)
    assert g.terminal[3] and g.mu0[8] == 1.0
    gs = mdp.grid_mdp(3, 4, gamma=0.9, goal=(0, 3), slip=0.2)
    np.testing.assert_allclose(gs.P.sum(-1), 1.0)
    assert gs.P[5, 0, 1] == pytest.approx(0.8 + 0.05)


def test_gymnasium_frozenlake_second_opinion():
    """gymnasium's FrozenLake: (1) without holes and slipping its tables equal grid_mdp's;
    (2) on the slippery 4x4 map our optimal value equals the success rate measured with
    gymnasium's own simulator, within 4 Monte-Carlo standard errors."""
    gym = pytest.importorskip("gymnasium")
    lake = gym.make("FrozenLake-v1", desc=["SFFF", "FFFF", "FFFF", "FFFG"], is_slippery=False).unwrapped
    g = mdp.grid_mdp(4, 4, gamma=0.9, goal=(3, 3), start=(0, 0))
    ours_of_theirs = [3, 2, 1, 0]          # FrozenLake: 0 left, 1 down, 2 right, 3 up
    for s in range(16):
        for a_gym in range(4):
            (p, s2, rew, done), = lake.P[s][a_gym]
            a = ours_of_theirs[a_gym]
            assert g.P[s, a, s2] == 1.0 and g.r[s, a] == rew and g.terminal[s2] == done
    env = gym.make("FrozenLake-v1", map_name="4x4", is_slippery=True)
    T = env.unwrapped.P
    S, A = 16, 4
    P = np.zeros((S, A, S))
    r = np.zeros((S, A))
    term = np.zeros(S, dtype=bool)
    for s in range(S):
        for a in range(A):
            for p, s2, rew, done in T[s][a]:
                P[s, a, s2] += p
                r[s, a] += p * rew
                if done and rew == 0 and s2 != s:
                    term[s2] = True
    goal = 15
    term[goal] = True
    for s in np.flatnonzero(term):                      # gymnasium keeps terminal rows absorbing
        P[s] = 0.0
        P[s, :, s] = 1.0
        r[s] = 0.0
    m = mdp.DiscountedMDP(P, r, 0.99, mu0=np.eye(S)[0], terminal=term)
    sol = mdp.value_iteration(m)
    act = sol.pi.argmax(-1)
    n, rng = 1500, np.random.default_rng(21)
    disc = np.empty(n)
    for i in range(n):
        s, _ = env.reset(seed=int(rng.integers(2**31)))
        G, k = 0.0, 0
        while True:
            s, rew, done, trunc, _ = env.step(int(act[s]))
            G += 0.99 ** k * rew
            k += 1
            if done or k >= 2000:
                break
        disc[i] = G
    assert abs(disc.mean() - sol.V[0]) <= 4 * disc.std(ddof=1) / np.sqrt(n)

"""theorylab.rl.control against closed forms and pathwise checks.

References: the geometric-series value of the scalar linear system; explicit step-by-step
recursion for rollouts; the exact Lipschitz constant of the scalar value versus the
propagation bound (an inequality for all parameters, checked with hypothesis).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theorylab.rl import control


def _rew(c_u):
    return lambda s, u: -np.abs(s).sum(1) - c_u * np.abs(u).sum(1)


def test_rollout_matches_recursion():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(3, 3)) * 0.4
    B = rng.normal(size=(3, 2))
    K = rng.normal(size=(2, 3)) * 0.3
    s0 = rng.normal(size=(5, 3))
    S, U = control.linear_rollout(A, B, control.linear_policy(K), s0, 7)
    s = s0[2]
    for t in range(7):
        u = -K @ s
        np.testing.assert_allclose(U[t, 2], u, rtol=1e-13)
        s = A @ s + B @ u
        np.testing.assert_allclose(S[t + 1, 2], s, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("a,b,k,c_u", [(0.5, 1.0, 0.25, 1.0), (-0.8, 0.5, 0.6, 2.0), (1.2, 1.0, 0.9, 0.3)])
def test_scalar_value_closed_form(a, b, k, c_u):
    gamma = 0.9
    rho = abs(a - b * k)
    T = control.horizon_for_tolerance(gamma, rho, 1e-15)
    s0 = np.linspace(-3, 3, 13)[:, None]
    v = control.discounted_value([[a]], [[b]], control.linear_policy([[k]]), _rew(c_u), s0, gamma=gamma, horizon=T)
    ref = control.scalar_linear_value(s0[:, 0], a=a, b=b, k=k, c_u=c_u, gamma=gamma)
    np.testing.assert_allclose(v, ref, rtol=1e-12, atol=1e-14)
    lip = control.scalar_value_lipschitz(a=a, b=b, k=k, c_u=c_u, gamma=gamma)
    assert np.isclose(control.empirical_lipschitz(
        lambda x: control.scalar_linear_value(x[:, 0], a=a, b=b, k=k, c_u=c_u, gamma=gamma),
        s0[:-1], s0[1:]), lip, rtol=1e-12)


@settings(max_examples=300, deadline=None)
@given(a=st.floats(-2, 2), b=st.floats(-2, 2), k=st.floats(-2, 2), c_u=st.floats(0, 3),
       gamma=st.floats(0.0, 0.99))
def test_scalar_lipschitz_below_propagation_bound(a, b, k, c_u, gamma):
    bound = control.value_lipschitz_bound(max(1.0, c_u), max(abs(a), abs(b)), abs(k), gamma)
    lip = control.scalar_value_lipschitz(a=a, b=b, k=k, c_u=c_u, gamma=gamma)
    if np.isfinite(bound):
        assert lip <= bound * (1 + 1e-12)
        assert control.q_lipschitz_bound(max(1.0, c_u), max(abs(a), abs(b)), abs(k), gamma) <= bound


def test_bound_tight_when_signs_align():
    # c_u = 1, |a| = |b|, a and -b k of the same sign: |a - b k| = L_f (1 + L_mu)
    a, b, k, g = 0.3, -0.3, 0.5, 0.9
    lip = control.scalar_value_lipschitz(a=a, b=b, k=k, c_u=1.0, gamma=g)
    assert np.isclose(lip, control.value_lipschitz_bound(1.0, 0.3, 0.5, g), rtol=1e-14)


def test_two_dimensional_saturated_policy_respects_bound():
    rng = np.random.default_rng(1)
    A = np.array([[0.3, 0.1], [-0.1, 0.25]])
    B = np.array([[0.2], [0.1]])
    K = np.array([[0.5, -0.4]])
    pol = control.saturated_linear_policy(K, 0.5)
    gamma = 0.9
    L_f = max(control.induced_l1_norm(A), control.induced_l1_norm(B))
    L_mu = control.induced_l1_norm(K)
    bound = control.value_lipschitz_bound(1.0, L_f, L_mu, gamma)
    T = control.horizon_for_tolerance(gamma, L_f * (1 + L_mu), 1e-12)
    V = lambda s: control.discounted_value(A, B, pol, lambda x, u: -np.abs(x).sum(1), s, gamma=gamma, horizon=T)
    x1 = rng.normal(size=(4000, 2))
    x2 = x1 + rng.normal(size=(4000, 2)) * 0.3
    emp = control.empirical_lipschitz(V, x1, x2)
    assert 0 < emp <= bound


def test_validation():
    with pytest.raises(ValueError, match="A must be"):
        control.linear_rollout(np.zeros((2, 3)), np.zeros((2, 1)), control.linear_policy([[0.0, 0.0]]),
                               np.zeros((1, 2)), 3)
    with pytest.raises(ValueError, match="gamma"):
        control.scalar_linear_value(1.0, a=2.0, b=0.0, k=0.0, c_u=1.0, gamma=0.9)
    with pytest.raises(ValueError, match="same shape"):
        control.empirical_lipschitz(lambda x: x[:, 0], np.zeros((3, 2)), np.zeros((2, 2)))
    with pytest.raises(ValueError, match="gamma"):
        control.horizon_for_tolerance(0.9, 2.0)
    assert control.value_lipschitz_bound(1.0, 1.0, 1.0, 0.9) == np.inf

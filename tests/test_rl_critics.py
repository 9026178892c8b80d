"""theorylab.rl.critics: the normalisation identities (closed forms), the invariance of the
multi-critic learner to affine rescaling of each reward, and the exact returns it records
(against a direct evaluation of the policies)."""

import doctest

import numpy as np
import pytest

from theorylab.rl import critics


def test_doctests():
    res = doctest.testmod(critics, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert res.attempted > 0 and res.failed == 0


def test_zscore_closed_form_and_constant_batch():
    x = np.array([[1.0, 3.0], [2.0, 2.0]])
    assert np.allclose(critics.zscore(x), [[-1.0, 1.0], [0.0, 0.0]])


def test_combine_invariance_multi_not_single():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(2, 5, 64))
    a, b = np.array([3.0, 200.0])[:, None, None], np.array([-1.0, 5.0])[:, None, None]
    Ab = a * A + (b - b.mean())                  # advantages of an affinely rescaled reward: shift cancels
    w = np.array([1.0, 0.5])
    assert np.allclose(critics.combine_advantages(A * a, w), critics.combine_advantages(A, w), atol=1e-12)
    assert np.allclose(critics.combine_advantages(Ab + 7.0, w), critics.combine_advantages(A, w), atol=1e-12)
    single = critics.combine_advantages(A, w, mode="single")
    assert np.allclose(critics.combine_advantages(A * 10.0, w, mode="single"), single, atol=1e-12)
    assert not np.allclose(critics.combine_advantages(A * a, w, mode="single"), single, atol=1e-3)


def _task(S=6, seed=1):
    rng = np.random.default_rng(seed)
    t1, t2 = rng.integers(0, 2, S), rng.integers(0, 2, S)
    c1, c2 = np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])
    return np.stack([(c1[None] == t1[:, None]).astype(float), (c2[None] == t2[:, None]).astype(float)])


def test_multi_critic_run_is_invariant_to_affine_rescaling():
    R = _task()
    kw = dict(weights=[1.0, 1.0], n_iters=60, batch_size=32, lr=0.5, critic_lr=0.3, n_seeds=4, noise=0.5)
    a = critics.multi_reward_actor_critic(R, mode="multi", rng=np.random.default_rng(2), **kw)
    b = critics.multi_reward_actor_critic(R, mode="multi", rng=np.random.default_rng(2), scale=[5.0, 300.0],
                                          shift=[-2.0, 9.0], **kw)
    assert np.allclose(a.theta, b.theta, atol=1e-9) and np.allclose(a.returns, b.returns, atol=1e-12)
    c = critics.multi_reward_actor_critic(R, mode="single", rng=np.random.default_rng(2), **kw)
    d = critics.multi_reward_actor_critic(R, mode="single", rng=np.random.default_rng(2), scale=[1.0, 300.0], **kw)
    assert not np.allclose(c.theta, d.theta, atol=1e-3)


def test_recorded_returns_are_exact():
    R = _task()
    run = critics.multi_reward_actor_critic(R, weights=[1.0, 1.0], mode="multi", n_iters=10, batch_size=16,
                                            lr=0.5, critic_lr=0.3, n_seeds=3, rng=np.random.default_rng(3))
    assert np.allclose(run.returns[0], R.mean(axis=(1, 2)))          # uniform initial policy
    pi = np.exp(run.theta) / np.exp(run.theta).sum(-1, keepdims=True)
    assert np.allclose(run.returns[-1], np.einsum("rsa,ksa->rk", pi, R) / R.shape[1])
    assert np.all(run.returns[-1] > run.returns[0])                  # learning helps both rewards


def test_validation():
    R = _task()
    with pytest.raises(ValueError, match="weights"):
        critics.multi_reward_actor_critic(R, weights=[1.0], mode="multi", n_iters=1, batch_size=4, lr=0.1,
                                          critic_lr=0.1, n_seeds=1, rng=np.random.default_rng(0))
    with pytest.raises(ValueError, match="mode"):
        critics.combine_advantages(np.zeros((2, 3)), [1.0, 1.0], mode="both")
    with pytest.raises(ValueError, match="scale"):
        critics.multi_reward_actor_critic(R, weights=[1.0, 1.0], mode="multi", n_iters=1, batch_size=4, lr=0.1,
                                          critic_lr=0.1, n_seeds=1, rng=np.random.default_rng(0), scale=[1.0, -1.0])

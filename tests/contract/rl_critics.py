"""Contract cases of theorylab.rl.critics."""

import numpy as np

from tests.contract import RNG, ok, skip

_R = np.stack([np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.0, 1.0], [0.0, 1.0]])])

CASES = {
    "ActorCriticRun": skip("result container returned by multi_reward_actor_critic"),
    "zscore": ok(np.array([[1.0, 2.0, 4.0]])).invalid(eps=[-1.0]),
    "combine_advantages": ok(np.ones((2, 3, 4)) * np.arange(4), [1.0, 0.5], mode="single").invalid(mode=["both"]),
    "multi_reward_actor_critic": ok(_R, weights=[1.0, 1.0], mode="multi", n_iters=3, batch_size=4, lr=0.5,
                                    critic_lr=0.3, n_seeds=2, rng=RNG, noise=0.1).invalid(
        lr=[0.0], critic_lr=[1.5], batch_size=[1], scale=[[1.0, -1.0]]),
}

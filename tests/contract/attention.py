"""Contract cases of theorylab.attention."""

import numpy as np

from theorylab import attention as at
from tests.contract import RNG, ok

_x0, _X = at.sample_tokens(3, 2, 3, rng=np.random.default_rng(0))
_W = at.sample_qk_weights(4, 3, mean=0.1, scale=0.5, rng=np.random.default_rng(1))
_Wm = at.sample_mlp_weights(5, 9, rng=np.random.default_rng(2))

CASES = {
    "sample_tokens": ok(3, 2, 3, rng=RNG).invalid(n_keys=[0]),
    "sample_qk_weights": ok(4, 3, mean=0.1, scale=0.5, rng=RNG).invalid(scale=[-1.0], mean=[np.ones((2, 2))]),
    "rfa_features": ok(_x0, _X, _W, activation="softmax", value_bias=True, block_size=2, out=None).invalid(
        block_size=[0]),
    "rfa_gram": ok(_x0, _X, _W, activation="relu", value_bias=False, head_block=2).invalid(head_block=[0]),
    "rfa_features_reference": ok(_x0, _X, _W, activation="exp", value_bias=True),
    "rfa_kernel_exact": ok(_x0, _X, _x0[:2], _X[:2], mean=0.1, scale=0.5, activation="exp",
                           value_bias=True).invalid(scale=[-1.0]),
    "rfa_kernel_mc": ok(_x0, _X, _x0[:2], _X[:2], mean=0.1, scale=0.5, activation="softmax", value_bias=False,
                        n_samples=16, rng=RNG).invalid(n_samples=[0]),
    "sample_mlp_weights": ok(5, 9, rng=RNG).invalid(n_features=[0]),
    "rfmlp_features": ok(_x0, _X, _Wm).invalid(Wmlp=[_Wm[:, :4]]),
    "target_hermite": ok(_x0, _X, k=2, beta=np.array([1.0, 0.0, 0.5]), link=None).invalid(k=[-1]),
    "hermite_he": ok(3, np.array([-1.0, 0.5, 2.0])).invalid(k=[-1]),
}

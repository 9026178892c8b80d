"""Contract cases of theorylab.kernels.fc."""

import numpy as np

from tests.contract import ok

_X = np.random.default_rng(0).standard_normal((4, 3))

CASES = {
    "nngp_ntk": ok(_X, _X[:2] + 0.1, depth=2, activation="relu", weight_var=2.0, bias_var=0.1,
                   parameterization="standard", lr_weight=1.0, lr_bias=1.0, block_size=64, n_nodes=20,
                   n_threads=1).invalid(depth=[-1], weight_var=[-1.0], bias_var=[-1.0], block_size=[0],
                                        X2=[_X[:, :2]]),
    "relu_correlation_map": ok(np.array([0.2, 0.9]), 5, one_minus=True).invalid(
        rho=[np.array([1.5])], n_steps=[-1]),
    "single_input_recursions": ok(1.0, 4, "tanh", weight_var=1.5, bias_var=0.1, theta1=1.0, lr_weight=1.0,
                                  lr_bias=1.0, n_nodes=40).invalid(K1=[0.0, -1.0], depth=[0],
                                                                   weight_var=[-1.0, 0.0]),
    "susceptibilities": ok(np.array([0.5, 1.0]), "tanh", 1.5, n_nodes=40).invalid(K=[np.array([0.0])],
                                                                                 weight_var=[-1.0]),
}

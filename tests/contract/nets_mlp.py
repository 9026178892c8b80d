"""Contract cases of theorylab.nets.mlp."""

import numpy as np

from theorylab.nets import mlp
from tests.contract import RNG, ok

_X = np.random.default_rng(0).standard_normal((3, 4))
_NET = mlp.init_mlp((4, 5, 1), 2, rng=np.random.default_rng(1))

CASES = {
    "MLPEnsemble": ok(_NET.U, _NET.beta, 2.0, 0.0).invalid(weight_var=[-1.0]),
    "init_mlp": ok((4, 5, 1), 2, rng=RNG, weight_var=2.0, bias_var=0.1).invalid(widths=[(4, 0, 1)]),
    "mlp_forward": ok(_NET, _X, "relu"),
    "mlp_param_grads": ok(_NET, _X, "tanh"),
    "empirical_nngp": ok(_NET, _X, "relu"),
    "empirical_ntk": ok(_NET, _X, "relu", parameterization="standard", lr_weight=1.0, lr_bias=1.0),
    "sample_ntk_ensemble": ok(_X, (4, 5, 1), 3, rng=RNG, activation="relu", weight_var=2.0, bias_var=0.0,
                              chunk=2),
    "to_dense": ok(_NET, "tanh"),
    "sample_preactivations": ok(_X, depth=2, width=5, n_ensemble=3, rng=RNG, activation="relu"),
}

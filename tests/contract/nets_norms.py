"""Contract cases of theorylab.nets.norms."""

import numpy as np

from tests.contract import ok

_R = np.random.default_rng(0)
_X = _R.standard_normal((3, 4, 5))
_DY = _R.standard_normal((3, 4, 5))
_G = np.array([1.0, 0.5, 2.0, 1.5])
_B = np.array([0.1, -0.2, 0.0, 0.3])
_V1 = np.array([1.0, 0.5, -0.5, 2.0])
_RM = np.array([0.0, 0.1, -0.1, 0.2])
_RV = np.array([1.0, 0.5, 2.0, 1.5])

CASES = {
    "silu": ok(np.array([-1.0, 0.0, 2.0])),
    "batch_norm": ok(_X, _G, _B, eps=1e-5, training=True).invalid(
        x=[np.ones((3,))], gamma=[np.ones(3)], eps=[-1.0]),
    "batch_norm_backward": ok(_X, _DY, _G, eps=1e-5).invalid(dy=[np.ones((3, 4, 4))], gamma=[np.ones(3)]),
    "group_norm": ok(_X, _G, _B, groups=2, eps=1e-5).invalid(groups=[3, 0], gamma=[np.ones(3)]),
    "group_norm_backward": ok(_X, _DY, _G, groups=2, eps=1e-5).invalid(groups=[3], dy=[np.ones((3, 4))]),
    "evonorm_b0": ok(_X, _V1, _G, _B, eps=1e-3, training=False, running_var=_RV).invalid(
        running_var=[np.ones(3), -_RV], v1=[np.ones(5)]),
    "evonorm_b0_backward": ok(_X, _DY, _V1, _G, eps=1e-3, training=True).invalid(dy=[np.ones((3, 4))]),
    "evonorm_s0": ok(_X, _V1, _G, _B, groups=2, eps=1e-5).invalid(groups=[3]),
    "evonorm_s0_backward": ok(_X, _DY, _V1, _G, groups=2, eps=1e-5).invalid(groups=[3]),
    "running_var_update": ok(_RV, _X, momentum=0.1).invalid(momentum=[1.5], running_var=[-_RV]),
}

"""Contract cases of theorylab.nets.two_layer."""

import numpy as np

from theorylab.nets import two_layer as tl
from tests.contract import RNG, ok, skip

_r = np.random.default_rng(0)
_M = tl.TwoLayer(dim=3, width=4, activation="tanh", scaling="ntk")
_MQ = tl.TwoLayer(dim=3, width=4, activation="quadratic", eps=0.3, scaling="mean-field", alpha=1.5)
_TH = _M.init(rng=np.random.default_rng(1))
_THS = _M.init(rng=np.random.default_rng(2), readout="sign")
_X = _r.standard_normal((5, 3))
_y = _r.standard_normal(5)
_ys = np.array([1.0, -1.0, 1.0, 1.0, -1.0])
_W = _r.standard_normal((6, 3))
_WB, _MM = _W.mean(0), _W.T @ _W / 6
_C = np.zeros((5, 4))

CASES = {
    "FixedReadoutResult": skip("result container returned by gd_fixed_readout"),
    "GDResult": skip("result container returned by gd"),
    "TwoLayer": ok(dim=3, width=4, n_out=2, activation="relu", scaling="mean-field", alpha=2.0, input_scale=0.5,
                   eps=0.1).invalid(activation=["bogus"], alpha=[0.0]),
    "quadratic_activation": ok(0.3),
    "ntk_analytic": ok(_X, _X[:2], activation="relu", weight_std=1.0, readout_std=1.0, input_scale=1.0, alpha=1.0,
                       eps=0.0, train_first=True, train_readout=True, n_nodes=20).invalid(activation=["bogus"]),
    "gd": ok(_M, _TH, _X, _y, lr=0.1, n_steps=3, loss="mse", train_first=True, train_readout=True, centred=False,
             record_steps=[0, 3], record=None, keep_theta=True).invalid(record_steps=[[5]], loss=["hinge"]),
    "gd_first_layer": ok(_M, _TH, _X, _y, lr=0.1, n_steps=3, loss="mse", record_steps=[1, 3]),
    "gd_fixed_readout": ok(_M, _THS, _X, _ys, lr=0.1, n_steps=3, loss="logistic", record_steps=[0, 3]).invalid(
        y=[_y]),
    "fixed_readout_preacts": ok(_M, _TH, _X, _C, _X[:2]),
    "committee_moments": ok(_W),
    "committee_predict": ok(_WB, _MM, _X, alpha=1.5, eps=0.3, wbar0=None, M0=None),
    "committee_closure_gd": ok(_WB, _MM, _X, _y, alpha=1.5, eps=0.3, lr0=2.0, n_steps=3,
                               record_steps=[0, 3]).invalid(alpha=[0.0], eps=[-1.0]),
    "committee_test_loss": ok(_WB, _MM, np.ones(3), alpha=1.5, eps=0.3, wbar0=None, M0=None),
    "isserlis_moment4": ok(np.eye(2) * 0.5).invalid(cov=[np.ones((2, 3))]),
    "quadratic_feature_moment": ok(np.eye(2) * 0.5, 0.3),
    "xor_clusters": ok(10, 5, mu_norm=2.0, flip=0.1, rng=RNG, basis=None).invalid(flip=[1.0], dim=[1]),
}

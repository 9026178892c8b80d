"""Contract cases of theorylab.nets.three_layer."""

import numpy as np

from theorylab.nets import three_layer as tl
from tests.contract import RNG, ok

_NET = tl.init_three_layer(3, k=2, width1=6, width2=5, rng=np.random.default_rng(0))
_r = np.random.default_rng(1)
_X = _r.standard_normal((20, 3))
_y = _X[:, 0] ** 2 - 1.0
_NET1 = tl.train_stage1(_NET, _X[:10], _y[:10], ridge=0.01)

CASES = {
    "ThreeLayerNet": ok(_NET.k, _NET.first_layer, _NET.V, _NET.dim, _NET.a, _NET.b, _NET.u, _NET.c).invalid(
        u=[np.zeros(3)], first_layer=["other"]),
    "init_three_layer": ok(3, k=2, width1=6, width2=5, first_layer="random", bias_df=3.0, bias_scale=1.0,
                           rng=RNG).invalid(k=[4], bias_df=[0.0]),
    "first_layer_features": ok(_NET, _X[:4]).invalid(X=[_X[:4, :2]]),
    "second_layer_features": ok(_NET, np.array([0.1, -0.5, 2.0])),
    "feature_map": ok(_NET1, _X[:4]),
    "forward": ok(_NET1, _X[:4]),
    "loss_and_grad": ok(_NET1, _X[:6], _y[:6], wd_u=0.01, wd_c=0.01).invalid(wd_u=[-1.0]),
    "train_stage1": ok(_NET, _X[:10], _y[:10], ridge=0.01, solver="gd", n_steps=5).invalid(ridge=[-1.0]),
    "train_stage2": ok(_NET1, _X[10:], _y[10:], ridges=(1e-3, 1e-1), val_fraction=0.3, solver="ridge",
                       n_steps=5).invalid(val_fraction=[0.0, 1.0], ridges=[(-1.0,)]),
    "train_layerwise": ok(_NET, _X, _y, n_stage1=10, ridge1=0.01, ridges2=(1e-3, 1e-1), val_fraction=0.3,
                          solver="ridge").invalid(n_stage1=[20]),
    "relu_ntk": ok(_X[:4], _X[:3]),
    "rbf_kernel": ok(_X[:4], _X[:3], gamma=0.5).invalid(gamma=[-1.0]),
    "kernel_ridge_baseline": ok(_X[:10], _y[:10], _X[10:14], _y[10:14], _X[14:], kernel="rbf", gamma=0.5,
                                rel_ridges=(1e-3, 1e-1), n_pilot=6).invalid(rel_ridges=[(0.0,)]),
}

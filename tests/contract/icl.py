"""Contract cases of theorylab.icl."""

import numpy as np

from theorylab import icl
from tests.contract import RNG, ok, skip

_X, _Y, _ = icl.sample_tasks(2, 4, 2, rng=np.random.default_rng(0))
_F = icl.prefix_features(_X, _Y)
_P = icl.init_icl(_F.shape[-1], 4, rng=np.random.default_rng(1))

CASES = {
    "sample_tasks": ok(2, 4, 2, rng=RNG, w_scale=1.0, w_mean=0.5, x_scale=np.array([1.0, 2.0]), noise=0.5).invalid(
        x_scale=[np.ones(3), np.array([1.0, -1.0])], n_tasks=[0]),
    "prefix_features": ok(_X, _Y).invalid(y=[np.ones((2, 3))]),
    "bayes_prefix_predictive": ok(_X, _Y, prior_var=2.0, noise_var=0.5, prior_mean=0.1).invalid(
        prior_var=[0.0], noise_var=[0.0]),
    "ICLParams": skip("weights and Adam moments built by init_icl / train_icl, not an input boundary"),
    "ICLParams.arrays": ok().on(_P),
    "init_icl": ok(_F.shape[-1], 4, rng=RNG).invalid(width=[0], n_features=[0]),
    "icl_predict": ok(_P, _F).invalid(F=[np.ones((3, 5))], p=[_P.W]),
    "icl_loss_and_grad": ok(_P, _F.reshape(-1, _F.shape[-1]), _Y.reshape(-1), mse=False).invalid(
        y=[np.ones(3)], F=[np.ones((8, 5))]),
    "train_icl": ok(n_steps=3, batch_tasks=2, length=4, dim=2, rng=RNG, width=4, lr=1e-2, warmup=1,
                    x_scales=(1.0, 2.0), w_scale=1.0, noise=1.0, lr_final=0.5).invalid(
        lr=[0.0], x_scales=[(1.0, -1.0), ()], warmup=[-1], lr_final=[0.0], n_steps=[0, 10**6 + 1]),
}

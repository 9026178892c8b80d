"""Contract cases of theorylab.nets.dense (the class and its methods)."""

import numpy as np

from theorylab.nets.dense import DenseNet
from tests.contract import RNG, ok, skip

_NET = DenseNet((2, 3, 1), activation="tanh", bias=True, weight_mult=1.0, bias_mult=1.0)
_TH = _NET.init(rng=np.random.default_rng(0), weight_var=1.0, bias_var=0.1)
_X = np.random.default_rng(1).standard_normal((4, 2))
_U = np.ones((4, 1))
_V = np.random.default_rng(2).standard_normal(_NET.n_params)
_H = np.ones((4, 1, 1))


def _cot(f):
    """Squared-loss cotangent and the loss."""
    return f, float(0.5 * np.sum(f * f))


CASES = {
    "LayerStats": skip("result container of DenseNet.layer_stats"),
    "DenseNet": ok((2, 3, 1), activation="tanh", bias=True, weight_mult=1.0, bias_mult=1.0),
    "DenseNet.init": ok(rng=RNG, weight_var=1.0, bias_var=0.1, batch=(2,)).on(_NET),
    "DenseNet.block_slice": ok(1).on(_NET),
    "DenseNet.unpack": ok(_TH).on(_NET),
    "DenseNet.pack": ok(_NET.unpack(_TH)).on(_NET),
    "DenseNet.forward": ok(_TH, _X).on(_NET),
    "DenseNet.hidden": ok(_TH, _X).on(_NET),
    "DenseNet.layer_stats": ok(_TH, _X).on(_NET),
    "DenseNet.jacobian": ok(_TH, _X).on(_NET),
    "DenseNet.input_jacobian": ok(_TH, _X).on(_NET),
    "DenseNet.activation_jacobians": ok(_TH, _X).on(_NET),
    "DenseNet.input_grad": ok(_TH, _X, _U).on(_NET),
    "DenseNet.vjp": ok(_TH, _X, _U).on(_NET),
    "DenseNet.value_and_vjp": ok(_TH, _X, _cot).on(_NET),
    "DenseNet.jvp": ok(_TH, _X, _V).on(_NET),
    "DenseNet.gnvp": ok(_TH, _X, _V, _H).on(_NET),
    "DenseNet.hvp": ok(_TH, _X, _V, cotangent=_U, out_hess=_H).on(_NET),
    "DenseNet.hessian": ok(_TH, _X, cotangent=_U, out_hess=_H).on(_NET),
}

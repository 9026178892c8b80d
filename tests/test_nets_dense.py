"""Tests of theorylab.nets.dense against independent references: the complex step and
central finite differences (theorylab.numdiff) for Jacobians, input Jacobians, VJPs,
JVPs and Hessian-vector products; a dense finite-difference Hessian of a softmax
cross-entropy loss; explicit per-network loops for batched parameters; Monte Carlo for
the initialisation; and theorylab.nets.mlp (independent backprop) via to_dense."""

from __future__ import annotations

import numpy as np
import pytest

from theorylab import numdiff
from theorylab.nets import mlp
from theorylab.nets.dense import ACTIVATIONS, DenseNet

ACTS = sorted(ACTIVATIONS)


def _net(act, **kw):
    return DenseNet((3, 5, 4, 2), activation=act, bias=(True, False, True), weight_mult=(1.0, 0.7, 1.3),
                    bias_mult=(0.5, 1.0, 2.0), **kw)


def _setup(act, seed=0):
    rng = np.random.default_rng(seed)
    net = _net(act)
    theta = net.init(rng=rng, bias_var=0.3)
    X = rng.normal(size=(6, 3))
    return rng, net, theta, X


@pytest.mark.parametrize("act", ACTS)
def test_jacobian_matches_complex_step_and_central_differences(act):
    # complex step: exact to round-off (no cancellation); central differences: O(eps^(2/3)) ~ 1e-10
    # relu is exact away from kinks; a kink within h ~ 6e-6 of 6x9 pre-activations has prob ~ 1e-4
    _, net, theta, X = _setup(act)
    J = net.jacobian(theta, X)
    f = lambda t: net.forward(t, X)
    assert numdiff.check_jacobian(f, J, theta, method="complex", rtol=1e-13, atol=1e-14)
    assert numdiff.check_jacobian(f, J, theta, method="central", rtol=1e-7, atol=1e-8, vectorized=True)


@pytest.mark.parametrize("act", ACTS)
def test_vjp_jvp_and_input_derivatives(act):
    rng, net, theta, X = _setup(act, 1)
    J = net.jacobian(theta, X)
    U = rng.normal(size=(6, 2))
    v = rng.normal(size=net.n_params)
    np.testing.assert_allclose(net.vjp(theta, X, U), np.einsum("no,nop->p", U, J), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(net.jvp(theta, X, v), J @ v, rtol=1e-12, atol=1e-13)
    # input Jacobian by the complex step in x, one example at a time
    Jx = net.input_jacobian(theta, X)
    for i in range(X.shape[0]):
        ref = numdiff.jacobian_cs(lambda x: net.forward(theta, x[None])[0], X[i])
        np.testing.assert_allclose(Jx[i], ref, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(net.input_grad(theta, X, U), np.einsum("no,nod->nd", U, Jx), rtol=1e-12,
                               atol=1e-13)


@pytest.mark.parametrize("act", ACTS)
def test_hvp_matches_complex_step_of_the_gradient(act):
    # Im vjp(theta + i h v)/h is the exact directional derivative of the gradient: H v
    rng, net, theta, X = _setup(act, 2)
    U = rng.normal(size=(6, 2))
    H_out = rng.normal(size=(6, 2, 2))
    H_out = H_out @ H_out.transpose(0, 2, 1)
    for v in rng.normal(size=(3, net.n_params)):
        ref = numdiff.jvp_cs(lambda t: net.vjp(t, X, U), theta, v)
        np.testing.assert_allclose(net.hvp(theta, X, v, cotangent=U), ref, rtol=1e-12, atol=1e-12)
        J = net.jacobian(theta, X)
        gn = np.einsum("nop,noq,nqr,r->p", J, H_out, J, v)
        np.testing.assert_allclose(net.gnvp(theta, X, v, H_out), gn, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(net.hvp(theta, X, v, cotangent=U, out_hess=H_out), ref + gn,
                                   rtol=1e-11, atol=1e-11)


def test_full_hessian_of_cross_entropy_matches_dense_finite_differences():
    # softmax cross-entropy: grad = p - Y, output Hessian diag(p) - p p^T; reference: second
    # differences of the scalar loss, error O(sqrt(eps)) ~ 1e-8 relative to O(1) entries
    rng = np.random.default_rng(3)
    net = DenseNet((2, 4, 3), activation="tanh")
    theta = net.init(rng=rng, weight_var=2.0, bias_var=0.5)
    X = rng.normal(size=(7, 2))
    Y = np.eye(3)[rng.integers(0, 3, 7)]

    def loss(t):
        z = net.forward(t, X)
        z = z - z.max(axis=1, keepdims=True)
        return float(np.sum(np.log(np.exp(z).sum(axis=1)) - np.sum(Y * z, axis=1)))

    z = net.forward(theta, X)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    Hout = np.einsum("no,op->nop", p, np.eye(3)) - p[:, :, None] * p[:, None, :]
    H = net.hessian(theta, X, cotangent=p - Y, out_hess=Hout)
    Hfd = numdiff.hessian_fd(loss, theta)
    np.testing.assert_allclose(H, Hfd, atol=2e-6)
    # and against central differences of the analytic gradient (error O(eps^(2/3)))
    Hg = numdiff.hessian_fd(loss, theta, grad=lambda t: net.vjp(t, X, _ce_grad(net, t, X, Y)))
    np.testing.assert_allclose(H, Hg, atol=1e-8)


def _ce_grad(net, t, X, Y):
    z = net.forward(t, X)
    p = np.exp(z - z.max(1, keepdims=True))
    return p / p.sum(1, keepdims=True) - Y


def test_jacobian_blocks_are_kronecker_products():
    _rng, net, theta, X = _setup("tanh", 4)
    st = net.layer_stats(theta, X)
    J = net.jacobian(theta, X)
    for l, (o, k) in enumerate(net.block_shapes):
        blk = J[..., net.block_slice(l)].reshape(6, 2, o, k)
        np.testing.assert_allclose(blk, st.out_grads[l][..., :, None] * st.inputs[l][:, None, None, :], rtol=1e-14)
    np.testing.assert_allclose(st.f, net.forward(theta, X), rtol=1e-15)
    # the layer input of layer l is the multiplier times the hidden activation (bias appended)
    h = net.hidden(theta, X)
    np.testing.assert_allclose(st.inputs[1], 0.7 * h[0], rtol=1e-15)
    np.testing.assert_allclose(st.inputs[2][:, :-1], 1.3 * h[1], rtol=1e-15)
    np.testing.assert_allclose(st.inputs[2][:, -1], 2.0)
    # activation Jacobians by the complex step through the sub-network after layer l
    aj = net.activation_jacobians(theta, X)
    assert [a.shape for a in aj] == [(6, 2, 3), (6, 2, 5), (6, 2, 4)]


def test_batched_parameters_equal_a_loop_over_networks():
    rng = np.random.default_rng(5)
    net = DenseNet((3, 6, 2), activation="softplus")
    theta = net.init(rng=rng, batch=(4,), bias_var=0.2)
    X = rng.normal(size=(4, 5, 3))
    U = rng.normal(size=(4, 5, 2))
    v = rng.normal(size=(4, net.n_params))
    f, J, g, Hv = (net.forward(theta, X), net.jacobian(theta, X), net.vjp(theta, X, U),
                   net.hvp(theta, X, v, cotangent=U))
    for r in range(4):
        np.testing.assert_allclose(f[r], net.forward(theta[r], X[r]), rtol=1e-14)
        np.testing.assert_allclose(J[r], net.jacobian(theta[r], X[r]), rtol=1e-14)
        np.testing.assert_allclose(g[r], net.vjp(theta[r], X[r], U[r]), rtol=1e-13)
        np.testing.assert_allclose(Hv[r], net.hvp(theta[r], X[r], v[r], cotangent=U[r]), rtol=1e-13)
    # shared inputs broadcast against a batch of networks
    np.testing.assert_allclose(net.forward(theta, X[0])[2], net.forward(theta[2], X[0]), rtol=1e-14)


def test_pack_unpack_round_trip_and_layout():
    rng = np.random.default_rng(6)
    net = DenseNet((2, 3, 1), bias=(True, False))
    theta = net.init(rng=rng, batch=(2,))
    params = net.unpack(theta)
    assert params[0][0].shape == (2, 3, 2) and params[0][1].shape == (2, 3) and params[1][1] is None
    np.testing.assert_array_equal(net.pack(params), theta)
    # row-major [W | b] per layer: theta[0:3] is row 0 of layer 0 = (W00, W01, b0)
    np.testing.assert_array_equal(theta[0, :3], np.r_[params[0][0][0, 0], params[0][1][0, 0]])
    assert net.n_params == 3 * 3 + 3 and net.block_shapes == [(3, 3), (1, 3)]


def test_init_variances_by_monte_carlo():
    # effective weights m W ~ N(0, weight_var / n_in); 4 SE of a variance estimate
    rng = np.random.default_rng(7)
    net = DenseNet((50, 40, 1), activation="relu", weight_mult=(0.2, 3.0), bias_mult=(0.5, 0.0))
    theta = net.init(rng=rng, weight_var=2.0, bias_var=0.3, batch=(50,))
    (W0, b0), (W1, b1) = net.unpack(theta)
    for w, var in ((0.2 * W0, 2.0 / 50), (3.0 * W1, 2.0 / 40), (0.5 * b0, 0.3)):
        est = np.mean(w**2)
        assert abs(est - var) <= 4 * var * np.sqrt(2 / w.size)
    assert abs(np.mean(b1**2) - 1.0) <= 4 * np.sqrt(2 / b1.size)  # multiplier 0: raw N(0, 1)


@pytest.mark.parametrize("act", ["relu", "tanh", "identity"])
def test_to_dense_reproduces_the_ensemble_backprop(act):
    # theorylab.nets.mlp has its own (ensemble, scalar-output) backprop: an independent code path
    rng = np.random.default_rng(8)
    ens = mlp.init_mlp([3, 5, 4, 1], 3, rng=rng, weight_var=1.7, bias_var=0.4)
    X = rng.normal(size=(4, 3))
    dn, theta = mlp.to_dense(ens, act)
    np.testing.assert_allclose(dn.forward(theta, X), mlp.mlp_forward(ens, X, act)[0], rtol=1e-13)
    J = dn.jacobian(theta, X)[:, :, 0, :]
    ref = np.concatenate([np.concatenate([dU, db[..., None]], axis=-1).reshape(3, 4, -1)
                          for dU, db in mlp.mlp_param_grads(ens, X, act)], axis=-1)
    np.testing.assert_allclose(J, ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(mlp.empirical_ntk(ens, X, act), J @ J.transpose(0, 2, 1), rtol=1e-12)


def test_vector_output_ensemble_jacobian_via_to_dense():
    rng = np.random.default_rng(9)
    ens = mlp.init_mlp([2, 6, 3], 2, rng=rng, bias_var=0.2)
    X = rng.normal(size=(5, 2))
    dn, theta = mlp.to_dense(ens, "tanh")
    J = dn.jacobian(theta, X)
    assert J.shape == (2, 5, 3, dn.n_params)
    ref = numdiff.jacobian_cs(lambda t: dn.forward(t, X), theta[1])
    np.testing.assert_allclose(J[1], ref, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("call, exc, word", [
    (lambda: DenseNet((3,)), ValueError, "widths"),
    (lambda: DenseNet((3, 0, 1)), ValueError, "widths"),
    (lambda: DenseNet((3, 2.5, 1)), TypeError, "widths"),
    (lambda: DenseNet((3, 4, 1), activation="gelu"), ValueError, "activation"),
    (lambda: DenseNet((3, 4, 4, 1), activation=("tanh",)), ValueError, "one per hidden layer"),
    (lambda: DenseNet((3, 4, 1), bias=(True,)), ValueError, "bias"),
    (lambda: DenseNet((3, 4, 1), bias="yes"), TypeError, "bias"),
    (lambda: DenseNet((3, 4, 1), weight_mult=-1.0), ValueError, "weight_mult"),
    (lambda: DenseNet((3, 4, 1)).init(rng=0), TypeError, "rng"),
    (lambda: DenseNet((3, 4, 1)).forward(np.zeros(5), np.zeros((2, 3))), ValueError, "theta"),
    (lambda: DenseNet((3, 4, 1)).forward(np.zeros(21), np.zeros((2, 2))), ValueError, "X"),
    (lambda: DenseNet((3, 4, 1)).forward(np.zeros(21), np.zeros(3)), ValueError, "X"),
    (lambda: DenseNet((3, 4, 1)).forward(np.full(21, np.nan), np.zeros((2, 3))), ValueError, "theta"),
    (lambda: DenseNet((3, 4, 1)).vjp(np.zeros(21), np.zeros((2, 3)), np.zeros((2, 2))), ValueError, "cotangent"),
    (lambda: DenseNet((3, 4, 1)).hvp(np.zeros(21), np.zeros((2, 3)), np.zeros(20), cotangent=np.zeros((2, 1))),
     ValueError, "v"),
    (lambda: DenseNet((3, 4, 1)).gnvp(np.zeros(21), np.zeros((2, 3)), np.zeros(21), np.zeros((2, 1, 2))),
     ValueError, "out_hess"),
    (lambda: DenseNet((3, 4, 1)).hessian(np.zeros((2, 21)), np.zeros((2, 3)), cotangent=np.zeros((2, 1))),
     ValueError, "single network"),
    (lambda: DenseNet((3, 4, 1)).block_slice(2), ValueError, "layer"),
    (lambda: DenseNet((3, 4, 1)).pack([(np.zeros((4, 3)), np.zeros(4))]), ValueError, "params"),
    (lambda: mlp.to_dense(mlp.init_mlp([2, 3, 1], 1, rng=np.random.default_rng(0)), "gelu"),
     ValueError, "activation"),
    (lambda: mlp.to_dense("net"), TypeError, "MLPEnsemble"),
])
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()

"""Tests of theorylab.curvature against independent references:

* the Gauss-Newton matrix against an explicit per-example sum and against the exact
  Hessian (complex step of the gradient) at an interpolating minimum;
* K-FAC is exact for a single linear layer (scalar output; vector output with a common
  output Hessian) -- then EK-FAC equals it and both damped IHVPs equal the exact
  damped GNH inverse (Cholesky);
* EK-FAC's eigenvalues are diag(Q^T G_l Q) computed from explicit per-example
  gradients, hence Frobenius-optimal in the Kronecker eigenbasis (<= K-FAC's error);
* the IHVPs equal dense solves with the dense K-FAC / EK-FAC matrices;
* full-batch LiSSA equals the truncated Neumann series in closed form; minibatch LiSSA
  converges to the exact solve;
* ranks and null spaces of matrices of known rank, ReLU rescaling symmetries;
* the interaction basis whitens, diagonalises and is invariant to a degenerate
  reparameterisation.
"""

from __future__ import annotations

import numpy as np
import pytest

from theorylab import curvature as cv
from theorylab import numdiff
from theorylab.nets.dense import DenseNet


def _mlp(seed=0, n=120, widths=(3, 7, 2), act="tanh"):
    rng = np.random.default_rng(seed)
    net = DenseNet(widths, activation=act)
    theta = net.init(rng=rng, bias_var=0.5)
    X = rng.normal(size=(n, widths[0]))
    return rng, net, theta, X


def test_gauss_newton_is_the_per_example_sum_and_the_hessian_at_interpolation():
    rng, net, theta, X = _mlp()
    J = net.jacobian(theta, X)
    H = rng.normal(size=(120, 2, 2))
    H = H @ H.transpose(0, 2, 1)
    ref = sum(J[i].T @ H[i] @ J[i] for i in range(120)) / 120
    np.testing.assert_allclose(cv.gauss_newton(J, H), ref, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(cv.gauss_newton(J[:, :1, :].reshape(120, -1)),
                               cv.gauss_newton(J[:, :1, :]), rtol=1e-15)
    # squared loss (1/2n) sum ||f - f*||^2 at f* = f(theta): the exact Hessian (complex step of
    # the gradient, no Gauss-Newton assumption) equals G
    Y = net.forward(theta, X)
    grad = lambda t: net.vjp(t, X, (net.forward(t, X) - Y) / 120)
    Hex = numdiff.jacobian_cs(grad, theta)
    np.testing.assert_allclose(Hex, cv.gauss_newton(J), rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("n_out, out_hess", [(1, None), (3, "common")])
def test_kfac_and_ekfac_exact_for_a_single_linear_layer(n_out, out_hess):
    rng = np.random.default_rng(1)
    net = DenseNet((4, n_out))
    theta = net.init(rng=rng)
    X = rng.normal(size=(60, 4)) + 0.5
    H = None
    if out_hess == "common":
        B = rng.normal(size=(n_out, n_out))
        H = B @ B.T + 0.1 * np.eye(n_out)
    st = net.layer_stats(theta, X)
    G = cv.gauss_newton(net.jacobian(theta, X), H)
    kf = cv.kfac_factors(st.inputs, st.out_grads, H)
    ek = cv.ekfac_factors(st.inputs, st.out_grads, H)
    tol = 1e-12 * np.linalg.norm(G)  # catalogue C1: ||G - approx||_F <= 1e-12 ||G||_F
    assert np.linalg.norm(G - cv.kfac_matrix(kf)) <= tol
    assert np.linalg.norm(G - cv.ekfac_matrix(ek)) <= tol
    V = rng.normal(size=(7, net.n_params))
    lam = 0.1 * np.trace(G) / G.shape[0]
    exact = cv.damped_solve(G, V, lam)
    np.testing.assert_allclose(cv.kfac_ihvp(kf, V, lam), exact, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(cv.ekfac_ihvp(ek, V, lam), exact, rtol=1e-10, atol=1e-12)


def test_ekfac_eigenvalues_are_the_diagonal_of_g_in_the_kronecker_basis():
    _rng, net, theta, X = _mlp(2, n=200, widths=(4, 9, 2))
    st = net.layer_stats(theta, X)
    J = net.jacobian(theta, X)
    G = cv.gauss_newton(J)
    kf = cv.kfac_factors(st.inputs, st.out_grads)
    ek = cv.ekfac_factors(st.inputs, st.out_grads)
    Gb = cv.block_diagonal(G, net.block_shapes)
    Kb = cv.block_diagonal(cv.kfac_matrix(kf), net.block_shapes)
    Eb = cv.block_diagonal(cv.ekfac_matrix(ek), net.block_shapes)
    for l, b in enumerate(ek):
        Q = np.kron(b.QS, b.QA)
        # independent: diag(Q^T G_l Q), with G_l from the explicit per-example gradients in J
        np.testing.assert_allclose(b.lam.ravel(), np.diag(Q.T @ Gb[l] @ Q), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(np.outer(b.lam_S, b.lam_A), np.linalg.eigvalsh(kf[l].S)[:, None]
                                   * np.linalg.eigvalsh(kf[l].A)[None, :], rtol=1e-10, atol=1e-14)
        assert np.linalg.norm(Gb[l] - Eb[l]) <= np.linalg.norm(Gb[l] - Kb[l]) + 1e-12
    # the hidden layer is not Kronecker: EK-FAC strictly better there
    assert np.linalg.norm(Gb[0] - Eb[0]) < 0.99 * np.linalg.norm(Gb[0] - Kb[0])


def test_ihvps_equal_dense_solves_of_their_matrices_and_batch_shapes():
    rng, net, theta, X = _mlp(3)
    st = net.layer_stats(theta, X)
    kf = cv.kfac_factors(st.inputs, st.out_grads)
    ek = cv.ekfac_factors(st.inputs, st.out_grads)
    V = rng.normal(size=(2, 3, net.n_params))
    lam = 0.03
    for f, mat, ih in ((kf, cv.kfac_matrix(kf), cv.kfac_ihvp), (ek, cv.ekfac_matrix(ek), cv.ekfac_ihvp)):
        ref = np.linalg.solve(mat + lam * np.eye(net.n_params), V.reshape(-1, net.n_params).T).T
        out = ih(f, V, lam)
        assert out.shape == V.shape
        np.testing.assert_allclose(out.reshape(-1, net.n_params), ref, rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(ih(f, V[0, 0], lam), ref[0], rtol=1e-9, atol=1e-11)


def test_kfac_with_per_example_output_hessian_matches_pseudo_gradient_definition():
    _rng, net, theta, X = _mlp(4, n=50, widths=(2, 5, 3))
    z = net.forward(theta, X)
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    H = np.einsum("no,op->nop", p, np.eye(3)) - p[:, :, None] * p[:, None, :]  # softmax CE
    st = net.layer_stats(theta, X)
    kf = cv.kfac_factors(st.inputs, st.out_grads, H)
    for l, b in enumerate(kf):
        # S = (1/n) sum_i G_i^T H_i G_i with G_i = d f / d z_l (o x n_out after transposing)
        g = st.out_grads[l]
        S = np.einsum("noi,nop,npj->ij", g, H, g) / 50
        np.testing.assert_allclose(b.S, S, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(b.A, st.inputs[l].T @ st.inputs[l] / 50, rtol=1e-12)
    # and EK-FAC's eigenvalues are the diagonal of the exact CE Gauss-Newton in its basis
    G = cv.gauss_newton(net.jacobian(theta, X), H)
    ek = cv.ekfac_factors(st.inputs, st.out_grads, H)
    for Gl, b in zip(cv.block_diagonal(G, net.block_shapes), ek):
        Q = np.kron(b.QS, b.QA)
        np.testing.assert_allclose(b.lam.ravel(), np.diag(Q.T @ Gl @ Q), rtol=1e-9, atol=1e-14)


def test_lissa_full_batch_is_the_neumann_series_and_minibatch_converges():
    rng, net, theta, X = _mlp(5, n=100, widths=(3, 6, 1))
    J = net.jacobian(theta, X)[:, 0, :]
    G = J.T @ J / 100
    lam = 0.1 * np.trace(G) / G.shape[0]
    s = 1.2 * np.linalg.eigvalsh(G).max() + lam
    v = rng.normal(size=(2, net.n_params))
    cvp = lambda idx, V: (V @ J[idx].T) @ J[idx] / len(idx)
    T = 50
    res = cv.lissa(cvp, v, n_samples=100, damping=lam, scale=s, n_iter=T, batch_size=100,
                   rng=rng, record=(10, T))
    # x_T / s = (1/s) sum_{j=0}^{T} (I - (G + lam)/s)^j v  (hand derivation of the recursion)
    M = np.eye(net.n_params) - (G + lam * np.eye(net.n_params)) / s
    ref = sum(np.linalg.matrix_power(M, j) for j in range(T + 1)) @ v.T / s
    np.testing.assert_allclose(res.x, ref.T, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.history[-1], res.x)
    assert res.record == (10, T) and res.n_example_hvps == T * 100 * 2
    # minibatch: converges to the exact damped solve (error contracts like (1 - lam/s)^T)
    res2 = cv.lissa(cvp, v, n_samples=100, damping=lam, scale=s, n_iter=4000, batch_size=20, rng=rng)
    exact = cv.damped_solve(G, v, lam)
    assert np.linalg.norm(res2.x - exact) <= 0.1 * np.linalg.norm(exact)


def test_null_space_and_rank_of_known_matrices():
    rng = np.random.default_rng(6)
    A = rng.normal(size=(30, 4)) @ rng.normal(size=(4, 9))  # rank 4
    ns = cv.null_space(A)
    assert (ns.rank, ns.dim) == (4, 5) and ns.gap > 1e6
    np.testing.assert_allclose(A @ ns.basis, 0, atol=1e-12 * np.abs(A).max())
    np.testing.assert_allclose(ns.basis.T @ ns.basis, np.eye(5), atol=1e-12)
    assert cv.hessian_rank(A.T @ A) == 4
    assert cv.null_space(np.zeros((3, 2))).rank == 0
    # per-example Jacobians (n, m, P) are stacked
    assert cv.null_space(A.reshape(10, 3, 9)).rank == 4


def test_relu_rescaling_gives_one_null_direction_per_hidden_unit():
    # generic two-layer ReLU net without output bias: G's null space is spanned by the h
    # rescalings (w_j, b_j) -> a (w_j, b_j), W2[:, j] -> W2[:, j] / a  (derivation in the
    # degeneracy notebook); check both the count and that the rescaling directions are in it
    rng = np.random.default_rng(7)
    net = DenseNet((4, 6, 5), activation="relu", bias=(True, False))
    theta = net.init(rng=rng, bias_var=0.09)
    X = rng.normal(size=(300, 4))
    ns = cv.null_space(net.jacobian(theta, X))
    assert ns.dim == 6
    (W1, b1), (W2, _) = net.unpack(theta)
    for j in range(6):
        d1 = np.zeros((6, 5))
        d1[j, :4], d1[j, 4] = W1[j], b1[j]
        d2 = np.zeros((5, 6))
        d2[:, j] = -W2[:, j]
        u = np.r_[d1.ravel(), d2.ravel()]
        np.testing.assert_allclose(ns.basis @ (ns.basis.T @ u), u, atol=1e-10)


def test_interaction_basis_whitens_diagonalises_and_is_invariant():
    rng = np.random.default_rng(8)
    net = DenseNet((3, 6, 5, 2), activation="tanh", bias=(True, True, False))
    theta = net.init(rng=rng, weight_var=2.0, bias_var=0.3)
    (W1, b1), (W2, b2), (W3, _) = net.unpack(theta)
    W1[5], b1[5] = W1[4], b1[4]  # a duplicated unit: the layer-2 inputs span 6 of 7 dims
    theta = net.pack([(W1, b1), (W2, b2), (W3, None)])
    X = rng.normal(size=(400, 3))
    st = net.layer_stats(theta, X)
    a = st.inputs[1]                           # (n, 7): [a_1, 1]
    jac = np.matmul(st.out_grads[1], net.unpack(theta)[1][0][None])  # d f / d a_1 (n, 2, 6)
    jac = np.concatenate([jac, np.zeros((400, 2, 1))], axis=-1)      # the constant has no derivative
    ib = cv.interaction_basis(a, jac)
    assert ib.gram_rank == 6
    ah = a @ ib.C
    np.testing.assert_allclose(ah.T @ ah / 400, np.eye(ib.dim), atol=1e-10)
    M = np.einsum("nmi,nmj->ij", jac, jac) / 400
    D = ib.P.T @ M @ ib.P
    np.testing.assert_allclose(D, np.diag(ib.lam), atol=1e-10 * ib.lam.max())
    # rows of J = W3 diag(tanh'(z2)) W2 lie in the 5-dim row space of W2: the basis has the
    # width of the next layer (5), not the Gram rank (6)
    assert ib.dim == 5
    # degenerate reparameterisation: W2 <- W2 + N with N a = 0 on the data (N along the null
    # direction of the Gram): outputs unchanged, basis activations unchanged
    null = np.zeros(6)
    null[4], null[5] = 1.0, -1.0
    N = rng.normal(size=(5, 1)) * null[None, :]
    theta2 = net.pack([(W1, b1), (W2 + N, b2), (W3, None)])
    np.testing.assert_allclose(net.forward(theta2, X), net.forward(theta, X), atol=1e-12)
    st2 = net.layer_stats(theta2, X)
    jac2 = np.concatenate([np.matmul(st2.out_grads[1], (W2 + N)[None]), np.zeros((400, 2, 1))], axis=-1)
    ib2 = cv.interaction_basis(st2.inputs[1], jac2)
    np.testing.assert_allclose(st2.inputs[1] @ ib2.C, ah, atol=1e-8)
    # whereas the plain eigenbasis of M (no restriction to the data subspace) changes
    M2 = np.einsum("nmi,nmj->ij", jac2, jac2) / 400
    assert np.linalg.norm(M2 - M) > 1e-3


def test_interaction_basis_does_not_depend_on_the_coordinates_of_the_layer():
    # a -> T a and J -> J T^{-1} for a random invertible T: the new activations are unchanged
    # (derivation: the whitened coordinates change by an orthogonal R, M-tilde by R . R^T)
    rng = np.random.default_rng(9)
    a = np.tanh(rng.normal(size=(300, 5)) @ rng.normal(size=(5, 5))) + 0.3
    jac = rng.normal(size=(300, 3, 5)) * (1 + a[:, None, :] ** 2)
    T = rng.normal(size=(5, 5)) + 3 * np.eye(5)
    ib = cv.interaction_basis(a, jac)
    ib2 = cv.interaction_basis(a @ T.T, jac @ np.linalg.inv(T))
    np.testing.assert_allclose((a @ T.T) @ ib2.C, a @ ib.C, atol=1e-9)
    np.testing.assert_allclose(ib2.lam, ib.lam, rtol=1e-9)
    assert np.all(np.mean((a @ ib.C) ** 3, axis=0) >= 0)


@pytest.mark.parametrize("call, exc, word", [
    (lambda: cv.gauss_newton(np.ones(3)), ValueError, "J"),
    (lambda: cv.gauss_newton(np.ones((4, 2, 3)), np.eye(3)), ValueError, "out_hess"),
    (lambda: cv.damped_solve(np.ones((2, 3)), np.ones(2), 0.1), ValueError, "square"),
    (lambda: cv.damped_solve(np.eye(2), np.ones(3), 0.1), ValueError, "v"),
    (lambda: cv.damped_solve(np.eye(2), np.ones(2), -1.0), ValueError, "damping"),
    (lambda: cv.kfac_factors([np.ones((3, 2))], [np.ones((4, 1, 2))]), ValueError, "examples"),
    (lambda: cv.kfac_factors(np.ones((3, 2)), [np.ones((3, 1, 2))]), TypeError, "lists"),
    (lambda: cv.kfac_factors([np.ones((3, 2))], [np.ones((3, 1, 2))], -np.eye(1)), ValueError, "semi-definite"),
    (lambda: cv.kfac_ihvp([], np.ones(2), 0.1), TypeError, "KFACBlock"),
    (lambda: cv.kfac_ihvp(cv.kfac_factors([np.ones((3, 2))], [np.ones((3, 1, 2))]), np.ones(3), 0.1),
     ValueError, "v"),
    (lambda: cv.ekfac_ihvp(cv.ekfac_factors([np.ones((3, 2))], [np.ones((3, 1, 2))]), np.ones(4), 0.0),
     ValueError, "damping"),
    (lambda: cv.lissa(lambda i, x: x, np.ones(2), n_samples=5, damping=0.1, scale=1.0, n_iter=3,
                      batch_size=6, rng=np.random.default_rng(0)), ValueError, "batch_size"),
    (lambda: cv.lissa(lambda i, x: x, np.ones(2), n_samples=5, damping=0.1, scale=1.0, n_iter=3,
                      batch_size=2, rng=0), TypeError, "rng"),
    (lambda: cv.lissa(lambda i, x: x, np.ones(2), n_samples=5, damping=0.1, scale=0.0, n_iter=3,
                      batch_size=2, rng=np.random.default_rng(0)), ValueError, "scale"),
    (lambda: cv.null_space(np.ones((2, 2)), rtol=0.0), ValueError, "rtol"),
    (lambda: cv.interaction_basis(np.ones((3, 2)), np.ones((3, 1, 3))), ValueError, "jac"),
    (lambda: cv.block_diagonal(np.eye(5), [(2, 2)]), ValueError, "square"),
])
def test_bad_input(call, exc, word):
    with pytest.raises(exc, match=word):
        call()

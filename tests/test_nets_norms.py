"""Tests of theorylab.nets.norms against independent references: explicit per-channel /
per-sample loops written from the paper's formulas (the catalogue's "straightforward
implementation"), numpy's unbiased variance for the running update, and fourth-order
central differences (theorylab.numdiff) for every hand-written backward pass."""

from __future__ import annotations

import numpy as np
import pytest

from theorylab import numdiff
from theorylab.nets import norms

SHAPE = (4, 6, 3, 3)


def _data(seed=0, shape=SHAPE):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.3, 1.2, size=shape)
    C = shape[1]
    return rng, x, rng.uniform(0.5, 1.5, C), rng.normal(size=C), rng.uniform(0.5, 2.0, C)


# ---------------------------------------------------------------- loop references
def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def _ref_bn(x, g, b, eps):
    y = np.empty_like(x)
    for c in range(x.shape[1]):
        xc = x[:, c]
        y[:, c] = g[c] * (xc - xc.mean()) / np.sqrt(xc.var() + eps) + b[c]
    return y


def _ref_gn(x, g, b, G, eps):
    y = np.empty_like(x)
    cg = x.shape[1] // G
    for n in range(x.shape[0]):
        for k in range(G):
            blk = x[n, k * cg:(k + 1) * cg]
            y[n, k * cg:(k + 1) * cg] = (blk - blk.mean()) / np.sqrt(blk.var() + eps)
    return y * g[None, :, None, None] + b[None, :, None, None]


def _ref_b0(x, v, g, b, eps):
    y = np.empty_like(x)
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            left = np.sqrt(x[:, c].var() + eps)
            right = v[c] * x[n, c] + np.sqrt(x[n, c].var() + eps)
            y[n, c] = x[n, c] / np.maximum(left, right) * g[c] + b[c]
    return y


def _ref_s0(x, v, g, b, G, eps):
    y = np.empty_like(x)
    cg = x.shape[1] // G
    for n in range(x.shape[0]):
        for k in range(G):
            sl = slice(k * cg, (k + 1) * cg)
            sd = np.sqrt(x[n, sl].var() + eps)
            for c in range(k * cg, (k + 1) * cg):
                y[n, c] = x[n, c] * _sig(v[c] * x[n, c]) / sd * g[c] + b[c]
    return y


def test_forward_matches_loop_references():
    _, x, g, b, v = _data()
    assert np.max(abs(norms.batch_norm(x, g, b, eps=1e-5) - _ref_bn(x, g, b, 1e-5))) < 1e-12
    assert np.max(abs(norms.group_norm(x, g, b, groups=3, eps=1e-5) - _ref_gn(x, g, b, 3, 1e-5))) < 1e-12
    assert np.max(abs(norms.evonorm_b0(x, v, g, b, eps=1e-3) - _ref_b0(x, v, g, b, 1e-3))) < 1e-12
    assert np.max(abs(norms.evonorm_s0(x, v, g, b, groups=2, eps=1e-5) - _ref_s0(x, v, g, b, 2, 1e-5))) < 1e-12


def test_b0_inference_uses_running_var_and_update_is_unbiased():
    _, x, g, b, v = _data(1)
    rv = np.linspace(0.5, 2.0, x.shape[1])
    y = norms.evonorm_b0(x, v, g, b, training=False, running_var=rv)
    sd_i = np.sqrt(x.var(axis=(2, 3), keepdims=True) + 1e-3)
    den = np.maximum(np.sqrt(rv + 1e-3)[None, :, None, None], v[None, :, None, None] * x + sd_i)
    assert np.allclose(y, x / den * g[None, :, None, None] + b[None, :, None, None], rtol=1e-14)
    new = norms.running_var_update(rv, x, momentum=0.1)
    unbiased = np.array([np.var(x[:, c], ddof=1) for c in range(x.shape[1])])
    assert np.allclose(new, 0.9 * rv + 0.1 * unbiased, rtol=1e-13)


def test_bn_inference_and_s0_silu_identity():
    _, x, g, b, v = _data(2)
    rm, rv = np.zeros(6), np.full(6, 4.0)
    y = norms.batch_norm(x, g, b, training=False, running_mean=rm, running_var=rv, eps=0.0)
    assert np.allclose(y, x / 2.0 * g[None, :, None, None] + b[None, :, None, None], rtol=1e-14)
    # x sigmoid(v x) = SiLU(v x) / v  (exact)
    y = norms.evonorm_s0(x, v, groups=3, eps=1e-5)
    sd = np.sqrt(x.reshape(4, 3, -1).var(axis=-1) + 1e-5).repeat(2, axis=1)[:, :, None, None]
    assert np.max(abs(y - norms.silu(v[None, :, None, None] * x) / (v[None, :, None, None] * sd))) < 1e-12


# ---------------------------------------------------------------- gradients
def _check(fwd, bwd, x, params, dy):
    """fwd(x, *params) -> y; bwd(x, dy, *params) -> (dx, *dparams)."""
    grads = bwd(x, dy, *params)
    f = lambda xx: float(np.sum(dy * fwd(xx, *params)))
    assert numdiff.check_gradient(f, grads[0], x, method="central4", rtol=1e-7, atol=1e-8)
    for i in range(len(params)):
        def fp(p, i=i):
            ps = list(params)
            ps[i] = p
            return float(np.sum(dy * fwd(x, *ps)))
        assert numdiff.check_gradient(fp, grads[1 + i], params[i], method="central4", rtol=1e-7, atol=1e-8)


def test_batch_and_group_norm_gradients():
    rng, x, g, b, v = _data(3, shape=(3, 4, 2, 3))
    dy = rng.normal(size=x.shape)
    _check(lambda xx, gg, bb: norms.batch_norm(xx, gg, bb),
           lambda xx, d, gg, bb: norms.batch_norm_backward(xx, d, gg), x, (g, b), dy)
    _check(lambda xx, gg, bb: norms.group_norm(xx, gg, bb, groups=2),
           lambda xx, d, gg, bb: norms.group_norm_backward(xx, d, gg, groups=2), x, (g, b), dy)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("v_scale", [0.3, 1.5])
def test_evonorm_b0_gradients_both_branches(training, v_scale):
    rng, x, g, b, _ = _data(4, shape=(3, 4, 2, 3))
    v = np.full(4, v_scale)
    rv = rng.uniform(0.5, 2.0, 4)
    dy = rng.normal(size=x.shape)
    # both branches of the max must occur, with no entry within 1e-4 of the kink
    bax = (0, 2, 3)
    left = np.sqrt((x.var(axis=bax, keepdims=True) if training else rv[None, :, None, None]) + 1e-3)
    right = v[None, :, None, None] * x + np.sqrt(x.var(axis=(2, 3), keepdims=True) + 1e-3)
    assert np.any(left > right) and np.any(left < right)
    assert np.min(abs(left - right)) > 1e-4
    kw = dict(training=training, running_var=rv)
    _check(lambda xx, vv, gg, bb: norms.evonorm_b0(xx, vv, gg, bb, **kw),
           lambda xx, d, vv, gg, bb: norms.evonorm_b0_backward(xx, d, vv, gg, **kw), x, (v, g, b), dy)


def test_evonorm_s0_gradients():
    rng, x, g, b, v = _data(5, shape=(3, 4, 2, 3))
    dy = rng.normal(size=x.shape)
    _check(lambda xx, vv, gg, bb: norms.evonorm_s0(xx, vv, gg, bb, groups=2),
           lambda xx, d, vv, gg, bb: norms.evonorm_s0_backward(xx, d, vv, gg, groups=2), x, (v, g, b), dy)


def test_gradients_on_1d_maps_and_plain_features():
    rng = np.random.default_rng(6)
    x = rng.normal(size=(5, 4, 7))
    dy = rng.normal(size=x.shape)
    g, b, v = rng.uniform(0.5, 1.5, 4), rng.normal(size=4), rng.uniform(0.5, 1.5, 4)
    _check(lambda xx, vv, gg, bb: norms.evonorm_s0(xx, vv, gg, bb, groups=4),
           lambda xx, d, vv, gg, bb: norms.evonorm_s0_backward(xx, d, vv, gg, groups=4), x, (v, g, b), dy)
    x2 = rng.normal(size=(6, 3))
    dy2 = rng.normal(size=x2.shape)
    g2, b2 = rng.uniform(0.5, 1.5, 3), rng.normal(size=3)
    _check(lambda xx, gg, bb: norms.batch_norm(xx, gg, bb),
           lambda xx, d, gg, bb: norms.batch_norm_backward(xx, d, gg), x2, (g2, b2), dy2)


# ---------------------------------------------------------------- validation
def test_bad_input_names_the_argument():
    x = np.zeros((2, 4, 3)) + np.arange(3)
    with pytest.raises(ValueError, match="groups"):
        norms.group_norm(x, groups=3)
    with pytest.raises(ValueError, match="gamma"):
        norms.batch_norm(x, gamma=np.ones(3))
    with pytest.raises(ValueError, match="running_var"):
        norms.evonorm_b0(x, training=False)
    with pytest.raises(ValueError, match="x"):
        norms.evonorm_s0(np.ones(4), groups=1)
    with pytest.raises(ValueError, match="dy"):
        norms.evonorm_s0_backward(x, np.ones((2, 4)), groups=2)
    with pytest.raises(TypeError, match="groups"):
        norms.evonorm_s0(x, groups=2.0)
    with pytest.raises(ValueError, match="eps"):
        norms.evonorm_b0(x, eps=-1.0)
    with pytest.raises(ValueError, match="momentum"):
        norms.running_var_update(np.ones(4), x, momentum=1.5)

import numpy as np
import pytest

from theorylab import regression as reg


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    F = rng.normal(size=(40, 8))
    y = F @ rng.normal(size=8) + 0.1 * rng.normal(size=40)
    return F, y


def test_ridge_matches_normal_equations(data):
    F, y = data
    n = F.shape[0]
    for lam in (1e-4, 0.1, 3.0):
        ref = np.linalg.solve(F.T @ F / n + lam * np.eye(F.shape[1]), F.T @ y / n)
        assert np.allclose(reg.ridge_fit(F, y, lam), ref, atol=1e-12)


def test_ridgeless_is_min_norm_lstsq():
    rng = np.random.default_rng(1)
    F = rng.normal(size=(10, 30))  # over-parameterised
    y = rng.normal(size=10)
    assert np.allclose(reg.ridge_fit(F, y, 0.0), np.linalg.pinv(F) @ y, atol=1e-10)
    K = F @ F.T
    a = reg.kernel_ridge_fit(K, y, 0.0)
    assert np.allclose(K @ a, y, atol=1e-8)  # interpolates


def test_kernel_and_primal_agree(data):
    F, y = data
    K = F @ F.T
    for lam in (1e-3, 1.0):
        a = reg.kernel_ridge_fit(K, y, lam)
        assert np.allclose(F.T @ a, reg.ridge_fit(F, y, lam), atol=1e-10)


def test_path_shapes_multioutput(data):
    F, y = data
    Y = np.stack([y, 2 * y], axis=1)
    W = reg.ridge_path(F, Y, [0.1, 1.0])
    assert W.shape == (2, 8, 2)
    assert np.allclose(W[..., 1], 2 * W[..., 0])


def test_select_ridge_uses_validation(data):
    F, y = data
    sel = reg.select_ridge(F[:30], y[:30], F[30:], y[30:], [1e-6, 1e-2, 1e3])
    assert sel.ridge in (1e-6, 1e-2)  # a huge ridge cannot win on a well-specified problem
    assert sel.val_errors.shape == (3,)
    K = F[:30] @ F[:30].T
    selk = reg.select_ridge(K, y[:30], F[30:] @ F[:30].T, y[30:], [1e-6, 1e-2, 1e3], kernel=True)
    assert selk.index == sel.index


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda F, y: reg.ridge_fit(F[:, 0], y, 0.1), "2-D"),
        (lambda F, y: reg.ridge_fit(F, y[:-1], 0.1), "y must have shape"),
        (lambda F, y: reg.ridge_fit(F, y, -1.0), "ridge must be >= 0"),
        (lambda F, y: reg.ridge_fit(np.where(F > 2, np.nan, F), y, 0.1), "F contains nan"),
        (lambda F, y: reg.kernel_ridge_fit(-(F @ F.T), y, 0.1), "positive semi-definite"),
        (lambda F, y: reg.kernel_ridge_fit(F @ F.T + np.triu(np.ones((40, 40)), 1), y, 0.1), "symmetric"),
    ],
)
def test_bad_input(data, call, match):
    F, y = data
    with pytest.raises(ValueError, match=match):
        call(F, y)

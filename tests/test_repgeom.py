"""theorylab.repgeom against independent references: the HSIC form of CKA, brute-force pair
loops with scipy.spatial.distance, closed forms for orthonormal and aligned inputs, and
scikit-learn's logistic decoder for CCGP."""

import itertools

import numpy as np
import pytest
from scipy.spatial.distance import pdist

from theorylab import repgeom as rg

F4 = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)


def _hsic(K, L):
    n = K.shape[0]
    H = np.eye(n) - np.ones((n, n)) / n
    return np.trace(K @ H @ L @ H)


def test_cka_equals_hsic_formula_and_kernel_alignment():
    rng = np.random.default_rng(0)
    A, B = rng.normal(size=(12, 5)), rng.normal(size=(12, 3))
    K, L = A @ A.T, B @ B.T
    ref = _hsic(K, L) / np.sqrt(_hsic(K, K) * _hsic(L, L))
    np.testing.assert_allclose(rg.cka(A, B), ref, rtol=1e-12)
    np.testing.assert_allclose(rg.kernel_alignment(K, L), ref, rtol=1e-12)
    # uncentred alignment: plain Frobenius cosine
    np.testing.assert_allclose(rg.kernel_alignment(K, L, centred=False),
                               np.sum(K * L) / np.linalg.norm(K) / np.linalg.norm(L), rtol=1e-12)
    # batched
    np.testing.assert_allclose(rg.cka(np.stack([A, 2 * A]), B), [ref, ref], rtol=1e-12)


def test_cka_invariances_and_label_alignment_form():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(10, 4))
    Q = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    B = rng.normal(size=(10, 6))
    np.testing.assert_allclose(rg.cka(A @ Q * 5.0 + 3.0, B), rg.cka(A, B), rtol=1e-12)
    # task alignment y^T K~ y / (||K~|| |y~|^2) (Kumar et al. 2024, code version)
    y = rng.normal(size=10)
    K = A @ A.T
    Kc = rg.centre_gram(K)
    yc = y - y.mean()
    np.testing.assert_allclose(rg.kernel_alignment(K, np.outer(y, y)), yc @ Kc @ yc / np.linalg.norm(Kc) / (yc @ yc),
                               rtol=1e-12)


def test_distance_ratio_brute_force_and_closed_forms():
    rng = np.random.default_rng(2)
    R = rng.normal(size=(7, 3))
    lab = np.array([0, 0, 1, 1, 1, 2, 2])
    d = pdist(R)
    pairs = list(itertools.combinations(range(7), 2))
    same = np.array([lab[i] == lab[j] for i, j in pairs])
    np.testing.assert_allclose(rg.distance_ratio(R, lab), d[same].mean() / d[~same].mean(), rtol=1e-12)
    # orthonormal inputs -> 1; inputs aligned with the labels by s -> sqrt(1-s)/sqrt(1+s) (catalogue)
    E = np.linalg.qr(rng.normal(size=(20, 5)))[0]
    e, u = E[:, :4].T, E[:, 4]
    y = np.array([1.0, 1, -1, -1])
    for s in (0.0, 0.5, 0.9):
        X = np.sqrt(1 - s) * e + np.sqrt(s) * y[:, None] * u
        np.testing.assert_allclose(rg.distance_ratio(X, y), np.sqrt(1 - s) / np.sqrt(1 + s), rtol=1e-12)
    # class collapsed to points -> 0
    np.testing.assert_allclose(rg.distance_ratio(np.outer(y, [1.0, 2.0]), y), 0.0, atol=1e-8)


def test_parallelism_score():
    rng = np.random.default_rng(3)
    # factorised code plus a condition-independent offset: PS = 1; orthonormal conditions: PS = 0
    R = F4 @ rng.normal(size=(2, 6)) + rng.normal(size=6)
    np.testing.assert_allclose(rg.parallelism_score(R, F4), [1.0, 1.0], rtol=1e-12)
    Q = np.linalg.qr(rng.normal(size=(8, 4)))[0].T
    np.testing.assert_allclose(rg.parallelism_score(Q, F4), [0.0, 0.0], atol=1e-12)
    # brute force on random codes: cosine of (r(+,b) - r(-,b)) for b = +-1
    R = rng.normal(size=(4, 5))
    c = lambda a, b: a @ b / np.linalg.norm(a) / np.linalg.norm(b)
    ps_a = c(R[0] - R[2], R[1] - R[3])
    ps_b = c(R[0] - R[1], R[2] - R[3])
    np.testing.assert_allclose(rg.parallelism_score(R, F4), [ps_a, ps_b], rtol=1e-12)
    # rows in another order
    perm = np.array([2, 0, 3, 1])
    np.testing.assert_allclose(rg.parallelism_score(R[perm], F4[perm]), [ps_a, ps_b], rtol=1e-12)


def test_ccgp_known_cases_and_against_sklearn():
    rng = np.random.default_rng(4)
    F = np.repeat(F4, 10, axis=0)
    # factorised code (orthogonal coding directions) with noise: the decoder of A trained at B=+1
    # transfers to B=-1
    R = F @ np.linalg.qr(rng.normal(size=(8, 2)))[0].T + 0.1 * rng.normal(size=(40, 8))
    np.testing.assert_allclose(rg.ccgp(R, F), [1.0, 1.0])
    # an XOR-like code (A sign flips with B) does not transfer: accuracy 0
    R2 = (F[:, :1] * F[:, 1:]) * np.ones((1, 3)) + np.outer(F[:, 1], [0, 1.0, 0]) + 0.01 * rng.normal(size=(40, 3))
    acc = rg.ccgp(R2, F)
    assert acc[0] == 0.0
    # against scikit-learn's ridge regression (same estimator, independent implementation)
    from sklearn.linear_model import Ridge
    R3 = F @ rng.normal(size=(2, 4)) + 0.8 * rng.normal(size=(40, 4))
    accs = []
    for s in (1.0, -1.0):
        tr, te = F[:, 1] == s, F[:, 1] == -s
        Zt = R3[tr] - R3[tr].mean(0)
        lam = 0.3 * np.mean(np.sum(Zt * Zt, axis=1))
        clf = Ridge(alpha=lam, fit_intercept=True).fit(R3[tr], F[tr, 0])
        accs.append(np.mean(np.sign(clf.predict(R3[te])) == F[te, 0]))
    np.testing.assert_allclose(rg.ccgp(R3, F, ridge=0.3)[0], np.mean(accs))


def test_validation():
    with pytest.raises(ValueError, match="square"):
        rg.centre_gram(np.ones((2, 3)))
    with pytest.raises(ValueError, match="same n"):
        rg.kernel_alignment(np.eye(2), np.eye(3))
    with pytest.raises(ValueError, match="rows"):
        rg.cka(np.ones((3, 2)), np.ones((4, 2)))
    with pytest.raises(ValueError, match="labels"):
        rg.distance_ratio(np.eye(3), [1, 1])
    with pytest.raises(ValueError, match="classes"):
        rg.distance_ratio(np.eye(3), [0, 1, 2])
    with pytest.raises(ValueError, match=r"\+1/-1"):
        rg.parallelism_score(np.eye(4), F4 * 2)
    with pytest.raises(ValueError, match="crossed"):
        rg.parallelism_score(np.eye(3), F4[:3])
    with pytest.raises(ValueError, match="zero"):
        rg.cka(np.ones((3, 2)), np.eye(3)[:, :2])

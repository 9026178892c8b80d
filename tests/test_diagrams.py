"""Tests of theorylab.diagrams against independent references: numpy.einsum contractions
for the DisCoCat semantics and the spiders; the complex step and central differences
(theorylab.numdiff) for dual-number, formal-sum and bubble derivatives and for the
parameter-shift rule; scipy.linalg.expm-built full unitaries for the statevector simulator."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from theorylab import diagrams as dg
from theorylab import numdiff


def test_sentence_meaning_is_the_einsum_contraction():
    rng = np.random.default_rng(0)
    for n, s in [(2, 2), (3, 2), (4, 1)]:
        A, B, L = rng.normal(size=n), rng.normal(size=n), rng.normal(size=(n, s, n))
        d = dg.sentence_diagram(dg.state("A", A), dg.state("L", L), dg.state("B", B))
        assert d.dom == () and d.cod == (s,)
        assert np.allclose(dg.evaluate(d).ravel(), np.einsum("i,isj,j->s", A, L, B), rtol=1e-13, atol=1e-14)


def test_snake_equations_interchange_and_functoriality():
    rng = np.random.default_rng(1)
    for n in (2, 3):
        I = dg.identity((n,))
        s1 = I.tensor(dg.cap(n)).then(dg.cup(n).tensor(I))
        s2 = dg.cap(n).tensor(I).then(I.tensor(dg.cup(n)))
        assert np.array_equal(dg.evaluate(s1), np.eye(n)) and np.array_equal(dg.evaluate(s2), np.eye(n))
    f = dg.Box("f", (2,), (3,), lambda t, M=rng.normal(size=(3, 2)): M).diagram()
    g = dg.Box("g", (2,), (2,), lambda t, M=rng.normal(size=(2, 2)): M).diagram()
    lhs = f.tensor(dg.identity((2,))).then(dg.identity((3,)).tensor(g))
    rhs = dg.identity((2,)).tensor(g).then(f.tensor(dg.identity((2,))))
    assert np.allclose(dg.evaluate(lhs), dg.evaluate(rhs), atol=1e-14)
    assert np.allclose(dg.evaluate(f.tensor(g)), np.kron(dg.evaluate(f), dg.evaluate(g)), atol=1e-14)
    h = dg.Box("h", (3,), (2,), lambda t, M=rng.normal(size=(2, 3)): M).diagram()
    assert np.allclose(dg.evaluate(f.then(h)), dg.evaluate(h) @ dg.evaluate(f), atol=1e-14)
    with pytest.raises(ValueError, match="compose"):
        f.then(f)


def _param_diagram(rng):
    M1, M2 = rng.normal(size=(2, 2)), rng.normal(size=(4, 2))
    rot = dg.Box("R", (2,), (2,), lambda t: np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]),
                 lambda t: np.array([[-np.sin(t), -np.cos(t)], [np.cos(t), -np.sin(t)]])).diagram()
    sq = dg.Box("Q", (2,), (2,), lambda t: M1 * (t ** 2 + 1), lambda t: M1 * 2 * t).diagram()
    ex = dg.Box("E", (2,), (2, 2), lambda t: np.exp(0.7 * t) * M2, lambda t: 0.7 * np.exp(0.7 * t) * M2).diagram()
    const = dg.Box("C", (2,), (2,), lambda t, M=rng.normal(size=(2, 2)): M).diagram()
    return rot.then(sq).tensor(rot.then(const)).then(ex.tensor(dg.identity((2,))))


def test_dual_numbers_and_formal_sum_match_the_complex_step():
    rng = np.random.default_rng(2)
    D = _param_diagram(rng)
    for t in (-0.8, 0.37, 1.9):
        cs = numdiff.jacobian_cs(lambda x: dg.evaluate(D, x[0]), np.array([t]))[..., 0]
        assert np.allclose(dg.evaluate_dual(D, t).eps, cs, rtol=1e-13, atol=1e-13)
        assert np.allclose(dg.evaluate_terms(dg.gradient_terms(D), t), cs, rtol=1e-13, atol=1e-13)
        assert np.allclose(dg.evaluate_dual(D, t).re, dg.evaluate(D, t), atol=1e-14)
    assert len(dg.gradient_terms(D)) == 4           # R twice, Q, E; C is constant


@pytest.mark.parametrize("f,df", [(np.tanh, lambda x: 1 - np.tanh(x) ** 2), (np.exp, np.exp),
                                  (lambda x: x * x, lambda x: 2 * x)])
def test_bubbles_follow_the_chain_rule(f, df):
    rng = np.random.default_rng(3)
    D = _param_diagram(rng)
    bub = dg.Bubble(D, f, df).diagram().then(dg.Box("K", (2, 2, 2), (1,), lambda t, v=rng.normal(size=(1, 8)): v
                                                    ).diagram())
    t = 0.61
    cs = numdiff.jacobian_cs(lambda x: dg.evaluate(bub, x[0]), np.array([t]))[..., 0]
    assert np.allclose(dg.evaluate_dual(bub, t).eps, cs, rtol=1e-12, atol=1e-13)
    assert np.allclose(dg.evaluate_terms(dg.gradient_terms(bub), t), cs, rtol=1e-12, atol=1e-13)


def test_spiders_realise_the_hadamard_product():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=3), rng.normal(size=3)
    d = dg.hadamard_via_spiders(dg.state("a", a), dg.state("b", b))
    assert np.allclose(dg.evaluate(d).ravel(), a * b, atol=1e-15)
    T = dg.evaluate(dg.spider(3, 1, 2)).reshape(3, 3, 3)
    assert np.array_equal(T, np.einsum("ij,jk->ijk", np.eye(3), np.eye(3)))


def _full_unitary(circ, theta):
    n = circ.n_qubits
    P = {"rx": np.array([[0, 1], [1, 0]]), "ry": np.array([[0, -1j], [1j, 0]]), "rz": np.diag([1, -1])}
    fixed = {"h": np.array([[1, 1], [1, -1]]) / np.sqrt(2), "x": np.array([[0, 1], [1, 0]])}
    U = np.eye(2 ** n, dtype=complex)
    for name, qs, p in circ.gates:
        if name in ("cnot", "cz"):
            c, t = qs
            G = np.zeros((2 ** n, 2 ** n), dtype=complex)
            for k in range(2 ** n):
                bits = [(k >> (n - 1 - q)) & 1 for q in range(n)]
                if name == "cnot":
                    if bits[c]:
                        bits[t] ^= 1
                    G[sum(b << (n - 1 - q) for q, b in enumerate(bits)), k] = 1
                else:
                    G[k, k] = -1 if bits[c] and bits[t] else 1
        else:
            g = linalg.expm(-0.5j * theta[p] * P[name]) if name in P else fixed[name]
            mats = [np.eye(2)] * n
            mats[qs[0]] = g
            G = mats[0]
            for m in mats[1:]:
                G = np.kron(G, m)
        U = G @ U
    return U


def _circuit():
    return dg.Circuit(3, [("ry", (0,), 0), ("rx", (1,), 1), ("cnot", (0, 1), None), ("rz", (2,), 0),
                          ("h", (2,), None), ("cz", (1, 2), None), ("ry", (1,), 2), ("rx", (0,), 1),
                          ("ry", (2,), 2), ("cnot", (2, 0), None), ("x", (1,), None)])


def test_statevector_matches_full_unitaries():
    rng = np.random.default_rng(5)
    c = _circuit()
    th = rng.normal(size=3)
    U = _full_unitary(c, th)
    assert np.allclose(dg.statevector(c, th), U[:, 0], atol=1e-14)
    psi0 = rng.normal(size=8) + 1j * rng.normal(size=8)
    psi0 /= np.linalg.norm(psi0)
    assert np.allclose(dg.statevector(c, th, init_state=psi0), U @ psi0, atol=1e-14)
    G = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    O = G + G.conj().T
    assert np.isclose(dg.expectation(c, th, O, init_state=psi0), np.vdot(U @ psi0, O @ U @ psi0).real, atol=1e-13)
    # batched angles
    TH = rng.normal(size=(4, 3))
    assert np.allclose(dg.expectation(c, TH, O), [dg.expectation(c, t, O) for t in TH], atol=1e-14)


def test_parameter_shift_is_exact_including_shared_parameters():
    rng = np.random.default_rng(6)
    c = _circuit()
    G = rng.normal(size=(8, 8)) + 1j * rng.normal(size=(8, 8))
    O = G + G.conj().T
    for _ in range(3):
        th = rng.uniform(-np.pi, np.pi, 3)
        ps = dg.parameter_shift(c, th, O)
        cs = numdiff.grad_cs(lambda x: dg.expectation(c, x, O), th)
        assert np.max(abs(ps - cs)) < 1e-12 * max(1, abs(cs).max())
        assert numdiff.check_gradient(lambda x: dg.expectation(c, x, O), ps, th, method="central4",
                                      rtol=1e-8, atol=1e-9)
        assert np.allclose(dg.parameter_shift(c, th, O, shift=0.7), ps, atol=1e-12)
    # a single shift per parameter (ignoring the product rule over occurrences) is wrong
    occ = c.occurrences
    first = np.array([list(occ).index(p) for p in range(3)])
    a = th[occ]
    wrong = np.array([(dg.expectation(c, None, O, occ_angles=a + np.pi / 2 * np.eye(occ.size)[j])
                       - dg.expectation(c, None, O, occ_angles=a - np.pi / 2 * np.eye(occ.size)[j])) / 2
                      for j in first])
    assert np.max(abs(wrong - ps)) > 1e-3


def test_bad_input_names_the_argument():
    with pytest.raises(ValueError, match="gate name"):
        dg.Circuit(1, [("u3", (0,), 0)])
    with pytest.raises(ValueError, match="qubits"):
        dg.Circuit(1, [("cnot", (0, 1), None)])
    c = dg.Circuit(1, [("ry", (0,), 0)])
    with pytest.raises(ValueError, match="Hermitian"):
        dg.expectation(c, np.zeros(1), np.array([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="shift"):
        dg.parameter_shift(c, np.zeros(1), np.eye(2), shift=np.pi)
    with pytest.raises(TypeError, match="dims"):
        dg.identity(2)
    with pytest.raises(ValueError, match="wires"):
        dg.Diagram((2,), (2,), (((), dg.Box("f", (3,), (2,), lambda t: np.zeros((2, 3))), ()),))

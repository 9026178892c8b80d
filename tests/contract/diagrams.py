"""Contract cases of theorylab.diagrams."""

import numpy as np

from theorylab import diagrams as dg
from tests.contract import ok


def _rot(t):
    return np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])


def _drot(t):
    return np.array([[-np.sin(t), -np.cos(t)], [np.cos(t), -np.sin(t)]])


_BOX = dg.Box("R", (2,), (2,), _rot, _drot)
_D = _BOX.diagram().then(dg.identity((2,)))
_ALICE = dg.state("alice", np.array([1.0, 0.5]))
_BOB = dg.state("bob", np.array([0.2, 1.0]))
_LOVES = dg.state("loves", np.arange(12.0).reshape(2, 3, 2) / 10.0)
_CIRC = dg.Circuit(2, [("ry", (0,), 0), ("cnot", (0, 1), None), ("rx", (1,), 1), ("ry", (1,), 0)])
_Z0 = np.kron(np.diag([1.0, -1.0]), np.eye(2))
_TH = np.array([0.3, -0.7])
_OCC = np.array([[0.3, -0.7, 0.3], [1.0, 0.2, -0.4]])

CASES = {
    "Box": ok("R", (2,), (2,), _rot, _drot).invalid(dom=[(0,)], name=[3]).legal(name=["unknown choice"]),
    "Box.matrix": ok(0.4).on(_BOX),
    "Box.d_matrix": ok(0.4).on(_BOX),
    "Box.diagram": ok().on(_BOX),
    "Box.derivative_box": ok().on(_BOX),
    "Diagram": ok((2,), (2,), (((), _BOX, ()),)).invalid(cod=[(3,)]),
    "Diagram.then": ok(dg.identity((2,))).on(_D).invalid(other=[dg.identity((3,))]),
    "Diagram.tensor": ok(dg.identity((3,))).on(_D),
    "Diagram.replace": ok(0, dg.Box("S", (2,), (2,), _rot, None)).on(_D).invalid(
        i=[5], box=[dg.Box("T", (3,), (3,), lambda t: np.eye(3))]),
    "Bubble": ok(_D, np.sin, np.cos, "bubble").legal(name=["unknown choice"]),
    "Dual": ok(np.array([[2.0]]), np.array([[1.0]])).invalid(eps=[np.ones((2, 2))]),
    "Dual.kron": ok(dg.Dual(np.eye(2), np.ones((2, 2)))).on(dg.Dual(np.array([[2.0]]), np.array([[1.0]]))),
    "Dual.apply": ok(np.sin, np.cos).on(dg.Dual(np.eye(2), np.ones((2, 2)))),
    "Dual.constant": ok(np.eye(2)).on(dg.Dual(np.eye(2), np.ones((2, 2)))),
    "state": ok("w", np.array([1.0, 0.5, 0.2, 0.1]), dims=(2, 2)).invalid(dims=[(3,)], name=[3]).legal(
        name=["unknown choice"]),
    "cup": ok(2).invalid(n=[0]),
    "cap": ok(2).invalid(n=[0]),
    "identity": ok((2, 3)).invalid(dims=[(0,)]),
    "spider": ok(2, 2, 1).invalid(n=[0], n_in=[-1]),
    "evaluate": ok(_D, 0.4),
    "gradient_terms": ok(_D),
    "evaluate_terms": ok([_D, _D], 0.4, shape=(2, 2)).invalid(shape=[(3, 3)]),
    "evaluate_dual": ok(_D, 0.4),
    "sentence_diagram": ok(_ALICE, _LOVES, _BOB).invalid(obj=[dg.state("x", np.ones(3))]),
    "hadamard_via_spiders": ok(_ALICE, _BOB).invalid(b=[dg.state("x", np.ones(3))]),
    "statevector": ok(_CIRC, _TH, init_state=np.array([1.0, 0.0, 0.0, 0.0])).invalid(
        theta=[np.ones(1)], init_state=[np.ones(3)]),
    "expectation": ok(_CIRC, _TH, _Z0).invalid(observable=[np.ones((4, 4)) + np.triu(np.ones((4, 4)))]),
    "parameter_shift": ok(_CIRC, _TH, _Z0, shift=np.pi / 2).invalid(shift=[np.pi], theta=[np.ones(1)]),
    "shift_gradients": ok(_CIRC, _OCC, _Z0).invalid(occ_angles=[np.ones((2, 2))]),
    "Circuit": ok(2, ((("ry", (0,), 0), ("cnot", (0, 1), None)))).invalid(n_qubits=[0]),
}

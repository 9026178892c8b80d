"""Contract cases of theorylab.equivariant."""

import numpy as np

from theorylab import equivariant as eq
from tests.contract import RNG, ok, skip

_R = np.random.default_rng(0)
_F = np.eye(3) + 0.2 * _R.standard_normal((4, 3, 3))
_Q = eq.random_rotations(2, rng=np.random.default_rng(1))
_LAW = eq.ConstitutiveMLP(hidden=(4,))
_TH = _LAW.init(rng=np.random.default_rng(2))
_X0 = np.linspace(0.0, 1.0, 6) + 0.01 * np.sin(np.linspace(0.0, np.pi, 6))
_V0 = np.zeros(6)
_TRAJ = eq.simulate_chain(_X0, _V0, eq.neo_hookean_1d, h0=0.2, mass=0.1, dt=0.01, n_steps=6)

CASES = {
    "gelu": ok(np.array([-1.0, 0.0, 2.0])),
    "polar": ok(_F).invalid(F=[np.ones((2, 3)), -np.eye(3)]),
    "random_rotations": ok(3, rng=RNG, dim=3).invalid(n=[0], dim=[1]),
    "rotation_angle": ok(_Q).invalid(R=[np.eye(2)]),
    "invariants": ok(_F).invalid(F=[np.ones((2, 3))]),
    "ConstitutiveMLP": ok(kind="invariant", hidden=(4,), bias=False, dim=3).invalid(dim=[1], hidden=[()]),
    "ConstitutiveMLP.init": ok(rng=RNG, weight_var=1.0, bias_var=0.0).on(_LAW),
    "ConstitutiveMLP.stress": ok(_TH, _F).on(_LAW).invalid(theta=[_TH[:-1]], F=[np.eye(2)]),
    "ConstitutiveMLP.kirchhoff": ok(_TH, _F).on(_LAW).invalid(theta=[_TH[:-1]], F=[np.eye(2)]),
    "ConstitutiveMLP.plastic_update": ok(_TH, _F, alpha=1e-3).on(_LAW).invalid(alpha=[-1.0]),
    "neo_hookean_1d": ok(np.array([0.8, 1.0, 1.3]), mu=1.0).invalid(lam=[np.array([0.0, 1.0])], mu=[0.0]),
    "polynomial_law": ok(np.array([1.0, 0.5])).invalid(coef=[np.ones((2, 2))]),
    "chain_forces": ok(_X0, eq.neo_hookean_1d, h0=0.2).invalid(x=[np.ones(1)], h0=[0.0]),
    "ChainTrajectory": skip("result container of simulate_chain (a frozen dataclass of arrays)"),
    "simulate_chain": ok(_X0, _V0, eq.neo_hookean_1d, h0=0.2, mass=0.1, dt=0.01, n_steps=4,
                         bc="fixed-free").invalid(v0=[np.zeros(5)], mass=[0.0], dt=[0.0]),
    "chain_accelerations": ok(_TRAJ),
    "fit_chain_law": ok(_TRAJ, mass=0.1, degree=2).invalid(degree=[0], mass=[0.0]),
}

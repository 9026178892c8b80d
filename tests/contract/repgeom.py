"""Contract cases of theorylab.repgeom."""

import numpy as np

from theorylab import repgeom as rg
from tests.contract import ok

_r = np.random.default_rng(0)
_A = _r.standard_normal((6, 3))
_B = _r.standard_normal((6, 2))
_F = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=float)
_R4 = _r.standard_normal((4, 5))
_F8 = np.repeat(_F, 2, axis=0)
_R8 = _F8 @ _r.standard_normal((2, 5)) + 0.1 * _r.standard_normal((8, 5))

CASES = {
    "centre_gram": ok(_A @ _A.T),
    "kernel_alignment": ok(_A @ _A.T, _B @ _B.T, centred=True).invalid(K2=[np.eye(5)]),
    "cka": ok(_A, _B).invalid(R2=[_B[:5]]),
    # labels are categories compared for equality (any finite numbers; the notebooks use +-1.0)
    "distance_ratio": ok(_R4, np.array([1.0, 1.0, -1.0, -1.0])).invalid(labels=[np.array([0.0, 1.0, 2.0, 3.0])]),
    "parallelism_score": ok(_R4, _F).invalid(factors=[2 * _F]),
    "ccgp": ok(_R8, _F8, ridge=1e-6).invalid(ridge=[-1.0]),
}

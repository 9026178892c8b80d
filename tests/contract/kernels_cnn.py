"""Contract cases of theorylab.kernels.cnn."""

import numpy as np

from theorylab.kernels import cnn
from tests.contract import RNG, ok

_r = np.random.default_rng(0)
_X = _r.standard_normal((3, 8))
_P = cnn.tree_cnn_init((2, 2), 4, n_top=2, n_nets=2, rng=np.random.default_rng(1))

CASES = {
    "k0": ok(np.array([-1.0, 0.0, 0.5, 1.0])),
    "k1": ok(np.array([-1.0, 0.0, 0.5, 1.0])),
    "check_filter_sizes": ok((2, 2), 8).invalid(filter_sizes=[(2, 0), (2.5, 2), ()], dim=[7]),
    "patch_cosines": ok(_X, _X[:2], patch_size=2).invalid(patch_size=[3, 0]),
    "tree_kernels_from_cosines": ok(cnn.patch_cosines(_X, patch_size=2), (2, 2)),
    "tree_kernels": ok(_X, _X[:2], filter_sizes=(2, 2)).invalid(filter_sizes=[(3, 3)]),
    "torus_cosines": ok(2, 4).invalid(n_patches=[0], grid=[1]),
    "torus_spectrum": ok((2, 2), 2, 4, kind="nngp").invalid(filter_sizes=[(3, 2)]),
    "tree_cnn_init": ok((2, 2), 4, n_top=2, n_nets=2, rng=RNG).invalid(width=[0]),
    "tree_cnn_forward": ok(_P, _X, filter_sizes=(2, 2)),
    "tree_cnn_empirical_ntk": ok(_P, _X, filter_sizes=(2, 2)),
}

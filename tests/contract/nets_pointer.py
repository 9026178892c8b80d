"""Contract cases of theorylab.nets.pointer."""

import numpy as np

from theorylab.nets import pointer as pt
from tests.contract import RNG, ok

_NET = pt.PointerNet(pt.HULL_FEATURES, pt.HULL_QUERY, 4)
_TH = _NET.init(rng=np.random.default_rng(0))
_P = np.random.default_rng(1).random((3, 6, 2))
_H, _M = pt.convex_hull_ccw(_P)
_TF = pt.hull_teacher_forcing(_P, _H, _M)
_SEQ, _LEN, _CL = pt.hull_decode(_NET, _TH, _P)

CASES = {
    "PointerNet": ok(5, 3, 4).invalid(hidden=[0]),
    "PointerNet.probs": ok(_TH, _TF["keys"], _TF["query"], _TF["mask"]).on(_NET),
    "PointerNet.loss_and_grad": ok(_TH, _TF["keys"], _TF["query"], _TF["mask"], _TF["target"],
                                   _TF["weight"]).on(_NET),
    "convex_hull_ccw": ok(_P).invalid(points=[_P[:, :2]]),
    "hull_features": ok(_P, _P.mean(axis=1), np.zeros((3, 2)), np.ones(3, bool)),
    "hull_teacher_forcing": ok(_P, _H, _M),
    "hull_decode": ok(_NET, _TH, _P),
    "polygon_area": ok(_P, _H, _M),
    "polygon_valid": ok(_P, _H, _M, np.ones(3, bool), atol=1e-9),
    "hull_metrics": ok(_P, _SEQ, _LEN, _CL, _H, _M).nonfinite("coverage is NaN on invalid outputs, as documented"),
    "train_hull": ok(_NET, _TH, n_steps=2, batch=3, n_min=4, n_max=6, lr=0.01, rng=RNG).invalid(lr=[0.0]),
}

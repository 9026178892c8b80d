"""Contract cases of theorylab.continual."""

import numpy as np

from theorylab import continual as cl
from tests.contract import RNG, ok, skip

_ST = cl.class_incremental_blobs(n_runs=2, n_classes=4, n_tasks=2, dim=3, n_per_class=5, n_test_per_class=3,
                                 rng=np.random.default_rng(0))
_NET = cl.ContinualMLP(3, 4, 4)
_TH = _NET.init(n_runs=2, rng=np.random.default_rng(1))
_SEEN = np.array([True, True, False, False])

CASES = {
    "Stream": skip("result container of class_incremental_blobs"),
    "ContinualMLP": ok(3, 4, 4).invalid(hidden=[0]),
    "ContinualMLP.loss_and_grad": ok(_TH, _ST.X[:, :4], _ST.y[:, :4] % 2, _SEEN, head="cos", tau=10.0).on(_NET),
    "class_incremental_blobs": ok(n_runs=2, n_classes=4, n_tasks=2, dim=3, n_per_class=5, n_test_per_class=3,
                                  noise=1.0, shuffle=False, rng=RNG).invalid(n_tasks=[3]),
    "reservoir_update": ok(np.zeros((2, 3, 3)), np.zeros((2, 3), int), 2, _ST.X[:, :2], _ST.y[:, :2], rng=RNG),
    "train_online": ok(_NET, _TH, _ST, method="uer", buffer_size=4, batch=2, replay_batch=2, lr=0.05, tau=5.0,
                       rng=RNG).invalid(lr=[0.0]),
    "evaluate": ok(_NET, _TH, _ST),
}

"""Vectorised bandit environments and algorithms, with regret bookkeeping.

Sub-modules
-----------
``mab``          K-armed Bernoulli/Gaussian bandits; UCB1, Thompson sampling, epsilon-greedy
``contextual``   realizable contextual bandits; SquareCB (inverse gap weighting), FastCB,
                 pluggable online regression oracles (ridge, OGD square/log loss)
``online_reg``   online least squares by projected OGD, regret against the best fixed
                 parameter in hindsight
``neural``       two-layer ReLU NTK, log-det / effective dimension of NeuralUCB bounds
``multitask``    multitask linear bandits with a shared low-dimensional representation;
                 batched LinUCB/OFUL and a shared-subspace learner in the spirit of GFUCB

Every run is vectorised over independent repetitions (and tasks): the Python loop
is over rounds only.
"""

from .mab import POLICIES, KArmedBandit, RegretRun, run_mab
from .contextual import (
    CB_POLICIES,
    ContextualBandit,
    OGDOracle,
    RidgeOracle,
    fastcb_probs,
    igw_probs,
    linear_contextual,
    logistic_contextual,
    run_contextual,
)

from . import multitask, neural, online_reg

__all__ = [
    "multitask", "neural", "online_reg",
    "POLICIES", "KArmedBandit", "RegretRun", "run_mab",
    "CB_POLICIES", "ContextualBandit", "OGDOracle", "RidgeOracle", "fastcb_probs", "igw_probs",
    "linear_contextual", "logistic_contextual", "run_contextual",
]

"""Tabular reinforcement learning and imitation, solved exactly where possible.

Sub-modules
-----------
``mdp``        discounted and finite-horizon tabular MDPs (batched); exact policy evaluation,
               value iteration, soft / KL-regularised value iteration, occupancy measures and
               the dual LP, successor features, potential shaping, vectorised samplers and
               empirical models, builders (random, chain, grid, factored)
``agents``     learners vectorised over seeds: tabular Q-learning (with potential shaping,
               experience replay, Dyna with tabular or factored models), exact softmax
               policy gradient
``imitation``  behaviour cloning with Laplace smoothing, trajectory KL, DAgger, the
               compounding-error chains (closed forms), IQ-Learn's chi^2 objective and its
               TD-regularised maximum-likelihood form
``control``    deterministic linear systems: vectorised rollouts, discounted values,
               empirical Lipschitz constants and the Lipschitz bound on the value
``preferences`` segments, partial-return and regret Bradley-Terry models and their
               maximum-likelihood fits (Danskin gradients), contrastive preference learning,
               HERON comparison trees, mean scaled return
``gridworlds`` the delivery (Knox et al.) and tomato-watering (Laidlaw et al.) boards
``occupancy``  chi^2- and KL-regularised optimisation over the occupancy polytope (QP /
               convex programmes solved exactly), divergences, the correlated-proxy bound
``critics``    one critic per reward vs one critic on the sum: normalised advantages and a
               vectorised one-step actor-critic (SLIM's mechanism)

Every sampler takes ``rng: numpy.random.Generator``; the only Python loops are over time
steps (or planning iterations), never over episodes or seeds.
"""

from . import agents, control, critics, gridworlds, imitation, mdp, occupancy, preferences
from .mdp import DiscountedMDP, FiniteHorizonMDP

__all__ = ["agents", "control", "critics", "gridworlds", "imitation", "mdp", "occupancy", "preferences",
           "DiscountedMDP", "FiniteHorizonMDP"]

"""Edge values that are legal (issue 13): zero-size inputs and broadcast shapes give
the documented results, pinned here. Elementwise functions follow numpy: an empty array
maps to an empty array of the same shape; reductions over an empty set give their
neutral value where that is meaningful and a ValueError where it is not."""

from __future__ import annotations

import numpy as np
import pytest

from theorylab import losses, online, polynomials, regression, stats
from theorylab.bandits import fastcb_probs, igw_probs
from theorylab.kernels import infinite_depth as idp
from theorylab.kernels import spectra
from theorylab.nets import three_layer as tl

R = np.random.default_rng(0)

EMPTY_SHAPES = [
    ("igw_probs (0, K) batch", lambda: igw_probs(np.zeros((0, 3)), 1.0), (0, 3)),
    ("fastcb_probs (0, K) batch", lambda: fastcb_probs(np.zeros((0, 3)), 1.0), (0, 3)),
    ("log_softmax (0, n)", lambda: losses.log_softmax(np.zeros((0, 3))), (0, 3)),
    ("cstar (0, n) -> (0,)", lambda: losses.cstar(np.zeros((0, 3)), 1.0), (0,)),
    ("t_tau of no gaps", lambda: losses.t_tau(np.zeros(0), 1.0, 3), (0,)),
    ("gamma_tau of no regrets", lambda: losses.gamma_tau(np.zeros(0), 1.0, 3), (0,)),
    ("sample_gap_distributions of no gaps", lambda: losses.sample_gap_distributions(np.zeros(0), 3, 4, rng=R),
     (0, 4, 3)),
    ("hermite of no points", lambda: polynomials.hermite(3, np.zeros(0)), (0,)),
    ("hermite_features of no rows", lambda: polynomials.hermite_features(np.zeros((0, 3)), 2), (0, 10)),
    ("legendre_sphere of no points", lambda: spectra.legendre_sphere(3, 2, np.zeros(0)), (3, 0)),
    ("gram_eigh of a 0 x 0 matrix", lambda: spectra.gram_eigh(np.zeros((0, 0)))[0], (0,)),
    ("rbf_kernel with no rows", lambda: tl.rbf_kernel(np.zeros((0, 2)), np.ones((3, 2)), gamma=1.0), (0, 3)),
    ("project_ball of no points", lambda: online.project_ball(np.zeros((0, 2))), (0, 2)),
    ("majority vote for no test points", lambda: idp.majority_vote_classifier([1.0, -1.0], 0), (0,)),
    ("Nadaraya-Watson with no test rows", lambda: idp.nadaraya_watson_classifier(np.zeros((0, 2)), [1.0, -1.0]),
     (0,)),
    ("Bayes rule of no points", lambda: idp.dirichlet_bayes_rule(np.zeros((0, 2))), (0,)),
]


@pytest.mark.parametrize("what, call, shape", EMPTY_SHAPES, ids=[e[0] for e in EMPTY_SHAPES])
def test_empty_inputs_give_empty_outputs(what, call, shape):
    out = call()
    assert np.shape(out) == shape


def test_path_length_of_a_single_point_or_no_point_is_zero():
    assert online.path_length(np.zeros((1, 3))) == 0.0
    assert online.path_length(np.zeros((0, 3))) == 0.0


def test_broadcast_arguments():
    # gamma per row broadcasts over the batch; a scalar bias is one bias per arm
    p = igw_probs(np.array([[0.2, 0.5], [0.2, 0.5]]), np.array([0.0, 10.0]))
    assert np.allclose(p[0], 0.5) and p[1, 0] > p[1, 1]
    from theorylab.bandits import linear_contextual
    assert np.allclose(linear_contextual(np.zeros((2, 3)), 0.3).mean_loss(np.eye(3)), 0.3)
    # sign_vote_bias_theory broadcasts n_samples, dim and scale
    from theorylab.adaptive import sign_vote_bias_theory
    assert sign_vote_bias_theory(np.array([10.0, 100.0]), 50.0, np.array([[0.0], [0.1]])).shape == (2, 2)


@pytest.mark.parametrize("call, match", [
    (lambda: regression.mse([], []), "y_pred must not be empty"),
    (lambda: stats.mean_se(np.zeros((1, 3))), "at least 2 entries"),
    (lambda: losses.minimize_conditional_risk(np.zeros((0, 2)), 1.0, x0=0.0, lower=-1.0, upper=1.0), "B >= 1"),
    (lambda: idp.majority_vote_classifier([], 3), "no labels"),
])
def test_empty_inputs_without_a_meaningful_result_are_refused(call, match):
    with pytest.raises(ValueError, match=match):
        call()

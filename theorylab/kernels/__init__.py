"""Infinite-width kernels: dual activations, deep fully connected NNGP/NTK, spectra.

Sub-modules
-----------
``dual``     dual activations E[phi(u)phi(v)], E[phi'(u)phi'(v)]: closed forms,
             Gauss-Hermite quadrature and Monte-Carlo under one signature
``fc``       deep fully connected NNGP/NTK Gram matrices (blocked, symmetric GEMM) and
             the single-input kernel / four-point-vertex / NTK recursions of
             Roberts, Yaida & Hanin (2022)
``spectra``  Gram eigendecomposition, Mercer spectra of dot-product kernels on spheres
``cnn``      tree (hierarchical) CNN NNGP/NTK, torus spectra, a finite tree CNN with
             hand-written backprop (``deep-cnn-kernel-hierarchy``)
``infinite_depth``  the depth iteration of dual activations in log space and the
             infinite-depth classifiers (``wide-deep-ntk-classification``)
``eigenlearning``   spectral prediction of kernel-regression test risk

``cnn``, ``infinite_depth`` and ``eigenlearning`` are imported by their sub-module
path, e.g. ``from theorylab.kernels import cnn``.

First used by ``notebooks/kernels/pdlt-criticality-finite-width.md``.
"""

from .dual import (
    ACTIVATIONS,
    activation_deriv,
    activation_fn,
    dual_deriv_exact,
    dual_deriv_mc,
    dual_deriv_quad,
    dual_exact,
    dual_mc,
    dual_quad,
    gaussian_expectation,
)
from .fc import nngp_ntk, relu_correlation_map, single_input_recursions, susceptibilities
from .spectra import gram_eigh, legendre_sphere, sphere_mercer_spectrum, sphere_multiplicity

__all__ = [
    "ACTIVATIONS",
    "activation_deriv",
    "activation_fn",
    "dual_deriv_exact",
    "dual_deriv_mc",
    "dual_deriv_quad",
    "dual_exact",
    "dual_mc",
    "dual_quad",
    "gaussian_expectation",
    "gram_eigh",
    "legendre_sphere",
    "nngp_ntk",
    "relu_correlation_map",
    "single_input_recursions",
    "sphere_mercer_spectrum",
    "sphere_multiplicity",
    "susceptibilities",
]

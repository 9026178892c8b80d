"""PDEs, solvers and operators at toy scale.

Sub-modules:

* ``transport`` -- periodic advection-diffusion by FFT, the localised bump and the Bessel closed
  form of its snapshot singular values; viscous Burgers (Eulerian, on characteristics, Cole-Hopf)
* ``pod`` -- snapshot SVD and energy-fraction mode counts (a proxy of the Kolmogorov n-width)
* ``random_features`` -- periodic random tanh features with analytic derivatives and the
  least-squares random-feature PINN for advection
* ``poisson`` -- Dirichlet 5-point Laplacians, their DST eigenpairs, fast Poisson solves
* ``krylov`` -- CG, the deep-conjugate-direction iteration with a pluggable direction model,
  Lanczos with full re-orthogonalisation and Ritz training vectors
* ``learned_inverse`` -- the scale-invariant DCDM loss and small approximate-inverse models
  (spectral multipliers, local convolutions) with analytic gradients
* ``fem1d`` -- 1-D P1 finite elements: assembly, Gauss quadrature, lifting of Dirichlet data, L2 errors
* ``gaussians`` -- Gaussian feature fields with analytic x-derivatives and parameter Jacobians;
  the physics-informed-Gaussian Poisson fit
"""

from . import fem1d, gaussians, krylov, learned_inverse, poisson, pod, random_features, transport

__all__ = ["transport", "pod", "random_features", "poisson", "krylov", "learned_inverse",
           "fem1d", "gaussians"]

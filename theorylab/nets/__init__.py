"""Small networks with hand-written, gradient-checked backpropagation.

Sub-modules:

``dense``        one fully connected network with vector output and exact derivatives:
                 per-example Jacobians, input gradients, JVP/VJP, Gauss-Newton- and
                 Hessian-vector products (R-operator), batched over parameter vectors
``mlp``          ensembles of finite-width fully connected networks, empirical NNGP/NTK
                 (``mlp.to_dense`` maps an ensemble onto ``dense``)
``three_layer``  the three-layer architecture of Wang, Nichani & Lee (2024) and its
                 layerwise training
"""

"""Small networks with hand-written, gradient-checked backpropagation.

Sub-modules:

``mlp``          ensembles of finite-width fully connected networks, empirical NNGP/NTK
``three_layer``  the three-layer architecture of Wang, Nichani & Lee (2024) and its
                 layerwise training
"""

"""The book's neural-network tutorial (FN/nn_tutorial/) on TensorFlow 2 / Keras 3.

Before Day 4's agents, the book shows what a network is with seven small scripts. Each one is a module here,
run from the repository root as ``python -m nn_tutorial.<module>`` (headless, seconds on a CPU):

=============================  ==============================  ==============================================
book file                      module                          what it shows
=============================  ==============================  ==============================================
explanation_keras.py           nn_tutorial.explanation_keras        a Dense layer: W, b and y = x @ W + b
explanation_keras_batch.py     nn_tutorial.explanation_keras_batch  two Dense layers on a batch of 3
explanation_keras_boston.py    nn_tutorial.explanation_keras_boston regression (diabetes data; Boston is gone)
explanation_keras_mnist.py     nn_tutorial.explanation_keras_mnist  a small CNN on scikit-learn's 8x8 digits
explanation_tf.py              nn_tutorial.explanation_tf           y = Ax + b: placeholder -> tf.function
explanation_tf_batch.py        nn_tutorial.explanation_tf_batch     the same, fed a batch one item at a time
gradient.py                    nn_tutorial.gradient                 gradients with tf.GradientTape
=============================  ==============================  ==============================================

Every module takes ``--out DIR`` (where PNGs go, default ``logs/nn_tutorial``) and, where randomness matters,
``--seed N``; each has ``main(argv)`` and a ``run(...) -> dict`` that returns the numbers it prints.
"""

"""Tabular warm-ups before function approximation (seed 003): slot-machine bandits and the 3x3 maze.

``tabular.bandit``: Bernoulli arms, ε-greedy and UCB1, run on a batch of simulations at once.
``tabular.maze``: the maze as a Gymnasium env (``Maze3x3-v0``) and the policy gradient on a softmax of θ.
Entry points: ``python -m tabular.bandit_experiment`` and ``python -m tabular.maze_policy_gradient``.
"""

"""Tabular warm-ups before function approximation (seed 003): slot-machine bandits and the 3x3 maze.

Not the book's material. Both come from the blog this project started from (seed 003), from its posts
"強化学習 AlphaZero 1 (スロットマシーン)" and "強化学習 AlphaZero 2 (迷路ゲーム 方策勾配法)", which follow another
book (『AlphaZero 深層学習・強化学習・探索 人工知能プログラミング実践入門』); the same blog then retraced the book's
Day 4, which the rest of this project ports. The book's own code before Day 4 (its ``DP/`` and ``EL/`` folders)
is not ported (docs/book_differences.md, "What is not from the book").

``tabular.bandit``: Bernoulli arms, ε-greedy and UCB1, run on a batch of simulations at once.
``tabular.maze``: the maze as a Gymnasium env (``Maze3x3-v0``) and the policy gradient on a softmax of θ.
Entry points: ``python -m tabular.bandit_experiment`` and ``python -m tabular.maze_policy_gradient``.
"""

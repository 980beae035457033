"""Train the book's policy-gradient agent on CartPole, or play with the saved one.

    python scripts/policy_gradient_agent.py                   # train with the book's settings (220 episodes)
    python scripts/policy_gradient_agent.py --preset modern   # the measured changes below
    python scripts/policy_gradient_agent.py --play            # load the saved model and play 5 episodes

Models go to ``logs/policy_gradient/``. With ``--preset modern`` (``keep_best``)
``policy_gradient_agent.keras`` is the best model, saved whenever the mean reward of the
last 10 episodes beats the best so far (so it is on disk while training runs), and
``policy_gradient_agent_last.keras`` the model at the end; ``--play`` loads the best one
(or ``--model PATH``). With the book's settings the last model is the one saved and played.

The ``modern`` preset (agents/policy_gradient_config.py), measured on CartPole-v0 (220 episodes, ``--seed`` 1, 2, 3; play:
the mean of 15 sampled episodes, three ``--play`` runs of 5; wall: training on 2 CPU
cores shared with other jobs, so only roughly comparable):

==================================  =================================  ===============
settings                            play, seeds 1 / 2 / 3              train wall (s)
==================================  =================================  ===============
``--preset book`` (gamma 0.9,        18 / 24 / 9                        16 / 40 / 26
batch 32, last model)
gamma 0.99, whole episode (before)  102 / 160 / 88 (one run of 5)      22 / 32 / 18
``--preset modern`` (below)         185 / 181 / 176 (worst run of 5:   42-64 / 43-64 /
                                    178 / 160 / 173)                   34-46
==================================  =================================  ===============

``modern``, each part measured on its own first (20 sampled episodes per model):

* ``gamma 0.99`` and the whole episode per update (``batch_size`` 200, CartPole-v0's
  longest): the book's 0.9 and 32 sampled steps learned almost nothing in 220 episodes.
* ``input_clip 5``: the states' scaler is fitted on the first 256 random-play states,
  where the cart position's std is 0.065; a policy that balances for 200 steps lets the
  cart drift a metre or more, 15+ standard deviations, and the saturated softmax
  then collapsed some runs to always pushing one way. Clipping the standardised states
  to +/-5 alone played 187 / 195 / 47 (seeds 1/2/3, best model).
* ``baseline_episodes 10``: the book standardises each episode's returns on their own,
  so a 200-step episode teaches no more than a 10-step one; standardising with the
  returns of the last 10 episodes (still updating on the newest episode only) lets a
  better-than-recent episode be reinforced as a whole. Without the clip it played
  123 / 101 / 197; with it the last 50 training episodes averaged 191 / 177 / 120
  (seeds 4-6: 184 / 195 / 192).
* ``keep_best``: the last model of a run is whatever the final updates left; the best
  model (see ``PolicyGradientTrainer.save_if_best``) played 194 / 177 / 175 and, on seeds
  4-6, 200 / 197 / 192.

Not enough (best model, seeds 1/2/3): the best model alone played 106 / 188 / 90;
2-8 gradient steps per episode, or updating on the last 2-8 episodes together, collapsed
most runs to always pushing one way; learning rate 0.005 failed all three seeds, clip 3
and gamma 0.97 two of them.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from agents.presets import spec  # noqa: E402
from fn_framework.run import main  # noqa: E402

SPEC = spec("policy_gradient")  # its registration: agents/policy_gradient_config.py

if __name__ == "__main__":
    main(SPEC)

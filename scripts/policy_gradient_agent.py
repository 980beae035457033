"""Train the book's policy-gradient agent on CartPole, or play with the saved one.

    python scripts/policy_gradient_agent.py                   # train with the book's settings (220 episodes)
    python scripts/policy_gradient_agent.py --preset modern   # the changes below
    python scripts/policy_gradient_agent.py --play            # load the saved model and play 5 episodes

Models go to ``logs/policy_gradient/``. With ``--preset modern`` (``keep_best``)
``policy_gradient_agent.keras`` is the best model, saved whenever the mean reward of the
last 10 episodes beats the best so far (so it is on disk while training runs), and
``policy_gradient_agent_last.keras`` the model at the end; ``--play`` loads the best one
(or ``--model PATH``). With the book's settings the last model is the one saved and played.

The ``modern`` preset (agents/policy_gradient_config.py; each part measured on its own, and the
whole beside the book's settings: benchmarks/README.md):

* ``gamma 0.99`` and the whole episode per update (``batch_size`` 500: every step of an
  episode, up to CartPole-v1's 500; the preset's CartPole-v0 ends at 200): the book's 0.9
  sees about 10 steps ahead, and the book's ``batch_size`` 32, steps sampled from the
  episode, carries little of a long one.
* ``input_clip 5``: the states' scaler is fitted on the first 256 random-play states, where
  the cart hardly moves; a policy that balances for long lets the cart drift many of those
  standard deviations, and the saturated softmax then collapsed some runs to always pushing
  one way. Clipping the standardised states to +/-5 bounds what the network sees.
* ``baseline_episodes 10``: the book standardises each episode's returns on their own, so a
  long episode teaches no more than a short one; standardising with the returns of the last
  10 episodes (still updating on the newest episode only) lets a better-than-recent episode
  be reinforced as a whole.
* ``keep_best``: the last model of a run is whatever the final updates left; the best model
  (see ``PolicyGradientTrainer``) is the one played.

Not enough on their own: the best model alone; several gradient steps per episode, or
updating on the last few episodes together, collapsed most runs to always pushing one way;
learning rate 0.005, clip 3 and gamma 0.97 each failed on most of the seeds tried.
"""

from __future__ import annotations

from agents.presets import spec
from fn_framework.run.cli import main

SPEC = spec("policy_gradient")  # its registration: agents/policy_gradient_config.py

if __name__ == "__main__":
    main(SPEC)

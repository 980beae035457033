"""The table of differences from the book, generated from the configs: ``docs/book_differences.md``.

    python -m agents.differences            # print it
    python -m agents.differences --write    # write docs/book_differences.md (a test checks it is current)

Settings come from the configs (``BOOK`` and the field docstrings) and the preset table
(``agents.presets``, with each preset's reason); the behaviour that no setting switches is
listed in ``BEHAVIOUR`` below, once.
"""
from __future__ import annotations

import argparse
import os
from typing import Any

from agents.presets import TABLE
from fn_framework.run.config import book_settings, differences

PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs", "book_differences.md")

#: What differs from the book without being a setting: (where, what, why).
BEHAVIOUR: list[tuple[str, str, str]] = [
    ("all", "Only `terminated` ends bootstrapping; a time-limit truncation does not",
     "the book's gym ended the episode with `done=True` at the time limit, so its targets treated the limit as a "
     "terminal state; Gymnasium tells the two apart"),
    ("A2C", "n-step returns bootstrap from the critic V(n_s) at a time-limit truncation inside a batch, and the "
            "episode end is marked so the next episode's return does not leak in",
     "the book's return stopped at the time limit (gym's `done=True`): the semantic change above, for A2C's returns"),
    ("A2C", "the advantage is per sample", "the book subtracted a `(N, 1)` estimate from `(N,)` returns: `(N, N)`"),
    ("A2C", "`stop_gradient` on the critic's estimate in the advantage (the book's latest revision)",
     "the policy loss must not train the critic (book issue #16)"),
    ("all", "TensorBoard scalars are keyed by env steps; the episode index is a scalar of its own (`episode`)",
     "the book keyed them by episode; SB3 and CleanRL use env steps, so curves of runs compare on one axis"),
    ("all", "every agent and mode has its own run folder (`logs/dqn`, `logs/dqn_test`, ...), the config is "
            "written to TensorBoard's Text tab, each observed episode's frames are tiled into one image of the "
            "tag `observation` (one card per run, a slider over the episodes)",
     "the book's test mode and Catcher run shared one folder, each observation made a new tag and each frame "
     "a card of its own"),
    ("all", "states are `float32`; Catcher's frames stay `uint8` up to the network, whose first layer "
            "(`Rescaling(1/255)`, `agents/networks.py`) is the one place that divides by 255",
     "the book's observer made `float64` frames scaled to [0, 1]: 8 times the bytes of `uint8` in every rollout, "
     "replay batch and call into TensorFlow, for no accuracy"),
    ("Catcher", "the frame stack is refilled with the first frame at every reset",
     "the book's observer kept the previous episode's frames in the first stack of the next one"),
    ("Catcher", "frames are resized with NEAREST", "the Pillow default when the book was written (Pillow 7 "
                "changed it to BICUBIC)"),
    ("A2C", "the sampled action is `SampleLayer`'s Gumbel-max draw made in NumPy on the actor's logits",
     "the layer's TensorFlow random op keeps a state no checkpoint can hold, so a killed and resumed run would draw "
     "other actions than the unbroken one; NumPy's stream is seeded by `--seed` and kept (the layer stays in the model)"),
    ("continuous", "the target actions' noise is drawn in NumPy and passed to the compiled update",
     "the same reason: an exact resume needs every random stream in the checkpoint"),
    ("all", "checkpoints are written while training (every `checkpoint_minutes`), with the env copies mid-episode "
            "and the random streams, so `--resume` goes on exactly",
     "the book saved only models; a killed run lost everything since its start"),
    ("all", "TensorBoard tags: `loss` -> `loss/td` (DQN), `epsilon` -> `stats/epsilon`, A2C's `policy/*` -> "
            "`stats/*`; `reward` is written for every episode, the random-play warm-up included",
     "one tag scheme for every agent (`reward`, `episode`, `loss/...`, `stats/...`, `eval/...`), so runs of "
     "different agents compare in one TensorBoard; the warm-up's rewards show where training began"),
    ("continuous", "`load` marks the agent initialized, so `--play` plays the trained actor",
     "the book's `load` never set `initialized`, so its play acted at random"),
    ("continuous", "each update steps the critic first, then the actor (the TD error is taken before the "
                   "critic's step, as the book takes it)",
     "one compiled function for both; the book ran the two updates as separate TF1 calls"),
    ("nn_tutorial", "`explanation_keras_boston`: scikit-learn's diabetes data instead of Boston, the target "
                    "standardised, 100 epochs instead of 8; `explanation_keras_mnist`: scikit-learn's 8x8 digits, "
                    "40 epochs instead of 8",
     "Boston was removed from scikit-learn (a feature built on an assumption about race); the digits ship with "
     "scikit-learn (nothing to download); with these small data sets 8 epochs leave the nets underfit (the "
     "figures: benchmarks/README.md)"),
    ("DQN", "the teacher starts as a copy of the model", "the book's `clone_model` left it with other random weights "
            "until the first sync"),
    ("DQN, A2C, PG", "updates are compiled `tf.GradientTape` steps; acting uses a compiled or NumPy forward pass",
     "TF1's placeholders and `get_updates` are gone; `model.predict` builds a data pipeline at every call in "
     "Keras 3, far more than a step's arithmetic"),
    ("PG", "the states' scaler is a layer inside the model", "one `.keras`/`.h5` file carries it (the book pickled it "
           "beside the model)"),
    ("all", "with keep_best the final model is saved to `*_last` and `--play` plays the best",
     "the book saved the best model only (DQN, A2C); the final one is kept too, to compare"),
    ("all", "`--play` plays `--episodes` episodes, 5 by default, for every agent", "one rule for every script "
            "(the book's A2C played 10)"),
    ("DQN, A2C", "keeping the best: an equal episode reward with a better mean of the recent episodes replaces the "
                 "saved model", "one rule (`fn_framework/run/callbacks.py`); the book saved only on a strictly higher reward, so "
                 "the first lucky 200 on CartPole was kept"),
    ("DQN", "the warm-up is `min(initial_count, episodes // 2)` episodes", "the book's 200 at 1200 episodes; short runs "
            "(`--episodes 5`) still train"),
    ("DQN test mode", "CartPole states go through `CartPoleObserver` (`(1, 4)` rows and a `Flatten` layer)",
     "one observer for the CartPole agents; the network is the same"),
    ("all", "at most 64 observed frames per TensorBoard image", "a perfect Catcher episode has 10 000"),
    ("all", "one loop steps a Gymnasium vector env whose copy 0 is the run's env (the book's env: one copy); "
            "with `--render` the window draws itself at each step (`render_mode=\"human\"`), no `env.render()` call",
     "one loop for the book's agents and those that step several copies (PPO, `--n-envs`); the book's episodes, "
     "actions and updates are unchanged (`tests/test_book_loop.py`), and Gymnasium's human mode already renders "
     "in `step`: the book's extra call drew every frame twice"),
    ("all", "models are `.keras` by default (`--model x.h5` too), runs go to `./logs/<run>`",
     "Keras 3's native format; the book's `FN/logs` is read-only once installed, and its folders were "
     "`deep_q_network`, `actor_critic`"),
    ("all", "headless: no window unless `--render`, plots saved as PNG", "the book's `plt.show()` and rendering "
            "blocked headless runs"),
    ("DQN", "the `loss` scalar is the mean over the episode's updates", "the book divided by the step count: the "
            "same when `train_freq` is 1"),
    ("continuous PG", "the actor's loss is per sample", "the book multiplied `(N,)` probabilities by an `(N, 1)` TD "
                      "error: an N x N product (the mean log-probability times the mean TD error)"),
    ("continuous PG", "the action scaling `m * 2` is a registered `ActionScaling` layer, the state scaler the "
                      "`StandardScaling` layer inside the model", "Keras 3 saves no Lambda layers; one model file "
                      "carries everything (the book pickled the scaler)"),
    ("all", "models are saved without optimizer state, atomically", "Keras 3 cannot reload an `.h5` model compiled "
            "with the string loss `mse`; a crash mid-save never destroys the last good model"),
]


#: How the book's own settings learn CartPole (measured: benchmarks/README.md, "The book's settings on CartPole").
LEARNING = [
    "The `book` preset is every script's default: the book's values, which learn CartPole slowly and not on every "
    "seed, as the book's own code does. `benchmarks/book_reference.py` runs a transcription of the book's code, "
    "independent of this framework, beside our scripts, so each change our port makes can be switched on alone; "
    "the runs over seeds (the mean reward of the first and last episodes of each, and what the models played) are in "
    "`benchmarks/README.md`, \"The book's settings on CartPole\".",
    "",
    "Both of the book's agents improve and neither solves CartPole-v0 with the book's settings, in either code: the "
    "seed post says the policy gradient \"takes longer than the value function before the reward grows\" and of A2C's "
    "test mode that \"the reward does not seem to grow much\". The book's policy gradient depends on the seed in both "
    "codes; A2C's test mode learns a little faster with our per-sample advantage. The first round's scores came from "
    "tuned defaults, which are the `modern` and `tuned` presets now (`--preset best`). "
    "`tests/test_book_presets_learn.py` trains the book presets on a seed that learns.",
]


def markdown() -> str:
    """The whole document."""
    lines = [
        "# Where this port differs from the book",
        "",
        "Generated from the configs by `python -m agents.differences --write`; a test fails when it is stale or when "
        "a default differs from the book's value without a row here. Every setting, with the book's value, is in "
        "`agents/*_config.py` and in each script's `--help`.",
        "",
        "## Defaults that are not the book's",
        "",
        "| run | setting | book | ours | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run_name, presets in TABLE.items():
        book = presets.configs["book"]
        for _, field, theirs, ours, why in differences(run_name, book, book_settings(book)):
            lines.append(f"| {run_name} | `{field}` | {theirs!r} | {ours!r} | {why} |")
    lines += ["", "## Presets (`--preset NAME`; `best` is the fastest measured)", ""]
    for run_name, presets in TABLE.items():
        book = presets.configs["book"]
        for name, config in presets.configs.items():
            if name == "book":
                continue
            best = " (`best`)" if name == presets.best else ""
            lines += [f"### {run_name} `{name}`{best}", "", presets.notes.get(name, ""), "",
                      "| setting | book | preset |", "| --- | --- | --- |"]
            lines += [f"| `{f}` | {b!r} | {o!r} |" for _, f, b, o, _ in differences(run_name, config, book)]
            lines.append("")
    lines += ["## How the book's settings learn", "", *LEARNING, ""]
    lines += ["## Behaviour that is not a setting", "", "| where | what | why |", "| --- | --- | --- |"]
    lines += [f"| {where} | {what} | {why} |" for where, what, why in BEHAVIOUR]
    return "\n".join(lines) + "\n"


def main(argv: Any = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {os.path.relpath(PATH)}")
    args = parser.parse_args(argv)
    if args.write:
        with open(PATH, "w", encoding="utf-8") as f:
            f.write(markdown())
        print(f"Wrote {PATH}")
    else:
        print(markdown(), end="")


if __name__ == "__main__":
    main()

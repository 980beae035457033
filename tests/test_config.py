"""One config per agent: the book's values, flags built from the fields, presets, budgets, the run's rules."""
from __future__ import annotations

import dataclasses
import re

import pytest

from agents.differences import (BEHAVIOUR, NOT_THE_BOOK, PATHS, StaleTranslation, japanese, markdown,
                                translation_problems)
from agents.presets import TABLE, get
from fn_framework.run.config import book_settings, field_docs, format_config

#: The book's values, transcribed from icoxfog417/baby-steps-of-rl-ja FN/*.py (trainer defaults and the
#: scripts' main()). A config default that differs from these must be listed in its class's BOOK.
BOOK_VALUES = {
    "value_function": {"env": "CartPole-v0", "episodes": 220, "buffer_size": 1024, "batch_size": 32,
                       "gamma": 0.9, "report_interval": 10, "epsilon": 0.1, "initial_count": -1,
                       "keep_best": False},
    "policy_gradient": {"env": "CartPole-v0", "episodes": 220, "buffer_size": 256, "batch_size": 32,
                        "gamma": 0.9, "learning_rate": 0.01, "report_interval": 10, "keep_best": False,
                        "baseline_episodes": 1, "input_clip": 0.0},
    "dqn": {"env": "Catcher-v0", "episodes": 1200, "initial_count": 200, "buffer_size": 50000, "batch_size": 32,
            "gamma": 0.99, "learning_rate": 1e-4, "initial_epsilon": 0.5, "final_epsilon": 1e-3,
            "teacher_update_freq": 3, "train_freq": 1, "report_interval": 10, "observe_interval": 100,
            "keep_best": True, "book_net": True, "double": False, "huber": False,
            "frame_width": 80, "frame_height": 80, "frame_count": 4},
    "dqn_test": {"env": "CartPole-v0", "episodes": 1200, "initial_count": 200, "learning_rate": 1e-3,
                 "observe_interval": 0, "book_net": True, "test_mode": True},
    "a2c": {"env": "Catcher-v0", "episodes": 900, "initial_count": 10, "buffer_size": 256, "batch_size": 32,
            "gamma": 0.99, "learning_rate": 7e-5, "entropy_weight": 0.1, "value_loss_weight": 1.0,
            "keep_best": True, "observe_interval": 100, "frame_width": 80, "frame_height": 80, "frame_count": 4},
    "a2c_test": {"env": "CartPole-v0", "learning_rate": 1e-3, "entropy_weight": 0.1, "test_mode": True},
    "policy_gradient_continuous": {"env": "Pendulum-v0", "episodes": 1500, "buffer_size": 100000, "batch_size": 32,
                                   "gamma": 0.99, "report_interval": 10, "initial_count": -1, "epsilon": 0.01,
                                   "noise_scale": 0.1, "actor_learning_rate": 1e-3, "critic_learning_rate": 1e-3,
                                   "clipnorm": 1.0, "actor_units": 16, "critic_units": 32, "actor_loss": "likelihood",
                                   "target_noise": 0.1, "tau": 1.0, "train_freq": 1, "gradient_steps": 1,
                                   "keep_best": False},
    # PPO is beyond the book (it ends at A2C): no book values, BOOK is empty.
    "ppo": {},
    "ppo_test": {},
}


@pytest.mark.parametrize("run_name", sorted(TABLE))
def test_book_preset_holds_the_book_values_or_lists_the_difference(run_name):
    book = TABLE[run_name].configs["book"]
    restored = book_settings(book)  # the BOOK rows put back
    for field, value in BOOK_VALUES[run_name].items():
        assert getattr(restored, field) == value, (run_name, field)
    for field, value in type(book).BOOK.items():
        assert getattr(book, field) != value, f"{field} is listed as a difference but equals the book's"


def test_every_field_has_a_docstring():
    for presets in TABLE.values():
        config = presets.configs["book"]
        docs = field_docs(type(config))
        assert {f.name for f in dataclasses.fields(config)} <= set(docs), type(config).__name__
        assert all(docs.values())


def test_the_differences_documents_are_current():
    """One generator writes both, English and Japanese (``--write``)."""
    assert translation_problems() == []
    for language, path in PATHS.items():
        with open(path, encoding="utf-8") as f:
            assert f.read() == markdown(language), "run: python -m agents.differences --write"
    assert "| dqn_test | `book_net` | True | False |" in markdown()
    assert "| dqn | `book_net`" not in markdown()  # a test-mode setting: the Catcher run has no such layer
    assert "| dqn_test | `book_net` | True | False | テストモードのみ" in markdown("ja")


JAPANESE_TEXT = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_the_japanese_differences_are_japanese_and_follow_the_english():
    for row in BEHAVIOUR:
        assert JAPANESE_TEXT.search(row.what_ja) and JAPANESE_TEXT.search(row.why_ja), row.what
    assert all(JAPANESE_TEXT.search(ja) for _, ja in NOT_THE_BOOK)
    ja = markdown("ja")
    worded = [line for line in ja.splitlines()
              if line.startswith(("# ", "## ", "| ", "- ")) and not line.startswith(("| ---", "| `"))]
    english_only = [line for line in worded if not JAPANESE_TEXT.search(line)]
    assert english_only == [], english_only
    # a note whose English changes without its Japanese fails, naming the key
    with pytest.raises(StaleTranslation, match="'a2c', 'small'"):
        japanese(("note", "a2c", "small"), TABLE["a2c"].notes["small"] + " More.")
    with pytest.raises(StaleTranslation, match="has no Japanese"):
        japanese(("note", "a2c", "new"), "A new preset.")


def test_best_resolves_and_presets_are_replacements_of_the_book():
    assert get("dqn", "best") == ("modern", TABLE["dqn"].configs["modern"])
    modern = TABLE["dqn"].configs["modern"]
    assert (modern.frame_width, modern.train_freq, modern.double) == (40, 4, True)
    assert dataclasses.replace(modern, frame_width=80, frame_height=80, train_freq=1, double=False, huber=False,
                               episodes=1200, initial_count=200, learning_rate=1e-4) == TABLE["dqn"].configs["book"]


SCRIPTS = ["value_function_agent.py", "dqn_agent.py", "policy_gradient_agent.py", "a2c_agent.py"]
RUNS = {"value_function_agent.py": "value_function", "dqn_agent.py": "dqn",
        "policy_gradient_agent.py": "policy_gradient", "a2c_agent.py": "a2c"}


@pytest.mark.parametrize("name", SCRIPTS)
def test_help_lists_every_setting_with_its_default(script, name):
    result = script(name, "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    config = TABLE[RUNS[name]].configs["book"]
    for field in dataclasses.fields(config):
        flag = "--" + field.name.replace("_", "-")
        if field.name in type(config).UNUSED:  # a setting the agent never reads is not offered
            assert flag not in text, flag
            continue
        assert flag in text, flag
        assert f"(default: {getattr(config, field.name)}" in text
    for flag in ("--preset", "--print-config", "--steps", "--minutes", "--episodes", "--seed", "--resume"):
        assert flag in text


def test_print_config_shows_the_preset_and_the_command_line(script):
    result = script("dqn_agent.py", "--test", "--preset", "zoo", "--learning-rate", "0.005", "--print-config")
    assert result.returncode == 0
    assert "learning_rate = 0.005" in result.stdout and "gradient_steps = 128" in result.stdout
    assert "env = 'CartPole-v0'" in result.stdout
    assert format_config(TABLE["dqn"].configs["book"]).splitlines()[0] == "# DeepQNetworkConfig"


def test_bad_settings_and_record_without_play_are_one_error_line(script, tmp_path):
    bad = script("policy_gradient_agent.py", "--batch-size", "0", "--log-dir", str(tmp_path))
    assert bad.returncode == 2 and "--batch-size" in bad.stderr and "Traceback" not in bad.stderr
    record = script("value_function_agent.py", "--record", str(tmp_path / "x.gif"), "--log-dir", str(tmp_path))
    assert record.returncode == 2 and "error: --record records played episodes" in record.stderr
    seed = script("value_function_agent.py", "--seed", "-1", "--log-dir", str(tmp_path))
    assert seed.returncode == 2 and "--seed" in seed.stderr


def test_steps_budget_ends_the_run_as_after_its_last_episode(script, tmp_path):
    result = script("policy_gradient_agent.py", "--steps", "700", "--seed", "1", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    assert "The budget is spent after 700 env steps" in result.stdout
    folder = tmp_path / "policy_gradient"
    rows = (folder / "monitor.csv").read_text().splitlines()[2:]
    assert sum(int(r.split(",")[1]) for r in rows) <= 700 < sum(int(r.split(",")[1]) for r in rows) + 200
    for name in ("policy_gradient_agent.keras", "rewards.png", "run_state/state.pkl", "config.json"):
        assert (folder / name).exists(), name
    # --play and --resume start from the settings the run was trained with (config.json) unless --preset
    shown = script("policy_gradient_agent.py", "--play", "--print-config", "--log-dir", str(tmp_path))
    assert "steps = 700" in shown.stdout
    chosen = script("policy_gradient_agent.py", "--play", "--preset", "book", "--print-config", "--log-dir", str(tmp_path))
    assert "steps = 0" in chosen.stdout
    minutes = script("value_function_agent.py", "--minutes", "0.002", "--log-dir", str(tmp_path))
    assert minutes.returncode == 0 and "The budget is spent" in minutes.stdout


def test_each_mode_has_its_own_run_folder_and_tensorboard_uses_env_steps(script, tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = script("dqn_agent.py", "--test", "--episodes", "6", "--seed", "0", "--log-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-2000:]
    folder = tmp_path / "dqn_test"
    assert (folder / "dqn_agent_test.keras").exists() and not (tmp_path / "dqn").exists()
    events = EventAccumulator(str(folder), size_guidance={"tensors": 0}).Reload()
    rewards = events.Scalars("reward")
    lengths = [int(r.split(",")[1]) for r in (folder / "monitor.csv").read_text().splitlines()[2:]]
    steps = [sum(lengths[: i + 1]) for i in range(len(lengths))]
    assert [e.step for e in rewards] == steps  # the env-step axis
    assert [e.step for e in events.Scalars("episode")] == steps
    config_text = events.Tensors("config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert "    learning_rate = 0.001" in config_text
    model_text = events.Tensors("model/text_summary")[0].tensor_proto.string_val[0].decode()
    assert all(line.startswith("    ") for line in model_text.splitlines())  # one monospaced block
    assert "Param #" in model_text  # whole: Keras 3's summary crops it to 80 columns off a terminal
    assert not any(re.search("checkpoint", p.name) for p in folder.iterdir())


def test_action_spaces_are_checked_against_what_the_agent_takes(script, tmp_path):
    from fn_framework.run.cli import make_env
    from fn_framework.run.errors import UserError

    assert make_env("Pendulum-v1", actions="box").action_space.shape == (1,)
    with pytest.raises(UserError, match="needs continuous"):
        make_env("CartPole-v1", actions="box")
    line = script("policy_gradient_agent.py", "--env", "Pendulum-v1", "--log-dir", str(tmp_path)).stderr
    assert "error: Pendulum-v1 has Box(-2.0, 2.0, (1,), float32) actions; this agent needs discrete actions" in line

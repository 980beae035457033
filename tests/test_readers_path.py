"""What the READMEs tell a new reader, checked against the code: the first commands on every platform, the
shipped models' commands, the refusal of a second run, the Colab placeholder, and the score scales."""
from __future__ import annotations

import dataclasses
import importlib
import json
import re
import shlex

import pytest

from tests.conftest import ROOT

READMES = ("README.md", "README.ja.md")


def text(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def blocks(body: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)\n```", body, re.S)


@pytest.mark.parametrize("readme", READMES)
def test_the_windows_and_conda_commands_are_the_posix_ones(readme):
    """Each platform's line sets up its own environment, then installs and runs exactly what the POSIX line does."""
    body = text(readme)
    posix = [line.split(" && ")[2:] for line in blocks(body, "bash")[:2]]
    powershell = blocks(body, "powershell")[0].splitlines()
    conda = next(b for b in blocks(body, "shell") if b.startswith("conda create")).splitlines()
    assert [line.split("; ")[2:] for line in powershell] == posix
    assert all(line.startswith(r"py -m venv .venv; .venv\Scripts\Activate.ps1; ") for line in powershell)
    assert [line.split(" && ")[2:] for line in conda] == posix
    assert all(line.startswith("conda create -y -n baby-steps python=3.11 && conda activate baby-steps && ")
               for line in conda)
    assert "pip install -r requirements-notebooks.txt jupyterlab\n   jupyter lab notebooks/" in body


def test_jupyter_is_not_in_the_requirements_and_pydot_is():
    """The READMEs say Jupyter must be installed beside requirements-notebooks.txt, which brings pydot."""
    notebooks = (ROOT / "requirements-notebooks.txt").read_text()
    assert "pydot" in notebooks and not re.search(r"^(jupyter|jupyterlab|notebook)\b", notebooks, re.M)


def test_every_shipped_model_row_names_the_settings_its_model_was_trained_with():
    """A row's command, parsed as its script parses it, gives the config.json shipped beside the model."""
    from fn_framework.run.cli import parse

    rows = [line for line in text("README.md").split("<!-- shipped-models: begin -->")[1]
            .split("<!-- shipped-models: end -->")[0].splitlines() if line.startswith("| `")]
    assert len(rows) == len(list((ROOT / "models").glob("*/config.json")))
    for row in rows:
        run_name, command = (cell.strip().strip("`") for cell in row.split("|")[1:3])
        words = shlex.split(command)
        assert words[:2] == ["python", words[1]] and words[1].startswith("scripts/")
        spec = importlib.import_module(f"scripts.{words[1][len('scripts/'):-3]}").SPEC
        _, config = parse(spec, words[2:])
        shipped = json.loads((ROOT / "models" / run_name / "config.json").read_text())
        fields = dataclasses.asdict(config)
        differ = {k: (v, fields[k]) for k, v in shipped.items() if k in fields and fields[k] != v}
        assert not differ, f"{run_name}: models/{run_name}/config.json vs its row's command: {differ}"


def test_the_second_run_refusal_is_quoted_as_the_code_words_it(tmp_path):
    from fn_framework.run.folders import run_folder
    from fn_framework.run.errors import UserError

    folder = tmp_path / "logs" / "value_function"
    folder.mkdir(parents=True)
    (folder / "monitor.csv").write_text("")
    with pytest.raises(UserError) as refused:
        with run_folder(str(folder), resume=False, fresh=False):
            pass
    message = str(refused.value).replace(str(folder), "logs/value_function")
    japanese = text("README.ja.md")
    assert f"error: {message}" in blocks(japanese, "text")[0]
    quick_start = japanese.split("\n## ")[0]  # before the first section: where a newcomer reads
    assert "`--resume`" in quick_start and "`--fresh`" in quick_start and "Ctrl-C" in quick_start
    assert "error: logs/<run> holds a run already: continue it with\n--resume, or start afresh with --fresh" in \
        text("README.md")


def test_colab_is_said_not_to_work_while_the_repository_url_is_a_placeholder():
    """notebooks/render.py's REPO is the badges' repository: while it is a placeholder, both READMEs say so."""
    render = (ROOT / "notebooks" / "render.py").read_text()
    repo = re.search(r'^REPO = "([^"]+)"', render, re.M).group(1)
    if "your-name" not in repo:
        pytest.fail("the repository has a URL now: say in README.md and README.ja.md that Colab works")
    assert "**Colab does not work yet.**" in text("README.md")
    assert "**Google Colab ではまだ動きません。**" in text("README.ja.md")
    for readme in READMES:
        assert f"github.com/{repo}" in text(readme)


def test_the_ppo_env_counts_the_readmes_state():
    from agents.ppo_config import PRESETS

    assert PRESETS["fast"].n_envs == 32 and PRESETS["book"].n_envs == 8
    assert "(32 in `fast`)" in text("README.md")
    assert "既定の `book` は 8 個、`fast` は 32 個" in text("README.ja.md")


def test_the_score_scales():
    """CartPole-v0 (the book's scripts) ends at 200 steps, v1 at 500; Pendulum at 200; Catcher at 10 000."""
    import gymnasium as gym

    import envs  # noqa: F401  (registers Catcher-v0)
    from agents.a2c_config import BOOK_TEST as A2C_TEST, PRESETS as A2C
    from agents.dqn_config import BOOK_TEST as DQN_TEST
    from agents.policy_gradient_config import PRESETS as PG
    from agents.value_function_config import PRESETS as VF
    from fn_framework.run.config import TrainerConfig

    assert {c.env for c in (A2C_TEST, DQN_TEST, PG["book"], VF["book"])} == {"CartPole-v0"}
    steps = {name: gym.spec(name).max_episode_steps for name in ("CartPole-v0", "CartPole-v1", "Pendulum-v1",
                                                                   "Catcher-v0")}
    assert steps == {"CartPole-v0": 200, "CartPole-v1": 500, "Pendulum-v1": 200, "Catcher-v0": 10_000}
    assert A2C["book"].learning_rate == 7e-5 and A2C["fast"].learning_rate == 7e-4
    assert TrainerConfig().report_interval == 10  # "the last 10 episodes" of a Best model line


def catches(seed: int, steps: int) -> tuple[int, int]:
    """Fruit caught and missed in ``steps`` steps by a player that always moves under the fruit."""
    import gymnasium as gym

    import envs  # noqa: F401

    env = gym.make("Catcher-v0").unwrapped
    env.reset(seed=seed)
    caught = missed = 0
    for _ in range(steps):
        paddle, fruit = env.player_x + env.paddle_width / 2, env.fruit_x + env.fruit_size / 2
        _, reward, *_ = env.step(0 if fruit < paddle - 1 else 1 if fruit > paddle + 1 else 2)
        caught, missed = caught + (reward > 0), missed + (reward < 0)
    return caught, missed


def test_catchers_perfect_play_is_what_the_readmes_say():
    """Fruit falls 2 pixels a step from 4-28 pixels above the screen to the paddle: 30 to 42 steps a fruit, so
    perfect play is 7 or 8 in 300 steps, about 55 in 2000 and about 275 in a whole 10 000-step episode."""
    import gymnasium as gym

    import envs  # noqa: F401

    env = gym.make("Catcher-v0").unwrapped
    env.reset(seed=0)
    assert int(env.fruit_fall) == 2 and list(env._spawn_y) == [4, 8, 12, 16, 20, 24, 28]
    assert ((env._catch_y[0] + 4) // 2, (env._catch_y[0] + 28) // 2) == (30, 42)
    short = [catches(seed, 300) for seed in range(8)]
    assert {c for c, _ in short} <= {7, 8} and all(m == 0 for _, m in short)
    assert 53 <= catches(0, 2000)[0] <= 57
    for readme, said in (("README.md", "catching every one is 7 or 8 in a\n  300-step episode, about 55 in 2000"),
                         ("README.ja.md", "300 ステップで 7 か 8")):
        assert said in text(readme)

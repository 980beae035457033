"""The trained agents in models/ play to their figures, and --play finds them when nothing is trained yet."""
from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

#: run -> (script, play flags, the figure its greedy play must reach)
SHIPPED = {
    "dqn": ("dqn_agent.py", ["--max-episode-steps", "2000", "--episodes", "2"], 54.0),  # Catcher, per 2000 steps
    "dqn_test": ("dqn_agent.py", ["--test", "--episodes", "5"], 200.0),  # CartPole-v0's cap
    "policy_gradient": ("policy_gradient_agent.py", ["--episodes", "5"], 200.0),
    "a2c": ("a2c_agent.py", ["--max-episode-steps", "2000", "--episodes", "2"], 54.0),
    "a2c_test": ("a2c_agent.py", ["--test", "--episodes", "5"], 200.0),
    "policy_gradient_continuous": ("policy_gradient_continuous_agent.py", ["--episodes", "5"], -200.0),  # Pendulum
    "ppo": ("ppo_agent.py", ["--max-episode-steps", "2000", "--episodes", "2"], 54.0),
    "ppo_test": ("ppo_agent.py", ["--test", "--episodes", "5"], 200.0),
}


def test_every_shipped_model_is_tested_and_small():
    folders = sorted(p.name for p in (ROOT / "models").iterdir() if p.is_dir())
    assert folders == sorted(SHIPPED)
    total = sum(f.stat().st_size for f in (ROOT / "models").rglob("*") if f.is_file())
    assert total < 8 * 2**20  # a few MB in all
    for name in folders:
        assert (ROOT / "models" / name / "config.json").exists()


@pytest.mark.parametrize("run_name", sorted(SHIPPED))
def test_shipped_model_plays_to_its_figure(run_name, script, tmp_path):
    name, flags, figure = SHIPPED[run_name]
    # An empty log folder: --play falls back to the shipped model and says which it plays.
    played = script(name, "--play", "--greedy", "--seed", "7", *flags, "--log-dir", str(tmp_path))
    assert played.returncode == 0, played.stderr[-2000:]
    assert f"Playing the trained agent shipped with the repository: models/{run_name}/" in played.stdout
    mean = float(re.search(r"Average reward over \d+ episodes: (-?[\d.]+)", played.stdout).group(1))
    assert mean >= figure


def test_readme_shows_the_table_the_retraining_script_writes(tmp_path, monkeypatch):
    """README.md's table is models/README.md's, and write_table keeps both (a new row lands in each)."""
    import importlib.util
    import shutil

    models_rows = [line for line in (ROOT / "models" / "README.md").read_text().splitlines() if line.startswith("|")]
    readme = (ROOT / "README.md").read_text()
    assert "\n".join(models_rows) in readme and len(models_rows) == len(SHIPPED) + 2
    spec = importlib.util.spec_from_file_location("train_shipped", ROOT / "scripts" / "train_shipped_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "models").mkdir()
    shutil.copy(ROOT / "models" / "README.md", tmp_path / "models" / "README.md")
    for config in (ROOT / "models").glob("*/config.json"):  # the Japanese table's env column
        (tmp_path / "models" / config.parent.name).mkdir()
        shutil.copy(config, tmp_path / "models" / config.parent.name / "config.json")
    shutil.copy(ROOT / "README.md", tmp_path / "README.md")
    shutil.copy(ROOT / "README.ja.md", tmp_path / "README.ja.md")
    monkeypatch.setattr(module, "ROOT", str(tmp_path))
    monkeypatch.setattr(module, "MODELS", str(tmp_path / "models"))
    module.write_table([{"run": "dqn", "command": "python scripts/dqn_agent.py --seed 9", "env_steps": 5,
                         "minutes": 0.1, "play": "--episodes 1", "score": 54.5}])
    row = "| `dqn` | `python scripts/dqn_agent.py --seed 9` | 5 | 0.1 | `--play --greedy --episodes 1` | 54.5 |"
    for path in (tmp_path / "README.md", tmp_path / "models" / "README.md"):
        text = path.read_text()
        assert row in text and text.count("| `dqn` |") == 1 and "| `ppo_test` |" in text
    assert (tmp_path / "README.md").read_text().split("<!-- shipped-models: end -->")[1] == \
        readme.split("<!-- shipped-models: end -->")[1]
    japanese = (tmp_path / "README.ja.md").read_text(encoding="utf-8")  # README.ja.md's table, Japanese headers
    assert ("| `dqn` | Catcher-v0 | `python scripts/dqn_agent.py --seed 9` | 5 | 0.1 | `--play --greedy --episodes 1` "
            "| 54.5 |") in japanese and japanese.count("| `dqn` |") == 1 and "| `ppo_test` | CartPole-v0 |" in japanese
    before, after = ((ROOT / "README.ja.md").read_text(encoding="utf-8").split(marker) for marker in
                     ("<!-- shipped-models: begin -->", "<!-- shipped-models: end -->"))
    assert japanese.startswith(before[0]) and japanese.endswith(after[1])

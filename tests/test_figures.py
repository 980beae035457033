"""The published figures: interquartile means with bootstrap intervals, unsolved runs at the cap, ratios to the
peer, and the READMEs' tables exactly as the results files under benchmarks/results/ give them."""
import os
import shutil

import numpy as np
import pytest

from benchmarks import figures

ROOT = figures.ROOT
STUDY = figures.Study("toy", "cartpole", "CartPole-v1", 475.0, runs=(("ppo", "fast"),), peers=("sb3_ppo",),
                      pairs=(("ppo/fast", "sb3_ppo"),), seeds=(1, 2, 3, 4, 5, 6, 7, 8), minutes=2.0, cap_steps=50_000)


def rows(agent, preset, seconds, steps, solved=None):
    solved = solved or [True] * len(seconds)
    return [{"agent": agent, "preset": preset, "seed": i + 1, "solved": ok, "train_s": s, "steps": n}
            for i, (s, n, ok) in enumerate(zip(seconds, steps, solved))]


def test_the_iqm_is_the_mean_of_the_middle_half_and_its_interval_is_reproducible():
    values = [8.0, 1.0, 7.0, 2.0, 6.0, 3.0, 5.0, 4.0]
    assert figures.iqm(np.array(values)) == pytest.approx(4.5)  # mean of 3, 4, 5, 6
    low, high = figures.interval(figures.iqm, [values])
    assert low < 4.5 < high and 2.0 <= low and high <= 7.0
    assert figures.interval(figures.iqm, [values]) == (low, high)  # seeded: the same file, the same table
    assert figures.interval(figures.iqm, [[3.0] * 8]) == (3.0, 3.0)


def test_a_run_that_never_reaches_the_goal_counts_at_the_cap():
    seconds = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    solved = [True] * 7 + [False]
    summary = figures.summarize(rows("ppo", "fast", seconds, [1000] * 8, solved), STUDY)["ppo/fast"]
    assert summary["solved"] == 7 and summary["seeds"] == 8
    assert summary["median_s"] == pytest.approx(4.5)
    assert summary["iqm_s"] == pytest.approx(np.mean([3.0, 4.0, 5.0, 6.0]))
    assert figures.at_cap({"solved": False, "train_s": 8.0, "steps": 1000}, STUDY) == (120.0, 50_000.0)
    all_failed = figures.summarize(rows("ppo", "fast", seconds, [1000] * 8, [False] * 8), STUDY)["ppo/fast"]
    assert all_failed["iqm_s"] == 120.0 and all_failed["ci_s"] == (120.0, 120.0) and all_failed["median_steps"] == 50_000


def test_the_ratio_to_the_peer_is_paired_by_seed_with_its_interval():
    ours = rows("ppo", "fast", [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0], [1000] * 8)
    peer = rows("sb3_ppo", "zoo", [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0], [1000] * 8)
    r = figures.ratio(ours + peer, STUDY, "ppo/fast", "sb3_ppo")
    assert r["seeds"] == 8 and r["ratio"] == pytest.approx(0.1)
    assert r["ci"] == pytest.approx((0.1, 0.1))  # paired: every resample keeps each seed's pair
    shuffled = rows("sb3_ppo", "zoo", [80.0, 10.0, 70.0, 20.0, 60.0, 30.0, 50.0, 40.0], [1000] * 8)
    low, high = figures.ratio(ours + shuffled, STUDY, "ppo/fast", "sb3_ppo")["ci"]
    assert low < 0.1 < high


def test_the_readmes_tables_are_what_the_results_files_give():
    for name in figures.STUDIES:
        assert os.path.exists(figures.results_path(name)), f"benchmarks/results/{name}.json is missing"
    for document in figures.DOCUMENTS:
        text = open(os.path.join(ROOT, document), encoding="utf-8").read()
        for name in figures.STUDIES:
            assert f"<!-- figures:{name} -->" in text, f"{document} has no {name} table"
    assert figures.differences() == []  # python benchmarks/figures.py render


def test_a_number_changed_by_hand_is_caught_and_render_puts_it_back(tmp_path, monkeypatch):
    for document in figures.DOCUMENTS:
        os.makedirs(tmp_path / os.path.dirname(document), exist_ok=True)
        shutil.copy(os.path.join(ROOT, document), tmp_path / document)
    path = tmp_path / "README.md"
    text = path.read_text(encoding="utf-8")
    start = text.index("<!-- figures:cartpole -->")
    bold = text.index("**", start)
    path.write_text(text[:bold] + "**0.01" + text[text.index("**", bold + 2):], encoding="utf-8")
    monkeypatch.setattr(figures, "ROOT", str(tmp_path))
    monkeypatch.setattr(figures, "plot", lambda record, folder=None: [])
    assert figures.differences() == ["README.md: cartpole"]
    assert figures.render(check=True) == 1
    assert figures.render() == 0 and figures.differences() == []
    assert path.read_text(encoding="utf-8") == text


def test_the_plots_are_drawn_from_a_results_file(tmp_path):
    record = figures.load("cartpole")
    paths = figures.plot(record, str(tmp_path))
    assert [os.path.basename(p) for p in paths] == ["cartpole_time_to_goal.png", "cartpole_profiles.png"]
    assert all(os.path.getsize(p) > 10_000 for p in paths)

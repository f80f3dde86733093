"""scripts/reference_runs.py, ssl_course.studies.runs and .reference: the shipped runs and the pipeline that builds them."""
import importlib.util
import json
from pathlib import Path

import pytest
import torch

from ssl_course.studies import reference, reference_plots, runs
from ssl_course.studies.assets import reference_dir
from ssl_course.checkpoint import load_checkpoint
from ssl_course.train import train
from ssl_course.scoring import evaluate, evaluate_checkpoint, load_trained

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "assets" / "reference_runs").glob("*/summary.json"))


def load_script():
    spec = importlib.util.spec_from_file_location("reference_runs", ROOT / "scripts" / "reference_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def untrained_backbone_of(folder):
    from ssl_course.build import untrained_backbone

    return untrained_backbone(load_trained(folder / "backbone.pt")[1]).eval()


def test_smoke_writes_a_run_that_evaluates_to_its_summary(tmp_path, capsys):
    script = load_script()
    assert script.main(["--smoke", "--out", str(tmp_path), "--runs", "simsiam", "--seeds", "0"]) == 0
    folder = tmp_path / "simsiam-s0"
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["steps"] == 4 and not (folder / "work").exists()
    # the recorded scores are the backbones' own: the trained one re-evaluated below, the untrained rebuilt
    assert summary["random_init_knn"] == evaluate(untrained_backbone_of(folder), load_trained(folder / "backbone.pt")[1],
                                                  probe=False)["knn"]
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "knn" in r] == [2, 4]
    assert evaluate_checkpoint(folder / "backbone.pt", device="cpu")["knn"] == summary["knn"]
    assert "model" not in load_checkpoint(folder / "backbone.pt")  # backbone only: small enough to ship
    capsys.readouterr()
    script.main(["--smoke", "--out", str(tmp_path), "--runs", "simsiam", "--seeds", "0"])
    assert "simsiam-s0: done already, skipped" in capsys.readouterr().out
    # the kNN curve's own random-init line: measured as the curve is (the subset), and rebuilt exactly
    # for a run shipped without it
    recorded = summary["random_init_curve_knn"]
    from ssl_course.build import build_from_config

    _, config, _ = load_trained(folder / "backbone.pt")
    torch.manual_seed(config.seed)
    untrained = build_from_config(config, 32).backbone.eval()
    assert recorded == evaluate(untrained, config, subset=config.eval_subset, probe=False)["knn"]
    del summary["random_init_curve_knn"]
    (folder / "summary.json").write_text(json.dumps(summary))
    assert runs.add_curve_baseline(folder) == recorded
    assert json.loads((folder / "summary.json").read_text())["random_init_curve_knn"] == recorded
    assert runs.add_curve_baseline(folder) is None  # has one already


def test_an_interrupted_run_resumes_exactly(tmp_path):
    script = load_script()
    whole = runs.train_one("byol", 1, tmp_path / "whole", smoke=True)
    # a run killed after 2 of its 4 steps leaves work/last.pt behind
    partial = runs.run_config("byol", 1, tmp_path / "parts" / "byol-s1" / "work", smoke=True)
    partial.max_steps = 2
    train(partial)
    resumed = runs.train_one("byol", 1, tmp_path / "parts", smoke=True)
    assert resumed["steps"] == whole["steps"] == 4
    a = load_checkpoint(tmp_path / "whole" / "byol-s1" / "backbone.pt")["backbone"]
    b = load_checkpoint(tmp_path / "parts" / "byol-s1" / "backbone.pt")["backbone"]
    assert all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.skipif(not SHIPPED, reason="no reference runs shipped in this checkout")
def test_shipped_runs_are_complete_and_small():
    total = sum(f.stat().st_size for f in (ROOT / "assets" / "reference_runs").rglob("*") if f.is_file())
    assert total < 25 * 2**20
    for path in SHIPPED:
        summary = json.loads(path.read_text())
        backbone = {"backbone.pt"} if runs.ships_backbone(summary["run"], summary["seed"]) else set()
        assert {p.name for p in path.parent.iterdir()} == {"summary.json", "metrics.jsonl", *backbone}, path.parent.name


@pytest.mark.skipif(not SHIPPED, reason="no reference runs shipped in this checkout")
def test_every_shipped_run_was_trained_with_the_config_the_script_makes_now(tmp_path):
    """A preset change that a shipped run did not follow fails here: rebuild that run, or pin the
    fields it was trained with in ssl_course.studies.runs.RUNS."""
    import dataclasses

    from ssl_course.config import RUNTIME_FIELDS

    from ssl_course.config import TrainConfig

    # a run trained before a field existed was trained with that field's default behaviour
    defaults = {f.name: f.default for f in dataclasses.fields(TrainConfig)}
    for path in sorted(reference_dir().glob("*/summary.json")):
        summary = json.loads(path.read_text())
        expected = dataclasses.asdict(runs.run_config(summary["run"], summary["seed"], tmp_path))
        shipped = {key: summary["config"].get(key, defaults[key]) for key in expected}
        differing = {key: (shipped[key], value) for key, value in expected.items()
                     if (key not in RUNTIME_FIELDS or key == "eval_every") and shipped[key] != value}
        assert not differing, f"{path.parent.name}: shipped vs now {differing}"


def test_every_shipped_backbone_loads_with_its_recorded_steps():
    for path in [p for p in SHIPPED if (p.parent / "backbone.pt").exists()]:
        _, _, steps = load_trained(path.parent / "backbone.pt")
        assert steps == json.loads(path.read_text())["steps"], path.parent.name


# one run per condition (seed 0); of the data study, which shares one dataset and one evaluation path, its
# smallest-data column and the stream runs (the others differ only in train_subset)
FIRST_SEEDS = [p for p in SHIPPED if p.parent.name.endswith("-s0") and not
               (p.parent.name.startswith("data-w") and p.parent.name.split("-")[2] != "n128")]


@pytest.mark.slow
@pytest.mark.parametrize("path", FIRST_SEEDS, ids=[p.parent.name for p in FIRST_SEEDS])
def test_shipped_backbone_evaluates_to_its_recorded_knn(path):
    summary = json.loads(path.read_text())
    method, config, steps = load_trained(path.parent / "backbone.pt")
    config.device = "cpu"
    assert evaluate(method.backbone, config, probe=False)["knn"] == pytest.approx(summary["knn"], abs=1e-9)


def fake_runs(root: Path, run: str, knn, random_knn):
    for seed, (a, b) in enumerate(zip(knn, random_knn)):
        folder = root / f"{run}-s{seed}"
        folder.mkdir(parents=True)
        summary = dict(run=run, seed=seed, knn=a, random_init_knn=b, linear_probe=a, random_init_probe=b,
                       effective_rank=10.0, config={})
        (folder / "summary.json").write_text(json.dumps(summary))
        (folder / "metrics.jsonl").write_text(json.dumps({"step": 10, "knn": a}) + "\n")


def test_gain_and_criterion_against_hand_numbers(tmp_path):
    fake_runs(tmp_path, "good", [0.50, 0.52, 0.54], [0.30, 0.31, 0.32])  # gains 0.20, 0.21, 0.22
    fake_runs(tmp_path, "noisy", [0.30, 0.60, 0.45], [0.30, 0.30, 0.30])  # gains 0, 0.30, 0.15: std 0.15
    table = reference.load(["good", "noisy"], root=tmp_path)
    mean, std, n = reference.gain(table, "good")
    assert (round(mean, 6), round(std, 6), n) == (0.21, 0.01, 3)
    assert reference.beats_random_init(table, "good", by=0.10) == (True, "kNN gain +0.21 ± 0.01 over 3 seeds")
    holds, text = reference.beats_random_init(table, "noisy", by=0.10)
    assert not holds and text == "kNN gain +0.15 ± 0.15 over 3 seeds"  # mean >= 0.10, but not > 2 std
    assert not reference.beats_random_init(table, "good", by=0.25)[0]
    lines = reference.format_table(table).splitlines()
    assert lines[1].split()[:5] == ["good", "3", "0.520", "±", "0.020"]
    assert list(reference.curves(table)["knn"]) == [0.50, 0.52, 0.54, 0.30, 0.60, 0.45]


def test_missing_runs_are_one_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="no reference runs for simsiam in .*scripts/reference_runs.py"):
        reference.load(["simsiam"], root=tmp_path)


@pytest.mark.skipif(not SHIPPED, reason="no reference runs shipped in this checkout")
def test_readme_results_table_is_generated_from_the_shipped_runs():
    """Hand-copied numbers drift: `python scripts/reference_runs.py --readme` rewrites the table."""
    start, end = runs.README_MARKERS
    shown = (ROOT / "README.md").read_text().split(start)[1].split(end)[0].strip()
    assert shown == runs.readme_table().strip()


def test_readme_table_is_rewritten_between_its_markers(tmp_path):
    fake_runs(tmp_path, "simsiam", [0.50, 0.52, 0.54], [0.30, 0.31, 0.32])
    start, end = runs.README_MARKERS
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{start}\nold table\n{end}\noutro\n")
    runs.write_readme_table(readme, out=tmp_path)
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{end}\noutro\n") and "old table" not in text
    assert "| SimSiam | 0.520 ± 0.020 | 0.520 ± 0.020 | +0.210 ± 0.010 ✓ | 10.0 |" in text


@pytest.mark.slow
def test_demo_sets_a_live_simsiam_run_beside_the_reference_runs(tmp_path):
    from ssl_course.demo import DEMO_REFERENCES, run_demo

    summary = run_demo(out=tmp_path / "demo", seconds=2, progress=False)
    table = reference.load(list(DEMO_REFERENCES))
    assert list(summary["reference_knn"]) == list(DEMO_REFERENCES.values())
    for run, label in DEMO_REFERENCES.items():
        knn = table.loc[table["run"] == run, "knn"]
        assert summary["reference_knn"][label]["knn"] == pytest.approx(knn.mean(), abs=1e-4)
        assert summary["reference_knn"][label]["std"] == pytest.approx(knn.std(ddof=1), abs=1e-4)
    assert 0 < summary["live_simsiam_knn"] <= 1 and summary["train_seconds"] < 2 + 10
    assert (tmp_path / "demo" / "demo.png").stat().st_size > 10_000
    lines = summary["table"].splitlines()
    assert len(lines) == 2 + 1 + len(DEMO_REFERENCES) + 2 and "raw pixels" in lines[-1]
    assert json.loads((tmp_path / "demo" / "demo.json").read_text())["live_simsiam_knn"] == summary["live_simsiam_knn"]


def test_the_docs_quote_the_shipped_demo_run():
    """docs/results.md's and docs/measurements.md's live numbers are assets/demo.json's, one source."""
    demo = json.loads((ROOT / "assets" / "demo.json").read_text())
    live = f"| SimSiam, live | **{demo['live_simsiam_knn']}** | this run: {demo['train_steps']} steps in {demo['train_seconds']:.0f} s |"
    results = (ROOT / "docs" / "results.md").read_text()
    assert live in results and f"| random init | {demo['random_knn']} |" in results
    assert f"{demo['seconds']:.0f} s end to end" in results and demo["date"] in results
    measurements = " ".join((ROOT / "docs" / "measurements.md").read_text().split())
    assert (f"{demo['date']} (seed 0; `assets/demo.json`): the live SimSiam run reaches kNN {demo['live_simsiam_knn']} "
            f"after {demo['train_steps']} steps in {demo['train_seconds']:.0f} s") in measurements
    for label, row in demo["reference_knn"].items():
        assert f"{row['knn']:.3f} ± {row['std']:.3f}" in results, label


def test_knn_curves_carry_their_own_random_init_and_the_final_full_set_scores_beside_them():
    import matplotlib

    matplotlib.use("Agg")
    table = reference.load(["simsiam", "simsiam-no-stop-gradient"])
    ax = reference_plots.plot_curves(table)
    (dotted,) = [line for line in ax.lines if line.get_linestyle() == ":"]
    assert dotted.get_ydata()[0] == pytest.approx(table["random_init_curve_knn"].mean())
    assert ax.get_ylim()[0] < dotted.get_ydata()[0] - 0.05  # the line is off the axis spine
    assert table["random_init_curve_knn"].mean() < table["random_init_knn"].mean()  # the subset's kNN reads lower
    final = ax.figure.axes[1]
    (full_dotted,) = [line for line in final.lines if line.get_linestyle() == ":"]
    assert full_dotted.get_ydata()[0] == pytest.approx(table["random_init_knn"].mean())
    points = [line for line in final.lines if line.get_marker() == "o"]
    for point, run in zip(points, ["simsiam", "simsiam-no-stop-gradient"]):
        assert point.get_ydata()[0] == pytest.approx(table.loc[table["run"] == run, "knn"].mean())
    assert [t.get_text() for t in final.get_xticklabels()] == ["simsiam", "simsiam-no-stop-gradient"]
    assert "k = 200, 2\u2009000 labelled training images vs 1\u2009000 test images" in ax.get_xlabel()


def test_training_label_names_the_steps_the_views_side_and_kornia_made_views():
    import pandas as pd

    new = pd.DataFrame([{"steps": 1872, "view_size": 20.0, "dataset": "shapes", "augment": "torch"}])
    old = pd.DataFrame([{"steps": 1170, "view_size": float("nan"), "dataset": "shapes", "augment": "kornia"}])
    assert reference.training_label(new) == "1872 steps, 20 px"
    assert reference.training_label(old) == "1170 steps, 32 px, kornia"  # shapes' own 32-px images, before view_size
    assert reference.training_label(pd.DataFrame([{"steps": 4, "view_size": None, "dataset": None}])) == "4 steps"
    assert reference.training_label(pd.DataFrame([{"view_size": 24.0}])) == "24 px"  # a summary without steps


def test_shipped_logs_keep_every_knn_and_thin_the_monitor_evenly():
    def log(steps):
        return [{"step": s, **({"effective_rank": 1.0} if s % 10 == 0 else {}), **({"knn": 0.5} if s % 500 == 0 else {})}
                for s in range(1, steps + 1)]

    assert runs.shipped_rows(log(1872)) == [r for r in log(1872) if len(r) > 1]  # 187 monitor rows: all kept
    rows = runs.shipped_rows(log(3000))
    monitor = [r["step"] for r in rows if "effective_rank" in r]
    assert monitor == list(range(20, 3001, 20)) and len(monitor) <= runs.MONITOR_ROWS
    assert [r["step"] for r in rows if "knn" in r] == [500, 1000, 1500, 2000, 2500, 3000]


def test_the_collapse_numbers_in_the_docs_are_the_shipped_runs():
    """docs/results.md quotes the ablations' effective ranks and kNN gains, and the lowest rank of the rest."""
    import statistics

    runs = {p.name: json.loads((p / "summary.json").read_text()) for p in (ROOT / "assets" / "reference_runs").iterdir()}

    def of(name):
        return [r for key, r in sorted(runs.items()) if key.rsplit("-s", 1)[0] == name]

    def rank_range(name):
        ranks = [r["effective_rank"] for r in of(name)]
        return f"{min(ranks):.2f}–{max(ranks):.2f}"

    def gain(name):
        gains = [r["knn"] - r["random_init_knn"] for r in of(name)]
        return f"{statistics.mean(gains):+.3f} ± {statistics.stdev(gains):.3f}".lstrip("+")

    text = " ".join((ROOT / "docs" / "results.md").read_text().split())
    assert f"effective rank of {rank_range('simsiam-no-stop-gradient')} of 128" in text
    assert f"gains {gain('simsiam-no-stop-gradient')} kNN" in text
    assert f"(effective rank {rank_range('simsiam-no-predictor')})" in text
    assert f"gains +{gain('simsiam-no-predictor')} kNN" in text
    others = [r["effective_rank"] for key, r in runs.items() if "-no-" not in key]
    assert f"keeps an effective rank above {int(min(others) * 100) / 100:.2f}" in text


def test_theory_md_quotes_the_heads_comparison_from_the_shipped_runs():
    """docs/theory.md's probe and effective rank of every head, mean ± std over seeds, are the shipped runs'."""
    heads = {"simsiam": ("DirectPred", "DirectCopy", "MLP head", "SGD linear"), "byol": ("DirectPred", "DirectCopy", "MLP head", "SGD linear")}
    runs = {"DirectPred": "-directpred", "DirectCopy": "-directcopy", "MLP head": "", "SGD linear": "-linear"}
    text = " ".join((ROOT / "docs" / "theory.md").read_text().split())
    paragraph = text[text.index("Comparison: the reference runs above"):text.index("Notebook 06 plots them with error bars.")]
    for method, names in heads.items():
        table = reference.load([method + runs[name] for name in names])
        stats = table.groupby("run", observed=True)[["linear_probe", "effective_rank"]].agg(["mean", "std"])
        for name in names:
            probe = stats.loc[method + runs[name], "linear_probe"]
            assert f"{name} {probe['mean']:.3f} ± {probe['std']:.3f}" in paragraph, (method, name)
        ranks = [f"{stats.loc[method + runs[name], 'effective_rank']['mean']:.1f}" for name in ("DirectPred", "DirectCopy", "SGD linear")]
        assert f"{ranks[0]} / {ranks[1]} against {ranks[2]}" in paragraph, method
        seeds = table.groupby("seed")["random_init_probe"].first()
        assert f"random init {seeds.mean():.3f} ± {seeds.std():.3f}" in paragraph

"""The throughput benchmark's CPU smoke run prints its JSON line with consistent ratios."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_throughput_smoke_run_prints_one_json_line():
    command = [sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--device", "cpu", "--backbone", "convnet",
               "--width", "8", "--batch-size", "16", "--steps", "2", "--warmup", "1", "--workers", "0", "--rounds", "3"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("model_bound_img_s", "ours_img_s", "lightly_style_img_s"):
        assert result[key] > 0
    assert abs(result["ours_over_bound"] - result["ours_img_s"] / result["model_bound_img_s"]) < 0.01
    assert abs(result["ours_over_lightly"] - result["ours_img_s"] / result["lightly_style_img_s"]) < 0.01
    assert result["device"].startswith("cpu") and result["batch_size"] == 16
    assert result["rounds"] == 3 and len(result["ours_over_bound_per_round"]) == 3
    assert all(ratio > 0 for ratio in result["ours_over_bound_per_round"])


def _load_benchmark(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_side_plans_the_steps_that_fit_its_budget():
    quality = _load_benchmark("quality_vs_lightly")
    assert quality.steps_that_fit(0.1, 120.0, 1170) == 1170  # the recipe fits: all of it
    assert quality.steps_that_fit(0.2, 120.0, 1170) == 600  # it does not: as many steps as fit
    assert quality.steps_that_fit(500.0, 120.0, 1170) == 1  # at least one


@pytest.mark.slow
def test_quality_benchmark_trains_both_sides_and_reports_one_json_line(tmp_path, capsys):
    quality = _load_benchmark("quality_vs_lightly")
    assert quality.main(["--budget", "2", "--seeds", "1", "--json", str(tmp_path / "result.json")]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    written = json.loads((tmp_path / "result.json").read_text())
    assert printed == written
    assert {"ours_knn", "lightly_knn", "budget_s", "seeds"} <= printed.keys()
    assert printed["budget_s"] == 2.0 and printed["seeds"] == 1
    (row,) = printed["per_seed"]
    for side in ("ours", "lightly"):
        assert 0.0 < row[side]["knn"] <= 1.0 and row[side]["steps"] >= 1
        assert row[side]["seconds"] < 2.0 + 30  # stopped at the budget (plus at most one slow step)
    assert printed["ours_knn"] == pytest.approx(row["ours"]["knn"], abs=1e-4)
    assert printed["lightly_knn"] == pytest.approx(row["lightly"]["knn"], abs=1e-4)


def test_the_recipe_search_table_gives_each_candidate_its_mean_and_seed_std():
    search = _load_benchmark("recipe_search")
    row = dict(method="simsiam", preset_head="512 wide, lr x10", candidate="lr0.07", steps=780, linear_probe=0.5,
               effective_rank=50.0, seconds=120.0)
    table = search.markdown_table([{**row, "knn": 0.4}, {**row, "knn": 0.6}, {**row, "candidate": "preset", "knn": 0.55}])
    lines = table.splitlines()
    assert len(lines) == 4  # header, rule, one line per candidate
    assert "| lr0.07 | 780 | 2 | 0.500 ± 0.141 |" in lines[2]  # stdev of (0.4, 0.6) = 0.1414
    assert "| preset | 780 | 1 | 0.550 |" in lines[3]


def test_a_search_records_each_run_as_it_finishes_and_reads_them_back(tmp_path, capsys):
    search = _load_benchmark("recipe_search")
    path = tmp_path / "runs.jsonl"
    search.record({"knn": 0.5, "seed": 0}, path)
    search.record({"knn": 0.6, "seed": 1}, path)
    assert search.read_rows(path) == [{"knn": 0.5, "seed": 0}, {"knn": 0.6, "seed": 1}]
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == search.read_rows(path)


def test_augment_speed_times_both_augmentations_and_reports_their_ratio(capsys):
    result = _load_benchmark("augment_speed").main(["--repeats", "2", "--batch-size", "8"])
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == result
    for name in ("torch", "kornia"):
        assert 0 < result[f"{name}_views_ms"] < result[f"{name}_step_ms"]
    assert result["views_kornia_over_torch"] == round(result["kornia_views_ms"] / result["torch_views_ms"], 2)
    assert result["batch_size"] == 8 and result["view_size"] == 20


def test_step_timing_runs_each_variant_in_its_precision_and_memory_format(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import ssl_course.train as trainer
    from ssl_course.course import load_benchmark, plot_step_times
    from ssl_course.train import TrainConfig

    seen = []
    original = trainer.optimizer_step

    def spy(method, step_fn, optimizer, view1, view2, *args, autocast=None, channels_last=False, **kw):
        conv = next(m for m in method.backbone.modules() if isinstance(m, torch.nn.Conv2d))
        dtypes = []
        hook = conv.register_forward_hook(lambda module, inputs, output: dtypes.append(output.dtype))
        output = original(method, step_fn, optimizer, view1, view2, *args, autocast=autocast, channels_last=channels_last, **kw)
        hook.remove()
        seen.append((dtypes[0], conv.weight.is_contiguous(memory_format=torch.channels_last)))
        return output

    monkeypatch.setattr(trainer, "optimizer_step", spy)
    config = TrainConfig(method="simsiam", batch_size=8, width=4, proj_hidden_dim=16, proj_dim=8, device="cpu")
    bench = load_benchmark("step_variants")
    times = bench.time_step_variants(config, steps=2, warmup=1)
    assert list(times) == list(bench.STEP_VARIANTS) and all(t > 0 for t in times.values())
    dtypes = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}
    expected = [(dtypes[precision], channels_last) for precision, channels_last in bench.STEP_VARIANTS.values()]
    assert seen == [e for e in expected for _ in range(3)]  # warm-up + timed steps of each variant
    fig = plot_step_times(times)
    labels = [t.get_text() for t in fig.axes[0].texts]
    assert len(labels) == 4 and labels[0].endswith("(1.00x fp32 speed)")


def test_the_step_time_sentence_is_written_from_the_measured_factors():
    bench = _load_benchmark("step_variants")
    times = {"fp32": 100.0, "bf16 autocast": 400.0, "channels_last": 80.0, "bf16 + channels_last": 97.0}
    assert bench.speed_factors(times) == {"fp32": 1.0, "bf16 autocast": 0.25, "channels_last": 1.25,
                                          "bf16 + channels_last": 100 / 97}
    assert bench.describe(times, "cpu") == (
        "Measured on this machine (cpu), speed relative to fp32: bf16 autocast 0.25x (4.0x slower), "
        "channels_last 1.25x (faster), both 1.03x (the same within 10 %).")


def test_step_variants_refuses_a_step_count_below_one_in_one_line(capsys):
    bench = _load_benchmark("step_variants")
    assert bench.main(["--steps", "0", "--device", "cpu"]) == 2
    assert capsys.readouterr().err.strip() == "step_variants: steps must be >= 1 and warmup >= 0, got steps=0, warmup=3"


def test_every_precision_variant_runs_in_its_dtype_with_the_trainers_optimiser():
    from ssl_course.train import TrainConfig

    bench = _load_benchmark("step_variants")
    assert list(bench.ALL_VARIANTS) == ["fp32", "fp32 + channels_last", "bf16", "bf16 + channels_last", "fp16",
                                        "fp16 + channels_last"]
    config = TrainConfig(method="simsiam", batch_size=8, width=4, proj_hidden_dim=16, proj_dim=8, device="cpu")
    times = bench.time_step_variants(config, steps=1, warmup=0, variants={"fp16": ("fp16", False)})
    assert list(times) == ["fp16"] and times["fp16"] > 0


def test_gpu_check_scales_a_measurement_to_a_t4_by_the_published_rates():
    check = _load_benchmark("gpu_check")
    assert check.gpu_key("NVIDIA H200") == "H200" and check.gpu_key("Tesla T4") == "T4" and check.gpu_key("cpu") is None
    # 989 dense fp16 TFLOPS on an H200, 65 on a T4
    assert check.t4_scaled(9890.0, "NVIDIA H200", "fp16") == pytest.approx(650.0)
    assert check.t4_scaled(670.0, "NVIDIA H100 80GB HBM3", "fp32") == pytest.approx(81.0)
    assert check.t4_scaled(100.0, "NVIDIA H200", "bf16") is None  # a T4 has no bf16 rate
    assert check.t4_scaled(100.0, "cpu (x86_64)", "fp32") is None


@pytest.mark.slow
def test_gpu_check_cpu_mode_measures_every_part_and_writes_its_table(tmp_path, monkeypatch):
    check = _load_benchmark("gpu_check")
    docs = tmp_path / "scaling.md"
    docs.write_text(f"before\n{check.MARKERS[0]}\nold\n{check.MARKERS[1]}\nafter\n")
    monkeypatch.setattr(check, "DOCS", docs)
    out = tmp_path / "check.json"
    assert check.main(["--cpu", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert result["cpu_mode"] and result["auto_precision"] == "fp32"
    assert [(r["precision"], r["channels_last"]) for r in result["step_grid"]] == check.VARIANTS
    for row in result["step_grid"]:
        assert row["model_bound_img_s"] > 0 and row["trainer_over_bound"] == pytest.approx(
            row["trainer_img_s"] / row["model_bound_img_s"], abs=2e-3)
    assert result["full_run"]["steps"] == check.SIZES["cpu"][3] and result["full_run"]["steps_per_second"] > 0
    assert [(r["precision"], r["estimate_img_s"]) for r in result["colab_estimate"]] == [("fp32", 400), ("fp16", 1000)]
    assert all(r["scaled_to_t4_img_s"] is None for r in result["colab_estimate"])  # a CPU has no published rate
    assert docs.read_text() == f"before\n{check.MARKERS[0]}\nold\n{check.MARKERS[1]}\nafter\n"  # --cpu leaves docs alone
    check.write_docs(result, docs)
    assert "| fp16 | yes |" in docs.read_text() and docs.read_text().endswith("after\n")
    assert check.load_result(tmp_path / "none.json") is None


def test_gpu_check_without_a_gpu_says_so_in_one_line(capsys):
    check = _load_benchmark("gpu_check")
    if torch.cuda.is_available():
        pytest.skip("a GPU is here: the check would run")
    assert check.main([]) == 2
    assert capsys.readouterr().err.strip() == "gpu_check: no CUDA GPU here; run it on one, or pass --cpu for the toy-sized check"


def test_the_cli_defaults_table_groups_each_method_and_flags_over_its_seeds():
    cli = _load_benchmark("cli_defaults")
    today = cli.recipe("byol")
    rows = [{"method": "byol", "flags": "", "recipe": today, "steps": 10, "seed": s, "knn": k, "random_init_knn": 0.3,
             "command_seconds": t} for s, k, t in ((11, 0.70, 100.0), (12, 0.80, 110.0))]
    rows.append({"method": "byol", "flags": "--epochs 2", "recipe": today, "steps": 20, "seed": 11, "knn": 0.5,
                 "random_init_knn": 0.3, "command_seconds": 50.0})
    old = {"method": "byol", "steps": 10, "seed": 11, "knn": 0.6, "random_init_knn": 0.3, "command_seconds": 90.0}
    rows += [{**old, "flags": ""}, {**old, "flags": "--epochs 2", "recipe": "lr=0.3"}]  # an earlier preset's runs
    table = cli.markdown_table(rows).splitlines()
    assert table[2] == "| byol | (defaults) | 10 | 11 12 | 0.750 ± 0.071 | 0.300 ± 0.000 | 105 ± 7 |"
    assert table[3] == "| byol | --epochs 2 | 20 | 11 | 0.500 | 0.300 | 50 |"
    assert table[4:] == ["| byol | (earlier defaults) | 10 | 11 | 0.600 | 0.300 | 90 |",
                         "| byol | --epochs 2, on earlier defaults | 10 | 11 | 0.600 | 0.300 | 90 |"]
    assert "warmup_epochs=2.0" in cli.recipe("simsiam") and cli.recipe("simclr").startswith("lr=0.3")


def test_the_cli_defaults_benchmark_runs_the_real_command_and_records_it(tmp_path, capsys):
    cli = _load_benchmark("cli_defaults")
    out = tmp_path / "rows.jsonl"
    assert cli.main(["--methods", "simsiam", "--seeds", "5", "--out", str(out),
                     "--set", "--max-steps", "2", "--train-subset", "256", "--batch-size", "32", "--width", "4"]) == 0
    (row,) = cli.read_rows(out)
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == row
    assert row["method"] == "simsiam" and row["seed"] == 5 and row["steps"] == 2
    assert row["flags"] == "--max-steps 2 --train-subset 256 --batch-size 32 --width 4"
    assert 0.0 < row["knn"] <= 1.0 and row["command_seconds"] >= row["train_seconds"]


def test_the_readme_shows_the_cli_defaults_as_recorded():
    cli = _load_benchmark("cli_defaults")
    assert cli.readme_block((ROOT / "README.md").read_text()) == cli.markdown_table(cli.read_rows(cli.RESULTS))


def test_the_cli_defaults_readme_table_is_rewritten_between_its_markers(tmp_path):
    cli = _load_benchmark("cli_defaults")
    readme, rows = tmp_path / "README.md", tmp_path / "rows.jsonl"
    rows.write_text(json.dumps({"method": "byol", "flags": "", "steps": 3, "seed": 11, "knn": 0.5, "random_init_knn": 0.3,
                                "command_seconds": 9.0}) + "\n")
    readme.write_text(f"# top\n\n{cli.README_START}\nold table\n{cli.README_END}\n\nafter\n")
    cli.write_readme(readme, rows)
    text = readme.read_text()
    assert text.startswith("# top\n") and text.endswith("\nafter\n") and "old table" not in text
    assert cli.readme_block(text) == cli.markdown_table(cli.read_rows(rows))


def test_knn_against_steps_keeps_only_todays_preset_changed_in_its_epochs():
    search = _load_benchmark("recipe_search")
    head = search.preset_head("simsiam")
    row = dict(method="simsiam", seed=0, preset_head=head, candidate="preset epochs=46", changes={"epochs": 46},
               steps=3588, knn=0.85)
    rows = [row,
            {**row, "steps": 1872, "knn": 0.64, "candidate": "preset", "changes": {}},
            {**row, "steps": 780, "knn": 0.5, "preset_head": "default, lr x1"},  # an older head
            {**row, "steps": 2652, "knn": 0.7, "preset_head": "512 wide, lr x10"},  # the head before the warm-up
            {**row, "steps": 900, "knn": 0.6, "candidate": "lr0.3 epochs=10", "changes": {"lr": 0.3, "epochs": 10}},
            {**row, "steps": 2000, "knn": 0.7, "seed": 1},
            {**row, "method": "byol", "steps": 100}]
    assert search.knn_against_steps(rows, "simsiam") == [(1872, 0.64), (3588, 0.85)]
    assert (head, search.preset_head("byol")) == ("512 wide, lr x10, warm-up 2 epochs", "512 wide, lr x10")


def test_scaling_md_quotes_the_shipped_quality_run():
    """docs/scaling.md's table against lightly and decisions.md's summary are the shipped JSON's numbers."""
    result = json.loads((ROOT / "benchmarks" / "results_quality_vs_lightly.json").read_text())
    scaling = (ROOT / "docs" / "scaling.md").read_text()
    for row in result["per_seed"]:
        ours, lightly = row["ours"], row["lightly"]
        assert (f"| {row['seed']} | {ours['knn']:.3f} ({ours['steps']}, {ours['seconds']:.0f}) | "
                f"{lightly['knn']:.3f} ({lightly['steps']}, {lightly['seconds']:.0f}) |") in scaling
    means = (f"**{result['ours_knn']:.3f} ± {result['ours_knn_std']:.3f}** | "
             f"{result['lightly_knn']:.3f} ± {result['lightly_knn_std']:.3f}")
    assert means in scaling and result["date"] in scaling
    decisions = " ".join((ROOT / "docs" / "decisions.md").read_text().split())
    assert (f"kNN **{result['ours_knn']:.3f} ± {result['ours_knn_std']:.3f} (ours) vs "
            f"{result['lightly_knn']:.3f} ± {result['lightly_knn_std']:.3f} (lightly)**") in decisions

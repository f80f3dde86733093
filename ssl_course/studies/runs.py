"""The registry of the course's reference runs: each run's name and what it changes from its method's
preset, how one run is trained and recorded, and the tables made from the finished runs.

``scripts/reference_runs.py`` is its command line; the notebooks read the finished runs through
``studies.reference``. Each run writes ``<out>/<run>-s<seed>/``:

* ``metrics.jsonl``: the monitor every 10 steps and kNN on a 2 000-image subset 8 to 16 times a run (its
  random-init value, measured the same way, is ``random_init_curve_knn`` in the summary);
* ``backbone.pt``: the trained backbone only (with the config, for ``ssl-course eval``);
* ``summary.json``: config, steps, seconds, device, final kNN and linear probe, feature AUC, the loss on
  the run's own images against held-out ones (``studies.fitting``), and the same scores at random init.

Finished runs (``summary.json`` present) are skipped, and an interrupted run resumes from its
``work/last.pt`` exactly, so the set can be built in parts.
"""
from __future__ import annotations

import dataclasses
import json
import platform
import shutil
import time
from pathlib import Path

import torch

from ssl_course.checkpoint import save_checkpoint
from ssl_course.data import SHAPES_DATASETS
from ssl_course.data.training import steps_per_epoch
from ssl_course.presets import for_steps, preset
from ssl_course.studies import reference
from ssl_course.studies.assets import reference_dir
from ssl_course.studies.fitting import fitting_losses
from ssl_course.train import train

# SimSiam's heads other than the MLP: no hidden layer to size,
# and the encoder's lr (the recipe's x10 is the MLP head's) for Wen & Li's identity + off-diagonal
# head and for DirectPred/DirectCopy/none, which have nothing to train
ENCODER_LR = {"predictor_lr_multiplier": 1.0, "pred_hidden_dim": None}
# run name -> (method, what differs from the method's preset; "steps": stop there, the lr schedule
# planned for exactly those steps, unless "epochs" is given)
RUNS = {
    "simclr": ("simclr", {}),
    "byol": ("byol", {}),
    "simsiam": ("simsiam", {}),
    "simsiam-no-stop-gradient": ("simsiam", {"stop_gradient": False}),
    "simsiam-no-predictor": ("simsiam", {"predictor": "none", **ENCODER_LR}),
    "simsiam-linear": ("simsiam", {"predictor": "linear", **ENCODER_LR, "predictor_lr_multiplier": 10.0}),
    "simsiam-directpred": ("simsiam", {"predictor": "directpred", **ENCODER_LR}),
    "simsiam-directcopy": ("simsiam", {"predictor": "directcopy", **ENCODER_LR}),
    "byol-linear": ("byol", {"predictor": "linear", "predictor_lr_multiplier": 10.0}),
    "byol-directpred": ("byol", {"predictor": "directpred", **ENCODER_LR}),
    "byol-directcopy": ("byol", {"predictor": "directcopy", **ENCODER_LR}),
    # Wen & Li 2022: E = I + trainable off-diagonal; E fixed at I is exactly "simsiam-no-predictor"
    "simsiam-identity-offdiag": ("simsiam", {"predictor": "identity_offdiag", **ENCODER_LR}),
}
# Li, Efros & Pathak's "more data, more collapse" with their protocol: the same T = 3 000 steps of 128
# images for every data size (the first N of shapes-100k), so passes per image run from 3 000 (N = 128)
# down to 3.8 (N = 100 000), at two widths (4: 32-d features; 16: 128-d). The study keeps the recipe it was
# trained with, SimSiam's without the lr warm-up that came later (docs/decisions.md, "A warm-up for SimSiam")
DATA_WIDTHS, DATA_SIZES, DATA_STEPS = (4, 16), (128, 512, 2_000, 10_000, 100_000), 3_000
DATA = {"dataset": "shapes-100k", "steps": DATA_STEPS, "warmup_epochs": 0.0}
RUNS.update({f"data-w{w}-n{n}": ("simsiam", {**DATA, "width": w, "train_subset": n})
             for w in DATA_WIDTHS for n in DATA_SIZES})
# the stream where collapse shows (width 16, 100 000 images), in the paper's protocol: continual = 10 chunks
# of 10 000, each for the steps of 4 of its own epochs, never revisited; hybrid = the same stream for the
# first 4 chunks, then i.i.d. over all images for the rest; multi-epoch is data-w16-n100000
STREAM_16 = {**DATA, "width": 16, "train_subset": 100_000, "chunks": 10, "chunk_epochs": 4, "epochs": 40}
RUNS.update({"stream-w16-continual": ("simsiam", STREAM_16),
             "stream-w16-hybrid": ("simsiam", {**STREAM_16, "iid_from_epoch": 16})})
SEEDS = (0, 1, 2)
SMOKE = dict(epochs=1, max_steps=4, batch_size=16, train_subset=64, width=4, proj_hidden_dim=32, proj_dim=16,
             pred_hidden_dim=8)


MONITOR_ROWS = 200  # at most this many monitor rows a shipped run keeps (evenly spaced), to keep assets small


def shipped_rows(history: list[dict]) -> list[dict]:
    """The rows of a run's log that ship: every kNN evaluation, and the collapse monitor (logged every
    ``log_every`` steps) thinned evenly to at most ``MONITOR_ROWS`` rows."""
    monitor = [r for r in history if "effective_rank" in r]
    keep_every = -(-len(monitor) // MONITOR_ROWS)
    kept = {id(r) for r in monitor[keep_every - 1 :: keep_every]} | {id(monitor[-1])} if monitor else set()
    return [r for r in history if "knn" in r or id(r) in kept]


def ships_backbone(name: str, seed: int) -> bool:
    """Whether a run keeps its trained backbone: every run, except the seeds after the first of the collapse
    study's many runs, whose scores, spectra and losses are all in their summaries (a rebuild is exact)."""
    return seed == 0 or not name.startswith(("data-", "stream-"))


def run_config(name: str, seed: int, work: Path, full: bool = False, smoke: bool = False):
    method, changes = RUNS[name]
    changes = dict(changes)
    steps = changes.pop("steps", None)
    if smoke:
        changes = {**changes, **SMOKE, "train_subset": min(changes.get("train_subset", 64), 64)}
        if changes.get("chunks", 1) > 1:  # 64 images hold at most 4 batches of 16
            changes.update(chunks=2, **({"iid_from_epoch": 1} if changes.get("iid_from_epoch") else {}))
        steps = steps and 4
    if full:  # the FULL recipe's data and network (CIFAR-10, ResNet-18) in place of the CPU study's
        changes = {k: v for k, v in changes.items() if k not in ("dataset", "width")}
    config = preset(method, full=full, **changes, seed=seed, out=str(work), overwrite=True, progress=not smoke,
                    checkpoint_every=100)
    if steps is not None:
        config = for_steps(config, steps) if "epochs" not in changes else dataclasses.replace(config, max_steps=min(steps, config.max_steps or steps))
    # kNN on a subset at most once an epoch, at most 16 and at least 8 times a run: the curve the notebooks plot
    # with seed bands
    total = config.max_steps or config.epochs * steps_per_epoch(config)
    config.eval_every = 2 if smoke else min(max(steps_per_epoch(config), total // 16), max(1, total // 8))
    return config


def train_one(name: str, seed: int, out: Path, full: bool = False, smoke: bool = False) -> dict | None:
    """Train (or resume, or skip) one run; return its summary, or None when it was already done."""
    folder = out / f"{name}-s{seed}"
    if (folder / "summary.json").exists():
        return None
    work = folder / "work"
    config = run_config(name, seed, work, full, smoke)
    resume = (work / "last.pt").exists()
    started = time.perf_counter()
    result = train(config, resume=resume)
    fitting = fitting_losses(result.method, result.config) if result.config.dataset in SHAPES_DATASETS else None
    rows = shipped_rows(result.history)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config_dict = dataclasses.asdict(result.config)
    config_dict["out"] = None
    if ships_backbone(name, seed):
        save_checkpoint({"backbone": result.method.backbone.state_dict(), "config": config_dict, "step": result.steps},
                        folder / "backbone.pt")
    summary = {
        "run": name, "seed": seed, "method": config.method, "steps": result.steps, "seconds": result.seconds,
        "wall_seconds": round(time.perf_counter() - started, 1),
        "device": torch.cuda.get_device_name() if torch.cuda.is_available() else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
        "torch": torch.__version__,
        "knn": result.knn, "linear_probe": result.linear_probe,
        "random_init_knn": result.random_init_knn, "random_init_probe": result.random_init_probe,
        "feature_auc": result.feature_auc, "random_init_feature_auc": result.random_init_feature_auc,
        "random_init_curve_knn": result.random_init_curve_knn,
        "spectrum": result.spectrum, "effective_rank": result.effective_rank, "std_of_normalized": result.std_of_normalized,
        "collapse_step": result.collapse_step, "fitting_loss": fitting, "config": config_dict,
    }
    (folder / "summary.json").write_text(json.dumps(summary, indent=1))  # last: its presence marks the run done
    shutil.rmtree(work, ignore_errors=True)
    return summary


def markdown_report(out: Path) -> str:
    """The finished runs as a markdown table: mean ± std over seeds, and the gain over random init."""
    table = reference.load(list(RUNS), root=out)
    lines = ["| run | seeds | kNN | random init | linear probe | random init | kNN gain | probe gain | eff. rank | feature AUC | minutes a run | training |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for run, rows in table.groupby("run", observed=True, sort=False):
        cells = [reference.mean_std(rows[k]) for k in ("knn", "random_init_knn", "linear_probe", "random_init_probe")]
        gains = []
        for metric, by in (("knn", 0.10), ("linear_probe", 0.05)):
            mean, std, _ = reference.gain(table, run, metric)
            verdict = "✓" if reference.beats_random_init(table, run, metric, by)[0] else "✗"
            gains.append(f"{mean:+.3f} ± {std:.3f} {verdict}")
        auc = reference.mean_std(rows["feature_auc"]) if "feature_auc" in rows and rows["feature_auc"].notna().all() else "—"
        lines.append(f"| {run} | {len(rows)} | {' | '.join(cells)} | {' | '.join(gains)} | "
                     f"{rows['effective_rank'].mean():.1f} | {auc} | {rows['wall_seconds'].mean() / 60:.1f} | "
                     f"{reference.training_label(rows)} |")
    return "\n".join(lines)


# The README's one results table: the course's main comparisons (scripts/reference_runs.py --readme writes it)
README_RUNS = {
    "simclr": "SimCLR (contrastive baseline)", "byol": "BYOL", "simsiam": "SimSiam",
    "simsiam-no-stop-gradient": "SimSiam without stop-gradient", "simsiam-no-predictor": "SimSiam without predictor",
    "simsiam-directpred": "SimSiam, DirectPred head", "byol-directpred": "BYOL, DirectPred head",
    "simsiam-identity-offdiag": "SimSiam, E = I + off-diagonal (Wen & Li)",
}
README_MARKERS = ("<!-- results table: generated by scripts/reference_runs.py --readme -->", "<!-- end of results table -->")


def readme_table(out: Path | None = None) -> str:
    """The README's results table, from the shipped runs: mean ± std over seeds."""
    table = reference.load(list(README_RUNS), root=out or reference_dir())
    lines = ["| run | kNN | linear probe | kNN gain over random init | effective rank | training |",
             "| --- | --- | --- | --- | --- | --- |"]
    for run, rows in table.groupby("run", observed=True, sort=False):
        mean, std, _ = reference.gain(table, run, "knn")
        verdict = "✓" if reference.beats_random_init(table, run, "knn", 0.10)[0] else "✗"
        lines.append(f"| {README_RUNS[run]} | {reference.mean_std(rows['knn'])} | {reference.mean_std(rows['linear_probe'])} | "
                     f"{mean:+.3f} ± {std:.3f} {verdict} | {rows['effective_rank'].mean():.1f} | {reference.training_label(rows)} |")
    return "\n".join(lines)


def write_readme_table(readme: Path, out: Path | None = None) -> None:
    """Replace the table between the README's markers with a freshly generated one."""
    text = readme.read_text()
    start, end = README_MARKERS
    before, rest = text.split(start)
    _, after = rest.split(end)
    readme.write_text(f"{before}{start}\n{readme_table(out)}\n{end}{after}")


def add_curve_baseline(folder: Path) -> float | None:
    """Give a shipped run its kNN curve's random-init line (``random_init_curve_knn``) when it lacks one.

    The untrained backbone is rebuilt as the trainer built it (seeded by ``config.seed``); scored on
    the full sets it must give the recorded ``random_init_knn`` exactly, else nothing is written.
    """
    from ssl_course.build import build_from_config
    from ssl_course.config import TrainConfig
    from ssl_course.data import dataset_spec
    from ssl_course.scoring import evaluate

    path = folder / "summary.json"
    summary = json.loads(path.read_text())
    if summary.get("random_init_curve_knn") is not None:
        return None
    config = TrainConfig(**{**summary["config"], "device": "cpu"})
    torch.manual_seed(config.seed)
    backbone = build_from_config(config, dataset_spec(config.dataset).image_size).backbone.eval()
    check = evaluate(backbone, config, probe=False)["knn"]
    if abs(check - summary["random_init_knn"]) > 1e-9:
        raise RuntimeError(f"{folder.name}: the rebuilt initialisation scores kNN {check}, "
                           f"the run recorded {summary['random_init_knn']}: not the same network")
    summary["random_init_curve_knn"] = evaluate(backbone, config, subset=config.eval_subset, probe=False)["knn"]
    path.write_text(json.dumps(summary, indent=1))
    return summary["random_init_curve_knn"]

"""Partial dimensional collapse of SimSiam (Li, Efros & Pathak, ECCV 2022), on the package's trainer.

A small SimSiam model does not collapse completely; it collapses *partially*: its
backbone features use fewer directions than they could. The measure
(``ssl_course.metrics.explained_variance_auc``): singular values s of the mean-centred
features, cumulative curve c_k = sum_{i<=k} s_i / sum_i s_i, area = mean_k c_k
(0.5-ish when spread out, 1 when rank one). The paper's findings, run here:

* ``collapse_sweep``: for a fixed small model, more training data -> more collapse (larger
  AUC), and the AUC ranks the runs like their linear-probe accuracy does, without labels
  (``rank_correlation``; a negative correlation: more collapsed, less accurate).
* ``continual_vs_multiepoch``: the same images as repeated epochs over all of them, as a
  stream of chunks (continual: each chunk for all its epochs, never revisited) and as a
  hybrid (several rounds over the chunk sequence); equal compute in all three.

Target shape, from the paper's released ImageNet ResNet-18 spectra: AUC on 1 / 5 / 10 /
20 / 50 / 100 % of ImageNet is about .610 / .748 / .845 / .879 / .871 / .858 (``PAPER_AUC``).
Our CPU defaults (ConvNet width 8, a few hundred steps on ``shapes``) take about
2-3 minutes; ``full=True`` runs a GPU-sized version (ResNet-18 on CIFAR-10).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ssl_course.data import train_size
from ssl_course.presets import NOTEBOOK_GPU_MINUTES, T4_IMAGES_PER_SECOND

PAPER_AUC = {0.01: 0.610, 0.05: 0.748, 0.10: 0.845, 0.20: 0.879, 0.50: 0.871, 1.00: 0.858}
# The lesson's sizes; everything else is SimSiam's preset (ssl_course.presets), with the head the
# shipped studies were trained with: the MLP with its d/4 bottleneck, lr x10, on 32-px views made by kornia
# (EARLIER_HEAD).
CPU = dict(width=8, steps=300)
EARLIER_HEAD = dict(predictor_lr_multiplier=10.0, pred_hidden_dim=None, view_size=None, augment="kornia")  # scripts/reference_runs.py's too
# FULL: ResNet-18 on CIFAR-10, batch 512; the notebook's three runs fit about an hour of a free Colab GPU
GPU = dict(steps=int(NOTEBOOK_GPU_MINUTES / 3 * 60 * T4_IMAGES_PER_SECOND / 512))


def _train_and_measure(settings: dict, **fields) -> dict:
    """Train SimSiam with the package trainer; AUC, kNN and linear probe of the backbone.

    Without ``epochs`` in ``fields`` the lr schedule spans exactly ``settings["steps"]``.
    """
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import train

    full = settings["full"]
    config = preset("simsiam", full=full, seed=settings["seed"], out=None, progress=settings["progress"],
                    checkpoint_every=0, **EARLIER_HEAD,
                    **({} if full else {"dataset": settings["dataset"], "width": settings["width"]}), **fields)
    if "epochs" in fields:
        config.max_steps = settings["steps"]
    else:
        config = for_steps(config, settings["steps"])
    result = train(config)  # scores the trained and the untrained backbone (kNN, probe, feature AUC)
    return {"auc": result.feature_auc, "curve": np.asarray(result.spectrum), "knn": result.knn,
            "linear_probe": result.linear_probe, "random_init_knn": result.random_init_knn,
            "random_init_probe": result.random_init_probe, "random_init_auc": result.random_init_feature_auc,
            "steps": result.steps, "effective_rank": result.effective_rank}


def _settings(dataset, full, seed, progress, overrides) -> dict:
    from ssl_course.presets import preset

    base = dict(GPU if full else {**CPU, "dataset": dataset})
    base.update({k: v for k, v in overrides.items() if v is not None})
    config = preset("simsiam", full=full, **({} if full else {"dataset": base["dataset"]}))
    return {**base, "dataset": config.dataset, "batch_size": config.batch_size, "full": full, "seed": seed,
            "progress": progress}


def collapse_sweep(dataset: str = "shapes", fractions=(0.05, 0.2, 1.0), widths=(8,), seed: int = 0,
                   full: bool = False, progress: bool = False, steps: int | None = None) -> list[dict]:
    """SimSiam on a fraction of the training set x encoder width, at equal steps; one row each."""
    rows = []
    for width in widths:
        for fraction in fractions:
            if not 0 < fraction <= 1:
                raise ValueError(f"fractions must be in (0, 1], got {fraction}")
            settings = _settings(dataset, full, seed, progress, {"steps": steps, "width": None if full else width})
            n = max(settings["batch_size"], int(round(fraction * train_size(settings["dataset"]))))
            row = _train_and_measure(settings, train_subset=n)
            rows.append({"fraction": fraction, "width": width, "train_images": n, **row})
    return rows


def continual_vs_multiepoch(dataset: str = "shapes", chunks: int = 4, epochs: int = 4, rounds: int = 2, seed: int = 0,
                            full: bool = False, progress: bool = False, train_subset: int | None = 4000) -> dict[str, dict]:
    """The same images and compute as multi-epoch, continual (chunk after chunk) and hybrid training.

    ``epochs``: passes over every image; continual = each chunk for ``epochs`` epochs in turn;
    hybrid = ``rounds`` rounds over the chunk sequence, each chunk for ``epochs // rounds`` epochs.
    """
    if epochs % rounds:
        raise ValueError(f"epochs ({epochs}) must be a multiple of rounds ({rounds})")
    settings = _settings(dataset, full, seed, progress, {})
    n = train_subset or train_size(settings["dataset"])
    # equal compute: the chunked regimes' step count (chunks of whole batches), multi-epoch stopped there
    steps = epochs * chunks * ((n // chunks) // settings["batch_size"]) if not full else settings["steps"]
    settings["steps"] = steps
    regimes = {
        "multi-epoch": dict(chunks=1, chunk_epochs=1, epochs=epochs),
        "continual": dict(chunks=chunks, chunk_epochs=epochs, epochs=chunks * epochs),
        "hybrid": dict(chunks=chunks, chunk_epochs=epochs // rounds, epochs=chunks * epochs),
    }
    return {name: _train_and_measure(settings, train_subset=n, **fields) for name, fields in regimes.items()}


def rank_correlation(rows: list[dict], x: str = "auc", y: str = "linear_probe") -> float:
    """Spearman rank correlation of two columns (negative: more collapse, lower accuracy)."""
    from scipy.stats import spearmanr

    if len(rows) < 3:
        raise ValueError("a rank correlation needs at least 3 runs")
    return float(spearmanr([r[x] for r in rows], [r[y] for r in rows]).statistic)


REGIMES = {"collapse-data100": "multi-epoch", "collapse-continual": "continual", "collapse-hybrid": "hybrid",
           "phase-w2-n10000": "multi-epoch", "phase-w2-continual": "continual", "phase-w2-hybrid": "hybrid"}


def reference_rows(table) -> list[dict]:
    """The shipped ``collapse-*`` reference runs (``ssl_course.reference.load``) as rows like ``collapse_sweep``'s,
    with ``seed``, ``run`` and, for the three training regimes, ``regime``."""
    rows = []
    for record in table.to_dict("records"):
        size = train_size(record.get("dataset") or "shapes")
        subset = record.get("train_subset")
        n = int(subset) if subset and subset == subset else size  # None, or NaN in a table with subsets
        rows.append({"run": str(record["run"]), "seed": record["seed"], "fraction": n / size,
                     "width": record.get("width"), "train_images": n, "auc": record["feature_auc"],
                     "curve": np.asarray(record["spectrum"]), "knn": record["knn"], "linear_probe": record["linear_probe"],
                     "random_init_knn": record["random_init_knn"], "random_init_probe": record["random_init_probe"],
                     "random_init_auc": record["random_init_feature_auc"], "steps": record["steps"],
                     "regime": REGIMES.get(str(record["run"]))})
    return rows


def _runs_frame(rows: list[dict]):
    """``rows`` as a pandas table, one row per run, without the singular-value curves."""
    import pandas as pd

    return pd.DataFrame([{k: v for k, v in r.items() if k != "curve"} for r in rows])


def plot_collapse_sweep(rows: list[dict], axes=None):
    """Left: mean singular-value curve per data fraction; middle: AUC vs fraction (mean ± std over seeds,
    the paper's ImageNet curve dotted); right: AUC against the linear probe, one point per run."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.2), dpi=80)
    frame = _runs_frame(rows)
    frame["data"] = [f"{f:.0%}" for f in frame["fraction"]]
    for (fraction, label), group in frame.groupby(["fraction", "data"], sort=True):
        curve = np.mean([rows[i]["curve"] for i in group.index], axis=0)
        axes[0].plot(np.arange(1, len(curve) + 1) / len(curve), curve, label=f"{label} of the data")
    axes[0].set(xlabel="fraction of singular values", ylabel="cumulative explained", title="feature spectra")
    axes[0].legend(fontsize=7)
    sns.lineplot(data=frame, x="fraction", y="auc", marker="o", errorbar="sd", ax=axes[1], label="ours (mean ± std)")
    axes[1].plot(list(PAPER_AUC), list(PAPER_AUC.values()), "k:", label="paper, ImageNet R18")
    axes[1].set(xscale="log", xlabel="fraction of the training set", ylabel="AUC (higher = more collapsed)",
                title="more data, more collapse?")
    axes[1].legend(fontsize=7)
    sns.scatterplot(data=frame, x="auc", y="linear_probe", hue="data", ax=axes[2])
    title = "AUC against the probe"
    if len(rows) >= 3:
        title += f" (Spearman {rank_correlation(rows):+.2f})"
    axes[2].set(xlabel="AUC", ylabel="linear-probe accuracy", title=title)
    axes[2].legend(fontsize=7, title="data")
    axes[0].figure.tight_layout()
    return axes


def plot_regimes(table, axes=None):
    """Multi-epoch, continual and hybrid from the reference runs: kNN over training (mean ± std over
    seeds; dotted lines where the continual stream moves to its next chunk) and the final scores."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    from ssl_course.reference import curve_evaluation, curves

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.2), dpi=80, gridspec_kw={"width_ratios": [3, 2]})
    runs = table[table["run"].astype(str).isin(list(REGIMES))]
    knn = curves(runs, "knn")
    knn["regime"] = knn["run"].astype(str).map(REGIMES)
    sns.lineplot(data=knn, x="step", y="knn", hue="regime", errorbar="sd", ax=axes[0])
    steps = int(runs["steps"].max())
    for k in range(1, 4):  # 4 chunks, each for a quarter of the steps
        axes[0].axvline(k * steps / 4, color="0.75", ls=":", lw=1)
    axes[0].set(ylabel="kNN (subset)", xlabel=f"step   (kNN: {curve_evaluation(runs)})",
                title="kNN over training (continual: a new chunk at each dotted line)")
    axes[0].legend(fontsize=7)
    scores = pd.DataFrame([{"regime": r["regime"], "score": name, "value": r[key]} for r in reference_rows(runs)
                           for name, key in (("probe", "linear_probe"), ("kNN", "knn"), ("AUC", "auc"))])
    sns.barplot(data=scores, x="score", y="value", hue="regime", errorbar="sd", ax=axes[1])
    axes[1].set(xlabel="", ylabel="", ylim=(0, 1), title="final scores, mean ± std over seeds")
    axes[1].legend(fontsize=7)
    axes[0].figure.tight_layout()
    return axes


def phase_names(widths, sizes) -> list[str]:
    """The reference runs of the width x data phase diagram (``scripts/reference_runs.py``)."""
    return [f"phase-w{w}-n{n}" for w in widths for n in sizes]


def phase_summary(rows: list[dict]):
    """Per (width, training images): mean and std over seeds of the AUC, kNN and probe; random-init AUC."""
    frame = _runs_frame(rows)
    grouped = frame.groupby(["width", "train_images"])
    summary = grouped[["auc", "knn", "linear_probe", "random_init_auc"]].mean()
    summary["auc_std"] = grouped["auc"].std(ddof=1)
    summary["seeds"] = grouped.size()
    return summary.reset_index()


# benchmarks/collapse_search.py appends here: the runs that searched beyond the grid (longer budgets,
# same epochs), one JSON line each
SEARCH_FILE = Path(__file__).resolve().parents[2] / "assets" / "collapse_search.jsonl"


def search_rows(path: str | Path | None = None) -> list[dict]:
    """The recorded runs of ``benchmarks/collapse_search.py`` (default ``assets/collapse_search.jsonl``)."""
    import json

    path = Path(path or SEARCH_FILE)
    if not path.exists():
        raise FileNotFoundError(f"no collapse search results at {path}: run benchmarks/collapse_search.py")
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def search_summary(rows: list[dict]):
    """Per (regime, width, training images): steps, seeds, mean AUC, random-init AUC, kNN gain over
    random init and probe, in the order first run."""
    import pandas as pd

    frame = pd.DataFrame(rows)
    frame["knn_gain"] = frame["knn"] - frame["random_init_knn"]
    keys = ["regime", "width", "train_images"]
    grouped = frame.groupby(keys, sort=False)
    summary = grouped[["steps", "auc", "random_init_auc", "knn_gain", "linear_probe"]].mean()
    summary.insert(1, "seeds", grouped.size())
    return summary.reset_index()


def collapse_rise(rows: list[dict], width: int) -> tuple[float, float]:
    """The AUC at the most data minus at the least for ``width``, paired by seed (a seed fixes the
    initialisation, whatever the data size): the mean of the per-seed rises and their std."""
    import pandas as pd

    frame = pd.DataFrame([{k: r[k] for k in ("width", "train_images", "seed", "auc")} for r in rows])
    at = frame[frame["width"] == width].pivot(index="seed", columns="train_images", values="auc")
    rises = (at[at.columns.max()] - at[at.columns.min()]).dropna()
    return float(rises.mean()), float(rises.std(ddof=1)) if len(rises) > 1 else float("nan")


def plot_phase_diagram(rows: list[dict], axes=None):
    """Left: mean AUC over width x data (heatmap); middle: AUC against the data per width (mean ± std
    over seeds, random init dotted); right: AUC against the linear probe, one point per run."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(13, 3.6), dpi=80, gridspec_kw={"width_ratios": [1.1, 1, 1]})
    summary = phase_summary(rows)
    grid = summary.pivot(index="width", columns="train_images", values="auc").sort_index(ascending=False)
    sns.heatmap(grid, annot=True, fmt=".3f", cmap="rocket_r", cbar_kws={"label": "AUC (higher = more collapsed)"},
                ax=axes[0], annot_kws={"fontsize": 8})
    axes[0].set(xlabel="distinct training images", ylabel="ConvNet width", title="mean AUC over seeds")
    frame = _runs_frame(rows)
    palette = dict(zip(sorted(frame["width"].unique()), sns.color_palette("viridis", frame["width"].nunique())))
    sns.lineplot(data=frame, x="train_images", y="auc", hue="width", palette=palette, marker="o", errorbar="sd",
                 ax=axes[1])
    for width, group in summary.groupby("width"):
        axes[1].axhline(group["random_init_auc"].mean(), color=palette[width], ls=":", lw=1)
    axes[1].set(xscale="log", xlabel="distinct training images (same 600 steps)", ylabel="AUC",
                title="more data, more collapse? (dotted: random init)")
    axes[1].legend(fontsize=7, title="width")
    sns.scatterplot(data=frame, x="auc", y="linear_probe", hue="width", palette=palette, ax=axes[2])
    axes[2].set(xlabel="AUC", ylabel="linear-probe accuracy",
                title=f"AUC vs probe: Spearman {rank_correlation(rows):+.2f} ({len(rows)} runs)")
    axes[2].legend(fontsize=7, title="width")
    axes[0].figure.tight_layout()
    return axes


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

import numpy as np

from ssl_course.data import train_size
from ssl_course.evaluation import extract_features
from ssl_course.metrics import explained_variance_auc, singular_value_curve

PAPER_AUC = {0.01: 0.610, 0.05: 0.748, 0.10: 0.845, 0.20: 0.879, 0.50: 0.871, 1.00: 0.858}
# The lesson's sizes; everything else is SimSiam's preset (ssl_course.presets), with the
# predictor's lr x10 (Chen & He keep the predictor's lr fixed; x10 plays that role here).
CPU = dict(width=8, steps=300)
GPU = dict(steps=20_000)


def _train_and_measure(settings: dict, **fields) -> dict:
    """Train SimSiam with the package trainer; AUC, kNN and linear probe of the backbone.

    Without ``epochs`` in ``fields`` the lr schedule spans exactly ``settings["steps"]``.
    """
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import TrainData, pick_device, train

    full = settings["full"]
    config = preset("simsiam", full=full, seed=settings["seed"], out=None, progress=settings["progress"],
                    checkpoint_every=0, predictor_lr_multiplier=10.0,
                    **({} if full else {"dataset": settings["dataset"], "width": settings["width"]}), **fields)
    if "epochs" in fields:
        config.max_steps = settings["steps"]
    else:
        config = for_steps(config, settings["steps"])
    result = train(config)  # scores the trained and the untrained backbone (kNN, probe)
    data = TrainData(config, pick_device(config.device))
    test_f, _ = extract_features(result.method.backbone, data.eval_sets(None)[1], device=data.device)
    return {"auc": explained_variance_auc(test_f), "curve": singular_value_curve(test_f).numpy(), "knn": result.knn,
            "linear_probe": result.linear_probe, "random_init_knn": result.random_init_knn,
            "random_init_probe": result.random_init_probe, "steps": result.steps,
            "effective_rank": result.effective_rank}


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
    steps = epochs * (n // settings["batch_size"]) if not full else settings["steps"]
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


def plot_collapse_sweep(rows: list[dict], axes=None):
    """Left: singular-value curves per run; middle: AUC vs data fraction; right: AUC vs probe accuracy."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(12, 3.2), dpi=80)
    for row in rows:
        curve = row["curve"]
        axes[0].plot(np.arange(1, len(curve) + 1) / len(curve), curve, label=f"{row['fraction']:.0%}, w{row['width']}")
    axes[0].set(xlabel="fraction of singular values", ylabel="cumulative explained", title="feature spectra")
    axes[0].legend(fontsize=7)
    for width in sorted({r["width"] for r in rows}):
        sub = [r for r in rows if r["width"] == width]
        axes[1].plot([r["fraction"] for r in sub], [r["auc"] for r in sub], "o-", label=f"width {width}")
    axes[1].plot(list(PAPER_AUC), list(PAPER_AUC.values()), "k:", label="paper, ImageNet R18")
    axes[1].set(xscale="log", xlabel="fraction of the training set", ylabel="AUC (higher = more collapsed)",
                title="more data, more collapse?")
    axes[1].legend(fontsize=7)
    axes[2].scatter([r["auc"] for r in rows], [r["linear_probe"] for r in rows])
    title = "AUC against the probe"
    if len(rows) >= 3:
        title += f" (Spearman {rank_correlation(rows):+.2f})"
    axes[2].set(xlabel="AUC", ylabel="linear-probe accuracy", title=title)
    axes[0].figure.tight_layout()
    return axes

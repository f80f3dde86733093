"""Partial dimensional collapse of SimSiam (Li, Efros & Pathak, ECCV 2022): notebook 07's study.

A SimSiam model does not collapse completely; it collapses *partially*: its backbone features use
fewer directions than they could. The measure (``ssl_course.metrics.explained_variance_auc``):
singular values s of the mean-centred features, cumulative curve c_k = sum_{i<=k} s_i / sum_i s_i,
area = mean_k c_k (1 when rank one). The paper's claim: a model small *relative to its data*
collapses more as the data grows, at the same number of steps, and the more collapsed model probes
worse, so the AUC forecasts the probe without labels.

Two cautions shape the study:

* **Compare at one feature dimension.** Isotropic d-dimensional features have AUC (d + 1) / (2d)
  (``isotropic_auc``), so AUCs of backbones of different widths are not comparable as they are;
  ``normalised_auc`` maps each onto [0, 1] between that floor and full collapse.
* **Same steps, so fewer passes per image with more data.** Every data size gets the same steps, as
  in the paper's released training loop; ``passes_per_image`` = steps x batch / images is the
  mechanism's variable: many passes over few images let the model fit them (``studies.fitting``).

The shipped runs are the ``data-w*-n*`` and ``stream-*`` entries of ``studies.runs``;
``study_rows`` reads them, ``live_sweep`` trains a short version in a notebook.

Example:
    >>> round(isotropic_auc(8), 4), normalised_auc(isotropic_auc(128), 128), normalised_auc(1.0, 32)
    (0.5625, 0.0, 1.0)
"""
from __future__ import annotations

import numpy as np

from ssl_course.presets import NOTEBOOK_GPU_MINUTES, preset, t4_images_per_second

# AUC from the paper's released ImageNet ResNet-18 spectra, by fraction of the data (quoted, not ours)
PAPER_AUC = {0.01: 0.610, 0.05: 0.748, 0.10: 0.845, 0.20: 0.879, 0.50: 0.871, 1.00: 0.858}
# which shipped runs are the three training orders of the same 100 000 images at width 16
REGIMES = {"data-w16-n100000": "multi-epoch", "stream-w16-continual": "continual", "stream-w16-hybrid": "hybrid"}
# FULL: ResNet-18 on CIFAR-10, batch 512; the notebook's live runs fit about an hour of a free Colab GPU
GPU_STEPS = int(NOTEBOOK_GPU_MINUTES / 3 * 60 * t4_images_per_second(preset("simsiam", full=True)) / 512)


def isotropic_auc(dim: int) -> float:
    """The AUC of features spread evenly over ``dim`` directions: mean_k k/d = (d + 1) / (2d)."""
    return (dim + 1) / (2 * dim)


def normalised_auc(auc: float, dim: int) -> float:
    """``auc`` on [0, 1]: 0 at the isotropic value of ``dim`` dimensions, 1 at rank one."""
    floor = isotropic_auc(dim)
    return (auc - floor) / (1 - floor)


def study_names(widths, sizes) -> list[str]:
    """The shipped runs of the data study (``studies.runs``: ``data-w{width}-n{images}``)."""
    return [f"data-w{w}-n{n}" for w in widths for n in sizes]


def study_rows(table) -> list[dict]:
    """The shipped runs (a ``studies.reference.load`` table) as one dict per run: width, images, passes
    per image, feature dimension, AUC (raw and normalised), kNN, probe, losses on own and held-out images."""
    rows = []
    for record in table.to_dict("records"):
        curve = np.asarray(record["spectrum"])
        dim, images = len(curve), int(record["train_subset"])
        fitting = record.get("fitting_loss") or {}
        rows.append({
            "run": str(record["run"]), "seed": record["seed"], "width": int(record["width"]), "train_images": images,
            "passes_per_image": record["steps"] * record["batch_size"] / images,
            "feature_dim": dim, "auc": record["feature_auc"], "normalised_auc": normalised_auc(record["feature_auc"], dim),
            "random_init_auc": record["random_init_feature_auc"], "curve": curve, "knn": record["knn"],
            "linear_probe": record["linear_probe"], "random_init_knn": record["random_init_knn"],
            "random_init_probe": record["random_init_probe"], "effective_rank": record["effective_rank"],
            "own_loss": fitting.get("own"), "held_out_loss": fitting.get("held_out"), "steps": record["steps"],
            "regime": REGIMES.get(str(record["run"]))})
    return rows


def runs_frame(rows: list[dict]):
    """``rows`` as a pandas table, one row per run, without the singular-value curves."""
    import pandas as pd

    return pd.DataFrame([{k: v for k, v in r.items() if k != "curve"} for r in rows])


def study_summary(rows: list[dict]):
    """Per (width, training images): passes per image, then mean and seed std of AUC, kNN, probe and the
    two losses, the random-init AUC and the seed count."""
    frame = runs_frame(rows)
    grouped = frame.groupby(["width", "train_images"])
    columns = ["auc", "normalised_auc", "knn", "linear_probe", "own_loss", "held_out_loss"]
    summary = grouped[["passes_per_image", *columns, "random_init_auc"]].mean()
    for column in ("auc", "knn", "linear_probe"):
        summary[f"{column}_std"] = grouped[column].std(ddof=1)
    summary["seeds"] = grouped.size()
    return summary.reset_index()


def collapse_rise(rows: list[dict], width: int, metric: str = "auc") -> tuple[float, float]:
    """``metric`` at the most data minus at the least for ``width``, paired by seed (a seed fixes the
    initialisation, whatever the data size): the mean of the per-seed changes and their std."""
    import pandas as pd

    frame = pd.DataFrame([{k: r[k] for k in ("width", "train_images", "seed", metric)} for r in rows])
    at = frame[frame["width"] == width].pivot(index="seed", columns="train_images", values=metric)
    change = (at[at.columns.max()] - at[at.columns.min()]).dropna()
    return float(change.mean()), float(change.std(ddof=1)) if len(change) > 1 else float("nan")


def rank_correlation(rows: list[dict], x: str = "auc", y: str = "linear_probe") -> float:
    """Spearman rank correlation of two columns (negative: more collapse, lower accuracy)."""
    from scipy.stats import spearmanr

    if len(rows) < 3:
        raise ValueError("a rank correlation needs at least 3 runs")
    return float(spearmanr([r[x] for r in rows], [r[y] for r in rows]).statistic)


def live_sweep(sizes=(128, 10_000), width: int = 16, steps: int = 300, seed: int = 0, full: bool = False,
               progress: bool = False) -> list[dict]:
    """SimSiam with the current recipe for the same ``steps`` on each of ``sizes`` images (the first N of
    ``shapes``, or of ``shapes-100k`` when a size needs more, which begins with the same images; with
    ``full``, CIFAR-10 subsets and ResNet-18): one row each, with the AUC, the scores and the losses on
    own and held-out images."""
    from ssl_course.presets import for_steps, preset
    from ssl_course.studies.fitting import fitting_losses
    from ssl_course.train import train

    from ssl_course.data import train_size

    dataset = "shapes" if max(sizes) <= train_size("shapes") else "shapes-100k"
    rows = []
    for images in sizes:
        data = {} if full else {"dataset": dataset, "width": width}
        config = for_steps(preset("simsiam", full=full, seed=seed, out=None, progress=progress, checkpoint_every=0,
                                  train_subset=images, **data), GPU_STEPS if full else steps)
        if full:
            print(f"FULL: SimSiam's CIFAR-10 recipe ({config.backbone}, batch {config.batch_size}) for "
                  f"{config.max_steps} steps on the first {images} training images")
        result = train(config)
        fitting = fitting_losses(result.method, config)
        dim = len(result.spectrum)
        rows.append({"width": width, "train_images": images, "passes_per_image": result.steps * config.batch_size / images,
                     "feature_dim": dim, "auc": result.feature_auc, "normalised_auc": normalised_auc(result.feature_auc, dim),
                     "random_init_auc": result.random_init_feature_auc, "knn": result.knn,
                     "linear_probe": result.linear_probe, "random_init_knn": result.random_init_knn,
                     "own_loss": fitting.get("own"), "held_out_loss": fitting.get("held_out")})
    return rows

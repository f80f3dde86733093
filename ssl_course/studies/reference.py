"""The shipped reference runs: the course's comparisons trained longer than a notebook can, on 3 seeds.

``scripts/reference_runs.py`` (the registry: ``studies.runs``) writes them into ``assets/reference_runs/<run>-s<seed>/``
(``summary.json``, ``metrics.jsonl``, ``backbone.pt``). The notebooks load them here, so that
every comparison they draw stands on seeds and spread, not on one short run:

* ``load`` reads runs into a table (one row per run and seed), ``curves`` their kNN over training;
* ``gain`` is the paired gain over the same network at random init, mean and std over seeds, and
  ``beats_random_init`` the course's criterion: the mean gain reaches ``by`` and exceeds twice
  its seed std;
* ``format_table`` shows them as text, ``studies.reference_plots`` as figures (seaborn: mean ± std bands).

Example (with the shipped runs, i.e. in a clone of the repository):

    >>> runs = load(["simsiam"])
    >>> holds, words = beats_random_init(runs, "simsiam", by=0.10)
    >>> holds, words.startswith("kNN gain +"), words.endswith("over 3 seeds")
    (True, True, True)
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ssl_course.data import dataset_spec
from ssl_course.studies.assets import reference_dir

METRIC_NAMES = {"knn": "kNN", "linear_probe": "linear probe"}
BASELINE = {"knn": "random_init_knn", "linear_probe": "random_init_probe"}


def load(names=None, root: str | Path | None = None):
    """A pandas table of the finished runs, one row per run and seed (``names``: these runs only)."""
    import pandas as pd

    root = Path(root) if root is not None else reference_dir()
    rows = []
    for path in sorted(root.glob("*/summary.json")):
        summary = json.loads(path.read_text())
        if names is None or summary["run"] in names:
            config = summary.get("config", {})
            rows.append({k: v for k, v in summary.items() if k != "config"} | {"folder": str(path.parent)}
                        | {k: config.get(k) for k in ("dataset", "width", "train_subset", "chunks", "chunk_epochs",
                                                      "iid_from_epoch", "batch_size", "eval_subset", "knn_k",
                                                      "view_size", "augment")})
    if not rows:
        wanted = "any run" if names is None else ", ".join(names)
        raise FileNotFoundError(f"no reference runs for {wanted} in {root}: clone the repository (they ship in "
                                "assets/reference_runs) or build them with scripts/reference_runs.py")
    table = pd.DataFrame(rows)
    if names is not None:  # keep the caller's order
        table["run"] = pd.Categorical(table["run"], categories=[n for n in names if n in set(table["run"])], ordered=True)
        table = table.sort_values(["run", "seed"]).reset_index(drop=True)
    return table


def curves(table, key: str = "knn"):
    """``key`` over training for every row of ``table``: columns run, seed, step, key.

    Logged keys: ``knn`` (on ``eval_subset`` images, see ``curve_evaluation``); every 10 steps ``loss``,
    ``effective_rank``, ``std_of_normalized`` and, with a linear head, ``commutator`` and ``alignment``.
    """
    import pandas as pd

    rows = []
    for run, seed, folder in zip(table["run"], table["seed"], table["folder"]):
        for line in (Path(folder) / "metrics.jsonl").read_text().splitlines():
            row = json.loads(line)
            if key in row:
                rows.append({"run": run, "seed": seed, "step": row["step"], key: row[key]})
    return pd.DataFrame(rows, columns=["run", "seed", "step", key])


def gain(table, run: str, metric: str = "knn") -> tuple[float, float, int]:
    """Mean and std over seeds of ``metric`` minus the same network's at random init; and the seed count."""
    rows = table[table["run"] == run]
    diff = (rows[metric] - rows[BASELINE[metric]]).to_numpy(dtype=float)
    return float(diff.mean()), float(diff.std(ddof=1)) if len(diff) > 1 else float("nan"), len(diff)


def beats_random_init(table, run: str, metric: str = "knn", by: float = 0.10) -> tuple[bool, str]:
    """The course's criterion: mean gain >= ``by`` and > 2 x its std, over >= 3 seeds; and the numbers."""
    mean, std, n = gain(table, run, metric)
    holds = n >= 3 and mean >= by and mean > 2 * std
    return holds, f"{METRIC_NAMES[metric]} gain {mean:+.2f} ± {std:.2f} over {n} seeds"


def mean_std(values) -> str:
    """``values`` as 'mean ± std' (sample std over seeds), three decimals."""
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.3f} ± {values.std(ddof=1) if len(values) > 1 else float('nan'):.3f}"


def training_label(rows) -> str:
    """How a run was trained, for its line in a table: steps, the side of its training views and, for runs
    whose views kornia made, "kornia" (e.g. "1872 steps, 20 px"; runs from before ``view_size`` trained on
    the images' own size)."""
    first = rows.iloc[0]
    view = first.get("view_size")
    if view is None or view != view:  # None, or NaN in a table where other runs have one
        dataset = first.get("dataset")
        view = dataset_spec(dataset).image_size if isinstance(dataset, str) else None
    steps = first.get("steps")
    parts = ([f"{int(steps)} steps"] if steps is not None and steps == steps else []) + ([f"{int(view)} px"] if view else [])
    parts += ["kornia"] if first.get("augment") == "kornia" else []
    return ", ".join(parts) or "?"


def format_table(table, extra=()) -> str:
    """One line per run: seeds, kNN and probe (mean ± std), the random-init ones, effective rank, the
    ``extra`` columns of the summaries (mean ± std; e.g. ``feature_auc``) and how it was trained."""
    head = f"{'run':<26} {'seeds':>5} {'kNN':>13} {'random init':>13} {'probe':>13} {'random init':>13} {'eff. rank':>9}"
    head += "".join(f" {name.replace('_', ' '):>13}" for name in extra) + "  training"
    lines = [head]
    for run, rows in table.groupby("run", observed=True, sort=False):
        lines.append(f"{run:<26} {len(rows):>5} {mean_std(rows['knn']):>13} {mean_std(rows['random_init_knn']):>13} "
                     f"{mean_std(rows['linear_probe']):>13} {mean_std(rows['random_init_probe']):>13} "
                     f"{rows['effective_rank'].mean():>9.1f}" + "".join(f" {mean_std(rows[name]):>13}" for name in extra)
                     + f"  {training_label(rows)}")
    return "\n".join(lines)


def curve_evaluation(table) -> str:
    """How the runs' kNN curves were measured, in words (their ``eval_subset`` and ``knn_k``)."""
    subset, k = int(table["eval_subset"].iloc[0]), int(table["knn_k"].iloc[0])
    spaced = lambda n: f"{n:,}".replace(",", "\u2009")  # noqa: E731  (2 000, as the course writes numbers)
    return f"k = {k}, {spaced(subset)} labelled training images vs {spaced(subset // 2)} test images"

"""The search for Li, Efros & Pathak's "more data, more collapse" at CPU scale (notebook 07).

Each run is SimSiam as the shipped ``phase-*`` runs train it (``scripts/reference_runs.py``: the
first N images of ``shapes-100k``, the earlier MLP head at 10x lr) at one ConvNet width, in one
of two regimes:

* ``--steps S`` (same steps, the paper's choice: its loader fills every epoch of a subset run
  with as many batches as the whole dataset has, so 1 % of ImageNet is seen 100x as often);
* ``--epochs E`` (same epochs: E passes over the N images, so more data also means more steps).

Every run is scored as the trainer scores it (the test features' explained-variance AUC, kNN,
linear probe, and the same for the untrained backbone) and appended as one JSON line to
``--out`` (default ``assets/collapse_search.jsonl``, which notebook 07 reads through
``ssl_course.theory.collapse.search_rows``).

    python benchmarks/collapse_search.py --widths 2 16 --sizes 500 100000 --steps 2400
    python benchmarks/collapse_search.py --widths 2 --sizes 500 2000 10000 --epochs 16
    python benchmarks/collapse_search.py --table

Run one search at a time: two torch processes on 2 cores slow each other down.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from ssl_course.theory.collapse import EARLIER_HEAD, SEARCH_FILE, search_summary

sys.path.insert(0, str(Path(__file__).resolve().parent))
from recipe_search import read_rows, record  # noqa: E402  (the searches' shared JSON-lines file)


def run(width: int, n: int, seed: int, steps: int | None = None, epochs: int | None = None) -> dict:
    """One SimSiam run on the first ``n`` images at ``width``: same ``steps`` or same ``epochs``."""
    from ssl_course.presets import for_steps, preset
    from ssl_course.train import train

    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one of steps (same steps) and epochs (same epochs)")
    config = preset("simsiam", dataset="shapes-100k", width=width, train_subset=n, seed=seed, out=None,
                    progress=False, checkpoint_every=0, **EARLIER_HEAD)
    config = for_steps(config, steps) if steps else dataclasses.replace(config, epochs=epochs)
    start = time.perf_counter()
    result = train(config)
    return {"width": width, "train_images": n, "regime": f"steps={steps}" if steps else f"epochs={epochs}",
            "seed": seed, "steps": result.steps, "auc": round(result.feature_auc, 4),
            "random_init_auc": round(result.random_init_feature_auc, 4), "knn": result.knn,
            "random_init_knn": result.random_init_knn, "linear_probe": round(result.linear_probe, 4),
            "effective_rank": round(result.effective_rank, 2), "seconds": round(time.perf_counter() - start, 1)}


def markdown_table(rows: list[dict]) -> str:
    """``theory.collapse.search_summary`` as markdown: one line per (regime, width, images), seed means."""
    lines = ["| regime | width | images | steps | seeds | AUC | random-init AUC | kNN gain | probe |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for row in search_summary(rows).itertuples():
        lines.append(f"| {row.regime} | {row.width} | {row.train_images} | {row.steps:.0f} | {row.seeds} | {row.auc:.3f} | "
                     f"{row.random_init_auc:.3f} | {row.knn_gain:+.3f} | {row.linear_probe:.3f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[2])
    parser.add_argument("--sizes", nargs="+", type=int, default=[500, 100_000])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    regime = parser.add_mutually_exclusive_group()
    regime.add_argument("--steps", type=int, help="same steps for every size (default 600, as the phase-* runs)")
    regime.add_argument("--epochs", type=int, help="same epochs: passes over the N images")
    parser.add_argument("--out", type=Path, default=SEARCH_FILE)
    parser.add_argument("--table", action="store_true", help="print the recorded results as a markdown table and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(read_rows(args.out)))
        return 0
    steps = None if args.epochs else (args.steps or 600)
    for width in args.widths:
        for n in args.sizes:
            for seed in args.seeds:
                record(run(width, n, seed, steps=steps, epochs=args.epochs), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

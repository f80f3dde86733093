"""The CPU recipe search: which change lets SimSiam's and BYOL's defaults (their MLP predictor,
not DirectPred) reach kNN >= 0.60 within 150 s on 2 cores?

Each candidate is the method's CPU preset with a few fields changed. It is trained with
``ssl_course.train`` (no files written), scored by the trainer's own final kNN (the full test
set, k = 200), and appended as one JSON line to ``--out``: the candidate's name, its changes,
the seed, kNN, linear probe, effective rank and the seconds of the whole run (start, training,
evaluation). docs/decisions.md's tables of tries ("The SimSiam head", "Steps, batch or view size at the
same seconds") quote its rows; `--table` prints them all.

    python benchmarks/recipe_search.py --method simsiam --candidates preset pred-lr-x10 --seeds 0
    python benchmarks/recipe_search.py --list

Run one search at a time: two torch processes on 2 cores slow each other down.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ssl_course.presets import preset

# name -> the fields changed from the preset (the preset's own values are in ssl_course/presets.py)
CANDIDATES = {
    "preset": {},
    "pred-lr-x10": {"predictor_lr_multiplier": 10.0},
    "pred-fixed-lr": {"predictor_fixed_lr": True},
    "pred-fixed-lr-x10": {"predictor_fixed_lr": True, "predictor_lr_multiplier": 10.0},
    "pred-lr-x10-no-wd": {"predictor_lr_multiplier": 10.0, "predictor_weight_decay": 0.0},
    "pred-lr-x10-hidden64": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 64},
    "pred-lr-x10-hidden128": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 128},
    "pred-lr-x10-hidden512": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512},
    "pred-hidden512": {"pred_hidden_dim": 512},
    "pred-lr-x10-hidden1024": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 1024},
    "pred-lr-x10-hidden512-lr0.05": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512, "lr": 0.05},
    "pred-lr-x10-hidden512-fixed": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512, "predictor_fixed_lr": True},
    "pred-lr-x10-hidden512-no-wd": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512, "predictor_weight_decay": 0.0},
    "pred-lr-x10-lr0.2": {"predictor_lr_multiplier": 10.0, "lr": 0.2},
    "pred-lr-x10-lr0.05": {"predictor_lr_multiplier": 10.0, "lr": 0.05},
    "pred-lr-x10-wd1e-4": {"predictor_lr_multiplier": 10.0, "weight_decay": 1e-4},
    "pred-lr-x10-batch64": {"predictor_lr_multiplier": 10.0, "batch_size": 64},
    "pred-lr-x3": {"predictor_lr_multiplier": 3.0},
    "pred-lr-x30": {"predictor_lr_multiplier": 30.0},
    "lr0.3": {"lr": 0.3},
    "pred-lr-x10-lr0.3": {"predictor_lr_multiplier": 10.0, "lr": 0.3},
    "pred-lr-x30-no-wd": {"predictor_lr_multiplier": 30.0, "predictor_weight_decay": 0.0},
    "ema0.99": {"ema": 0.99},
    "ema0.996": {"ema": 0.996},
    "proj-dim512": {"proj_dim": 512},
    "proj-dim512-pred-hidden128": {"proj_dim": 512, "pred_hidden_dim": 128},
    "batch64": {"batch_size": 64},
    "batch32": {"batch_size": 32},
    "proj-dim512-batch64": {"proj_dim": 512, "batch_size": 64},
    "pred-lr-x10-hidden512-ema0.99": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512, "ema": 0.99},
    "pred-lr-x10-hidden512-ema0.98": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512, "ema": 0.98},
    "ema0.98": {"ema": 0.98},
    "ema0.95": {"ema": 0.95},
    "lr0.07": {"lr": 0.07},
    "lr0.15": {"lr": 0.15},
    "wd1e-3": {"weight_decay": 1e-3},
    "warmup1": {"warmup_epochs": 1.0},
    "view24": {"view_size": 24},
    "view20": {"view_size": 20},
    "view16": {"view_size": 16},
    "lr0.1": {"lr": 0.1},
    "simsiam-head": {"lr": 0.1, "pred_hidden_dim": 512, "predictor_lr_multiplier": 10.0},
    "simsiam-head-ema0.99": {"lr": 0.1, "pred_hidden_dim": 512, "predictor_lr_multiplier": 10.0, "ema": 0.99},
    "simsiam-head-ema0.9": {"lr": 0.1, "pred_hidden_dim": 512, "predictor_lr_multiplier": 10.0, "ema": 0.9},
    "pred-lr-x10-hidden512-lr0.2": {"predictor_lr_multiplier": 10.0, "pred_hidden_dim": 512, "lr": 0.2},
}


def run(method: str, name: str, seed: int, overrides: dict | None = None) -> dict:
    """Train ``method``'s preset with candidate ``name``'s changes; the row that is recorded."""
    from ssl_course.train import train

    changes = {**CANDIDATES[name], **(overrides or {})}
    start = time.perf_counter()
    config = preset(method, **changes, seed=seed, out=None, progress=False)
    result = train(config)
    return {"method": method, "candidate": name, "preset_head": preset_head(method), "changes": changes, "seed": seed, "knn": result.knn,
            "linear_probe": result.linear_probe, "random_init_knn": result.random_init_knn,
            "effective_rank": round(result.effective_rank, 2), "steps": result.steps,
            "train_seconds": round(result.seconds, 1), "seconds": round(time.perf_counter() - start, 1)}


def read_rows(path: Path) -> list[dict]:
    """The runs recorded in the JSON-lines file ``path``."""
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


RESULTS = Path(__file__).with_name("results_recipe_search.jsonl")


def preset_head(method: str) -> str:
    """How a row names the preset's predictor head and warm-up (the recipe a "preset" row changed only the
    epochs of)."""
    head = preset(method)
    warmup = f", warm-up {head.warmup_epochs:g} epochs" if head.warmup_epochs else ""
    return (f"{head.pred_hidden_dim} wide" if head.pred_hidden_dim else "default") + f", lr x{head.predictor_lr_multiplier:g}" + warmup


def knn_against_steps(rows: list[dict], method: str, seed: int = 0) -> list[tuple[int, float]]:
    """(steps, kNN) of ``method``'s current preset trained for different numbers of epochs, on ``seed``: the
    rows whose only change is the epochs and whose head is today's; one point per step count, sorted."""
    points = {row["steps"]: row["knn"] for row in rows
              if row["method"] == method and row["seed"] == seed and row["preset_head"] == preset_head(method)
              and row["candidate"].split()[0] == "preset" and set(row["changes"]) <= {"epochs"}}
    return sorted(points.items())


def record(row: dict, path: Path) -> None:
    """Print ``row`` as one JSON line and append it to ``path`` (a search survives being stopped)."""
    print(json.dumps(row), flush=True)
    with Path(path).open("a") as f:
        f.write(json.dumps(row) + "\n")


def markdown_table(rows: list[dict]) -> str:
    """One line per (method, preset's head, candidate, steps) in the order first tried: kNN and probe (mean ± std over its
    seeds), effective rank and the seconds of the whole run."""
    import statistics

    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["method"], row["preset_head"], row["candidate"], row["steps"]), []).append(row)

    def cell(values, digits=3):
        mean = statistics.mean(values)
        return f"{mean:.{digits}f} ± {statistics.stdev(values):.{digits}f}" if len(values) > 1 else f"{mean:.{digits}f}"

    lines = ["| method | preset's head | candidate | steps | seeds | kNN | probe | effective rank | seconds |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for (method, head, name, steps), group in groups.items():
        lines.append(f"| {method} | {head} | {name} | {steps} | {len(group)} | {cell([r['knn'] for r in group])} | "
                     f"{cell([r['linear_probe'] for r in group])} | {cell([r['effective_rank'] for r in group], 1)} | "
                     f"{cell([r['seconds'] for r in group], 0)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--method", choices=("simsiam", "byol", "simclr"), default="simsiam")
    parser.add_argument("--candidates", nargs="+", default=["preset"], choices=list(CANDIDATES), metavar="NAME")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--set", nargs="*", default=[], metavar="FIELD=VALUE",
                        help="extra changes for every candidate, e.g. epochs=20 (values parsed as JSON)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--list", action="store_true", help="print the candidates and exit")
    parser.add_argument("--table", action="store_true", help="print the recorded results as a markdown table and exit")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(read_rows(args.out)))
        return 0
    if args.list:
        for name, changes in CANDIDATES.items():
            print(f"{name:24s} {changes}")
        return 0
    extra = {}
    for item in args.set:
        key, _, value = item.partition("=")
        extra[key] = json.loads(value)
    for name in args.candidates:
        for seed in args.seeds:
            row = run(args.method, name, seed, extra)
            if extra:
                row["candidate"] = name + "".join(f" {k}={v}" for k, v in extra.items())
            record(row, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

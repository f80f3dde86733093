"""Train the course's comparisons longer than a notebook can, on 3 seeds, and ship the results.

    python scripts/reference_runs.py                 # every run, seeds 0 1 2, CPU presets (about 2 min a run)
    python scripts/reference_runs.py --runs simsiam byol --seeds 0
    python scripts/reference_runs.py --full          # the FULL presets, on a GPU
    python scripts/reference_runs.py --smoke --out /tmp/refs   # seconds: checks the pipeline

Each run starts from its method's preset (``ssl_course.presets``) with the changes its entry in the
registry (``ssl_course.studies.runs.RUNS``) names, and writes ``<out>/<run>-s<seed>/`` (metrics,
backbone, summary; see that module). Finished runs are skipped and an interrupted run resumes
exactly, so the set can be built in parts. Run one process at a time on a small CPU: two trainings
side by side each take more than twice as long.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from ssl_course.studies.assets import reference_dir  # noqa: E402
from ssl_course.studies.runs import RUNS, SEEDS, add_curve_baseline, markdown_report, train_one, write_readme_table  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS), metavar="RUN",
                        help=f"default: all of {', '.join(RUNS)}")
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--out", type=Path, default=None, help="default: the assets' reference_runs/")
    parser.add_argument("--full", action="store_true", help="the FULL presets (ResNet-18 on CIFAR-10; a GPU)")
    parser.add_argument("--smoke", action="store_true", help="tiny runs that check the pipeline in seconds")
    parser.add_argument("--report", action="store_true", help="print the finished runs as a markdown table, train nothing")
    parser.add_argument("--readme", action="store_true", help="rewrite the README's results table from the runs, train nothing")
    parser.add_argument("--curve-baselines", action="store_true",
                        help="give finished runs that lack it their kNN curve's random-init line, train nothing")
    args = parser.parse_args(argv)
    args.out = args.out or reference_dir()
    if args.curve_baselines:
        for folder in sorted(p.parent for p in args.out.glob("*/summary.json")):
            value = add_curve_baseline(folder)
            print(f"{folder.name}: {'has one already' if value is None else f'random init, curve evaluation: {value:.4f}'}")
        return 0
    if args.readme:
        write_readme_table(ROOT / "README.md", out=args.out)
        return 0
    if args.report:
        print(markdown_report(args.out))
        return 0
    for seed in args.seeds:  # all runs of seed 0 first: a partial set already compares every run
        for name in args.runs:
            summary = train_one(name, seed, args.out, args.full, args.smoke)
            if summary is None:
                print(f"{name}-s{seed}: done already, skipped")
            else:
                print(f"{name}-s{seed}: kNN {summary['knn']:.3f} (random init {summary['random_init_knn']:.3f}), "
                      f"probe {summary['linear_probe']:.3f} (random init {summary['random_init_probe']:.3f}), "
                      f"{summary['seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

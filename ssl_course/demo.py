"""``ssl-course demo``: non-contrastive learning working and failing, on a CPU, in about two minutes.

Trains SimSiam's CPU preset live on the built-in ``shapes`` dataset for about a minute (no
labels used), then sets its kNN accuracy beside the course's shipped reference runs (3 seeds
each, their steps in the table: SimCLR, BYOL, SimSiam, SimSiam without the stop-gradient, SimSiam
with DirectPred), the same network at random initialisation and raw pixels. One figure
(``demo.png``: the live run's loss and collapse monitor, and every kNN as a bar with its seed
std) and one printed table; ``demo.json`` holds the numbers.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from ssl_course.evaluation import pixel_knn
from ssl_course.figures import legend_outside
from ssl_course.data.training import steps_per_epoch
from ssl_course.presets import for_steps, preset
from ssl_course.train import train

# The live run's lr schedule is planned for this many epochs (780 steps), sized to fit the demo's time
# budget on a 2-core laptop; the budget stops it earlier on a slower machine. Its warm-up keeps the
# preset's share of the run (``for_steps``).
DEMO_EPOCHS = 10
# The reference runs the demo shows beside the live one: run name -> label.
DEMO_REFERENCES = {
    "simclr": "SimCLR (contrastive)",
    "byol": "BYOL",
    "simsiam": "SimSiam",
    "simsiam-directpred": "SimSiam + DirectPred",
    "simsiam-no-stop-gradient": "SimSiam, no stop-grad",
}

BAR_COLOURS = {"SimCLR (contrastive)": "tab:purple", "SimSiam, no stop-grad": "tab:red"}  # others: tab:blue


def reference_scores() -> dict[str, dict]:
    """kNN of the shipped reference runs the demo shows: label -> mean, std, seeds, steps."""
    from ssl_course.studies import reference

    table = reference.load(list(DEMO_REFERENCES))
    scores = {}
    for run, label in DEMO_REFERENCES.items():
        rows = table[table["run"] == run]
        if len(rows):
            scores[label] = {"knn": round(float(rows["knn"].mean()), 4), "std": round(float(rows["knn"].std(ddof=1)), 4)
                             if len(rows) > 1 else 0.0, "seeds": int(len(rows)), "steps": int(rows["steps"].iloc[0])}
    return scores


def format_table(live: dict, references: dict[str, dict], random_knn: float, pixels: float) -> str:
    """The printed table: every feature extractor's kNN, where it comes from."""
    lines = [f"{'features':<28} {'kNN (test)':<15}  source", "-" * 72,
             f"{'SimSiam, live':<28} {live['knn']:>7.3f}{'':8}  this run: {live['steps']} steps, {live['seconds']:.0f} s"]
    for label, row in references.items():
        lines.append(f"{label:<28} {row['knn']:>7.3f} ± {row['std']:.3f}  reference runs: {row['seeds']} seeds, "
                     f"{row['steps']} steps")
    lines += [f"{'random init':<28} {random_knn:>7.3f}{'':8}  the same network, untrained",
              f"{'raw pixels':<28} {pixels:>7.3f}{'':8}  flattened images"]
    return "\n".join(lines)


def demo_figure(history: list[dict], live: dict, references: dict[str, dict], random_knn: float, pixels: float):
    """The demo's figure: the live run's loss and collapse monitor, and its kNN beside the reference runs'."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [2, 3]})
    steps = [h["step"] for h in history]
    left.plot(steps, [h["loss"] for h in history], lw=1, color="tab:blue")
    left.set(xlabel="step", ylabel="loss (negative cosine)", title="live SimSiam run")
    ranked = [h for h in history if "effective_rank" in h]
    twin = left.twinx()
    twin.plot([h["step"] for h in ranked], [h["effective_rank"] for h in ranked], lw=1, color="tab:red")
    twin.set_ylabel("effective rank of z (collapse monitor)", color="tab:red")
    names = ["SimSiam, live", *references, "random init", "raw pixels"]
    values = [live["knn"], *(r["knn"] for r in references.values()), random_knn, pixels]
    errors = [0.0, *(r["std"] for r in references.values()), 0.0, 0.0]
    colours = ["tab:green", *(BAR_COLOURS.get(label, "tab:blue") for label in references), "tab:gray", "tab:orange"]
    bars = right.bar(range(len(names)), values, yerr=errors, capsize=3, color=colours)
    right.bar_label(bars, fmt="%.2f", fontsize=9, padding=2)
    right.axhline(0.1, ls=":", c="k", lw=1, label="chance (10 classes)")
    right.set_xticks(range(len(names)), names, rotation=25, ha="right", fontsize=9)
    right.set(ylim=(0, 1), ylabel="kNN accuracy (test)",
              title="kNN, k = 200 (reference runs: mean ± std over seeds)")
    legend_outside(right, "right")
    fig.tight_layout()
    return fig


def plot_demo(history: list[dict], live: dict, references: dict[str, dict], random_knn: float, pixels: float,
              path: Path) -> Path:
    """``demo_figure`` written to ``path`` (without a display: the demo runs from a terminal)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = demo_figure(history, live, references, random_knn, pixels)
    fig.savefig(path)
    plt.close(fig)
    return path


def run_demo(out: str | Path = "runs/demo", seconds: float = 60.0, seed: int = 0, progress: bool = True) -> dict:
    """Train SimSiam live for at most ``seconds``, compare it with the reference runs; return the numbers."""
    started = time.perf_counter()
    out = Path(out)
    references = reference_scores()  # first: a checkout without its runs fails before training
    config = preset("simsiam", time_budget=seconds, seed=seed, out=str(out), overwrite=True, progress=progress,
                    checkpoint_every=0)
    config = for_steps(config, DEMO_EPOCHS * steps_per_epoch(config))
    result = train(config)
    live = {"knn": result.knn, "steps": result.steps, "seconds": result.seconds}
    pixels = pixel_knn()
    summary = {
        "live_simsiam_knn": round(result.knn, 4),
        "random_knn": round(result.random_init_knn, 4),
        "pixel_knn": round(pixels, 4),
        "reference_knn": references,
        "train_steps": result.steps,
        "train_seconds": result.seconds,
        "effective_rank": round(result.effective_rank, 2),
        "seconds": round(time.perf_counter() - started, 1),
        "plot": str(plot_demo(result.history, live, references, result.random_init_knn, pixels, out / "demo.png")),
        "table": format_table(live, references, result.random_init_knn, pixels),
    }
    (out / "demo.json").write_text(json.dumps(summary, indent=2))
    return summary

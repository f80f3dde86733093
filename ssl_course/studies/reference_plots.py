"""The shipped reference runs as figures: a logged value over training per run (mean ± std over seeds)
and the final scores beside random init."""
from __future__ import annotations

from ssl_course.figures import legend_outside
from ssl_course.studies.reference import BASELINE, METRIC_NAMES, curve_evaluation, curves


def plot_curves(table, key: str = "knn", ax=None, title: str | None = None, baseline: bool | None = None):
    """``key`` over training per run, mean ± std over seeds (seaborn); returns the curves' axes.

    For kNN the curve is a cheap evaluation on a subset (``curve_evaluation``), so it reads lower than the
    full-set kNN of the tables: without ``ax``, a narrow panel beside the curves shows each run's final
    full-set kNN (mean ± std) against the random init measured the same way, and the curves' dotted
    line is the random init *measured as the curve is* (``random_init_curve_knn``). Given ``ax``, the
    full-set scores are marked (×) at the curves' ends instead.
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    final = None
    if ax is None and key == "knn":
        fig, (ax, final) = plt.subplots(1, 2, figsize=(9, 3.8), gridspec_kw={"width_ratios": [3, 1.1]})
    elif ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.6))
    runs = [r for r in (table["run"].cat.categories if hasattr(table["run"], "cat") else table["run"].unique())
            if (table["run"] == r).any()]
    palette = dict(zip(runs, sns.color_palette(n_colors=len(runs))))
    data = curves(table, key)
    sns.lineplot(data=data, x="step", y=key, hue="run", hue_order=runs, palette=palette, errorbar="sd", ax=ax)
    low = data[key].min()
    if key == "knn" and final is None:
        last = data.groupby("run", observed=True)["step"].max()
        for run in runs:
            ax.plot(last[run], table.loc[table["run"] == run, "knn"].mean(), "x", color=palette[run], ms=7, mew=2)
        ax.plot([], [], "x", color="grey", label="final kNN, full test set")
    if baseline if baseline is not None else key == "knn":
        same = "random_init_curve_knn" in table and table["random_init_curve_knn"].notna().all()
        level = table["random_init_curve_knn" if same else "random_init_knn"].mean()
        ax.axhline(level, ls=":", c="k", lw=1.5, label="random init" + (", same evaluation" if same else ""))
        ax.annotate("random init" + (" (same evaluation)" if same else ""), (0.01, level), xycoords=("axes fraction", "data"),
                    xytext=(0, 3), textcoords="offset points", fontsize=9)
        low = min(low, level)
    if key == "knn":
        ax.set_ylim(bottom=max(0.0, low - 0.06))  # keep the lowest line off the axis spine
    label = f"kNN accuracy ({curve_evaluation(table)})" if key == "knn" else key.replace("_", " ")
    ax.set(ylabel="kNN accuracy during training" if key == "knn" else label,
           title=title or f"{label} over training (mean ± std over seeds)")
    if key == "knn":
        ax.set_xlabel(f"step   (a subset: {curve_evaluation(table)})", fontsize=9)
    if final is not None:
        _plot_final_knn(table, runs, palette, final)
        legend_outside(ax, "below")
    else:
        legend_outside(ax, "right")
    ax.figure.tight_layout()
    return ax


def _plot_final_knn(table, runs, palette, ax) -> None:
    """Each run's final full-set kNN, mean ± std over seeds, against random init on the same full sets."""
    for i, run in enumerate(runs):
        knn = table.loc[table["run"] == run, "knn"]
        ax.errorbar(i, knn.mean(), yerr=knn.std(ddof=0) if len(knn) > 1 else None, fmt="o", color=palette[run], capsize=3)
    level = table["random_init_knn"].mean()
    ax.axhline(level, ls=":", c="k", lw=1.5)
    ax.annotate("random init", (0.03, level), xycoords=("axes fraction", "data"), xytext=(0, 3),
                textcoords="offset points", fontsize=9)
    ax.set_xticks(range(len(runs)), runs, rotation=30, ha="right", fontsize=9)
    ax.set_xlim(-0.6, len(runs) - 0.4)
    ax.set_ylim(max(0.0, min(level, table["knn"].min()) - 0.06), min(1.0, table["knn"].max() + 0.06))
    ax.set(title="after training:\nfull sets (the table)", ylabel="kNN accuracy (full sets)")


def plot_scores(table, metric: str = "linear_probe", ax=None):
    """Final ``metric`` per run as bars with seed std, against the random-init score: one dotted line (its
    seed std shaded) when every run starts from the same random network on each seed, else a grey bar
    beside each run's."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * table["run"].nunique() + 2.5, 3.2))
    baseline = table[BASELINE[metric]]
    shared = bool((table.groupby("seed", observed=True)[BASELINE[metric]].nunique() == 1).all())
    if shared:  # the same number under every run: one line says it
        sns.barplot(data=table, x="run", y=metric, errorbar="sd", ax=ax, color="tab:blue", label="trained")
        per_seed = table.groupby("seed", observed=True)[BASELINE[metric]].first()
        level, spread = per_seed.mean(), per_seed.std(ddof=0)
        ax.axhspan(level - spread, level + spread, color="0.3", alpha=0.35, lw=0, zorder=3)
        ax.axhline(level, color="k", ls=":", lw=1.5, label="random init (the same for every run)", zorder=4)
    else:
        long = pd.concat([
            pd.DataFrame({"run": table["run"], "network": "trained", metric: table[metric]}),
            pd.DataFrame({"run": table["run"], "network": "random init", metric: baseline}),
        ])
        sns.barplot(data=long, x="run", y=metric, hue="network", errorbar="sd", ax=ax,
                    palette={"trained": "tab:blue", "random init": "tab:gray"})
    ax.set(xlabel="", ylabel=METRIC_NAMES[metric], ylim=(0, 1),  # accuracies on their whole scale
           title=f"{METRIC_NAMES[metric]} (test), mean ± std over seeds")
    ax.tick_params(axis="x", labelrotation=20)
    legend_outside(ax, "right")
    ax.figure.tight_layout()
    return ax

"""The shipped reference runs as figures: a logged value over training per run (mean ± std over seeds)
and the final scores beside random init."""
from __future__ import annotations

from ssl_course.studies.reference import BASELINE, METRIC_NAMES, curve_evaluation, curves


def plot_curves(table, key: str = "knn", ax=None, title: str | None = None, baseline: bool | None = None):
    """``key`` over training per run, mean ± std over seeds (seaborn).

    For kNN the curve is a cheap evaluation on a subset (``curve_evaluation``), so it ends below the
    full-set kNN of the tables: each run's final full-set kNN is marked at the curve's end (×), and the
    dotted line is the random init *measured as the curve is* (``random_init_curve_knn``).
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 3.4))
    runs = [r for r in (table["run"].cat.categories if hasattr(table["run"], "cat") else table["run"].unique())
            if (table["run"] == r).any()]
    palette = dict(zip(runs, sns.color_palette(n_colors=len(runs))))
    data = curves(table, key)
    sns.lineplot(data=data, x="step", y=key, hue="run", hue_order=runs, palette=palette, errorbar="sd", ax=ax)
    if key == "knn":
        last = data.groupby("run", observed=True)["step"].max()
        for run in runs:
            ax.plot(last[run], table.loc[table["run"] == run, "knn"].mean(), "x", color=palette[run], ms=7, mew=2)
        ax.plot([], [], "x", color="grey", label="final kNN, full test set")
    if baseline if baseline is not None else key == "knn":
        column = "random_init_curve_knn" if "random_init_curve_knn" in table and table["random_init_curve_knn"].notna().all() \
            else "random_init_knn"
        ax.axhline(table[column].mean(), ls=":", c="k", lw=1,
                   label="random init" + (", same evaluation" if column == "random_init_curve_knn" else ""))
    label = f"kNN accuracy ({curve_evaluation(table)})" if key == "knn" else key.replace("_", " ")
    ax.set(ylabel="kNN accuracy (subset)" if key == "knn" else label,
           title=title or f"{label} over training (mean ± std over seeds)")
    if key == "knn":
        ax.set_xlabel(f"step   (curve: {curve_evaluation(table)})", fontsize=8)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.figure.tight_layout()
    return ax


def plot_scores(table, metric: str = "linear_probe", ax=None):
    """Final ``metric`` per run as bars with seed std, beside the random-init score (grey)."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    if ax is None:
        _, ax = plt.subplots(figsize=(1.1 * table["run"].nunique() + 2.5, 3.2))
    long = pd.concat([
        pd.DataFrame({"run": table["run"], "network": "trained", metric: table[metric]}),
        pd.DataFrame({"run": table["run"], "network": "random init", metric: table[BASELINE[metric]]}),
    ])
    sns.barplot(data=long, x="run", y=metric, hue="network", errorbar="sd", ax=ax,
                palette={"trained": "tab:blue", "random init": "tab:gray"})
    ax.set(xlabel="", ylabel=METRIC_NAMES[metric], title=f"{METRIC_NAMES[metric]} (test), mean ± std over seeds")
    ax.tick_params(axis="x", labelrotation=20)
    ax.legend(fontsize=7)
    ax.figure.tight_layout()
    return ax

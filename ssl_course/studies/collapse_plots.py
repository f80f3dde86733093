"""Notebook 07's figures: the data study at one feature dimension a panel, the fitting diagnostic,
the forecast within one width, and the three training orders."""
from __future__ import annotations

from ssl_course.figures import legend_outside
from ssl_course.studies.collapse import REGIMES, rank_correlation, runs_frame, study_summary


def _passes_axis(ax, summary) -> None:
    """A top axis that labels the bottom one's data sizes with their passes per image."""
    top = ax.secondary_xaxis("top")
    top.set_xticks(list(summary["train_images"]), [f"{p:,.0f}" if p >= 10 else f"{p:.1f}" for p in summary["passes_per_image"]])
    top.set_xlabel("passes per image", fontsize=9)
    top.tick_params(labelsize=8)


def plot_data_study(rows: list[dict], axes=None):
    """Per width (one feature dimension a column): the AUC against the data with its seed band and
    random init (dotted); below, kNN and probe. The top axis gives the passes per image."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    frame = runs_frame(rows)
    widths = sorted(frame["width"].unique())
    if axes is None:
        _, axes = plt.subplots(2, len(widths), figsize=(5.2 * len(widths), 6.6), dpi=110, squeeze=False)
    summary = study_summary(rows)
    for col, width in enumerate(widths):
        at, top, bottom = frame[frame["width"] == width], axes[0][col], axes[1][col]
        dim = int(at["feature_dim"].iloc[0])
        sns.lineplot(data=at, x="train_images", y="auc", marker="o", errorbar="sd", ax=top, label="trained (mean ± std)")
        top.axhline(at["random_init_auc"].mean(), color="0.4", ls=":", lw=1.5, label="random init")
        top.set(xscale="log", xlabel="distinct training images", ylabel="AUC (higher = more collapsed)",
                title=f"width {width}: {dim}-d features")
        _passes_axis(top, summary[summary["width"] == width])
        if col == len(widths) - 1:
            legend_outside(top, "right")
        else:
            top.legend().remove()  # the last column's legend names the same lines
        long = at.melt(id_vars=["train_images"], value_vars=["knn", "linear_probe"], var_name="score", value_name="accuracy")
        long["score"] = long["score"].map({"knn": "kNN", "linear_probe": "linear probe"})
        sns.lineplot(data=long, x="train_images", y="accuracy", hue="score", marker="o", errorbar="sd", ax=bottom)
        bottom.axhline(at["random_init_knn"].mean(), color="tab:blue", ls=":", lw=1.5, label="kNN, random init")
        bottom.axhline(at["random_init_probe"].mean(), color="tab:orange", ls=":", lw=1.5, label="probe, random init")
        bottom.set(xscale="log", xlabel="distinct training images (same steps for all)", ylabel="test accuracy")
        if col == len(widths) - 1:
            legend_outside(bottom, "right")
        else:
            bottom.legend().remove()
    axes[0][0].figure.tight_layout()
    return axes


def plot_fitting(rows: list[dict], ax=None):
    """The SimSiam loss on each run's own images and on held-out images, against the data (seed bands):
    where they part, the model fits its images."""
    import matplotlib.pyplot as plt
    import seaborn as sns

    frame = runs_frame(rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 3.8), dpi=110)
    long = frame.melt(id_vars=["width", "train_images"], value_vars=["own_loss", "held_out_loss"], var_name="images",
                      value_name="loss")
    long["images"] = long["images"].map({"own_loss": "own training images", "held_out_loss": "held-out images"})
    long["width"] = "width " + long["width"].astype(str)
    sns.lineplot(data=long, x="train_images", y="loss", hue="width", style="images", marker="o", errorbar="sd", ax=ax)
    ax.axhline(-1, color="0.4", ls=":", lw=1.5, label="−1: the loss's minimum")
    ax.set(xscale="log", xlabel="distinct training images (same steps for all)", ylabel="SimSiam loss (eval mode)",
           title="does the model fit its own images?")
    legend_outside(ax, "right")
    ax.figure.tight_layout()
    return ax


def plot_forecast(rows: list[dict], width: int, ax=None):
    """AUC against the probe for the runs of one width (one point a run, colour = data size), with the
    Spearman correlation: the label-free forecast, measured where the AUCs are comparable."""
    import matplotlib.pyplot as plt
    import seaborn as sns
    from matplotlib.colors import LogNorm

    at = [r for r in rows if r["width"] == width]
    frame = runs_frame(at)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 3.8), dpi=110)
    sns.scatterplot(data=frame, x="auc", y="linear_probe", hue="train_images", palette="viridis", s=60,
                    hue_norm=LogNorm(), ax=ax)
    ax.set(xlabel="AUC (higher = more collapsed)", ylabel="linear-probe accuracy",
           title=f"width {width}: Spearman {rank_correlation(at):+.2f} over {len(at)} runs")
    legend_outside(ax, "right", title="images", title_fontsize=9)
    ax.figure.tight_layout()
    return ax


def plot_regimes(table, axes=None):
    """The same images in three orders: kNN over training (mean ± std over seeds; dotted lines where the
    stream moves to its next chunk), the final accuracies, and the AUC on an axis of its own."""
    import matplotlib.pyplot as plt
    import pandas as pd
    import seaborn as sns

    from ssl_course.studies.collapse import study_rows
    from ssl_course.studies.reference import curve_evaluation, curves

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(14, 3.9), dpi=110, gridspec_kw={"width_ratios": [3, 2, 1.3]})
    runs = table[table["run"].astype(str).isin(list(REGIMES))]
    order = list(dict.fromkeys(REGIMES.values()))
    knn = curves(runs, "knn")
    knn["regime"] = knn["run"].astype(str).map(REGIMES)
    sns.lineplot(data=knn, x="step", y="knn", hue="regime", hue_order=order, errorbar="sd", ax=axes[0])
    stream = runs[runs["run"].astype(str) == "stream-w16-continual"]
    if len(stream):
        chunk_steps = int(stream["train_subset"].iloc[0]) // int(stream["chunks"].iloc[0]) // int(stream["batch_size"].iloc[0])
        per_chunk = chunk_steps * int(stream["chunk_epochs"].iloc[0])
        for k in range(1, int(stream["chunks"].iloc[0])):
            if k * per_chunk < runs["steps"].max():
                axes[0].axvline(k * per_chunk, color="0.7", ls=":", lw=1)
    axes[0].set(ylabel="kNN (subset)", xlabel=f"step   (kNN: {curve_evaluation(runs)})",
                title="kNN over training (dotted: the stream's next chunk)")
    legend_outside(axes[0], "below")
    rows = study_rows(runs)
    scores = pd.DataFrame([{"regime": r["regime"], "score": name, "value": r[key]} for r in rows
                           for name, key in (("kNN", "knn"), ("probe", "linear_probe"))])
    sns.barplot(data=scores, x="score", y="value", hue="regime", hue_order=order, errorbar="sd", ax=axes[1])
    axes[1].set(xlabel="", ylabel="test accuracy", ylim=(0, 1), title="final accuracy, mean ± std over seeds")
    axes[1].legend().remove()  # the regimes' colours are the curves' (legend under them)
    for bars in axes[1].containers:
        axes[1].bar_label(bars, fmt="%.3f", fontsize=9, rotation=90, label_type="center", color="white")
    auc = pd.DataFrame([{"regime": r["regime"], "AUC": r["auc"]} for r in rows])
    sns.barplot(data=auc, x="regime", y="AUC", order=order, errorbar="sd", ax=axes[2], color="0.6")
    axes[2].set(xlabel="", ylim=(0.5, 1), title="AUC (0.5: all directions\nequal; 1: a single one)")
    axes[2].bar_label(axes[2].containers[0], fmt="%.3f", fontsize=9)
    axes[2].tick_params(axis="x", labelrotation=20)
    axes[0].figure.tight_layout()
    return axes

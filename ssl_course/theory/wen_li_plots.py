"""Figures of Wen & Li's toy: the outcome map, one seed's view of each head, and the phases over training."""
from __future__ import annotations

import numpy as np

from ssl_course.theory.wen_li import History
from ssl_course.theory.wen_li_phases import OutcomeMap, SeedOutcome, detect_phases

def plot_outcome_map(result: OutcomeMap, default=(1.0, 1.0), axes=None):
    """One panel per head: green where the run ends with one neuron per feature, grey where both end on v_1;
    the key under the panels."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    heads = list(result.separated)
    if axes is None:
        _, axes = plt.subplots(1, len(heads), figsize=(4.2 * len(heads), 4.4), sharey=True, squeeze=False)
        axes = axes[0]
    step1, step2 = np.diff(result.v1).mean(), np.diff(result.v2).mean()
    extent = (result.v1[0] - step1 / 2, result.v1[-1] + step1 / 2, result.v2[0] - step2 / 2, result.v2[-1] + step2 / 2)
    for ax, head in zip(axes, heads):
        ax.imshow(result.separated[head], origin="lower", extent=extent, aspect="auto", vmin=0, vmax=1,
                  cmap=ListedColormap(["0.8", "tab:green"]))
        ax.plot(*default, marker="*", color="k", ms=10, ls="none", label="the default start")
        ax.set(title=f"head: {head}\n{result.separated[head].mean():.0%} of the starts separate",
               xlabel="neuron 2's <w, v1> at start (x 1/sqrt(d))")
    axes[0].set_ylabel("neuron 2's <w, v2> at start (x 1/sqrt(d))")
    key = [Patch(color="tab:green", label="one neuron per feature"), Patch(color="0.8", label="both neurons on v1"),
           *axes[0].get_legend_handles_labels()[0]]
    figure = axes[0].figure
    figure.tight_layout(rect=(0, 0.1, 1, 1))
    figure.legend(handles=key, loc="lower center", ncol=3, fontsize=9, frameon=False,
                  title="neuron 1 starts at (1.6, 1.0)", title_fontsize=9)
    return axes


def plot_seed_view(table: dict[str, list[SeedOutcome]], steps: int | None = None, ax=None):
    """Across seeds: the step at which v_2 is learned, per head (a strip plot; 'never' at the top)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 3.2))
    never = steps or max((r.v2_step or 0 for rows in table.values() for r in rows), default=1) * 1.1 or 1
    for x, (head, rows) in enumerate(table.items()):
        ys = [never if r.v2_step is None else r.v2_step for r in rows]
        jitter = np.linspace(-0.15, 0.15, len(ys))
        ax.scatter(x + jitter, ys, color=f"C{x}", s=25, zorder=3)
    ax.axhline(never, color="0.6", ls=":", lw=1)
    ax.text(0.99, never, "never", va="bottom", ha="right", fontsize=9, color="0.4", transform=ax.get_yaxis_transform())
    ax.set_xticks(range(len(table)), list(table))
    ax.set(ylabel="step at which |<w, v2>| > 0.6", title="time to learn the weak feature, per seed")
    return ax


def plot_phases(histories: dict[str, History]):
    """One column per head: each neuron's feature alignment over time (top, phases marked) and the
    head's off-diagonal entries (bottom, their own axis)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(histories), figsize=(3.6 * len(histories), 4.6), sharex=True, squeeze=False,
                             gridspec_kw={"height_ratios": [2, 1]})
    names = ["1 v1", "2 subst.", "3 accel.", "4 E back"]
    for column, (head, history) in enumerate(histories.items()):
        top, bottom = axes[0, column], axes[1, column]
        a = np.abs(history.alignment)
        m = a.shape[1]
        for i in range(m):
            for feature, style in ((0, "-"), (1, "--")):
                top.plot(history.steps, a[:, i, feature], style, color=f"C{i}", label=f"neuron {i + 1}, v{feature + 1}")
        for i in range(m):
            for j in range(m):
                if i != j:
                    bottom.plot(history.steps, history.head[:, i, j], color=f"C{j}", lw=1,
                                label=f"E_{i + 1}{j + 1} (neuron {j + 1} in {i + 1}'s prediction)")
        phases = detect_phases(history)
        times = [phases.learned_strong, phases.substitution, phases.acceleration, phases.head_returns]
        for k, (name, step) in enumerate(zip(names, times)):
            if step is not None:
                for panel in (top, bottom):
                    panel.axvline(step, color="0.7", ls=":", lw=1)
                top.text(step, 1.04 + 0.1 * k, name, fontsize=9, ha="left", va="bottom", color="0.3")  # staggered
        top.set(title=f"head: {head}", ylim=(0, 1.45))
        top.set_xscale("symlog", linthresh=100)  # the first phases take tens of steps, the last hundreds
        bottom.set(xlabel="step")
    axes[0, 0].set_ylabel("|<w_i, v_l>| / ||w_i||")
    axes[1, 0].set_ylabel("head entry")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    more = axes[1, 0].get_legend_handles_labels()
    fig.legend(handles + more[0], labels + more[1], loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig

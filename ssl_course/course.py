"""Helpers the notebooks share: environment check, seeded setup, run sizes, image grids, monitor plots.

The notebooks narrate and call these; the logic they teach lives in the other modules.

    >>> config = run_config("simsiam", full=False, steps=10)
    >>> (config.dataset, config.max_steps, config.progress)
    ('shapes', 10, False)
"""
from __future__ import annotations

import os
import platform
import random
import sys

import numpy as np
import torch

from ssl_course.presets import for_steps, preset
from ssl_course.train import TrainConfig, TrainResult, pick_device

# What a notebook run changes in the package's presets (ssl_course.presets): quiet and
# frequent monitoring on the CPU; a progress bar and the dataset download under FULL.
NOTEBOOK_CPU = dict(checkpoint_every=0, log_every=5, progress=False, overwrite=True)
NOTEBOOK_FULL = dict(download=True, progress=True, overwrite=True)


def setup(seed: int = 0) -> torch.device:
    """Seed python/numpy/torch, set modest figure defaults, print the environment; return the device."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        import matplotlib

        matplotlib.rcParams.update({"figure.dpi": 72, "figure.figsize": (6, 3.2), "axes.grid": True, "grid.alpha": 0.3})
    except ImportError:  # matplotlib is a dependency; keep setup usable without it anyway
        pass
    device = pick_device("auto")
    print(f"python {platform.python_version()}, torch {torch.__version__}, device: {device.type}")
    if device.type == "cpu":
        print("Running on the CPU: the notebooks' default (FULL = False) sizes are made for this and take "
              "minutes.\nOn Colab, switch to a GPU with Runtime > Change runtime type > GPU, then rerun.")
    return device


def in_colab() -> bool:
    return "google.colab" in sys.modules


def under_test() -> bool:
    """True when nbval/pytest or CI executes the notebook (keep it quiet and small)."""
    return "PYTEST_CURRENT_TEST" in os.environ or os.environ.get("CI") == "true"


def run_config(method: str, full: bool = False, steps: int = 150, out: str | None = None, **overrides) -> TrainConfig:
    """The method's preset at notebook size: ``steps`` steps on the CPU, or its FULL recipe on a GPU.

    On the CPU the lr schedule is planned for exactly ``steps`` steps (unless ``epochs`` is given).
    """
    if full:
        return preset(method, full=True, **{**NOTEBOOK_FULL, "out": out, **overrides})
    config = preset(method, **{**NOTEBOOK_CPU, "out": out, **overrides})
    return config if "epochs" in overrides else for_steps(config, steps)


def show_images(images: torch.Tensor, titles=None, ncol: int = 10, scale: float = 1.0, ax=None):
    """A grid of (N, C, H, W) images (uint8 or float in [0, 1])."""
    import matplotlib.pyplot as plt

    images = images.detach().cpu()
    images = images.float() / 255 if images.dtype == torch.uint8 else images.clamp(0, 1)
    n = len(images)
    nrow = -(-n // ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(ncol * scale, nrow * scale * (1.25 if titles else 1)), squeeze=False)
    for i, panel in enumerate(axes.flat):
        panel.axis("off")
        if i < n:
            panel.imshow(images[i].permute(1, 2, 0).numpy())
            if titles is not None:
                panel.set_title(str(titles[i]), fontsize=7)
    fig.tight_layout(pad=0.2)
    return fig


def plot_monitors(results: dict[str, TrainResult], keys=("loss", "effective_rank", "std_of_normalized")):
    """Training curves of several runs side by side: loss and the collapse monitor."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys), figsize=(4 * len(keys), 3))
    for name, result in results.items():
        for ax, key in zip(axes, keys):
            rows = [r for r in result.history if key in r]
            ax.plot([r["step"] for r in rows], [r[key] for r in rows], label=name)
    for ax, key in zip(axes, keys):
        ax.set(xlabel="step", title=key.replace("_", " "))
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def plot_accuracies(accuracies: dict[str, float], title: str = "kNN accuracy (test)", chance: float = 0.1):
    """A bar chart of accuracies with the chance level."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(1.2 * len(accuracies) + 2, 3))
    bars = ax.bar(list(accuracies), list(accuracies.values()), color=[f"C{i}" for i in range(len(accuracies))])
    ax.bar_label(bars, fmt="%.2f")
    ax.axhline(chance, ls=":", c="k", lw=1, label="chance")
    ax.set(ylim=(0, 1), title=title)
    ax.legend(loc="upper right")
    fig.tight_layout()
    return fig


def claim(statement: str, holds: bool, measured: str) -> None:
    """Print a lesson as a checked statement: ``<statement>: True (measured: <numbers>)``.

    Under nbval the statement and its truth value are compared with the committed output;
    ``notebooks/nbval_sanitize.cfg`` masks the numbers in the parentheses, whose last digit may
    change with the torch build. Keep parentheses out of ``measured``. It returns nothing, so a
    cell ending in a claim has no result to display (nbval runs cells without history, where a
    trailing ``;`` does not reliably hide one).

    >>> claim("two beats one by >= 0.5", 2 - 1 >= 0.5, "2 vs 1")
    two beats one by >= 0.5: True (measured: 2 vs 1)
    """
    print(f"{statement}: {bool(holds)} (measured: {measured})")


def summary_table(results: dict[str, TrainResult]) -> str:
    """One line per run: kNN, effective rank, std of normalised z, and the step of the collapse warning."""
    lines = [f"{'run':<24} {'kNN':>6} {'eff. rank':>10} {'std(z/|z|)':>11}  collapse warning"]
    for name, r in results.items():
        knn = float("nan") if r.knn is None else r.knn
        warned = "-" if r.collapse_step is None else f"at step {r.collapse_step}"
        lines.append(f"{name:<24} {knn:>6.2f} {r.effective_rank:>10.1f} {r.std_of_normalized:>11.3f}  {warned}")
    return "\n".join(lines)

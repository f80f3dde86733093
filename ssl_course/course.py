"""Helpers the notebooks share: environment check, seeded setup, run sizes, image grids, monitor plots.

The notebooks narrate and call these; the logic they teach lives in the other modules.

    >>> config = run_config("simsiam", full=False, steps=10)
    >>> (config.dataset, config.max_steps, config.progress)
    ('shapes', 10, False)
"""
from __future__ import annotations

import platform
import random

import numpy as np
import torch

from ssl_course.precision import auto_precision
from ssl_course.presets import FULL_SOURCE, T4_CAPABILITY, estimated_minutes, fit_budget, for_steps, preset
from ssl_course.config import TrainConfig, TrainResult
from ssl_course.devices import pick_device
from ssl_course.figures import legend_outside

# What a notebook run changes in the package's presets (ssl_course.presets): quiet and
# frequent monitoring on the CPU; a progress bar and the dataset download under FULL.
NOTEBOOK_CPU = dict(checkpoint_every=0, log_every=5, progress=False, overwrite=True)
NOTEBOOK_FULL = dict(download=True, progress=True, overwrite=True)


# Figure defaults a learner can read: >= 100 dpi (a 6-inch figure is 660 px wide), no text under 9 pt.
FIGURE_STYLE = {"figure.dpi": 110, "figure.figsize": (6, 3.2), "font.size": 10, "axes.titlesize": 10,
                "axes.labelsize": 10, "legend.fontsize": 9, "xtick.labelsize": 9, "ytick.labelsize": 9,
                "axes.grid": True, "grid.alpha": 0.3}


def setup(seed: int = 0) -> torch.device:
    """Seed python/numpy/torch, set readable figure defaults, say in one line which device runs; return it."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    try:
        import matplotlib

        matplotlib.rcParams.update(FIGURE_STYLE)
    except ImportError:  # matplotlib is a dependency; keep setup usable without it anyway
        pass
    device = pick_device("auto")
    import ssl_course.train as trainer

    trainer.cpu_noted(True)  # this line says it; the trainer need not repeat it under every training cell
    print(f"device: {device.type}" + (" (the FULL = False sizes are made for it: see 00 for a GPU)" if device.type == "cpu" else ""))
    return device


def environment_report() -> None:
    """The full environment, once (notebook 00): versions, device, cores, and how to get a GPU on Colab."""
    import os

    device = pick_device("auto")
    print(f"python {platform.python_version()}, torch {torch.__version__}, device: {device.type}, "
          f"{os.cpu_count()} CPU cores, {torch.get_num_threads()} torch threads")
    if device.type == "cuda":
        print(f"GPU: {torch.cuda.get_device_name(device)}")
    else:
        print("Running on the CPU: the notebooks' default (FULL = False) sizes are made for this and take "
              "minutes.\nOn Colab, switch to a GPU with Runtime > Change runtime type > GPU, then rerun.")


def run_config(method: str, full: bool = False, steps: int = 150, out: str | None = None, runs: int = 1,
               **overrides) -> TrainConfig:
    """The method's preset at notebook size: ``steps`` steps on the CPU, or its FULL recipe on a GPU.

    On the CPU the lr schedule is planned for exactly ``steps`` steps (unless ``epochs`` is given).
    FULL keeps the recipe (model, batch, lr, wd) but only as many epochs as ``runs`` such runs fit
    in about an hour of a free Colab GPU (``presets.fit_budget``), unless ``epochs`` is given.
    """
    if full:
        config = preset(method, full=True, **{**NOTEBOOK_FULL, "out": out, **overrides})
        fitted = config if "epochs" in overrides else fit_budget(config, runs=runs)
        t4 = auto_precision("cuda", T4_CAPABILITY) if fitted.precision == "auto" else fitted.precision
        print(f"FULL: {FULL_SOURCE[method]}, {fitted.epochs} of its {preset(method, full=True).epochs} epochs: about "
              f"{estimated_minutes(fitted):.0f} min on a free Colab T4 in {t4} (an estimate; the papers' numbers need all of them)")
        return fitted
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
                panel.set_title(str(titles[i]), fontsize=9)
    fig.tight_layout(pad=0.2)
    return fig


def plot_monitors(results: dict[str, TrainResult], keys=("loss", "effective_rank", "std_of_normalized")):
    """Training curves of several runs side by side: loss and the collapse monitor."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(keys), figsize=(max(5.0, 4 * len(keys)), 3), squeeze=False)
    axes = axes[0]
    for name, result in results.items():
        for ax, key in zip(axes, keys):
            rows = [r for r in result.history if key in r]
            ax.plot([r["step"] for r in rows], [r[key] for r in rows], label=name)
    for ax, key in zip(axes, keys):
        ax.set(xlabel="step", title=key.replace("_", " "))
    legend_outside(axes[-1], "right")
    fig.tight_layout()
    return fig


def plot_retrieval(backbones: dict[str, torch.nn.Module], train_set, queries, k: int = 8):
    """Nearest-neighbour retrieval: for each backbone and query image, its ``k`` nearest training images
    (cosine similarity of features), framed green when they share the query's label, red otherwise.

    ``train_set``/``queries``: (uint8 images, labels) pairs. Returns the figure and, per backbone, the
    fraction of retrieved images of the query's class.
    """
    import matplotlib.pyplot as plt

    from ssl_course.evaluation import extract_features, nearest_neighbours

    images, labels = train_set
    query_images, query_labels = queries
    n = len(query_images)
    fig, axes = plt.subplots(n * len(backbones), k + 1, figsize=(0.75 * (k + 1), 0.8 * n * len(backbones)), squeeze=False)
    precision = {}
    for b, (name, backbone) in enumerate(backbones.items()):
        train_f, _ = extract_features(backbone, (images, labels))
        query_f, _ = extract_features(backbone, (query_images, query_labels))
        found = nearest_neighbours(train_f, query_f, k)
        precision[name] = (labels[found] == torch.as_tensor(query_labels)[:, None]).float().mean().item()
        for q in range(n):
            row = axes[b * n + q]
            shown = [query_images[q]] + [images[i] for i in found[q]]
            for j, (panel, image) in enumerate(zip(row, shown)):
                panel.imshow(image.permute(1, 2, 0).numpy())
                panel.set_xticks([]), panel.set_yticks([])
                colour = "black" if j == 0 else ("tab:green" if labels[found[q, j - 1]] == query_labels[q] else "tab:red")
                for spine in panel.spines.values():
                    spine.set_color(colour), spine.set_linewidth(2)
            row[0].set_ylabel(name if q == 0 else "", fontsize=9)
        axes[b * n, 0].set_title("query", fontsize=9)
        axes[b * n, 1].set_title(f"{name}: {k} nearest training images ({precision[name]:.0%} same class)",
                                 fontsize=9, loc="left")
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.01, top=0.95, wspace=0.08, hspace=0.35)
    return fig, precision


def plot_view_similarity(backbones: dict[str, torch.nn.Module], images: torch.Tensor, dataset: str = "shapes",
                         seed: int = 0):
    """Cosine similarity of centred backbone features between view 1 (rows) and view 2 (columns) of the same
    images, one panel per backbone: what InfoNCE asks for is a bright diagonal (each image's own other
    view, outlined) against a dark rest. The views are made as in training, from ``seed``.

    Returns the figure and, per backbone, (mean of the diagonal, mean of the rest, rows whose own other
    view is the most similar of the row)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ssl_course.augment import BatchTwoViewAugment
    from ssl_course.data import dataset_spec

    spec = dataset_spec(dataset)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        view1, view2 = BatchTwoViewAugment(spec.image_size, spec.mean, spec.std)(images)
    fig, axes = plt.subplots(1, len(backbones), figsize=(4.6 * len(backbones), 4.2), squeeze=False, layout="constrained")
    stats = {}
    for ax, (name, backbone) in zip(axes[0], backbones.items()):
        backbone.eval()
        with torch.no_grad():
            h1, h2 = backbone(view1), backbone(view2)
            centre = torch.cat([h1, h2]).mean(0)  # ReLU features are all positive: centre them, or every pair looks alike
            f1, f2 = (torch.nn.functional.normalize(h - centre, dim=1) for h in (h1, h2))
        sim = (f1 @ f2.T).numpy()
        n = len(sim)
        diagonal, rest = sim.diagonal().mean(), sim[~np.eye(n, dtype=bool)].mean()
        own_best = int((sim.argmax(axis=1) == np.arange(n)).sum())
        stats[name] = (float(diagonal), float(rest), own_best)
        shown = ax.imshow(sim, vmin=-1, vmax=1, cmap="RdBu_r")
        for i in range(n):  # outline the positive pairs, so the diagonal can be found at a glance
            ax.add_patch(Rectangle((i - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=1.2))
        ax.set(title=f"{name}\nown other view {diagonal:.2f}, the rest {rest:.2f}\nown view the most similar in "
                     f"{own_best} of {n} rows", xlabel="view 2 of image j", ylabel="view 1 of image i")
    fig.colorbar(shown, ax=axes[0].tolist(), label="cosine similarity of features", shrink=0.9)
    return fig, stats


def plot_eigenvalues_over_training(history: list[dict], axes=None):
    """A linear-head run's top eigenvalues s_j of F (left) and W_p's eigenvalues p_j along the same
    eigenvectors (right) over training, mode j in colour j: the theory's per-mode picture in a real run."""
    import matplotlib.pyplot as plt

    rows = [r for r in history if "eigenvalues_F" in r]
    if not rows:
        raise ValueError("no eigenvalues in this history: train with a linear predictor (predictor='linear')")
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3))
    steps = [r["step"] for r in rows]
    s, p = np.array([r["eigenvalues_F"] for r in rows]), np.array([r["eigenvalues_W_p"] for r in rows])
    for j in range(s.shape[1]):
        axes[0].plot(steps, s[:, j], color=f"C{j}", label=f"mode {j + 1}")
        axes[1].plot(steps, p[:, j], color=f"C{j}", label=f"mode {j + 1}")
    axes[0].set(xlabel="step", ylabel="s_j", title="eigenvalues of F (the projections' correlation)")
    axes[1].set(xlabel="step", ylabel="p_j = u_j^T W_p u_j", title="the predictor along F's eigenvectors")
    legend_outside(axes[-1], "right")
    axes[0].figure.tight_layout()
    return axes


def load_benchmark(name: str):
    """The module ``benchmarks/<name>.py`` of the course's checkout (benchmarks are scripts, not part of the
    installed package), loaded so a notebook can call and plot what a benchmark measures."""
    import importlib.util

    from ssl_course.studies.assets import CHECKOUT

    path = CHECKOUT / "benchmarks" / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no benchmark {path}: benchmarks ship with the repository; clone it and install "
                                "with pip install -e .")
    spec = importlib.util.spec_from_file_location(f"benchmarks.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plot_step_times(times: dict[str, float], title: str = "one training step"):
    """Bars of milliseconds per step, each labelled with its speed relative to the first (fp32)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 2.8))
    base = next(iter(times.values()))
    bars = ax.barh(list(times), list(times.values()), color=[f"C{i}" for i in range(len(times))])
    ax.bar_label(bars, labels=[f"{v:.0f} ms ({base / v:.2f}x fp32 speed)" for v in times.values()], fontsize=9, padding=3)
    ax.invert_yaxis()
    ax.set(xlabel="milliseconds per step (lower is faster)", title=title, xlim=(0, 1.6 * max(times.values())))
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
    legend_outside(ax, "right")
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

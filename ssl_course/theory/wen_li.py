"""Substitution and acceleration: why an identity-initialised prediction head helps (Wen & Li, NeurIPS 2022).

The synthetic world
    * a sample is P patches in R^d; a feature z * alpha_l * v_l (z = +-1, l in {1, 2}) sits in
      ``signal_patches`` random patches, every other patch is Gaussian noise (std ``noise``);
      v_1 is strong (alpha_1), v_2 weak (alpha_2 << alpha_1), v_1 and v_2 orthonormal;
    * the two views keep complementary random halves of the patches (the rest is zeroed);
    * the network has m neurons w_i (default 2): f_i(x) = sum_p act(<w_i, x_p>), then BatchNorm
      over the batch without affine parameters;
    * the head E = I + A: its diagonal frozen at 1, its off-diagonal entries A_ij trainable from 0
      with learning rate lr_head << lr (``head="offdiag"``); ``"identity_fixed"`` keeps E = I;
      ``"none"`` has no head (the same as E = I);
    * loss 2 - 2 cos(E f(view1), stopgrad f(view2)), symmetrised over the views.

What happens (``detect_phases``) with the head:
    (1) learning: one neuron learns the strong feature v_1;
    (2) substitution: the off-diagonal entry that maps that neuron onto the other one grows: the
        first neuron's v_1 signal now stands in for the second neuron's, so the second neuron
        no longer gains by learning v_1 too;
    (3) acceleration: the second neuron learns the weak feature v_2 (sped up by the substituted signal);
    (4) the head returns towards the identity once every neuron has its own feature.
Without a head, both neurons learn v_1 and v_2 is never learned: dimensional collapse.

Parameter values that show it (``WenLiConfig`` defaults: d = 20, 8 patches of which 4 carry the
feature, alpha = (1, 0.2), cubic activation, unit-norm neurons, lr 0.05, lr_head 1.0, batch 256,
6 000 steps, about 6 s): with seed 1 the off-diagonal head reaches |E_ij| ~ 1, the second
neuron then learns v_2 and E returns to ~I, while ``identity_fixed`` and ``none`` keep both
neurons on v_1. It is a tendency, not a law: over seeds 0-7 (README) the head learns v_2 more
often than the fixed identity does, and some seeds learn v_2 either way.

Example (a second):
    >>> history = run(head="offdiag", steps=50, seed=0)
    >>> history.alignment.shape  # (recorded steps, neurons, features)
    (51, 2, 2)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ssl_course.losses import byol_loss
from ssl_course.predictors import identity_plus_off_diagonal

HEADS = ("offdiag", "identity_fixed", "none")
per_network_loss = torch.vmap(byol_loss)  # (S, B, m) pairs -> (S,) losses: byol_loss for each network at once
ACTIVATIONS = {"cubic": lambda t: t**3, "relu": torch.relu}


@dataclass
class WenLiConfig:
    """The synthetic world and its optimiser; with seed 1 the defaults show all four phases."""

    dim: int = 20
    patches: int = 8
    signal_patches: int = 4
    alpha: tuple[float, float] = (1.0, 0.2)  # strong, weak feature amplitude
    p_strong: float = 0.5  # probability that a sample carries v_1 (else v_2)
    noise: float = 0.1
    neurons: int = 2
    activation: str = "cubic"
    init_scale: float = 0.1
    batch_size: int = 256
    lr: float = 0.05
    lr_head: float = 1.0  # per step, on |grad| ~ 0.01-0.1: the head still moves slower than w
    weight_decay: float = 0.0


@dataclass
class History:
    """What ``run`` records, every ``record_every`` steps (first index: time)."""

    steps: np.ndarray  # (T,)
    alignment: np.ndarray  # (T, neurons, 2): <w_i, v_l> / ||w_i||
    head: np.ndarray  # (T, neurons, neurons): E
    loss: np.ndarray  # (T,)
    config: WenLiConfig = field(default_factory=WenLiConfig)
    head_kind: str = "offdiag"


def features(config: WenLiConfig) -> torch.Tensor:
    """v_1, v_2: the first two standard basis vectors of R^d (any orthonormal pair would do)."""
    return torch.eye(config.dim)[:2]


def sample_views(config: WenLiConfig, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Two (B, P, d) views of one batch: complementary halves of the patches."""
    B, P, d = config.batch_size, config.patches, config.dim
    x = config.noise * torch.randn(B, P, d, generator=generator)
    strong = torch.rand(B, generator=generator) < config.p_strong
    sign = torch.randint(0, 2, (B,), generator=generator).float() * 2 - 1
    v = features(config)
    signal = torch.where(strong[:, None], config.alpha[0] * v[0], config.alpha[1] * v[1]) * sign[:, None]
    where = torch.rand(B, P, generator=generator).argsort(dim=1)[:, : config.signal_patches]
    x.scatter_(1, where[:, :, None].expand(-1, -1, d), signal[:, None, :].expand(-1, config.signal_patches, -1))
    half = torch.rand(B, P, generator=generator).argsort(dim=1) < P // 2
    return x * half[:, :, None], x * ~half[:, :, None]


def network(w: torch.Tensor, x: torch.Tensor, activation: str) -> torch.Tensor:
    """Per-patch activation summed over patches, then BatchNorm without affine over the batch:
    (..., B, P, d) views and (..., m, d) neurons -> (..., B, m) outputs (leading dims: independent runs)."""
    out = ACTIVATIONS[activation](torch.einsum("...bpd,...md->...bpm", x, w)).sum(dim=-2)
    return (out - out.mean(-2, keepdim=True)) / (out.std(-2, keepdim=True) + 1e-5)


def run(head: str = "offdiag", steps: int = 6000, seed: int = 0, config: WenLiConfig | None = None,
        record_every: int = 1, head_fn=None) -> History:
    """Train the toy network with SGD; record feature alignments, the head and the loss.

    ``head_fn(A)``: a learner's E = I + off-diagonal part of A, in place of ``identity_plus_off_diagonal``.
    """
    return run_seeds(head, steps, [seed], config, record_every, head_fn)[0]


def run_seeds(head="offdiag", steps: int = 6000, seeds=(0,), config: WenLiConfig | None = None,
              record_every: int = 1, head_fn=None) -> list[History]:
    """``run`` for several seeds at once: one independent network per seed, each drawing its
    initialisation and its batches from its own seeded generator, trained side by side (one
    batched forward and backward per step), faster than one run after another.

    ``head``: one kind for every seed, or a list with one kind per seed (several heads side by side).
    """
    config = config or WenLiConfig()
    kinds = [head] * len(seeds) if isinstance(head, str) else list(head)
    if len(kinds) != len(seeds):
        raise ValueError(f"one head kind per seed: {len(kinds)} kinds for {len(seeds)} seeds")
    for kind in kinds:
        if kind not in HEADS:
            raise ValueError(f"unknown head {kind!r}; valid: {', '.join(HEADS)}")
    if config.activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {config.activation!r}; valid: {', '.join(ACTIVATIONS)}")
    if not 0 < config.alpha[1] <= config.alpha[0]:
        raise ValueError(f"need 0 < alpha_2 <= alpha_1 (v_1 is the strong feature), got {config.alpha}")
    # one generator per distinct seed: networks with the same seed (different heads) share their
    # initialisation and their batches, which are drawn once
    distinct = list(dict.fromkeys(int(seed) for seed in seeds))
    generators = [torch.Generator().manual_seed(seed) for seed in distinct]
    index = torch.tensor([distinct.index(int(seed)) for seed in seeds])
    m = config.neurons
    w = torch.stack([torch.randn(m, config.dim, generator=g) for g in generators])[index]  # (S, m, d)
    w = (w / w.norm(dim=-1, keepdim=True)).requires_grad_()
    trainable = torch.tensor([kind == "offdiag" for kind in kinds], dtype=torch.float32)[:, None, None]
    off_diagonal = torch.zeros(len(seeds), m, m, requires_grad=bool(trainable.any()))
    v = features(config)
    rows = {"steps": [], "alignment": [], "head": [], "loss": []}

    def record(step: int, loss: torch.Tensor) -> None:
        with torch.no_grad():
            rows["steps"].append(step)
            rows["alignment"].append((w @ v.T / w.norm(dim=-1, keepdim=True)).numpy().copy())
            rows["head"].append(identity_plus_off_diagonal(off_diagonal).numpy().copy())
            rows["loss"].append(loss.detach().numpy().copy())

    for step in range(steps + 1):
        view1, view2 = (torch.stack(views)[index] for views in zip(*(sample_views(config, g) for g in generators)))
        f1, f2 = network(w, view1, config.activation), network(w, view2, config.activation)
        E = identity_plus_off_diagonal(off_diagonal) if head_fn is None else torch.stack([head_fn(a) for a in off_diagonal])
        # 2 - 2 cos(E f(view1), stopgrad f(view2)), symmetrised: byol_loss per seed
        loss = (per_network_loss(f1 @ E.mT, f2.detach()) + per_network_loss(f2 @ E.mT, f1.detach())) / 2
        if step % record_every == 0 or step == steps:
            record(step, loss)
        if step == steps:
            break
        params = [w] + ([off_diagonal] if off_diagonal.requires_grad else [])
        grads = torch.autograd.grad(loss.sum(), params)  # seeds share no parameter: each gets its own gradient
        with torch.no_grad():
            w -= config.lr * (grads[0] + config.weight_decay * w)
            # BatchNorm makes the network blind to |w_i|: keep each w_i on the unit sphere so that
            # lr is the angular learning rate, comparable with the head's
            w /= w.norm(dim=-1, keepdim=True)
            if off_diagonal.requires_grad:  # E = I + A stays I where the head is fixed (A stays 0)
                off_diagonal -= config.lr_head * grads[1] * trainable
    alignment, heads, losses = (np.stack(rows[k], axis=1) for k in ("alignment", "head", "loss"))
    return [History(np.array(rows["steps"]), alignment[s], heads[s], losses[s], config, kinds[s]) for s in range(len(seeds))]


@dataclass
class Phases:
    """Steps at which each phase starts (None: it did not happen within the run)."""

    strong_neuron: int | None  # the neuron that learned v_1 first
    learned_strong: int | None  # (1) |<w_i, v_1>| / ||w_i|| crosses ``threshold``
    substitution: int | None  # (2) from (1) on, |E_ji| (neuron i's output in neuron j's prediction) > ``head_threshold``
    acceleration: int | None  # (3) the other neuron's |<w_j, v_2>| / ||w_j|| crosses ``threshold``
    head_returns: int | None  # (4) after (3), |E_ji| falls below half of its peak

    @property
    def in_order(self) -> bool:
        """All four phases happened as separate events, in the order the paper describes."""
        times = [self.learned_strong, self.substitution, self.acceleration, self.head_returns]
        return None not in times and all(a < b for a, b in zip(times, times[1:]))


def detect_phases(history: History, threshold: float = 0.6, head_threshold: float = 0.3) -> Phases:
    """Find the four phases in a ``History`` (see the module docstring)."""
    a, E, steps = np.abs(history.alignment), history.head, history.steps

    def first(mask: np.ndarray, after: int = 0) -> int | None:
        hits = np.nonzero(mask[after:])[0]
        return int(after + hits[0]) if len(hits) else None

    crossings = [first(a[:, i, 0] > threshold) for i in range(a.shape[1])]
    if all(c is None for c in crossings):
        return Phases(None, None, None, None, None)
    strong = min((c, i) for i, c in enumerate(crossings) if c is not None)[1]
    learned = crossings[strong]
    others = [j for j in range(a.shape[1]) if j != strong]
    # the entry through which the strong neuron stands in for another one, (E f)_j += E_ji f_i
    entry = np.abs(E[:, others, strong]).max(axis=1)
    substitution = first(entry > head_threshold, after=learned)  # counted once v_1 is there to substitute
    acceleration = first(a[:, others, 1].max(axis=1) > threshold, after=learned)
    head_returns = None
    if acceleration is not None and substitution is not None:
        peak = entry[: acceleration + 1].max()
        head_returns = first(entry < peak / 2, after=acceleration)
    as_step = lambda i: None if i is None else int(steps[i])  # noqa: E731
    return Phases(strong, as_step(learned), as_step(substitution), as_step(acceleration), as_step(head_returns))


@dataclass
class SeedOutcome:
    """What one seed's run ended with (``seed_table``)."""

    seed: int
    v2_learned: bool  # some neuron ends with |alignment with v_2| > threshold
    one_neuron_per_feature: bool  # one neuron on v_1 and the other on v_2, both above threshold
    phases_in_order: bool  # ``detect_phases(...).in_order``
    v2_step: int | None  # first recorded step at which v_2 is learned


def outcome(history: History, seed: int, threshold: float = 0.6) -> SeedOutcome:
    a = np.abs(history.alignment)
    final = a[-1]
    strong = int(final[:, 0].argmax())
    others = [j for j in range(final.shape[0]) if j != strong]
    hits = np.nonzero(a[:, :, 1].max(axis=1) > threshold)[0]
    return SeedOutcome(seed, bool((final[:, 1] > threshold).any()),
                       bool(final[strong, 0] > threshold and any(final[j, 1] > threshold for j in others)),
                       detect_phases(history, threshold).in_order, int(history.steps[hits[0]]) if len(hits) else None)


def seed_runs(seeds, heads=HEADS, steps: int = 4000, config: WenLiConfig | None = None,
              record_every: int = 10) -> dict[str, list[History]]:
    """Every head on every seed, all side by side in one ``run_seeds``: per head, one ``History`` per seed."""
    seeds, heads = list(seeds), list(heads)
    histories = run_seeds([head for head in heads for _ in seeds], steps, seeds * len(heads), config, record_every)
    return {head: histories[k * len(seeds) : (k + 1) * len(seeds)] for k, head in enumerate(heads)}


def seed_table(seeds, heads=HEADS, steps: int = 4000, config: WenLiConfig | None = None,
               record_every: int = 10, runs: dict[str, list[History]] | None = None) -> dict[str, list[SeedOutcome]]:
    """Per head, one ``SeedOutcome`` per seed: of ``runs`` (``seed_runs``' output) if given, else of new runs.

    ``identity_fixed`` and ``none`` train the very same function (E = I maps f to f and has no
    parameter), so passing one of them is enough.
    """
    seeds = list(seeds)
    runs = runs if runs is not None else seed_runs(seeds, heads, steps, config, record_every)
    return {head: [outcome(history, seed) for seed, history in zip(seeds, histories)] for head, histories in runs.items()}


def format_seed_table(table: dict[str, list[SeedOutcome]]) -> str:
    """Per head: seeds where v_2 is learned, with one neuron per feature, and with the phases in order."""
    lines = [f"{'head':<15} {'v2 learned':<22} {'one neuron/feature':<22} phases in order"]
    for head, rows in table.items():
        def cell(flag):
            hits = [r.seed for r in rows if getattr(r, flag)]
            return f"{len(hits)}/{len(rows)} {hits}"
        lines.append(f"{head:<15} {cell('v2_learned'):<22} {cell('one_neuron_per_feature'):<22} {cell('phases_in_order')}")
    return "\n".join(lines)


def plot_seed_view(table: dict[str, list[SeedOutcome]], steps: int | None = None, ax=None):
    """Across seeds: the step at which v_2 is learned, per head (a strip plot; 'never' at the top)."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 3))
    never = steps or max((r.v2_step or 0 for rows in table.values() for r in rows), default=1) * 1.1 or 1
    for x, (head, rows) in enumerate(table.items()):
        ys = [never if r.v2_step is None else r.v2_step for r in rows]
        jitter = np.linspace(-0.15, 0.15, len(ys))
        ax.scatter(x + jitter, ys, color=f"C{x}", s=25, zorder=3)
    ax.axhline(never, color="0.6", ls=":", lw=1)
    ax.text(len(table) - 0.5, never, "never", va="bottom", ha="right", fontsize=8, color="0.4")
    ax.set_xticks(range(len(table)), list(table))
    ax.set(ylabel="step at which v2 is learned", title="time to learn the weak feature, per seed")
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
                top.text(step, 1.04 + 0.1 * k, name, fontsize=7, ha="left", va="bottom", color="0.3")  # staggered
        top.set(title=f"head: {head}", ylim=(0, 1.45))
        bottom.set(xlabel="step")
    axes[0, 0].set_ylabel("|<w_i, v_l>| / ||w_i||")
    axes[1, 0].set_ylabel("head entry")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    more = axes[1, 0].get_legend_handles_labels()
    fig.legend(handles + more[0], labels + more[1], loc="lower center", ncol=3, fontsize=7, frameon=False)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig

"""Reading Wen & Li's toy (``theory.wen_li``): when the head turns on, the three phases in order, one
outcome per seed, and where in the (v_1, v_2) strength plane the head decides the outcome."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from ssl_course.theory.wen_li import HEADS, History, WenLiConfig, initial_weights, run_seeds

def onset(config: WenLiConfig) -> float:
    """An alignment twice a random direction's (1/sqrt(d)): a neuron has started to learn a feature."""
    return 2 / math.sqrt(config.dim)


@dataclass
class Phases:
    """Steps at which each phase starts (None: it did not happen within the run)."""

    strong_neuron: int | None  # the neuron that learned v_1 first
    learned_strong: int | None  # (1) its |<w_i, v_1>| / ||w_i|| crosses ``onset`` (2 / sqrt(d))
    substitution: int | None  # (2) from (1) on, |E_ji| (neuron i's output in neuron j's prediction) > ``head_threshold``
    acceleration: int | None  # (3) another neuron's |<w_j, v_2>| / ||w_j|| crosses ``onset``
    head_returns: int | None  # (4) after (3), |E_ji| falls below half of its peak

    @property
    def in_order(self) -> bool:
        """All four phases happened as separate events, in the order the paper describes."""
        times = [self.learned_strong, self.substitution, self.acceleration, self.head_returns]
        return None not in times and all(a < b for a, b in zip(times, times[1:]))


def detect_phases(history: History, threshold: float | None = None, head_threshold: float = 0.3) -> Phases:
    """Find the four phases in a ``History`` (see the module docstring and ``Phases``).

    ``threshold``: the alignment at which a neuron counts as learning a feature (default ``onset``,
    2 / sqrt(d) = 0.35 for d = 32, far above the plateau of 0.2 on which the second neuron waits);
    ``head_threshold``: 0.3, under half of the 0.7-0.8 the substituting entry reaches in this setting
    and far above the 0.05 that the other entry drifts to.
    """
    threshold = onset(history.config) if threshold is None else threshold
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
    v2_learned: bool  # some neuron ends with |alignment with v_2| > learned
    one_neuron_per_feature: bool  # one neuron on v_1 and off v_2, another on v_2 and off v_1
    phases_in_order: bool  # ``detect_phases(...).in_order``
    v2_step: int | None  # first recorded step at which v_2 is learned


LEARNED, OFF = 0.6, 0.3  # final alignment: on a feature above 0.6, off it below 0.3


def one_per_feature(final: np.ndarray) -> bool:
    """(neurons, 2) final absolute alignments: a neuron on v_1 and off v_2, and another on v_2 and off v_1."""
    on_v1 = [i for i in range(len(final)) if final[i, 0] > LEARNED and final[i, 1] < OFF]
    on_v2 = [j for j in range(len(final)) if final[j, 1] > LEARNED and final[j, 0] < OFF]
    return any(i != j for i in on_v1 for j in on_v2)


def outcome(history: History, seed: int) -> SeedOutcome:
    a = np.abs(history.alignment)
    hits = np.nonzero(a[:, :, 1].max(axis=1) > LEARNED)[0]
    return SeedOutcome(seed, bool((a[-1, :, 1] > LEARNED).any()), one_per_feature(a[-1]),
                       detect_phases(history).in_order, int(history.steps[hits[0]]) if len(hits) else None)


def seed_runs(seeds, heads=HEADS, steps: int = 4000, config: WenLiConfig | None = None,
              record_every: int = 10) -> dict[str, list[History]]:
    """Every head on every seed, all side by side in one ``run_seeds``: per head, one ``History`` per seed."""
    seeds, heads = list(seeds), list(heads)
    histories = run_seeds([head for head in heads for _ in seeds], steps, seeds * len(heads), config, record_every)
    return {head: histories[k * len(seeds) : (k + 1) * len(seeds)] for k, head in enumerate(heads)}


def seed_table(seeds, heads=HEADS, steps: int = 4000, config: WenLiConfig | None = None,
               record_every: int = 10, runs: dict[str, list[History]] | None = None) -> dict[str, list[SeedOutcome]]:
    """Per head, one ``SeedOutcome`` per seed: of ``runs`` (``seed_runs``' output) if given, else of new runs.

    ``identity_fixed`` and ``none`` train the very same function (E = I maps h to h and has no
    parameter), so passing one of them is enough.
    """
    seeds = list(seeds)
    runs = runs if runs is not None else seed_runs(seeds, heads, steps, config, record_every)
    return {head: [outcome(history, seed) for seed, history in zip(seeds, histories)] for head, histories in runs.items()}


def format_seed_table(table: dict[str, list[SeedOutcome]]) -> str:
    """Per head: seeds where v_2 is learned, with one neuron per feature, and with the phases in order."""
    lines = [f"{'head':<15} {'v2 learned':<30} {'one neuron/feature':<30} phases in order"]
    for head, rows in table.items():
        def cell(flag):
            hits = [r.seed for r in rows if getattr(r, flag)]
            return f"{len(hits)}/{len(rows)} {hits}"
        lines.append(f"{head:<15} {cell('v2_learned'):<30} {cell('one_neuron_per_feature'):<30} {cell('phases_in_order')}")
    return "\n".join(lines)


@dataclass
class OutcomeMap:
    """``outcome_map``'s result: per head, whether each starting point ends with one neuron per feature."""

    v1: np.ndarray  # (n,) neuron 2's initial <w_2, v_1> in units of 1/sqrt(d)
    v2: np.ndarray  # (n,) the same for v_2
    separated: dict[str, np.ndarray]  # head -> (len(v2), len(v1)) booleans


def outcome_map(v1=np.linspace(0.25, 2.0, 8), v2=np.linspace(0.25, 2.0, 8), heads=("offdiag", "none"),
                steps: int = 4000, seed: int = 0, config: WenLiConfig | None = None) -> OutcomeMap:
    """Where the head decides the outcome: over a grid of neuron 2's initial overlaps with v_1 and v_2
    (neuron 1 keeps its head start, the rest of the initialisation is ``seed``'s), does the run end
    with one neuron per feature, with and without the trainable head? One batched run for all."""
    config = config or WenLiConfig()
    v1, v2 = np.asarray(v1, dtype=float), np.asarray(v2, dtype=float)
    base = config.head_start or WenLiConfig().head_start
    starts = [initial_weights(config, seed, (base[0], (a, b)) + tuple(base[2:])) for b in v2 for a in v1]
    heads = list(heads)
    initial = torch.stack(starts * len(heads))
    histories = run_seeds([h for h in heads for _ in starts], steps, [seed] * len(initial), config,
                          record_every=steps, initial=initial)
    separated = {}
    for k, head in enumerate(heads):
        finals = [np.abs(h.alignment[-1]) for h in histories[k * len(starts) : (k + 1) * len(starts)]]
        separated[head] = np.array([one_per_feature(f) for f in finals]).reshape(len(v2), len(v1))
    return OutcomeMap(v1, v2, separated)

# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/05_substitution_acceleration.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/05_substitution_acceleration.ipynb) with solutions
#
# # 05 · Substitution and acceleration: what an identity-initialised head does
#
# **Learning goals**: build the pieces of Wen & Li's toy network; watch one neuron learn the strong feature, the head substitute it for the other neuron, that neuron then learn the weak feature, and the head return to the identity; map where the head decides the outcome.
#
# **Time**: under half a minute (16 s measured) on a 2-core CPU (nothing here needs a GPU).

# %% tags=["remove-cell"]
# On Colab: fetch the course (package and reference runs) and install it; nothing happens elsewhere
import os
import subprocess
import sys

REPOSITORY = "https://github.com/ssl-course/ssl_course"
if "google.colab" in sys.modules and not os.path.isdir("/content/ssl_course"):
    for command in (["git", "clone", "-q", "--depth", "1", REPOSITORY, "/content/ssl_course"],
                    [sys.executable, "-m", "pip", "install", "-q", "-e", "/content/ssl_course"]):
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:  # say why in one line, not with a traceback
            raise SystemExit(f"course install failed at {command[:4]}: {(done.stderr.strip() or '?').splitlines()[-1]}")
if "google.colab" in sys.modules:
    sys.path.insert(0, "/content/ssl_course")  # importable at once, without restarting the runtime

# %% tags=["remove-cell"]
from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## The toy world
# Wen & Li's setting, reconstructed (its assumptions are the fields of `WenLiConfig`). A view is 4
# patches in R^32. One patch carries the sample's feature ±α_ℓ v_ℓ: the strong v₁ (α₁ = 1) or the
# weak v₂ (α₂ = 0.8), each in half the samples. The other patches are fresh Gaussian noise, so the
# two views share the feature but not the noise. Two neurons compute h_j(x) = Σ_p ⟨w_j, x_p⟩³.
#
# The online branch applies the head *first*, F = E h(view₁), then BatchNorm without affine. The
# target is G = BN(h(view₂)) from the *same* weights, behind a stop-gradient. The loss is
# Σ_k (1 − corr(F_k, G_k)), summed over the output coordinates k (one per neuron), with corr the
# correlation over the batch. The head E = I + A keeps its diagonal frozen at 1.
#
# **Exercise 1** (a warm-up): build E from a raw parameter matrix A.

# %% nbgrader={"grade": false, "grade_id": "offdiag_head", "locked": false, "schema_version": 3, "solution": true}
import torch


def offdiag_head(A):
    ### BEGIN SOLUTION
    eye = torch.eye(A.shape[0])
    return eye + A * (1 - eye)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_offdiag_head", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_offdiag_head

check_offdiag_head(offdiag_head)

# %% [markdown]
# Your head now trains inside the toy network below (`run(..., head_fn=offdiag_head)`) for 300
# steps; at every step the checker compares your E with the package's.

# %% nbgrader={"grade": true, "grade_id": "check_offdiag_head_trains", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.exercises import check_offdiag_head_trains

check_offdiag_head_trains(offdiag_head)

# %% [markdown]
# ## Deterministic dynamics: only the initialisation differs
# With minibatches, a run's outcome depends on its batches as much as on its start. This data model
# lets us write the *expected* loss in closed form instead. The views share the feature and the
# noise is Gaussian, so every covariance of h is a polynomial of W. On a noise patch ξ the two
# neurons see x_i = ⟨w_i, ξ⟩ and x_j = ⟨w_j, ξ⟩, zero-mean and jointly Gaussian, and h multiplies
# their cubes: the covariance needs E[x_i³ x_j³].
#
# **Exercise 2**: derive E[x_i³ x_j³] from Var x_i, Var x_j and Cov(x_i, x_j). Isserlis' theorem:
# the mean of a product of zero-mean jointly Gaussian factors is the sum, over every way of
# splitting the factors into pairs, of the product of the pairs' covariances. Count the pairings of
# x_i, x_i, x_i, x_j, x_j, x_j by kind. (A check you can do yourself: with x_j = x_i it must give
# E[x⁶] = 15 Var³.)

# %% nbgrader={"grade": false, "grade_id": "cubic_moment", "locked": false, "schema_version": 3, "solution": true}
def cubic_moment(var_i, var_j, cov):
    ### BEGIN SOLUTION
    return 9 * var_i * var_j * cov + 6 * cov**3
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_cubic_moment", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_cubic_moment

check_cubic_moment(cubic_moment)

# %% [markdown]
# Your formula against a million sampled pairs, and the package's `expected_loss`, which is built
# from it. Gradient descent on that loss is deterministic, so a seed draws only the initialisation.

# %%
generator = torch.Generator().manual_seed(0)
pairs = torch.randn(1_000_000, 2, generator=generator, dtype=torch.float64) @ torch.tensor([[1.0, 0.6], [0.0, 0.9]], dtype=torch.float64)
var_i, var_j, cov = pairs[:, 0].var(), pairs[:, 1].var(), torch.cov(pairs.T)[0, 1]
print(f"sampled E[x_i^3 x_j^3] = {(pairs[:, 0]**3 * pairs[:, 1]**3).mean():.3f}, "
      f"your formula {float(cubic_moment(var_i, var_j, cov)):.3f}")

# %% [markdown]
#
# The **alignment** (or overlap) of neuron j with feature v_ℓ is the cosine between its weights and
# the feature, cos(w_j, v_ℓ): 1 when the neuron computes exactly that feature, about 1/√d for a random
# direction. The initialisation states the paper's assumption for the start of training (its Phase I):
# neuron 1 starts a little closer to v₁ (overlap 1.6/√d, the others 1/√d). Everything else is random.
# Training then goes through four **phases**, defined one by one under "The mechanism on one seed"
# below: learning, substitution, acceleration, and the head's return.
# `WenLiConfig(dynamics="minibatch")` trains on sampled batches of 256 instead; the package's tests
# check that its gradient averages to the closed form.
#
# ## Sixteen seeds, with and without the trainable head
# `seed_runs` trains every head on every seed side by side, and `seed_table` says what each run
# ended with. *One neuron per feature* means one neuron on v₁ (alignment > 0.6) and off v₂ (< 0.3),
# and another on v₂ and off v₁. `identity_fixed` and `none` train the very same function (E = I has
# no parameter), so we run `none` for both. Seeds 0–7 and 100–107, 4 000 steps, a few seconds. The
# setting (`WenLiConfig`'s defaults) and the two thresholds are printed first.

# %%
from ssl_course.theory.wen_li import WenLiConfig
from ssl_course.theory.wen_li_phases import LEARNED, OFF, format_seed_table, seed_runs, seed_table
from ssl_course.theory.wen_li_plots import plot_seed_view

print(WenLiConfig())
print(f"one neuron per feature: alignment > {LEARNED} with its feature and < {OFF} with the other")

SEEDS = list(range(8)) + list(range(100, 108))
runs = seed_runs(SEEDS, heads=("offdiag", "none"), steps=4000, record_every=10)
table = seed_table(SEEDS, runs=runs)
print(format_seed_table(table))
plot_seed_view(table, steps=4000);

# %% tags=["nbval-check-output"]
from ssl_course.course import claim

unseen = {head: [r for r in rows if r.seed >= 100] for head, rows in table.items()}
separated = {head: sum(r.one_neuron_per_feature for r in rows) for head, rows in unseen.items()}
in_order = sum(r.phases_in_order for r in unseen["offdiag"])
claim("seeds 100-107: the trainable head ends with one neuron per feature on at least 7 of 8",
      separated["offdiag"] >= 7, f"{separated['offdiag']} of 8")
claim("seeds 100-107: with E fixed at I, at most 1 of 8 does (both neurons end on v1)",
      separated["none"] <= 1, f"{separated['none']} of 8")
claim("seeds 100-107: the four phases show in order on at least 6 of 8 head runs", in_order >= 6, f"{in_order} of 8")
everywhere = {head: sum(r.one_neuron_per_feature for r in rows) for head, rows in table.items()}
print(f"all 16 seeds: one neuron per feature on {everywhere['offdiag']}/16 with the head, {everywhere['none']}/16 without")

# %% [markdown]
# ## The mechanism on one seed
# Seed 100 with the trainable head, next to the same seed without it.

# %%
from ssl_course.theory.wen_li_phases import detect_phases
from ssl_course.theory.wen_li_plots import plot_phases

shown = 100
histories = {head: runs[head][SEEDS.index(shown)] for head in runs}
plot_phases(histories);
for head, history in histories.items():
    phases = detect_phases(history)
    print(f"seed {shown}, {head:>8}: v1 learned at {phases.learned_strong}, substitution at {phases.substitution}, "
          f"v2 learned at {phases.acceleration}, head back at {phases.head_returns}")
print(f"marks: alignment 2/sqrt(d) = {2 / WenLiConfig().dim ** 0.5:.2f}, head entry E21 = 0.3; "
      f"E21 peaks at {histories['offdiag'].head[:, 1, 0].max():.2f} on seed {shown}")

# %% [markdown]
# What to look for, and how `detect_phases` marks it. The thresholds are set for this regime and
# are the same for every seed.
# 1. **Learning**: neuron 1 aligns with v₁. It is marked when its alignment passes 2/√d ≈ 0.35,
#    twice a random direction's.
# 2. **Substitution**: E₂₁, neuron 1's output inside neuron 2's prediction, climbs to a peak of
#    order one (printed above; marked at 0.3). Neuron 1's clean v₁ signal now serves neuron 2's
#    prediction, so neuron 2 is no longer pulled towards v₁. It stalls on a plateau for hundreds
#    of steps.
# 3. **Acceleration**: now that E₂₁ carries v₁, BatchNorm no longer lets v₁ drown the v₂ part of
#    neuron 2's gradient. Neuron 2 leaves its plateau and learns v₂ (marked at 0.35).
# 4. **The head returns**: with each neuron on its own feature there is nothing left to
#    substitute, and E₂₁ falls back to 0 (marked below half its peak).
#
# Without the head, nothing carries v₁ into neuron 2's prediction. The strong feature's pull wins,
# and both neurons end on v₁.
#
# ## Where the head decides the outcome
# The seeds vary only the random part of the initialisation; what decides a run is where neuron 2
# starts. `outcome_map` sweeps neuron 2's initial overlaps with v₁ and v₂, while neuron 1 keeps its
# head start. It trains every starting point with and without the head, deterministically
# (a few seconds).

# %%
from ssl_course.theory.wen_li_phases import outcome_map
from ssl_course.theory.wen_li_plots import plot_outcome_map

grid = outcome_map(steps=4000, seed=100)
plot_outcome_map(grid);
decides = grid.separated["offdiag"] & ~grid.separated["none"]
print(f"one neuron per feature: {grid.separated['offdiag'].mean():.0%} of the starts with the head, "
      f"{grid.separated['none'].mean():.0%} without; the head decides the outcome on {decides.mean():.0%}")

# %% tags=["nbval-check-output"]
claim("every start that separates without the head also separates with it",
      bool((grid.separated["offdiag"] | ~grid.separated["none"]).all()),
      f"{int((grid.separated['none'] & ~grid.separated['offdiag']).sum())} starts separate only without the head")
claim("the head separates on more starts than no head", decides.sum() > 0,
      f"{int(decides.sum())} of {decides.size} starts separate only with the head")

# %% [markdown]
# Read the map from the star: the default start, with the same overlap 1/√d with both features.
# * **Without the head** (right), neuron 2 learns v₂ only where it starts with more v₂ than v₁
#   (above the diagonal, top left).
# * **With the head** (left), the green region moves one or two steps towards v₁ in six of the eight rows and reaches
#   the diagonal itself: neuron 2 now separates from equal overlaps (the star) and from starts with
#   only a little more v₂ than v₁. Where v₁ dominates, it still does not. That band, the starts
#   counted above, is the head's work.
# * **With little v₂** at the start (the bottom rows), the head adds nothing. Substitution frees
#   the neuron, but acceleration needs some v₂ to amplify.
#
# ## Substitution, or decorrelation?
# A trainable off-diagonal head can do two different things.
# * **Decorrelation**, like the lateral weights of a PCA network (Földiák; Rubner & Tavan): a small
#   *negative* entry E_ij ≈ −corr(f_i, f_j) pushes two correlated neurons apart, then fades once
#   they differ.
# * **Substitution**, the paper's mechanism: a *positive* entry of order one carries one neuron's
#   output into another's prediction, so the other neuron no longer needs the feature.
#
# An earlier version of this toy (symmetric views, head after BatchNorm, linear activation)
# separated its neurons with small negative entries: that was decorrelation. Here the entry is
# positive and large, with the cubic activation and with a linear one alike:

# %%
import numpy as np

from ssl_course.theory.wen_li import WenLiConfig

linear = seed_runs(range(100, 108), heads=("offdiag", "none"), steps=4000, record_every=10,
                   config=WenLiConfig(activation="linear"))
for name, results in (("cubic", {head: runs[head][8:] for head in runs}), ("linear", linear)):
    peaks = [h.head[:, 1, 0].max() for h in results["offdiag"]]
    lows = [h.head[:, 1, 0].min() for h in results["offdiag"]]
    split = {head: sum(r.one_neuron_per_feature for r in seed_table(range(100, 108), runs={head: hs})[head])
             for head, hs in results.items()}
    print(f"{name:>6}: E21 peaks at {np.mean(peaks):+.2f} on average (lowest value {np.min(lows):+.2f}); "
          f"one neuron per feature on {split['offdiag']}/8 with the head, {split['none']}/8 without")

# %% [markdown]
# In both, E₂₁ is positive and of order one: neuron 1 stands in for neuron 2 (substitution), not a
# small repulsion between the two. The cubic activation separates the features more reliably. Its
# signal grows like the sixth power of the alignment, so a neuron's head start matters more.
#
# ## The paper's experiment in the course's trainer
# Wen & Li's empirical claim is about real networks: SimSiam whose prediction head is
# E = I + trainable off-diagonal entries learns a competitive representation, and that E fixed at I
# does not (without a head, in their theory, every neuron learns the strong feature only: a dimensional collapse). The package trains that head with `--predictor identity_offdiag`; E fixed at I is
# `identity_fixed`, which is exactly SimSiam without a predictor (the same `nn.Identity`), so
# its runs are the `simsiam-no-predictor` ones. They come from the course's reference runs, next to
# SimSiam's own MLP head, all three in SimSiam's CPU preset (20-px views, 3 seeds,
# `scripts/reference_runs.py`; the table's last column gives the steps).
#
# **Predict, then run**: of the three heads (SimSiam's MLP head `mlp`, E = I + trainable
# off-diagonal `identity_offdiag`, E fixed at I `identity_fixed`), which ends with the most
# spread-out projections, the highest effective rank (mean over the 3 seeds)? Write your answer,
# then run the next cell.

# %% nbgrader={"grade": false, "grade_id": "predict_rank", "locked": false, "schema_version": 3, "solution": true}
# your prediction, one of "mlp", "identity_offdiag" or "identity_fixed": prediction = "..."
### BEGIN SOLUTION
prediction = "mlp"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_rank", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.studies import reference, reference_plots
from ssl_course.exercises import judge_prediction

heads = {"simsiam": "mlp", "simsiam-identity-offdiag": "identity_offdiag", "simsiam-no-predictor": "identity_fixed"}
real = reference.load(list(heads))
rank = real.groupby("run")["effective_rank"].mean().rename(index=heads)
judge_prediction("highest effective rank", prediction, rank.idxmax(), tuple(heads.values()),
                 "The off-diagonal head escapes E = I's collapse to two or three directions but keeps far fewer than the MLP head "
                 f"(effective rank {rank['identity_offdiag']:.1f} vs {rank['mlp']:.1f}; E = I: {rank['identity_fixed']:.1f}).")

# %%
print(reference.format_table(real))
import matplotlib.pyplot as plt

# the question is the rank, so the figure draws the rank; the kNN of the three heads is in the table above
fig, ax = plt.subplots(figsize=(7.5, 3.8))
reference_plots.plot_curves(real, "effective_rank", ax=ax, title="effective rank of the projections (of 128)")
fig.tight_layout()

# %% tags=["nbval-check-output"]
claim("E = I + trainable off-diagonal beats random init: kNN gain >= 0.10 and > 2 seed std",
      *reference.beats_random_init(real, "simsiam-identity-offdiag", "knn", by=0.10))
fixed = real[real["run"] == "simsiam-no-predictor"]
claim("E fixed at I: its projections collapse to a few directions on every seed, effective rank < 5 of 128",
      bool((fixed["effective_rank"] < 5).all()),
      f"effective rank {fixed['effective_rank'].min():.1f} to {fixed['effective_rank'].max():.1f}")
claim("yet E fixed at I's backbone still gains >= 0.10 kNN over random init",
      *reference.beats_random_init(real, "simsiam-no-predictor", "knn", by=0.10))
offdiag_rank = real[real["run"] == "simsiam-identity-offdiag"]["effective_rank"]
claim("E = I + off-diagonal keeps more directions than E fixed at I on every seed",
      bool(offdiag_rank.min() > fixed["effective_rank"].max()),
      f"lowest {offdiag_rank.min():.1f} vs highest {fixed['effective_rank'].max():.1f}")
knn = real.pivot(index="seed", columns="run", values="knn")
claim("and its backbone's kNN is above E fixed at I's on every seed",
      bool((knn["simsiam-identity-offdiag"] > knn["simsiam-no-predictor"]).all()),
      f"{knn['simsiam-identity-offdiag'].mean():.3f} vs {knn['simsiam-no-predictor'].mean():.3f}, mean of {len(knn)} seeds")

# %% [markdown]
# The same contrast as in the toy, at the scale of a real network, in the projections: the trainable
# off-diagonal entries keep more directions than the identity alone (the effective ranks in the
# table), though far fewer than SimSiam's MLP head. The contrast is not all-or-nothing in the
# backbone: with E fixed at I the projections collapse to two or three directions, yet the backbone
# still learns something (its kNN gain above), less than with the off-diagonal head.
#
# ## Summary
# * Substitution: the head lets one neuron's feature serve for another.
# * Acceleration: the freed neuron learns a weak feature it would otherwise ignore.
# * The head ends near the identity, which is why an identity-initialised head works.
# * Measured here, deterministically: the trainable head ends with one neuron per feature on all
#   but one of the 16 seeds of the table above, E fixed at I on none; the map shows the band of
#   starts where the head decides the outcome.
# * In a real SimSiam (3 seeds): with E = I + trainable off-diagonal the projections keep more
#   directions and the backbone learns more than with E fixed at I, whose projections collapse to a
#   few directions while its backbone still beats random init.
#
# **References**: Wen & Li 2022, *The Mechanism of Prediction Head in Non-contrastive
# Self-supervised Learning* (NeurIPS).

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/05_substitution_acceleration.ipynb)
#
# # 05 · Substitution and acceleration: what an identity-initialised head does
#
# **Learning goals**: build the pieces of Wen & Li's toy network; watch one neuron learn the strong feature, the head substitute it for the other neuron, that neuron then learn the weak feature, and the head return to the identity.
#
# **Time**: under a minute (51 s measured) on a 2-core CPU (nothing here needs a GPU).

# %%
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

# %%
from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## The toy world
# A sample is 8 patches in R^20; 4 carry a feature ±α_ℓ v_ℓ (strong v₁, α₁ = 1, or weak v₂,
# α₂ = 0.2), the rest is noise. The views keep complementary halves of the patches. Two neurons,
# a cubic activation summed over patches, BatchNorm without affine, and a head E = I + A whose
# diagonal is frozen at 1. **Exercise 1**: build E from a raw parameter matrix A.

# %% nbgrader={"grade": false, "grade_id": "offdiag_head", "locked": false, "schema_version": 3, "solution": true}
import torch


def offdiag_head(A):
    ### BEGIN SOLUTION
    eye = torch.eye(A.shape[0])
    return eye + A * (1 - eye)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_offdiag_head", "locked": true, "points": 1, "schema_version": 3, "solution": false}
# NBVAL_CHECK_OUTPUT
from ssl_course.exercises import check_offdiag_head

check_offdiag_head(offdiag_head)

# %% [markdown]
# Your head now trains inside the toy network below (`run(..., head_fn=offdiag_head)`) for 300
# steps; at every step the checker compares your E with the package's.

# %% nbgrader={"grade": true, "grade_id": "check_offdiag_head_trains", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.exercises import check_offdiag_head_trains

check_offdiag_head_trains(offdiag_head)

# %% [markdown]
# **Exercise 2**: BatchNorm without affine parameters: each neuron's output (a column of the
# (batch, neurons) matrix) is centred and divided by its std over the batch.

# %% nbgrader={"grade": false, "grade_id": "batchnorm_no_affine", "locked": false, "schema_version": 3, "solution": true}
def batchnorm_no_affine(x):
    ### BEGIN SOLUTION
    return (x - x.mean(dim=0)) / x.std(dim=0)
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_batchnorm_no_affine", "locked": true, "points": 1, "schema_version": 3, "solution": false}
# NBVAL_CHECK_OUTPUT
from ssl_course.exercises import check_batchnorm_no_affine

check_batchnorm_no_affine(batchnorm_no_affine)

# %% [markdown]
# ## Eight seeds, with and without the trainable head
# `run` trains the toy with SGD and records each neuron's alignment with v₁ and v₂ and the head.
# `seed_runs` trains every head on every seed (all 16 networks side by side, the two networks of
# a seed on the same batches), and `seed_table` says what each run ended with. `identity_fixed`
# and `none` train the very same function: E = I maps f(x) to f(x) and has no parameter to learn,
# so we run `none` for both. About 45 seconds for the 16 runs on a 2-core CPU.

# %%
from ssl_course.theory.wen_li import format_seed_table, plot_seed_view, seed_runs, seed_table

runs = seed_runs(range(8), heads=("offdiag", "none"), steps=4000, record_every=10)
table = seed_table(range(8), runs=runs)
print(format_seed_table(table))
plot_seed_view(table, steps=4000);

# %%
# NBVAL_CHECK_OUTPUT
from ssl_course.course import claim

learned = {head: sum(r.v2_learned for r in rows) for head, rows in table.items()}
claim("the trainable head learns v2 on at least as many seeds as no head", learned["offdiag"] >= learned["none"],
      f"{learned['offdiag']} of 8 vs {learned['none']} of 8");

# %% [markdown]
# So in our toy the head *helps*: it learns the weak feature on more seeds than no head does.
# It does not yet do so on every seed, and the four phases rarely show up as separate events
# (the `phases in order` column): in our setting v₁ is learned within a few dozen steps, before
# the slow head can substitute it, and on many seeds both neurons then sit on v₁. The paper
# proves the mechanism in its own regime (its widths, initialisation scale and learning-rate
# ratios), which this CPU toy does not reproduce yet.
#
# ## The mechanism on one seed
# The first seed on which the head ends with one neuron per feature while no head does not
# (taken from the table, not chosen by hand), next to the same seed without a trainable head.

# %%
from ssl_course.theory.wen_li import detect_phases, plot_phases

shown = next((head.seed for head, none in zip(table["offdiag"], table["none"])
              if head.one_neuron_per_feature and not none.v2_learned), 0)
histories = {head: runs[head][shown] for head in runs}  # seeds 0-7: the seed is the index
plot_phases(histories);
for head, history in histories.items():
    phases = detect_phases(history)
    print(f"seed {shown}, {head:>8}: v1 learned at {phases.learned_strong}, substitution at {phases.substitution}, "
          f"v2 learned at {phases.acceleration}, head back at {phases.head_returns}")

# %% [markdown]
# What to look for: with the trainable off-diagonal head one neuron learns v₁; the entry of E
# that carries that neuron into the other's prediction grows (substitution, bottom panel); the
# other neuron, no longer rewarded for copying v₁, learns the weak v₂ (acceleration); E then
# returns towards I. Without a trainable head both neurons are rewarded for v₁ alone.
# `detect_phases` marks each event when it crosses its threshold (alignment 0.6; head entry
# 0.3; E back below half its peak); events that fall on the same recorded step are not counted
# as "in order".
#
# ## The paper's experiment in the course's trainer
# Wen & Li's empirical claim is about real networks: SimSiam whose prediction head is
# E = I + trainable off-diagonal entries learns a competitive representation, while E fixed at I
# collapses. The package trains that head with `--predictor identity_offdiag`; E fixed at I is
# `identity_fixed`, which is exactly SimSiam without a predictor (the same `nn.Identity`), so
# its runs are the `simsiam-no-predictor` ones. Both come from the course's reference runs
# (1 170 steps, 3 seeds, `scripts/reference_runs.py`), next to SimSiam's own MLP head.
#
# **Predict, then run**: of the three heads (SimSiam's MLP head `mlp`, E = I + trainable
# off-diagonal `identity_offdiag`, E fixed at I `identity_fixed`), which ends with the most
# spread-out projections, the highest effective rank (mean over the 3 seeds)? Write your answer,
# then run the next cell.

# %% nbgrader={"grade": false, "grade_id": "predict_rank", "locked": false, "schema_version": 3, "solution": true}
### BEGIN SOLUTION
prediction = "mlp"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_rank", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course import reference
from ssl_course.exercises import judge_prediction

heads = {"simsiam": "mlp", "simsiam-identity-offdiag": "identity_offdiag", "simsiam-no-predictor": "identity_fixed"}
real = reference.load(list(heads))
rank = real.groupby("run")["effective_rank"].mean().rename(index=heads)
judge_prediction("highest effective rank", prediction, rank.idxmax(), tuple(heads.values()),
                 "The off-diagonal head escapes collapse but keeps fewer directions than the MLP head "
                 f"(effective rank {rank['identity_offdiag']:.1f} vs {rank['mlp']:.1f}; E = I: {rank['identity_fixed']:.1f}).")

# %%
print(reference.format_table(real))
reference.plot_knn_curves(real);

# %%
# NBVAL_CHECK_OUTPUT
claim("E = I + trainable off-diagonal beats random init: kNN gain >= 0.10 and > 2 seed std",
      *reference.beats_random_init(real, "simsiam-identity-offdiag", "knn", by=0.10))
fixed = real[real["run"] == "simsiam-no-predictor"]
claim("E fixed at I collapses on every seed: effective rank < 5 of 128",
      bool((fixed["effective_rank"] < 5).all()),
      f"effective rank {fixed['effective_rank'].min():.1f} to {fixed['effective_rank'].max():.1f}")

# %% [markdown]
# The same contrast as in the toy, at the scale of a real network: the trainable off-diagonal
# entries are enough to keep SimSiam from collapsing, and the identity alone is not.
#
# ## Summary
# * Substitution: the head lets one neuron's feature serve for another.
# * Acceleration: the freed neuron learns a weak feature it would otherwise ignore.
# * The head ends near the identity, which is why an identity-initialised head works.
# * Measured here over 8 seeds: the head learns the weak feature on more seeds than no head,
#   not on all of them (the table above).
# * In a real SimSiam (3 seeds): E = I + trainable off-diagonal learns, E fixed at I collapses.
#
# **References**: Wen & Li 2022, *The Mechanism of Prediction Head in Non-contrastive
# Self-supervised Learning* (NeurIPS).

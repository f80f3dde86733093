# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/03_simsiam.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/03_simsiam.ipynb) with solutions
#
# # 03 · SimSiam: the stop-gradient
#
# **Learning goals**: write SimSiam's symmetric loss with its stop-gradient, then its whole training step, matching the package's trainer step for step; write the collapse monitor; see what removing the stop-gradient or the predictor does to SimSiam's projections; see from 3-seed reference runs that SimSiam learns.
#
# **Time**: under a minute (36 s measured) on a 2-core CPU with `FULL = False`.

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
FULL = False  # True: the papers' recipe on CIFAR-10, about an hour of a free Colab GPU; False: minutes on a CPU

from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## The loss
# SimSiam drops BYOL's EMA: both branches are the same network. With D(p, z) = −cos(p, z):
#
# L = ½ D(p₁, sg(z₂)) + ½ D(p₂, sg(z₁))
#
# where sg is the stop-gradient (`.detach()`). **Exercise 1** (a warm-up): write it.

# %% nbgrader={"grade": false, "grade_id": "simsiam_loss", "locked": false, "schema_version": 3, "solution": true}
import torch
import torch.nn.functional as F


def simsiam_loss(p1, p2, z1, z2):
    ### BEGIN SOLUTION
    d12 = -F.cosine_similarity(p1, z2.detach(), dim=1).mean()
    d21 = -F.cosine_similarity(p2, z1.detach(), dim=1).mean()
    return (d12 + d21) / 2
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_simsiam_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_simsiam_loss

check_simsiam_loss(simsiam_loss)

# %% [markdown]
# ## Open the box: SimSiam's training step, by hand
# Everything the package's trainer does in one SimSiam step fits in a few lines, and you now know
# each of them. `same_start_as_train(config)` hands you exactly what `train(config)` starts from:
# the model (`model.backbone`, `model.projector`, `model.predictor`) with the same initial weights,
# the same batches of view pairs, and the trainer's lr schedule `scheduled_lr(step)`. **Exercise 2**:
# write the rest of the training loop yourself and return the loss of every step:
# * an SGD optimiser with `config.momentum` and `config.weight_decay`, in two parameter groups: the
#   backbone and projector at the scheduled lr, the predictor at `config.predictor_lr_multiplier`
#   times it (the preset gives the predictor 10× the encoder's learning rate);
# * at every step, each group's lr set from `scheduled_lr(step)`; both views through the backbone
#   and the projector (z), the predictor on top (p); your Exercise 1 loss; then the usual three
#   lines of a PyTorch update.
#
# The checker runs your function and `train(config)` for 200 steps and compares the loss of every
# step: where yours leaves the trainer's, it says which part to look at.

# %% nbgrader={"grade": false, "grade_id": "simsiam_by_hand", "locked": false, "schema_version": 3, "solution": true}
from ssl_course.train import same_start_as_train


def train_by_hand(config):
    """SimSiam's training loop, written out; returns the loss of every step."""
    model, batches, scheduled_lr = same_start_as_train(config)  # train(config)'s seed, data and weights
    ### BEGIN SOLUTION
    encoder = [*model.backbone.parameters(), *model.projector.parameters()]
    optimizer = torch.optim.SGD([
        {"params": encoder, "lr_scale": 1.0},
        {"params": list(model.predictor.parameters()), "lr_scale": config.predictor_lr_multiplier},
    ], lr=0.0, momentum=config.momentum, weight_decay=config.weight_decay)
    step_losses = []
    for step, (view1, view2) in enumerate(batches):
        for group in optimizer.param_groups:  # warm-up and cosine decay, scaled per group
            group["lr"] = scheduled_lr(step) * group["lr_scale"]
        z1, z2 = model.projector(model.backbone(view1)), model.projector(model.backbone(view2))
        p1, p2 = model.predictor(z1), model.predictor(z2)
        loss = simsiam_loss(p1, p2, z1, z2)  # Exercise 1: the stop-gradient is inside
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        step_losses.append(loss.item())
    return step_losses
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_simsiam_by_hand", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.exercises import check_simsiam_by_hand

check_simsiam_by_hand(train_by_hand)

# %% [markdown]
# That is the whole trainer, for SimSiam: the package adds only bookkeeping (logging, the collapse
# monitor, checkpoints, evaluation). Try it with the stop-gradient removed (a loss without
# `.detach()`), or without `zero_grad`: the checker tells you at which step your run leaves the
# trainer's, and why.
#
# The collapse monitor of the SimSiam paper, `std_of_normalized` in the package (and the trainer's `std=`
# in its progress bar): normalise each row of z to unit length, take the std of every dimension over
# the batch, and average over the d dimensions. It is 0 when every sample maps to the same point.
#
# **Exercise 3**: what does it read short of that, when the outputs are spread evenly over only k of
# their d coordinates (zero mean, the same variance in each of the k, exactly 0 in the other d − k)?
# Derive it as a function of k and d: a unit-length row has Σᵢ zᵢ² = 1, so what is E[zᵢ²] in each of
# the k coordinates? (k = d gives the monitor's healthy value.) The checker measures the monitor on
# such outputs.

# %% nbgrader={"grade": false, "grade_id": "std_of_k_directions", "locked": false, "schema_version": 3, "solution": true}
def std_of_k_directions(k, d):
    ### BEGIN SOLUTION
    return k**0.5 / d
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_std_of_k_directions", "locked": true, "points": 1, "schema_version": 3, "solution": false} tags=["nbval-check-output"]
from ssl_course.exercises import check_std_of_k_directions

check_std_of_k_directions(std_of_k_directions)

# %% [markdown]
# What your formula says about the monitor on the course's 128-d projections: the healthy reading is
# 1/√128, and a run whose outputs keep only a few directions reads far below it, but never 0.

# %%
for k in (128, 16, 3, 1):
    print(f"spread over {k:3d} of 128 coordinates: std_of_normalized = {std_of_k_directions(k, 128):.4f}")

# %% [markdown]
# ## With and without the stop-gradient, with and without the predictor
# Same seed, same data order for every run: 100 steps each, enough for the collapse monitor.
#
# **Predict, then run**: which of the three keeps its projections spread over the most directions
# (the highest effective rank) after 100 steps: `"SimSiam"`, `"no stop-gradient"` or `"no predictor"`?

# %% nbgrader={"grade": false, "grade_id": "predict_spread", "locked": false, "schema_version": 3, "solution": true}
# your prediction, one of "SimSiam", "no stop-gradient" or "no predictor": prediction = "..."
### BEGIN SOLUTION
prediction = "SimSiam"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "judge_predict_spread", "locked": true, "points": 1, "schema_version": 3, "solution": false}
from ssl_course.course import claim, plot_monitors, run_config, summary_table
from ssl_course.exercises import judge_prediction
from ssl_course.train import train

runs = {
    "SimSiam": dict(),
    "no stop-gradient": dict(stop_gradient=False),
    "no predictor": dict(predictor="none"),
}
results = {name: train(run_config("simsiam", full=FULL, steps=100, runs=3, **switches)) for name, switches in runs.items()}
judge_prediction("most spread out", prediction, max(results, key=lambda name: results[name].effective_rank), tuple(runs),
                 ", ".join(f"{name} {result.effective_rank:.1f}" for name, result in results.items())
                 + " (effective rank of 128). Without either piece, gradient descent finds projections that use only a few directions.")

# %%
print(summary_table(results))
plot_monitors(results);

# %% tags=["nbval-check-output"]
simsiam_rank = results["SimSiam"].effective_rank
for name in ("no stop-gradient", "no predictor"):
    claim(f"{name}: effective rank < 0.3x SimSiam's", results[name].effective_rank < 0.3 * simsiam_rank,
          f"{results[name].effective_rank:.1f} vs {simsiam_rank:.1f}, one seed")
last_loss = {name: sum(row["loss"] for row in result.history[-10:]) / 10 for name, result in results.items()}
for name in ("no stop-gradient", "no predictor"):
    claim(f"{name}: its loss ends below SimSiam's (mean of the last 10 steps)", last_loss[name] < last_loss["SimSiam"],
          f"{last_loss[name]:.3f} vs {last_loss['SimSiam']:.3f}")

# %% [markdown]
# Without the stop-gradient, and without the predictor, the loss ends lower than SimSiam's (towards
# its minimum −1; the checks above) while the projections lose most of their directions (the table):
# agreeing is easier in a few directions. Without the predictor this happens even with the
# stop-gradient: the two are needed together. It is a dimensional collapse, not the complete one
# where every image maps to one point. The std of the normalised output stays near 1/√d in all three runs;
# only the effective rank shows this dimensional collapse (see below why). The next notebook explains
# the collapse with a model small enough to solve.
#
# ## Does it learn? The reference runs, 3 seeds
# 100 steps are enough to show collapse, not to measure how much each set-up learns: one seed and
# 100 steps cannot settle a ranking by kNN.
# The course's reference runs train the same three set-ups on 3 seeds (about
# 2 CPU minutes each; `scripts/reference_runs.py`), all three in SimSiam's CPU preset (20-px views, a
# 2-epoch lr warm-up; the table's last column gives the steps). SimSiam's head in the preset is an MLP 512 units wide
# trained at 10× the encoder's lr: with the paper's narrow head (a hidden layer a quarter as wide as the
# projection, d/4) at the encoder's lr it learned
# less under an earlier recipe (the search is in docs/decisions.md, "The SimSiam head"). Here they are
# loaded, not retrained (with `FULL = True` too: they are the course's CPU runs on `shapes`, not CIFAR-10 runs). The curves are a cheap kNN measured 16 times a run (k = 200, 2 000 labelled
# images against 1 000 test images), so they read lower than the table's full-set kNN, shown in the
# narrow panel on the right; in each panel the dotted line is the random init measured as that panel is.

# %%
from ssl_course.studies import reference, reference_plots

table = reference.load(["simsiam", "simsiam-no-stop-gradient", "simsiam-no-predictor"])
print(reference.format_table(table))
reference_plots.plot_curves(table, title="kNN over training (mean ± std over seeds)");

# %% tags=["nbval-check-output"]
claim("SimSiam beats the same network at random init: kNN gain >= 0.10 and > 2 seed std",
      *reference.beats_random_init(table, "simsiam", "knn", by=0.10))
claim("and its linear probe gains >= 0.05", *reference.beats_random_init(table, "simsiam", "linear_probe", by=0.05))
for name in ("simsiam-no-stop-gradient", "simsiam-no-predictor"):
    rows = table[table["run"] == name]
    claim(f"{name}: collapsed on every seed - effective rank < 5 of 128",
          bool((rows["effective_rank"] < 5).all()),
          f"effective rank {rows['effective_rank'].min():.1f} to {rows['effective_rank'].max():.1f}")
knn = table.pivot(index="seed", columns="run", values="knn")
for name in ("simsiam-no-stop-gradient", "simsiam-no-predictor"):
    claim(f"SimSiam's kNN is above {name}'s on every seed", bool((knn["simsiam"] > knn[name]).all()),
          f"{knn['simsiam'].mean():.3f} vs {knn[name].mean():.3f}, mean of {len(knn)} seeds")

# %% [markdown]
# With the stop-gradient and the predictor SimSiam climbs well above the random network. Without
# either, the projections collapse onto a handful of directions within the first few hundred
# steps, and the backbone learns less: its kNN ends below SimSiam's on every seed. It does not
# fall to chance (0.1), though. Without the predictor the backbone still ends above the random
# network; without the stop-gradient it ends at the random network's level, with a wide spread over
# seeds (the table): what class information its features carry is what the untrained architecture
# already gives. This is a *dimensional* collapse of the projections to one to three directions
# (the effective ranks printed above), not the complete one of the SimSiam paper, where every
# output goes to the same point.
# Here is the collapse as it happens: the effective rank of the projections (out of 128), logged
# every 10 steps of the same reference runs, 3 seeds (mean ± std).

# %%
ax = reference_plots.plot_curves(table, "effective_rank", baseline=False,
                           title="effective rank of the projections over training (3 seeds)")
ax.set(ylabel="effective rank (of 128)");

# %% tags=["nbval-check-output"]
ranks = reference.curves(table, "effective_rank")
simsiam_ranks = ranks[ranks["run"] == "simsiam"]["effective_rank"]
claim("SimSiam keeps more than 24 directions at every logged step", bool(simsiam_ranks.min() > 24),
      f"lowest effective rank {simsiam_ranks.min():.1f}, 3 seeds")
for name in ("simsiam-no-stop-gradient", "simsiam-no-predictor"):
    run = ranks[ranks["run"] == name]
    first_under_5 = run[run["effective_rank"] < 5].groupby("seed")["step"].min()
    after = run[run["step"] >= 500]["effective_rank"].max()
    claim(f"{name}: rank under 5 by step 400 of 2 652 on every seed, and under 5 at every step from 500 on",
          bool(len(first_under_5) == run["seed"].nunique() and first_under_5.max() <= 400 and after < 5),
          f"first under 5 at steps {', '.join(str(int(s)) for s in first_under_5)}; highest from step 500 on {after:.1f}")

# %% [markdown]
# With the stop-gradient and the predictor, SimSiam keeps dozens of directions all along. Without
# the stop-gradient, or without the predictor, the rank falls under 5 within the first 400 steps
# (the first 156 are the lr warm-up) on every seed and stays there: a dimensional collapse of the
# projections.
#
# Notice which monitor sees it. This collapse is *dimensional*: SimSiam's projector ends in
# BatchNorm, which rescales every output dimension to unit variance, so the std of the normalised
# output stays near 1/√d while the directions are lost: in the live runs above the std is the
# same in all three while the ablations' effective rank has already fallen to a fraction of
# SimSiam's, and in the reference runs the rank ends between one and three of 128. Watch the rank.
#
# ## Summary
# The notebook's lessons, each with the check that measured it (the same numbers as above):

# %% tags=["nbval-check-output"]
claim("summary: SimSiam's kNN gains >= 0.10 over random init, over 3 seeds", *reference.beats_random_init(table, "simsiam", "knn", by=0.10))
for name in ("simsiam-no-stop-gradient", "simsiam-no-predictor"):
    rows = table[table["run"] == name]
    claim(f"summary: {name} ends with its projections' effective rank < 5 of 128 on every seed",
          bool((rows["effective_rank"] < 5).all()), f"{rows['effective_rank'].min():.1f} to {rows['effective_rank'].max():.1f}")

# %% [markdown]
# * SimSiam = BYOL without EMA. Without the stop-gradient, or without the predictor, its projections
#   collapse to a few directions (a dimensional collapse: effective rank under 5 of 128); the backbone
#   then learns less, and without the stop-gradient no more than the random network knows.
# * Monitor the effective rank, not only `std_of_normalized`: behind a final BatchNorm the std stays at
#   1/√d while the rank shows the collapse within 100 steps.
# * Over 3 seeds SimSiam beats the same network at random init.
#
# **References**: Chen & He 2021, *Exploring Simple Siamese Representation Learning*.

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/03_simsiam.ipynb)
#
# # 03 · SimSiam: the stop-gradient
#
# **Learning goals**: write SimSiam's symmetric loss with its stop-gradient and the collapse monitor; watch SimSiam collapse without the stop-gradient; see the effect of a faster predictor and of weight decay.
#
# **Time**: about 2 minutes on a laptop CPU with `FULL = False`.

# %%
# On Colab: install the course package (does nothing elsewhere)
import subprocess
import sys

if "google.colab" in sys.modules:
    subprocess.run([sys.executable, "-m", "pip", "install", "-q",
                    "ssl_course @ git+https://github.com/ssl-course/ssl_course"], check=True)

# %%
FULL = False  # True: the paper-scale run on a GPU (hours); False: minutes on a CPU

from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## The loss
# SimSiam drops BYOL's EMA: both branches are the same network. With D(p, z) = −cos(p, z):
#
# $$L = \tfrac12 D(p_1, \mathrm{sg}(z_2)) + \tfrac12 D(p_2, \mathrm{sg}(z_1))$$
#
# where sg is the stop-gradient (`.detach()`). **Exercise 1**: write it.

# %% nbgrader={"grade": false, "grade_id": "simsiam_loss", "locked": false, "schema_version": 3, "solution": true}
import torch
import torch.nn.functional as F


def simsiam_loss(p1, p2, z1, z2):
    ### BEGIN SOLUTION
    d12 = -F.cosine_similarity(p1, z2.detach(), dim=1).mean()
    d21 = -F.cosine_similarity(p2, z1.detach(), dim=1).mean()
    return (d12 + d21) / 2
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_simsiam_loss", "locked": true, "points": 1, "schema_version": 3, "solution": false}
# NBVAL_CHECK_OUTPUT
from ssl_course.exercises import check_simsiam_loss

check_simsiam_loss(simsiam_loss)

# %% [markdown]
# **Exercise 2**: the collapse monitor of the SimSiam paper: normalise each row of z to unit
# length, take the std of every dimension over the batch, and average over dimensions. It is
# ≈ 1/√d for spread-out outputs and 0 when every sample maps to the same point.

# %% nbgrader={"grade": false, "grade_id": "std_of_normalized", "locked": false, "schema_version": 3, "solution": true}
def std_of_normalized(z):
    ### BEGIN SOLUTION
    return F.normalize(z, dim=1).std(dim=0).mean().item()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_std_of_normalized", "locked": true, "points": 1, "schema_version": 3, "solution": false}
# NBVAL_CHECK_OUTPUT
from ssl_course.exercises import check_std_of_normalized

check_std_of_normalized(std_of_normalized)

# %% [markdown]
# ## With and without the stop-gradient, a faster predictor, no weight decay
# Same seed, same data order for every run.

# %%
from ssl_course.course import claim, plot_monitors, run_config, summary_table
from ssl_course.train import train

runs = {
    "SimSiam": dict(),
    "no stop-gradient": dict(stop_gradient=False),
    "no predictor": dict(predictor="none"),
    "predictor lr x10": dict(predictor_lr_multiplier=10.0),
    "no weight decay": dict(weight_decay=0.0),
}
results = {name: train(run_config("simsiam", full=FULL, steps=150, **switches)) for name, switches in runs.items()}
print(summary_table(results))
plot_monitors(results);

# %%
# NBVAL_CHECK_OUTPUT
simsiam_rank = results["SimSiam"].effective_rank
for name in ("no stop-gradient", "no predictor"):
    claim(f"{name}: effective rank < 0.3x SimSiam's", results[name].effective_rank < 0.3 * simsiam_rank,
          f"{results[name].effective_rank:.1f} vs {simsiam_rank:.1f}, one seed")

# %% [markdown]
# Without the stop-gradient the loss drops fastest (towards −1) and the representation collapses:
# the trivial solution "map everything to one point" is then reachable by gradient descent. With
# it, the std stays near 1/√d. The next notebook explains why with a model small enough to solve.
#
# ## Does it learn? The same switch on `digits`
# Notice that no kNN above is better than a random network's (about 0.24). On `shapes`, SimSiam
# first learns what survives every augmentation (light or dark background, colour cast) and the
# shape only later: it needs about 150 s of CPU to pass a random network. The simpler `digits`
# set shows the whole story in about a minute, so these two runs stay small even with `FULL`.

# %%
from ssl_course.demo import random_init_knn

digits_runs = {name: train(run_config("simsiam", steps=330, dataset="digits", **switches))
               for name, switches in {"SimSiam": {}, "no stop-gradient": dict(stop_gradient=False)}.items()}
digits_random = random_init_knn(digits_runs["SimSiam"].config)
print(summary_table(digits_runs))
print(f"random init kNN: {digits_random:.2f}")

# %%
# NBVAL_CHECK_OUTPUT
simsiam, no_sg = digits_runs["SimSiam"], digits_runs["no stop-gradient"]
claim("SimSiam beats random init by >= 0.03 kNN", simsiam.knn >= digits_random + 0.03,
      f"{simsiam.knn:.2f} vs {digits_random:.2f}, one seed")
claim("without the stop-gradient the projections collapse: effective rank < 5 of 128, and a warning",
      no_sg.effective_rank < 5 and no_sg.collapse_step is not None,
      f"{no_sg.effective_rank:.1f}, with it {simsiam.effective_rank:.1f}")
claim("and falls below SimSiam by >= 0.1 kNN", no_sg.knn <= simsiam.knn - 0.1, f"{no_sg.knn:.2f} vs {simsiam.knn:.2f}");

# %%
from ssl_course.course import plot_accuracies

plot_accuracies({"random init": digits_random, **{name: r.knn for name, r in digits_runs.items()}},
                title="SimSiam on digits, kNN (test)");

# %% [markdown]
# With the stop-gradient SimSiam climbs above the random network (by a few points in 330 steps,
# one seed: the numbers are printed above); without it, the collapsed representation falls below
# it. The no-predictor run in the first comparison collapses too: the stop-gradient and the
# predictor are both needed.
#
# ## Summary
# * SimSiam = BYOL without EMA; without the stop-gradient, or without the predictor, it collapses.
# * Monitor `std_of_normalized` and the effective rank: they show collapse long before kNN does.
#
# **References**: Chen & He 2021, *Exploring Simple Siamese Representation Learning*.

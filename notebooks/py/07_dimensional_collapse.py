# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/07_dimensional_collapse.ipynb)
#
# # 07 · Partial dimensional collapse
#
# **Learning goals**: compute Li, Efros & Pathak's collapse measure; see how data size changes it; check whether it forecasts linear-probe accuracy without labels; compare continual, multi-epoch and hybrid training.
#
# **Time**: about 3 minutes on a laptop CPU with `FULL = False`.

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
FULL = False  # True: the paper-scale run on a GPU (hours); False: minutes on a CPU

from ssl_course.course import setup

device = setup(seed=0)

# %% [markdown]
# ## Measuring collapse
# Take backbone features, centre them, compute their singular values σ_i; the cumulative curve
# c_k = Σ_{i≤k} σ_i / Σ σ_i and its mean (the AUC) grow as fewer directions carry the variance.
# **Exercise 1**: the AUC.

# %% nbgrader={"grade": false, "grade_id": "explained_variance_auc", "locked": false, "schema_version": 3, "solution": true}
import torch


def explained_variance_auc(features):
    ### BEGIN SOLUTION
    x = features - features.mean(dim=0)
    s = torch.linalg.svdvals(x)
    return (torch.cumsum(s, 0) / s.sum()).mean().item()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_explained_variance_auc", "locked": true, "points": 1, "schema_version": 3, "solution": false}
# NBVAL_CHECK_OUTPUT
from ssl_course.exercises import check_explained_variance_auc

check_explained_variance_auc(explained_variance_auc)

# %% [markdown]
# **Exercise 2**: the effective rank, exp of the entropy of the singular values normalised to sum 1
# (uncentred), used by the trainer's collapse monitor.

# %% nbgrader={"grade": false, "grade_id": "effective_rank", "locked": false, "schema_version": 3, "solution": true}
def effective_rank(z):
    ### BEGIN SOLUTION
    s = torch.linalg.svdvals(z)
    p = s / s.sum()
    p = p[p > 0]
    return torch.exp(-(p * p.log()).sum()).item()
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "check_effective_rank", "locked": true, "points": 1, "schema_version": 3, "solution": false}
# NBVAL_CHECK_OUTPUT
from ssl_course.exercises import check_effective_rank

check_effective_rank(effective_rank)

# %% [markdown]
# ## More data, more collapse?
# SimSiam on 5 %, 20 % and 100 % of `shapes` with a small ConvNet (width 8), equal steps.

# %%
from ssl_course.theory.collapse import continual_vs_multiepoch, collapse_sweep, plot_collapse_sweep, rank_correlation

rows = collapse_sweep(fractions=(0.05, 0.2, 1.0), full=FULL, steps=None if FULL else 200)
plot_collapse_sweep(rows)
for r in rows:
    print(f"{r['fraction']:>5.0%} of the data: AUC {r['auc']:.3f}, kNN {r['knn']:.2f}, probe {r['linear_probe']:.2f}")
print(f"rank correlation AUC vs probe: {rank_correlation(rows):+.2f}")

# %% [markdown]
# The paper's ImageNet ResNet-18 curve (dotted) rises from .61 at 1 % to ≈ .86–.88 with more data.
# Three CPU runs of a few hundred steps are a small, noisy version of that study: read the sign
# of the rank correlation with care.
#
# ## Continual, multi-epoch or hybrid?
# The same images and compute: all images every epoch; a stream of chunks, each seen for all its
# epochs then never again; or a hybrid with two rounds over the chunks.

# %%
regimes = continual_vs_multiepoch(chunks=4, epochs=2, rounds=2, train_subset=None if FULL else 2000, full=FULL)
for name, r in regimes.items():
    print(f"{name:>12}: AUC {r['auc']:.3f}, kNN {r['knn']:.2f}, probe {r['linear_probe']:.2f}")

# %% [markdown]
# ## Summary
# * The explained-variance AUC measures partial collapse of the backbone features, label-free.
# * In the paper, more data for a fixed small model means more collapse and lower probe accuracy,
#   and continual learning acts as a regulariser (hybrid: up to +18 points on ImageNet R18).
#
# **References**: Li, Efros & Pathak 2022, *Understanding Collapse in Non-Contrastive Siamese
# Representation Learning* (ECCV).

# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/05_substitution_acceleration.ipynb)
#
# # 05 · Substitution and acceleration: what an identity-initialised head does
#
# **Learning goals**: build the pieces of Wen & Li's toy network; watch one neuron learn the strong feature, the head substitute it for the other neuron, that neuron then learn the weak feature, and the head return to the identity.
#
# **Time**: about 1 minute on a laptop CPU with `FULL = False`.

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
# ## Three heads, one seed
# `run` trains the toy with SGD and records each neuron's alignment with v₁ and v₂ and the head.

# %%
from ssl_course.theory.wen_li import detect_phases, plot_phases, run

histories = {head: run(head, steps=4000, seed=1, record_every=10) for head in ("offdiag", "identity_fixed", "none")}
plot_phases(histories);

# %%
# NBVAL_CHECK_OUTPUT
for head, history in histories.items():
    phases = detect_phases(history)
    print(f"{head:>15}: v1 learned at {phases.learned_strong}, substitution at {phases.substitution}, "
          f"v2 learned at {phases.acceleration}, head back at {phases.head_returns}")

# %% [markdown]
# With the trainable off-diagonal head: neuron 1 learns v₁; E's off-diagonal entry grows so that
# neuron 1's output stands in for neuron 2's (substitution); neuron 2, no longer rewarded for
# copying v₁, learns the weak v₂ (acceleration); E then returns to I. With E fixed at I (or no
# head) both neurons learn v₁ and v₂ is never learned: dimensional collapse.
#
# In our toy this happens on some seeds, not all (README: 2 of 8 seeds with the head, 1 of 8
# without); the paper proves it in its own regime of widths and learning-rate ratios.
#
# ## Summary
# * Substitution: the head lets one neuron's feature serve for another.
# * Acceleration: the freed neuron learns a weak feature it would otherwise ignore.
# * The head ends near the identity, which is why an identity-initialised head works.
#
# **References**: Wen & Li 2022, *The Mechanism of Prediction Head in Non-contrastive
# Self-supervised Learning* (NeurIPS).

# %% [markdown]
# Open in Colab: [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/student/00_setup_and_data.ipynb) the exercises · [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/00_setup_and_data.ipynb) with solutions
#
# # 00 · Setup and data
#
# **Learning goals**: check your environment; meet the course's built-in dataset, `shapes`; see
# what "two augmented views of one image" means, the raw material of every method in this course.
#
# **Time**: under half a minute (5 s measured) on a 2-core CPU.

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

# %% [markdown]
# ## The environment
# `setup` seeds every random generator, sets readable figure defaults and says in one line which
# device the course will use; every notebook starts with it. Here, once, the full report:
# versions, device and cores. On a CPU every notebook runs in a few minutes with its default
# `FULL = False`; `FULL = True` (in 01, 02, 03, 06, 07 and 08) runs the papers' recipes on CIFAR-10,
# cut to about an hour of a free Colab GPU.

# %%
import torch

from ssl_course.course import environment_report, setup, show_images

device = setup(seed=0)
environment_report()

# %% [markdown]
# ## The built-in data
# No download needed: `shapes` is generated from a seed (10 shape kinds with nuisances: position,
# scale, rotation, contrast polarity, background texture, clutter strokes). Every notebook trains
# on it by default; the real datasets (CIFAR-10 and the others of `docs/data.md`) are for `FULL = True`
# and the command line.

# %% tags=["nbval-check-output"]
from ssl_course.data import dataset_tensors

(shapes_x, shapes_y), (shapes_test_x, _) = dataset_tensors("shapes")
print(f"shapes: {tuple(shapes_x.shape)} train, {tuple(shapes_test_x.shape)} test, {shapes_x.dtype}")

# %% [markdown]
# One image of every class:

# %%
from ssl_course.data.shapes import CLASSES

first = [int((shapes_y == c).nonzero()[0]) for c in range(10)]
show_images(shapes_x[first], titles=[f"{c}: {CLASSES[c]}" for c in range(10)]);

# %% [markdown]
# ## Two views of one image
# Self-supervised methods never see a label. They see two random *views* of each image (a
# random resized crop, a flip, colour jitter, grayscale) and learn features that agree across
# views. `BatchTwoViewAugment` makes both views for a whole batch at once, with different random
# parameters per image; it runs on the GPU when the data is there. `shapes` is grey (its three
# channels are equal), so of the colour jitter only brightness and contrast change its images:
# saturation, hue and grayscale leave a grey image as it is (on CIFAR-10 all of them act).

# %%
from ssl_course.augment import AugmentConfig, BatchTwoViewAugment

augment = BatchTwoViewAugment(size=32, mean=(0.0,) * 3, std=(1.0,) * 3, config=AugmentConfig())
torch.manual_seed(0)
view1, view2 = augment(shapes_x[:8])
show_images(torch.cat([shapes_x[:8].float() / 255, view1, view2]), ncol=8);

# %% [markdown]
# Rows: the originals, view 1, view 2. The views differ in crop, contrast, brightness and flip.
# Most pairs still show the same shape, and that shared content is what the methods learn; a
# crop can also cut most of the shape away, a noisy view the methods must
# live with.
#
# ## Summary
# * The course runs everywhere; on a CPU keep `FULL = False`.
# * `shapes` (10 000 / 2 000 images, 10 classes) is built in; nothing is downloaded unless you ask.
# * A method's only signal is that two augmented views come from the same image.
#
# **References**: Chen et al. 2020 (SimCLR) for the augmentation recipe.

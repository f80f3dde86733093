# %% [markdown]
# [![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)](https://colab.research.google.com/github/ssl-course/ssl_course/blob/main/notebooks/08_scaling_up.ipynb)
#
# # 08 · Scaling up: the same trainer on a GPU
#
# **Learning goals**: run the course's trainer on CIFAR-10 / STL-10 on a GPU; know what mixed precision and channels_last do; know the papers' ImageNet numbers.
#
# **Time**: about 15 s on a CPU (tiny settings: the GPU commands are shown, not run). With `FULL = True` on a GPU it trains SimSiam on CIFAR-10 for hours.

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
# ## One command on Colab
# With a GPU runtime, this trains SimSiam on CIFAR-10 with the paper's recipe, the package's FULL
# preset (`ssl_course/presets.py`: ResNet-18, batch 512, base lr 0.03 per 256 images, so 0.06 at
# batch 512, wd 5e-4, 800 epochs). It downloads CIFAR-10 only because you ask for it (`--download`):
#
# ```bash
# ssl-course train --method simsiam --full --download --out runs/simsiam-cifar10
# ssl-course eval --checkpoint runs/simsiam-cifar10/last.pt --json
# ```
#
# On CUDA the trainer uses bf16 autocast and channels_last automatically; checkpoints are atomic
# and `--resume` continues exactly where a disconnected Colab session stopped.

# %%
from ssl_course.course import run_config
from ssl_course.train import train

if FULL:
    config = run_config("simsiam", full=True, out="runs/simsiam-cifar10")
else:  # the same code path, tiny: a ResNet-18 on shapes for a handful of steps
    config = run_config("simsiam", steps=4, backbone="resnet18", batch_size=32, final_eval=False)
result = train(config)
# NBVAL_CHECK_OUTPUT
print(f"backbone {config.backbone}, {result.steps} steps, finite loss: {result.loss == result.loss}")

# %% [markdown]
# ## What to expect
# | run | setting | linear top-1 |
# | --- | --- | --- |
# | SimSiam, CIFAR-10, ResNet-18 | 800 epochs, batch 512 | 91.8 % (paper) |
# | DirectPred, ImageNet, ResNet-50 | 60 / 300 epochs | 64.4 / 72.4 % |
# | BYOL-style 2-layer predictor, ImageNet, ResNet-50 | 60 / 300 epochs | 64.7 / 72.5 % |
# | linear predictor (learned), ImageNet, ResNet-50 | 60 / 300 epochs | 59.4 / 69.9 % |
#
# ## Summary
# * The notebooks' trainer is the full trainer: switch `FULL = True` on a GPU.
# * Mixed precision and channels_last are on by default on CUDA; resume is exact.
#
# **References**: Chen & He 2021; Tian, Chen & Ganguli 2021.

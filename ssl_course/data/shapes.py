"""`shapes`: the course's built-in, procedurally generated image dataset.

Every image is 32x32, stored as RGB with three equal channels (grey levels, so that every model
takes CIFAR's input), and shows one of ten shape kinds (the class). Everything else is a nuisance
that a good representation must ignore: the shape's position, scale and rotation, light-on-dark or
dark-on-light contrast, a background with a gradient, smooth texture and pixel noise, and thin
clutter strokes. Raw pixels are therefore a weak feature. Of the SimCLR/BYOL augmentations, the
random crops (position, scale), flips and the brightness and contrast jitter act on these images;
saturation, hue and grayscale leave a grey image as it is, and blur is only applied to images of
96 px and more. (The trainer therefore makes the views of grey data on one channel:
``ssl_course.augment.is_grey``.)

Design notes (the measurements behind them are in docs/decisions.md, "The shapes dataset"):

* Nothing may single out one image that is not the shape. A continuous random colour
  would, and contrastive learning would solve its instance-discrimination task from
  colour alone. So every level is drawn
  from a few options.
* Nothing the augmentations cannot undo may separate the images more strongly than the
  shape does: BYOL and SimSiam learn such a nuisance first and stay there. A colour cast
  of the whole image (four white balances) and four background greys did exactly that, so
  there is no cast and there are two greys.

Generation is vectorised numpy, deterministic from ``seed``, and the result is cached in memory per (n, seed, size) and on disk (see
``cache_dir``: every new process, a notebook kernel or a CLI run, then loads it in
milliseconds). The disk cache is keyed by this file's own source, so a change to the
generator never reads an old image.

Example:
    >>> images, labels = generate_shapes(20, seed=0)
    >>> images.shape, images.dtype, labels[:5].tolist()
    ((20, 32, 32, 3), dtype('uint8'), [4, 9, 6, 2, 3])
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

CLASSES = ("disk", "ring", "square", "frame", "triangle", "star", "plus", "crescent", "ell", "bars")
SUPERSAMPLE = 2  # render at 2x and average: anti-aliased edges
# Nuisance strengths: background texture and gradient, clutter probability, rotation.
TEXTURE, GRADIENT, CLUTTER_P, ROTATE = 0.06, 0.15, 0.35, 1.0
# Two background levels only: more of them is a nuisance the augmentations cannot undo, which
# non-contrastive methods learn first
GREYS = (0.2, 0.8)  # background base levels: dark or light, the shape in the opposite brightness


def _regular_polygon(u, v, sides, apothem):
    """Inside of a regular polygon with circumradius 1 (max over edge normals)."""
    angles = 2 * np.pi * np.arange(sides) / sides + np.pi / 2
    proj = np.stack([u * np.cos(a) + v * np.sin(a) for a in angles])
    return proj.max(axis=0) < apothem


def _inside(kind: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Boolean mask of shape `kind` in canonical coordinates (the shape fits in [-1, 1]^2)."""
    r = np.hypot(u, v)
    box = np.maximum(np.abs(u), np.abs(v))
    if kind == "disk":
        return r < 0.9
    if kind == "ring":
        return (r < 0.95) & (r > 0.55)
    if kind == "square":
        return box < 0.72
    if kind == "frame":
        return (box < 0.88) & (box > 0.52)
    if kind == "triangle":
        return _regular_polygon(u, v, 3, 0.5)
    if kind == "star":
        phi = np.arctan2(v, u)
        return r < 0.38 + 0.6 * ((np.cos(5 * phi) + 1) / 2) ** 2
    if kind == "plus":
        return ((np.abs(u) < 0.27) & (np.abs(v) < 0.92)) | ((np.abs(v) < 0.27) & (np.abs(u) < 0.92))
    if kind == "crescent":
        return (r < 0.92) & (np.hypot(u - 0.42, v) > 0.72)
    if kind == "ell":
        vertical = (u > -0.8) & (u < -0.3) & (np.abs(v) < 0.85)
        horizontal = (np.abs(u) < 0.8) & (v > -0.85) & (v < -0.35)
        return vertical | horizontal
    if kind == "bars":
        return (np.abs(u) < 0.85) & ((np.abs(v - 0.45) < 0.2) | (np.abs(v + 0.45) < 0.2))
    raise ValueError(f"unknown shape kind {kind!r}; valid: {', '.join(CLASSES)}")


def _segment_distance(x, y, x0, y0, x1, y1):
    """Distance from points (x, y) to segments (x0, y0)-(x1, y1), broadcast per image."""
    dx, dy = x1 - x0, y1 - y0
    t = ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy + 1e-9)
    t = np.clip(t, 0.0, 1.0)
    return np.hypot(x - (x0 + t * dx), y - (y0 + t * dy))


def _upsample(low: np.ndarray, size: int) -> np.ndarray:
    """Bilinear upsampling of (n, k, k, c) to (n, size, size, c), corners aligned."""
    k = low.shape[1]
    pos = np.linspace(0, k - 1, size)
    i0 = np.floor(pos).astype(int).clip(0, k - 2)
    w = (pos - i0)[None, :, None, None]
    rows = low[:, i0] * (1 - w) + low[:, i0 + 1] * w
    w = w.transpose(0, 2, 1, 3)
    return rows[:, :, i0] * (1 - w) + rows[:, :, i0 + 1] * w


def _render_chunk(labels: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    n = len(labels)
    hi = size * SUPERSAMPLE
    grid = (np.arange(hi) + 0.5) / hi * 2 - 1  # pixel centres in [-1, 1]
    y, x = np.meshgrid(grid, grid, indexing="ij")
    x, y = x[None], y[None]

    # Shape pose: scale (half-width), centre, rotation.
    scale = rng.uniform(0.5, 0.85, n)[:, None, None]
    cx = rng.uniform(-1, 1, n)[:, None, None] * (1 - scale) * 0.9
    cy = rng.uniform(-1, 1, n)[:, None, None] * (1 - scale) * 0.9
    theta = ROTATE * rng.uniform(0, 2 * np.pi, n)[:, None, None]
    c, s = np.cos(theta), np.sin(theta)
    u = ((x - cx) * c + (y - cy) * s) / scale
    v = (-(x - cx) * s + (y - cy) * c) / scale
    mask = np.zeros((n, hi, hi), dtype=np.float32)
    for k, kind in enumerate(CLASSES):
        idx = np.flatnonzero(labels == k)
        if len(idx):
            mask[idx] = _inside(kind, u[idx], v[idx])
    mask = mask.reshape(n, size, SUPERSAMPLE, size, SUPERSAMPLE).mean(axis=(2, 4))[..., None]

    # Background: base colour + linear gradient + smooth texture + pixel noise.
    # Colours come from small palettes: many images in a batch share them, so colour
    # alone cannot tell two images apart (no colour shortcut for instance discrimination).
    grey = rng.choice(np.array(GREYS), n)[:, None, None, None]
    base = grey
    g = (np.arange(size) + 0.5) / size * 2 - 1
    gy, gx = np.meshgrid(g, g, indexing="ij")
    direction = rng.uniform(0, 2 * np.pi, n)[:, None, None]
    ramp = (gx[None] * np.cos(direction) + gy[None] * np.sin(direction))[..., None]
    background = base + rng.uniform(0.0, GRADIENT, (n, 1, 1, 1)) * ramp
    background += TEXTURE * _upsample(rng.normal(0, 1, (n, 5, 5, 1)), size)
    background += rng.normal(0, 0.04, (n, size, size, 1))

    # Clutter: up to 2 thin strokes of random colours.
    for _ in range(2):
        present = rng.uniform(0, 1, n) < CLUTTER_P
        ends = rng.uniform(-1, 1, (4, n, 1, 1))
        width = rng.uniform(0.03, 0.06, (n, 1, 1))
        d = _segment_distance(gx[None], gy[None], *ends)
        stroke = (np.clip((width - d) / 0.04 + 0.5, 0, 1) * present[:, None, None])[..., None]
        colour = rng.uniform(0, 1, (n, 1, 1, 1))
        background = background * (1 - stroke) + colour * stroke

    # Foreground colour: random hue, brightness opposite to the background's so it stays visible.
    foreground = np.where(grey > 0.5, 0.1, 0.8) + rng.uniform(-0.1, 0.1, (n, 1, 1, 1))
    foreground = foreground * (1 + rng.uniform(-0.12, 0.12, (n, 1, 1, 1)) * ramp)
    image = background * (1 - mask) + foreground * mask
    # the draw of a colour cast the dataset no longer applies: kept, so every image stays as it was
    rng.integers(0, 4, n)
    return (np.clip(image, 0, 1) * 255 + 0.5).astype(np.uint8)


def cache_dir() -> Path | None:
    """Where generated images are kept between processes: ``$SSL_COURSE_CACHE``, else
    ``$XDG_CACHE_HOME/ssl_course``, else ``~/.cache/ssl_course``; ``SSL_COURSE_CACHE=off``: nowhere."""
    chosen = os.environ.get("SSL_COURSE_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "none") else Path(chosen)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ssl_course"


CACHE_MIN_IMAGES = 2000  # fewer render in well under a second: not worth a file


def _cache_file(n: int, seed: int, size: int) -> Path | None:
    folder = cache_dir()
    if folder is None or n < CACHE_MIN_IMAGES:
        return None
    source = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]  # the generator's version
    return folder / f"shapes-{source}-n{n}-seed{seed}-size{size}.npz"


def _render(n: int, seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(CLASSES))
    images = np.empty((n, size, size, 3), dtype=np.uint8)
    chunk = 1000
    for start in range(0, n, chunk):
        images[start : start + chunk] = _render_chunk(labels[start : start + chunk], rng, size)
    return images, labels


def _load_or_render(n: int, seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """From the disk cache when it holds these images, else rendered (and stored; a cache that
    cannot be written or read is skipped, never an error)."""
    path = _cache_file(n, seed, size)
    if path is not None and path.exists():
        try:
            with np.load(path) as stored:
                images, labels = stored["images"], stored["labels"]
            if images.shape == (n, size, size, 3) and images.dtype == np.uint8 and labels.shape == (n,):
                return images, labels
        except (OSError, ValueError, KeyError):
            pass  # a damaged file: render again and replace it
    images, labels = _render(n, seed, size)
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as handle:
                np.savez(handle, images=images, labels=labels)
            os.replace(handle.name, path)  # atomic: a reader sees the whole file or none
        except OSError:
            pass
    return images, labels


@lru_cache(maxsize=8)
def _generate_cached(n: int, seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    images, labels = _load_or_render(n, seed, size)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def generate_shapes(n: int, seed: int = 0, size: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Return ``n`` images (uint8, N x size x size x 3) and balanced labels (int64), fixed by ``seed``."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if size < 8:
        raise ValueError(f"size must be >= 8 pixels, got {size}")
    images, labels = _generate_cached(int(n), int(seed), int(size))
    return images, labels.astype(np.int64)

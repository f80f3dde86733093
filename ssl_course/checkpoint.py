"""Checkpoints that lose nothing: atomic writes, safe loads, exact resume.

* ``save_checkpoint`` writes to a temporary file in the same folder, fsyncs it and
  renames it over the old one (``os.replace`` is atomic): a crash or ``kill -9``
  leaves either the old or the new checkpoint, never half of one.
* ``load_checkpoint`` uses ``torch.load(weights_only=True)``: no arbitrary code runs
  from a file. A corrupt or foreign file gives a one-line ``CheckpointError``.
* ``rng_state`` / ``set_rng_state`` capture torch, CUDA, numpy and Python RNGs in
  tensors and plain types that the safe loader accepts.
* ``prepare_run_folder`` / ``read_metrics``: the run folder (``last.pt``, ``metrics.jsonl``) and
  the metrics logged up to the checkpoint a run resumes from.
"""
from __future__ import annotations

import json
import os
import random
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

FORMAT = "ssl_course/1"


class CheckpointError(ValueError):
    """A checkpoint file is missing, unreadable or not one of ours."""


def rng_state() -> dict:
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss), "gauss": float(gauss)},
        "python": random.getstate(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state(("MT19937", n["keys"].numpy().astype(np.uint32), n["pos"], n["has_gauss"], n["gauss"]))
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(payload: dict, path: str | Path) -> Path:
    """Atomically write ``payload`` (plus a format tag) to ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            torch.save({"format": FORMAT, **payload}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(path: str | Path, map_location="cpu") -> dict:
    """Safely load one of our checkpoints; one-line ``CheckpointError`` otherwise."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no checkpoint at {path}")
    try:
        with warnings.catch_warnings():  # torch warns about foreign pickles before refusing them: one line is ours
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # pickle, zip and unpickler errors all mean: not a readable checkpoint
        reason = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "Weights only load failed" in reason:
            reason = "it holds Python objects, not only tensors; such files are not loaded, for safety"
        raise CheckpointError(f"{path} is not a readable checkpoint ({reason[:120]})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not an ssl_course checkpoint (format tag missing)")
    return payload


def prepare_run_folder(out: str | None, resume: bool, overwrite: bool) -> Path | None:
    """The run folder (made if needed); refuses to replace a run unless resuming or ``overwrite``."""
    if out is None:
        return None
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder: name a folder for the run (it keeps last.pt and metrics.jsonl)")
    if not resume and (out / "last.pt").exists() and not overwrite:
        raise ValueError(f"{out} already holds a run (last.pt): pass --resume to continue it, --overwrite to replace it, or another --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:  # a parent is a file, no permission, ...
        raise ValueError(f"cannot make the run folder {out} ({err.strerror or err})") from None
    return out


def read_metrics(path: Path, upto_step: int) -> list[dict]:
    """Metrics logged up to the checkpoint; later lines (from a killed run) are dropped."""
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a kill
        if row.get("step", 0) <= upto_step:
            rows.append(row)
    return rows

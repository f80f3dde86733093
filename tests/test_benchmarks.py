"""The throughput benchmark's CPU smoke run prints its JSON line with consistent ratios."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_throughput_smoke_run_prints_one_json_line():
    command = [sys.executable, str(ROOT / "benchmarks" / "throughput.py"), "--device", "cpu", "--backbone", "convnet",
               "--width", "8", "--batch-size", "16", "--steps", "2", "--warmup", "1", "--workers", "0"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for key in ("model_bound_img_s", "ours_img_s", "lightly_style_img_s"):
        assert result[key] > 0
    assert abs(result["ours_over_bound"] - result["ours_img_s"] / result["model_bound_img_s"]) < 0.01
    assert abs(result["ours_over_lightly"] - result["ours_img_s"] / result["lightly_style_img_s"]) < 0.01
    assert result["device"].startswith("cpu") and result["batch_size"] == 16

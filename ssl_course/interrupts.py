"""How a run stops early: a diverged loss, or Ctrl-C / SIGTERM saved as a checkpoint between two steps."""
from __future__ import annotations

import signal
import threading
from pathlib import Path


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class TrainingInterrupted(KeyboardInterrupt):
    """SIGINT (Ctrl-C) or SIGTERM stopped the run after it wrote a checkpoint at the current step."""

    def __init__(self, signum: int, step: int, path: Path | None):
        self.signum, self.step, self.path = signum, step, path
        where = f"checkpoint at step {step} in {path}; --resume continues" if path else f"stopped at step {step}"
        super().__init__(f"{signal.Signals(signum).name} received: {where}")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # the shell's convention: 130 for SIGINT, 143 for SIGTERM


class StopSignals:
    """While active, SIGINT/SIGTERM only set ``received``: the loop saves, then stops, between two steps.

    A second signal interrupts at once. Outside the main thread (where handlers cannot be set)
    it does nothing.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received: int | None = None
        self.previous = {}

    def _handle(self, signum, frame):
        if self.received is not None:
            self.restore()
            raise KeyboardInterrupt
        self.received = signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = {sig: signal.signal(sig, self._handle) for sig in self.SIGNALS}
        return self

    def restore(self) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        self.previous = {}

    def __exit__(self, *exc):
        self.restore()

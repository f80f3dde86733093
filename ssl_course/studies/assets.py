"""Where the course's shipped results live: one setting, ``$SSL_COURSE_ASSETS``, else the ``assets/``
folder of the checkout this package was installed from (``pip install -e .``)."""
from __future__ import annotations

import os
from pathlib import Path

ASSETS_SETTING = "SSL_COURSE_ASSETS"
CHECKOUT = Path(__file__).resolve().parents[2]  # the one place that knows the checkout's layout
CHECKOUT_ASSETS = CHECKOUT / "assets"


def assets_dir() -> Path:
    """The assets folder; a one-line error when there is none (the package installed without its checkout)."""
    folder = Path(os.environ[ASSETS_SETTING]) if os.environ.get(ASSETS_SETTING) else CHECKOUT_ASSETS
    if not folder.is_dir():
        raise FileNotFoundError(f"no assets folder at {folder}: the reference runs ship with the repository; "
                                f"clone it and install with pip install -e ., or set {ASSETS_SETTING} to a clone's assets/")
    return folder


def reference_dir() -> Path:
    """The shipped reference runs, ``<assets>/reference_runs``."""
    return assets_dir() / "reference_runs"

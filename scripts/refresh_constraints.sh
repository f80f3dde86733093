#!/usr/bin/env bash
# Refresh constraints.txt, the pinned test environment: resolve the newest versions that
# pyproject.toml's ranges allow in a brand-new venv, then freeze them.
#   bash scripts/refresh_constraints.sh
# Afterwards re-execute the notebooks in that environment (below)
# and run the tests, so that the committed outputs come from exactly the pinned set:
#   .venv/bin/python scripts/build_notebooks.py
set -euo pipefail
cd "$(dirname "$0")/.."
venv="$(mktemp -d)/venv"
python3 -m venv "$venv"
"$venv/bin/pip" install -q -e ".[dev]"
{
  echo "# The pinned test environment (pip constraints): the README's test command and .ci/run install"
  echo "# exactly these versions; the notebooks are executed with them. Made by scripts/refresh_constraints.sh"
  echo "# with $("$venv/bin/python" --version) on $(uname -sm), $(date -u +%Y-%m-%d)."
  "$venv/bin/pip" freeze --exclude-editable | sort -f
} > constraints.txt
rm -rf "$(dirname "$venv")"
echo "wrote constraints.txt ($(grep -vc '^#' constraints.txt) packages)"

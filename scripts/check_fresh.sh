#!/usr/bin/env bash
# Try the README's two commands as a new user would: clone the committed HEAD into a temporary
# folder, make a brand-new venv, run the demo command and the test command verbatim (as the
# README prints them), and report the time of each.
#
#   bash scripts/check_fresh.sh              # the pinned test environment (constraints.txt), as CI
#   bash scripts/check_fresh.sh --unpinned   # the newest versions pyproject.toml's ranges allow
#   KEEP=1 bash scripts/check_fresh.sh       # keep the clone (its logs: fresh-*.log)
#
# It prints one line per command, "<what>: exit <code> in <seconds> s", the installed torch /
# torchvision / numpy / kornia, and the tests' last line. Run it alone: on 2 cores a second torch
# process beside it doubles the times.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
unpinned=0
[[ "${1:-}" == "--unpinned" ]] && unpinned=1
work="$(mktemp -d)"
git clone -q "$here" "$work/ssl_course" || exit 1
cd "$work/ssl_course"
readme_command() {  # the first line of the README's code block under the heading that contains $1
  awk -v head="$1" 'index($0, head) {found = 1} found && /^python3 -m venv/ {print; exit}' README.md
}
demo="$(readme_command 'Run the demo')"
tests="$(readme_command 'Run the tests')"
if (( unpinned )); then
  tests="${tests/ -c constraints.txt/}"
  echo "unpinned: the test command without -c constraints.txt"
fi
[[ -n "$demo" && -n "$tests" ]] || { echo "could not find the README's commands"; exit 1; }
export MPLBACKEND=Agg
status=0
for what in demo tests; do
  command="${!what}"
  echo "$what: $command"
  started=$(date +%s)
  bash -c "$command" > "fresh-$what.log" 2>&1
  code=$?
  echo "$what: exit $code in $(( $(date +%s) - started )) s"
  (( code == 0 )) || status=1
  if [[ "$what" == demo ]]; then  # a brand-new venv for the tests as well
    .venv/bin/python -c "import torch, torchvision, numpy, kornia; print('demo stack: torch', torch.__version__, 'torchvision', torchvision.__version__, 'numpy', numpy.__version__, 'kornia', kornia.__version__)"
    rm -rf .venv runs
  fi
done
.venv/bin/python -c "import torch, torchvision, numpy, kornia; print('test stack: torch', torch.__version__, 'torchvision', torchvision.__version__, 'numpy', numpy.__version__, 'kornia', kornia.__version__)"
echo "tests: $(grep -E '(passed|failed|error)' fresh-tests.log | tail -1)"
grep -E '^(FAILED|ERROR) ' fresh-tests.log | head -20
if [[ -n "${KEEP:-}" ]]; then echo "kept: $work/ssl_course"; else rm -rf "$work"; fi
exit $status

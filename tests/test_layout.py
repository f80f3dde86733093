"""docs/layout.md names every file of the package, the benchmarks and the scripts, and nothing that is gone."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_layout_lists_every_file_and_only_files_that_exist():
    text = (ROOT / "docs" / "layout.md").read_text()
    listed = set(re.findall(r"`((?:ssl_course|benchmarks|scripts)/[\w/]+\.(?:py|sh))`", text))
    present = {str(p.relative_to(ROOT)) for folder in ("ssl_course", "benchmarks", "scripts")
               for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".sh") and "__pycache__" not in p.parts}
    assert sorted(present - listed) == [], "add these to docs/layout.md"
    assert sorted(listed - present) == [], "these are gone: remove them from docs/layout.md"

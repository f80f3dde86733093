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


DOCS = ["README.md", "INSTRUCTORS.md", "notebooks/README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md"))]
TOP = ("ssl_course", "benchmarks", "scripts", "notebooks", "student", "tests", "docs", "assets", ".ci")
# what a command writes when it runs (the demo, the site, a training's --out, the GPU check), or a dataset's
# folder on the user's disk; and files the docs name as history, removed in the commit they cite
WRITTEN = ("runs/", "site/", "work/", "root/", "benchmarks/results/gpu_check.json")
HISTORY = {"assets/collapse_search.jsonl", "assets/reference_runs/phase-*"}


def _exists(name: str, base: Path) -> bool:
    pattern = name.replace("NN", "[0-9][0-9]")
    return any(any(folder.glob(pattern)) or (folder / name).exists() for folder in (base, ROOT, ROOT / "ssl_course"))


def test_every_file_and_name_the_docs_cite_exists():
    """Paths in backticks or links, and dotted ``ssl_course.`` names, in the README, INSTRUCTORS.md and docs/."""
    import importlib

    missing = []
    for doc in DOCS:
        text, base = (ROOT / doc).read_text(), (ROOT / doc).parent
        quoted = [t for t in re.findall(r"`([^`\s]+)`", text) if re.fullmatch(r"[\w.\-]+(/[\w.\-*]+)+/?", t)]
        linked = [t.split("#")[0] for t in re.findall(r"\]\(([^)\s]+)\)", text) if "://" not in t and not t.startswith("#")]
        for name in quoted + linked:
            if name.startswith(WRITTEN) or name in HISTORY:
                continue
            if name in linked or name.startswith(TOP) or name.count("/") == 1 and name.endswith(".py"):
                if not _exists(name, base):
                    missing.append(f"{doc}: {name}")
        for dotted, after in re.findall(r"`(ssl_course(?:\.\w+)+)(.)", text):
            if after == "<":  # a template such as ssl_course.exercises.check_<name>
                continue
            parts = dotted.split(".")
            obj = importlib.import_module(parts[0])
            for depth, attribute in enumerate(parts[1:], start=2):  # a submodule or an attribute, level by level
                found = getattr(obj, attribute, None)
                if found is None and hasattr(obj, "__path__"):
                    try:
                        found = importlib.import_module(".".join(parts[:depth]))
                    except ImportError:
                        found = None
                obj = found
                if obj is None:
                    break
            if obj is None:
                missing.append(f"{doc}: {dotted}")
    assert missing == []


def test_the_docs_check_finds_a_file_that_is_gone(tmp_path):
    assert not _exists("ssl_course/theory/collapse.py", tmp_path) and _exists("studies/collapse.py", tmp_path)

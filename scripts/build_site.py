"""Build the course website from the executed notebooks (they are rendered, never re-run).

    pip install -e ".[site]" && python scripts/build_site.py        # -> site/index.html
    python scripts/build_site.py --out /tmp/site

Sphinx with MyST-NB and the book theme, all from the package registry; nothing is fetched at build
time. The pages: an index made from the README (the course table links each notebook), one page
per notebook 00-08 with its figures and outputs, the docs/ pages, a reference-runs page generated
from ``assets/reference_runs/`` (mean ± std tables, kNN over training), the instructors' guide
and an API reference from the package's docstrings.
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MODULES = ["losses", "methods.base", "methods.simclr", "methods.byol", "methods.simsiam", "predictors", "metrics",
           "evaluation", "theory.linear", "theory.wen_li", "theory.wen_li_phases", "studies.collapse", "studies.fitting", "train", "build", "scoring",
           "config", "flags", "presets", "studies.reference", "studies.runs",
           "data", "data.shapes", "augment", "models", "exercises", "course"]
CONF = '''
project = "ssl_course"
author = "the ssl_course authors"
extensions = ["myst_nb", "sphinx.ext.autodoc"]
nb_execution_mode = "off"  # the notebooks are committed executed: render their outputs, never re-run them
myst_heading_anchors = 3
html_theme = "sphinx_book_theme"
html_title = "ssl_course: self-supervised learning without contrastive pairs"
html_theme_options = {"use_download_button": False, "use_fullscreen_button": False, "show_toc_level": 2}
html_static_path = []
html_context = {"default_mode": "light"}
exclude_patterns = ["_build"]
suppress_warnings = ["myst.header", "myst.xref_missing", "misc.highlighting_failure"]
autodoc_member_order = "bysource"
'''


def _notebook_link(line: str, names: dict[str, str]) -> str:
    """A course-table row "| 03 SimSiam | ..." -> its first cell linked to the notebook's page."""
    match = re.match(r"\| (\d\d) ([^|]+?) \|", line)
    if not match or match.group(1) not in names:
        return line
    return line.replace(match.group(0), f"| [{match.group(1)} {match.group(2)}](notebooks/{names[match.group(1)]}) |", 1)


def _sections(text: str) -> dict[str, str]:
    """A markdown page's ``## `` sections by title; the text before the first under ``""``."""
    parts = re.split(r"(?m)^## (.+)$", text)
    return {"": parts[0], **{title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}}


def _code_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n.*?```", text, re.S)


WHERE_NEXT = """## Where to go next

* Start with [00 setup and data](notebooks/{first}) and go in order: each notebook builds on the one before.
* [Reference runs](reference_runs.md): every shipped run as a table, mean ± std over seeds.
* [Theory](theory.md) and [results](results.md): what the toy models and the runs show, with the numbers.
* [Instructors](instructors.md): exercises, the student version, grading with or without nbgrader.
* [Setup](setup.md), [scaling up](scaling.md) and the [API reference](api.md); dated measurements are on
  the [measurements](measurements.md) page.
"""


def index_page(names: dict[str, str]) -> str:
    """The front page: what the course is, how to start (two commands), the course table, where next.
    Written from the README's sections, its links pointed at the site's pages."""
    readme = _sections((ROOT / "README.md").read_text())
    start = _code_blocks(readme["Quick start"])[0]
    table = "\n".join(line for line in readme["The course"].splitlines() if line.startswith("|"))
    text = (readme[""].rstrip() + "\n\n## Start\n\nInstall the course and run its demo (about 2 minutes on a laptop CPU):\n\n"
            + start + "\n\nThen open the notebooks in Jupyter, or in Colab from the badge at the top of each page:\n\n"
            + "```bash\n.venv/bin/pip install -e \".[notebooks]\" && .venv/bin/jupyter lab notebooks/\n```\n\n"
            + "## The course\n\n" + table + "\n\n" + WHERE_NEXT.format(first=names["00"]))
    text = text.replace("](docs/", "](").replace("](INSTRUCTORS.md)", "](instructors.md)")
    text = "\n".join(_notebook_link(line, names) for line in text.splitlines())
    toc = ["", "```{toctree}", ":hidden:", ":caption: Notebooks", ""] + [f"notebooks/{n}" for n in names.values()]
    toc += ["```", "", "```{toctree}", ":hidden:", ":caption: Reference", "",
            "reference_runs", "theory", "results", "methods", "decisions", "data", "scaling", "setup", "layout",
            "measurements", "known_gaps", "instructors", "notebooks/README", "api", "```", ""]
    return text + "\n".join(toc)


def reference_page(stage: Path) -> str:
    """Every shipped run as a table, and the main methods' kNN over training as a figure."""
    import matplotlib

    matplotlib.use("Agg")
    from ssl_course.studies import reference, reference_plots
    from ssl_course.studies.assets import reference_dir
    from ssl_course.studies.runs import RUNS, markdown_report

    figure = stage / "assets" / "knn_over_training.png"
    axes = reference_plots.plot_curves(reference.load(["simclr", "byol", "simsiam", "simsiam-directpred",
                                                       "simsiam-no-stop-gradient"]),
                                       title="kNN over training (mean ± std over seeds)")
    axes.figure.savefig(figure, dpi=100, bbox_inches="tight")
    return ("# Reference runs\n\nGenerated from `assets/reference_runs/` when the site is built "
            f"({len(RUNS)} runs × their seeds; `python scripts/reference_runs.py --report` prints the same table). "
            "Mean ± std over seeds; ✓: the gain over the same network at random init reaches 0.10 kNN / "
            "0.05 probe and exceeds twice its seed std.\n\n" + markdown_report(reference_dir()) +
            "\n\n## kNN over training\n\nThe curves are a cheap kNN measured during training: k = 200, 2 000 labelled "
            "training images against 1 000 test images, 16 times a run, mean ± std over 3 seeds. The dotted line is the "
            "random init measured the same way. The narrow panel on the right gives each run's final kNN on the full "
            "sets (10 000 against 2 000, the tables' number), which the curves' subset reads lower.\n\n![kNN over training](assets/knn_over_training.png)\n")


def api_page() -> str:
    blocks = [f"## `ssl_course.{m}`\n\n```{{eval-rst}}\n.. automodule:: ssl_course.{m}\n   :members:\n```\n" for m in MODULES]
    return "# API reference\n\nFrom the package's docstrings.\n\n" + "\n".join(blocks)


# The Colab badge, drawn here: the site must not load anything from the network when it is read.
COLAB_BADGE = """<svg xmlns="http://www.w3.org/2000/svg" width="117" height="20" role="img" aria-label="Open in Colab">
<rect width="117" height="20" rx="3" fill="#555"/><rect x="20" width="97" height="20" rx="3" fill="#f9ab00"/>
<circle cx="10" cy="10" r="6" fill="none" stroke="#f9ab00" stroke-width="3"/>
<text x="68" y="14" fill="#fff" font-family="Verdana,sans-serif" font-size="11" text-anchor="middle">Open in Colab</text></svg>
"""
REMOTE_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def reader_cells(cell) -> list:
    """How the site shows one executed cell: an exercise as the learner's task (the student version, no
    output) followed by its solution folded (``hide-input``), without nbgrader's markers; others as they are."""
    import nbformat

    from ssl_course.student import BEGIN, END, strip_solutions

    if cell.cell_type != "code" or BEGIN not in cell.source:
        return [cell]
    task = nbformat.v4.new_code_cell(strip_solutions(cell.source))
    task.metadata["tags"] = ["exercise"]
    solution = nbformat.from_dict(cell)
    solution.source = "\n".join(line for line in cell.source.splitlines() if line.strip() not in (BEGIN, END))
    solution.metadata["tags"] = [*cell.metadata.get("tags", []), "hide-input"]
    return [task, solution]


def offline_copy(source: Path, target: Path) -> None:
    """The executed notebook as the site shows it: the badge drawn locally, exercises as task + folded
    solution, and live widgets (which would load their JavaScript from a CDN) replaced by their text;
    the static figures beside them stay."""
    import nbformat

    notebook = nbformat.read(source, as_version=4)
    notebook.metadata.pop("widgets", None)
    notebook.cells = [shown for cell in notebook.cells for shown in reader_cells(cell)]
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = cell.source.replace(REMOTE_BADGE, "../assets/colab-badge.svg")
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
    nbformat.write(notebook, target)


def stage_sources(stage: Path) -> None:
    """Copy and generate every page into ``stage``."""
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "notebooks").mkdir(parents=True)
    shutil.copytree(ROOT / "assets", stage / "assets", ignore=shutil.ignore_patterns("reference_runs"))
    names = {}
    (stage / "assets" / "colab-badge.svg").write_text(COLAB_BADGE)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        offline_copy(notebook, stage / "notebooks" / notebook.name)
        names[notebook.name[:2]] = notebook.stem
    shutil.copy(ROOT / "notebooks" / "README.md", stage / "notebooks" / "README.md")
    for page in (ROOT / "docs").glob("*.md"):
        (stage / page.name).write_text(page.read_text().replace("](../assets/", "](assets/"))
    (stage / "instructors.md").write_text((ROOT / "INSTRUCTORS.md").read_text())
    (stage / "index.md").write_text(index_page(names))
    (stage / "reference_runs.md").write_text(reference_page(stage))
    (stage / "api.md").write_text(api_page())
    (stage / "conf.py").write_text(CONF)


def build(out: Path, stage: Path | None = None, quiet: bool = True, warnings: Path | None = None) -> int:
    """Build the site into ``out``; Sphinx's warnings and errors also go to ``warnings`` if given."""
    from sphinx.cmd.build import build_main

    stage = stage or ROOT / "build" / "site-src"
    stage_sources(stage)
    return build_main([str(stage), str(out), "-b", "html", "-j", "1"] + (["-q"] if quiet else [])
                      + (["-w", str(warnings)] if warnings is not None else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "site")
    args = parser.parse_args(argv)
    try:
        import myst_nb  # noqa: F401
        import sphinx_book_theme  # noqa: F401
    except ImportError:
        print('build_site: the site needs its extra: pip install -e ".[site]"', file=sys.stderr)
        return 2
    code = build(args.out)
    if code == 0:
        print(f"site built: {args.out / 'index.html'}")
    return code


if __name__ == "__main__":
    sys.exit(main())

"""Figures that show their point: the legend check finds what a legend covers, and every plotting function
of the course draws its legend where it covers no data (on the inputs the notebooks give it)."""
import importlib
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from ssl_course.figures import covered_by_legends, legend_outside  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _legend_at(ax, where):
    return ax.legend(loc=where, fontsize=9)


@pytest.mark.parametrize("draw, kind", [
    (lambda ax: ax.plot([0, 1], [0.5, 0.5], label="a line"), "'a line'"),
    (lambda ax: ax.scatter([0.5], [0.5], label="a point"), "'a point'"),
    (lambda ax: ax.fill_between([0, 1], [0, 0], [1, 1], label="a band"), "'a band'"),
    (lambda ax: ax.bar([0.5], [1.0], width=0.8, label="a bar"), "Rectangle"),
    (lambda ax: ax.imshow(np.zeros((4, 4)), extent=(0, 1, 0, 1)), "AxesImage"),
])
def test_the_check_finds_a_legend_over_each_kind_of_data(draw, kind):
    fig, ax = plt.subplots()
    draw(ax)
    ax.plot([], [], label="legend entry")
    _legend_at(ax, "center")
    found = covered_by_legends(fig)
    assert any(kind in line for line in found), found


def test_the_check_passes_a_legend_that_covers_nothing():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 0.2], label="low line")  # the upper half stays empty
    ax.set_ylim(0, 1)
    _legend_at(ax, "upper center")
    assert covered_by_legends(fig) == []


def test_a_segment_that_crosses_the_legend_between_its_vertices_counts():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="two vertices only")  # none of them under the centred legend
    _legend_at(ax, "center")
    assert covered_by_legends(fig) == ["legend of axes 0 covers 'two vertices only'"]


@pytest.mark.parametrize("where", ["right", "below"])
def test_legend_outside_leaves_the_data_uncovered(where):
    fig, ax = plt.subplots()
    for k in range(4):
        ax.plot(np.linspace(0, 1, 50), np.linspace(0, 1, 50) ** (k + 1), label=f"power {k + 1}")
    legend_outside(ax, where)
    fig.tight_layout()
    assert covered_by_legends(fig) == []
    with pytest.raises(ValueError, match="right' or 'below"):
        legend_outside(ax, "inside")


def _call(module: str, function: str, *args, **kwargs):
    return getattr(importlib.import_module(module), function)(*args, **kwargs)


def _reference(names):
    from ssl_course.studies import reference

    return reference.load(names)


def _figure(drawn):
    if isinstance(drawn, tuple):
        drawn = drawn[0]
    if isinstance(drawn, np.ndarray):
        drawn = drawn.flat[0]
    return drawn if isinstance(drawn, matplotlib.figure.Figure) else drawn.figure


def _monitor_results():
    steps = range(5, 105, 5)
    history = lambda scale: [{"step": s, "loss": -scale * (1 - np.exp(-s / 20)), "effective_rank": 80 * scale / (1 + s / 30),  # noqa: E731
                              "std_of_normalized": 0.088 - 0.001 * scale * np.sin(s)} for s in steps]
    return {name: SimpleNamespace(history=history(scale)) for name, scale in (("SimSiam", 0.7), ("no predictor", 0.9))}


def _eigen_history():
    steps = range(0, 300, 5)
    return [{"step": s, "eigenvalues_F": [(j + 1) * (1 - np.exp(-s / 60)) for j in range(4)],
             "eigenvalues_W_p": [0.2 * (j + 1) ** 0.5 * (1 - np.exp(-s / 80)) for j in range(4)]} for s in steps]


def _wen_li_seed_table():
    from ssl_course.theory.wen_li_phases import seed_table

    return seed_table(range(3), heads=("offdiag", "none"), steps=300)


def _wen_li_histories():
    from ssl_course.theory.wen_li_phases import seed_runs

    runs = seed_runs([100], heads=("offdiag", "none"), steps=300)
    return {head: runs[head][0] for head in runs}


def _study_rows():
    from ssl_course.studies.collapse import study_names, study_rows
    from ssl_course.studies.runs import DATA_SIZES, DATA_WIDTHS

    return study_rows(_reference(study_names(DATA_WIDTHS, DATA_SIZES)))


def _regimes():
    from ssl_course.studies.collapse import REGIMES

    return _reference(list(REGIMES))


def _demo_figure():
    from ssl_course.demo import demo_figure

    history = [{"step": s, "loss": -0.5, "effective_rank": 40.0} for s in range(0, 200, 10)]
    references = {"SimCLR": {"knn": 0.89, "std": 0.01}, "SimSiam": {"knn": 0.62, "std": 0.02}}
    return demo_figure(history, {"knn": 0.55}, references, 0.30, 0.45)


FIGURES = {
    "reference curves, kNN": lambda: _call("ssl_course.studies.reference_plots", "plot_curves",
        _reference(["byol", "simsiam", "simclr"])),
    "reference curves, one axis": lambda: _call("ssl_course.studies.reference_plots", "plot_curves",
        _reference(["simsiam", "simsiam-no-predictor"]), ax=plt.subplots()[1]),
    "reference curves, rank": lambda: _call("ssl_course.studies.reference_plots", "plot_curves",
        _reference(["simsiam", "simsiam-no-stop-gradient", "simsiam-no-predictor"]), key="effective_rank"),
    "reference scores": lambda: _call("ssl_course.studies.reference_plots", "plot_scores",
        _reference(["simsiam", "simsiam-linear", "simsiam-directpred", "simsiam-directcopy"])),
    "monitors": lambda: _call("ssl_course.course", "plot_monitors", _monitor_results()),
    "eigenvalues over training": lambda: _call("ssl_course.course", "plot_eigenvalues_over_training",
        _eigen_history()),
    "accuracies": lambda: _call("ssl_course.course", "plot_accuracies",
        {"random init": 0.3, "trained": 0.95, "pixels": 0.5}),
    "phase portrait": lambda: _call("ssl_course.theory.linear_plots", "plot_phase_portrait", ),
    "explorer cases": lambda: _call("ssl_course.theory.linear_plots", "plot_explorer_cases", ),
    "explorer": lambda: _call("ssl_course.theory.linear_plots", "plot_explorer", ),
    "outcome map": lambda: _call("ssl_course.theory.wen_li_plots", "plot_outcome_map",
        _call("ssl_course.theory.wen_li_phases", "outcome_map",
            np.linspace(0.25, 2.0, 4), np.linspace(0.25, 2.0, 4), steps=300)),
    "seed view": lambda: _call("ssl_course.theory.wen_li_plots", "plot_seed_view",
        _wen_li_seed_table(), steps=300),
    "phases": lambda: _call("ssl_course.theory.wen_li_plots", "plot_phases", _wen_li_histories()),
    "data study": lambda: _call("ssl_course.studies.collapse_plots", "plot_data_study", _study_rows()),
    "fitting": lambda: _call("ssl_course.studies.collapse_plots", "plot_fitting", _study_rows()),
    "forecast": lambda: _call("ssl_course.studies.collapse_plots", "plot_forecast", _study_rows(), 16),
    "regimes": lambda: _call("ssl_course.studies.collapse_plots", "plot_regimes", _regimes()),
    "demo": _demo_figure,
}


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_no_legend_of_the_course_covers_its_data(name):
    fig = _figure(FIGURES[name]())
    assert covered_by_legends(fig) == [], name


def _legend_calls(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if re.search(r"\.legend\(", line) and "legend_outside" not in line
            and not re.search(r"\bfig(ure)?\.legend\(", line) and ".legend().remove()" not in line]


def test_every_legend_in_the_package_and_the_notebooks_is_placed_outside_the_data():
    """A legend placed any other way is not checked by the test above (a notebook's inline figure is not
    drawn by the tests), so none may be: ``legend_outside``, a figure legend under the panels, or none."""
    sources = [*sorted((ROOT / "ssl_course").rglob("*.py")), *sorted((ROOT / "notebooks" / "py").glob("*.py"))]
    found = {str(path.relative_to(ROOT)): calls for path in sources if path.name != "figures.py"
             for calls in [_legend_calls(path.read_text())] if calls}
    assert found == {}

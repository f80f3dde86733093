"""Figures that show their point: a legend placed where it covers no data, and the check that finds one that does.

A legend drawn inside the axes hides whatever lies under it, and ``loc="best"`` only picks the least bad
corner. The course's plots put their legends beside the axes (``legend_outside``), and the tests run
every plotting function through ``covered_by_legends``, which looks at the drawn figure in display
coordinates: points of lines (sampled along each segment), scatter markers, filled bands, bars and
images that fall inside a legend's box.

Example:
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1], label="y = x")
    >>> _ = ax.legend(loc="center")
    >>> covered_by_legends(fig)
    ["legend of axes 0 covers 'y = x'"]
    >>> _ = legend_outside(ax)
    >>> covered_by_legends(fig)
    []
"""
from __future__ import annotations

import numpy as np

SAMPLES_PER_SEGMENT = 16  # a segment that crosses a legend without a vertex inside it still covers data


def legend_outside(ax, where: str = "right", **kwargs):
    """The axes' legend beside it (``"right"``) or under it (``"below"``), never over its data."""
    if where not in ("right", "below"):
        raise ValueError(f"where must be 'right' or 'below', got {where!r}")
    kwargs.setdefault("fontsize", 9)
    if where == "right":
        return ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, **kwargs)
    handles, _ = ax.get_legend_handles_labels()
    kwargs.setdefault("ncol", max(1, min(len(handles), 3)))
    return ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), borderaxespad=0, **kwargs)


def _densified(points: np.ndarray) -> np.ndarray:
    """Points sampled along a polyline, so that crossing a box counts even between vertices."""
    points = points[np.isfinite(points).all(1)]
    if len(points) < 2:
        return points
    t = np.linspace(0, 1, SAMPLES_PER_SEGMENT, endpoint=False)[None, :, None]
    along = points[:-1, None, :] + t * (points[1:, None, :] - points[:-1, None, :])
    return np.concatenate([along.reshape(-1, 2), points[-1:]])


def _inside(points: np.ndarray, box) -> int:
    if len(points) == 0:
        return 0
    x, y = points[:, 0], points[:, 1]
    return int(((x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)).sum())


def _overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _shown(points: np.ndarray, ax) -> np.ndarray:
    """Only the points inside the axes are drawn; what lies beyond its limits cannot be covered."""
    box = ax.bbox
    keep = (points[:, 0] >= box.x0) & (points[:, 0] <= box.x1) & (points[:, 1] >= box.y0) & (points[:, 1] <= box.y1)
    return points[keep]


def _covered(artist, box, ax, renderer) -> bool:
    from matplotlib.collections import Collection, PathCollection, PolyCollection
    from matplotlib.image import AxesImage
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    if isinstance(artist, Line2D):
        points = artist.get_transform().transform(np.asarray(artist.get_xydata(), dtype=float))
        return _inside(_shown(_densified(points) if artist.get_linestyle() not in ("None", "") else points, ax), box) > 0
    if isinstance(artist, PathCollection):  # scatter: one marker drawn at each offset
        shown = artist.get_offset_transform().transform(np.asarray(artist.get_offsets(), dtype=float))
        return _inside(_shown(shown, ax), box) > 0
    if isinstance(artist, Collection):  # bands, error bars, streamlines: paths in data coordinates
        transform, centre = artist.get_transform(), ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
        return any(_inside(_shown(_densified(transform.transform(path.vertices)), ax), box) > 0
                   or isinstance(artist, PolyCollection) and path.transformed(transform).contains_point(centre)
                   for path in artist.get_paths() if len(path.vertices))
    if isinstance(artist, Rectangle):
        return _overlap(artist.get_window_extent(renderer), box)
    if isinstance(artist, AxesImage):
        return _overlap(artist.get_window_extent(renderer), box)
    return False


def _name(artist) -> str:
    label = artist.get_label() or ""
    return repr(label) if label and not label.startswith("_") else type(artist).__name__


def covered_by_legends(fig) -> list[str]:
    """What each legend of ``fig`` covers: one line per (legend, covered artist); empty when nothing is."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    legends = [(f"axes {i}", ax.get_legend(), ax) for i, ax in enumerate(fig.axes) if ax.get_legend()]
    legends += [("the figure", legend, None) for legend in fig.legends]
    found = []
    for where, legend, owner in legends:
        box = legend.get_window_extent(renderer)
        for ax in fig.axes:
            if not _overlap(ax.bbox, box):
                continue
            artists = [*ax.lines, *ax.collections, *ax.patches, *ax.images]
            for artist in artists:
                if artist.get_visible() and _covered(artist, box, ax, renderer):
                    found.append(f"legend of {where} covers {_name(artist)}"
                                 + ("" if owner is ax or owner is None and len(fig.axes) == 1 else f" in axes {fig.axes.index(ax)}"))
    return sorted(set(found))

"""plotly figure builders: pure functions, data in, figure out.

The colour table, the layout and the plotly config live once, in :mod:`dtwcore.plots._style`,
so the same thing has the same colour on every chart; the names below are its public face.
"""

from dtwcore.plots._style import (
    ACCENT_COLOR,
    OTHER_COLOR,
    PATH_COLOR,
    PLOT_CONFIG,
    REFERENCE_COLOR,
    SELECTED_COLOR,
    SERIES_COLORS,
    SHAPE_COLOR,
    TARGET_COLOR,
)

__all__ = [
    "ACCENT_COLOR",
    "OTHER_COLOR",
    "PATH_COLOR",
    "PLOT_CONFIG",
    "REFERENCE_COLOR",
    "SELECTED_COLOR",
    "SERIES_COLORS",
    "SHAPE_COLOR",
    "TARGET_COLOR",
]

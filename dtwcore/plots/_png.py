"""PNG figures for run artifacts: matplotlib on an Agg canvas (no pyplot, no display)."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def png_figure(width: float, height: float) -> Figure:
    """An empty figure of ``width`` × ``height`` inches at 100 dpi, on its own canvas."""
    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """``fig`` laid out tight and written as PNG."""
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()

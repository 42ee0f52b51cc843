"""plotly figure builders: pure functions, data in, figure out.

Colours live here once, so the same thing has the same colour on every chart.
"""

TARGET_COLOR = "#1f77b4"  # the target / capacity curve, templates
SELECTED_COLOR = "#d62728"  # the selected product or clip
OTHER_COLOR = "#7f7f7f"  # everything else
ACCENT_COLOR = "#2ca02c"  # shortlist, matches
PATH_COLOR = "#ff7f0e"  # warping path and connectors

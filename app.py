"""DTW Match: page navigation, the home page and the sidebar's data summary.

Start it with ``python app.py [streamlit options]`` (``streamlit run app.py`` works too,
without the warm-up and the deep-link fix of :mod:`pages.common.startup`).
"""

import sys
from pathlib import Path

import streamlit as st
from streamlit import runtime

if __name__ == "__main__" and not runtime.exists():
    from pages.common.startup import serve

    serve(Path(__file__).resolve(), sys.argv[1:])

from pages.common.data_sidebar import dataset_summary
from pages.common.layout import apply_layout
from pages.common.page_end import page_run
from pages.common.tracking_panel import render_store_status

st.set_page_config(page_title="DTW Match", page_icon=":material/timeline:", layout="wide")

SALES = st.Page(
    "pages/sales_trends.py",
    title="Sales Trends",
    icon=":material/trending_up:",
    url_path="sales-trends",
)
MIX = st.Page(
    "pages/product_mix.py",
    title="Product Mix",
    icon=":material/factory:",
    url_path="product-mix",
)
AUDIO = st.Page(
    "pages/audio_match.py",
    title="Audio Match",
    icon=":material/graphic_eq:",
    url_path="audio-match",
)
SHAPES = st.Page(
    "pages/demand_shapes.py",
    title="Demand Shapes",
    icon=":material/stacked_line_chart:",
    url_path="demand-shapes",
)
EXPERIMENTS = st.Page(
    "pages/experiment_runs.py",
    title="Experiments",
    icon=":material/science:",
    url_path="experiments",
)


def home() -> None:
    """What the tool does, in plain words, and where to go."""
    st.title("DTW Match", anchor=False)
    st.markdown(
        "Find time series that are **alike but out of step**. Two sales curves can have the "
        "same ups and downs while one runs a week or two behind the other; a week-by-week "
        "comparison calls them different. **Dynamic time warping (DTW)** lets each week be "
        "matched with a nearby week first, then measures the distance, so curves with the "
        "same shape come out close."
    )
    st.page_link(
        SALES,
        label="Sales Trends: which products' weekly sales follow your production capacity",
        icon=":material/trending_up:",
    )
    st.caption(
        "Upload last year's weekly sales per product (or use the demo data), set the "
        "capacity curve and the stretch factor, and get the closest products, a shortlist "
        "with similar volume, and the outliers, ready to download."
    )
    st.page_link(
        MIX,
        label="Product Mix: which products keep the line busy, week by week",
        icon=":material/factory:",
    )
    st.caption(
        "Choose the products whose demand fills the capacity best, built on time or a few "
        "weeks ahead, with pins and a maximum number of products."
    )
    st.page_link(
        SHAPES,
        label="Demand Shapes: the shapes of demand in your catalogue, and analogues for a "
        "new product",
        icon=":material/stacked_line_chart:",
    )
    st.caption(
        "Group products by the shape of their sales, use a shape as the target, and "
        "forecast a new product from the products that started like it."
    )
    st.page_link(
        AUDIO,
        label="Audio Match: recognise a spoken phrase, said fast or slow",
        icon=":material/graphic_eq:",
    )
    st.caption("Compare recordings and try a wake word from the microphone.")
    st.page_link(
        EXPERIMENTS,
        label="Experiments: compare logged analyses side by side",
        icon=":material/science:",
    )
    st.caption("Every analysis logged to MLflow, its settings, figures and results.")


page = st.navigation(
    [
        st.Page(home, title="Home", icon=":material/home:", default=True),
        SALES,
        MIX,
        SHAPES,
        AUDIO,
        EXPERIMENTS,
    ]
)
apply_layout()
summary = st.sidebar.container()
try:
    with page_run():
        page.run()
finally:
    with summary:
        dataset_summary()
        render_store_status()

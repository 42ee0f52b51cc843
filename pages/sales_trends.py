"""Sales Trends: which products' weekly sales follow the production capacity.

Reads top to bottom like the analysis: data and target, controls, scores, the selected
product, the shortlist, outliers, downloads. DTW maths and file parsing live in
``dtwcore``; cached calls and sidebar sections in ``pages/common/sales_*.py``.
"""

import numpy as np
import pandas as pd
import streamlit as st

from dtwcore.plots import PLOT_CONFIG
from dtwcore.plots.sales import (
    cost_heatmap,
    distance_histogram,
    overlay_figure,
    shortlist_scatter,
)
from dtwcore.sales import (
    QUANTILE,
    QUANTILE_RULE,
    VOLUME_BAND,
    ZSCORE_RULE,
    ZSCORE_THRESHOLD,
    distance_cut,
    quantile_outliers,
    shortlist,
    zscore_outliers,
)
from dtwcore.sales.export import download_name
from dtwcore.sales.target import PUBLISHED_NAME, curve_label, product_spec
from dtwcore.sales.units import Unit
from dtwcore.sales.window import coverage_problem, nonpositive, nonpositive_note
from pages.common import labels, selection, session, url_state
from pages.common import sales_data as data
from pages.common.page_end import end_page
from pages.common.sales_inputs import read_inputs
from pages.common.sales_views import PRODUCT, download, info_table, md, plot_text, product_table
from pages.common.tracking_panel import render_log_panel

st.title("Sales Trends", anchor=False)
st.caption(
    "Which products' weekly sales follow the production capacity, even when they run a "
    "few weeks early or late? Dynamic time warping (DTW) lines the weeks up first, then "
    "measures how far apart the two curves are."
)

# --------------------------------------------------------------------------- inputs
url_state.read_address()
inputs = read_inputs(weeks=True)
catalog, target, unit, target_of = inputs.catalog, inputs.target, inputs.unit, inputs.target_of
file_products, file_weeks = catalog.values.shape  # as read, for the sidebar's data line
target_name = st.session_state[data.TARGET_NAME]
# A product of the file chosen as the target would rank first at distance 0: leave it out.
if target_of is not None:
    catalog = catalog.without(target_of)
    target_label = f"Target: {target_of} (its own sales)"
    target_words = product_spec(target_of).label
else:
    target_label = f"Target: {target_name}"
    target_words = st.session_state.get(data.TARGET_LABEL) or curve_label(target)
# The published capacity is a units curve whatever the file holds; other targets are
# in the file's values.
target_unit = Unit() if target_name == PUBLISHED_NAME else unit

st.sidebar.subheader("Matching")
window = data.weeks_slider(catalog, target.size)
catalog = catalog.window(window)
coverage = coverage_problem(window.size, target.size)
keep_all = st.sidebar.toggle(
    "Rank products that sold nothing net",
    key=session.SALES_KEEP_NONPOSITIVE,
    persist_state="session",
    help="Off (default): products whose net units over the weeks compared are 0 or less "
    "(returns only, discounts, postage) are left out of the ranking and listed above it.",
)
dropped = nonpositive(catalog.values)
left_out = [str(p) for p in catalog.ids[dropped]]
if not keep_all and dropped.size:
    catalog = catalog.without_rows(dropped)
stretch = data.stretch_slider(
    session.SALES_STRETCH,
    persist_state="session",
    help="How far in time a week's sales may be moved to line up with the target, as a "
    "share of the target's length. 0 compares week 1 with week 1 only; 0.05 on 52 weeks "
    "lets a sale move up to 2 weeks earlier or later.",
)
shift = data.weeks_of_shift(target.size, stretch)
band, band_sentence = labels.band_words(target.size, catalog.values.shape[1], shift)
st.sidebar.caption(f"**= {band}**: {band_sentence}")
znorm = st.sidebar.toggle(
    "Compare shapes only (z-normalise)",
    value=True,
    key=session.SALES_ZNORM,
    persist_state="session",
    help="On: every curve is rescaled to average 0 and spread 1, so only the ups and downs "
    "count, not how much is sold. Off: units are compared as they are, so big sellers "
    "look far from a small target.",
)
low, high = st.sidebar.slider(
    "Volume band for the shortlist",
    min_value=session.BAND_RANGE.low,
    max_value=session.BAND_RANGE.high,
    value=VOLUME_BAND,
    step=session.BAND_RANGE.step,
    format="%.2f",
    key=session.SALES_BAND,
    persist_state="session",
    help="The shortlist keeps products whose mean weekly units are within this share of "
    "the target's mean: 0.80 to 1.20 means 80 % to 120 % of the capacity.",
)
target_mean = float(target.mean())
st.sidebar.caption(
    f"= {target_unit.amount(low * target_mean)} to {target_unit.per_week(high * target_mean)} "
    f"(target mean {target_unit.amount(target_mean)})"
)
top_n = int(
    st.sidebar.number_input(
        "Products per table",
        min_value=int(session.TOP_N_RANGE.low),
        max_value=int(session.TOP_N_RANGE.high),
        value=session.TOP_N_DEFAULT,
        step=int(session.TOP_N_RANGE.step),
        key=session.SALES_TOP_N,
        persist_state="session",
        help="How many of the closest and of the farthest products to list.",
    )
)

# --------------------------------------------------------------------------- scores
if coverage is not None:
    st.warning(md(coverage), icon=":material/warning:")
if left_out and not keep_all:
    with st.expander(md(nonpositive_note(left_out, window)), icon=":material/block:"):
        st.caption(
            "Put them back with *Rank products that sold nothing net* in the sidebar. "
            "All of them: " + ", ".join(md(p) for p in left_out)
        )
n_products, n_weeks = catalog.values.shape
if n_products == 0:
    st.error(
        "No product is left to rank: every product sold nothing net over the weeks "
        "compared. Choose other weeks, or rank them anyway (sidebar).",
        icon=":material/error:",
    )
    session.set_sales_analysis(None)
    end_page()
key = catalog.content_hash
target_key = tuple(float(v) for v in target)
with st.spinner(f"Comparing {n_products:,} products with the target…"):
    scores = data.scores(key, catalog, target_key, stretch, znorm)
ranked = scores.sort_values("rank")
median = float(np.median(scores["distance"]))
best, worst = ranked.iloc[0], ranked.iloc[-1]
picks = shortlist(scores, low, high)
cut = distance_cut(scores)

ids = catalog.ids.tolist()
chosen = selection.current(scores, fallback=str(best["product"]))
selected = chosen.product
row = scores.iloc[chosen.index]
url_state.write_address(
    stretch=stretch,
    znorm=znorm,
    band=(low, high),
    top_n=top_n,
    product=selected,
    target=url_state.target_param(target, catalog, target_of),
    weeks=window.spec(),
)

if data.is_demo():
    st.info(
        f"You are looking at **made-up demo data** ({n_products:,} products × {n_weeks} "
        "weeks). Upload your own weekly sales in the sidebar.",
        icon=":material/science:",
    )
if len(catalog.excluded):
    n_out = len(catalog.excluded)
    st.warning(
        f"{n_out} row{'s' if n_out != 1 else ''} of {md(catalog.name)} could not be used and "
        f"{'are' if n_out != 1 else 'is'} left out. The list below says why.",
        icon=":material/warning:",
    )
    with st.expander(f"Rows left out ({n_out})"):
        st.dataframe(
            catalog.excluded,
            hide_index=True,
            column_config={
                "row": st.column_config.NumberColumn(
                    "Row", format="%d", help="As a spreadsheet numbers it: the header is row 1"
                ),
                "product": "Product",
                "reason": st.column_config.TextColumn("What is wrong", width="large"),
            },
        )
        download(
            catalog.excluded,
            "Download the rows left out",
            "rows_left_out.csv",
            key="sales.dl_excluded",
            help="Row numbers and reasons, to fix the file.",
        )
if znorm and float(np.ptp(target)) == 0.0:
    st.warning(
        "The target is flat (the same every week). Compared as shapes, every product is "
        "equally far from a flat line, so the ranking means nothing. Turn off *Compare "
        "shapes only* in the sidebar to compare units, or change the target.",
        icon=":material/warning:",
    )
for note in catalog.notes:
    st.caption(md(note))
if target_of is not None:
    st.info(
        f"The target is **{md(target_of)}**'s own sales, so {md(target_of)} is left out of "
        f"the ranking: the {n_products:,} other products are compared with it.",
        icon=":material/flag:",
    )

# --------------------------------------------------------------------------- overview
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Products analysed",
    f"{n_products:,}",
    delta=f"{n_weeks:,} of {target.size:,} weeks" if coverage is not None else None,
    delta_color="inverse",
    delta_arrow="off",
    border=True,
    help=f"{n_weeks:,} weeks each ({md(catalog.weeks[0])} to {md(catalog.weeks[-1])}), "
    f"from {md(catalog.name)}.",
)
m2.metric(
    "Median distance",
    f"{median:.2f}",
    border=True,
    help="Half of the products are closer to the target than this.",
)
m3.metric(
    "Best match",
    str(best["product"]),
    delta=f"distance {best['distance']:.2f}",
    delta_color="off",
    delta_arrow="off",
    border=True,
    help="The product closest to the target, with its DTW distance.",
)
m4.metric(
    "Shortlist (products)",
    f"{len(picks):,}",
    border=True,
    help="Similar shape (distance at most the median) and similar volume (in the band).",
)
st.markdown(
    (
        f"**Incomplete: {n_weeks:,} of the target's {target.size:,} weeks.** "
        if coverage is not None
        else ""
    )
    + f"Closest to the target: **{md(best['product'])}** (distance {best['distance']:.2f}). "
    f"Farthest: **{md(worst['product'])}** ({worst['distance']:.2f}). Stretch factor "
    f"{stretch:.3f} = {band}; "
    + ("shapes compared (z-normalised)." if znorm else "units compared as they are.")
)

left, right = st.columns([4, 5], gap="medium")
with left:
    histogram_key = f"sales.histogram.{selected}"
    st.plotly_chart(
        distance_histogram(
            scores["distance"].to_numpy(),
            median=median,
            selected=(plot_text(selected), chosen.distance),
            products=[plot_text(p) for p in scores["product"]],
        ),
        config=PLOT_CONFIG,
        key=histogram_key,
        on_select=selection.on_histogram_select(histogram_key, scores),
        selection_mode="points",
    )
with right:
    tab_close, tab_far = st.tabs([f"Closest {top_n}", f"Farthest {top_n}"])
    with tab_close:
        product_table(ranked.head(top_n), key="sales.closest", selected=selected, unit=unit)
    with tab_far:
        product_table(
            ranked.tail(top_n).iloc[::-1], key="sales.farthest", selected=selected, unit=unit
        )
    st.caption("Click a row, or a bar of the histogram, to look at that product below.")

# --------------------------------------------------------------------------- one product
st.subheader("Selected product", anchor=False)
p1, p2 = st.columns([1, 2], vertical_alignment="bottom")
p1.selectbox(
    "Product",
    ids,
    key=PRODUCT,
    persist_state="session",
    help="Pick any product, or click a row in a table, a bar or a point of a chart.",
)
p2.markdown(
    f"**{md(selected)}** · rank **{chosen.rank:,} of {chosen.of:,}** · distance "
    f"{chosen.distance:.2f}"
)
product = catalog.values[chosen.index]
path, acc_cost = data.path_and_cost(target_key, tuple(product), stretch, znorm)
stacked = st.toggle(
    "Draw the curves one above the other",
    key="sales.stacked",
    persist_state="session",
    help="Separates the two curves so that the lines between matched weeks are easier "
    "to follow, as in the published figure.",
)
c1, c2 = st.columns(2, gap="medium")
with c1:
    st.plotly_chart(
        overlay_figure(
            target,
            product,
            path,
            product_id=plot_text(selected),
            znorm=znorm,
            stacked=stacked,
            target_name=plot_text(target_label),
            value_name=unit.axis,
            dates=labels.week_dates(catalog),
        ),
        config=PLOT_CONFIG,
        key="sales.overlay",
    )
    st.caption(
        "Orange lines join the weeks DTW matched. A slanted line means a sale was moved "
        f"in time ({band} at this stretch factor)."
    )
with c2:
    st.plotly_chart(
        cost_heatmap(
            acc_cost, path, product_id=plot_text(selected), dates=labels.week_dates(catalog)
        ),
        config=PLOT_CONFIG,
        key="sales.heatmap",
    )
    st.caption(
        "Where the orange path leaves the dotted diagonal, the product runs ahead of or "
        "behind the target. Blank cells are outside the stretch band."
    )

eu = data.euclidean(key, catalog, target_key, znorm)
st.markdown("**DTW versus a plain week-by-week comparison (Euclidean distance)**")
if isinstance(eu, str):
    st.info(f"No Euclidean comparison: {md(eu)}", icon=":material/info:")
else:
    eu_dist, eu_rank = eu
    i = chosen.index
    st.table(
        pd.DataFrame(
            {
                "Distance": [f"{row['distance']:.2f}", f"{eu_dist[i]:.2f}"],
                "Rank": [
                    f"{int(row['rank']):,} of {n_products:,}",
                    f"{int(eu_rank[i]):,} of {n_products:,}",
                ],
            },
            index=pd.Index([f"DTW (±{shift} weeks)", "Euclidean (no shifting)"], name="Method"),
        )
    )
    moved = int(eu_rank[i]) - int(row["rank"])
    if moved > 0:
        st.caption(
            f"Allowing sales to shift moves {md(selected)} up {moved:,} places: part of its "
            "distance came from weeks a little early or late."
        )
    elif moved < 0:
        st.caption(f"{md(selected)} ranks {-moved:,} places higher when nothing may shift.")

# --------------------------------------------------------------------------- shortlist
st.subheader("Shortlist: similar shape and similar volume", anchor=False)
st.caption(
    f"Products at or below the median distance ({cut:.2f}) whose mean weekly "
    f"{unit.word} are {low:.0%} to {high:.0%} of the target's "
    f"({target_unit.amount(low * target_mean)} to "
    f"{target_unit.per_week(high * target_mean)})."
)
s1, s2 = st.columns([4, 5], gap="medium")
with s1:
    scatter_key = f"sales.scatter.{selected}"
    st.plotly_chart(
        shortlist_scatter(
            scores.assign(product=scores["product"].map(plot_text)),
            target_mean=target_mean,
            low=low,
            high=high,
            cut=cut,
            shortlisted=picks["product"].map(plot_text).tolist(),
            selected=plot_text(selected),
            per_week=f"{unit.symbol or unit.word}/week",
            value_word=f"{unit.word} ({unit.symbol})" if unit.symbol else "units sold",
        ),
        config=PLOT_CONFIG,
        key=scatter_key,
        on_select=selection.on_scatter_select(
            scatter_key, {plot_text(p): p for p in scores["product"]}
        ),
        selection_mode="points",
    )
    st.caption("Click a point to look at that product above.")
with s2:
    st.markdown(f"**{len(picks)} products on the shortlist** · click a row to look at it")
    if target_mean <= 0:
        st.info(
            "The target's mean is 0 or less, so there is no volume to compare with. The "
            "shortlist needs a target with a positive mean.",
            icon=":material/info:",
        )
    elif picks.empty:
        st.info(
            "No product is both close in shape and in the volume band. Widen the volume "
            "band in the sidebar.",
            icon=":material/info:",
        )
    else:
        product_table(picks, key="sales.shortlist", selected=selected, unit=unit)
    download(
        picks,
        "Download the shortlist (CSV)",
        download_name("shortlist", catalog.name, stretch, target=target_words),
        key="sales.dl_shortlist_top",
        help="Exact numbers, one row per shortlisted product.",
    )

# --------------------------------------------------------------------------- outliers
st.subheader("Trending with the target (outliers)", anchor=False)
by_z = zscore_outliers(scores)
by_q = quantile_outliers(scores)
tab_z, tab_q = st.tabs(
    [
        f"Z-score {ZSCORE_THRESHOLD:g} or lower ({len(by_z)})",
        f"Closest {QUANTILE:.0%} of all products ({len(by_q)})",
    ]
)
with tab_z:
    st.caption(
        f"{len(by_z)} products unusually close to the target: {ZSCORE_RULE}, i.e. at least "
        f"{-ZSCORE_THRESHOLD:g} standard deviations below the average distance."
    )
    if not by_z.empty:
        info_table(by_z, unit=unit)
    download(
        by_z,
        "Download (CSV)",
        download_name("outliers_zscore", catalog.name, stretch, target=target_words),
        key="sales.dl_z",
        help=f"Products with {ZSCORE_RULE}, unrounded.",
    )
with tab_q:
    st.caption(
        f"{len(by_q)} products with {QUANTILE_RULE} (at or below the {QUANTILE:.0%} quantile)."
    )
    info_table(by_q, unit=unit)
    download(
        by_q,
        "Download (CSV)",
        download_name("outliers_quantile", catalog.name, stretch, target=target_words),
        key="sales.dl_q",
        help=f"Products with {QUANTILE_RULE}, unrounded.",
    )

# --------------------------------------------------------------------------- downloads
st.subheader("Downloads", anchor=False)
d1, d2, _ = st.columns([1, 1, 2])
with d1:
    download(
        scores.sort_values("rank"),
        "All scores (CSV)",
        download_name("scores", catalog.name, stretch, target=target_words),
        key="sales.dl_scores",
        help="Every product's distance, rank, z-score, mean weekly units and volume ratio, "
        "unrounded.",
    )
with d2:
    download(
        picks,
        "Shortlist (CSV)",
        download_name("shortlist", catalog.name, stretch, target=target_words),
        key="sales.dl_shortlist",
        help="The shortlisted products, unrounded.",
    )

# The current analysis, for the Experiments page and the MLflow logging panel.
analysis = session.SalesAnalysis(
    catalog,
    target,
    float(stretch),
    bool(znorm),
    scores,
    target_label=target_words,
    file_shape=(file_products, file_weeks),
)
session.set_sales_analysis(analysis)

# Log the current analysis, or a sweep over stretch factors, to MLflow.
render_log_panel(analysis)

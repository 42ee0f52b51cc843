"""Demand Shapes: which shapes of demand the catalogue holds, and analogues for a new product.

Reads top to bottom: data (the same sidebar as Sales Trends), the shapes as small
multiples, the chosen shape's members, then the "New product" tab with its analogues,
forecast fan and the catalogue's backtest. Clustering, analogues and figures live in
``dtwcore``; cached calls in ``pages/common/shapes_data.py``.
"""

import numpy as np
import pandas as pd
import streamlit as st

from dtwcore.plots import PLOT_CONFIG
from dtwcore.plots.shapes import (
    METHOD_LABELS,
    analogues_figure,
    backtest_figure,
    members_figure,
    shapes_grid,
)
from dtwcore.runs.shapes import log_clustering
from dtwcore.sales import PAGE_LIMITS, CatalogError, parse_target
from dtwcore.sales.target import product_spec, shape_label
from dtwcore.shapes import AUTO_K, DEFAULT_ANALOGUES, MIN_KNOWN
from dtwcore.shapes.clustering import assignments, compared_curves
from pages.common import sales_data as data
from pages.common import session, shapes_data, url_state
from pages.common.page_end import end_page
from pages.common.sales_views import download, md, plot_text
from pages.common.selection import clicked_data
from pages.common.tracking_panel import log_section

# The chosen shape, from 0: the radio's value, which the heading, the members, the small
# multiples and "Use this shape as the target" all read.
PICK = "shapes.pick"
PICK_OF = "shapes.pick_of"  # the clustering's inputs (file, k, stretch, z-norm) of the pick
NEW_WEEKS = "shapes.new_known"
NEW_VERSION = "shapes.new_version"
EXAMPLE_WEEKS = 8
MAX_OVERLAY = 60  # members drawn in the overlay (the closest to the medoid)

st.title("Demand Shapes", anchor=False)
st.caption(
    "Which shapes of demand does the catalogue hold, and which products follow each? "
    "Products are grouped by DTW distance (k-medoids): each shape is stood for by a real "
    "product, its medoid, and drawn as the average of its members lined up on the "
    "medoid's weeks."
)

# --------------------------------------------------------------------------- inputs
url_state.read_shapes_address(
    {
        "k": session.SHAPES_K,
        "stretch": session.SHAPES_STRETCH,
        "znorm": session.SHAPES_ZNORM,
        "shape": PICK,
    },
    AUTO_K,
)
catalog = data.data_sidebar()
url_state.show_problems()
if catalog is None:
    end_page()

st.sidebar.subheader("Shapes")
k_choice = st.sidebar.selectbox(
    "Number of shapes",
    ["auto", *range(AUTO_K[0], AUTO_K[1] + 1)],
    key=session.SHAPES_K,
    persist_state="session",
    help=f"'auto' tries {AUTO_K[0]} to {AUTO_K[1]} shapes and keeps the number whose "
    "products sit most clearly in their own shape (the best mean silhouette).",
)
stretch = data.stretch_slider(
    session.SHAPES_STRETCH,
    persist_state="session",
    help="How far in time a week's sales may be moved to line two products up, as a share "
    "of the year: 0.05 on 52 weeks lets a sale move up to 2 weeks.",
)
znorm = st.sidebar.toggle(
    "Compare shapes only (z-normalise)",
    value=True,
    key=session.SHAPES_ZNORM,
    persist_state="session",
    help="On: only the ups and downs count, not how much is sold. Off: units are compared "
    "as they are, so big sellers form shapes of their own.",
)

n_products, n_weeks = catalog.values.shape
if n_products < 3:
    st.error(
        f"{md(catalog.name)} has {n_products} product(s); finding shapes needs at least 3.",
        icon=":material/error:",
    )
    end_page()
if data.is_demo():
    st.info(
        f"You are looking at **made-up demo data** ({n_products:,} products × {n_weeks} "
        "weeks). Upload your own weekly sales in the sidebar.",
        icon=":material/science:",
    )

key = catalog.content_hash
unit = data.values_unit(catalog)  # units, or money in a currency
k = None if k_choice == "auto" else int(k_choice)
if k is not None and k >= n_products:
    st.error(f"Choose fewer than {n_products} shapes for {n_products} products.")
    end_page()
ids = catalog.ids.astype(str)

tab_shapes, tab_new = st.tabs(["Shapes", "New product"])

# --------------------------------------------------------------------------- shapes
with tab_shapes:
    with st.spinner(f"Finding the shapes of {n_products:,} products…"):
        result = shapes_data.clustering(key, catalog, k, stretch, znorm)
    table = assignments(ids, result)
    medoid_curves = compared_curves(catalog.values[result.medoids], znorm)

    m1, m2, m3 = st.columns(3)
    m1.metric(
        "Shapes",
        f"{result.k}",
        border=True,
        help=f"Chosen by silhouette; the runner-up was {result.runner_up}."
        if result.k_scores
        else "As chosen in the sidebar.",
    )
    m2.metric(
        "Mean silhouette",
        f"{result.mean_silhouette:.2f}",
        border=True,
        help="From -1 to 1: how much closer products are to their own shape than to the "
        "next one. Above 0.25 the shapes are distinct; near 0 they blend into each other.",
    )
    m3.metric("Products", f"{n_products:,}", border=True, help=f"From {md(catalog.name)}.")
    if result.k_scores:
        scores = ", ".join(f"{kk}: {s:.2f}" for kk, s in result.k_scores.items())
        st.caption(f"Mean silhouette for each number of shapes tried: {scores}.")

    # A new clustering re-sends the pick to the radio (shape 1 when it no longer exists):
    # the browser's radio keeps its own state when its options change and would otherwise
    # show no shape, or another one, beside a heading that names the pick.
    drawn_from = (key, k, stretch, znorm)
    pick = st.session_state.get(PICK)
    if st.session_state.get(PICK_OF) != drawn_from or pick not in range(result.k):
        st.session_state[PICK] = pick if pick in range(result.k) else 0
        st.session_state[PICK_OF] = drawn_from

    def _clicked() -> None:
        shape = clicked_data(session.SHAPES_GRID)  # the clicked point's shape, from shapes_grid
        if shape:
            st.session_state[PICK] = int(shape[0])

    titles = [
        f"Shape {c + 1}: {int(n):,} products<br>medoid {plot_text(ids[m])}"
        for c, (n, m) in enumerate(zip(result.sizes, result.medoids, strict=True))
    ]
    st.plotly_chart(
        shapes_grid(
            result.average,
            result.band,
            medoid_curves,
            titles,
            znorm=znorm,
            selected=st.session_state[PICK],
            unit=unit,
        ),
        config=PLOT_CONFIG,
        key=session.SHAPES_GRID,
        on_select=_clicked,
        selection_mode="points",
    )
    st.caption(
        "Each panel: the shape's average (line), its medoid (dotted) and the middle 80 % of "
        "its members (grey band). Click a panel, or choose a shape below."
    )

    shape = st.radio(
        "Shape",
        list(range(result.k)),
        key=PICK,
        horizontal=True,
        format_func=lambda c: f"Shape {c + 1} ({int(result.sizes[c]):,})",
    )
    url_state.write_shapes_address(k=k_choice, stretch=stretch, znorm=znorm, shape=shape)
    members = table[table["cluster"] == shape + 1].sort_values("distance_to_medoid")
    members = members.assign(mean_units=catalog.values[members.index].mean(axis=1))
    medoid_id = ids[result.medoids[shape]]
    st.subheader(f"Shape {shape + 1}: {len(members):,} products", anchor=False)
    left, right = st.columns([3, 2], gap="medium")
    with left:
        shown = members.head(MAX_OVERLAY)
        st.plotly_chart(
            members_figure(
                compared_curves(catalog.values[shown.index], znorm),
                [plot_text(p) for p in shown["product"]],
                result.average[shape],
                znorm=znorm,
                title=f"Shape {shape + 1}: its {len(shown)} closest members and its average",
                unit=unit,
            ),
            config=PLOT_CONFIG,
            key="shapes.members_plot",
        )
    with right:
        st.markdown(f"Medoid: **{md(medoid_id)}** (distance 0) · closest members first")
        st.dataframe(
            members[["product", "distance_to_medoid", "silhouette", "mean_units"]],
            key="shapes.members",
            hide_index=True,
            height=300,
            column_config={
                "product": st.column_config.TextColumn("Product"),
                "distance_to_medoid": st.column_config.NumberColumn(
                    "Distance", format="%.2f", help="DTW distance to the medoid"
                ),
                "silhouette": st.column_config.NumberColumn(
                    "Silhouette", format="%.2f", help="Below 0: closer to another shape"
                ),
                "mean_units": st.column_config.NumberColumn(
                    unit.per_week_short, format=unit.column_format, help="Mean a week"
                ),
            },
        )
        download(
            members,
            f"Download shape {shape + 1}'s members (CSV)",
            f"shape_{shape + 1}_members.csv",
            key="shapes.dl_members",
            help="Product, exact distance to the medoid, silhouette and mean weekly "
            f"{unit.word} (mean_units).",
        )
        download(
            table,
            "Download every product's shape (CSV)",
            "shapes.csv",
            key="shapes.dl_all",
            help="One row per product: shape, medoid flag, distance, silhouette.",
        )

    st.markdown("**Find the products that follow this shape on Sales Trends**")
    medoid_units = catalog.values[result.medoids[shape]]
    as_curve = st.radio(
        "Curve to use",
        ["average", "medoid"],
        key="shapes.target_kind",
        horizontal=True,
        format_func=lambda v: (
            "The shape's average, at the medoid's volume"
            if v == "average"
            else f"The medoid's own sales ({md(medoid_id)})"
        ),
    )
    if st.button(
        "Use this shape as the target",
        key="shapes.use_target",
        icon=":material/flag:",
        type="primary",
        help="Open Sales Trends with this curve as the target.",
    ):
        if as_curve == "medoid":
            curve, name = medoid_units, data.product_target_name(medoid_id)
            label = product_spec(medoid_id).label
        else:
            curve = result.average[shape]
            if znorm:
                curve = medoid_units.mean() + medoid_units.std() * curve
            curve = np.maximum(curve, 0.0)
            name = f"shape {shape + 1} (average of {len(members):,} products)"
            label = shape_label(shape + 1, catalog.name)
        data.use_target(curve, name, label)
        st.switch_page("pages/sales_trends.py")

    log_section(
        "The run keeps k, the stretch factor, z-normalisation and the number of products; "
        "the mean silhouette and total distance to the medoids; every product's shape (CSV) "
        "and the shapes figure.",
        label="Log this clustering",
        key="shapes.log",
        log=lambda store: log_clustering(catalog, result, store=store, source="app"),
    )

# --------------------------------------------------------------------------- new product
with tab_new:
    st.caption(
        "Type or upload the first weeks of a new product: its analogues are the products "
        "that started most like it, and their following weeks, scaled to its level, "
        "forecast the rest of its year."
    )
    max_known = n_weeks - 1
    version = st.session_state.get(NEW_VERSION, 0)
    if NEW_WEEKS not in st.session_state:
        st.session_state[NEW_WEEKS] = catalog.values[result.medoids[0], :EXAMPLE_WEEKS]
        example = ids[result.medoids[0]]
        st.session_state[session.SHAPES_NEW_NAME] = f"the first {EXAMPLE_WEEKS} weeks of {example}"
    start = np.asarray(st.session_state[NEW_WEEKS], dtype=np.float64)

    def _upload(widget_key: str) -> None:
        upload = st.session_state.get(widget_key)
        if upload is None:
            return
        try:
            weeks = parse_target(upload.getvalue(), max_weeks=PAGE_LIMITS.weeks)
        except CatalogError as exc:
            st.session_state[session.SHAPES_NEW_PROBLEM] = md(f"{upload.name}: {exc}")
            return
        st.session_state[NEW_WEEKS] = weeks
        st.session_state[session.SHAPES_NEW_NAME] = upload.name
        st.session_state.pop(session.SHAPES_NEW_PROBLEM, None)
        st.session_state[NEW_VERSION] = st.session_state.get(NEW_VERSION, 0) + 1

    inputs, results = st.columns([1, 3], gap="medium")
    with inputs:
        name = st.session_state.get(session.SHAPES_NEW_NAME, "your product")
        st.caption(f"Now: {md(name)}. Edit its weekly {unit.word} below.")
        edited = st.data_editor(
            pd.DataFrame({"week": [f"W{i}" for i in range(start.size)], "units": start}),
            key=f"shapes.new_editor.{version}",
            num_rows="dynamic",
            hide_index=True,
            height=300,
            disabled=["week"],
            column_config={
                "units": st.column_config.NumberColumn(
                    unit.per_week_short, format=unit.column_format
                )
            },
        )
        st.file_uploader(
            "Or upload its first weeks",
            type=["csv", "txt", "tsv"],
            key=f"shapes.new_upload.{version}",
            on_change=_upload,
            args=(f"shapes.new_upload.{version}",),
            help="One column of numbers, one week per line; a header line is allowed.",
        )
        if st.session_state.get(session.SHAPES_NEW_PROBLEM):
            st.error(st.session_state[session.SHAPES_NEW_PROBLEM], icon=":material/error:")
        chosen = st.toggle(
            "Catalogue's settings",
            value=True,
            key="shapes.analogue_cv",
            help="Shapes or units, stretch and number of analogues: those that forecast "
            "this catalogue's own products best, each playing the new product in turn. "
            "Off: the sidebar's stretch and z-normalisation and the number below. The "
            "scaling and the fan's width are chosen on the catalogue either way.",
        )
        n_analogues = st.slider(
            "Analogues",
            min_value=3,
            max_value=30,
            value=DEFAULT_ANALOGUES,
            key="shapes.n_analogues",
            disabled=chosen,
            help="How many of the closest products make the forecast.",
        )
    fixed = (None, None, None) if chosen else (n_analogues, stretch, znorm)
    known = edited["units"].to_numpy(dtype=np.float64, na_value=np.nan)
    known = known[~np.isnan(known)]
    with results:
        problem = None
        if known.size < MIN_KNOWN:
            problem = f"Give at least {MIN_KNOWN} weeks (now {known.size})."
        elif known.size > max_known:
            problem = f"The catalogue has {n_weeks} weeks: give at most {max_known}."
        elif (known < 0).any():
            problem = f"{unit.word.capitalize()} cannot be negative."
        if problem:
            st.warning(problem, icon=":material/warning:")
        else:
            try:
                with st.spinner("Choosing the analogue settings on the catalogue…"):
                    settings = shapes_data.analogue_settings(key, catalog, known.size, *fixed)
                # A product whose first weeks these are is never its own analogue.
                itself = np.flatnonzero((catalog.values[:, : known.size] == known).all(axis=1))
                pool = catalog.without_rows(itself)
                found = shapes_data.analogues(
                    pool.content_hash, pool, tuple(known.tolist()), settings
                )
            except ValueError as exc:
                st.warning(md(exc), icon=":material/warning:")
            else:
                labels = [str(pool.ids[r]) for r in found.rows]
                st.plotly_chart(
                    analogues_figure(
                        known, found.curves, [plot_text(p) for p in labels], found.fan, unit
                    ),
                    config=PLOT_CONFIG,
                    key="shapes.fan",
                )
                total = float(found.forecast.sum())
                st.markdown(
                    f"Forecast for weeks {known.size} to {n_weeks - 1}: **{unit.total(total)}** "
                    f"in all: week by week, the median of {len(labels)} analogues. The green "
                    "band is their 10–90 % spread, widened so that it held 80 % of the actual "
                    "weeks when the catalogue's own products were forecast this way."
                )
                st.caption(settings.describe())
                a1, a2 = st.columns(2)
                with a1:
                    st.dataframe(
                        pd.DataFrame(
                            {"product": labels, "distance": found.distances, "scale": found.scale}
                        ),
                        key="shapes.analogues",
                        hide_index=True,
                        column_config={
                            "product": "Analogue",
                            "distance": st.column_config.NumberColumn(
                                "Distance", format="%.2f", help="DTW over the known weeks"
                            ),
                            "scale": st.column_config.NumberColumn(
                                "Scale",
                                format="%.2f",
                                help="Multiplied by this to match the level (1 when the level "
                                "is matched by adding units instead)",
                            ),
                        },
                    )
                with a2:
                    fan = pd.DataFrame(
                        {
                            "week": np.arange(known.size, n_weeks),
                            "p10": found.fan[0],
                            "median": found.fan[1],
                            "p90": found.fan[2],
                        }
                    )
                    download(
                        fan,
                        "Download the forecast (CSV)",
                        "forecast.csv",
                        key="shapes.dl_forecast",
                        help="Week, 10th percentile, median and 90th percentile, in "
                        + (f"{unit.word} ({unit.symbol})." if unit.symbol else f"{unit.word}."),
                    )

    st.subheader("Do analogues forecast this catalogue well?", anchor=False)
    with st.spinner("Backtesting analogues on the catalogue…"):
        bt = shapes_data.catalogue_backtest(key, catalog, *fixed)
    b1, b2 = st.columns([3, 2], gap="medium")
    with b1:
        st.plotly_chart(backtest_figure(bt.wape), config=PLOT_CONFIG, key="shapes.backtest")
    with b2:
        sample = (
            f"{bt.products:,} products (a random sample)"
            if bt.products < n_products
            else f"every product ({bt.products:,})"
        )
        st.caption(
            f"Each of {sample} played the new product: its first weeks known, its "
            f"analogues and settings taken from the other products (in 5 folds), the rest of "
            "its year forecast. WAPE = total absolute error ÷ total units sold; lower is "
            "better."
        )
        for n_known, scores in bt.wape.items():
            naive = {m: v for m, v in scores.items() if m != "analogues"}
            rival = min(naive, key=naive.__getitem__)
            if bt.analogues_win(n_known):
                st.success(
                    f"**{n_known} weeks known:** analogues beat the naive forecasts "
                    f"(WAPE {scores['analogues']:.2f} against {naive[rival]:.2f} for "
                    f"{METHOD_LABELS[rival].lower()}).",
                    icon=":material/check_circle:",
                )
            else:
                st.warning(
                    f"**{n_known} weeks known:** analogues do **not** beat the naive "
                    f"forecasts for this catalogue: {METHOD_LABELS[rival].lower()} does "
                    f"better (WAPE {naive[rival]:.2f} against {scores['analogues']:.2f}).",
                    icon=":material/warning:",
                )
            st.caption(
                f"{n_known} weeks known: the fan held {100 * bt.coverage[n_known]:.0f} % of "
                "the actual weeks (the aim is 80 %)."
            )

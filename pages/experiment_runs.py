"""Experiments: every logged analysis is an MLflow run; compare them and reuse their models.

Top to bottom: start a sweep (one run per stretch factor), pick an experiment, its runs,
median distance against stretch factor, histograms and outliers of the selected runs,
then score new products with a logged model. MLflow access, queries and verdicts live in
:mod:`dtwcore.runs` (``store``, ``sales``, ``compare``, ``model``); session state keys
start with ``experiments.``.
"""

import zlib

import numpy as np
import pandas as pd
import streamlit as st

from dtwcore.plots import PLOT_CONFIG
from dtwcore.plots.experiments import (
    MAX_SIDE_BY_SIDE,
    histograms_side_by_side,
    median_by_stretch,
    products_vs_target,
)
from dtwcore.runs import model as dtw_model
from dtwcore.runs import sales as tracking
from dtwcore.runs import store as run_store
from dtwcore.runs.compare import (
    CLOSER,
    ENTERS,
    LEAVES,
    PERCENTILE,
    against_run,
    default_run,
    median_verdict,
    newest_sweep,
    outlier_changes,
    run_labels,
    series_label,
)
from dtwcore.runs.compare import experiments as store_experiments
from dtwcore.runs.metrics import DEFAULT_CUTS, RUNS_TABLE_METRICS
from dtwcore.sales import BLOG_TARGET, PUBLISHED_STRETCHES, CatalogError
from dtwcore.sales.demo import example_new_products
from dtwcore.sales.export import download_name
from pages.common import sales_data
from pages.common.page_end import end_page
from pages.common.sales_views import csv_bytes, md
from pages.common.session import sales_analysis
from pages.common.tracking_panel import (
    STRETCH_CHOICES,
    TRACKING_ERRORS,
    current_store,
    error_text,
    run_sweep,
    store_status,
)

EXPERIMENT = "experiments.experiment"
SCORED = "experiments.scored"
FROM_SALES = "Data on the Sales Trends page"
DEMO = "Demo data"
UPLOAD = "Upload a file"


# --------------------------------------------------------------------------- cached reads
# Keys carry the store URI and a generation that grows whenever this session logs runs.


@st.cache_data(ttl=30, show_spinner=False)
def experiments(uri: str, generation: int) -> pd.DataFrame:
    """Experiments of the store, without MLflow's empty "Default" one."""
    return store_experiments(run_store.resolve_store(uri))


@st.cache_data(ttl=30, show_spinner=False)
def runs(uri: str, experiment_id: str, generation: int) -> pd.DataFrame:
    return tracking.runs_table(run_store.resolve_store(uri), experiment_id)


@st.cache_data(show_spinner=False, max_entries=64)
def artifact_csv(uri: str, run_id: str, name: str) -> pd.DataFrame:
    """A run's CSV artifact; runs never change, so this is cached for good."""
    return tracking.read_artifact_csv(run_store.resolve_store(uri), run_id, name)


@st.cache_data(show_spinner=False, max_entries=64)
def run_target(uri: str, run_id: str) -> tracking.RunTarget:
    """target.json of a run (target, stretch factor, znorm, week names)."""
    return tracking.read_run_target(run_store.resolve_store(uri), run_id)


@st.cache_resource(show_spinner=False, max_entries=8)
def logged_model(uri: str, run_id: str):  # noqa: ANN201
    return dtw_model.load_model(run_id, uri)


def generation() -> int:
    return st.session_state.get("tracking.generation", 0)


# --------------------------------------------------------------------------- page
st.title("Experiments", anchor=False)
st.caption(
    "Every logged analysis is an MLflow run: its settings, distance statistics, histogram, "
    "outlier lists, all distances and a model that scores new products. Compare runs here, "
    "or open them in the MLflow UI."
)

store = current_store()
with st.spinner("Checking the MLflow store…"):
    status = store_status(store)
if not status.ok:
    st.error(md(status.message), icon=":material/cloud_off:")
    st.caption(
        "Sales Trends and Audio Match work without MLflow; come back when the store answers."
    )
    end_page()
uri = store.tracking_uri

try:
    known = experiments(uri, generation())
except TRACKING_ERRORS as exc:
    st.error(f"Could not read the experiments in {md(store.label)}. {error_text(exc)}")
    end_page()

# --------------------------------------------------------------------------- sweep
analysis = sales_analysis()
with st.expander(
    "Run a sweep: one run per stretch factor",
    expanded=known.empty,
    icon=":material/play_arrow:",
):
    sources = [DEMO, UPLOAD] if analysis is None else [FROM_SALES, DEMO, UPLOAD]
    source = st.radio(
        "Products",
        sources,
        horizontal=True,
        key="experiments.sweep_source",
        help="Which weekly sales to score: what is loaded on the Sales Trends page, the "
        "built-in made-up catalogue, or a CSV/Parquet file (Product_Code, W0 … W51).",
    )
    upload = None
    if source == UPLOAD:
        upload = st.file_uploader(
            "Sales file",
            type=["csv", "parquet", "pq"],
            key="experiments.sweep_upload",
            help="One row per product: a product-code column and one column per week.",
        )
    stretches = st.multiselect(
        "Stretch factors",
        STRETCH_CHOICES,
        default=list(PUBLISHED_STRETCHES),
        format_func=lambda s: f"{s:g}",
        key="experiments.sweep_stretches",
        help="One run per factor. The stretch factor is how far (as a fraction of the "
        "target's length) a week may be moved to line up; the published sweep is "
        "preselected.",
    )
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    znorm = left.toggle(
        "Z-normalise",
        value=True if analysis is None else bool(analysis.znorm),
        key="experiments.sweep_znorm",
        help="Compare shapes (each curve scaled to mean 0, spread 1) rather than units.",
    )
    experiment_name = right.text_input(
        "Experiment",
        value=tracking.DEFAULT_EXPERIMENT,
        key="experiments.sweep_experiment",
        help="The runs are filed under this MLflow experiment; it is created if needed.",
    ).strip()
    if source == FROM_SALES:
        target, target_name = np.asarray(analysis.target), "the Sales Trends page’s target"
    else:
        target, target_name = BLOG_TARGET, "the published capacity curve"
    st.caption(f"Target: {target_name} ({target.size} weeks). Runs go to {md(store.label)}.")
    if st.button(
        "Run sweep",
        type="primary",
        icon=":material/play_arrow:",
        key="experiments.sweep_button",
        disabled=not stretches or not experiment_name or (source == UPLOAD and upload is None),
        help="Score every product at each stretch factor and log one MLflow run per factor.",
    ):
        catalog = None
        try:
            if source == FROM_SALES:
                catalog = analysis.catalog
            elif source == DEMO:
                catalog = sales_data.demo()
            else:
                catalog = sales_data.load_file(upload.getvalue(), upload.name, None)
        except CatalogError as exc:
            st.error(md(exc))
        if catalog is not None:
            ids = run_sweep(
                catalog,
                target,
                sorted(stretches),
                znorm=znorm,
                store=store,
                experiment=experiment_name,
                target_label=analysis.target_label if source == FROM_SALES else None,
            )
            if ids:
                st.session_state[EXPERIMENT] = experiment_name
                st.session_state["experiments.last_sweep"] = ids
                known = experiments(uri, generation())

if known.empty:
    st.info(
        "No runs yet. Start a sweep above, or log an analysis from the Sales Trends page.",
        icon=":material/info:",
    )
    end_page()

# --------------------------------------------------------------------------- runs
names = known["name"].tolist()
if st.session_state.get(EXPERIMENT) not in names:
    st.session_state[EXPERIMENT] = (
        tracking.DEFAULT_EXPERIMENT if tracking.DEFAULT_EXPERIMENT in names else names[0]
    )
pick_col, link_col = st.columns([3, 1], vertical_alignment="bottom")
chosen = pick_col.selectbox(
    "Experiment",
    names,
    key=EXPERIMENT,
    help="MLflow experiments in this store, newest first.",
)
experiment_id = known.loc[known["name"] == chosen, "experiment_id"].iloc[0]
exp_link = run_store.experiment_link(experiment_id)
if exp_link:
    link_col.link_button(
        "Open in the MLflow UI",
        exp_link,
        icon=":material/open_in_new:",
        help="This experiment in MLflow's own interface (MLFLOW_UI_URL).",
    )

try:
    table = runs(uri, experiment_id, generation())
except TRACKING_ERRORS as exc:
    st.error(f"Could not read the runs of “{md(chosen)}”. {error_text(exc)}")
    end_page()
if table.empty:
    st.info("This experiment has no runs yet.", icon=":material/info:")
    end_page()

st.subheader("Runs", anchor=False)
filter_col, status_col = st.columns([3, 2])
query = filter_col.text_input(
    "Filter",
    key="experiments.filter",
    placeholder="dataset, run name, run id or sweep id",
    help="Show only runs whose dataset, name, run id or sweep id contains this text.",
)
statuses = status_col.multiselect(
    "Status",
    sorted(table["status"].unique()),
    default=[s for s in ["FINISHED"] if s in set(table["status"])],
    key="experiments.status",
    help="FINISHED runs are complete; FAILED runs stopped part-way (their files may be "
    "incomplete).",
)
view = table[table["status"].isin(statuses)] if statuses else table
if query.strip():
    needle = query.strip().lower()
    haystack = (
        view[["dataset_name", "run_name", "run_id", "sweep_id"]]
        .fillna("")
        .astype(str)
        .agg(" ".join, axis=1)
        .str.lower()
    )
    view = view[haystack.str.contains(needle, regex=False)]
view = view.reset_index(drop=True)
view["label"] = run_labels(view)

shown = view[
    [
        "label",
        "stretch_factor",
        *(m.name for m in RUNS_TABLE_METRICS),
        "dataset_name",
        "n_products",
        "znorm",
        "status",
        "started",
        "run_name",
        "run_id",
    ]
].copy()
column_config = {
    "label": st.column_config.TextColumn(
        "Run",
        help="What sets this run apart from the others shown: stretch factor, then "
        "data, target, normalisation or start time when they differ",
    ),
    "run_name": st.column_config.TextColumn("MLflow name", help="Run name in MLflow"),
    "stretch_factor": st.column_config.NumberColumn(
        "Stretch",
        format="%g",
        help="Stretch factor: how far a week may move, as a share of the target's length",
    ),
    **{
        m.name: st.column_config.NumberColumn(m.label, format=m.fmt, help=m.help)
        for m in RUNS_TABLE_METRICS
    },
    "dataset_name": st.column_config.TextColumn("Dataset"),
    "n_products": st.column_config.NumberColumn("Products", format="%d"),
    "znorm": st.column_config.CheckboxColumn("Z-norm", help="Shapes compared, not units"),
    "status": st.column_config.TextColumn("Status"),
    "started": st.column_config.DatetimeColumn("Started (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "run_id": st.column_config.TextColumn("Run id", help="Paste it below to score products"),
}
if run_store.ui_url():
    shown["mlflow"] = [run_store.run_link(experiment_id, r) for r in view["run_id"]]
    column_config["mlflow"] = st.column_config.LinkColumn("MLflow", display_text="open")
event = st.dataframe(
    shown,
    key="experiments.runs_table",
    hide_index=True,
    column_config=column_config,
    on_select="rerun",
    selection_mode="multi-row",
    height=min(38 + 35 * len(shown), 320),
)
st.caption(
    f"{len(view)} of {len(table)} runs shown. Click column headers to sort; tick rows to "
    f"compare their histograms and outliers below (up to {MAX_SIDE_BY_SIDE})."
)

finished = view[(view["status"] == "FINISHED") & view["median_distance"].notna()]

# --------------------------------------------------------------------------- comparison
st.subheader("Median distance against stretch factor", anchor=False)
if finished.empty:
    st.info("No finished runs match the filter.", icon=":material/info:")
else:
    lines = finished.assign(series=series_label(finished))
    st.plotly_chart(median_by_stretch(lines), config=PLOT_CONFIG, key="experiments.median_chart")
    verdict = median_verdict(lines, lines["series"])
    if verdict:
        st.caption(
            f"The median distance {verdict}: a wider band lets each week line up with a "
            "nearby week, so curves with the same shape come out closer."
        )

selected_rows = list(event.selection.rows) if event is not None else []
chosen_runs = view.iloc[selected_rows] if selected_rows else pd.DataFrame()
chosen_runs = chosen_runs[chosen_runs["status"] == "FINISHED"] if len(chosen_runs) else chosen_runs
if chosen_runs.empty and not finished.empty:
    chosen_runs = newest_sweep(finished, MAX_SIDE_BY_SIDE)
    st.caption("No runs ticked: showing the newest sweep, spread over its stretch factors.")
if len(chosen_runs) > MAX_SIDE_BY_SIDE:
    st.caption(f"Showing the first {MAX_SIDE_BY_SIDE} ticked runs.")
    chosen_runs = chosen_runs.head(MAX_SIDE_BY_SIDE)

if not chosen_runs.empty:
    st.subheader("Histograms of the selected runs", anchor=False)
    distances: dict[str, np.ndarray] = {}
    outliers: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
    titles: dict[str, tuple[str, str]] = {}
    with st.spinner("Reading the runs' distances…"):
        for _, run in chosen_runs.iterrows():
            label = run["label"]
            try:
                dist = artifact_csv(uri, run["run_id"], "distances.csv")
                outliers[label] = (
                    artifact_csv(uri, run["run_id"], "zscore_outliers.csv"),
                    artifact_csv(uri, run["run_id"], "quantile_outliers.csv"),
                )
                cuts = run_target(uri, run["run_id"]).cuts
                titles[label] = (cuts.zscore_words.capitalize(), cuts.quantile_words.capitalize())
            except TRACKING_ERRORS as exc:
                st.warning(f"Run {run['run_id']}: {error_text(exc)}")
                continue
            distances[label] = dist["distance"].to_numpy()
    if distances:
        st.plotly_chart(
            histograms_side_by_side(distances), config=PLOT_CONFIG, key="experiments.histograms"
        )
        st.subheader("Outliers of the selected runs", anchor=False)
        st.caption(
            "Trending products, by distance z-score (left), and the closest products "
            "(right); each list is cut where its run recorded, as its title says."
        )
        outlier_columns = {
            "product": st.column_config.TextColumn("Product"),
            "distance": st.column_config.NumberColumn("Distance", format="%.4f"),
            "zscore": st.column_config.NumberColumn("Z-score", format="%.2f"),
            "mean_units": st.column_config.NumberColumn("Units/wk", format="%.1f"),
        }
        for tab, (label, (z, q)) in zip(st.tabs(list(outliers)), outliers.items(), strict=True):
            with tab:
                z_col, q_col = st.columns(2)
                for col, frame, title, name in (
                    (z_col, z, titles[label][0], "zscore_outliers"),
                    (q_col, q, titles[label][1], "quantile_outliers"),
                ):
                    col.markdown(f"**{title}** ({len(frame)} products)")
                    col.dataframe(
                        frame[list(outlier_columns)],
                        hide_index=True,
                        column_config=outlier_columns,
                        height=min(38 + 35 * max(len(frame), 1), 280),
                    )
                    run = chosen_runs.set_index("label").loc[label]
                    col.download_button(
                        "Download CSV",
                        csv_bytes(frame),
                        file_name=download_name(
                            name,
                            str(run["dataset_name"]),
                            float(run["stretch_factor"]),
                            pd.Timestamp(run["started"]).date(),
                        ),
                        mime="text/csv",
                        key=f"experiments.download.{name}.{label}",
                        icon=":material/download:",
                        on_click="ignore",
                        help="Full-precision numbers; cells that look like formulas are "
                        "made safe for spreadsheets.",
                    )

        if len(outliers) >= 2:
            st.subheader("What changes between two runs", anchor=False)
            labels = list(outliers)
            b_col, a_col, kind_col = st.columns([2, 2, 1])
            before = b_col.selectbox("From run", labels, index=0, key="experiments.diff_from")
            after = a_col.selectbox(
                "To run", labels, index=len(labels) - 1, key="experiments.diff_to"
            )
            kinds = [DEFAULT_CUTS.zscore_words, DEFAULT_CUTS.quantile_words]
            kind = kind_col.radio(
                "Outliers",
                kinds,
                format_func=str.capitalize,
                key="experiments.diff_kind",
                help="Which outlier list to compare (each run's list, cut where it recorded).",
            )
            pick = kinds.index(kind)
            changes = outlier_changes(outliers[before][pick], outliers[after][pick])
            entering = int((changes["change"] == ENTERS).sum())
            leaving = int((changes["change"] == LEAVES).sum())
            st.caption(
                f"From {md(before)} to {md(after)}: {entering} product"
                f"{'s' if entering != 1 else ''} enter the list, {leaving} leave, "
                f"{len(changes) - entering - leaving} stay."
            )
            # As text, so a product not on one run's list reads "—" (the grid would show
            # "None" for a missing number); the rows come sorted by change and distance.
            shown = changes.assign(
                **{
                    col: changes[col].map(lambda v: "—" if pd.isna(v) else f"{v:.4f}")
                    for col in ("distance_before", "distance_after")
                }
            )
            not_listed = "— : not on that run's list."
            st.dataframe(
                shown,
                hide_index=True,
                column_config={
                    "product": st.column_config.TextColumn("Product"),
                    "change": st.column_config.TextColumn("Change"),
                    "distance_before": st.column_config.TextColumn(
                        "Distance before", help=not_listed, alignment="right"
                    ),
                    "distance_after": st.column_config.TextColumn(
                        "Distance after", help=not_listed, alignment="right"
                    ),
                },
                height=min(38 + 35 * max(len(changes), 1), 320),
                key="experiments.diff_table",
            )

# --------------------------------------------------------------------------- scoring
st.subheader("Score new products with a logged model", anchor=False)
st.caption(
    "Each run's model holds its target, stretch factor and normalisation; it gives the DTW "
    "distance of any product to that target. Pick a run or paste a run id from any "
    "experiment in this store."
)
run_col, paste_col = st.columns(2)
if finished.empty:
    picked = None
    run_col.caption("No finished runs in this experiment; paste a run id instead.")
else:
    choices = finished.sort_values(["stretch_factor", "started"])
    labels = {
        r.run_id: f"stretch {r.stretch_factor:g} · {r.dataset_name} · run {r.run_id[:7]}"
        for r in choices.itertuples()
    }
    picked = run_col.selectbox(
        "Run",
        list(labels),
        index=list(labels).index(default_run(choices)),
        format_func=labels.get,
        key="experiments.score_run",
        help="The run whose model scores the products.",
    )
pasted = paste_col.text_input(
    "…or paste a run id",
    key="experiments.score_run_id",
    placeholder="32 hexadecimal characters",
    help="Any run id from this store (see the runs table, the MLflow UI or the output of "
    "`python -m dtwcore sweep`). Overrides the choice on the left.",
).strip()
run_id = pasted or picked
if run_id:
    try:
        with st.spinner("Loading the model…"):
            info = run_target(uri, run_id)
            model = logged_model(uri, run_id)
    except TRACKING_ERRORS as exc:
        st.error(error_text(exc), icon=":material/error:")
    else:
        weeks = list(info.weeks)
        st.caption(
            f"Model of run {run_id}: stretch factor {info.stretch_factor:g} (band of "
            f"{info.band_radius} weeks), {'z-normalised' if info.znorm else 'raw units'}, "
            f"target of {len(info.target)} weeks. Products need {len(weeks)} weekly columns "
            f"({md(weeks[0])} … {md(weeks[-1])})."
        )
        how = st.radio(
            "Products to score",
            ["Type them in", "Upload a file"],
            horizontal=True,
            key="experiments.score_input",
            help="Edit the two example products (add rows at the bottom), or upload a CSV or "
            "Parquet file with one row per product.",
        )
        products = None
        if how == "Type them in":
            products = st.data_editor(
                example_new_products(weeks, info.target, dtw_model.ID_COLUMN),
                num_rows="dynamic",
                hide_index=True,
                key=f"experiments.score_editor.{zlib.crc32('|'.join(weeks).encode())}",
                column_config={
                    dtw_model.ID_COLUMN: st.column_config.TextColumn(
                        "Product", help="Any name", required=True
                    ),
                    **{
                        w: st.column_config.NumberColumn(w, min_value=0, help="Units sold")
                        for w in weeks
                    },
                },
            )
        else:
            new_file = st.file_uploader(
                "Products file",
                type=["csv", "parquet", "pq"],
                key="experiments.score_upload",
                help="A product-code column and one column per week, in week order.",
            )
            if new_file is not None:
                try:
                    cat = sales_data.load_file(new_file.getvalue(), new_file.name, None)
                except CatalogError as exc:
                    st.error(md(exc))
                else:
                    if cat.values.shape[1] != len(weeks):
                        st.error(
                            f"The model expects {len(weeks)} weeks; {md(new_file.name)} has "
                            f"{cat.values.shape[1]}."
                        )
                    else:
                        products = pd.DataFrame(cat.values, columns=weeks)
                        products.insert(0, dtw_model.ID_COLUMN, cat.ids)
        if st.button(
            "Score",
            type="primary",
            icon=":material/calculate:",
            key="experiments.score_button",
            disabled=products is None,
            help="Distance of each product to the run's target, with the run's settings.",
        ):
            try:
                frame = products.dropna(how="all").copy()
                frame[dtw_model.ID_COLUMN] = frame[dtw_model.ID_COLUMN].fillna("").astype(str)
                frame[weeks] = frame[weeks].apply(pd.to_numeric, errors="coerce")
                with st.spinner("Scoring…"):
                    answer = model.predict(frame)
                reference = artifact_csv(uri, run_id, "distances.csv")["distance"].to_numpy()
            except (ValueError, *TRACKING_ERRORS) as exc:
                st.error(f"Could not score these products: {error_text(exc)}")
            else:
                standing = against_run(answer["distance"].to_numpy(), reference)
                answer[CLOSER] = standing[CLOSER].to_numpy()
                answer[PERCENTILE] = standing[PERCENTILE].to_numpy()
                st.session_state[SCORED] = (run_id, answer, frame, reference.size)
        scored = st.session_state.get(SCORED)
        if scored and scored[0] == run_id:
            _, answer, frame, n_logged = scored
            st.caption(
                f"Compared with the run's {n_logged} logged products: “closer logged products” "
                "counts those nearer to the target; a low percentile means one of the best "
                "matches."
            )
            st.dataframe(
                answer,
                hide_index=True,
                key="experiments.score_result",
                column_config={
                    dtw_model.ID_COLUMN: st.column_config.TextColumn("Product"),
                    "distance": st.column_config.NumberColumn("Distance", format="%.4f"),
                    CLOSER: st.column_config.NumberColumn(
                        "Closer logged products",
                        format="%d",
                        help="How many products of the run's catalogue are closer to the "
                        "target than this one",
                    ),
                    PERCENTILE: st.column_config.NumberColumn(
                        "Percentile",
                        format="%.1f %%",
                        help="Share of the run's catalogue that is closer; small = one of "
                        "the best matches",
                    ),
                },
            )
            st.plotly_chart(
                products_vs_target(
                    np.asarray(info.target),
                    frame[weeks].to_numpy(dtype=np.float64),
                    frame[dtw_model.ID_COLUMN].tolist(),
                    znorm=info.znorm,
                ),
                config=PLOT_CONFIG,
                key="experiments.score_chart",
            )

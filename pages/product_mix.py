"""Product Mix: which products to make so that the line is as busy as it can be, week by week.

Reads top to bottom like the decision: data and capacity (Sales Trends' own sidebar and
keys, so both pages show the same file, target and stretch factor), how far ahead and how
late units may be built, the pins and the most products, then the plan: cards, capacity
against the stacked units of the chosen products, the chosen products and the weeks,
downloads, and logging to MLflow. The search and its checks live in
:mod:`dtwcore.sales.mix`; the cached call in ``pages/common/mix_data.py``.
"""

import streamlit as st

from dtwcore.plots import PLOT_CONFIG
from dtwcore.plots.mix import mix_figure
from dtwcore.runs.mix import log_mix
from dtwcore.sales.export import download_name
from dtwcore.sales.mix import SHARE_STEPS
from pages.common import labels, mix_data, session, url_state
from pages.common import sales_data as data
from pages.common.page_end import end_page
from pages.common.sales_inputs import read_inputs
from pages.common.sales_views import download, md, plot_text
from pages.common.tracking_panel import log_section

SHARE_WORDS = {1.0: "Whole products only", 0.5: "In halves", 0.25: "In quarters"}

st.title("Product Mix", anchor=False)
st.caption(
    "Which products should this line make so that, week by week, it is as busy as it can "
    "be without promising more than it can build? Every unit of a chosen product's demand "
    "is built in its own week or a few weeks ahead (held as stock), never in a week that "
    "is full."
)

# --------------------------------------------------------------------------- inputs
url_state.read_mix_address()
inputs = read_inputs(weeks=False)
# A product of the file chosen as the capacity is left out of the mix (as `mix` does).
catalog, capacity, unit = inputs.catalog, inputs.target, inputs.unit
target_of = inputs.target_of

st.sidebar.subheader("Building")
stretch = data.stretch_slider(
    session.SALES_STRETCH,
    persist_state="session",
    help="How far ahead of its due week a unit may be built, as a share of the weeks "
    "planned (the same factor as on Sales Trends): 0.05 on 52 weeks lets a unit be built "
    "up to 2 weeks early and held as stock.",
)
ahead = data.weeks_of_shift(capacity.size, stretch)
# The data, capacity and stretch factor in use, as Sales Trends would compare them (for the
# sidebar's data summary and the Experiments page).
session.set_sales_analysis(
    session.SalesAnalysis(
        catalog.without(target_of) if target_of is not None else catalog,
        capacity,
        float(stretch),
        bool(st.session_state.get(session.SALES_ZNORM, True)),
    )
)
st.sidebar.caption(f"= built up to **{ahead} week{'s' if ahead != 1 else ''} ahead**")
backlog = int(
    st.sidebar.number_input(
        "Weeks late allowed (backlog)",
        min_value=0,
        max_value=mix_data.BACKLOG_MAX,
        value=0,
        step=1,
        key=mix_data.BACKLOG,
        persist_state="session",
        help="How many weeks after its due week a unit may still be built. 0: never late.",
    )
)
share = st.sidebar.selectbox(
    "Products are made",
    SHARE_STEPS,
    format_func=SHARE_WORDS.__getitem__,
    key=mix_data.SHARE,
    persist_state="session",
    help="Whole products: all of a chosen product's demand is built. Halves or quarters: "
    "the mix may take that share of a product's weekly demand.",
)
n_products, n_weeks = catalog.values.shape
first = None
if n_weeks > capacity.size:
    if st.session_state.get(mix_data.FIRST_WEEK, 0) > n_weeks - capacity.size:
        st.session_state[mix_data.FIRST_WEEK] = 0  # set for a longer file
    first = int(
        st.sidebar.number_input(
            "First week planned",
            min_value=0,
            max_value=n_weeks - capacity.size,
            value=0,
            step=1,
            key=mix_data.FIRST_WEEK,
            persist_state="session",
            help=f"The file has {n_weeks} weeks and the capacity {capacity.size}: plan the "
            f"file's weeks from this one on (weeks count from 0).",
        )
    )
elif n_weeks < capacity.size:
    st.error(
        f"The capacity has {capacity.size} weeks but {md(catalog.name)} only {n_weeks}. "
        "Shorten the capacity in the sidebar (Target) to plan these weeks.",
        icon=":material/error:",
    )
    end_page()
start = first or 0
window = (start, start + capacity.size)

ids = [str(i) for i in catalog.ids if str(i) != target_of]
known = set(ids)
dropped = [
    p
    for key in (mix_data.INCLUDE, mix_data.EXCLUDE)
    for p in st.session_state.get(key, [])
    if p not in known
]
for key in (mix_data.INCLUDE, mix_data.EXCLUDE):
    st.session_state[key] = [p for p in st.session_state.get(key, []) if p in known]
if dropped:
    st.warning(
        f"Not in {md(catalog.name)}, so not pinned: {md(', '.join(dropped))}.",
        icon=":material/warning:",
    )

pin_in, pin_out, most = st.columns([2, 2, 1], vertical_alignment="bottom")
include = pin_in.multiselect(
    "Must be in the mix",
    ids,
    key=mix_data.INCLUDE,
    persist_state="session",
    placeholder="No product pinned",
    help="Products the plan must make, all of their demand. The rest is chosen around them.",
)
exclude = pin_out.multiselect(
    "Leave out",
    ids,
    key=mix_data.EXCLUDE,
    persist_state="session",
    placeholder="No product left out",
    help="Products the plan must not make.",
)
max_products = most.number_input(
    "At most this many products",
    min_value=1,
    max_value=mix_data.MAX_PRODUCTS_LIMIT,
    value=None,
    step=1,
    key=mix_data.MAX_PRODUCTS,
    persist_state="session",
    placeholder="No limit",
    help="The most products in the mix, pins included. Empty: no limit.",
)
max_products = None if max_products is None else int(max_products)
url_state.write_mix_address(
    stretch=stretch,
    target=url_state.target_param(capacity, catalog, target_of),
    max_products=max_products,
    include=include,
    exclude=exclude,
    backlog=backlog,
    share=share,
    first=first,
)

# --------------------------------------------------------------------------- plan
left_out = tuple(exclude) + ((target_of,) if target_of is not None else ())
with st.spinner(f"Choosing the mix from {len(ids):,} products…"):
    plan = mix_data.plan(
        catalog.content_hash,
        catalog,
        tuple(float(v) for v in capacity),
        float(stretch),
        backlog,
        window,
        tuple(include),
        left_out,
        max_products,
        float(share),
    )
if isinstance(plan, str):
    st.error(md(plan), icon=":material/error:")
    end_page()

if len(plan.products) == 0:
    st.info(
        "No product fits: each one, on its own, needs more in some week than the capacity "
        f"can build in time ({ahead} weeks ahead, {backlog} late), or is left out. Compare "
        "the file's weekly units with the capacity (Target, in the sidebar), or allow more "
        "building ahead or backlog.",
        icon=":material/info:",
    )
if data.is_demo():
    st.info(
        f"You are looking at **made-up demo data** ({n_products:,} products × {n_weeks} "
        "weeks). Upload your own weekly sales in the sidebar.",
        icon=":material/science:",
    )
if target_of is not None:
    st.info(
        f"The capacity is **{md(target_of)}**'s own sales, so {md(target_of)} is left out "
        "of the mix.",
        icon=":material/flag:",
    )

# --------------------------------------------------------------------------- overview
suffix = "" if unit.symbol else f" {unit.word}"  # "45 units", "$45"
total = float(plan.capacity.sum())
idle = float(plan.idle.sum())
chosen = len(plan.products)
m1, m2, m3, m4 = st.columns(4)
m1.metric(
    "Utilisation",
    f"{plan.utilisation:.1%}",
    border=True,
    help=f"Units built ÷ capacity over the {len(plan.weeks)} weeks. No mix of these products "
    f"can use more than {plan.upper_bound:.1%}.",
)
m2.metric(
    f"Idle capacity ({unit.word})",
    unit.amount(idle, 0) if idle < 1e6 else f"{unit.symbol}{idle / 1e6:,.2f} M",
    delta=f"{idle / total:.1%} of capacity" if total > 0 else None,
    delta_color="off",
    delta_arrow="off",
    border=True,
    help="Capacity left unused, all weeks together.",
)
m3.metric(
    "Products in the mix",
    f"{chosen:,}",
    delta=f"of {len(ids):,}",
    delta_color="off",
    delta_arrow="off",
    border=True,
    help="Chosen products, pins included.",
)
m4.metric(
    "Fractional ideal",
    f"{plan.ideal_utilisation:.1%}",
    border=True,
    help="A reference, not a plan: any share of every product, each week built in its own "
    "week, chosen to follow the capacity as closely as possible (bounded least squares). "
    "The dotted line in the chart.",
)
peak = int(plan.stock.argmax())
st.markdown(
    f"**{chosen:,} products** fill **{plan.utilisation:.1%}** of the capacity "
    f"(at most {plan.upper_bound:.1%} is possible), every unit built in its own week or up "
    f"to {plan.ahead} week{'s' if plan.ahead != 1 else ''} ahead"
    + (f" and at most {plan.backlog} late" if plan.backlog else "")
    + f". Stock carried: at most {unit.amount(float(plan.stock[peak]), 0)}{suffix} "
    f"(end of {md(plan.weeks[peak])}), {unit.amount(float(plan.stock.mean()), 1)}{suffix} on "
    "average."
)

dates = labels.week_dates(catalog)
st.plotly_chart(
    mix_figure(
        plan.capacity,
        plan.built,
        [plot_text(p) for p in plan.products],
        plan.stock,
        weeks=dates[window[0] : window[1]] if dates is not None else plan.weeks,
        ideal=plan.ideal,
        value_name=unit.axis,
    ),
    config=PLOT_CONFIG,
    key="mix.chart",
)
st.caption(
    "Coloured bands: the units built of each chosen product, most units first, stacked. "
    "Blue line: the capacity. Dotted: the fractional ideal. Green bars: units built ahead "
    "and held at the end of each week."
)

# --------------------------------------------------------------------------- tables
products = plan.products_frame()
weeks = plan.weeks_frame()
t1, t2 = st.columns([1, 1], gap="medium")
with t1:
    st.markdown(f"**The {chosen:,} chosen products**, most units first")
    st.dataframe(
        products,
        key="mix.products",
        hide_index=True,
        column_config={
            "product": st.column_config.TextColumn("Product"),
            "share": st.column_config.NumberColumn(
                "Share", format="%.2f", help="Share of its demand built; 1 = all of it"
            ),
            "units": st.column_config.NumberColumn(
                "Units", format="localized", help="Units built in the weeks planned"
            ),
            "weeks_ahead": st.column_config.NumberColumn(
                "Weeks ahead",
                format="%.2f",
                help="How far ahead of its due week it is built, on average over its units",
            ),
        },
    )
    download(
        products,
        "Download the chosen products (CSV)",
        download_name("mix", catalog.name, stretch),
        key="mix.dl_products",
        help="One row per chosen product: share, units and weeks ahead, unrounded (the "
        "columns of `python -m dtwcore mix --out`).",
    )
with t2:
    st.markdown("**Week by week**")
    st.dataframe(
        weeks,
        key="mix.weeks",
        hide_index=True,
        column_config={
            "week": st.column_config.TextColumn("Week"),
            "capacity": st.column_config.NumberColumn("Capacity", format="localized"),
            "built": st.column_config.NumberColumn("Built", format="localized"),
            "stock": st.column_config.NumberColumn(
                "Stock", format="localized", help="Built ahead and held at the end of the week"
            ),
            "backlog": st.column_config.NumberColumn(
                "Late", format="localized", help="Due but not yet built at the end of the week"
            ),
            "idle": st.column_config.NumberColumn(
                "Idle", format="localized", help="Capacity left unused"
            ),
        },
    )
    download(
        weeks,
        "Download the week-by-week plan (CSV)",
        download_name("mix_plan", catalog.name, stretch),
        key="mix.dl_weeks",
        help="One row per week: capacity, built, stock, late and idle units, unrounded (the "
        "columns of `python -m dtwcore mix --plan`).",
    )

# --------------------------------------------------------------------------- MLflow
log_section(
    "The run keeps the settings (stretch factor, weeks ahead, backlog, pins, most products, "
    "shares), the utilisation, its bound and the fractional ideal, and the plan as two CSV "
    "files (products and weeks).",
    label="Log to MLflow",
    key="mix.log",
    log=lambda store: log_mix(
        catalog,
        plan,
        stretch=float(stretch),
        max_products=max_products,
        include=include,
        exclude=list(left_out),
        share_step=float(share),
        store=store,
        source="app",
    ),
)

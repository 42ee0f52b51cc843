"""A corpus of sales files in the layouts and dialects planners export, written by code.

Every :class:`Case` is a file (bytes and a name), the reading options a planner would
choose (or none, for the automatic guess), and what must come out of it: the products,
the week labels and the values, worked out here from the generating numbers (not by the
reader), or the question the reader must ask instead (:class:`AmbiguousColumns` and its
role, or a plain refusal).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dtwcore.sales import ReadOptions
from scripts.make_sales_examples import csv_bytes, order_lines, store_sales_rows, weekly_sums


@dataclass
class Case:
    """One file of the corpus and what reading it must give."""

    name: str
    data: bytes
    options: ReadOptions = field(default_factory=ReadOptions)
    ids: list[str] | None = None
    weeks: list[str] | None = None
    values: np.ndarray | None = None
    refusal: str | None = None  # AmbiguousColumns role, or "error" for a plain refusal
    message: str = ""  # a part of the refusal's message
    note: str | None = None  # a note the reading must give, word for word

    def flags(self) -> list[str]:
        """The options as ``score``/``sweep`` flags."""
        o, out = self.options, []
        if o.layout != "auto":
            out += ["--layout", o.layout]
        for c in o.id_columns:
            out += ["--id-column", c]
        if o.week_column:
            out += ["--week-column", o.week_column]
        if o.units_column:
            out += ["--units-column", o.units_column]
        if o.week_start:
            out += ["--week-start", ["monday", "tuesday", "wednesday", "thursday", "friday",
                                     "saturday", "sunday"][o.week_start]]  # fmt: skip
        if o.date_order != "auto":
            out += ["--date-order", o.date_order]
        if o.clip_negative:
            out += ["--clip-negative"]
        return out


def _parquet(columns: dict[str, list[object]]) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.table(columns), sink)
    return sink.getvalue()


def corpus() -> list[Case]:
    """At least 20 layouts, dialects and refusals."""
    weeks8 = [f"W{k}" for k in range(8)]
    rng = np.random.default_rng(3)
    wide = rng.integers(0, 50, (5, 8)).astype(float)
    codes = [f"P{k}" for k in range(1, 6)]
    uci_rows = [["Product_Code", *weeks8, "MIN", "MAX"]]
    uci_rows += [
        [c, *map(int, v), int(v.min()), int(v.max())] for c, v in zip(codes, wide, strict=True)
    ]
    cases = [Case("wide_uci_like.csv", csv_bytes(uci_rows), ids=codes, weeks=weeks8, values=wide)]

    week_names = [f"Week {k + 1}" for k in range(8)]
    rows = [["Item", *week_names]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_week_names.csv", csv_bytes(rows), ids=codes, weeks=week_names,
                      values=wide))  # fmt: skip

    mondays = [str(dt.date(2024, 1, 1) + dt.timedelta(weeks=k)) for k in range(8)]
    rows = [["SKU", *mondays]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_dated_headers.csv", csv_bytes(rows), ids=codes, weeks=mondays,
                      values=wide))  # fmt: skip

    rows = [["product", "week", "units"]]
    rows += [[c, k, int(wide[i, k])] for i, c in enumerate(codes) for k in range(8)]
    cases.append(Case("long_week_numbers.csv", csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=wide))  # fmt: skip

    rows = [["sku", "date", "qty"]]
    rows += [[c, mondays[k], int(wide[i, k])] for i, c in enumerate(codes) for k in range(8)]
    cases.append(Case("long_weekly_iso_dates.csv", csv_bytes(rows), ids=codes, weeks=mondays,
                      values=wide))  # fmt: skip

    daily = [(codes[int(rng.integers(0, 5))], dt.date(2024, 1, 3) + dt.timedelta(days=int(d)),
              float(rng.integers(-2, 9))) for d in rng.integers(0, 60, 300)]  # fmt: skip
    rows = [["product", "day", "units"]] + [[p, str(d), int(u)] for p, d, u in daily]
    ids, wk, vals = weekly_sums(daily)
    cases.append(
        Case("long_daily_with_returns.csv", csv_bytes(rows), ids=ids, weeks=wk, values=vals)
    )
    ids, wk, vals = weekly_sums(daily, start=6)
    cases.append(Case("long_daily_sunday_weeks.tsv.csv", csv_bytes(rows, "\t"),
                      ReadOptions(week_start=6), ids=ids, weeks=wk, values=vals))  # fmt: skip
    # Etsy's sold order items: the sale's date beside the days it was paid and shipped,
    # month-first with two-digit years; the sale's date is the one added up by.
    sold = [(p, d, abs(u) + 1) for p, d, u in daily]
    etsy = [["Sale Date", "Item Name", "Quantity", "Price", "Date Paid", "Date Shipped", "SKU"]]
    etsy += [[f"{d:%m/%d/%y}", p, int(u), "12.50", f"{d:%m/%d/%y}",
              f"{d + dt.timedelta(days=k % 4 + 1):%m/%d/%y}", f"SKU-{p}"]
             for k, (p, d, u) in enumerate(sold)]  # fmt: skip
    ids, wk, vals = weekly_sums(sold)
    cases.append(Case("long_sale_date_beside_paid_and_shipped.csv", csv_bytes(etsy), ids=ids,
                      weeks=wk, values=vals))  # fmt: skip
    # ... but a promotion's last day (Sale End Date) beside the transaction's date asks.
    promo = [["Transaction Date", "Sale End Date", "SKU", "Quantity"]]
    promo += [[str(d), str(d + dt.timedelta(days=5)), p, int(u)] for p, d, u in sold]
    cases.append(Case("long_sale_end_date_beside_transaction_date.csv", csv_bytes(promo),
                      refusal="week",
                      message="Candidates: Transaction Date, Sale End Date"))  # fmt: skip
    # Timestamps with a time zone as databases export them: PostgreSQL's +00 after the
    # time (a table copied out with psql), BigQuery's UTC.
    ids, wk, vals = weekly_sums(daily)
    for name, zone in (
        ("long_postgres_timestamps.csv", "+00"),
        ("long_bigquery_timestamps.csv", ".123456 UTC"),
    ):
        rows = [["sold_at", "sku", "quantity"]]
        rows += [[f"{d} {k % 24:02d}:15:00{zone}", p, int(u)]
                 for k, (p, d, u) in enumerate(daily)]  # fmt: skip
        cases.append(Case(name, csv_bytes(rows), ids=ids, weeks=wk, values=vals))
    # Order lines as German, French and Spanish systems write them: the names of the
    # product, units and money columns in their language, semicolons, decimal commas.
    for name, head, day, encoding in (
        ("long_german_order_lines.csv",
         ["Datum", "Artikelnummer", "Artikelbezeichnung", "Menge", "Umsatz"], "%d.%m.%Y",
         "cp1252"),
        ("long_french_order_lines.csv",
         ["Date", "Référence", "Désignation", "Quantité", "Chiffre d'affaires"], "%d/%m/%Y",
         "utf-8"),
        ("long_spanish_order_lines.csv",
         ["Fecha", "Código", "Producto", "Cantidad", "Importe"], "%d/%m/%Y", "utf-8"),
    ):  # fmt: skip
        lines = [head] + [[d.strftime(day), p, f"Teil {p}", int(u) + 3,
                           f"{(int(u) + 3) * 1.25:.2f}".replace(".", ",")]
                          for p, d, u in daily]  # fmt: skip
        ids, wk, vals = weekly_sums([(p, d, u + 3) for p, d, u in daily])
        cases.append(Case(name, csv_bytes(lines, ";", encoding), ids=ids, weeks=wk,
                          values=vals))  # fmt: skip
    ids, wk, vals = weekly_sums(daily)
    cases.append(Case("long_daily_clipped.csv", csv_bytes(rows), ReadOptions(clip_negative=True),
                      ids=ids, weeks=wk, values=np.maximum(vals, 0)))  # fmt: skip

    srows, sids, sweeks, svalues = store_sales_rows()
    store_csv = csv_bytes(srows)
    cases.append(Case("store_sales_auto.csv", store_csv, ids=sids, weeks=sweeks, values=svalues))
    explicit = ReadOptions(id_columns=("Store",), week_column="Date", units_column="Weekly_Sales")
    cases.append(Case("store_sales_explicit.csv", store_csv, explicit, ids=sids, weeks=sweeks,
                      values=svalues))  # fmt: skip

    data, oids, oweeks, ovalues = order_lines()
    lines_opts = ReadOptions(
        id_columns=("Product ID",), week_column="Order Date", units_column="Quantity"
    )
    cases.append(Case("order_lines.csv", data, lines_opts, ids=oids, weeks=oweeks,
                      values=ovalues))  # fmt: skip
    cases.append(Case("order_lines_auto.csv", data, refusal="week",
                      message="Candidates: Order Date, Ship Date"))  # fmt: skip

    # Composite ids: store + department.
    rows = [["Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"]]
    comp_ids, comp_vals = [], []
    for s in (1, 2):
        for d in (1, 3, 7):
            series = rng.integers(100, 900, 8)
            comp_ids.append(f"{s} | {d}")
            comp_vals.append(series)
            rows += [[s, d, mondays[k], int(series[k]), "FALSE"] for k in range(8)]
    comp = np.array(comp_vals, dtype=float)
    store_dept = ReadOptions(id_columns=("Store", "Dept"))
    cases.append(Case("composite_ids.csv", csv_bytes(rows), store_dept, ids=comp_ids,
                      weeks=mondays, values=comp))  # fmt: skip
    cases.append(Case("composite_ids_auto.csv", csv_bytes(rows), refusal="product",
                      message="Candidates: Store, Dept"))  # fmt: skip

    fridays = [dt.date(2024, 1, 5) + dt.timedelta(weeks=k) for k in range(8)]
    rows = [["product", "date", "units"]]
    rows += [[c, d.strftime("%d/%m/%Y"), int(wide[i, k])]
             for i, c in enumerate(codes) for k, d in enumerate(fridays)]  # fmt: skip
    labels = [str(d) for d in fridays]
    cases.append(Case("day_first.csv", csv_bytes(rows), ids=codes, weeks=labels, values=wide))
    rows = [["product", "date", "units"]]
    rows += [[c, d.strftime("%m/%d/%Y"), int(wide[i, k])]
             for i, c in enumerate(codes) for k, d in enumerate(fridays)]  # fmt: skip
    cases.append(Case("month_first.csv", csv_bytes(rows), ids=codes, weeks=labels, values=wide))

    firsts = [dt.date(2024, m, 1) for m in range(1, 9)]  # every date reads both ways
    rows = [["product", "date", "units"]]
    rows += [[c, d.strftime("%d/%m/%Y"), int(wide[i, k])]
             for i, c in enumerate(codes) for k, d in enumerate(firsts)]  # fmt: skip
    cases.append(Case("ambiguous_dates.csv", csv_bytes(rows), refusal="dates",
                      message="reads both day-first and month-first"))  # fmt: skip

    cases.append(Case("duplicate_header.csv", b"Product_Code,W0,W1,W1\r\nP1,1,2,3\r\n",
                      refusal="error", message="appears more than once"))  # fmt: skip
    rows = [["Product", "Sales", "Profit", "Temperature"], ["A", 10, 2, 21.5], ["B", 12, 3, 19.0]]
    cases.append(Case("not_weeks.csv", csv_bytes(rows), refusal="layout",
                      message="the layout is not clear"))  # fmt: skip

    dec = np.round(wide / 4, 2)
    rows = [["Artikel", *weeks8]]
    rows += [
        [c, *[f"{x:.2f}".replace(".", ",") for x in v]] for c, v in zip(codes, dec, strict=True)
    ]
    cases.append(Case("semicolon_decimal_comma.csv", csv_bytes(rows, ";"), ids=codes, weeks=weeks8,
                      values=dec))  # fmt: skip
    rows = [["Product_Code", *weeks8]] + [
        [c, *map(int, v)] for c, v in zip(codes, wide, strict=True)
    ]
    cases.append(Case("pipe.csv", csv_bytes(rows, "|"), ids=codes, weeks=weeks8, values=wide))
    cases.append(Case("utf16.csv", b"\xff\xfe" + csv_bytes(rows).decode().encode("utf-16-le"),
                      ids=codes, weeks=weeks8, values=wide))  # fmt: skip
    rows = [["product", "week", "units"]]
    rows += [[c, k, int(wide[i, k])] for i, c in enumerate(codes) for k in range(8)]
    cases.append(Case("long_bom.csv", b"\xef\xbb\xbf" + csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=wide))  # fmt: skip
    accents = ["Crème", "Café", "Noël", "Señor", "Øl"]
    rows = [["article", "week", "quantity"]]
    rows += [[c, k, int(wide[i, k])] for i, c in enumerate(accents) for k in range(8)]
    cases.append(Case("long_cp1252.csv", csv_bytes(rows, ";", "cp1252"), ids=accents, weeks=weeks8,
                      values=wide))  # fmt: skip

    # Summary rows leave a wide file (noted); a product whose code holds the word stays.
    total_ids = [*codes, "TOTAL-GYM-3"]
    total_vals = np.vstack([wide, wide[0] + 1])
    rows = [["Product", *weeks8, "Grand Total"]]
    rows += [[c, *map(int, v), int(v.sum())] for c, v in zip(total_ids, total_vals, strict=True)]
    rows += [["Total", *map(int, total_vals.sum(axis=0)), int(total_vals.sum())]]
    cases.append(Case("wide_total_row.csv", csv_bytes(rows), ids=total_ids, weeks=weeks8,
                      values=total_vals))  # fmt: skip
    cases.append(Case("wide_grand_total_row.parquet", _parquet(
        {"Product_Code": [*codes, "Grand Total"]}
        | {w: [*wide[:, k], wide[:, k].sum()] for k, w in enumerate(weeks8)}
    ), ids=codes, weeks=weeks8, values=wide))  # fmt: skip

    # A long file's summary product (a Total row under every week's products, Grand
    # Total rows at the end) is left out too, noted by its rows; TOTAL-GYM-3 is a product.
    rows = [["product", "week", "units"]]
    for k in range(8):
        rows += [[c, k, int(v[k])] for c, v in zip(total_ids, total_vals, strict=True)]
        rows += [["Total", k, int(total_vals[:, k].sum())]]
    cases.append(Case("long_total_rows.csv", csv_bytes(rows), ids=total_ids, weeks=weeks8,
                      values=total_vals, note="Left out 8 rows of product Total (rows 8, 15, 22 "
                      "… 57): summary rows adding up the products, not a product."))  # fmt: skip
    cases.append(Case("long_grand_total_rows.parquet", _parquet({
        "sku": [*(c for c in codes for _ in range(8)), *["Grand Total"] * 8],
        "date": [dt.date.fromisoformat(m) for _ in range(6) for m in mondays],
        "units": [*(float(wide[i, k]) for i in range(5) for k in range(8)), *wide.sum(axis=0)],
    }), ids=codes, weeks=mondays, values=wide, note="Left out 8 rows of product Grand Total "
        "(rows 42 to 49): summary rows adding up the products, not a product."))  # fmt: skip
    rows = [["product", "week", "units"]] + [["Total", k, 3] for k in range(8)]
    cases.append(Case("long_only_total_rows.csv", csv_bytes(rows), refusal="error", message=(
        "no products: every row is a summary row adding up the products (Total). Export the "
        "sales of each product (a row per product, or per product and week) and read the "
        "file again.")))  # fmt: skip

    # Week numbers of several years (a year column, or codes like 202305), and week
    # numbers running past a year end: in year order, a week 53 only where the file has one.
    ten = rng.integers(0, 50, (5, 10)).astype(float)
    year_weeks = [(2020, w) for w in range(50, 54)] + [(2021, w) for w in range(1, 7)]
    labels = [f"{y}-W{w:02d}" for y, w in year_weeks]
    rows = [["Year", "Week", "Product", "Units"]]
    rows += [[y, w, c, int(ten[i, k])] for k, (y, w) in enumerate(year_weeks)
             for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_year_and_week.csv", csv_bytes(rows), ids=codes, weeks=labels,
                      values=ten))  # fmt: skip
    rows = [["Week", "Product", "Units"]]
    rows += [[y * 100 + w, c, int(ten[i, k])] for k, (y, w) in enumerate(year_weeks)
             for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_yyyyww.csv", csv_bytes(rows), ids=codes, weeks=labels, values=ten))
    wrapped = [*range(48, 53), *range(1, 6)]
    rows = [["Product", "Week", "Units"]]
    rows += [[c, w, int(ten[i, k])] for i, c in enumerate(codes) for k, w in enumerate(wrapped)]
    cases.append(Case("long_weeks_past_year_end.csv", csv_bytes(rows), ids=codes,
                      weeks=[f"W{w}" for w in wrapped], values=ten))  # fmt: skip
    fiscal = [f"Wk {w}" for w in wrapped]
    rows = [["Item", *fiscal]] + [[c, *map(int, v)] for c, v in zip(codes, ten, strict=True)]
    cases.append(Case("wide_weeks_past_year_end.csv", csv_bytes(rows), ids=codes, weeks=fiscal,
                      values=ten))  # fmt: skip

    # Dates written without separators, year first (SAP's flat files, Google Analytics'
    # and BigQuery's 20231001) are dates; Excel's date numbers are not week numbers: asked
    # to write them as dates.
    sundays = [dt.date(2023, 10, 1) + dt.timedelta(weeks=k) for k in range(8)]
    rows = [["Date", "Material", "Qty"]]
    rows += [[d.strftime("%Y%m%d"), c, int(wide[i, k])] for k, d in enumerate(sundays)
             for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_yyyymmdd.csv", csv_bytes(rows), ids=codes,
                      weeks=[str(d) for d in sundays], values=wide))  # fmt: skip
    # Excel's "mmm d, yy" (Oct 1, 23): a two-digit year after a month's name and a comma.
    rows = [["Date", "Material", "Qty"]]
    rows += [[f"{d:%b} {d.day}, {d:%y}", c, int(wide[i, k])] for k, d in enumerate(sundays)
             for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_month_day_short_year.csv", csv_bytes(rows), ids=codes,
                      weeks=[str(d) for d in sundays], values=wide))  # fmt: skip
    rows = [["Date", "Material", "Qty"]]
    rows += [[(d - dt.date(1899, 12, 30)).days, c, int(wide[i, k])] for k, d in enumerate(sundays)
             for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_excel_date_numbers.csv", csv_bytes(rows), refusal="error",
                      message="Excel date numbers (45200 is 2023-10-01)"))  # fmt: skip

    # Sales by month in a long file (dated the 1st, or the month's last day) are refused:
    # added up into weeks, most weeks would be 0. Orders a month apart on days of their
    # own are weekly data with empty weeks, and read.
    firsts = [dt.date(2024, m, 1) for m in range(1, 7)]
    ends = [dt.date(2024, m + 1, 1) - dt.timedelta(days=1) for m in range(1, 7)]
    for name, days, shown in (("long_monthly_firsts.csv", firsts, "2024-01-01, 2024-02-01, "
                               "2024-03-01"),
                              ("long_month_ends.csv", ends, "2024-01-31, 2024-02-29, "
                               "2024-03-31")):  # fmt: skip
        rows = [["Product", "Month", "Units"]]
        rows += [[c, str(d), int(wide[i, k])] for k, d in enumerate(days)
                 for i, c in enumerate(codes)]  # fmt: skip
        cases.append(Case(name, csv_bytes(rows), refusal="error", message=(
            f"the dates in 'Month' are a month or more apart ({shown} …): sales by month, not "
            "by week or day; spread over weeks, most weeks would be empty. Export the sales by "
            "week or by day (one row per product and week, day or order) and read the file "
            "again.")))  # fmt: skip
    orders = [(c, dt.date(2024, 1, 3) + dt.timedelta(days=33 * k + i), float(wide[i, k]))
              for k in range(4) for i, c in enumerate(codes)]  # fmt: skip
    rows = [["Product", "Order date", "Units"]] + [[c, str(d), int(u)] for c, d, u in orders]
    ids, wk, vals = weekly_sums(orders)
    cases.append(Case("long_orders_a_month_apart.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip

    # Excel's dates with a time of day (12:00:00 AM) or a time zone: the day written counts.
    rows = [["Date", "Product", "Units"]]
    rows += [[f"{d.month}/{d.day}/{d.year} 12:00:00 AM", c, int(wide[i, k])]
             for k, d in enumerate(sundays) for i, c in enumerate(codes)]  # fmt: skip
    sunday_labels = [str(d) for d in sundays]
    cases.append(Case("long_us_datetimes.csv", csv_bytes(rows), ids=codes, weeks=sunday_labels,
                      values=wide))  # fmt: skip
    rows = [["Date", "Product", "Units"]]
    rows += [[f"{d}T00:00:00{'Z' if i % 2 else '+01:00'}", c, int(wide[i, k])]
             for k, d in enumerate(sundays) for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_iso_timestamps.csv", csv_bytes(rows), ids=codes, weeks=sunday_labels,
                      values=wide))  # fmt: skip

    # Dates with a month's name (Excel's 07-Jan-24, SAP's 07.Jan.2024, Jan 7, 2024): the
    # name's place tells the order. Codes such as JAN-24-7 stay products.
    abbr = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    rows = [["product", "day", "units"]]
    rows += [[p, f"{d.day:02d}-{abbr[d.month - 1]}-{d.year % 100:02d}", int(u)]
             for p, d, u in daily]  # fmt: skip
    ids, wk, vals = weekly_sums(daily)
    cases.append(Case("long_daily_month_names.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    rows = [["PRODUCT_ID", "SALE_DATE", "QTY"]]  # Oracle SQL Developer's timestamps
    rows += [[p, f"{d.day:02d}-{abbr[d.month - 1].upper()}-{d.year % 100:02d} "
              f"{(k % 12) or 12:02d}.{k % 60:02d}.00.000000000 {'AM' if k % 24 < 12 else 'PM'}",
              int(u)] for k, (p, d, u) in enumerate(daily)]  # fmt: skip
    cases.append(Case("long_daily_oracle_timestamps.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    # Point-of-sale and shop exports: several names say "product" or "item"; the one that
    # is not a grouping (Product type, vendor) or another thing's number (Transaction ID)
    # holds the products, and names pairing one to one (Item, SKU) are the same products.
    rows = [["Day", "Product title", "Product vendor", "Product type", "Net quantity",
             "Gross sales", "Net sales"]]  # fmt: skip
    rows += [[str(d), p, "Acme", "Widget", int(u), f"{12.5 * u:.2f}", f"{12.5 * u:.2f}"]
             for p, d, u in daily]  # fmt: skip
    cases.append(Case("long_shop_sales_by_product.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    rows = [["Date", "Time", "Category", "Item", "Qty", "SKU", "Gross Sales", "Transaction ID"]]
    rows += [[f"{d.month:02d}/{d.day:02d}/{d.year}", f"12:{k % 60:02d}:00", "Widgets", p,
              int(u), f"SKU-{p}", f"${4.5 * u:.2f}", f"T{k:05d}"]
             for k, (p, d, u) in enumerate(daily)]  # fmt: skip
    cases.append(Case("long_pos_item_sales.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    rows[1:] = [[*r[:5], f"{r[5]}-{k % 2}", *r[6:]] for k, r in enumerate(rows[1:])]
    cases.append(Case("long_pos_two_skus_an_item.csv", csv_bytes(rows), refusal="product",
                      message="Candidates: Item, SKU, "))  # fmt: skip
    # A shop's orders export: the payment date is written on an order's first line only,
    # so the creation date, on every line, is the one whose rows all count.
    rows = [["Name", "Paid at", "Created at", "Lineitem quantity", "Lineitem name",
             "Lineitem sku"]]  # fmt: skip
    rows += [[f"#{1000 + k // 2}", "" if k % 2 else f"{d} 10:00:00 -0500",
              f"{d} 09:{k % 60:02d}:00 -0500", int(u), f"Widget {p}", p]
             for k, (p, d, u) in enumerate(daily)]  # fmt: skip
    cases.append(Case("long_shop_orders.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    # Walmart's Retail Link: the week is a year and week number (WM Week 202451) in a
    # column whose name says week without being one of the usual names.
    yw = [(2024, 51), (2024, 52), *[(2025, w) for w in range(1, 7)]]
    rows = [["Item Nbr", "Item Desc 1", "WM Week", "POS Qty", "POS Sales"]]
    rows += [[c, f"WIDGET {c}", y * 100 + w, int(wide[i, k]), f"{3.5 * wide[i, k]:.2f}"]
             for k, (y, w) in enumerate(yw) for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_retail_link_wm_weeks.csv", csv_bytes(rows), ids=codes,
                      weeks=[f"{y}-W{w:02d}" for y, w in yw], values=wide))  # fmt: skip
    # A fiscal calendar's weeks written with their year (FY2025 W01, FY25 Wk 1) in a long
    # file.
    for name, week in (
        ("long_fiscal_year_weeks.csv", "FY{y} W{w:02d}"),
        ("long_fiscal_short_year_weeks.csv", "FY{yy} Wk {w}"),
    ):
        rows = [["Fiscal Week", "Article", "Units"]]
        rows += [[week.format(y=y, yy=y % 100, w=w), c, int(wide[i, k])]
                 for k, (y, w) in enumerate(yw) for i, c in enumerate(codes)]  # fmt: skip
        cases.append(Case(name, csv_bytes(rows), ids=codes,
                          weeks=[f"{y}-W{w:02d}" for y, w in yw], values=wide))  # fmt: skip
    # Google Analytics' items report by day: dates as 20240107, the item's name and id
    # pairing one to one.
    rows = [["Item name", "Item ID", "Date", "Items purchased", "Item revenue"]]
    rows += [[p, f"id-{p}", d.strftime("%Y%m%d"), int(u), f"{7.5 * u:.2f}"]
             for p, d, u in daily]  # fmt: skip
    cases.append(Case("long_analytics_items_by_day.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    # An item ledger (Business Central's Item Ledger Entries) lists purchases and transfers
    # beside the sales: added up they would count as sales, so it is refused with what to
    # filter. A column of sales and returns is read: returns are sales taken back.
    rows = [["Posting Date", "Entry Type", "Item No.", "Description", "Quantity"]]
    rows += [[f"{d.day:02d}/{d.month:02d}/{d.year}", kind, p, f"Item {p}",
              -int(u) if kind == "Sale" else 100]
             for k, (p, d, u) in enumerate(daily)
             for kind in (["Sale", "Purchase"] if k % 40 == 0 else ["Sale"])]  # fmt: skip
    cases.append(Case("long_item_ledger_entries.csv", csv_bytes(rows), refusal="error",
                      message="there are 'Purchase' rows besides 'Sale' rows. Added up, those "
                      "rows would count as sales. Keep only the sales rows (filter 'Entry Type' "
                      "to 'Sale' and save the file)"))  # fmt: skip
    rows = [["Date", "Sale Kind", "Product", "Units"]]
    rows += [[str(d), "Return" if k % 9 == 0 else "Sale", p, -int(u) if k % 9 == 0 else int(u)]
             for k, (p, d, u) in enumerate(daily)]  # fmt: skip
    net = [(p, d, -u if k % 9 == 0 else u) for k, (p, d, u) in enumerate(daily)]
    net_ids, net_weeks, net_values = weekly_sums(net)
    cases.append(Case("long_sales_and_returns.csv", csv_bytes(rows), ids=net_ids,
                      weeks=net_weeks, values=net_values,
                      options=ReadOptions(clip_negative=False)))  # fmt: skip
    # A Tableau crosstab (and Excel's "Unicode Text"): UTF-16, tabs, weeks named
    # "January 7, 2024" (a comma in every week's name: as many commas as tabs in the
    # header) and numbers over 999 with thousands commas beside plain ones.
    big = wide * 97
    english = [f"{d:%B} {d.day}, {d.year}" for d in sundays]
    rows = [["Product Name", *english]]
    rows += [[c, *(f"{int(x):,}" for x in v)] for c, v in zip(codes, big, strict=True)]
    cases.append(Case("wide_tableau_crosstab.csv", csv_bytes(rows, "\t", "utf-16"), ids=codes,
                      weeks=[str(d) for d in sundays], values=big))  # fmt: skip
    # ... with the sheet's title and a blank line above the header (Spark reads past them).
    titled = [["Sales by week"], [], *rows]
    cases.append(Case("wide_unicode_text_titled.csv", csv_bytes(titled, "\t", "utf-16"),
                      ids=codes, weeks=[str(d) for d in sundays], values=big,
                      note="Skipped 1 title line above the header: 'Sales by week'."))  # fmt: skip
    # SAP's "unconverted" list export: vertical bars, and lines of dashes above and under
    # the header and at the end, which would be read as rows; refused with what to do.
    rule = "-" * 47
    lines = [rule, "| Material   | Plnt | Posting Date | Quantity |", rule]
    lines += [f"| {p:<10} | 1000 | {d:%d.%m.%Y}   | {int(u):>8} |" for p, d, u in daily]
    cases.append(Case("long_sap_unconverted_list.txt", ("\r\n".join([*lines, rule]) + "\r\n")
                      .encode(), refusal="error", message="is a list printed as text, with lines "
                      "of dashes between its rows ('-------------------…'), as SAP's unconverted "
                      "list export"))  # fmt: skip
    # The weeks down the rows and a column per product (a chart's data): refused with how
    # to turn it round, not asked which product "holds the units sold".
    rows = [["Week", *codes]] + [[str(d), *map(int, wide[:, k])] for k, d in enumerate(sundays)]
    cases.append(Case("long_weeks_down_products_across.csv", csv_bytes(rows), refusal="error",
                      message="has the weeks down its rows ('Week') and a column per product "
                      "(P1, P2, P3 … P5), and products are read one to a row. Turn the table "
                      "round"))  # fmt: skip
    # ... but a long file of numbered stores and departments, each date on several rows,
    # is a long file, and asks which columns hold the products.
    rows = [["Date", "Store", "Dept", "Value"]]
    rows += [[str(d), s, t, int(wide[2 * s + t, k])] for k, d in enumerate(sundays)
             for s in (0, 1) for t in (0, 1)]  # fmt: skip
    cases.append(Case("long_numbered_stores_and_departments.csv", csv_bytes(rows),
                      refusal="product", message="Candidates: Store, Dept"))  # fmt: skip
    # ... even when the file is sorted by store and every row looked at (the first 10,000)
    # is store 1: a store column that does not change there may change after.
    fridays = [dt.date(2010, 2, 5) + dt.timedelta(weeks=k) for k in range(143)]
    rows = [["Store", "Dept", "Date", "Weekly_Sales", "IsHoliday"]]
    rows += [[s, t, str(d), f"{(s * 7 + t * 3 + k) % 97 * 10.5:.2f}", "FALSE"]
             for s in (1, 2) for t in range(1, 72) for k, d in enumerate(fridays)]  # fmt: skip
    cases.append(Case("long_sorted_by_store.csv", csv_bytes(rows), refusal="product",
                      message="Candidates: Store, Dept"))  # fmt: skip
    # One product's history without a column naming it: a column of revenue beside the
    # units was read as the products (a product per revenue figure).
    rows = [["Date", "Units", "Revenue"]]
    rows += [[str(d), int(wide[0, k]), f"{9.5 * wide[0, k]:.2f}"] for k, d in enumerate(sundays)]
    cases.append(Case("long_one_product_no_product_column.csv", csv_bytes(rows), refusal="error",
                      message="has no column naming the products: besides 'Date' and 'Units' it "
                      "holds Revenue. Add a column"))  # fmt: skip
    # Units "per week" are a rate of sales, not a value per unit: the units, not Revenue.
    rows = [["Product", "Week", "Units (per week)", "Revenue"]]
    rows += [[c, str(d), int(wide[i, k]), f"{4.25 * wide[i, k]:.2f}"]
             for k, d in enumerate(sundays) for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_units_per_week.csv", csv_bytes(rows), ids=codes,
                      weeks=[str(d) for d in sundays], values=wide))  # fmt: skip
    # Amazon's business report by ASIN: the child ASIN is the product (ASIN is Amazon's
    # product number), the parent ASIN groups a product's variants, the title pairs one
    # to one with the child.
    parent = {p: f"B0PARENT{k // 2}" for k, p in enumerate(ids)}
    rows = [["(Parent) ASIN", "(Child) ASIN", "Title", "Units Ordered",
             "Ordered Product Sales", "Date"]]  # fmt: skip
    rows += [[parent[p], p, f"Widget {p}", int(u), f"${19.99 * u:,.2f}",
              f"{d.month:02d}/{d.day:02d}/{d.year}"] for p, d, u in daily]  # fmt: skip
    cases.append(Case("long_amazon_business_report.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    rows = [["Store", "Product category", "Date", "Units"]]  # the product is both: it asks
    rows += [[f"S{k % 2}", p, str(d), int(u)] for k, (p, d, u) in enumerate(daily)]
    cases.append(Case("long_store_and_category.csv", csv_bytes(rows), refusal="product",
                      message="Candidates: Store, Product category"))  # fmt: skip
    rows = [["Order Reference", "Order Date", "Product", "Quantity", "Unit Price", "Subtotal"]]
    rows += [[f"S{k:05d}", f"{d} 09:30:00", p, f"{u:.2f}", "9.99", f"{9.99 * u:.2f}"]
             for k, (p, d, u) in enumerate(daily)]  # fmt: skip
    cases.append(Case("long_order_lines_unit_price.csv", csv_bytes(rows), ids=ids, weeks=wk,
                      values=vals))  # fmt: skip
    rows = [["Product_Code", "Product_Name", *weeks8]]
    rows += [[c, f"Widget {c}", *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_code_and_name.csv", csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=wide))  # fmt: skip
    rows = [["Product", "Week", "Units"]]
    rows += [[c, f"{abbr[d.month - 1]} {d.day}, {d.year}", int(wide[i, k])]
             for k, d in enumerate(sundays) for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_weekly_month_first_names.csv", csv_bytes(rows), ids=codes,
                      weeks=sunday_labels, values=wide))  # fmt: skip
    rows = [["Product", "Week", "Units"]]  # Excel's long date: Sunday, October 1, 2023
    rows += [[c, f"{d:%A}, {d:%B} {d.day}, {d.year}", int(wide[i, k])]
             for k, d in enumerate(sundays) for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_weekly_excel_long_dates.csv", csv_bytes(rows), ids=codes,
                      weeks=sunday_labels, values=wide))  # fmt: skip
    # A report by week (QuickBooks): columns named by the days they span, across a year
    # end, with a part week at the start left out and said.
    starts = [dt.date(2023, 12, 17) + dt.timedelta(days=7 * k) for k in range(8)]

    def span(a: dt.date, days: int = 7) -> str:
        b = a + dt.timedelta(days=days - 1)
        if a.year != b.year:
            return f"{a:%b} {a.day}, {a.year} - {b:%b} {b.day}, {b.year}"
        return (
            f"{a:%b} {a.day} - {b.day}, {b.year}"
            if a.month == b.month
            else (f"{a:%b} {a.day} - {b:%b} {b.day}, {b.year}")
        )

    head = ["", "Dec 14 - 16, 2023", *[span(a) for a in starts], "TOTAL"]
    rows = [["Sales by Product/Service Summary"], ["January 1 - February 10, 2024"], head]
    rows += [[c, 3, *map(int, v), int(v.sum()) + 3] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_weeks_as_spans_of_days.csv", csv_bytes(rows), ids=codes,
                      weeks=[str(a) for a in starts], values=wide,
                      note="Left out a part week: 'Dec 14 - 16, 2023' (3 days); only whole "
                           "weeks are compared."))  # fmt: skip
    head = ["Product", *[f"{a.month}/{a.day}/{a.year} - {(a + dt.timedelta(6)).month}/"
                         f"{(a + dt.timedelta(6)).day}/{(a + dt.timedelta(6)).year}"
                         for a in starts]]  # fmt: skip
    rows = [head, *[[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]]
    cases.append(Case("wide_weeks_as_spans_of_dates.csv", csv_bytes(rows), ids=codes,
                      weeks=[str(a) for a in starts], values=wide))  # fmt: skip
    rows = [["Product", "Week", "Units"]]
    rows += [[c, span(a), int(wide[i, k])] for k, a in enumerate(starts)
             for i, c in enumerate(codes)]  # fmt: skip
    cases.append(Case("long_weeks_as_spans_of_days.csv", csv_bytes(rows), refusal="error",
                      message="the column 'Week' names each week by the days it spans "
                              "('Dec 17 - 23, 2023'), which is read in week columns' names "
                              "but not in a column of weeks. Write each week's first day "
                              "there ('Dec 17, 2023' for 'Dec 17 - 23, 2023')"))  # fmt: skip
    head = ["SKU", *[f"Wk {k + 1} ({a:%m/%d/%y})" for k, a in enumerate(starts)]]
    rows = [head, *[[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]]
    cases.append(Case("wide_week_numbers_with_dates.csv", csv_bytes(rows), ids=codes,
                      weeks=[str(a) for a in starts], values=wide))  # fmt: skip
    # Years above the weeks (merged cells saved as CSV): a year once over its first week,
    # or over every week; plain week numbers one after another, or W-words.
    top = ["", "2023", "", "", "", "2024", "", "", ""]
    for name, heads, over in (
        ("wide_years_above_weeks.csv", ["Product", "W49", "W50", "W51", "W52", "W1", "W2",
                                        "W3", "W4"], top),
        ("wide_years_above_week_numbers.csv", ["SKU", "49", "50", "51", "52", "1", "2", "3",
                                               "4"], ["", *["2023"] * 4, *["2024"] * 4]),
    ):  # fmt: skip
        rows = [over, heads] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
        weeks = [*(f"2023-W{w}" for w in range(49, 53)), *(f"2024-W0{w}" for w in range(1, 5))]
        cases.append(Case(name, csv_bytes(rows), ids=codes, weeks=weeks, values=wide,
                          note="Read the years above the week columns (2023, 2024) into "
                               "their names (2023-W49 …)."))  # fmt: skip
    rows = [["", "2022", "2023"], ["Product", "5", "6"], ["A", "1", "2"]]  # weeks 5 and 6?
    cases.append(Case("wide_years_over_a_first_row.csv", csv_bytes(rows), refusal="error",
                      message="are years, not weeks"))  # fmt: skip
    ending = [f"Week Ending {d.month}/{d.day}/{d.year}" for d in sundays]  # retail POS
    rows = [["UPC", *ending]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_week_ending_headers.csv", csv_bytes(rows), ids=codes,
                      weeks=sunday_labels, values=wide))  # fmt: skip
    # ... with what is sold before or after the week (syndicated retail data, reports).
    for name, heads in (
        ("wide_unit_sales_week_ending.csv", [f"Unit Sales - {h}" for h in ending]),
        ("wide_units_one_week_ending.csv", [f"Units 1 w/e {d:%m/%d/%y}" for d in sundays]),
        ("wide_dates_then_units.csv", [f"{d:%Y-%m-%d} Units" for d in sundays]),
    ):  # fmt: skip
        rows = [["UPC", *heads]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
        cases.append(Case(name, csv_bytes(rows), ids=codes, weeks=sunday_labels, values=wide))
    named_heads = [f"{d.day:02d}-{abbr[d.month - 1]}-{d.year}" for d in sundays]
    rows = [["SKU", *named_heads]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_month_name_headers.csv", csv_bytes(rows), ids=codes,
                      weeks=sunday_labels, values=wide))  # fmt: skip
    month_codes = ["JAN-24-7", "JAN7", "MAR-2024-7", "SEPT-24-12", "7-DEC-24"]  # one a date
    rows = [["Article", "Date", "Units"]]
    rows += [[c, mondays[k], int(wide[i, k])] for i, c in enumerate(month_codes)
             for k in range(8)]  # fmt: skip
    cases.append(Case("long_product_codes_like_months.csv", csv_bytes(rows), ids=month_codes,
                      weeks=mondays, values=wide))  # fmt: skip
    # Names leave the order to the dates written in numbers: all of them read both ways.
    rows = [["product", "date", "units"]]
    rows += [[c, f"{d.day} {abbr[d.month - 1]} {d.year}" if i == 0 else d.strftime("%d/%m/%Y"),
              int(wide[i, k])]
             for i, c in enumerate(codes) for k, d in enumerate(firsts)]  # fmt: skip
    cases.append(Case("month_names_and_ambiguous_numbers.csv", csv_bytes(rows), refusal="dates",
                      message="reads both day-first and month-first"))  # fmt: skip

    # Title lines above the header (padded with separators, as Excel writes them) and
    # Excel's sep= line are skipped; lines of separators only under the header too.
    table = [["Product", *weeks8]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    pad = [""] * 8
    titled = [["Weekly Sales Report", *pad], ["Exported 2024-03-01", *pad], ["", *pad], *table]
    cases.append(Case("wide_title_lines.csv", csv_bytes(titled), ids=codes, weeks=weeks8,
                      values=wide))  # fmt: skip
    rows = [["product", "week", "units"]]
    rows += [[c, k, int(wide[i, k])] for i, c in enumerate(codes) for k in range(8)]
    cases.append(Case("long_sep_line.csv", b"sep=;\r\n" + csv_bytes(rows, ";"), ids=codes,
                      weeks=weeks8, values=wide))  # fmt: skip
    blank_rows = [*table[:3], ["", *pad], *table[3:], ["", *pad], ["", *pad]]
    cases.append(Case("wide_separator_rows.csv", csv_bytes(blank_rows) + b"\r\n", ids=codes,
                      weeks=weeks8, values=wide))  # fmt: skip
    cases.append(Case("wide_tabs.tsv", csv_bytes(table, "\t"), ids=codes, weeks=weeks8,
                      values=wide))  # fmt: skip
    cases.append(Case("wide_tabs.txt", csv_bytes(table, "\t"), ids=codes, weeks=weeks8,
                      values=wide))  # fmt: skip
    # Weeks written with a word and a year, across a year end: ISO weeks in a long file
    # (2023-W49), and wide headers with the year after the week (W49-2023), which were
    # read as week 492023 and put after W01-2024.
    year_end = [(2023, w) for w in range(49, 53)] + [(2024, w) for w in range(1, 5)]
    iso = [f"{y}-W{w:02d}" for y, w in year_end]
    rows = [["product", "iso_week", "units"]]
    rows += [[c, iso[k], int(wide[i, k])] for i, c in enumerate(codes) for k in range(8)]
    cases.append(Case("long_iso_weeks.csv", csv_bytes(rows), ids=codes, weeks=iso,
                      values=wide))  # fmt: skip
    after = [f"W{w:02d}-{y}" for y, w in year_end]
    rows = [["Product", *after]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_weeks_with_years_after.csv", csv_bytes(rows), ids=codes,
                      weeks=after, values=wide))  # fmt: skip
    rows = [["Article", "KW", "Menge"]]
    rows += [[c, f"KW {w:02d}/{y}", int(wide[i, k])] for i, c in enumerate(codes)
             for k, (y, w) in enumerate(year_end)]  # fmt: skip
    cases.append(Case("long_kw_weeks_de.csv", csv_bytes(rows, ";"), ids=codes, weeks=iso,
                      values=wide))  # fmt: skip
    # Numbers as a spreadsheet shows them, saved as CSV: currency symbols, thousands
    # separators, a minus in brackets or after the number (SAP), spaces between groups.
    money = wide * 100
    money[0, 0] = -money[0, 0] or -100.0
    rows = [["Product", *weeks8]]
    rows += [[c, *(f"({-v:,.2f})" if v < 0 else f"${v:,.2f}" for v in vals)]
             for c, vals in zip(codes, money, strict=True)]  # fmt: skip
    cases.append(Case("wide_money_formatted.csv", csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=money, note="Read 40 numbers written as a spreadsheet shows them "
                      "(with a currency symbol, thousands separators, a count's unit, or a minus "
                      "in brackets or after them: $1,234.00, 12 pcs, (12), 12-) as plain "
                      "numbers."))  # fmt: skip
    # ... and a count's unit after the number, as a number format writes it (0 "pcs").
    for name, unit, sep, order in (
        ("long_units_with_pcs.csv", "pcs", ",", "%Y-%m-%d"),
        ("long_units_with_stk.csv", "Stk.", ";", "%d.%m.%Y"),
    ):
        rows = [["Datum" if sep == ";" else "Date", "SKU", "Menge" if sep == ";" else "Qty"]]
        rows += [[d.strftime(order), c, f"{int(wide[i, k])} {unit}"]
                 for k, d in enumerate(sundays) for i, c in enumerate(codes)]  # fmt: skip
        cases.append(Case(name, csv_bytes(rows, sep), ids=codes,
                          weeks=[str(d) for d in sundays], values=wide))  # fmt: skip
    rows = [["Sum of Revenue", "Column Labels", *[""] * 7], ["Row Labels", *weeks8]]
    rows += [[c, *(f"({-v:,.2f})" if v < 0 else f"${v:,.2f}" for v in vals)]
             for c, vals in zip(codes, money, strict=True)]  # fmt: skip
    cases.append(Case("pivot_money_formatted.csv", csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=money))  # fmt: skip
    rows = [["Material", "Woche", "Menge"]]
    rows += [[c, k, f"{-v:,.3f}-".replace(",", " ").replace(".", ",") if v < 0
              else f"{v:,.2f} €".replace(",", "\u00a0").replace(".", ",")]
             for i, c in enumerate(codes) for k, v in enumerate(money[i])]  # fmt: skip
    cases.append(Case("long_units_formatted_de.csv", csv_bytes(rows, ";"), ids=codes,
                      weeks=weeks8, values=money))  # fmt: skip
    # Pivot tables as Excel (English, German) and LibreOffice export them: a caption line
    # above the header, a total column and a total row; in compact form (products and
    # their dates in one column) and in tabular form written once per product, refused.
    for name, caption, labels, total, sep in (
        ("pivot_excel.csv", ["Sum of Units", "Column Labels"], "Row Labels", "Grand Total", ","),
        ("pivot_excel_de.csv", ["Summe von Menge", "Spaltenbeschriftungen"],
         "Zeilenbeschriftungen", "Gesamtergebnis", ";"),
        ("pivot_libreoffice.csv", ["Sum - Units", "Date"], "Product", "Total Result", ","),
        ("pivot_excel_fr.csv", ["Somme de Quantité", "Étiquettes de colonnes"],
         "Étiquettes de lignes", "Total général", ";"),
        ("pivot_excel_es.csv", ["Suma de Cantidad", "Etiquetas de columna"],
         "Etiquetas de fila", "Total general", ";"),
        ("pivot_excel_it.csv", ["Somma di Quantità", "Etichette di colonna"],
         "Etichette di riga", "Totale complessivo", ";"),
        ("pivot_excel_nl.csv", ["Som van Aantal", "Kolomlabels"], "Rijlabels", "Eindtotaal",
         ";"),
    ):  # fmt: skip
        rows = [[*caption, *[""] * 8], [labels, *mondays, total]]
        rows += [[c, *map(int, v), int(v.sum())] for c, v in zip(codes, wide, strict=True)]
        rows += [[total, *map(int, wide.sum(axis=0)), int(wide.sum())]]
        title = f"{caption[0]} / {caption[1]}"
        title = title if len(title) <= 40 else title[:39] + "…"  # as notes quote long text
        cases.append(Case(name, csv_bytes(rows, sep), ids=codes, weeks=mondays, values=wide,
                          note=f"Skipped 1 title line above the header: '{title}'."))  # fmt: skip
    rows = [["Row Labels", "Sum of Units"]]
    for i, c in enumerate(codes):
        rows += [[c, int(wide[i].sum())]] + [[mondays[k], int(wide[i, k])] for k in range(8)]
    cases.append(Case("pivot_compact.csv", csv_bytes(rows), refusal="error",
                      message="is a pivot table in compact form"))  # fmt: skip
    rows = [["Product", "Week", "Sum of Units"]]
    for i, c in enumerate(codes):
        rows += [[c if k == 0 else "", mondays[k], int(wide[i, k])] for k in range(8)]
        rows += [[f"{c} Total", "", int(wide[i].sum())]]
    cases.append(
        Case(
            "pivot_tabular_written_once.csv",
            csv_bytes(rows),
            refusal="error",
            message="35 of the first 40 rows with a week and units have no 'Product'",
        )
    )
    # A report grouped by product (QuickBooks' Sales by Product/Service Detail): titles,
    # a header whose first cell is blank, each product's name on a line of its own.
    pad9 = [""] * 9
    rows = [["Sample Company", *pad9], ["Sales by Product/Service Detail", *pad9],
            ["January 1 - February 25, 2024", *pad9], ["", *pad9],
            ["", "Date", "Transaction Type", "Num", "Customer", "Memo/Description", "Qty",
             "Sales Price", "Amount", "Balance"]]  # fmt: skip
    for i, c in enumerate(codes):
        rows += [[c, *pad9]]
        rows += [["", dt.date.fromisoformat(mondays[k]).strftime("%m/%d/%Y"), "Invoice",
                  1000 + 8 * i + k, "A customer", "", int(wide[i, k]), "2.00",
                  f"{2 * wide[i, k]:.2f}", ""] for k in range(8)]  # fmt: skip
        rows += [[f"Total for {c}", "", "", "", "", "", int(wide[i].sum()), "", "", ""]]
    cases.append(Case("report_grouped_by_product.csv", csv_bytes(rows), refusal="error",
                      message="is a report grouped by product"))  # fmt: skip
    two_cells = [["Weekly Sales Report", "Exported 2024-03-01"], *table]
    cases.append(Case("title_of_two_cells.csv", csv_bytes(two_cells), refusal="error",
                      message="If it is a title above the header, remove the lines"))  # fmt: skip

    # Period columns that are not weeks: months, days or years are refused with what to
    # do; dated columns a week apart with a week missing between them too (read as they
    # are, the gap would close up). A year beside week numbers (its total) is left out.
    export = (
        ", not weeks{}. Export the sales by week (one column per week), or as a long file "
        "with product, date and units columns (one row per product and day, or per order), "
        "which is added up into weeks."
    )
    month_firsts = [str(dt.date(2024, m, 1)) for m in range(1, 9)]
    for name, header, message in (
        ("wide_monthly_dates.csv", month_firsts, "the columns 2024-01-01, 2024-02-01, "
         "2024-03-01 … 2024-08-01 are months" + export.format(" (their dates are a month "
                                                             "apart)")),
        ("wide_month_names.csv", [f"{m} 2024" for m in ("Jan", "Feb", "Mar", "Apr")],
         "the columns Jan 2024, Feb 2024, Mar 2024, Apr 2024 are months" + export.format("")),
        ("wide_month_names_short_years.csv", ["Nov 23", "Dec 23", "Jan 24", "Feb 24"],
         "the columns Nov 23, Dec 23, Jan 24, Feb 24 are months" + export.format("")),
        ("wide_days_without_year.csv", ["1-Jan", "8-Jan", "15-Jan", "22-Jan"],
         "the columns 1-Jan, 8-Jan, 15-Jan, 22-Jan name days without their year, so the "
         "weeks cannot be placed in time. Write each date with its year (1-Jan-2024; in "
         "Excel, format the header cells as a date with the year) and read the file again."),
        ("wide_month_days_without_year.csv", ["Jan 1", "Jan 8", "Jan 15", "Jan 22"],
         "the columns Jan 1, Jan 8, Jan 15, Jan 22 name days without their year"),
        ("wide_year_months.csv", [f"2024-{m:02d}" for m in range(1, 9)], "the columns "
         "2024-01, 2024-02, 2024-03 … 2024-08 are months"
         + export.format(" (2024-01 is read as month 1 of 2024)")),
        ("wide_daily_dates.csv", [f"2024-01-{d:02d}" for d in range(1, 9)], "the columns "
         "2024-01-01, 2024-01-02, 2024-01-03 … 2024-01-08 are days"
         + export.format(" (their dates are days apart)")),
        ("wide_years.csv", ["2022", "2023", "2024"], "the columns 2022, 2023, 2024 are years"
         + export.format("")),
        ("wide_dates_missing_week.csv", [mondays[0], mondays[1], mondays[3], mondays[4]],
         "the date columns are not one week apart: 2024-01-08 is followed by 2024-01-22, 14 "
         "days later. Give every week a column of its own (0 for a week without sales), or "
         "use a long file"),
    ):  # fmt: skip
        rows = [["Product", *header]]
        rows += [[c, *map(int, v[: len(header)])] for c, v in zip(codes, wide, strict=True)]
        cases.append(Case(name, csv_bytes(rows), refusal="error", message=message))
    # Year and week numbers written 2023-52 (a number above 12: not months) are weeks.
    year_week_heads = [f"2023-{w}" for w in range(49, 53)] + [f"2024-0{w}" for w in range(1, 5)]
    rows = [["Product", *year_week_heads]]
    rows += [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_year_week_headers.csv", csv_bytes(rows), ids=codes,
                      weeks=year_week_heads, values=wide))  # fmt: skip
    # SAP BW's calendar weeks (week, dot, year) and fiscal weeks (FY23 Wk 49) across a
    # year end.
    for name, heads in (
        ("wide_week_dot_year_headers.csv",
         [f"{w}.2023" for w in range(49, 53)] + [f"0{w}.2024" for w in range(1, 5)]),
        ("wide_fiscal_week_headers.csv",
         [f"FY23 Wk {w}" for w in range(49, 53)] + [f"FY24 Wk {w}" for w in range(1, 5)]),
    ):  # fmt: skip
        rows = [["Material", *heads]]
        rows += [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
        cases.append(Case(name, csv_bytes(rows), ids=codes, weeks=heads, values=wide))
    # Week headers with more in them: a span without its year after the week's number, a
    # two-digit year, what is sold before or after the week (units beside revenue: the
    # units are the weeks), and Excel's "Sum of" when a pivot table's values are weeks.
    starts = [dt.date(2024, 1, 1) + dt.timedelta(weeks=k) for k in range(8)]
    for name, heads in (
        ("wide_week_number_then_span.csv",
         [f"Week {k + 1} ({d:%b} {d.day} - {d + dt.timedelta(days=6):%b} "
          f"{(d + dt.timedelta(days=6)).day})" for k, d in enumerate(starts)]),
        ("wide_week_short_year.csv",
         [f"Wk{w}-23" for w in range(49, 53)] + [f"Wk{w}-24" for w in range(1, 5)]),
        ("wide_sum_of_weeks.csv", [f"Sum of {w}" for w in weeks8]),
    ):  # fmt: skip
        rows = [["Product", *heads]] + [[c, *map(int, v)] for c, v in zip(codes, wide, strict=True)]
        cases.append(Case(name, csv_bytes(rows), ids=codes, weeks=heads, values=wide))
    heads = [f"Week {k} Units" for k in range(1, 9)]
    rows = [
        ["Product", *(h for k in range(1, 9) for h in (f"Week {k} Units", f"Week {k} Revenue"))]
    ]
    rows += [[c, *(x for u in v for x in (int(u), f"{u * 9.99:.2f}"))]
             for c, v in zip(codes, wide, strict=True)]  # fmt: skip
    cases.append(Case("wide_units_and_revenue_by_week.csv", csv_bytes(rows), ids=codes,
                      weeks=heads, values=wide,
                      note="Ignored 8 columns that are not weekly sales: Week 1 Revenue, Week 2 "
                      "Revenue, Week 3 Revenue … Week 8 Revenue."))  # fmt: skip
    numbers = [str(k) for k in range(1, 9)]
    rows = [["Product", *numbers, "2024", "Total"]]
    rows += [[c, *map(int, v), int(v.sum()), int(v.sum())]
             for c, v in zip(codes, wide, strict=True)]  # fmt: skip
    cases.append(Case("wide_year_total_column.csv", csv_bytes(rows), ids=codes, weeks=numbers,
                      values=wide,
                      note="Left out column 2024: a year, not a week number."))  # fmt: skip

    # Lines of spaces (or of spaces and separators) are empty lines, on every path.
    spaced = (
        csv_bytes(table)
        .replace(b"\r\nP3", b"\r\n   \r\nP3")
        .replace(b"\r\nP5", b"\r\n , , \t,,,,,,\r\nP5")
    )
    cases.append(Case("wide_lines_of_spaces.csv", spaced, ids=codes, weeks=weeks8, values=wide,
                      note="Skipped 2 empty lines."))  # fmt: skip

    # A spreadsheet's empty edge columns (no name, no value) are counted, not named.
    rows = [["", "Product_Code", *weeks8, ""]]
    rows += [["", c, *map(int, v), ""] for c, v in zip(codes, wide, strict=True)]
    cases.append(Case("wide_empty_edge_columns.csv", csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=wide,
                      note="Ignored 2 empty columns without a name."))  # fmt: skip
    rows = [["", "Item", "Week", "Units"]]
    rows += [["", c, w, int(wide[i, k])] for i, c in enumerate(codes)
             for k, w in enumerate(weeks8)]  # fmt: skip
    cases.append(Case("long_empty_edge_column.csv", csv_bytes(rows), ids=codes, weeks=weeks8,
                      values=wide, note="Ignored an empty column without a name."))  # fmt: skip

    # True/false is not a number of units: a boolean week column is refused everywhere.
    cases.append(Case("wide_true_false_week.parquet", _parquet(
        {"Product_Code": codes, "W0": [bool(x % 2) for x in wide[:, 0]]}
        | {w: wide[:, k] for k, w in enumerate(weeks8) if k}
    ), refusal="error", message="the week column 'W0' holds true/false values, not units sold: "
                                "'False' in W0 is not a number. Save the units sold each week "
                                "as numbers and read the file again."))  # fmt: skip

    cases.append(Case("wide.parquet", _parquet(
        {"Product_Code": codes} | {w: wide[:, k] for k, w in enumerate(weeks8)}
    ), ids=codes, weeks=weeks8, values=wide))  # fmt: skip
    cases.append(Case("long_dates.parquet", _parquet({
        "sku": [c for c in codes for _ in range(8)],
        "date": [dt.date.fromisoformat(m) for _ in codes for m in mondays],
        "units": [float(wide[i, k]) for i in range(5) for k in range(8)],
    }), ids=codes, weeks=mondays, values=wide))  # fmt: skip
    return cases

"""Write the example sales exports in ``assets/examples/``: a weekly store-sales export in long
layout and a shop's order-lines export (semicolons, Windows-1252). Made by code, so the
tests know every number in them, and the README's commands have real files to run on.

    .venv/bin/python scripts/make_sales_examples.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "assets" / "examples"
STORE_SALES = EXAMPLES / "store_weekly_sales.csv"
ORDER_LINES = EXAMPLES / "order_lines.csv"


def csv_bytes(rows: list[list[object]], sep: str = ",", encoding: str = "utf-8") -> bytes:
    """``rows`` as CSV bytes with CRLF line ends, as spreadsheets write them."""
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def week_start_day(day: dt.date, start: int = 0) -> dt.date:
    """The first day of ``day``'s week, weeks starting on weekday ``start`` (0 = Monday)."""
    return day - dt.timedelta(days=(day.weekday() - start) % 7)


def weekly_sums(
    lines: list[tuple[str, dt.date, float]], start: int = 0, added: bool = True
) -> tuple[list[str], list[str], np.ndarray]:
    """Products (first-seen order), week labels and sums of (product, day, units) lines,
    computed with the standard library: the independent answer for long layouts."""
    keys = [(p, week_start_day(d, start) if added else d, u) for p, d, u in lines]
    first, last = min(k for _, k, _ in keys), max(k for _, k, _ in keys)
    n = (last - first).days // 7 + 1
    products = list(dict.fromkeys(p for p, _, _ in keys))
    values = np.zeros((len(products), n))
    for p, k, u in keys:
        values[products.index(p), (k - first).days // 7] += u
    weeks = [str(first + dt.timedelta(days=7 * i)) for i in range(n)]
    return products, weeks, values


def store_sales_rows() -> tuple[list[list[object]], list[str], list[str], np.ndarray]:
    """A weekly store-sales export in long layout: 45 stores x 143 weeks = 6,435 rows,
    one per store and week (Fridays from 05-02-2010, written day-first), the units in
    ``Weekly_Sales`` and extra numeric columns (holiday flag, temperature, fuel price,
    CPI, unemployment)."""
    rng = np.random.default_rng(45)
    days = [dt.date(2010, 2, 5) + dt.timedelta(weeks=k) for k in range(143)]
    header = ["Store", "Date", "Weekly_Sales", "Holiday_Flag", "Temperature", "Fuel_Price",
              "CPI", "Unemployment"]  # fmt: skip
    rows: list[list[object]] = [header]
    values = np.empty((45, 143))
    for s in range(45):
        base = rng.uniform(3e5, 2e6)
        season = 1 + 0.25 * np.sin(np.arange(143) * 2 * np.pi / 52 + rng.uniform(0, 6))
        sales = np.round(base * season * rng.normal(1, 0.05, 143), 2)
        values[s] = sales
        for k, day in enumerate(days):
            rows.append([
                s + 1, day.strftime("%d-%m-%Y"), f"{sales[k]:.2f}",
                int(day.month == 12 and day.day > 20), f"{rng.uniform(10, 95):.2f}",
                f"{rng.uniform(2.5, 4.2):.3f}", f"{rng.uniform(126, 228):.7f}",
                f"{rng.uniform(4, 14):.3f}",
            ])  # fmt: skip
    return rows, [str(s + 1) for s in range(45)], [str(d) for d in days], values


def order_lines() -> tuple[bytes, list[str], list[str], np.ndarray]:
    """An order-lines export of a shop: semicolons, Windows-1252, quoted product names
    with semicolons inside, several lines per product and week, Sales (decimal commas),
    Quantity and Profit columns, Order Date and Ship Date day-first."""
    rng = np.random.default_rng(7)
    names = ["Café crème; 250 g", "Crème brûlée « maison »", "Thé vert; bio", "Gâteau Noël",
             "Pâté 'forêt'", "Bière blonde; 33 cl"]  # fmt: skip
    products = [f"P-{k:03d}" for k in range(30)]
    header = ["Row ID", "Order ID", "Order Date", "Ship Date", "Customer Name", "Product ID",
              "Category", "Product Name", "Sales", "Quantity", "Discount", "Profit"]  # fmt: skip
    rows: list[list[object]] = [header]
    lines: list[tuple[str, dt.date, float]] = []
    start = dt.date(2016, 1, 4)
    for r in range(1800):
        day = start + dt.timedelta(days=int(rng.integers(0, 364)))
        p = int(rng.integers(0, len(products)))
        qty = int(rng.integers(1, 9))
        price = round(float(rng.uniform(2, 80)), 2)
        sales = round(qty * price, 2)
        ship = day + dt.timedelta(days=int(rng.integers(1, 6)))
        lines.append((products[p], day, qty))
        rows.append([
            r + 1, f"FR-2016-{100000 + r // 3}", day.strftime("%d/%m/%Y"),
            ship.strftime("%d/%m/%Y"), "Élodie Müller", products[p], "Épicerie",
            names[p % len(names)], f"{sales:.2f}".replace(".", ","), qty,
            "0,2", f"{sales * 0.1:.2f}".replace(".", ","),
        ])  # fmt: skip
    ids, weeks, values = weekly_sums(lines)
    return csv_bytes(rows, ";", "cp1252"), ids, weeks, values


def three_year_stores() -> tuple[bytes, list[str], list[str], np.ndarray]:
    """A weekly store export of three years: 12 stores x 156 weeks (Mondays from
    2021-01-04, ISO dates), one row per store and week, units in ``Units``."""
    rng = np.random.default_rng(156)
    days = [dt.date(2021, 1, 4) + dt.timedelta(weeks=k) for k in range(156)]
    rows: list[list[object]] = [["Store", "Week", "Units"]]
    values = np.empty((12, 156))
    for s in range(12):
        season = 1 + 0.4 * np.sin(np.arange(156) * 2 * np.pi / 52 + rng.uniform(0, 6))
        values[s] = np.round(rng.uniform(200, 2000) * season * rng.normal(1, 0.05, 156))
        rows += [[f"S{s + 1:02d}", str(day), int(values[s, k])] for k, day in enumerate(days)]
    return csv_bytes(rows), [f"S{s + 1:02d}" for s in range(12)], [str(d) for d in days], values


def three_week_orders() -> tuple[bytes, list[str], list[str], np.ndarray]:
    """Three weeks of an online shop's order lines (6-26 December 2010), with month-first
    two-digit-year dates and times (``12/13/10 9:05``), returns, postage and discounts:
    40 stock codes that sell, ``C-RET`` only returned, ``POST`` charged and refunded as
    often (net 0) and ``D`` (discount lines, always -1). Products in first-seen order;
    weeks start on Monday (6, 13 and 20 December 2010)."""
    rng = np.random.default_rng(3)
    codes = [f"2{k:04d}" for k in range(40)]
    header = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate",
              "UnitPrice", "CustomerID", "Country"]  # fmt: skip
    rows: list[list[object]] = [header]
    lines: list[tuple[str, dt.date, float]] = []
    for r in range(1200):
        day = dt.date(2010, 12, 6) + dt.timedelta(days=int(rng.integers(0, 21)))
        code, qty = codes[r % len(codes)], int(rng.integers(1, 24))
        if r % 50 == 7:
            code, qty = "C-RET", -int(rng.integers(1, 4))
        elif r % 50 in (11, 12):
            code, qty = "POST", 1 if r % 50 == 11 else -1
        elif r % 50 == 13:
            code, qty = "D", -1
        when = f"{day.month}/{day.day}/{day.year % 100} {int(rng.integers(8, 18))}:05"
        lines.append((code, day, qty))
        rows.append([
            f"5{36000 + r // 4}", code, f"ITEM {code}", qty, when,
            f"{rng.uniform(0.4, 9):.2f}", 12000 + r % 97, "United Kingdom",
        ])  # fmt: skip
    ids, weeks, values = weekly_sums(lines)
    return csv_bytes(rows), ids, weeks, values


def main() -> None:
    """Write both example files."""
    EXAMPLES.mkdir(parents=True, exist_ok=True)
    STORE_SALES.write_bytes(csv_bytes(store_sales_rows()[0]))
    ORDER_LINES.write_bytes(order_lines()[0])
    print(f"wrote {STORE_SALES.relative_to(ROOT)} and {ORDER_LINES.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

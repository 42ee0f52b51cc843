"""The one target grammar: ``blog | FILE | product:CODE | values:N,N,…``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwcore import cli
from dtwcore.sales import BLOG_TARGET, CatalogError
from dtwcore.sales.export import download_name
from dtwcore.sales.target import (
    TargetSpec,
    curve_label,
    load_target,
    parse_target_spec,
    product_spec,
    shape_label,
    values_spec,
)

from .conftest import UCI_CSV


@pytest.mark.parametrize(
    "text, kind, rest, name, label",
    [
        ("blog", "published", "", "published capacity", "published capacity"),
        ("  BLOG ", "published", "", "published capacity", "published capacity"),
        ("product:P83", "product", "P83", "P83", "target P83"),
        ("product:Store 1 | Dept 7", "product", "Store 1 | Dept 7", "Store 1 | Dept 7",
         "target Store 1 | Dept 7"),
        ("values:1,2.5,3", "values", "1,2.5,3", "your values", "your values"),
        ("exports/capacity.csv", "file", "exports/capacity.csv", "capacity.csv",
         "target capacity.csv"),
    ],
)  # fmt: skip
def test_each_form_is_read_and_written_back(
    text: str, kind: str, rest: str, name: str, label: str
) -> None:
    spec = parse_target_spec(text)
    assert spec == TargetSpec(kind, rest)  # type: ignore[arg-type]
    assert spec.name == name
    assert spec.label == label
    assert parse_target_spec(spec.spec()) == spec


def test_run_and_download_names_name_the_target() -> None:
    """One label per target, in run names and download names alike."""
    uci = "Sales_Transactions_Dataset_Weekly.csv"
    assert shape_label(2, uci) == "shape 2 of Sales_Transactions_Dataset_Weekly"
    assert shape_label(1, "Demo data (made-up products)") == "shape 1 of demo"
    assert curve_label(BLOG_TARGET) == "published capacity"
    assert curve_label(BLOG_TARGET[:-1]) == curve_label(BLOG_TARGET + 1) == "your values"
    day = dt.date(2026, 12, 6)
    names = [
        download_name("scores", "orders.csv", 0.05, day, target=product_spec("P83").label),
        download_name("shortlist", uci, 0.1, day, target=curve_label(BLOG_TARGET)),
        download_name("scores", uci, 0.05, day, target=shape_label(2, uci)),
    ]
    assert names == [
        "scores_orders_target_P83_stretch0.05_2026-12-06.csv",
        "shortlist_Sales_Transactions_Dataset_Weekly_published_capacity_stretch0.10_2026-12-06.csv",
        "scores_Sales_Transactions_Dataset_Weekly_shape_2_of_Sales_Transactions_Dataset_Weekly"
        "_stretch0.05_2026-12-06.csv",
    ]


def test_bad_specs_say_what_to_write() -> None:
    with pytest.raises(CatalogError, match=r"^the target is empty: give blog\|FILE\|product:"):
        parse_target_spec(" ")
    with pytest.raises(CatalogError, match="^the target 'product:' names no product"):
        parse_target_spec("product:")
    with pytest.raises(CatalogError, match="needs a sales file to find the product in"):
        load_target(product_spec("P1"))


def test_load_each_form(tmp_path: Path) -> None:
    assert np.array_equal(load_target(parse_target_spec("blog")), BLOG_TARGET)
    values = values_spec([12.5, 13, 1e-3])
    assert values.text == "12.5,13,0.001"
    assert load_target(values).tolist() == [12.5, 13.0, 0.001]
    (tmp_path / "cap.csv").write_text("capacity\n4\n5\n6\n")
    assert load_target(parse_target_spec(str(tmp_path / "cap.csv"))).tolist() == [4, 5, 6]
    series = {"P1": np.array([1.0, 2.0])}
    assert load_target(product_spec("P1"), series.__getitem__).tolist() == [1.0, 2.0]
    with pytest.raises(CatalogError, match="line 2: 'x' is not a number"):
        load_target(parse_target_spec("values:1,x"))


def test_score_and_sweep_read_the_same_grammar(tmp_path: Path) -> None:
    out_values, out_file = tmp_path / "v.csv", tmp_path / "f.csv"
    spec = values_spec(BLOG_TARGET).spec()
    assert cli.main(["score", str(UCI_CSV), "--out", str(out_values), "--target", spec,
                     "--quiet"]) == 0  # fmt: skip
    assert cli.main(["score", str(UCI_CSV), "--out", str(out_file), "--quiet"]) == 0
    assert pd.read_csv(out_values).equals(pd.read_csv(out_file))
    parser = cli.build_parser("sweep")
    args = parser.parse_args(["sweep", str(UCI_CSV), "--target", "product:P83"])
    assert args.target == "product:P83"

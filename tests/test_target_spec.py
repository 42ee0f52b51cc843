"""The one target grammar: ``blog | FILE | product:CODE | values:N,N,…``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dtwcore import cli
from dtwcore.sales import BLOG_TARGET, CatalogError
from dtwcore.sales.target import (
    TargetSpec,
    load_target,
    parse_target_spec,
    product_spec,
    values_spec,
)

from .conftest import UCI_CSV


@pytest.mark.parametrize(
    "text, kind, rest, name",
    [
        ("blog", "published", "", "published capacity"),
        ("  BLOG ", "published", "", "published capacity"),
        ("product:P83", "product", "P83", "P83"),
        ("product:Store 1 | Dept 7", "product", "Store 1 | Dept 7", "Store 1 | Dept 7"),
        ("values:1,2.5,3", "values", "1,2.5,3", "your values"),
        ("exports/capacity.csv", "file", "exports/capacity.csv", "capacity.csv"),
    ],
)
def test_each_form_is_read_and_written_back(text: str, kind: str, rest: str, name: str) -> None:
    spec = parse_target_spec(text)
    assert spec == TargetSpec(kind, rest)  # type: ignore[arg-type]
    assert spec.name == name
    assert parse_target_spec(spec.spec()) == spec


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

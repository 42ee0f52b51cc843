"""Sales catalogues: the published facts, the one reader, scoring, target, downloads, demo.

Modules, from the bottom up:

* :mod:`~dtwcore.sales.facts`: the published target, stretch factors, outlier rules, limits;
* :mod:`~dtwcore.sales.errors`: the errors of reading a catalogue or a target;
* :mod:`~dtwcore.sales.units`: units or money, the money words and currencies;
* :mod:`~dtwcore.sales.arrays`: NumPy to and from Arrow without importing pandas;
* :mod:`~dtwcore.sales.catalog`: :class:`Catalog`;
* :mod:`~dtwcore.sales.dialect`: bytes to rows of text (encoding, separator, decimals);
* :mod:`~dtwcore.sales.columns`: the column rules (layout, product, week, units, dates);
* :mod:`~dtwcore.sales.reading`: the one reader, whole (:func:`load_catalog`) or streamed
  (:class:`CatalogReader`);
* :mod:`~dtwcore.sales.target` (the target and its one grammar),
  :mod:`~dtwcore.sales.scoring` (distances, the ranking rule, z-scores, outliers),
  :mod:`~dtwcore.sales.export` (safe CSV, file names), :mod:`~dtwcore.sales.demo`;
* :mod:`~dtwcore.sales.results` (scoring a file batch by batch, result files),
  :mod:`~dtwcore.sales.spark` (the same on Spark) and :mod:`~dtwcore.sales.mix` (the
  product mix that fills the capacity: search, exact checks, plan), imported on demand.

Every public name is importable from ``dtwcore.sales`` itself.
"""

from dtwcore.sales.catalog import EXCLUDED_COLUMNS, Catalog
from dtwcore.sales.columns import (
    DATE_ORDERS,
    ID_JOIN,
    ID_WORDS,
    LAYOUTS,
    LONG_WEEK_NAMES,
    SNIFF_ROWS,
    SUMMARY_NAMES,
    WEEKDAYS,
    ReadOptions,
    Roles,
    resolve_roles,
    week_start_day,
)
from dtwcore.sales.demo import DEMO_CODES, DEMO_KINDS, DEMO_NAME, demo_catalog
from dtwcore.sales.dialect import (
    DECIMAL_COMMA,
    DECIMAL_SNIFF_ROWS,
    Dialect,
    Source,
    has_decimal_commas,
    sniff_dialect,
    sniff_separator,
)
from dtwcore.sales.errors import (
    AmbiguousColumns,
    AmbiguousIdColumn,
    CatalogError,
    CatalogTooLarge,
)
from dtwcore.sales.export import csv_text, neutralise_formulas, read_csv_text, restore_formulas
from dtwcore.sales.facts import (
    BIG_CATALOGUES,
    BLOG_TARGET,
    DEFAULT_STRETCH,
    HISTOGRAM_BINS,
    MAX_UNITS,
    MAX_UPLOAD_MB,
    MAX_WEEKS,
    PAGE_LIMITS,
    PUBLISHED_STRETCHES,
    QUANTILE,
    QUANTILE_RULE,
    VOLUME_BAND,
    ZSCORE_RULE,
    ZSCORE_THRESHOLD,
    Limits,
)
from dtwcore.sales.reading import (
    BATCH_ROWS,
    Batch,
    CatalogReader,
    Layout,
    check_values,
    file_format,
    load_catalog,
    peek,
    summary_line,
    to_matrix,
)
from dtwcore.sales.scoring import (
    SCORE_COLUMNS,
    distance_cut,
    euclidean_distances,
    quantile_outliers,
    rank_distances,
    rank_order,
    score_catalog,
    shortlist,
    zscore_outliers,
    zscores,
)
from dtwcore.sales.target import parse_target

__all__ = [
    "BATCH_ROWS",
    "BIG_CATALOGUES",
    "BLOG_TARGET",
    "DATE_ORDERS",
    "DECIMAL_COMMA",
    "DECIMAL_SNIFF_ROWS",
    "DEFAULT_STRETCH",
    "DEMO_CODES",
    "DEMO_KINDS",
    "DEMO_NAME",
    "EXCLUDED_COLUMNS",
    "HISTOGRAM_BINS",
    "ID_JOIN",
    "ID_WORDS",
    "LAYOUTS",
    "LONG_WEEK_NAMES",
    "MAX_UNITS",
    "MAX_UPLOAD_MB",
    "MAX_WEEKS",
    "PAGE_LIMITS",
    "PUBLISHED_STRETCHES",
    "QUANTILE",
    "QUANTILE_RULE",
    "SCORE_COLUMNS",
    "SNIFF_ROWS",
    "SUMMARY_NAMES",
    "VOLUME_BAND",
    "WEEKDAYS",
    "ZSCORE_RULE",
    "ZSCORE_THRESHOLD",
    "AmbiguousColumns",
    "AmbiguousIdColumn",
    "Batch",
    "Catalog",
    "CatalogError",
    "CatalogReader",
    "CatalogTooLarge",
    "Dialect",
    "Layout",
    "Limits",
    "ReadOptions",
    "Roles",
    "Source",
    "check_values",
    "csv_text",
    "demo_catalog",
    "distance_cut",
    "euclidean_distances",
    "file_format",
    "has_decimal_commas",
    "load_catalog",
    "neutralise_formulas",
    "parse_target",
    "peek",
    "quantile_outliers",
    "rank_distances",
    "rank_order",
    "read_csv_text",
    "resolve_roles",
    "restore_formulas",
    "score_catalog",
    "shortlist",
    "sniff_dialect",
    "sniff_separator",
    "summary_line",
    "to_matrix",
    "week_start_day",
    "zscore_outliers",
    "zscores",
]

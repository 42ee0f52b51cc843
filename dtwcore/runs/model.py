"""The logged sales model: DTW distance of new products to a fixed target.

The model is an MLflow *model from code*: the run stores the short script
``dtwcore/runs/model_code.py`` and a plain JSON-compatible configuration (target pattern,
stretch factor, z-normalisation, column names), never a pickle. Loading the model runs
the script, which builds :class:`DistanceModel` from :mod:`dtwcore`, so the numbers a
loaded or served model returns are the numbers :func:`dtwcore.sales.score_catalog`
computes.

Input: a DataFrame with one row per product (the wide layout of the one reader, read by
the same column rules as the page and the command line): the weekly unit sales in week
columns and, optionally, a product column such as ``Product_Code``.
Output: a DataFrame with the id column (when given) and ``distance``.
"""

from __future__ import annotations

import importlib.metadata
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from mlflow.models import ModelSignature
from mlflow.tracking import MlflowClient
from mlflow.tracking.context.registry import resolve_tags
from mlflow.types import ColSpec, DataType, Schema
from mlflow.types.schema import AnyType

from dtwcore.distance import check_stretch, dtw_one_to_many
from dtwcore.sales.columns import (
    SNIFF_ROWS,
    ReadOptions,
    clean_header,
    resolve_roles,
    week_number,
)

MODEL_CODE = Path(__file__).with_name("model_code.py")
MODEL_NAME = "model"
ID_COLUMN = "Product_Code"
DISTANCE_COLUMN = "distance"

_GLOBAL_URI_LOCK = threading.RLock()

# Packages the model needs besides dtwcore itself; dtwcore is imported from the local
# installation (serve with ``--env-manager local``).
_REQUIREMENTS = ("mlflow", "numpy", "pandas", "numba", "llvmlite")


def model_config(
    target: Sequence[float] | np.ndarray,
    *,
    stretch: float,
    znorm: bool,
    weeks: Sequence[str],
    id_column: str = ID_COLUMN,
) -> dict[str, Any]:
    """The model's configuration: plain numbers, strings and booleans only.

    Parameters
    ----------
    target : array [shape=(T,)] weekly capacity in units
    stretch : float in [0, 1], Sakoe-Chiba radius as a fraction of the target's length
    znorm : bool, compare shapes (z-normalised) rather than raw units
    weeks : names of the weekly columns the model was logged with (its signature)
    id_column : name of the product id column in the signature
    """
    values = np.asarray(target, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError("the target must be a non-empty list of finite numbers")
    stretch = check_stretch(stretch)
    return {
        "target": [float(v) for v in values],
        "stretch": stretch,
        "znorm": bool(znorm),
        "weeks": [str(w) for w in weeks],
        "id_column": str(id_column),
    }


def split_products(frame: pd.DataFrame) -> tuple[str | None, np.ndarray | None, np.ndarray]:
    """Split a product table into its product column and its weekly values.

    The table is read as the wide layout of the one reader
    (:func:`dtwcore.sales.resolve_roles`): week columns named ``W0`` …, ``Week 1`` … or
    dates, in week order (else every numeric column that is not a summary such as MIN or
    MAX), and the product column by the same rules; a table of week columns only has no
    product column. Returns ``(id_name, ids, values)`` with ``values`` of shape (N, W),
    float64 (``id_name`` and ``ids`` are None without a product column).
    """
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    header = clean_header([str(c) for c in frame.columns], "the input")
    numeric = [
        h for h, c in zip(header, frame.columns, strict=True)
        if pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]  # fmt: skip
    if not numeric:
        raise ValueError("no weekly sales columns: give one numeric column per week")
    if frame.shape[0] == 0:
        raise ValueError("no products given: add at least one row")
    named = frame.set_axis(header, axis=1)
    if all(h in numeric for h in header):
        numbered = all(week_number(h) is not None for h in header)
        id_name, weeks = None, sorted(header, key=week_number) if numbered else header
    else:
        sample = named.head(SNIFF_ROWS).astype(object).where(named.notna(), None)
        roles = resolve_roles(
            header, sample.values.tolist(), ReadOptions(layout="wide"), "the input"
        )
        if len(roles.ids) != 1:
            raise ValueError("give one product column")
        id_name, weeks = roles.ids[0], list(roles.weeks)
    values = named[weeks].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(
            f"row {int(row) + 1}, column {weeks[int(col)]}: empty or not a number; "
            "every week needs a value"
        )
    if id_name is None:
        return None, None, values
    return id_name, named[id_name].astype(str).to_numpy(), values


class DistanceModel(mlflow.pyfunc.PythonModel):
    """pyfunc model: DTW distance of each product row to the configured target."""

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        config = context.model_config or {}
        self.target = np.asarray(config["target"], dtype=np.float64)
        self.stretch = float(config["stretch"])
        self.znorm = bool(config["znorm"])

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext | None,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Distances, one row per input product, in input order."""
        id_name, ids, values = split_products(model_input)
        dist = dtw_one_to_many(self.target, values, stretch=self.stretch, znorm=self.znorm)
        out = pd.DataFrame({DISTANCE_COLUMN: dist})
        if id_name is not None:
            out.insert(0, id_name, ids)
        return out


def signature(weeks: Sequence[str], id_column: str = ID_COLUMN) -> ModelSignature:
    """Input: an optional string id column and one column per week; output: distance.

    The weekly columns are typed ``Any`` rather than ``double`` because MLflow refuses to
    convert int64 columns to double, and unit sales read from a CSV file are int64;
    :func:`split_products` checks that every value is a finite number instead.
    """
    inputs = Schema(
        [ColSpec(DataType.string, id_column, required=False)]
        + [ColSpec(AnyType(), str(w)) for w in weeks]
    )
    outputs = Schema(
        [ColSpec(DataType.string, id_column, required=False), ColSpec(DataType.double, "distance")]
    )
    return ModelSignature(inputs=inputs, outputs=outputs)


def input_example(
    ids: Sequence[str], values: np.ndarray, weeks: Sequence[str], id_column: str = ID_COLUMN
) -> pd.DataFrame:
    """A small example table in the signature's layout (the first two products)."""
    frame = pd.DataFrame(np.asarray(values, dtype=np.float64)[:2], columns=[str(w) for w in weeks])
    frame.insert(0, id_column, [str(i) for i in list(ids)[:2]])
    return frame


def _requirements() -> list[str]:
    pins = []
    for name in _REQUIREMENTS:
        try:
            pins.append(f"{name}=={importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            pins.append(name)
    return pins


def log_model(
    config: dict[str, Any],
    example: pd.DataFrame,
    *,
    tracking_uri: str,
    experiment_id: str,
    run_id: str,
    params: dict[str, Any] | None = None,
) -> mlflow.models.model.ModelInfo:
    """Log the model from code as the model ``model`` of run ``run_id``.

    The run is named, not taken from the fluent API's active run, so no run is started or
    ended here (:mod:`dtwcore.runs.recorder` does that). The logged model is created in
    the run's experiment by a client bound to ``tracking_uri``, with ``params`` (the
    run's) and MLflow's context tags (user, source, git commit); without an active run
    MLflow would file it under the store's default experiment, where ``runs:/<id>/model``
    does not find it. MLflow's tracking URI is set only for the call that writes the
    model's files (see :func:`use_tracking_uri`).
    """
    created = MlflowClient(tracking_uri).create_logged_model(
        experiment_id,
        name=MODEL_NAME,
        source_run_id=run_id,
        tags=resolve_tags(),
        params={name: str(value) for name, value in (params or {}).items()},
    )
    with use_tracking_uri(tracking_uri):
        return mlflow.models.Model.log(
            artifact_path=None,
            name=MODEL_NAME,
            flavor=mlflow.pyfunc,
            run_id=run_id,
            model_id=created.model_id,
            python_model=str(MODEL_CODE),
            model_config=config,
            signature=signature(config["weeks"], config["id_column"]),
            input_example=example,
            pip_requirements=_requirements(),
        )


def model_uri(run_id: str) -> str:
    """``runs:/<run_id>/model``."""
    return f"runs:/{run_id}/{MODEL_NAME}"


@contextmanager
def use_tracking_uri(tracking_uri: str) -> Iterator[None]:
    """Point MLflow's process-wide tracking URI at ``tracking_uri`` for the duration.

    Needed by model logging (``mlflow.models.Model.log`` writes through a client of the
    global tracking URI) and by downloads of logged models: MLflow 3.17 resolves
    ``models:/<id>`` with the global tracking URI even when one is passed explicitly
    (mlflow/mlflow PR #18313).
    Holds a lock, so concurrent app sessions using different stores do not mix them.

    Only MLflow's own setting is swapped, not the ``MLFLOW_TRACKING_URI`` variable that
    ``mlflow.set_tracking_uri`` also writes: that variable is the operator's configuration,
    read by :func:`dtwcore.runs.store.resolve_store` in every session, and must not show
    another session's store while this one logs.
    """
    from mlflow.tracking._tracking_service import utils as tracking_utils

    with _GLOBAL_URI_LOCK:
        saved = tracking_utils._tracking_uri
        tracking_utils._tracking_uri = tracking_uri
        try:
            yield
        finally:
            tracking_utils._tracking_uri = saved


def load_model(run_id: str, tracking_uri: str) -> mlflow.pyfunc.PyFuncModel:
    """Load the model logged by run ``run_id`` from the store at ``tracking_uri``.

    The configuration is read from the MLmodel file; nothing is unpickled.
    """
    with tempfile.TemporaryDirectory(prefix="dtw-model-") as local:
        with use_tracking_uri(tracking_uri):
            path = mlflow.artifacts.download_artifacts(
                artifact_uri=model_uri(run_id), dst_path=local, tracking_uri=tracking_uri
            )
        return mlflow.pyfunc.load_model(path)

"""The logged sales model: DTW distance of new products to a fixed target.

The model is an MLflow *model from code*: the run stores the short script
``dtwcore/model_code.py`` and a plain JSON-compatible configuration (target pattern,
stretch factor, z-normalisation, column names), never a pickle. Loading the model runs
the script, which builds :class:`DistanceModel` from :mod:`dtwcore`, so the numbers a
loaded or served model returns are the numbers :func:`dtwcore.sales.score_catalog`
computes.

Input: a DataFrame with one row per product: the weekly unit sales in numeric columns
(in week order) and, optionally, one non-numeric id column such as ``Product_Code``.
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
from mlflow.types import ColSpec, DataType, Schema
from mlflow.types.schema import AnyType

from dtwcore.distance import dtw_one_to_many

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
    stretch = float(stretch)
    if not 0.0 <= stretch <= 1.0:
        raise ValueError(f"the stretch factor must be between 0 and 1, got {stretch}")
    return {
        "target": [float(v) for v in values],
        "stretch": stretch,
        "znorm": bool(znorm),
        "weeks": [str(w) for w in weeks],
        "id_column": str(id_column),
    }


def split_products(frame: pd.DataFrame) -> tuple[str | None, np.ndarray | None, np.ndarray]:
    """Split a product table into its id column and its weekly values.

    Returns ``(id_name, ids, values)``: the first non-numeric column is the id (``None``
    when there is none); every numeric column, in order, is a week. ``values`` has shape
    (N, W) and dtype float64.
    """
    if not isinstance(frame, pd.DataFrame):
        frame = pd.DataFrame(frame)
    numeric = [
        c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c].dtype)
        and not pd.api.types.is_bool_dtype(frame[c].dtype)
    ]  # fmt: skip
    others = [c for c in frame.columns if c not in numeric]
    if not numeric:
        raise ValueError("no weekly sales columns: give one numeric column per week")
    if frame.shape[0] == 0:
        raise ValueError("no products given: add at least one row")
    values = frame[numeric].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        row, col = np.argwhere(~np.isfinite(values))[0]
        raise ValueError(
            f"row {int(row) + 1}, column {numeric[int(col)]}: empty or not a number; "
            "every week needs a value"
        )
    if not others:
        return None, None, values
    id_name = str(others[0])
    return id_name, frame[others[0]].astype(str).to_numpy(), values


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


def log_model(config: dict[str, Any], example: pd.DataFrame) -> mlflow.models.model.ModelInfo:
    """Log the model from code into the active MLflow run at artifact path ``model``."""
    return mlflow.pyfunc.log_model(
        name=MODEL_NAME,
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

    Needed by ``mlflow.pyfunc.log_model`` (it logs into the active run of the fluent API)
    and by downloads of logged models: MLflow 3.17 resolves ``models:/<id>`` with the
    global tracking URI even when one is passed explicitly (mlflow/mlflow PR #18313).
    Holds a lock, so concurrent app sessions using different stores do not mix them.

    Only MLflow's own setting is swapped, not the ``MLFLOW_TRACKING_URI`` variable that
    ``mlflow.set_tracking_uri`` also writes: that variable is the operator's configuration,
    read by :func:`dtwcore.tracking.resolve_store` in every session, and must not show
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

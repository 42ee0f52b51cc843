"""Driver program: apply a logged sales model with ``mlflow.pyfunc.spark_udf`` on Spark.

``python -m tests.spark_udf_job MASTER TRACKING_URI RUN_ID INPUT OUTPUT`` reads the
catalogue ``INPUT`` (CSV, the model's columns), spreads it over ``PARTITIONS`` partitions,
applies the model of run ``RUN_ID`` on the cluster at ``MASTER`` and writes the
predictions (``Product_Code, distance``, input order) to ``OUTPUT`` (Parquet), with the
application id and the executors' interpreter and ``dtwcore`` location in
``OUTPUT.json``. Run by tests/test_spark_cluster.py in its own process, as a Spark
session is one per process.
"""

from __future__ import annotations

import json
import sys

import mlflow
import pandas as pd
from pyspark.sql import functions as F

from dtwcore.runs import model as dtw_model
from dtwcore.sales.spark import session

PARTITIONS = 6


def _where(_: object) -> list[tuple[str, str]]:
    import dtwcore

    return [(sys.executable, dtwcore.__file__)]


def main(master: str, tracking_uri: str, run_id: str, source: str, output: str) -> None:
    mlflow.set_tracking_uri(tracking_uri)
    spark, _ = session(master)
    try:
        frame = pd.read_csv(source)
        frame.insert(0, "_order", range(len(frame)))
        products = spark.createDataFrame(frame).repartition(PARTITIONS, "_order")
        predict = mlflow.pyfunc.spark_udf(
            spark,
            dtw_model.model_uri(run_id),
            result_type=f"{dtw_model.ID_COLUMN} string, {dtw_model.DISTANCE_COLUMN} double",
            env_manager="local",
        )
        columns = [F.col(c) for c in frame.columns if c != "_order"]
        scored = products.select("_order", predict(*columns).alias("p")).select("_order", "p.*")
        result = scored.toPandas().sort_values("_order").drop(columns="_order")
        result.to_parquet(output, index=False)
        workers = spark.sparkContext.parallelize(range(PARTITIONS), PARTITIONS)
        where = sorted(set(workers.mapPartitions(_where).collect()))
        info = {"app_id": spark.sparkContext.applicationId, "executors": where}
        with open(f"{output}.json", "w") as f:
            json.dump(info, f)
    finally:
        spark.stop()


if __name__ == "__main__":
    main(*sys.argv[1:])

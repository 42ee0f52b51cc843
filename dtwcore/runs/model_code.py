"""MLflow model-from-code script for :class:`dtwcore.runs.model.DistanceModel`.

MLflow stores this file with every logged sales model and runs it when the model is
loaded; the target, stretch factor and z-normalisation come from the model's
configuration (``context.model_config``), so loading never unpickles anything.
"""

import mlflow

from dtwcore.runs.model import DistanceModel

mlflow.models.set_model(DistanceModel())

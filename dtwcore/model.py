"""Where sales models logged before the package layout find :class:`DistanceModel`.

Every logged model stores the ``model_code.py`` of its day and runs it when loaded; models
logged before ``dtwcore.runs`` existed import ``dtwcore.model``. The model itself lives in
:mod:`dtwcore.runs.model`.
"""

from dtwcore.runs.model import DistanceModel

__all__ = ["DistanceModel"]

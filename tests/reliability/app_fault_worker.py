"""One user of the Sales Trends page (AppTest) sweeping into an MLflow server, in its own
process so that a page that hangs can be stopped: ``python -m
tests.reliability.app_fault_worker URL CATALOGUE STRETCHES RESULT.json``.

Writes, as soon as the sweep button's run returns: how long it took, the page's error
messages and exceptions; then whether the page still works (a slider moved, figures
back), and writes the file again.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def main(url: str, catalogue: str, stretches: str, result: str) -> None:
    os.environ["MLFLOW_TRACKING_URI"] = url
    os.environ.pop("MLFLOW_UI_URL", None)
    out: dict[str, object] = {}

    def write() -> None:
        Path(result).write_text(json.dumps(out))

    at = AppTest.from_file(str(ROOT / "pages" / "sales_trends.py"), default_timeout=1800)
    at.session_state["sales.file"] = (Path(catalogue).name, Path(catalogue).read_bytes())
    at.run()
    at.multiselect(key="tracking.sweep_stretches").set_value(
        [float(s) for s in stretches.split(",")]
    )
    out["ready"] = time.time()
    write()
    at.button(key="tracking.sweep").click().run()
    out["answered"] = time.time()
    out["errors"] = [e.value for e in at.error]
    out["exceptions"] = [e.value for e in at.exception]
    write()
    at.slider(key="sales.stretch").set_value(0.1).run()
    out["works_after"] = bool(at.metric) and not at.exception
    write()


if __name__ == "__main__":
    main(*sys.argv[1:5])

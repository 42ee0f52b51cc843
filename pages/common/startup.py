"""Starting the server: `python app.py [streamlit options]`.

Two things ``streamlit run app.py`` cannot do before the first visitor arrives:

* Streamlit treats an app with a ``pages/`` folder as an old-style multipage app until
  the app has called ``st.navigation`` once, so the very first deep link after a start
  (``/sales-trends?…``) shows a "Page not found" dialog over the right page. This app's
  pages are all declared with ``st.navigation``; saying so before the server starts
  removes the dialog.
* The DTW kernels, librosa, MLflow and plotly take seconds to load on first use; a
  background thread loads them while the server starts (:func:`pages.common.warmup.warm_up`).
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

from pages.common.warmup import warm_up


def prepare_server() -> threading.Thread:
    """Declare navigation-only pages and start warming up; the warming thread."""
    PagesManager.uses_pages_directory = False
    thread = threading.Thread(target=warm_up, name="dtw-warm-up", daemon=True)
    thread.start()
    return thread


def serve(app: Path, args: list[str]) -> None:
    """Run ``streamlit run app [args]`` in this process, after :func:`prepare_server`."""
    prepare_server()
    sys.exit(cli.main(["run", str(app), *args], prog_name="streamlit"))

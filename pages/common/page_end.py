"""Ending a page early without losing the app's sidebar footer.

``st.stop()`` ends the whole script run at the next Streamlit call, so the data summary
and the MLflow store status that ``app.py`` draws after every page never appeared on a
page that stopped early (e.g. Experiments with no runs yet). A page ends with
:func:`end_page` instead: under ``app.py`` it raises :class:`PageEnd`, which ``app.py``
catches around the page (:func:`page_run`) before it draws the footer; a page run on its
own (as the AppTest tests run them) falls back to ``st.stop()``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import streamlit as st

_RUN = threading.local()  # each session's script runs on its own thread


class PageEnd(Exception):
    """The page has drawn all it will this run (raised by :func:`end_page`)."""


@contextmanager
def page_run() -> Iterator[None]:
    """Around ``page.run()`` in ``app.py``: a page that ends early ends here."""
    _RUN.in_app = True
    try:
        yield
    except PageEnd:
        pass
    finally:
        _RUN.in_app = False


def end_page() -> NoReturn:
    """End the page here: nothing below this call is drawn in this run."""
    if getattr(_RUN, "in_app", False):
        raise PageEnd
    st.stop()

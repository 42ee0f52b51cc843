"""Layout rules for narrow windows, applied by ``app.py`` to every page.

* At 800 px or less the sidebar starts folded (Streamlit itself folds it only at 768 px
  or less), once per page load; the person can open it again.
* At 800 px or less the columns of a row stack, except metric cards, which go two by
  two, so no card, title or table is squeezed until its text is cut.
"""

from __future__ import annotations

import streamlit as st

NARROW_PX = 800
_FOLDED = "layout.sidebar_folded"

_CSS = f"""<style>
/* The uploader's caption (size limit and file types) wraps in the sidebar, never cut. */
[data-testid="stFileUploaderDropzoneInstructions"] span {{
  white-space: normal;
  overflow: visible;
  text-overflow: clip;
}}
@media (max-width: {NARROW_PX}px) {{
  [data-testid="stMain"] [data-testid="stHorizontalBlock"] {{
    flex-direction: column;
  }}
  [data-testid="stMain"] [data-testid="stHorizontalBlock"] > [data-testid="stColumn"] {{
    width: 100% !important;
    flex: 1 1 100% !important;
  }}
  [data-testid="stMain"] [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) {{
    flex-direction: row;
    flex-wrap: wrap;
  }}
  [data-testid="stMain"] [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"])
    > [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 1rem) !important;
    min-width: calc(50% - 1rem) !important;
  }}
}}
</style>"""

# Fold the sidebar once on a narrow window, then forget the fold (Streamlit remembers a
# toggled sidebar in localStorage, which would keep it folded in a wide window later).
_FOLD = f"""<script>
(() => {{
  if (window.__dtwSidebarFolded || window.innerWidth > {NARROW_PX}) return;
  window.__dtwSidebarFolded = true;
  let tries = 0;
  const fold = () => {{
    const doc = window.parent.document;
    const open = doc.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
    const button = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (open && button) {{
      button.click();
      setTimeout(() => Object.keys(localStorage)
        .filter(k => k.startsWith("stSidebarCollapsed-"))
        .forEach(k => localStorage.removeItem(k)), 0);
    }} else if (tries++ < 40) {{
      setTimeout(fold, 100);
    }}
  }};
  fold();
}})();
</script>"""


def apply_layout() -> None:
    """The narrow-window rules (CSS every run; the sidebar fold once per session)."""
    st.html(_CSS)
    if not st.session_state.get(_FOLDED):
        st.session_state[_FOLDED] = True
        st.sidebar.html(_FOLD, unsafe_allow_javascript=True)

"""What a browser test measures to say "nothing is cut": text wider than its box."""

from __future__ import annotations

# Elements whose text overflows their box (the browser then cuts it, often with "…"),
# plotly titles that run past their figure, the uploader's caption, chips of a multiselect
# that run past its box, and tables that need a horizontal scroll.
CUT_TEXT_JS = """() => {
  const cut = [];
  const main = document.querySelector('[data-testid="stMain"]');
  const sel = '[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"] *, '
    + '[data-testid="stMetricDelta"] *, h1, h2, h3, [data-testid="stTab"] p, '
    + '[data-testid="stMarkdownContainer"] strong, [data-testid="stWidgetLabel"] > div';
  for (const e of main.querySelectorAll(sel)) {
    if (e.offsetParent && e.scrollWidth > e.clientWidth + 1)
      cut.push('text: ' + e.textContent.trim().slice(0, 60));
  }
  for (const plot of main.querySelectorAll('.js-plotly-plot')) {
    const svg = plot.querySelector('svg.main-svg');
    const box = svg.getBoundingClientRect();
    for (const t of plot.querySelectorAll('.gtitle, .g-xtitle text, .g-ytitle text')) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
        cut.push('plot title: ' + t.textContent.slice(0, 60));
    }
  }
  // The uploader's caption (in the sidebar too, unless folded) and a multiselect's chips.
  for (const e of document.querySelectorAll(
      '[data-testid="stFileUploaderDropzoneInstructions"] span')) {
    const folded = e.closest('[data-testid="stSidebar"][data-collapsed="true"]');
    if (e.offsetParent && !folded && e.scrollWidth > e.clientWidth + 1)
      cut.push('caption: ' + e.textContent.trim().slice(0, 60));
  }
  for (const c of main.querySelectorAll('[data-testid="stMultiSelectTagsContainer"]')) {
    const box = c.getBoundingClientRect();
    for (const t of c.querySelectorAll('[data-tag]')) {
      const r = t.getBoundingClientRect();
      if (c.offsetParent && (r.left < box.left - 1 || r.right > box.right + 1))
        cut.push('chip: ' + t.textContent.trim());
    }
  }
  for (const s of main.querySelectorAll('[data-testid="stDataFrame"] .dvn-scroller')) {
    if (s.offsetParent && s.scrollWidth > s.clientWidth + 1)
      cut.push('table needs a horizontal scroll: ' + s.scrollWidth + ' > ' + s.clientWidth);
  }
  return cut;
}"""

"""Layout checks run in the page: what overflows the screen, SVG text outside its chart, text cut with an
ellipsis, and whether a slide fits the window. Each returns a list of short descriptions (empty: fine)."""
from __future__ import annotations

# an element is "visible" when it has a box, is not hidden, and no ancestor clips or scrolls it sideways
# (a table or chart that scrolls inside itself is fine, that is what it should do on a phone)
_HELPERS = """
const visible = (e) => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
  return s.display !== 'none' && s.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
const clipped = (e) => { for (let n = e.parentElement; n && n !== document.body; n = n.parentElement) {
  const o = getComputedStyle(n).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') {
    if (n.matches('[data-testid="stMain"], [data-testid="stAppViewContainer"], section.stMain, .stApp')) continue;
    return true; } } return false; };
const describe = (e) => (e.getAttribute('data-testid') || e.tagName.toLowerCase()) + ' "'
  + (e.textContent || '').trim().slice(0, 60) + '"';
"""

WIDER_THAN_VIEWPORT = "() => {" + _HELPERS + """
  const out = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (!visible(e) || clipped(e)) continue;
    const r = e.getBoundingClientRect();
    if (r.right > innerWidth + 1 || r.left < -1) out.push(describe(e) + ' spans ' + Math.round(r.left) + '..'
      + Math.round(r.right) + ' of ' + innerWidth);
  }
  return out.slice(0, 20);
}"""

SVG_TEXT_OUTSIDE = "() => {" + _HELPERS + """
  const out = [];
  for (const svg of document.querySelectorAll('.js-plotly-plot svg.main-svg:first-of-type')) {
    const plot = svg.closest('.js-plotly-plot'); if (!visible(plot)) continue;
    const box = plot.getBoundingClientRect();
    for (const t of plot.querySelectorAll('text')) {
      if (!(t.textContent || '').trim() || !visible(t)) continue;
      const r = t.getBoundingClientRect();
      if (r.left < box.left - 2 || r.right > box.right + 2 || r.top < box.top - 2 || r.bottom > box.bottom + 2)
        out.push('"' + t.textContent.trim().slice(0, 50) + '" at ' + Math.round(r.left) + ',' + Math.round(r.top)
          + '..' + Math.round(r.right) + ',' + Math.round(r.bottom) + ' outside ' + Math.round(box.left) + ','
          + Math.round(box.top) + '..' + Math.round(box.right) + ',' + Math.round(box.bottom));
    }
  }
  return out.slice(0, 20);
}"""

# text cut with an ellipsis the user cannot open: CSS text-overflow on an overflowing element with no
# tooltip; widgets' own labels (a select's chosen option) are included, Streamlit's hidden helpers are not
ELLIPSIS_CUT = "() => {" + _HELPERS + """
  const out = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (!visible(e)) continue;
    const s = getComputedStyle(e);
    if (s.textOverflow !== 'ellipsis' || e.scrollWidth <= e.clientWidth + 1) continue;
    if (e.closest('[title]') || !(e.textContent || '').trim()) continue;
    out.push(describe(e));
  }
  return out.slice(0, 20);
}"""

# Plotly's mode bar (zoom, download…) drawn over a chart's title: shown on hover, so checked by its box
MODEBAR_OVER_TITLE = "() => {" + _HELPERS + """
  const out = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const bar = plot.querySelector('.modebar-container'); const title = plot.querySelector('.gtitle');
    if (!bar || !title || !visible(plot) || getComputedStyle(bar).display === 'none') continue;
    const b = bar.querySelector('.modebar') || bar; const r = b.getBoundingClientRect(), t = title.getBoundingClientRect();
    if (r.width > 0 && r.left < t.right && t.left < r.right && r.top < t.bottom && t.top < r.bottom)
      out.push('"' + (title.textContent || '').trim().slice(0, 50) + '"');
  }
  return out;
}"""

# an element's toolbar (a table's search, full screen…; always shown on a touch screen) drawn over the text
# of another element: a caption, a card, an expander's title
TOOLBAR_OVER_TEXT = "() => {" + _HELPERS + """
  const out = [];
  for (const bar of document.querySelectorAll('[data-testid="stElementToolbar"]')) {
    if (!visible(bar) || parseFloat(getComputedStyle(bar).opacity) === 0 || bar.closest('details:not([open])')) continue;
    const own = bar.closest('[data-testid="stElementContainer"]'); const b = bar.getBoundingClientRect();
    for (const e of document.querySelectorAll('[data-testid="stMain"] p, [data-testid="stMain"] span, '
        + '[data-testid="stMain"] h1, [data-testid="stMain"] h2, [data-testid="stMain"] h3, [data-testid="stMain"] summary')) {
      if ((own && own.contains(e)) || e.contains(bar) || bar.contains(e) || !visible(e)) continue;
      if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
      const r = e.getBoundingClientRect();
      if (r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom) {
        out.push(describe(e)); break; }
    }
  }
  return out.slice(0, 20);
}"""

SLIDE_FITS = """() => {
  const slide = document.querySelector('.st-key-slide'); const bar = document.querySelector('.st-key-slidebar');
  const out = [];
  if (!slide || !bar) return ['no slide or no control bar'];
  const r = slide.getBoundingClientRect(), b = bar.getBoundingClientRect();
  if (r.bottom > b.top + 1) out.push('slide ends at ' + Math.round(r.bottom) + ', below the bar at ' + Math.round(b.top));
  if (b.bottom > innerHeight + 1) out.push('the bar ends below the screen');
  for (const c of slide.children) {
    const cr = c.getBoundingClientRect();
    if (cr.height > 0 && (cr.bottom > r.bottom + 1 || c.scrollHeight > c.clientHeight + 6))
      out.push('part of the slide is cut: ' + (c.textContent || '').trim().slice(0, 50));
  }
  const main = document.querySelector('[data-testid="stMain"]');
  if (main && main.scrollHeight > main.clientHeight + 1) out.push('the page scrolls: ' + main.scrollHeight);
  for (const sel of ['[data-testid="stSidebar"]', '[data-testid="stHeader"]', '[data-testid="stAlert"]']) {
    const e = document.querySelector(sel);
    if (e && e.getBoundingClientRect().width > 0 && getComputedStyle(e).display !== 'none') out.push(sel + ' shown');
  }
  return out;
}"""

# the smallest font size of the slide's own text (kicker, message, bullets, agreements), in CSS px
SLIDE_TEXT_MIN_PX = """() => {
  const sizes = [...document.querySelectorAll('.st-key-slide .slide-kicker, .st-key-slide .slide-message, '
    + '.st-key-slide .slide-bullets li, .st-key-slide table.slide-list td, .st-key-slide table.slide-list th')]
    .map(e => parseFloat(getComputedStyle(e).fontSize));
  return sizes.length ? Math.min(...sizes) : null;
}"""

# the typical (median) text size of the slide's visible chart, and how many charts are visible (one)
SLIDE_CHART_TEXT_PX = """() => {
  const shown = [...document.querySelectorAll('.st-key-slide [data-testid="stPlotlyChart"]')]
    .filter(c => c.getBoundingClientRect().height > 0);
  const sizes = shown.flatMap(c => [...c.querySelectorAll('svg text')])
    .filter(t => t.getBoundingClientRect().width > 0 && t.textContent.trim())
    .map(t => parseFloat(getComputedStyle(t).fontSize)).sort((a, b) => a - b);
  return {charts: shown.length, median: sizes.length ? sizes[Math.floor(sizes.length / 2)] : null};
}"""


def problems(page) -> dict[str, list[str]]:
    """The page checks, keyed by what they look for; only non-empty lists. Each finding must outlast
    :func:`settled`'s wait: a chart or table not yet sized to its box (its toolbar still at the screen's
    edge) is a moment of drawing, not what the user reads."""
    found = {"wider than the screen": settled(page, WIDER_THAN_VIEWPORT),
             "SVG text outside its chart": settled(page, SVG_TEXT_OUTSIDE),
             "text cut with an ellipsis": settled(page, ELLIPSIS_CUT),
             "mode bar over a chart title": settled(page, MODEBAR_OVER_TITLE),
             "toolbar over text": settled(page, TOOLBAR_OVER_TEXT)}
    return {k: v for k, v in found.items() if v}


def settled(page, script: str, tries: int = 12) -> list[str]:
    """A check's findings once the page has settled: charts resize to their box a moment after a slide is
    drawn, so an empty answer is taken at once and a non-empty one only after it stays so."""
    found = page.evaluate(script)
    for _ in range(tries):
        if not found:
            return found
        page.wait_for_timeout(250)
        found = page.evaluate(script)
    return found


def settled_value(page, script: str, done, tries: int = 16):
    """A script's answer once ``done(answer)`` holds (a chart redrawn after the window changed size), or
    the last answer after ``tries`` quarter seconds."""
    found = page.evaluate(script)
    for _ in range(tries):
        if done(found):
            break
        page.wait_for_timeout(250)
        found = page.evaluate(script)
    return found

"""Small HTML building blocks for the report: escaped text, tables whose numbers keep the
CSV value in a tooltip, embedded images, and the page's own stylesheet (no external CSS,
JavaScript or fonts, so the file opens offline and prints cleanly)."""

from __future__ import annotations

import base64
import html
import math
import re
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.figure import Figure

from pathsim.numbers import format_number
from pathsim.show.style import png_bytes

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #ccc; --band: #f4f4f4; --accent: #0072B2; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
       color: var(--ink); max-width: 1100px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.7em; margin-bottom: 0.2em; }
h2 { font-size: 1.3em; border-bottom: 2px solid var(--accent); padding-bottom: 0.15em;
     margin-top: 2em; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
p.lead, .muted { color: var(--muted); }
nav ol { columns: 2; font-size: 0.95em; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.88em; width: 100%; }
th, td { border-bottom: 1px solid var(--rule); padding: 0.25em 0.5em; text-align: left;
         vertical-align: top; }
th { background: var(--band); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: normal; }
tr.headline td:first-child { font-weight: 600; }
td.yes { color: #006b4f; } td.no { color: #b34700; font-weight: 600; }
figure { margin: 1em 0 1.6em; }
figure img, figure svg { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 0.9em; }
code { font-size: 0.92em; background: var(--band); padding: 0 0.2em; }
pre { background: var(--band); padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 0.15em 1em; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; }
@media print {
  body { max-width: none; margin: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  figure, tr, dl { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  figure img { border: none; }
}
"""

_URL = re.compile(r"https?://[^\s|)<>\"']+")


def esc(value: Any) -> str:
    """Text made safe for HTML."""
    return html.escape(str(value), quote=True)


def linkify(text: str) -> str:
    """Escaped text whose web addresses are links."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(esc(text[last : match.start()]))
        url = match.group(0).rstrip(".,;")
        out.append(f'<a href="{esc(url)}">{esc(url)}</a>')
        last = match.start() + len(url)
    out.append(esc(text[last:]))
    return "".join(out)


def exact(value: Any) -> str:
    """A number as the run folder's CSV files write it (``%.10g``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float | int):
        return f"{value:.10g}"
    return str(value)


def num(value: Any) -> str:
    """A table cell for a number: rounded by the report's rule, the CSV value in the
    tooltip."""
    return f'<td class="num" title="{esc(exact(value))}">{esc(format_number(value))}</td>'


def interval(mean: Any, low: Any, high: Any) -> str:
    """A cell 'mean [low, high]', each part rounded by the report's rule."""
    title = f"{exact(mean)} [{exact(low)}, {exact(high)}]"
    text = f"{format_number(mean)} [{format_number(low)}, {format_number(high)}]"
    return f'<td class="num" title="{esc(title)}">{esc(text)}</td>'


def table(
    header: Sequence[str], rows: Iterable[Sequence[str]], numeric: Sequence[bool] | None = None
) -> str:
    """An HTML table; each row is a list of ready-made cells (``<td>...</td>``) or plain
    strings (escaped)."""
    numeric = numeric or [False] * len(header)
    head = "".join(
        f'<th class="num">{esc(h)}</th>' if n else f"<th>{esc(h)}</th>"
        for h, n in zip(header, numeric, strict=True)
    )
    body = []
    for row in rows:
        cells = "".join(c if c.startswith("<td") else f"<td>{esc(c)}</td>" for c in row)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def keyvalues(items: Iterable[tuple[str, Any]]) -> str:
    """A definition list of (label, value) pairs; values are escaped."""
    inner = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    return f'<dl class="kv">{inner}</dl>'


def figure(fig: Figure, caption: str, alt: str) -> str:
    """A matplotlib figure embedded as a base64 PNG, with its caption."""
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return (
        f'<figure><img alt="{esc(alt)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(title)}</h2>{body}</section>'

"""Charts as server-side SVG: no script, no CDN, no inline style (the Content-Security-Policy forbids them), so the
dashboard works offline. Colours are SVG presentation attributes; layout classes live in /static/app.css. Every
text is escaped; each chart has a <title> (read by screen readers, shown as a tooltip) and labelled axes."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 56
COLOURS = ("#1971c2", "#e8590c", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d")
AXIS = "#868e96"
GRID = "#e9ecef"
INK = "#343a40"

Number = float | int
Format = Callable[[float], str]


def _x(text: object) -> str:
    """Text or attribute value, escaped for XML and HTML alike."""
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def nice_max(value: float) -> float:
    """A round upper bound for the y axis (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return float(step * power)
    return float(10 * power)


def nice_count_max(value: float, ticks: int = 4) -> float:
    """A y-axis top for counts whose ticks are whole numbers."""
    return float(ticks * math.ceil(nice_max(value / ticks)))


DURATION_STEPS = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 14400, 21600, 43200, 86400, 172800, 604800)


def nice_duration_max(value: float, ticks: int = 4) -> float:
    """A y-axis top for seconds whose ticks fall on round durations (5m, 15m, 1h, 6h, 1d, ...)."""
    for step in DURATION_STEPS:
        if value <= step * ticks:
            return float(step * ticks)
    return nice_max(value)


def _frame(
    title: str, labels: Sequence[str], top: float, x_label: str, y_label: str, fmt: Format, ticks: int = 4
) -> tuple[list[str], str]:
    ident = "chart-" + hashlib.sha1(title.encode()).hexdigest()[:10]
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
        f'height="{HEIGHT}" role="img" aria-labelledby="{ident}">',
        f'<title id="{ident}">{_x(title)}</title>',
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="600" fill="{INK}">{_x(title)}</text>',
    ]
    for i in range(ticks + 1):
        value = top * i / ticks
        y = TOP + plot_h - plot_h * i / ticks
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{_num(y)}" y2="{_num(y)}" stroke="{GRID}"/>')
        parts.append(
            f'<text x="{LEFT - 6}" y="{_num(y + 4)}" font-size="11" text-anchor="end" fill="{INK}">'
            f"{_x(fmt(value))}</text>"
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{TOP + plot_h}" stroke="{AXIS}"/>'
        f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{AXIS}"/>'
    )
    every = max(1, math.ceil(len(labels) / 8))  # at most about 8 labels under the axis
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % every == 0:  # counted back from the last, which is always shown
            parts.append(
                f'<text x="{_num(_cx(i, len(labels)))}" y="{TOP + plot_h + 16}" font-size="11" text-anchor="middle" '
                f'fill="{INK}">{_x(label)}</text>'
            )
    parts.append(
        f'<text class="axis-label" x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 22}" font-size="11" '
        f'text-anchor="middle" fill="{AXIS}">{_x(x_label)}</text>'
    )
    parts.append(
        f'<text class="axis-label" x="14" y="{TOP + plot_h / 2:.0f}" font-size="11" text-anchor="middle" '
        f'fill="{AXIS}" transform="rotate(-90 14 {TOP + plot_h / 2:.0f})">{_x(y_label)}</text>'
    )
    return parts, ident


def _cx(i: int, n: int) -> float:
    plot_w = WIDTH - LEFT - RIGHT
    return LEFT + plot_w * (i + 0.5) / max(n, 1)


def _cy(value: float, top: float) -> float:
    plot_h = HEIGHT - TOP - BOTTOM
    return TOP + plot_h - plot_h * (value / top if top else 0)


def _legend(names: Sequence[str]) -> list[str]:
    parts, x = [], LEFT
    for i, name in enumerate(names):
        colour = COLOURS[i % len(COLOURS)]
        parts.append(f'<rect x="{x}" y="{HEIGHT - 12}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{HEIGHT - 3}" font-size="11" fill="{INK}">{_x(name)}</text>')
        x += 24 + 7 * len(name)
    return parts


def _empty(title: str) -> Markup:
    parts, _ = _frame(title, [], 1.0, "", "", lambda v: "")
    parts.append(
        f'<text x="{WIDTH / 2:.0f}" y="{HEIGHT / 2:.0f}" text-anchor="middle" fill="{AXIS}">No data</text></svg>'
    )
    return Markup("".join(parts))


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number | None]]],
    *,
    x_label: str,
    y_label: str,
    fmt: Format = _num,
    scale: Callable[[float], float] = nice_max,
) -> Markup:
    """One line per series over the labels; a missing value (None) breaks the line. Each point has a tooltip."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not labels or not values:
        return _empty(title)
    top = scale(max(values))
    parts, _ = _frame(title, labels, top, x_label, y_label, fmt)
    for s, (name, points) in enumerate(series):
        colour = COLOURS[s % len(COLOURS)]
        segment: list[str] = []
        segments: list[list[str]] = []
        for i, value in enumerate(points):
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            segment.append(f"{_num(_cx(i, len(labels)))},{_num(_cy(value, top))}")
        if segment:
            segments.append(segment)
        for seg in segments:
            parts.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, value in enumerate(points):
            if value is not None:
                parts.append(
                    f'<circle cx="{_num(_cx(i, len(labels)))}" cy="{_num(_cy(value, top))}" r="3" fill="{colour}">'
                    f"<title>{_x(f'{name} {labels[i]}: {fmt(value)}')}</title></circle>"
                )
    parts.extend(_legend([name for name, _ in series]))
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    x_label: str,
    y_label: str,
    fmt: Format = _num,
    scale: Callable[[float], float] = nice_count_max,
) -> Markup:
    """One bar per label, each with a tooltip."""
    if not labels or not any(values):
        return _empty(title)
    top = scale(max(values))
    parts, _ = _frame(title, labels, top, x_label, y_label, fmt)
    plot_w = WIDTH - LEFT - RIGHT
    bar = max(plot_w / len(labels) * 0.7, 1.0)
    base = _cy(0, top)
    for i, value in enumerate(values):
        y = _cy(value, top)
        parts.append(
            f'<rect x="{_num(_cx(i, len(labels)) - bar / 2)}" y="{_num(y)}" width="{_num(bar)}" '
            f'height="{_num(base - y)}" fill="{COLOURS[0]}"><title>{_x(f"{labels[i]}: {fmt(value)}")}</title></rect>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))

"""Charts drawn on the server as inline SVG (no script, no build step): the answer rate over time
against the target, and offered beside answered calls per interval."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 34


@dataclass(frozen=True)
class Bar:
    label: str
    offered: int
    answered: int


def _x_labels(labels: Sequence[str], x: list[float]) -> str:
    """At most twelve labels under the axis, evenly picked."""
    step = max(1, -(-len(labels) // 12))
    return "".join(
        f'<text x="{x[i]:.1f}" y="{HEIGHT - 14}" text-anchor="middle">{escape(labels[i])}</text>'
        for i in range(0, len(labels), step)
    )


def _frame(title: str, body: str, kind: str) -> Markup:
    # Every value inside was escaped or formatted as a number above.
    return Markup(  # noqa: S704
        f'<svg class="chart" data-chart="{kind}" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="100%" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<g font-size="11" fill="currentColor">{body}</g></svg>'
    )


def answer_rate_line(
    points: Sequence[tuple[str, float | None]], *, target: float, title: str
) -> Markup:
    """A line of the answer rate (0-100 %), a dashed target line, points below target in red."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    floor = min([0.8, *(v for _, v in points if v is not None)])
    floor = max(0.0, int(floor * 10) / 10)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - floor) / (1 - floor or 1))

    n = len(points)
    xs = [LEFT + plot_w * (i + 0.5) / max(n, 1) for i in range(n)]
    ticks = "".join(
        f'<text x="{LEFT - 4}" y="{y(v) + 4:.1f}" text-anchor="end">{v * 100:.0f}%</text>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
        for v in (floor, (floor + 1) / 2, 1.0)
    )
    target_line = (
        f'<line class="target" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(target):.1f}" '
        f'y2="{y(target):.1f}" stroke="#c0392b" stroke-dasharray="4 3"/>'
    )
    path = " ".join(
        f"{'M' if i == 0 or points[i - 1][1] is None else 'L'}{xs[i]:.1f},{y(v):.1f}"
        for i, (_, v) in enumerate(points)
        if v is not None
    )
    dots = "".join(
        f'<circle cx="{xs[i]:.1f}" cy="{y(v):.1f}" r="3" '
        f'fill="{"#c0392b" if v < target else "#1f6feb"}"><title>{escape(label)}: '
        f"{v * 100:.1f}%</title></circle>"
        for i, (label, v) in enumerate(points)
        if v is not None
    )
    line = f'<path d="{path}" fill="none" stroke="#1f6feb" stroke-width="2"/>' if path else ""
    labels = _x_labels([label for label, _ in points], xs)
    return _frame(title, ticks + target_line + line + dots + labels, "answer-rate")


def offered_answered_bars(bars: Sequence[Bar], *, title: str) -> Markup:
    """Two bars per interval: offered (grey) and answered (blue), on one scale."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([1, *(b.offered for b in bars)])
    n = max(len(bars), 1)
    slot = plot_w / n
    xs = [LEFT + slot * (i + 0.5) for i in range(len(bars))]

    def h(value: int) -> float:
        return plot_h * value / top

    body = "".join(
        f'<rect x="{LEFT + slot * i + slot * 0.1:.1f}" y="{TOP + plot_h - h(b.offered):.1f}" '
        f'width="{slot * 0.4:.1f}" height="{h(b.offered):.1f}" fill="#9aa4b2">'
        f"<title>{escape(b.label)}: {b.offered}</title></rect>"
        f'<rect x="{LEFT + slot * i + slot * 0.5:.1f}" y="{TOP + plot_h - h(b.answered):.1f}" '
        f'width="{slot * 0.4:.1f}" height="{h(b.answered):.1f}" fill="#1f6feb">'
        f"<title>{escape(b.label)}: {b.answered}</title></rect>"
        for i, b in enumerate(bars)
    )
    axis = (
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{top}</text>'
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>'
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        'stroke="#999"/>'
    )
    labels = _x_labels([b.label for b in bars], xs)
    return _frame(title, axis + body + labels, "offered-answered")

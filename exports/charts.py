"""Charts as PNG images (matplotlib, Agg: no display), and the colours every export shares.

Figures are built with the object-oriented API on their own Agg canvas, never pyplot, so no
global state is shared between requests handled on different threads.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from matplotlib.figure import Figure
    from matplotlib.ticker import Locator

from domain.chasers import Rag
from domain.summaries import ThemeMeasure, ThemeTrend

# Fills (light) and text (dark) per RAG rating, as Excel's own "good/neutral/bad" styles.
RAG_FILLS: Final[Mapping[Rag | None, tuple[str, str]]] = {
    Rag.RED: ("FFC7CE", "9C0006"),
    Rag.AMBER: ("FFEB9C", "9C5700"),
    Rag.GREEN: ("C6EFCE", "006100"),
    Rag.BLUE: ("BDD7EE", "1F4E79"),
    None: ("EDEDED", "595959"),
}
THEME_COLOURS: Final = ("2E75B6", "C55A11", "548235", "7030A0", "BF9000", "C00000", "00B0F0")


def _figure(width: float, height: float) -> Figure:
    # matplotlib is imported only when a chart is drawn: it costs ~45 MB the bot otherwise
    # doesn't need (docs/architecture.md §7).
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _integer_ticks() -> Locator:
    from matplotlib.ticker import MaxNLocator

    return MaxNLocator(integer=True)


def _png(figure: Figure) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()


def _literal(text: str) -> str:
    """A label drawn as typed: matplotlib reads text between two $ as mathematics."""
    return text.replace("$", r"\$")


def rag_by_agency_png(
    rows: Sequence[tuple[str, Mapping[Rag | None, int]]],
    ratings: Sequence[tuple[Rag | None, str]],
) -> bytes:
    """A stacked horizontal bar per agency: how many of its action items are at each rating,
    in the fill the summary's table shades that rating with (`RAG_FILLS`), outlined and
    counted in its dark text colour, so the chart and the table agree and read in grey print
    too (walk10: the chart coloured the status, the table the RAG). `ratings`: the order and
    the table's word for each, for the legend."""
    shown = list(rows)[:20]
    figure = _figure(7.5, 0.45 * max(len(shown), 3) + 1.4)
    axes = figure.add_subplot()
    names = [_literal(name[:40]) for name, _ in shown]
    positions = list(range(len(shown)))
    left = [0] * len(shown)
    for rag, word in ratings:
        values = [counts.get(rag, 0) for _, counts in shown]
        if not any(values):
            continue
        fill, text = RAG_FILLS[rag]
        bars = axes.barh(
            positions,
            values,
            left=left,
            color=f"#{fill}",
            label=word,
            edgecolor=f"#{text}",
            linewidth=0.8,
        )
        axes.bar_label(
            bars,
            labels=[str(v) if v else "" for v in values],
            label_type="center",
            color=f"#{text}",
            fontsize="small",
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    axes.set_yticks(positions, names)
    axes.invert_yaxis()
    axes.set_xlabel("Action items")
    axes.xaxis.set_major_locator(_integer_ticks())
    axes.set_title("Action items by agency, by RAG rating", loc="left", fontweight="bold")
    axes.spines[["top", "right"]].set_visible(False)
    if shown:
        axes.legend(
            title="RAG", fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1, 1)
        )
    else:
        axes.text(0.5, 0.5, "No action items yet", ha="center", transform=axes.transAxes)
    return _png(figure)


def themes_over_time_png(
    trends: Sequence[ThemeTrend], title: str, measure: ThemeMeasure = "reviews"
) -> bytes:
    """One line per theme (the six most frequent with any), one measure per quarter: reviews
    agreeing it, or action items on it, never the two added together."""
    shown = [t for t in trends if any(t.series(measure))][:6]
    figure = _figure(7.5, 3.6)
    axes = figure.add_subplot()
    for index, trend in enumerate(shown):
        axes.plot(
            [q.name for q in trend.by_quarter],
            trend.series(measure),
            marker="o",
            linewidth=2,
            color=f"#{THEME_COLOURS[index % len(THEME_COLOURS)]}",
            label=_literal(trend.label[:45]),
        )
    axes.set_ylabel("Reviews that agreed it" if measure == "reviews" else "Action items on it")
    axes.set_title(title, loc="left", fontweight="bold")
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(_integer_ticks())
    if shown:
        axes.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    else:
        axes.text(0.5, 0.5, "No themes in this period", ha="center", transform=axes.transAxes)
    return _png(figure)


# Bar fills per RAG rating: mid tones, so the labels on them stay readable in grey print.
RAG_BARS: Final[Mapping[Rag | None, str]] = {
    Rag.RED: "D9534F",
    Rag.AMBER: "F0AD4E",
    Rag.GREEN: "5CB85C",
    Rag.BLUE: "5B9BD5",
    None: "BFBFBF",
}


def rag_by_quarter_png(
    quarters: Sequence[tuple[str, int, Mapping[Rag | None, int]]],
    ratings: Sequence[tuple[Rag | None, str]],
    rated_on: str,
) -> bytes:
    """A stacked bar per quarter (label, reviews held, items by rating): the action items
    agreed at the reviews held in it, by today's rating; the reviews held written above."""
    figure = _figure(7.0, 3.2)
    axes = figure.add_subplot()
    positions = list(range(len(quarters)))
    bottom = [0] * len(quarters)
    for rag, name in ratings:
        values = [counts.get(rag, 0) for _, _, counts in quarters]
        if not any(values):
            continue
        axes.bar(
            positions,
            values,
            bottom=bottom,
            width=0.55,
            color=f"#{RAG_BARS[rag]}",
            label=name,
            edgecolor="white",
        )
        bottom = [a + b for a, b in zip(bottom, values, strict=True)]
    top = max(bottom, default=0)
    for x, (_, held, _) in zip(positions, quarters, strict=True):
        axes.text(
            x,
            bottom[x] + max(top, 1) * 0.03,
            f"{held} review{'' if held == 1 else 's'} held",
            ha="center",
            va="bottom",
            fontsize="small",
        )
    axes.set_xticks(positions, [_literal(label) for label, _, _ in quarters])
    # Room above the tallest bar for its label, and at least one step when nothing was agreed.
    axes.set_ylim(0, max(top, 1) * 1.2)
    if len(quarters) == 1:
        axes.set_xlim(-1.5, 1.5)  # one quarter: a bar of normal width, not the whole chart
    axes.set_ylabel("Action items agreed")
    axes.yaxis.set_major_locator(_integer_ticks())
    axes.set_title(
        f"Action items agreed, by the quarter of their review's meeting (rated {rated_on})",
        loc="left",
        fontsize="medium",
        fontweight="bold",
    )
    axes.spines[["top", "right"]].set_visible(False)
    if top:
        axes.legend(fontsize="small", frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    else:
        axes.text(0.5, 0.5, "No action items agreed yet", ha="center", transform=axes.transAxes)
    return _png(figure)

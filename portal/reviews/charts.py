"""Score history as a small server-rendered SVG line chart (no JavaScript).

The numbers are computed here; `templates/reviews/_chart.svg` draws them (autoescaped) and
`templates/reviews/_chart.html` adds the text alternative (title, description, hidden table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from portal.extensions import db
from portal.reviews.models import PROVIDER_LABELS, ReviewSystem, ScoreSnapshot

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 10, 10, 26
MONTHS_SHOWN = 12
SHORT_MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")


@dataclass(frozen=True)
class ChartPoint:
    """One month: its last score of that month, placed on the canvas."""

    day: date
    month_label: str  # "mrt 2026"
    score_text: str  # "8,7"
    count: int
    x: float
    y: float


@dataclass(frozen=True)
class Chart:
    """Everything the SVG template needs; coordinates are plain numbers."""

    title: str
    description: str
    scale_text: str
    points: tuple[ChartPoint, ...]
    polyline: str
    gridlines: tuple[tuple[float, str], ...]  # (y, label)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    axis_y: int = HEIGHT - BOTTOM


def score_chart(system: ReviewSystem | None, *, today: date) -> Chart | None:
    """Chart of the last 12 months of a system's snapshots, in the provider's own scale."""
    if system is None or system.id is None:
        return None
    since = today - timedelta(days=366)
    rows = db.session.scalars(
        select(ScoreSnapshot)
        .where(
            ScoreSnapshot.review_system_id == system.id,
            ScoreSnapshot.day >= since,
            ScoreSnapshot.score.is_not(None),
        )
        .order_by(ScoreSnapshot.day)
    ).all()
    monthly = _last_per_month(rows)
    if not monthly:
        return None
    scale = float(monthly[-1].scale_max or system.scale_max or 10)
    return build_chart(
        # every row has a score (the query leaves out the others)
        [(r.day, float(s), r.review_count) for r in monthly if (s := r.score) is not None],
        scale_max=scale,
        provider_label=PROVIDER_LABELS[system.provider],
    )


def _last_per_month(rows: Sequence[ScoreSnapshot]) -> list[ScoreSnapshot]:
    """Keep the latest snapshot of each calendar month, at most the last 12 months."""
    by_month: dict[tuple[int, int], ScoreSnapshot] = {}
    for row in rows:
        by_month[(row.day.year, row.day.month)] = row
    return [by_month[key] for key in sorted(by_month)][-MONTHS_SHOWN:]


def build_chart(
    series: list[tuple[date, float, int]], *, scale_max: float, provider_label: str
) -> Chart:
    """Place (day, score, count) points on the canvas: y from 0 to the scale maximum."""
    scale_max = scale_max if scale_max > 0 else 10.0
    inner_w = WIDTH - LEFT - RIGHT
    inner_h = HEIGHT - TOP - BOTTOM
    step = inner_w / (len(series) - 1) if len(series) > 1 else 0
    points = []
    for index, (day, score, count) in enumerate(series):
        x = LEFT + (index * step if len(series) > 1 else inner_w / 2)
        y = TOP + inner_h * (1 - min(max(score, 0.0), scale_max) / scale_max)
        points.append(
            ChartPoint(day, month_label(day), _decimal(score), count, round(x, 1), round(y, 1))
        )
    scale = _scale(scale_max)
    grid = tuple(
        (round(TOP + inner_h * (1 - fraction), 1), _scale(scale_max * fraction))
        for fraction in (0.0, 0.5, 1.0)
    )
    first, last = points[0], points[-1]
    return Chart(
        title=_("Scoreverloop %(provider)s", provider=provider_label),
        description=_(
            "Score per maand van %(start)s tot en met %(end)s, schaal 0 tot %(scale)s. "
            "Laatste score: %(score)s.",
            start=first.month_label,
            end=last.month_label,
            scale=scale,
            score=last.score_text,
        ),
        scale_text=scale,
        points=tuple(points),
        polyline=" ".join(f"{p.x},{p.y}" for p in points),
        gridlines=grid,
    )


def month_label(day: date | datetime) -> str:
    """'mrt 2026' style short month label."""
    return f"{SHORT_MONTHS[day.month - 1]} {day.year}"


def _decimal(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def _scale(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else _decimal(value)

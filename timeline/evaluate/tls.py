"""Timeline summarisation (TLS) date selection, scored the tilse / news-tls way.

A TLS folder holds `articles/*.md` (front matter with `published`) and `gold.json`, whose
timelines were written by journalists. Each gold timeline is scored on its own: the system sees
only the articles published between the timeline's first and last date and names as many dates
as the timeline has; date precision and recall are averaged over the timelines, then F1 is
taken from the two averages.

Our system runs the real pipeline (load -> resolve -> events -> merge) and ranks the days of the
window by what the articles say about them and when they were published (`rank_days`). The
baseline ranks days by how many articles were published on them.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from timeline.errors import BuildError
from timeline.evaluate.scores import f1
from timeline.execute import analyse_articles
from timeline.load import load_folder
from timeline.merge import merge_events
from timeline.model import PRECISION_RANK, Article, Entry, Event, Granularity, Status

# How much one article published on a day counts against one entry reporting that day.
PUBLISHED_WEIGHT = 0.5
# Days whose events are reported on the publish day itself count this much (a news story
# mostly tells its own day; a later article naming an earlier day is a stronger signal).
SAME_DAY_WEIGHT = 0.5
# Numeric dates are read month first, as `timeline build` reads them by default.
DATE_ORDER = "MDY"

DayRanker = Callable[["Window"], list[date]]


@dataclass(frozen=True)
class GoldTimeline:
    """One journalist-written timeline: its name, its dates and the window it covers."""

    name: str
    dates: frozenset[date]
    first: date
    last: date

    @property
    def num_dates(self) -> int:
        return len(self.dates)


@dataclass(frozen=True)
class Window:
    """What a system may use for one gold timeline: its articles, their events, its size."""

    first: date
    last: date
    num_dates: int
    articles: tuple[Article, ...]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class TimelineScore:
    """How one system's dates compare with one gold timeline's."""

    name: str
    num_dates: int
    articles: int
    predicted: tuple[date, ...]
    hits: int

    @property
    def precision(self) -> float:
        return self.hits / len(self.predicted) if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.hits / self.num_dates if self.num_dates else 0.0


@dataclass(frozen=True)
class SystemScore:
    """A system's scores on every timeline, and their macro averages."""

    system: str
    timelines: tuple[TimelineScore, ...]

    @property
    def precision(self) -> float:
        return _mean(t.precision for t in self.timelines)

    @property
    def recall(self) -> float:
        return _mean(t.recall for t in self.timelines)

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)


@dataclass(frozen=True)
class TLSReport:
    """Date selection scores of our pipeline and of the most-published-days baseline."""

    dataset: str
    articles: int
    events: int
    system: SystemScore
    baseline: SystemScore


def evaluate(folder: Path) -> TLSReport:
    """Run the pipeline on a TLS folder and score its dates, with the baseline, per timeline."""
    timelines = read_gold(folder / "gold.json")
    if not (folder / "articles").is_dir():
        raise BuildError(f"{folder}: no articles/ folder (a TLS folder holds articles/*.md)")
    articles = load_folder(folder / "articles").articles
    events = extract_all(articles)
    windows = {t.name: window(t, articles, events) for t in timelines}
    return TLSReport(
        dataset=folder.name,
        articles=len(articles),
        events=sum(len(found) for found in events.values()),
        system=score_system("timeline", timelines, windows, rank_days),
        baseline=score_system("most published days", timelines, windows, most_published_days),
    )


def read_gold(path: Path) -> list[GoldTimeline]:
    """The gold timelines of a `gold.json` file."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise BuildError(f"{path}: cannot read the gold timelines ({err})") from err
    return [_gold_timeline(raw) for raw in data["timelines"]]


def _gold_timeline(raw: Mapping[str, object]) -> GoldTimeline:
    entries = raw["entries"]
    assert isinstance(entries, list)
    dates = frozenset(date.fromisoformat(e["date"]) for e in entries)
    first = raw.get("first_date")
    last = raw.get("last_date")
    return GoldTimeline(
        name=str(raw["name"]),
        dates=dates,
        first=date.fromisoformat(str(first)) if first else min(dates),
        last=date.fromisoformat(str(last)) if last else max(dates),
    )


def extract_all(articles: Iterable[Article]) -> dict[str, tuple[Event, ...]]:
    """Every article's events, resolved once and shared by all the timelines."""
    ordered = tuple(articles)
    result = analyse_articles("articles", ordered, (), DATE_ORDER)
    return {a.id: events for a, events in zip(ordered, result.events, strict=True)}


def window(
    gold: GoldTimeline, articles: Sequence[Article], events: Mapping[str, tuple[Event, ...]]
) -> Window:
    """The articles published inside a gold timeline's window, with their events."""
    inside = tuple(a for a in articles if gold.first <= a.published.date() <= gold.last)
    return Window(
        first=gold.first,
        last=gold.last,
        num_dates=gold.num_dates,
        articles=inside,
        events=tuple(e for a in inside for e in events[a.id]),
    )


def score_system(
    name: str,
    timelines: Sequence[GoldTimeline],
    windows: Mapping[str, Window],
    ranker: DayRanker,
) -> SystemScore:
    """Score a day ranker on every gold timeline."""
    return SystemScore(
        name,
        tuple(
            score_dates(t, ranker(windows[t.name]), len(windows[t.name].articles))
            for t in timelines
        ),
    )


def score_dates(gold: GoldTimeline, predicted: Sequence[date], articles: int = 0) -> TimelineScore:
    """Compare at most `num_dates` predicted dates with a gold timeline's dates."""
    chosen = tuple(dict.fromkeys(predicted))[: gold.num_dates]
    hits = sum(1 for d in chosen if d in gold.dates)
    return TimelineScore(gold.name, gold.num_dates, articles, chosen, hits)


# -- day rankers ------------------------------------------------------------------------------


def most_published_days(win: Window) -> list[date]:
    """Baseline: the days on which most articles were published (ties: the earlier day)."""
    counts = Counter(a.published.date() for a in win.articles)
    return _top(counts, win.num_dates)


def rank_days(win: Window) -> list[date]:
    """Our dates: days the merged entries report, weighted by importance, plus publications.

    Each day-precise entry inside the window adds its importance (more outlets and articles
    telling it weigh more); a telling published on the very day it reports counts half, since
    every story tells its own day. Each article published on a day adds `PUBLISHED_WEIGHT`.
    """
    entries = merge_events(win.events, win.articles).entries
    published = {a.id: a.published.date() for a in win.articles}
    scores: dict[date, float] = defaultdict(float)
    for entry in entries:
        day = _day_of(entry)
        if day is not None and win.first <= day <= win.last:
            scores[day] += entry_weight(entry, day, published)
    for a in win.articles:
        scores[a.published.date()] += PUBLISHED_WEIGHT
    return _top(scores, win.num_dates)


def entry_weight(entry: Entry, day: date, published: Mapping[str, date]) -> float:
    """An entry's importance, discounted when its tellings all come out on the day itself."""
    later = sum(1 for e in entry.events if published.get(e.article_id, day) > day)
    share_later = later / len(entry.events)
    return entry.importance * (SAME_DAY_WEIGHT + (1 - SAME_DAY_WEIGHT) * share_later)


def _day_of(entry: Entry) -> date | None:
    value = entry.value
    if entry.status is not Status.REPORTED or value.start is None:
        return None
    if PRECISION_RANK[value.granularity] > PRECISION_RANK[Granularity.DAY]:
        return None
    return value.start.date()


def _top(scores: Mapping[date, float], n: int) -> list[date]:
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [d for d, s in ranked if s > 0][:n]


def _mean(values: Iterable[float]) -> float:
    found = list(values)
    return sum(found) / len(found) if found else 0.0


# -- report -----------------------------------------------------------------------------------


def format_report(report: TLSReport) -> str:
    """The scores as a table: per timeline and averaged, ours against the baseline."""
    lines = [
        f"TLS date selection on {report.dataset}: {report.articles} articles, "
        f"{report.events} events",
        f"{'timeline':<12} {'dates':>5}  {'ours P':>7} {'ours R':>7}  {'base P':>7} {'base R':>7}",
    ]
    for ours, base in zip(report.system.timelines, report.baseline.timelines, strict=True):
        lines.append(
            f"{ours.name:<12} {ours.num_dates:>5}  {ours.precision:>7.3f} {ours.recall:>7.3f}"
            f"  {base.precision:>7.3f} {base.recall:>7.3f}"
        )
    for system in (report.system, report.baseline):
        lines.append(
            f"{system.system}: date P {system.precision:.3f}  R {system.recall:.3f}"
            f"  F1 {system.f1:.3f}"
        )
    gain = report.system.f1 - report.baseline.f1
    lines.append(f"difference in date F1: {gain:+.3f}")
    return "\n".join(lines)


__all__ = [
    "GoldTimeline",
    "SystemScore",
    "TLSReport",
    "TimelineScore",
    "Window",
    "evaluate",
    "format_report",
]

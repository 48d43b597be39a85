"""The summary's lists as lines of text, the same words on every platform; each renderer escapes them for its
markup. A line of the report: "Amazon CloudWatch [Anomaly]: $51.07  ▲ 613%"; a mover: "▲ Amazon CloudWatch:
$51.07, avg $7.20: +$43.88 (+610%)"; a flag: "⚠ Anomaly: Amazon CloudWatch $51.07, usually $7.22: ..."."""

from __future__ import annotations

from render_email.chat.summary import Flag, LineItem, MoverItem, OtherItem, Summary
from render_email.labels import WARNING_ALERTS


def flag_mark(flag: Flag) -> str:
    """⚠ for what the subject marks so (anomaly, over budget), a bullet for the rest."""
    return "⚠" if flag.kind in WARNING_ALERTS else "•"


def flag_lines(s: Summary) -> list[str]:
    return [f"{flag_mark(flag)} {flag.text}" for flag in s.flags]


def line_label(item: LineItem) -> str:
    return item.label + (f" [{', '.join(item.flags)}]" if item.flags else "")


def line_value(item: LineItem) -> str:
    return f"{item.amount}  {item.change}"


def other_value(other: OtherItem) -> str:
    return other.amount + (f"  {other.change}" if other.change else "")


def line_texts(s: Summary) -> list[str]:
    """The top lines, then Other."""
    texts = [f"{line_label(item)}: {line_value(item)}" for item in s.lines]
    return texts + ([f"{s.other.label}: {other_value(s.other)}"] if s.other else [])


def mover_label(mover: MoverItem) -> str:
    return f"{mover.arrow} {mover.label}"


def mover_value(mover: MoverItem) -> str:
    return f"{mover.amount}, avg {mover.average}: {mover.change}"


def movers_more(s: Summary) -> str:
    """ "and 7 more movers", or ""."""
    return f"and {s.movers_more:,} more mover{'' if s.movers_more == 1 else 's'}" if s.movers_more else ""


def mover_texts(s: Summary) -> list[str]:
    texts = [f"{mover_label(mover)}: {mover_value(mover)}" for mover in s.movers]
    return texts + ([movers_more(s)] if s.movers_more else [])

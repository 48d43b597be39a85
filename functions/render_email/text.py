"""The text part's tables: aligned columns in terminal cells, at most TEXT_WIDTH for ordinary names."""

from __future__ import annotations

import unicodedata

from render_email.view import Line, MoverRow, Row, ServicesTable

TEXT_WIDTH = 78
TEXT_NAME_WIDTH = 40  # a service name longer than this is cut in the text tables (in terminal columns)
_MIN_NAME_WIDTH = 12
_TREND_WIDTH = 14  # "Last 14 days": one block character a day
_GAP = "  "


def display_width(text: str) -> int:
    """Terminal columns: wide East Asian characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def fit_width(text: str, width: int) -> str:
    """Cut text to at most `width` terminal columns, marking the cut with "…"."""
    if display_width(text) <= width:
        return text
    kept, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        kept.append(ch)
        used += w
    return "".join(kept).rstrip() + "…"


def pad_right(text: str, width: int) -> str:
    return text + " " * max(0, width - display_width(text))


def pad_left(text: str, width: int) -> str:
    return " " * max(0, width - display_width(text)) + text


def _name_width(room: int, labels: list[str]) -> int:
    return max(_MIN_NAME_WIDTH, min(TEXT_NAME_WIDTH, room, max(display_width(label) for label in labels)))


class _ServiceColumns:
    """The widths of the services table's columns: name, amount, share (when shown), change, trend."""

    def __init__(self, table: ServicesTable, change_column: str = "Day", trend_width: int = _TREND_WIDTH) -> None:
        rows, lines = table.rows, table.lines
        self.has_shares = table.has_shares
        self.amount = max([len("Amount")] + [len(r.amount) for r in rows] + [len(ln.amount) for ln in lines])
        self.share = max([len("Share")] + [len(r.share) for r in rows]) if self.has_shares else 0
        self.change = max([len(change_column)] + [len(_day(r)) for r in rows])
        self.trend = trend_width
        fixed = 2 + self.amount + (2 + self.share if self.has_shares else 0) + 2 + self.change + 2 + trend_width
        labels = ["Service"] + [r.label for r in rows] + [ln.label for ln in lines]
        self.name = _name_width(TEXT_WIDTH - fixed, labels)

    def line(self, name: str, amount: str, share: str, change: str, trend: str) -> str:
        cells = [pad_right(fit_width(name, self.name), self.name), pad_left(amount, self.amount)]
        if self.has_shares:
            cells.append(pad_left(share, self.share))
        cells += [pad_left(change, self.change), trend]
        return _GAP.join(cells).rstrip()

    def rule(self, trend: bool = True) -> str:
        share = "-" * self.share if self.has_shares else ""
        if trend:
            return self.line("-" * self.name, "-" * self.amount, share, "-" * self.change, "-" * self.trend)
        return self.line("-" * self.name, "-" * self.amount, share, "", "")

    def row(self, r: Row) -> str:
        flags = f" [{', '.join(r.flags)}]" if r.flags else ""
        label = fit_width(r.label, self.name - display_width(flags)) + flags if flags else r.label
        return self.line(label, r.amount, r.share, _day(r), r.spark)

    def total_line(self, ln: Line) -> str:
        return _GAP.join([pad_right(fit_width(ln.label, self.name), self.name), pad_left(ln.amount, self.amount)])


def _day(row: Row) -> str:
    return row.change.short if row.change else "-"


def text_services(
    table: ServicesTable, label: str = "Service", change_column: str = "Day", trend_head: str = "Last 14 days"
) -> tuple[str, ...]:
    """The services table as text: name, amount, share, change, sparkline (14 days, or a weekly or monthly
    report's periods); then the lines. `label` heads the first column (the report's breakdown)."""
    columns = _ServiceColumns(table, change_column, max(_TREND_WIDTH, len(trend_head)))
    out = [columns.line(label, "Amount", "Share", change_column, trend_head), columns.rule()]
    out += [columns.row(r) for r in table.rows]
    out.append(columns.rule(trend=False))
    out += [columns.total_line(ln) for ln in table.lines]
    return tuple(out)


def text_secondary(label: str, rows: tuple[Row, ...], change_column: str = "Day") -> tuple[str, ...]:
    """The secondary breakdown as text: name, amount, change against the day before (`change_column`: the
    column's head, "Week" or "Month" in a weekly or monthly report)."""
    amount_w = max([len("Amount")] + [len(r.amount) for r in rows])
    change_w = max([len(change_column)] + [len(_day(r)) for r in rows])
    name_w = _name_width(TEXT_WIDTH - amount_w - change_w - 4, [label] + [r.label for r in rows])

    def line(name: str, amount: str, change: str) -> str:
        cells = [pad_right(fit_width(name, name_w), name_w), pad_left(amount, amount_w), pad_left(change, change_w)]
        return _GAP.join(cells).rstrip()

    rule = line("-" * name_w, "-" * amount_w, "-" * change_w)
    return (line(label, "Amount", change_column), rule, *(line(r.label, r.amount, _day(r)) for r in rows))


def text_movers(increases: tuple[MoverRow, ...], decreases: tuple[MoverRow, ...]) -> tuple[str, ...]:
    rows = [*increases, *decreases]
    if not rows:
        return ()
    amount_w = max(len(r.amount) for r in rows)
    average_w = max(len(r.average) for r in rows)
    change_w = max(len(r.change.long) for r in rows)
    name_w = _name_width(TEXT_WIDTH - amount_w - average_w - change_w - 13, [r.label for r in rows])
    return tuple(
        _GAP.join(
            [
                r.change.arrow,
                pad_right(fit_width(r.label, name_w), name_w),
                pad_left(r.amount, amount_w),
                "avg " + pad_left(r.average, average_w),
                pad_left(r.change.long, change_w),
            ]
        ).rstrip()
        for r in rows
    )

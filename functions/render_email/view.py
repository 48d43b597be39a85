"""The email's view model: everything both templates show, already formatted for the report's currency.

render.build_view makes a ReportView from the report (headline.py, tables.py, notes.py make its parts);
templates/report.html.j2 and report.txt.j2 read only this.
"""

from __future__ import annotations

from dataclasses import dataclass

from report_contract.period import ReportPeriod

from render_email.charts import Bar
from render_email.money import Change

# What an estimated day says when its wording has no sentence of its own (the daily report's).
DAILY_ESTIMATED_TEXT = "AWS has not finalised the costs for this day yet, so these figures may still change."


@dataclass(frozen=True)
class Stat:
    """One figure of the headline: a label, the value and a note under it."""

    label: str
    value: str
    note: str = ""
    tone: str = ""  # "up", "down", "bad", "good", "credit" or ""


@dataclass(frozen=True)
class Row:
    """One line of the services table."""

    label: str
    units: int
    amount: str
    share: str  # "" when a share means nothing (charges <= 0)
    change: Change | None  # against the day before; None for no data
    bars: tuple[Bar, ...]
    spark: str
    flags: tuple[str, ...]
    is_other: bool = False
    count: int = 1  # how many lines the row adds up: Other's count, else 1 (the chat messages' Other adds them)
    url: str = ""  # the line in Cost Explorer (links.line_url); "" for Other and lines the console cannot filter on

    @property
    def negative(self) -> bool:
        return self.units < 0


@dataclass(frozen=True)
class Line:
    """A line under the services: charges, credits, refunds, discounts, tax, a record type FetchCosts does
    not classify (under its own name), total."""

    label: str
    units: int
    amount: str
    is_total: bool = False


@dataclass(frozen=True)
class MoverRow:
    label: str
    amount: str
    average: str
    change: Change


@dataclass(frozen=True)
class AnomalyRow:
    label: str
    amount: str
    usual: str
    change: Change
    new_since: str  # "Wed 18 Nov" when the service is also new, else ""

    @property
    def detail(self) -> str:
        """ "$51.07, usually $7.22: +$43.86 (+608%)"; for a new service, when it started."""
        if self.new_since:
            return f"{self.amount}, new: first cost on {self.new_since}"
        return f"{self.amount}, usually {self.usual}: {self.change.long}"


@dataclass(frozen=True)
class NewRow:
    label: str
    first: str  # "Wed 18 Nov"
    amount: str


@dataclass(frozen=True)
class ServicesTable:
    """The services (top, then Other) and under them the charges and adjustments, then the total."""

    rows: tuple[Row, ...]
    lines: tuple[Line, ...]
    has_shares: bool


@dataclass(frozen=True)
class SecondaryTable:
    """The report day by the report's secondary breakdown: top lines, then Other; no lines under them (the
    main table has them), and its rows add up to the displayed charges, as the main table's do."""

    heading: str  # "By account"
    label: str  # the first column: "Account"
    rows: tuple[Row, ...]
    text: tuple[str, ...]  # the same as aligned text lines


@dataclass(frozen=True)
class Lines:
    """Which report this is and what its lines are, as the email names them."""

    label: str = "Service"  # the services table's first column
    noun: str = "service"  # one line, in running text
    title: str = ""  # the report's name; "" for the default report (the header is as it always was)
    scope: str = ""  # what the report covers and how it is broken down; "" for the default report


@dataclass(frozen=True)
class Alerts:
    anomalies: tuple[AnomalyRow, ...]
    anomalies_more: int
    anomaly_note: str  # why there are no anomaly checks (young account), else ""
    new_services: tuple[NewRow, ...]
    new_more: int


@dataclass(frozen=True)
class Wording:
    """The words that name the report's period. The defaults are the daily report's; a weekly or monthly
    report's are in periods.py."""

    title: str = "AWS daily cost"
    unit: str = "day"  # "Open this day in Cost Explorer"
    change_head: str = "vs day before"  # the services table's change column (HTML)
    change_column: str = "Day"  # and in the text part
    change_text: str = "day = change against the day before"
    trend_head: str = "last 14 days"
    estimated_title: str = "Estimated."
    estimated_text: str = ""  # "" : the daily wording, as the templates have always written it
    first_cost: str = "first cost on"
    amount_when: str = "on the report day"

    @property
    def estimated_sentence(self) -> str:
        """What an estimated report says after `estimated_title`: its period's sentence, or the daily one."""
        return self.estimated_text or DAILY_ESTIMATED_TEXT


@dataclass(frozen=True)
class ReportView:
    """Everything the templates show, already formatted."""

    subject: str
    preheader: str
    date_label: str
    total: str
    total_units: int
    total_label: str  # "Unblended cost incl. adjustments" when adjustments apply, else "Unblended cost"
    currency: str
    estimated: bool  # headline.says_estimated: only a month whose bill is not final yet
    no_spend: bool
    changes: tuple[Stat, ...]  # against the day before and the trailing average
    one_off_note: str  # "One-off charges $123.44: AWS Support (Business) $100.00, Tax $23.44. ..." or ""
    revised: Stat | None  # "Revised": "Mon 30 Nov was $X when sent, now $Y (+$Z)" when the day before moved
    stats: tuple[Stat, ...]  # month to date, forecast, last month, budget
    daily_bars: tuple[Bar, ...]
    daily_caption: str
    daily_spark: str
    alerts: Alerts
    service_count: int
    services: ServicesTable
    increases: tuple[MoverRow, ...]
    decreases: tuple[MoverRow, ...]
    movers_label: str  # what the movers are against: "average of the 7 days before", "... of the last 4 Mondays"
    notes: tuple[str, ...]  # how the figures were made
    console_url: str  # the report's view in Cost Explorer (links.report_url): the button and the headline's total
    requests_note: str
    text_services: tuple[str, ...]  # the services table as aligned text lines
    text_movers: tuple[str, ...]
    # Which report and period, and the alerts worst first (report_contract.limits.ALERTS): what the subject's
    # statuses say, for the chat messages and their JSON (render_email.chat), which state them as data.
    report_id: str
    period: ReportPeriod
    alert_codes: tuple[str, ...]
    lines_of: Lines = Lines()  # what the services table's lines are (the default report: services)
    secondary: SecondaryTable | None = None
    wording: Wording = Wording()
    daily_key: str = ""  # the HTML chart's key to its amber bars (days with one-off charges), or ""
    resent: str = ""  # "Resent on request: first sent Sat 21 Nov 2026, 08:00 UTC" for a forced resend, else ""

    # The names the templates use.
    @property
    def anomalies(self) -> tuple[AnomalyRow, ...]:
        return self.alerts.anomalies

    @property
    def anomalies_more(self) -> int:
        return self.alerts.anomalies_more

    @property
    def anomaly_note(self) -> str:
        return self.alerts.anomaly_note

    @property
    def new_services(self) -> tuple[NewRow, ...]:
        return self.alerts.new_services

    @property
    def new_more(self) -> int:
        return self.alerts.new_more

    @property
    def rows(self) -> tuple[Row, ...]:
        return self.services.rows

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.services.lines

    @property
    def has_shares(self) -> bool:
        return self.services.has_shares

    @property
    def has_alerts(self) -> bool:
        return bool(self.anomalies or self.new_services)

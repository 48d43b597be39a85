"""The fixed datasets behind the golden emails: each is a Cost Explorer answer for a fixed report day
(the synthetic organisation at seed 7, or a small hand-written account), run through the real pipeline:
FetchCosts' pure modules (a day FetchCosts would refuse as not ready cannot be a golden email), the JSON of
the state machine, RenderEmail's parser and templates.

A dataset with a declared report (`report`) answers the requests FetchCosts makes for it (`query`: its
scope as the Filter, its breakdown and RECORD_TYPE as GroupBy, and the secondary breakdown's query)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from fetch_costs.handler import DEFAULT_REPORT, for_report
from fetch_costs.history import CostHistory, not_ready, parse_history
from fetch_costs.lines import line_namer, report_identity
from fetch_costs.period_summary import summarise_period
from fetch_costs.periods import monthly_history, queries, weekly_history
from fetch_costs.query import build_request, report_window, secondary_window
from fetch_costs.revised import revised
from fetch_costs.secondary import secondary_section
from fetch_costs.settings import ReportSettings
from fetch_costs.summarise import summarise
from render_email.chat import CHANNEL_TYPES, limits, render_chat
from render_email.render import RenderedEmail, build_view, render_report
from render_email.request import RenderRequest
from report_contract import CostReport, Secondary
from report_contract.period import ReportPeriod
from report_contract.spec import Breakdown, ReportSpec

from local.cost_explorer import FakeCostExplorer, SyntheticOrganisation
from tests.fixtures.cost_explorer_answers import answer


@dataclass(frozen=True)
class Dataset:
    name: str
    description: str
    report_date: date
    pages: Callable[[date, date], list[dict]]  # (start, end) -> every page of the answer
    settings: ReportSettings = field(default_factory=ReportSettings)
    report: ReportSpec = DEFAULT_REPORT
    query: Callable[[dict], list[dict]] | None = None  # a GetCostAndUsage request -> every page of its answer
    # The previous report's record as ReadPreviousReport passes it to FetchCosts (GetItem's answer; None: {}).
    previous_report: dict | None = None


def synthetic(profile: str, report_date: date) -> Callable[[date, date], list[dict]]:
    def pages(start: date, end: date) -> list[dict]:
        ce = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=report_date + timedelta(days=1)))
        return ce.all_pages(build_request(start, end, "UnblendedCost"))

    return pages


def synthetic_query(profile: str, report_date: date) -> Callable[[dict], list[dict]]:
    ce = FakeCostExplorer(SyntheticOrganisation(profile, seed=7, today=report_date + timedelta(days=1)))
    return ce.all_pages


def declared(report_id: str, declaration: dict) -> ReportSpec:
    return ReportSpec.from_state(report_id, {"recipients": ["finops@example.com"], **declaration})


def _young_account(day: date) -> list:
    if day < date(2026, 11, 19):
        return []
    return [
        ("Amazon Elastic Compute Cloud - Compute", "Usage", "18.40"),
        ("Amazon Simple Storage Service", "Usage", "0.0460"),
        ("Amazon Elastic Compute Cloud - Compute", "Credit", "-18.40"),
        ("AWS Lambda", "Usage", "0"),
    ]


def _quiet_day(day: date) -> list:
    # Cost Explorer has the day (its entries are there) and each is 0. With no entry at all the day would not
    # be processed yet, and FetchCosts raises CostDataNotReady instead of sending "$0.00".
    amounts = ("0", "0") if day == date(2026, 11, 20) else ("0.1344", "0.0167")
    return [("Amazon Lightsail", "Usage", amounts[0]), ("Amazon Route 53", "Usage", amounts[1])]


PER_ACCOUNT = declared("accounts", {"name": "Cost by account", "breakdown": {"by": "account"}})
TEAM_PAYMENTS = declared(
    "team-payments",
    {
        "name": "Payments team",
        "scope": {"tag": {"key": "team", "values": ["payments"]}},
        "breakdown": {"by": "service"},
        "secondary_breakdown": {"by": "account"},
        "top_n": 8,
    },
)


@dataclass(frozen=True)
class PeriodDataset:
    """A weekly or monthly report of the synthetic organisation (seed 7), as Cost Explorer answers on `today`."""

    name: str
    description: str
    period: ReportPeriod
    profile: str
    today: date
    settings: ReportSettings = field(default_factory=ReportSettings)


DATASETS: tuple[Dataset | PeriodDataset, ...] = (
    Dataset(
        "small",
        "the synthetic small account: a spike yesterday, a new service, credits",
        date(2026, 11, 20),
        synthetic("small", date(2026, 11, 20)),
    ),
    Dataset(
        "large-org",
        "the synthetic large organisation: 350 services, EDP discount, two pages",
        date(2026, 11, 20),
        synthetic("large-org", date(2026, 11, 20)),
    ),
    Dataset(
        "first-of-month",
        "the 1st of December: tax and support, compared and budgeted without them (their $287.21 total is over the "
        "daily budget, their $163.77 of recurring spend is not), month to date of one day, within the monthly budget, "
        "with a credit balance",
        date(2026, 12, 1),
        synthetic("small", date(2026, 12, 1)),
        ReportSettings(
            daily_budget=Decimal(175), monthly_budget=Decimal(5000), top_services=5, credit_balance=Decimal(2000)
        ),
    ),
    Dataset(
        "monday",
        "Monday 30 November: the weekend's dip ends, so the movers are judged against the last 4 Mondays (the "
        "history shows a weekly cycle), not the 7 days before; the changes in the headline stay day-on-day",
        date(2026, 11, 30),
        synthetic("small", date(2026, 11, 30)),
    ),
    Dataset(
        "revised",
        "Saturday 21 November, the day after the small golden: Cost Explorer has revised Friday's figure since its "
        "report was sent ($118.40 then, $120.17 now), so the email says so (the Revised line)",
        date(2026, 11, 21),
        synthetic("small", date(2026, 11, 21)),
        previous_report={
            "Item": {
                "status": {"S": "SENT"},
                "total": {"N": "118.40"},
                "sentAt": {"S": "2026-11-21T08:00:04.512Z"},
                "currency": {"S": "USD"},
            }
        },
    ),
    Dataset(
        "young-account-eur",
        "two days old, in euros, credits covering the usage: no forecast or anomaly checks",
        date(2026, 11, 20),
        lambda start, end: answer(start, end, _young_account, currency="EUR", estimated_from=date(2026, 11, 1)),
    ),
    Dataset(
        "no-spend",
        "a day whose entries are all $0 in an account that usually costs a little",
        date(2026, 11, 20),
        lambda start, end: answer(start, end, _quiet_day),
    ),
    Dataset(
        "per-account",
        "the large organisation by account, each named from DimensionValueAttributes",
        date(2026, 11, 20),
        synthetic("large-org", date(2026, 11, 20)),
        report=PER_ACCOUNT,
        query=synthetic_query("large-org", date(2026, 11, 20)),
    ),
    Dataset(
        "team-payments",
        "the payments team's tagged cost by service, top 8, with a secondary section by account",
        date(2026, 11, 20),
        synthetic("large-org", date(2026, 11, 20)),
        report=TEAM_PAYMENTS,
        query=synthetic_query("large-org", date(2026, 11, 20)),
    ),
    PeriodDataset(
        "weekly",
        "ISO week 47 of 2026 (Mon 16 to Sun 22 Nov), sent on Tuesday 24th: a new service, an anomaly, credits; "
        "the monthly budget ignored",
        ReportPeriod.from_key("week", "2026-W47"),
        "small",
        date(2026, 11, 24),
        ReportSettings(monthly_budget=Decimal(3000)),
    ),
    PeriodDataset(
        "monthly",
        "November 2026, sent on 3 December: not yet finalised; vs October, 3-month average, November 2025; "
        "within the monthly budget",
        ReportPeriod.from_key("month", "2026-11"),
        "small",
        date(2026, 12, 3),
        ReportSettings(monthly_budget=Decimal(5000)),
    ),
)


def _history(dataset: Dataset, start: date, end: date, breakdown: Breakdown, metric: str) -> CostHistory:
    if dataset.query is None:
        return parse_history(start, end, metric, dataset.pages(start, end))
    scope_filter = dataset.report.scope.cost_explorer_filter()
    request = build_request(start, end, metric, group_by=breakdown.group_by(), scope_filter=scope_filter)
    pages = dataset.query(request)
    return parse_history(start, end, metric, pages, name=line_namer(breakdown, pages))


def report_of(dataset: Dataset) -> CostReport:
    """What FetchCosts makes of the dataset: its queries, as fetch_costs.handler makes them, then summarise."""
    spec, settings = dataset.report, for_report(dataset.settings, dataset.report)
    history = _history(dataset, *report_window(dataset.report_date), spec.breakdown, settings.metric)
    reason = not_ready(history, dataset.report_date)
    assert reason is None, f"{dataset.name}: FetchCosts would not report this day: {reason}"
    secondary: Secondary | None = None
    if spec.secondary_breakdown is not None:
        extra = _history(dataset, *secondary_window(dataset.report_date), spec.secondary_breakdown, settings.metric)
        day = history.day(dataset.report_date)
        assert day is not None
        secondary = secondary_section(extra, dataset.report_date, spec.secondary_breakdown, day.charges_total)
        history = replace(history, requests=history.requests + extra.requests)
    report = summarise(history, dataset.report_date, settings, report_identity(spec), secondary)
    return replace(report, revised=revised(dataset.previous_report or {}, report, settings))


def build_period(dataset: PeriodDataset) -> dict:
    """FetchCosts' pure modules for a weekly or monthly report, on the embedded Cost Explorer."""
    period, metric = dataset.period, dataset.settings.metric
    ce = FakeCostExplorer(SyntheticOrganisation(dataset.profile, seed=7, today=dataset.today))
    answers = [(q, ce.all_pages(build_request(q.start, q.end, metric, None, q.granularity))) for q in queries(period)]
    daily_query, daily_pages = answers[-1]
    daily = parse_history(daily_query.start, daily_query.end, metric, daily_pages, requests=len(ce.requests))
    assert not_ready(daily, period.last_day) is None, f"{dataset.name}: FetchCosts would not report {period.key}"
    if period.kind == "week":
        history = weekly_history(period, daily)
    else:
        history = monthly_history(period, answers[0][0], metric, answers[0][1], daily, len(ce.requests))
    return summarise_period(history, dataset.settings).to_state()


def build(dataset: Dataset | PeriodDataset) -> tuple[dict, RenderedEmail]:
    """(FetchCosts' result as the state machine carries it, the email RenderEmail makes of it)."""
    if isinstance(dataset, PeriodDataset):
        costs = json.loads(json.dumps(build_period(dataset)))
    else:
        costs = json.loads(json.dumps(report_of(dataset).to_state()))
    request = RenderRequest.from_event({"reportDate": costs["reportDate"], "costs": costs})
    return costs, render_report(request.costs)


def chat_messages(costs: dict) -> dict[str, dict]:
    """The chat message of each channel type for the report (it also goes by email), from the email's view."""
    view = build_view(RenderRequest.from_event({"reportDate": costs["reportDate"], "costs": costs}).costs)
    return {kind: render_chat(kind, view, emailed=True) for kind in CHANNEL_TYPES}


def files(dataset: Dataset | PeriodDataset) -> dict[str, str]:
    """The golden files of a dataset: name -> exact content."""
    costs, email = build(dataset)
    return {
        f"{dataset.name}.costs.json": json.dumps(costs, indent=2, ensure_ascii=False) + "\n",
        f"{dataset.name}.html": email.html,
        f"{dataset.name}.txt": f"Subject: {email.subject}\n\n{email.text}",
        f"chat/{dataset.name}.json": json.dumps(chat_messages(costs), indent=2, ensure_ascii=False) + "\n",
    }


# docs/chat.md's table of message sizes, written by `make golden` from the golden chat messages.
CHAT_SIZES_BEGIN = "<!-- BEGIN chat sizes: written by `make golden` (scripts/regenerate_golden.py); do not edit -->"
CHAT_SIZES_END = "<!-- END chat sizes -->"


def chat_sizes_table(messages: dict[str, dict[str, dict]]) -> str:
    """Each dataset's message sizes in bytes, as the renderers measure them against their limit
    (limits.message_bytes: the larger of the escaped and the UTF-8 JSON; for Teams, UTF-16 too)."""
    head = [
        "| Report (golden dataset) | Slack | Teams | Google Chat | Webhook |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    rows = [
        f"| {name} | " + " | ".join(f"{limits.message_bytes(m[k], utf16=k == 'teams'):,}" for k in CHANNEL_TYPES) + " |"
        for name, m in messages.items()
    ]
    caps = (limits.SLACK_MESSAGE_BYTES, limits.TEAMS_MESSAGE_BYTES, limits.GOOGLE_CHAT_MESSAGE_BYTES)
    bound = " | ".join(f"{cap:,}" for cap in (*caps, limits.WEBHOOK_MESSAGE_BYTES))
    return "\n".join([*head, *rows, f"| *the message's bound* | {bound} |"])


def with_chat_sizes(document: str, table: str) -> str:
    """`document` with the table between the markers replaced."""
    start, end = document.index(CHAT_SIZES_BEGIN) + len(CHAT_SIZES_BEGIN), document.index(CHAT_SIZES_END)
    return f"{document[:start]}\n{table}\n{document[end:]}"

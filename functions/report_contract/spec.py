"""What a deployment's reports are: each report's declaration, defined once.

A deployment declares its reports in the Terraform variable `reports` (a map from a report id to an
object); Terraform fills the deployment-wide defaults (recipients, metric, top N, budgets) and writes the
map to S3 as JSON (report_contract.objects.REPORTS_KEY). ResolveReportDate reads that JSON with `parse_reports` and
refuses a bad declaration naming the field, the value and what is allowed; Terraform's validations mirror
these rules (tests/infra/test_reports_variable.py holds them to this module). FetchCosts reads one report's
normalised declaration (`ReportSpec.to_state()`, as ResolveReportDate passes it on) with
`ReportSpec.from_state`. Standard library only: the module is copied into each function's zip.

The shapes, snake_case as a Terraform user writes them:

    {"name": "Payments team",                      # optional; the id when absent
     "cadence": "daily" | "weekly" | "monthly",    # default daily
     "day_of_week": "monday",                      # weekly: the day it is sent (default monday)
     "day_of_month": 1,                            # monthly: the day it is sent, 1 to 28 (default 1)
     "time_zone": "Europe/Paris",                  # which day it is where the readers are (default UTC)
     "scope": {} | {"accounts": ["123456789012"]} | {"tag": {"key": "team", "values": ["payments"]}}
              | {"cost_category": {"name": "Team", "values": ["Payments"]}},   # default {}: everything
     "breakdown": {"by": "service" | "account" | "region" | "tag" | "cost_category", "key": ...},
     "secondary_breakdown": null | {"by": ..., "key": ...},
     "recipients": ["finops@example.com"],
     "metric": null | "UnblendedCost" | ...,       # null: the deployment's COST_METRIC
     "top_n": null | 1..20,                        # null: the deployment's TOP_SERVICES
     "budget": null | "150",                       # for the report's period; null: none (daily: DAILY_BUDGET)
     "monthly_budget": null | "5000",              # daily and monthly reports; null: MONTHLY_BUDGET; weekly: ignored
     "chat": null | [{"name": "finops", "type": "slack" | "teams" | "google_chat" | "webhook"}, ...]}
                                                   # null or absent: email only; at most 10 channels, each once

`chat` lists the chat channels a report is also posted to once its email is sent (the PostToChat Map, one
post per channel). A Terraform user writes only channel names there; Terraform writes each name with its
type from the deployment's variable `chat_channels` (a map from channel name to `{type}`), and an unset
`chat` as every channel of it (`[]`: email only). A channel's webhook URL is not in the declaration: it is
a credential, kept in Secrets Manager as `<name_prefix>/chat/<name>` and read by post_chat when it posts
(docs/chat-setup.md).

Periods are UTC days, as Cost Explorer keeps them; a weekly report covers an ISO week (Monday to Sunday)
and a monthly one a calendar month. The time zone only decides which day of the week or month it is
when a run starts (docs/configuration.md, "Reports").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, cast

from report_contract.excerpt import excerpt
from report_contract.limits import METRICS, TOP_SERVICES_MAX, TOP_SERVICES_MIN

CADENCES = ("daily", "weekly", "monthly")
Cadence = Literal["daily", "weekly", "monthly"]
DAYS_OF_WEEK = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_OF_MONTH_MIN, DAY_OF_MONTH_MAX = 1, 28  # every month has a 28th: a monthly report is never skipped
BREAKDOWNS = ("service", "account", "region", "tag", "cost_category")
KEYED_BREAKDOWNS = ("tag", "cost_category")  # these name a tag key or a cost category
SCOPES = ("accounts", "tag", "cost_category")  # at most one; none means the whole organisation

# The report id is a DynamoDB key part, a child execution's name part and a folder name in the demo:
# lower-case letters, digits and dashes, starting with a letter or digit.
REPORT_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
REPORT_ID_CHARS = 40
NAME_CHARS = 100
# The one report a deployment has when it declares none; its records keep the bare period key (the day),
# as every record written before reports existed is keyed.
DEFAULT_REPORT_ID = "daily"
# The declarations live in S3 (report_contract.objects.REPORTS_KEY) and a run's due list too, so no payload
# bounds them; the Distributed Map that starts the children reads up to 256 MiB of items. 10,000 is what
# `make bench-org` measures (docs/performance.md): a team report per value of 20 cost categories of 500
# rules each. Each child parses the whole declaration (about 3 MB at 10,000), which is what bounds it here.
MAX_REPORTS = 10_000
MAX_SCOPE_VALUES = 100
# SES v2 SendEmail: "The recipients ... can be up to 50" (To, CC and BCC together).
# https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_Destination.html
MAX_RECIPIENTS = 50
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# A tag key (1 to 128 characters) and a cost category name (1 to 50): the Cost Explorer API's limits.
# https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_TagValues.html
# https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_CostCategoryValues.html
TAG_KEY_CHARS = 128
COST_CATEGORY_NAME_CHARS = 50
VALUE_CHARS = 256
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
TIME_ZONE = re.compile(
    r"UTC|GMT|Etc/(UTC|GMT|GMT[+-]([0-9]|1[0-4]))"
    r"|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)?"
)
BUDGET_MAX = Decimal(10) ** 12

# Chat channels. A channel's name is part of its secret's name (<name_prefix>/chat/<name>) and of log
# lines, so it follows the report id's rule. At most MAX_CHANNELS per report: each one is one post, one
# item of the PostToChat Map that runs after the email is sent; ten is more than a team has, and keeps a
# report's posts few.
CHANNEL_TYPES = ("slack", "teams", "google_chat", "webhook")
CHANNEL_NAME = REPORT_ID
CHANNEL_NAME_CHARS = REPORT_ID_CHARS
MAX_CHANNELS = 10

REPORT_FIELDS = frozenset(
    {
        "name",
        "cadence",
        "day_of_week",
        "day_of_month",
        "time_zone",
        "scope",
        "breakdown",
        "secondary_breakdown",
        "recipients",
        "metric",
        "top_n",
        "budget",
        "monthly_budget",
        "chat",
    }
)

# Cost Explorer's GroupBy for each breakdown (a tag key or a cost category name goes in Key). At most two
# GroupBy keys per request: the breakdown and RECORD_TYPE.
# https://docs.aws.amazon.com/aws-cost-management/latest/APIReference/API_GetCostAndUsage.html
_GROUP_BY: dict[str, tuple[str, str | None]] = {
    "service": ("DIMENSION", "SERVICE"),
    "account": ("DIMENSION", "LINKED_ACCOUNT"),
    "region": ("DIMENSION", "REGION"),
    "tag": ("TAG", None),
    "cost_category": ("COST_CATEGORY", None),
}
# How the email names a breakdown's lines (a table's first column).
_LABELS = {"service": "Service", "account": "Account", "region": "Region"}


class InvalidReportSpec(ValueError):
    """A report declaration breaks a rule. The message names the field (reports["id"].field), the value and
    what is allowed."""


@dataclass(frozen=True)
class Breakdown:
    by: str = "service"
    key: str | None = None  # the tag key or cost category name, for "tag" and "cost_category"

    @property
    def label(self) -> str:
        """The name of a line of this breakdown: "Service", "Account", "Tag team", "Cost category Team"."""
        if self.by == "tag":
            return f"Tag {self.key}"
        if self.by == "cost_category":
            return f"Cost category {self.key}"
        return _LABELS[self.by]

    def group_by(self) -> dict[str, str]:
        """This breakdown as one Cost Explorer GroupBy entry."""
        kind, key = _GROUP_BY[self.by]
        return {"Type": kind, "Key": key if key is not None else cast(str, self.key)}

    def to_state(self) -> dict[str, Any]:
        return {"by": self.by, "key": self.key}


@dataclass(frozen=True)
class Scope:
    kind: Literal["organisation", "accounts", "tag", "cost_category"] = "organisation"
    key: str | None = None  # the tag key or cost category name
    values: tuple[str, ...] = ()

    @property
    def description(self) -> str:
        """What the report covers, as its header says it."""
        if self.kind == "accounts":
            return f"account{'s' if len(self.values) > 1 else ''} {', '.join(self.values)}"
        if self.kind == "tag":
            return f"tag {self.key} = {', '.join(self.values)}"
        if self.kind == "cost_category":
            return f"cost category {self.key} = {', '.join(self.values)}"
        return "the whole organisation"

    def cost_explorer_filter(self) -> dict[str, Any] | None:
        """This scope as a GetCostAndUsage Filter (an Expression), or None for the whole organisation."""
        if self.kind == "accounts":
            return {"Dimensions": {"Key": "LINKED_ACCOUNT", "Values": list(self.values), "MatchOptions": ["EQUALS"]}}
        if self.kind == "tag":
            return {"Tags": {"Key": self.key, "Values": list(self.values), "MatchOptions": ["EQUALS"]}}
        if self.kind == "cost_category":
            return {"CostCategories": {"Key": self.key, "Values": list(self.values), "MatchOptions": ["EQUALS"]}}
        return None

    def to_state(self) -> dict[str, Any]:
        if self.kind == "accounts":
            return {"accounts": list(self.values)}
        if self.kind == "tag":
            return {"tag": {"key": self.key, "values": list(self.values)}}
        if self.kind == "cost_category":
            return {"cost_category": {"name": self.key, "values": list(self.values)}}
        return {}


@dataclass(frozen=True)
class ChatChannel:
    """One chat channel a report is posted to: its name (its secret is <name_prefix>/chat/<name>) and
    which platform's message it takes (one of CHANNEL_TYPES)."""

    name: str
    type: str

    def to_state(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type}


@dataclass(frozen=True)
class ReportSpec:
    """One report, normalised: every default filled except those the functions' settings give (metric,
    top_n; None means the deployment's)."""

    id: str
    name: str
    recipients: tuple[str, ...]
    cadence: Cadence = "daily"
    day_of_week: str = "monday"
    day_of_month: int = 1
    time_zone: str = "UTC"
    scope: Scope = field(default_factory=Scope)
    breakdown: Breakdown = field(default_factory=Breakdown)
    secondary_breakdown: Breakdown | None = None
    metric: str | None = None
    top_n: int | None = None
    budget: Decimal | None = None
    monthly_budget: Decimal | None = (
        None  # the month's: a daily report's month to date and forecast, a monthly one's month
    )
    chat: tuple[ChatChannel, ...] = ()  # the channels it is also posted to; () is email only

    @property
    def record_prefix(self) -> str:
        """The report's part of its records' keys: "" for the default report (its keys are the bare period
        keys records have always had), else "<id>/"; a period key never holds "/", so the two never meet."""
        return "" if self.id == DEFAULT_REPORT_ID else f"{self.id}/"

    def to_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "cadence": self.cadence,
            "day_of_week": self.day_of_week,
            "day_of_month": self.day_of_month,
            "time_zone": self.time_zone,
            "scope": self.scope.to_state(),
            "breakdown": self.breakdown.to_state(),
            "secondary_breakdown": None if self.secondary_breakdown is None else self.secondary_breakdown.to_state(),
            "recipients": list(self.recipients),
            "metric": self.metric,
            "top_n": self.top_n,
            "budget": None if self.budget is None else str(self.budget),
            "monthly_budget": None if self.monthly_budget is None else str(self.monthly_budget),
            "chat": [channel.to_state() for channel in self.chat],
        }

    @classmethod
    def from_state(cls, report_id: str, raw: object) -> ReportSpec:
        """A declaration, checked: the same rules for Terraform's JSON and for a state's copy of it."""
        return _Reader(report_id).spec(raw)


def parse_reports(raw: object) -> tuple[ReportSpec, ...]:
    """Every report of the deployment from the JSON map Terraform writes, in id order."""
    if not isinstance(raw, dict):
        raise InvalidReportSpec(f"reports: expected a map from report id to report, got {excerpt(raw)}")
    if not raw:
        raise InvalidReportSpec("reports: declare at least one report (or leave the variable unset for the default)")
    if len(raw) > MAX_REPORTS:
        raise InvalidReportSpec(f"reports: {len(raw)} reports declared; at most {MAX_REPORTS}")
    return tuple(ReportSpec.from_state(report_id, raw[report_id]) for report_id in sorted(raw))


def parse_chat(report_id: str, value: object) -> tuple[ChatChannel, ...]:
    """A report's `chat` as a state carries it (ReportSpec.to_state), by the declaration's rules: RenderEmail
    reads the channels it renders a message for with this."""
    return _Reader(report_id).chat(value)


class _Reader:
    """Reads one declaration, naming each field as reports["<id>"].<field> in a refusal."""

    def __init__(self, report_id: object) -> None:
        if not isinstance(report_id, str) or not REPORT_ID.fullmatch(report_id):
            raise InvalidReportSpec(
                f"reports: the report id {excerpt(report_id)} is not allowed: use 1 to {REPORT_ID_CHARS} lower-case "
                "letters, digits and dashes, starting with a letter or digit (e.g. team-payments)"
            )
        self.id = report_id

    def refuse(self, path: str, value: object, allowed: str) -> InvalidReportSpec:
        return InvalidReportSpec(f'reports["{self.id}"].{path}: {excerpt(value)} is not allowed: {allowed}')

    def spec(self, raw: object) -> ReportSpec:
        if not isinstance(raw, dict):
            raise InvalidReportSpec(f'reports["{self.id}"]: expected an object, got {excerpt(raw)}')
        unknown = sorted(set(raw) - REPORT_FIELDS - {"id"})
        if unknown:
            raise InvalidReportSpec(
                f'reports["{self.id}"]: unknown field(s) {", ".join(unknown)}; '
                f"allowed: {', '.join(sorted(REPORT_FIELDS))}"
            )
        cadence = self.choice(raw, "cadence", CADENCES, "daily")
        return ReportSpec(
            id=self.id,
            name=self.text(raw, "name", NAME_CHARS) or self.id,
            recipients=self.recipients(raw.get("recipients")),
            cadence=cast(Cadence, cadence),
            day_of_week=self.choice(raw, "day_of_week", DAYS_OF_WEEK, "monday"),
            day_of_month=self.whole(raw, "day_of_month", DAY_OF_MONTH_MIN, DAY_OF_MONTH_MAX, 1),
            time_zone=self.time_zone(raw.get("time_zone")),
            scope=self.scope(raw.get("scope")),
            breakdown=self.breakdown("breakdown", raw.get("breakdown")) or Breakdown(),
            secondary_breakdown=self.breakdown("secondary_breakdown", raw.get("secondary_breakdown")),
            metric=self.optional_choice(raw, "metric", METRICS),
            top_n=self.optional_whole(raw, "top_n", TOP_SERVICES_MIN, TOP_SERVICES_MAX),
            budget=self.budget("budget", raw.get("budget")),
            monthly_budget=self.budget("monthly_budget", raw.get("monthly_budget")),
            chat=self.chat(raw.get("chat")),
        )

    def choice(self, raw: dict[str, Any], name: str, allowed: tuple[str, ...], default: str) -> str:
        value = raw.get(name)
        if value is None:
            return default
        if value not in allowed:
            raise self.refuse(name, value, f"use one of {', '.join(allowed)}")
        return cast(str, value)

    def optional_choice(self, raw: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str | None:
        return None if raw.get(name) is None else self.choice(raw, name, allowed, "")

    def whole(self, raw: dict[str, Any], name: str, low: int, high: int, default: int) -> int:
        value = raw.get(name)
        if value is None:
            return default
        # Terraform's number arrives as 7 or 7.0; a bool is an int to Python but not a number here.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or value != int(value)
            or not low <= value <= high
        ):
            raise self.refuse(name, value, f"use a whole number from {low} to {high}")
        return int(value)

    def optional_whole(self, raw: dict[str, Any], name: str, low: int, high: int) -> int | None:
        return None if raw.get(name) is None else self.whole(raw, name, low, high, low)

    def text(self, raw: dict[str, Any], name: str, limit: int) -> str | None:
        value = raw.get(name)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise self.refuse(name, value, f"use text of 1 to {limit} characters")
        return value.strip()

    def recipients(self, value: object) -> tuple[str, ...]:
        allowed = f"use a list of 1 to {MAX_RECIPIENTS} email addresses (SES's limit per message)"
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_RECIPIENTS:
            raise self.refuse("recipients", value, allowed)
        for address in value:
            if not isinstance(address, str) or not EMAIL.fullmatch(address):
                raise self.refuse(
                    "recipients", address, "each recipient must be an email address such as a@example.com"
                )
        if len(set(value)) != len(value):
            raise self.refuse("recipients", value, "list each address once")
        return tuple(value)

    def time_zone(self, value: object) -> str:
        if value is None:
            return "UTC"
        if not isinstance(value, str) or not TIME_ZONE.fullmatch(value):
            raise self.refuse(
                "time_zone", value, "use an IANA time zone name: UTC, or Area/Location such as Europe/Paris"
            )
        return value

    def scope(self, value: object) -> Scope:
        if value is None or value == {}:
            return Scope()
        if not isinstance(value, dict):
            raise self.refuse("scope", value, f"use {{}} (everything) or an object with one of {', '.join(SCOPES)}")
        given = sorted(name for name in value if value[name] is not None)
        if set(given) - set(SCOPES) or len(given) > 1:
            raise self.refuse("scope", given, f"give at most one of {', '.join(SCOPES)}")
        if not given:
            return Scope()
        kind = given[0]
        if kind == "accounts":
            accounts = self.values("scope.accounts", value["accounts"], ACCOUNT_ID, "a 12-digit account id")
            return Scope("accounts", None, accounts)
        key_name, limit = ("key", TAG_KEY_CHARS) if kind == "tag" else ("name", COST_CATEGORY_NAME_CHARS)
        inner = value[kind]
        if not isinstance(inner, dict) or set(inner) - {key_name, "values"}:
            raise self.refuse(f"scope.{kind}", inner, f'use {{"{key_name}": ..., "values": [...]}}')
        key = self.text(inner, key_name, limit) if key_name in inner else None
        if key is None:
            raise self.refuse(f"scope.{kind}.{key_name}", None, f"use text of 1 to {limit} characters")
        values = self.values(
            f"scope.{kind}.values", inner.get("values"), None, f"text of 1 to {VALUE_CHARS} characters"
        )
        return Scope(cast(Literal["tag", "cost_category"], kind), key, values)

    def values(self, path: str, value: object, pattern: re.Pattern[str] | None, each: str) -> tuple[str, ...]:
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_SCOPE_VALUES:
            raise self.refuse(path, value, f"use a list of 1 to {MAX_SCOPE_VALUES} values, each {each}")
        for item in value:
            bad = not isinstance(item, str) or not 1 <= len(item) <= VALUE_CHARS
            if bad or (pattern is not None and not pattern.fullmatch(cast(str, item))):
                raise self.refuse(path, item, f"each value must be {each}")
        return tuple(dict.fromkeys(value))

    def breakdown(self, name: str, value: object) -> Breakdown | None:
        if value is None:
            return None
        if not isinstance(value, dict) or set(value) - {"by", "key"}:
            raise self.refuse(name, value, f'use {{"by": one of {", ".join(BREAKDOWNS)}, "key": ...}}')
        by = value.get("by")
        if by not in BREAKDOWNS:
            raise self.refuse(f"{name}.by", by, f"use one of {', '.join(BREAKDOWNS)}")
        key = value.get("key")
        if by in KEYED_BREAKDOWNS:
            limit = TAG_KEY_CHARS if by == "tag" else COST_CATEGORY_NAME_CHARS
            if not isinstance(key, str) or not 1 <= len(key) <= limit:
                raise self.refuse(
                    f"{name}.key",
                    key,
                    f"a {by} breakdown needs the {by.replace('_', ' ')}'s name ({limit} characters at most)",
                )
            return Breakdown(cast(str, by), key)
        if key is not None:
            raise self.refuse(
                f"{name}.key", key, f"only a tag or cost_category breakdown takes a key; leave it unset for {by}"
            )
        return Breakdown(cast(str, by))

    def budget(self, name: str, value: object) -> Decimal | None:
        """`budget` or `monthly_budget`: the same bounds."""
        if value is None:
            return None
        allowed = f"use an amount greater than 0 and below {BUDGET_MAX:,}, such as 150 or 99.50"
        if isinstance(value, bool):
            raise self.refuse(name, value, allowed)
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            raise self.refuse(name, value, allowed) from None
        if not amount.is_finite() or not 0 < amount < BUDGET_MAX:
            raise self.refuse(name, value, allowed)
        return amount

    def chat(self, value: object) -> tuple[ChatChannel, ...]:
        """`chat`: null (or absent) is email only; else 0 to MAX_CHANNELS channels, each named once."""
        if value is None:
            return ()
        if not isinstance(value, list) or len(value) > MAX_CHANNELS:
            raise self.refuse(
                "chat", value, f'use a list of 0 to {MAX_CHANNELS} channels, each {{"name": ..., "type": ...}}'
            )
        channels = tuple(self.channel(f"chat[{index}]", item) for index, item in enumerate(value))
        names = [channel.name for channel in channels]
        if len(set(names)) != len(names):
            raise self.refuse("chat", names, "name each channel once")
        return channels

    def channel(self, path: str, item: object) -> ChatChannel:
        if not isinstance(item, dict) or set(item) != {"name", "type"}:
            raise self.refuse(path, item, 'use {"name": ..., "type": ...}')
        name, kind = item["name"], item["type"]
        if not isinstance(name, str) or not CHANNEL_NAME.fullmatch(name):
            raise self.refuse(
                f"{path}.name",
                name,
                f"use 1 to {CHANNEL_NAME_CHARS} lower-case letters, digits and dashes, starting with a letter or "
                "digit (e.g. finops-alerts)",
            )
        if not isinstance(kind, str) or kind not in CHANNEL_TYPES:
            raise self.refuse(f"{path}.type", kind, f"use one of {', '.join(CHANNEL_TYPES)}")
        return ChatChannel(name, kind)

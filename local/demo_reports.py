"""The reports each demo profile's deployment declares, as its Terraform `reports` and `chat_channels`
variables would.

Both profiles post to one chat channel of each kind (demo_chat): the small profile's one report to all four,
as a report that names none does; the large-org profile's organisation report to the four and the Payments
team's report to a Slack channel of its own, the others by email only.

The small profile declares none: the default, one daily report of the whole organisation by service.
The large-org profile declares seven: the organisation daily by service, four teams daily (each scoped to
its value of the Team cost category, so the four share one set of Cost Explorer queries: decision 0010),
a set of accounts weekly by account, and the organisation monthly with a second section by account.
"""

from __future__ import annotations

from datetime import date

from local.cost_explorer import SyntheticOrganisation
from local.runtime import DEFAULT_RECIPIENTS

DEFAULT_REPORT = "daily"  # report_contract.spec.DEFAULT_REPORT_ID: its files are also out/report.*
TEAMS = ("Payments", "Billing", "Checkout", "Search")  # values of the synthetic organisation's Team category
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# Terraform's chat_channels: name -> type (report_contract.spec.CHANNEL_TYPES).
CHAT = {"slack": "slack", "teams": "teams", "google-chat": "google_chat", "webhook": "webhook"}


def demo_chat(profile: str) -> dict[str, str]:
    if profile != "large-org":
        return dict(CHAT)
    return {**CHAT, "payments-slack": "slack"}


def demo_reports(profile: str, seed: int, today: date) -> dict[str, dict] | None:
    if profile != "large-org":
        return None
    to = list(DEFAULT_RECIPIENTS)
    accounts = SyntheticOrganisation(profile, seed=seed, today=today).accounts
    production = sorted(account for account, name in accounts.items() if name.startswith("prod-"))[:3]
    return {
        DEFAULT_REPORT: {"recipients": to, "chat": list(CHAT)},
        **{
            f"team-{team.lower()}": {
                "name": f"{team} team",
                "scope": {"cost_category": {"name": "Team", "values": [team]}},
                "recipients": [f"{team.lower()}-leads@example.com"],
                "chat": ["payments-slack"] if team == "Payments" else [],
            }
            for team in TEAMS
        },
        "accounts-weekly": {
            "name": "Production accounts",
            "cadence": "weekly",
            "day_of_week": WEEKDAYS[today.weekday()],  # due on the day the demo runs
            "scope": {"accounts": production},
            "breakdown": {"by": "account"},
            "recipients": ["platform@example.com"],
            "chat": [],
        },
        "org-monthly": {
            "name": "Organisation monthly",
            "cadence": "monthly",
            "breakdown": {"by": "service"},
            "secondary_breakdown": {"by": "account"},
            "recipients": ["finance@example.com"],
            "chat": [],
        },
    }

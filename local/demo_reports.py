"""The reports each demo profile's deployment declares, as its Terraform `reports` variable would.

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


def demo_reports(profile: str, seed: int, today: date) -> dict[str, dict] | None:
    if profile != "large-org":
        return None
    to = list(DEFAULT_RECIPIENTS)
    accounts = SyntheticOrganisation(profile, seed=seed, today=today).accounts
    production = sorted(account for account, name in accounts.items() if name.startswith("prod-"))[:3]
    return {
        DEFAULT_REPORT: {"recipients": to},
        **{
            f"team-{team.lower()}": {
                "name": f"{team} team",
                "scope": {"cost_category": {"name": "Team", "values": [team]}},
                "recipients": [f"{team.lower()}-leads@example.com"],
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
        },
        "org-monthly": {
            "name": "Organisation monthly",
            "cadence": "monthly",
            "breakdown": {"by": "service"},
            "secondary_breakdown": {"by": "account"},
            "recipients": ["finance@example.com"],
        },
    }

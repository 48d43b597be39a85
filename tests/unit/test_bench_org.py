"""`make bench-org`'s pure parts (scripts/bench_org.py): the reports it declares are valid declarations, its
section of docs/performance.md replaces only itself, and `make bench` keeps it. No timing is asserted."""

from __future__ import annotations

from datetime import date

from report_contract.spec import parse_reports

from local.synthetic_org import SyntheticOrganisation
from scripts.bench_org import BEGIN, END, existing_section, replace_section, team_reports


def test_each_team_gets_one_valid_daily_report_scoped_to_its_team_value():
    org = SyntheticOrganisation("teams", seed=7, today=date(2026, 11, 17), teams=30)

    specs = parse_reports(team_reports(org))

    assert len(specs) == 30 and {spec.cadence for spec in specs} == {"daily"}
    payments = next(spec for spec in specs if spec.id == "team-payments-1")
    assert payments.scope.to_state() == {"cost_category": {"name": "Team", "values": ["Payments-1"]}}
    assert payments.breakdown.by == "service"


def test_the_section_replaces_only_itself_and_is_appended_once_when_missing():
    old = f"{BEGIN}\nold figures\n{END}\n"
    new = f"{BEGIN}\nnew figures\n{END}\n"
    document = "# Performance\n\n## One report\ntable\n\n" + old + "\n## After\nkept\n"

    replaced = replace_section(document, new)

    assert replaced == document.replace(old, new)
    appended = replace_section("# Performance\n", new)
    assert appended == "# Performance\n\n" + new and replace_section(appended, new) == appended


def test_make_bench_finds_the_section_to_keep():
    section = f"{BEGIN}\nfigures\n{END}\n"

    assert existing_section("# Performance\n\n" + section) == section
    assert existing_section("# Performance\n") is None

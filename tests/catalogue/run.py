"""`make catalogue`: run the fault catalogue and write its results table into docs/reliability.md
(between the BEGIN/END markers), with the summary line."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.catalogue.scenarios import SCENARIOS, mock_config, run_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "reliability.md"
BEGIN, END = "<!-- BEGIN catalogue results (make catalogue) -->", "<!-- END catalogue results -->"


def main() -> int:
    config = mock_config()
    rows, failures = [], 0
    totals = {"faults": 0, "handled": 0, "duplicates": 0, "lost": 0}
    for scenario in SCENARIOS:
        try:
            outcome = run_scenario(scenario, config)
            ok = outcome.duplicates == 0 and outcome.lost == 0
            result = f"{'as designed' if ok else 'NOT as designed'}: {outcome.detail}"
            totals["faults"] += outcome.faults
            totals["duplicates"] += outcome.duplicates
            totals["lost"] += outcome.lost
            emails = str(outcome.emails)
        except AssertionError as error:
            ok, result, emails = False, f"FAILED: {str(error).splitlines()[0][:120]}", "?"
        totals["handled"] += ok
        failures += not ok
        rows.append(f"| {scenario.category} | `{scenario.name}` | {scenario.fault} | {scenario.expected} | {emails} | {result} |")
        print(f"{'ok  ' if ok else 'FAIL'} {scenario.name}: {result}")
    summary = (f"{len(SCENARIOS)} scenarios run, {totals['faults']} faults injected, {totals['handled']} handled as designed, "
               f"{totals['duplicates']} duplicate emails, {totals['lost']} lost reports")
    table = "\n".join([BEGIN, "", f"**{summary}.**", "",
                       "| Category | Scenario | Fault | Designed behaviour | Emails | Result |",
                       "| --- | --- | --- | --- | --- | --- |", *rows, "", END])
    text = DOC.read_text()
    DOC.write_text(text[: text.index(BEGIN)] + table + text[text.index(END) + len(END):])
    print(summary)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""`make catalogue`: run the fault catalogue and write its results table into docs/reliability.md
(between the BEGIN/END markers), with the summary line.

    python -m scripts.catalogue_table
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "functions") not in sys.path:
    sys.path.insert(0, str(ROOT / "functions"))  # the Lambda packages, as pytest puts them

from tests.catalogue.scenarios import SCENARIOS, mock_config, run_scenario, summary  # noqa: E402

DOC = ROOT / "docs" / "reliability.md"
BEGIN, END = "<!-- BEGIN catalogue results (make catalogue) -->", "<!-- END catalogue results -->"


def main() -> int:
    config = mock_config()
    rows, failures, outcomes = [], 0, []
    for scenario in SCENARIOS:
        outcome = None
        try:
            outcome = run_scenario(scenario, config)
            ok = outcome.duplicates == 0 and outcome.lost == 0
            result = f"{'as designed' if ok else 'NOT as designed'}: {outcome.detail}"
            emails = str(outcome.emails)
        except AssertionError as error:
            ok, result, emails = False, f"FAILED: {(str(error).splitlines() or ['assertion failed'])[0][:120]}", "?"
        outcomes.append(outcome)
        failures += not ok
        rows.append(
            f"| {scenario.category} | `{scenario.name}` | {scenario.fault} | {scenario.expected} | {emails} "
            f"| {result} |"
        )
        print(f"{'ok  ' if ok else 'FAIL'} {scenario.name}: {result}")
    line = summary(outcomes)
    table = "\n".join(
        [
            BEGIN,
            "",
            f"**{line}.**",
            "",
            "| Category | Scenario | Fault | Designed behaviour | Emails | Result |",
            "| --- | --- | --- | --- | --- | --- |",
            *rows,
            "",
            END,
        ]
    )
    text = DOC.read_text()
    DOC.write_text(text[: text.index(BEGIN)] + table + text[text.index(END) + len(END) :])
    print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""ResolveReportDate: the first state. Validates the execution input and says what the run does: send one
report for one period, or start a child execution for every report due.

A thin edge: the event checked, the deployment's reports read from S3 (Terraform writes their declarations
to config/reports.json), then the pure report_date.resolve with the settings (settings.settings(), read from
the environment on first use). A dispatching run's due list goes to S3 (store.write_due) for the
Distributed Map, with how many children to start per second (from the account's SES sending rate); the
state carries only its key and count, the same few hundred bytes for 2 reports or 10,000.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]
from report_contract import objects
from report_contract.excerpt import excerpt
from report_contract.spec import InvalidReportSpec, ReportSpec, parse_reports

from resolve_report_date import store
from resolve_report_date.errors import ConfigurationError, InvalidReportRequest
from resolve_report_date.report_date import resolve
from resolve_report_date.settings import settings

logger = Logger(service="cost-notifier")
# Only botocore (S3 and SES calls: store.py), not Powertools' default patch_all, which imports and patches
# every library X-Ray supports that is installed (sqlite3 among them), none of which this function uses.
tracer = Tracer(service="cost-notifier", patch_modules=["botocore"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    history_months = settings().history_months  # a bad setting fails every invocation, naming the variable
    if not isinstance(event, dict) or not {"input", "executionStartTime", "executionName"} <= set(event):
        raise InvalidReportRequest(
            "the state machine must pass {'input': <execution input>, 'executionStartTime': $$.Execution.StartTime, "
            "'executionName': $$.Execution.Name}"
        )
    try:
        started_at = datetime.fromisoformat(event["executionStartTime"])
    except (TypeError, ValueError):
        raise InvalidReportRequest(
            f"executionStartTime: {excerpt(event['executionStartTime'])} is not an ISO 8601 time"
        ) from None
    run = str(event["executionName"])
    reports = read_reports(store.read_reports_text(), event["input"])
    resolved = resolve(event["input"], started_at, history_months, reports, run)
    if resolved.due is None:
        state = resolved.to_state()
    else:
        key = objects.due_key(run)
        store.write_due(key, resolved.due_items())
        recipients = max((len(report.spec.recipients) for report in resolved.due), default=1)
        pace = store.concurrency(send_rate(), recipients, len(resolved.due)) if resolved.due else 1
        state = resolved.to_state(due_key=key, concurrency=pace)
    logger.info("Run resolved", extra=state)
    return state


def send_rate() -> float:
    """The account's SES send rate; if it cannot be read (throttled after the SDK's retries, or a role
    without ses:GetAccount), the slowest SES allows: the reports still start, one a second, and none is
    lost or throttled."""
    try:
        return store.max_send_rate()
    except (ClientError, BotoCoreError) as error:
        logger.warning(
            "SES GetAccount failed: starting the reports at the slowest send rate",
            extra={"error": str(error), "sendRate": store.SLOWEST_SEND_RATE},
        )
        return store.SLOWEST_SEND_RATE


def read_reports(raw: str, execution_input: object = None) -> tuple[ReportSpec, ...]:
    """The deployment's reports (the JSON text of config/reports.json), checked as Terraform's validations
    check them; a bad one is a ConfigurationError naming the report and the field (every run fails until
    it is fixed). A run of one declared report reads its own declaration only: the dispatching run checked
    them all, and checking 10,000 in each of 10,000 children would cost each about half a second."""
    try:
        declared = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ConfigurationError(f"reports: not valid JSON ({error}); Terraform writes it with jsonencode") from None
    wanted = execution_input.get("report") if isinstance(execution_input, dict) else None
    if isinstance(declared, dict) and isinstance(wanted, str) and wanted in declared:
        declared = {wanted: declared[wanted]}
    try:
        reports = parse_reports(declared)
    except InvalidReportSpec as error:
        raise ConfigurationError(f"{error} (the Terraform variable reports)") from None
    for spec in reports:
        try:
            ZoneInfo(spec.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f'reports["{spec.id}"].time_zone: {spec.time_zone!r} is not a time zone of the IANA database '
                "(e.g. Europe/Paris, America/New_York, UTC)"
            ) from None
    return reports

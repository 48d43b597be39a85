"""The fault catalogue: every scenario runs the real definition on the embedded AWS and checks the
outcome, the execution history and the mailbox. Used by test_catalogue.py (one test per scenario) and
by `python -m scripts.catalogue_table` (make catalogue), which writes the results table into docs/reliability.md.

Faults come from two places:
- tests/catalogue/MockConfigFile.json (Step Functions Local format): errors *around* the functions, at
  the service integrations and the Lambda service, by state and attempt;
- the embedded services the real functions call: Cost Explorer errors and odd data, an unverified
  SES sender, bad execution input. Those scenarios are about what the code makes of them.

All scenarios run at a pinned clock (NOW), so the report day is always 2026-11-20.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from report_contract.limits import STATE_PAYLOAD_BYTES as PAYLOAD_LIMIT

from local.mock_config import MockConfig
from local.runtime import NAME_PREFIX, EmbeddedAWS, Execution, StateFault
from local.webhook_server import WebhookServer, channel_webhooks, hook_url
from tests.catalogue.datasets import Dataset, every_day, only_on
from tests.definition import backoff

NOW = datetime(2026, 11, 21, 8, 0, 5, tzinfo=UTC)
DAY = "2026-11-20"
REPORT_DAY = date(2026, 11, 20)
# What the scheduled run of 2026-11-21 08:00 gives its report's child execution (decision 0009): the
# catalogue is about one report's run, so it starts that run itself. tests/workflow/test_reports.py and the
# dispatch scenarios below cover the scheduled run that starts it.
SCHEDULED = {"report": "daily", "period": DAY, "force": False, "trigger": "schedule"}

MOCK_CONFIG_FILE = Path(__file__).with_name("MockConfigFile.json")


def mock_config() -> MockConfig:
    import json

    from local.runtime import DEFINITION

    return MockConfig.load(MOCK_CONFIG_FILE, set(json.loads(DEFINITION.read_text())["States"]))


@dataclass
class Outcome:
    """What a scenario observed. Expected emails: how many reports should have gone out for the day.
    `documented_limit`: second emails that docs/reliability.md says can happen (SES accepted a message
    whose answer was lost, then an operator redrove the run); counted apart, never as designed."""

    faults: int
    emails: int
    expected_emails: int
    detail: str
    documented_limit: int = 0
    # Chat scenarios: the posts the channel's webhook took, and how many it should have; a second post after
    # a lost answer and the operator's redrive is the same documented limit as SES's (documented_limit).
    posts: int = 0
    expected_posts: int = 0

    @property
    def duplicates(self) -> int:
        extra = self.emails - self.expected_emails + self.posts - self.expected_posts
        return max(0, extra - self.documented_limit)

    @property
    def lost(self) -> int:
        return max(0, self.expected_emails - self.emails) + max(0, self.expected_posts - self.posts)


def summary(outcomes: list[Outcome | None]) -> str:
    """The catalogue's figures, for the end of `make test` and docs/reliability.md. None: a scenario
    whose checks failed."""
    done = [o for o in outcomes if o is not None]
    handled = sum(1 for o in done if o.duplicates == 0 and o.lost == 0)
    return (
        f"{len(outcomes)} scenarios run, {sum(o.faults for o in done)} faults injected, {handled} handled as "
        f"designed, {sum(o.duplicates for o in done)} duplicate emails or chat posts, {sum(o.lost for o in done)} "
        f"lost reports or posts, {sum(o.documented_limit for o in done)} second email(s) or post(s) in the "
        "documented lost-answer limit case"
    )


@dataclass
class Scenario:
    name: str
    category: str
    fault: str
    expected: str
    check: Callable[[Run], Outcome]
    profile: str = "small"
    sender_verified: bool = True
    reports: dict | None = None  # the deployment's reports (Terraform's `reports`); None: the one daily report
    chat: dict[str, str] | None = None  # chat channels (name -> type), each a webhook on 127.0.0.1


@dataclass
class Run:
    aws: EmbeddedAWS
    config: MockConfig
    executions: list[Execution] = field(default_factory=list)
    webhooks: dict[str, WebhookServer] = field(default_factory=dict)  # by chat channel

    def start(
        self,
        execution_input: dict,
        case: str | None = None,
        name: str | None = None,
        faults: tuple[StateFault, ...] = (),
    ) -> str:
        test_case = self.config.test_case(NAME_PREFIX, case) if case else None
        return self.aws.start(execution_input, name=name, test_case=test_case, faults=faults)

    def run(self, execution_input: dict, case: str | None = None, faults: tuple[StateFault, ...] = ()) -> Execution:
        return self.keep(self.aws.wait(self.start(execution_input, case, faults=faults)))

    def redrive(self, failed: Execution, faults: tuple[StateFault, ...] = ()) -> Execution:
        return self.keep(self.aws.redrive(failed, faults=faults))

    def keep(self, execution: Execution) -> Execution:
        self.executions.append(execution)
        return execution

    def emails(self) -> int:
        return len(self.aws.mailbox)

    def faults(self) -> int:
        """Every failed task attempt the workflow saw, across the scenario's executions and the item
        executions of their Map Runs (StartEachReport's, whose events are their own)."""
        histories = self.executions + [self.aws.map_items(e) for e in self.executions]
        return sum(len(e.events("TaskFailed")) + len(e.events("LambdaFunctionFailed")) for e in histories)

    def posts(self) -> int:
        """The chat posts the webhooks took."""
        return sum(server.taken for server in self.webhooks.values())

    def outcome(
        self, expected_emails: int, detail: str, extra_faults: int = 0, documented_limit: int = 0, expected_posts=0
    ) -> Outcome:
        return Outcome(
            self.faults() + extra_faults,
            self.emails(),
            expected_emails,
            detail,
            documented_limit,
            self.posts(),
            expected_posts,
        )


# -- checks shared by scenarios ---------------------------------------------------------------------


def expect_sent(execution: Execution) -> None:
    assert execution.status == "SUCCEEDED", f"{execution.status}: {execution.error}: {execution.cause}"
    assert execution.output["outcome"] == "sent", execution.output
    assert execution.largest_payload_bytes() < PAYLOAD_LIMIT


def expect_failed_at(execution: Execution, state: str, error: str) -> None:
    assert execution.status == "FAILED", execution.output
    assert execution.error == error, (execution.error, execution.cause)
    assert execution.entered_states()[-1] == state, "a redrive must resume at the Task that failed"


def expect_record(aws: EmbeddedAWS, status: str | None, **fields) -> dict | None:
    record = aws.report_record(DAY)
    assert (record or {}).get("status") == status, record
    for key, value in fields.items():
        assert record[key] == value, (key, record[key], value)
    return record


# -- transient faults: retried on the definition's schedule, then the real call succeeds -------------


def transient(
    case: str | None, state_failures: dict[str, int], setup: Callable[[Run], None] | None = None
) -> Callable[[Run], Outcome]:
    def check(run: Run) -> Outcome:
        if setup:
            setup(run)
        execution = run.run(SCHEDULED, case)
        expect_sent(execution)
        expected_sleeps = []
        for state, failures in state_failures.items():
            errors = execution.failed_attempts(state)
            assert len(errors) == failures, (state, errors)
            expected_sleeps += backoff(state, errors[0], failures) if errors else []
        assert sorted(run.aws.retry_sleeps) == sorted(expected_sleeps)
        assert run.emails() == 1
        expect_record(run.aws, "SENT", messageId=execution.output["messageId"], executionArn=execution.arn)
        return run.outcome(1, f"retried {sum(state_failures.values())}x, sent once")

    return check


# -- faults that outlast the retries: the run stops at the Task; a redrive finishes it ---------------


def outlasting_then_redrive(case: str, state: str, error: str, emails_before_redrive: int) -> Callable[[Run], Outcome]:
    def check(run: Run) -> Outcome:
        failed = run.run(SCHEDULED, case)
        expect_failed_at(failed, state, error)
        assert run.aws.retry_sleeps == backoff(state, error)
        assert run.emails() == emails_before_redrive
        redriven = run.redrive(failed)
        expect_sent(redriven)
        assert redriven.entered_states()[0] == state, "redrive resumes at the failed state"
        assert run.emails() == 1
        expect_record(run.aws, "SENT", executionArn=failed.arn, messageId=run.aws.mailbox[0].message_id)
        again = run.run(SCHEDULED)
        assert again.output["outcome"] == "already sent"
        return run.outcome(1, f"failed at {state}, redriven, sent once")

    return check


def mark_sent_fails_after_ses_accepted(run: Run) -> Outcome:
    # GIVEN SES accepted the message and the MarkSent write keeps failing
    failed = run.run(SCHEDULED, "MarkSentFailsAfterSesAccepted")
    expect_failed_at(failed, "MarkSent", "DynamoDB.ProvisionedThroughputExceededException")
    assert run.emails() == 1
    expect_record(run.aws, "SENDING", executionArn=failed.arn)
    # WHEN a second run starts for the day before anyone redrives
    meanwhile = run.run(SCHEDULED)
    # THEN it does not send again: it names the run holding the claim
    assert meanwhile.output["outcome"] == "duplicate" and meanwhile.output["claimedBy"] == failed.arn
    # AND the redrive re-runs only MarkSent
    redriven = run.redrive(failed)
    expect_sent(redriven)
    assert redriven.entered_states() == ["MarkSent", "PostToChat", "ReportSent"]
    expect_record(run.aws, "SENT", messageId=run.aws.mailbox[0].message_id, executionArn=failed.arn)
    assert run.emails() == 1
    return run.outcome(1, "SES accepted, MarkSent failed; redrive recorded it without resending")


# -- the previous report's record: read for the Revised line, never a reason to stop the email --------

PREVIOUS_DAY = "2026-11-19"
# The 19th as its report sent it ($4.00), then as Cost Explorer has revised it since ($9.00).
SENT_19TH, REVISED_19TH = Decimal(4), Decimal(9)
REVISED_LINE = "Revised: Thu 19 Nov was $4.00 when sent, now $9.00 (+$5.00)"


def lambda_costs(on_the_19th: Decimal) -> Dataset:
    return Dataset(lambda day: [("AWS Lambda", "Usage", on_the_19th if day == date(2026, 11, 19) else Decimal(4))])


def previous_day_sent_then_revised(run: Run) -> None:
    """GIVEN the 19th's report was sent at $4.00, and Cost Explorer has since revised the 19th to $9.00."""
    run.aws.answer_cost_explorer = lambda_costs(SENT_19TH)
    expect_sent(run.run({**SCHEDULED, "period": PREVIOUS_DAY}))
    run.aws.answer_cost_explorer = lambda_costs(REVISED_19TH)


def revised_day_before(run: Run) -> Outcome:
    previous_day_sent_then_revised(run)
    # WHEN the 20th's run reads the 19th's record, then fails at FetchCosts past its retries, and is redriven
    failed = run.run(SCHEDULED, "FetchCostsOutlastsRetries")
    expect_failed_at(failed, "FetchCosts", "CostExplorerThrottled")
    assert "ReadPreviousReport" in failed.entered_states()
    redriven = run.redrive(failed)
    expect_sent(redriven)
    assert redriven.entered_states()[0] == "FetchCosts", "the read's answer is in the run's input; not read again"
    # THEN the 20th is sent once, saying the 19th was revised; the 19th's own record is untouched
    assert run.emails() == 2
    email = run.aws.mailbox[-1]
    assert REVISED_LINE in email.text and "<strong>Revised:</strong>" in email.html
    assert run.aws.report_record(PREVIOUS_DAY)["total"] == "4"
    return run.outcome(2, "the 19th sent, then revised; the 20th failed after the read, redriven, sent once with it")


def previous_read_outlasts_retries(run: Run) -> Outcome:
    previous_day_sent_then_revised(run)
    # WHEN the read of the 19th's record fails past its retries
    execution = run.run(SCHEDULED, "ReadPreviousReportOutlastsRetries")
    # THEN the Catch goes on to FetchCosts: the 20th is sent once, only without the Revised line
    expect_sent(execution)
    error = "DynamoDB.ProvisionedThroughputExceededException"
    assert execution.failed_attempts("ReadPreviousReport") == [error] * 4
    assert run.aws.retry_sleeps == backoff("ReadPreviousReport", error)
    assert run.emails() == 2 and "Revised" not in run.aws.mailbox[-1].text
    expect_record(run.aws, "SENT", executionArn=execution.arn)
    return run.outcome(2, "read failed for good; sent once without the Revised line")


# -- not retryable: fail at once with a name and cause an operator can act on ------------------------


def fails_fast(case: str | None, state: str, error: str, cause: str, setup: Callable[[Run], None] | None = None):
    def check(run: Run) -> Outcome:
        if setup:
            setup(run)
        execution = run.run(SCHEDULED, case)
        expect_failed_at(execution, state, error)
        assert len(execution.failed_attempts(state)) == 1, "no pointless retries"
        assert run.aws.retry_sleeps == []
        assert cause in (execution.cause or ""), execution.cause
        assert run.emails() == 0
        return run.outcome(0, f"{error} at {state}, no retry")

    return check


def cost_explorer_error(code: str, times: int = 1) -> Callable[[Run], None]:
    return lambda run: run.aws.cost_explorer.fail_next(code, f"{code} from the embedded Cost Explorer", times=times)


# -- duplicates ------------------------------------------------------------------------------------


def ten_at_once(run: Run) -> Outcome:
    run.aws.hold_together("dynamodb:PutItem", parties=10)
    arns = [run.start(SCHEDULED, name=f"duplicate-{n}") for n in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        executions = [run.keep(e) for e in pool.map(run.aws.wait, arns)]
    outcomes = sorted(e.output["outcome"] for e in executions)
    assert outcomes == ["duplicate"] * 9 + ["sent"], outcomes
    # Each loser names the winner, so an operator can follow the day to the run that sends it.
    [winner] = [e.arn for e in executions if e.output["outcome"] == "sent"]
    assert {e.output["claimedBy"] for e in executions if e.output["outcome"] == "duplicate"} == {winner}
    return run.outcome(1, "10 started, 1 sent, 9 lost the claim race and named the winner")


def old_day_already_sent(run: Run) -> Outcome:
    first = run.run({"date": "2026-11-02"})
    expect_sent(first)
    later = run.run({"date": "2026-11-02"})
    assert later.output == {
        "report": "daily",
        "outcome": "already sent",
        "reportDate": "2026-11-02",
        "messageId": first.output["messageId"],
        "sentAt": first.output["sentAt"],
        "sentBy": first.arn,
    }
    return run.outcome(1, "second run: already sent, with message id and time", extra_faults=1)


def forced_resend(run: Run) -> Outcome:
    expect_sent(run.run({"date": DAY}))
    resend = run.run({"date": DAY, "force": True})
    expect_sent(resend)
    record = expect_record(run.aws, "SENT", forced=True, executionArn=resend.arn)
    assert record["messageId"] == resend.output["messageId"]
    return run.outcome(2, "forced resend sent and recorded as forced")


def stale_claim(run: Run) -> Outcome:
    # GIVEN a run that claimed the day and then failed for good (no data yet)
    run.aws.cost_explorer.fail_next("DataUnavailableException")
    dead = run.run(SCHEDULED)
    expect_failed_at(dead, "FetchCosts", "CostDataUnavailable")
    # WHEN the next run comes for the same day
    later = run.run(SCHEDULED)
    # THEN it reports the stale claim and how to resolve it, and sends nothing
    assert later.output["outcome"] == "duplicate" and later.output["claimedBy"] == dead.arn
    assert "redrive" in later.output["action"] and "force" in later.output["action"]
    assert run.emails() == 0
    # AND the documented resolution, a forced run, sends exactly once
    expect_sent(run.run({"date": DAY, "force": True}))
    assert run.emails() == 1
    return run.outcome(1, "stale claim reported with its execution; forced run sent once")


# -- bad data from Cost Explorer ---------------------------------------------------------------------


def with_data(dataset: Dataset, then: Callable[[Run, Execution], str]) -> Callable[[Run], Outcome]:
    def check(run: Run) -> Outcome:
        run.aws.answer_cost_explorer = dataset
        execution = run.run(SCHEDULED)
        expect_sent(execution)
        assert run.emails() == 1
        email = run.aws.mailbox[0]
        assert len(email.html.encode()) <= 100_000, "Gmail clips HTML above ~102 KB"
        costs = execution.report()
        return run.outcome(1, then(run, execution) + f"; total {costs['total']} {costs['currency']}")

    return check


D = Decimal


def empty_results(run: Run, execution: Execution) -> str:
    assert D(execution.output["total"]) == 0
    return "no spend reported as such"


def all_zero(run: Run, execution: Execution) -> str:
    assert D(execution.output["total"]) == 0
    return "zero day reported"


def credits_exceed_usage(run: Run, execution: Execution) -> str:
    assert D(execution.output["total"]) == D("-15.00")
    assert "15.00" in run.aws.mailbox[0].text
    return "negative net total shown"


def euro(run: Run, execution: Execution) -> str:
    assert execution.output["currency"] == "EUR"
    assert "€" in run.aws.mailbox[0].subject and "$" not in run.aws.mailbox[0].subject
    return "currency from the data"


def thousands(run: Run, execution: Execution) -> str:
    assert "Other (" in run.aws.mailbox[0].text
    return f"largest payload {execution.largest_payload_bytes():,} B"


def html_name(run: Run, execution: Execution) -> str:
    html = run.aws.mailbox[0].html
    assert "<script>" not in html and "&lt;script&gt;" in html
    return "service name escaped"


def estimated(run: Run, execution: Execution) -> str:
    # Cost Explorer marks every day of the current month estimated: a badge on every email says nothing
    # (render_email.headline.says_estimated); a day that moves later is the next report's Revised line.
    email = run.aws.mailbox[0]
    assert execution.report()["estimated"] is True
    assert "estimated" not in email.text.lower() and "Estimated" not in email.html
    return "no everyday Estimated badge"


def endless_pages(run: Run) -> Outcome:
    dataset = Dataset(only_on(REPORT_DAY, [("AWS Lambda", "Usage", D("1"))]), endless_pages=True)
    run.aws.answer_cost_explorer = dataset
    execution = run.run(SCHEDULED)
    expect_failed_at(execution, "FetchCosts", "CostDataIncomplete")
    assert len(execution.failed_attempts("FetchCosts")) == 1 and run.aws.retry_sleeps == []
    assert len(dataset.requests) == 10, "stops after MAX_PAGES billed requests"
    assert run.emails() == 0
    return run.outcome(0, f"stopped after {len(dataset.requests)} pages ($0.{len(dataset.requests):02d})")


# -- bad input ---------------------------------------------------------------------------------------


def refused(execution_input: dict, message: str) -> Callable[[Run], Outcome]:
    def check(run: Run) -> Outcome:
        execution = run.run(execution_input)
        expect_failed_at(execution, "ResolveReportDate", "InvalidReportRequest")
        assert execution.entered_states() == ["ResolveReportDate"]
        assert message in execution.cause, execution.cause
        assert run.aws.table_items() == [] and run.aws.cost_explorer.requests == [] and run.emails() == 0
        assert run.aws.retry_sleeps == []
        return run.outcome(0, "refused at the first state, nothing claimed")

    return check


# -- payload -------------------------------------------------------------------------------------------


def largest_org(run: Run) -> Outcome:
    execution = run.run(SCHEDULED)
    expect_sent(execution)
    return run.outcome(1, f"largest payload {execution.largest_payload_bytes():,} B of {PAYLOAD_LIMIT:,}")


def sender_not_verified(run: Run) -> Outcome:
    return fails_fast(None, "SendEmail", "SesV2.MessageRejectedException", "not verified")(run)


SERVICES_3000 = [(f"Service {n:04d} with a long descriptive name", "Usage", D(n) / 100) for n in range(1, 3001)]

SCENARIOS: list[Scenario] = [
    # transient
    Scenario(
        "ResolveReportDateThrottled",
        "transient",
        "Lambda.TooManyRequestsException x2",
        "retried, sent once",
        transient("ResolveReportDateThrottled", {"ResolveReportDate": 2}),
    ),
    Scenario(
        "CheckAlreadySentThrottled",
        "transient",
        "DynamoDB.ProvisionedThroughputExceededException x1",
        "retried, sent once",
        transient("CheckAlreadySentThrottled", {"CheckAlreadySent": 1}),
    ),
    Scenario(
        "ClaimReportThrottled",
        "transient",
        "DynamoDB.RequestLimitExceeded x2",
        "retried, sent once",
        transient("ClaimReportThrottled", {"ClaimReport": 2}),
    ),
    Scenario(
        "ReadPreviousReportThrottled",
        "transient",
        "DynamoDB.ProvisionedThroughputExceededException x1",
        "retried, sent once",
        transient("ReadPreviousReportThrottled", {"ReadPreviousReport": 1}),
    ),
    Scenario(
        "FetchCostsLambdaServiceError",
        "transient",
        "Lambda.ServiceException x1",
        "retried, sent once",
        transient("FetchCostsLambdaServiceError", {"FetchCosts": 1}),
    ),
    Scenario(
        "FetchCostsCostExplorerThrottled",
        "transient",
        "CostExplorerThrottled x3",
        "retried, sent once",
        transient("FetchCostsCostExplorerThrottled", {"FetchCosts": 3}),
    ),
    Scenario(
        "CostExplorerLimitExceeded",
        "transient",
        "Cost Explorer LimitExceededException x2 (real function)",
        "re-raised as CostExplorerThrottled, retried, sent once",
        lambda run: transient(None, {"FetchCosts": 2}, cost_explorer_error("LimitExceededException", times=2))(run),
    ),
    Scenario(
        "RenderEmailThrottled",
        "transient",
        "Lambda.TooManyRequestsException x2",
        "retried, sent once",
        transient("RenderEmailThrottled", {"RenderEmail": 2}),
    ),
    Scenario(
        "SendEmailThrottled",
        "transient",
        "SesV2.TooManyRequestsException x2",
        "retried, sent once",
        transient("SendEmailThrottled", {"SendEmail": 2}),
    ),
    Scenario(
        "MarkSentThrottled",
        "transient",
        "DynamoDB.ProvisionedThroughputExceededException x1",
        "retried, sent once",
        transient("MarkSentThrottled", {"MarkSent": 1}),
    ),
    Scenario(
        "EveryTaskStumblesOnce",
        "transient",
        "one transient error at every Task",
        "retried, sent once",
        transient(
            "EveryTaskStumblesOnce",
            {
                "ResolveReportDate": 1,
                "CheckAlreadySent": 1,
                "ClaimReport": 1,
                "ReadPreviousReport": 1,
                "FetchCosts": 1,
                "RenderEmail": 1,
                "SendEmail": 2,
                "MarkSent": 1,
            },
        ),
    ),
    # outlasting the retries
    Scenario(
        "ClaimReportOutlastsRetries",
        "outlasts retries",
        "DynamoDB throughput x4",
        "fails at ClaimReport; redrive sends once",
        outlasting_then_redrive(
            "ClaimReportOutlastsRetries", "ClaimReport", "DynamoDB.ProvisionedThroughputExceededException", 0
        ),
    ),
    Scenario(
        "ReadPreviousReportOutlastsRetries",
        "outlasts retries",
        "DynamoDB throughput x4 at ReadPreviousReport",
        "caught: sent once, without the Revised line",
        previous_read_outlasts_retries,
    ),
    Scenario(
        "RevisedDayBeforeRedriven",
        "outlasts retries",
        "the day before revised since sent; CostExplorerThrottled x4 after the read",
        "redrive sends once, with the Revised line",
        revised_day_before,
    ),
    Scenario(
        "FetchCostsOutlastsRetries",
        "outlasts retries",
        "CostExplorerThrottled x4",
        "fails at FetchCosts; redrive sends once",
        outlasting_then_redrive("FetchCostsOutlastsRetries", "FetchCosts", "CostExplorerThrottled", 0),
    ),
    Scenario(
        "SendEmailOutlastsRetries",
        "outlasts retries",
        "SesV2.TooManyRequestsException x5",
        "fails at SendEmail; redrive sends once",
        outlasting_then_redrive("SendEmailOutlastsRetries", "SendEmail", "SesV2.TooManyRequestsException", 0),
    ),
    Scenario(
        "MarkSentFailsAfterSesAccepted",
        "outlasts retries",
        "SES accepted, then DynamoDB throughput x4 at MarkSent",
        "no second email from a new run or the redrive",
        mark_sent_fails_after_ses_accepted,
    ),
    # not retryable
    Scenario(
        "CostExplorerAccessDenied",
        "not retryable",
        "Cost Explorer AccessDeniedException",
        "fails fast, says which IAM action",
        fails_fast(
            None,
            "FetchCosts",
            "CostExplorerAccessDenied",
            "ce:GetCostAndUsage",
            cost_explorer_error("AccessDeniedException"),
        ),
    ),
    Scenario(
        "CostDataUnavailable",
        "not retryable",
        "Cost Explorer DataUnavailableException",
        "fails fast, says the data is not there",
        fails_fast(
            None,
            "FetchCosts",
            "CostDataUnavailable",
            "has no data for 2026-11-20",
            cost_explorer_error("DataUnavailableException"),
        ),
    ),
    Scenario(
        "SendEmailRejected",
        "not retryable",
        "SesV2.MessageRejectedException",
        "fails fast, no email",
        fails_fast("SendEmailRejected", "SendEmail", "SesV2.MessageRejectedException", "not verified"),
    ),
    Scenario(
        "SendEmailAccountSuspended",
        "not retryable",
        "SesV2.AccountSuspendedException",
        "fails fast, no email",
        fails_fast("SendEmailAccountSuspended", "SendEmail", "SesV2.AccountSuspendedException", "suspended"),
    ),
    Scenario(
        "SenderNotVerified",
        "not retryable",
        "real SES: the sender identity is not verified",
        "fails fast, no email",
        sender_not_verified,
        sender_verified=False,
    ),
    Scenario(
        "RenderEmailRefusesBadData",
        "not retryable",
        "InvalidRenderRequest",
        "fails fast, no email",
        fails_fast("RenderEmailRefusesBadData", "RenderEmail", "InvalidRenderRequest", "reconcile"),
    ),
    # duplicates
    Scenario(
        "TenExecutionsAtOnce", "duplicates", "10 executions at the claim together", "exactly one email", ten_at_once
    ),
    Scenario(
        "OldDayAlreadySent",
        "duplicates",
        "a later run for a sent day",
        "already sent, with message id",
        old_day_already_sent,
    ),
    Scenario(
        "ForcedResend", "duplicates", "force: true for a sent day", "sent again, recorded as forced", forced_resend
    ),
    Scenario(
        "StaleClaim", "duplicates", "a run died after claiming", "next run names it; forced run sends once", stale_claim
    ),
    # bad data from Cost Explorer
    Scenario(
        "EmptyResults",
        "bad data",
        "no cost groups at all",
        "a correct email",
        with_data(Dataset(lambda day: []), empty_results),
    ),
    Scenario(
        "AllZeroDay",
        "bad data",
        "every service at 0",
        "a correct email",
        with_data(
            Dataset(every_day([("AWS Lambda", "Usage", D("0")), ("Amazon S3", "Usage", D("0.0000000"))])), all_zero
        ),
    ),
    Scenario(
        "CreditsExceedUsage",
        "bad data",
        "credits larger than usage",
        "a correct email",
        with_data(
            Dataset(only_on(REPORT_DAY, [("Amazon EC2", "Usage", D("10.00")), ("Amazon EC2", "Credit", D("-25.00"))])),
            credits_exceed_usage,
        ),
    ),
    Scenario(
        "NonUsdCurrency",
        "bad data",
        "amounts in EUR",
        "a correct email",
        with_data(Dataset(every_day([("Amazon EC2", "Usage", D("12.5"))]), currency="EUR"), euro),
    ),
    Scenario(
        "ThousandsOfServices",
        "bad data",
        "3,000 services",
        "a correct email under 100 KB",
        with_data(Dataset(only_on(REPORT_DAY, SERVICES_3000)), thousands),
    ),
    Scenario(
        "HtmlInServiceName",
        "bad data",
        "a service named <script>",
        "escaped",
        with_data(Dataset(every_day([("<script>alert(1)</script>", "Usage", D("3"))])), html_name),
    ),
    Scenario(
        "EstimatedFigures",
        "bad data",
        "Estimated: true on the report day (every day of the current month)",
        "no badge: it would be on every email",
        with_data(Dataset(every_day([("AWS Lambda", "Usage", D("4"))]), estimated_from=REPORT_DAY), estimated),
    ),
    Scenario(
        "EndlessPageToken",
        "bad data",
        "a NextPageToken that never ends",
        "stops at MAX_PAGES, clear error",
        endless_pages,
    ),
    # bad input
    Scenario(
        "MalformedDate",
        "bad input",
        '{"date": "20/11/2026"}',
        "refused at the first state",
        refused({"date": "20/11/2026"}, "expected a day as YYYY-MM-DD"),
    ),
    Scenario(
        "ImpossibleDate",
        "bad input",
        '{"date": "2026-02-30"}',
        "refused at the first state",
        refused({"date": "2026-02-30"}, "not a real calendar day"),
    ),
    Scenario(
        "FutureDate",
        "bad input",
        '{"date": "2026-12-25"}',
        "refused at the first state",
        refused({"date": "2026-12-25"}, "has not ended yet"),
    ),
    Scenario(
        "TodayNotOver",
        "bad input",
        '{"date": "2026-11-21"}',
        "refused at the first state",
        refused({"date": "2026-11-21"}, "the latest complete day is 2026-11-20"),
    ),
    Scenario(
        "OlderThanCostExplorerKeeps",
        "bad input",
        '{"date": "2025-09-30"}',
        "refused at the first state",
        refused({"date": "2025-09-30"}, "the earliest day it holds is 2025-10-01"),
    ),
    Scenario(
        "UnknownField",
        "bad input",
        '{"date": ..., "to": ...}',
        "refused at the first state",
        refused({"date": DAY, "to": "me@example.com"}, "unknown field(s) to"),
    ),
    Scenario(
        "WrongType",
        "bad input",
        '{"date": 20261120}',
        "refused at the first state",
        refused({"date": 20261120}, "expected a day as YYYY-MM-DD"),
    ),
    Scenario(
        "ForceNotBoolean",
        "bad input",
        '{"force": "yes"}',
        "refused at the first state",
        refused({"date": DAY, "force": "yes"}, "force: must be true or false"),
    ),
    # payload
    Scenario(
        "LargeOrganisationPayload",
        "payload",
        "large-org: hundreds of services and accounts",
        "every state under 256 KiB",
        largest_org,
        profile="large-org",
    ),
]


# The side-effect faults and interleavings (tests/catalogue/effects.py) build on the helpers above.
from tests.catalogue.chat import CHAT_SCENARIOS  # noqa: E402
from tests.catalogue.effects import EFFECT_SCENARIOS  # noqa: E402
from tests.catalogue.reports import REPORT_SCENARIOS  # noqa: E402

SCENARIOS += EFFECT_SCENARIOS + REPORT_SCENARIOS + CHAT_SCENARIOS


def run_scenario(scenario: Scenario, config: MockConfig | None = None) -> Outcome:
    config = config or mock_config()
    sender = "cost-report@example.com"
    channels = scenario.chat or {}
    with (
        channel_webhooks(channels) as webhooks,
        EmbeddedAWS(
            profile=scenario.profile,
            now=NOW,
            reports=scenario.reports,
            chat_channels=channels,
            chat_webhooks={name: hook_url(server, name) for name, server in webhooks.items()},
        ) as aws,
    ):
        if not scenario.sender_verified:
            import boto3

            boto3.client("sesv2", region_name="us-east-1").delete_email_identity(EmailIdentity=sender)
        return scenario.check(Run(aws, config, webhooks=webhooks))

"""The model check of the claim/send/mark protocol (tests/model/claim_protocol.py, docs/model-check.md).

The checker reads state_machine/cost_notifier.asl.json itself, so these tests hold it to four things:
the definition keeps every property; the checker finds the known defects of the previous definition
(frozen as cost_notifier_v1.asl.json, the definition before commit 234e5b2, given the current
ResolveReportDate and dispatch so that it runs as a child execution of one report does) with a readable
trace; it refuses what it cannot interpret; and what it walks is the definition's own chain of states.
The runs it checks are runs of one report for one period: child executions, and manual runs of one
report. The dispatch that starts the children (StartEachReport) is declared out of scope, in one checked
shape only."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests import aws_contract
from tests.definition import HAPPY_PATH
from tests.model import claim_protocol as cp
from tests.model.claim_protocol import Bounds, Protocol, UnsupportedDefinition

V1 = Path(__file__).with_name("cost_notifier_v1.asl.json")
CURRENT = json.loads(cp.DEFINITION.read_text())

# The protocol as specified: the happy path (tests/definition.py) and the order of SentOrClaimed's rules
# (the order is part of the protocol: first match wins).
CHOICE_ORDER = [
    ("$.existing.Item", "IsPresent", False, "ClaimReport"),
    ("$.existing.Item.status.S", "StringEquals", "SENDING", "SendingByAnotherExecution"),
    ("$.request.force", "BooleanEquals", True, "ClaimForResend"),
    ("$.existing.Item.status.S", "StringEquals", "SENT", "ReportAlreadySent"),
]


@pytest.fixture(scope="module")
def report() -> cp.Report:
    return cp.run()


def protocol_of(definition: dict) -> Protocol:
    return Protocol(json.dumps(definition))


def mutated(change) -> dict:
    definition = copy.deepcopy(CURRENT)
    change(definition["States"])
    return definition


def first_counterexample(report: cp.Report) -> str:
    for result in report.results:
        for prop in cp.PROPERTIES:
            key = result.counterexample(prop)
            if key is not None:
                return result.explain(key)
    return ""


# --- the definition keeps the properties -------------------------------------------------------------


def test_the_definition_keeps_every_property_in_every_interleaving(report):
    assert report.violating == 0, first_counterexample(report)
    assert report.final_states > 0 and all(r.final_states for r in report.results)


def test_the_documented_limit_is_reached_and_counted_not_hidden(report):
    # A redrive of an execution that failed at SendEmail after SES accepted (answer lost) sends again:
    # docs/reliability.md names it. It is excluded from the violations, so it must at least be seen.
    assert report.limit_cases > 0
    for result in report.results:
        for key in result.limit_cases:
            world = result.world(key)
            resends = [e for e in world.emails if e.resend_after_lost_answer]
            assert resends and all(
                e.after_redrive and e.owner == cp.exec_id(e.sender) and e.status == "SENDING" for e in resends
            )


def test_every_state_choice_rule_and_catch_of_the_definition_is_exercised(report):
    # Every state but the dispatch, which a one-report run never enters (the model refuses it if one does).
    protocol = Protocol.load()
    assert "StartEachReport" in protocol.dispatch and not set(protocol.dispatch) & set(HAPPY_PATH)
    assert set(protocol.states) | set(protocol.dispatch) == set(CURRENT["States"])
    entered = set().union(*(r.states_entered for r in report.results))
    assert entered == set(protocol.states)
    branches = {
        (name, target)
        for name, state in protocol.states.items()
        if state["Type"] == "Choice"
        for target in [rule["Next"] for rule in state["Choices"]] + [state["Default"]]
        if target not in protocol.dispatch
    }
    branches |= {
        (name, catcher["Next"]) for name, state in protocol.states.items() for catcher in state.get("Catch", [])
    }
    taken = set().union(*(r.model.branches for r in report.results))
    assert branches - taken == set()


def test_the_model_walks_the_definitions_next_chain_which_is_the_specified_protocol():
    states = CURRENT["States"]
    chain, name = [], CURRENT["StartAt"]
    while True:
        chain.append(name)
        state = states[name]
        if state.get("End"):
            break
        name = state["Choices"][0]["Next"] if state["Type"] == "Choice" else state["Next"]
    rules = [
        (r["Variable"], *[(k, v) for k, v in r.items() if k not in ("Variable", "Next", "Comment")][0], r["Next"])
        for r in states["SentOrClaimed"]["Choices"]
    ]

    assert chain == HAPPY_PATH
    assert rules == CHOICE_ORDER and states["SentOrClaimed"]["Default"] == "ClaimedByAnotherExecution"
    assert cp.walk(Protocol.load()) == HAPPY_PATH
    assert cp.walk(Protocol.load(), "forced") == HAPPY_PATH  # a forced run of an untouched day claims it


def test_the_fault_model_rests_on_the_definitions_retries_as_specified():
    # The model explores a retry after an effect only where the definition retries that error: every
    # DynamoDB write retries a 5xx or a lost connection (which can follow the write), SendEmail never
    # retries the unknown outcome (SES may have accepted the message).
    states = CURRENT["States"]
    for name, state in states.items():
        if state["Type"] != "Task":
            continue
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"] if r.get("MaxAttempts", 3) > 0}
        if state["Resource"] in (cp.PUT, cp.UPDATE):
            assert {"DynamoDB.InternalServerError", "DynamoDB.AmazonDynamoDBException"} <= retried, name
        if state["Resource"] == cp.SEND:
            assert aws_contract.SES_UNKNOWN_OUTCOME not in retried and "States.ALL" not in retried
            assert retried <= set(aws_contract.TRANSIENT[cp.SEND])


def test_the_runs_modelled_are_runs_of_one_report_resolved_by_the_real_function():
    # Each kind of run is a one-report input (a scheduled run's child, a manual run of one report, forced
    # or not), and functions/resolve_report_date itself says what it asks for: one request for the day's
    # record, no reports to dispatch, so OneReportOrMany's `$.due IsNull` rule sends it to its record.
    from datetime import datetime

    from report_contract.spec import parse_reports
    from resolve_report_date.report_date import resolve

    for kind, execution_input in cp.KIND_INPUTS.items():
        assert "report" in execution_input
        payload = cp.resolver_payload(execution_input)
        real = resolve(execution_input, datetime.fromisoformat(cp.STARTED_AT), 13, parse_reports(cp.REPORTS), "E1")
        assert payload == json.loads(json.dumps(real.to_state()))
        assert payload["due"] is None
        request = payload["request"]
        assert (request["reportId"], request["reportKey"], request["reportDate"]) == ("daily", cp.DAY, cp.DAY)
        assert request["force"] is (kind == "forced")
        assert request["trigger"] == ("schedule" if kind == "scheduled" else "manual")


def test_a_dispatching_run_is_not_a_run_the_model_checks(monkeypatch):
    # A run whose input names no report (a schedule, or a manual run for a day) resolves to the reports
    # due and goes to the dispatch, which the model does not interpret: it stops rather than skip it.
    monkeypatch.setitem(cp.KIND_INPUTS, "scheduled", {"scheduledTime": "2026-11-21T08:00:00Z"})
    assert cp.resolver_payload(cp.KIND_INPUTS["scheduled"])["due"]["count"] == 1
    with pytest.raises(UnsupportedDefinition, match="goes to the dispatch"):
        cp.walk(Protocol.load())


def test_the_dispatch_choice_is_interpreted_whichever_way_it_is_written():
    def is_not_null(states):
        states["OneReportOrMany"]["Choices"] = [{"Variable": "$.due", "IsNull": False, "Next": "StartEachReport"}]
        states["OneReportOrMany"]["Default"] = "CheckAlreadySent"

    protocol = protocol_of(mutated(is_not_null))
    assert "StartEachReport" in protocol.dispatch
    assert cp.walk(protocol) == HAPPY_PATH


def test_the_dispatch_may_decide_and_call_an_effect_free_lambda_before_its_map():
    # A later rule of the switch is evaluated only by a dispatching run: its operator is not the model's
    # to check. A Lambda known to touch neither the record nor SES may run before the Map (as
    # FetchSharedCosts shares the daily reports' queries).
    def share_first(states):
        states["ShareFirst"] = {
            "Type": "Task",
            "Resource": cp.LAMBDA,
            "Parameters": {"FunctionName": "${fetch_costs_function_arn}", "Payload": {"due.$": "$.due"}},
            "ResultPath": "$.shared",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "StartEachReport"}],
            "Next": "StartEachReport",
        }
        states["OneReportOrMany"]["Choices"].insert(
            1, {"Variable": "$.due.count", "NumericGreaterThan": 1, "Next": "ShareFirst"}
        )

    protocol = protocol_of(mutated(share_first))
    assert {"ShareFirst", "StartEachReport"} <= set(protocol.dispatch)
    assert cp.walk(protocol) == HAPPY_PATH


# --- the checker finds the defects of the previous definition ---------------------------------------


def _lost_day(result):
    """The shortest run where a claim's write succeeded, its answer was lost, the claim was tried again
    and refused its own write: the owner ended SUCCEEDED at LostTheClaimRace, nothing was sent, the
    record stays CLAIMED, and no execution is left FAILED (no alarm stands)."""

    def lost(world):
        owner = world.record and int(world.record.get("executionArn").get("S")[1:]) - 1
        return (
            owner is not None
            and world.execs[owner].at == "LostTheClaimRace"
            and not world.emails
            and all(ex.status == cp.SUCCEEDED for ex in world.execs)
        )

    key = result.counterexample("P2 unalarmed claim", where=lost)
    assert key is not None
    assert key in result.violations["P3 lost day"]
    trace = result.explain(key)
    print(trace)
    assert "ClaimReport: wrote CLAIMED by E1, answer lost" in trace
    assert (
        "ClaimReport: condition fails on CLAIMED by E1: DynamoDB.ConditionalCheckFailedException caught "
        "-> LostTheClaimRace"
    ) in trace
    return result.world(key), trace


def test_v1_a_claim_tried_again_after_its_write_succeeded_loses_the_day():
    # With AWS's error names, v1's Retry never matched an error that can follow the write (it named
    # DynamoDB.InternalServerErrorException, which the integration never raises), so the claim failed
    # and the day was lost by the redrive the runbook recommends: the run then SUCCEEDED as a duplicate.
    world, trace = _lost_day(cp.explore(Protocol.load(V1), ("scheduled", "scheduled")))
    assert "E1 (scheduled) REDRIVEN; ClaimReport: condition fails" in trace
    assert world.execs[0].redrives == 1


def test_v1_a_with_its_retry_spelt_as_aws_names_the_error_the_retry_alone_loses_the_day():
    # v1 as its authors meant it: the 5xx retried. The day is then lost with no execution ever failing.
    text = V1.read_text().replace('"DynamoDB.InternalServerErrorException"', '"DynamoDB.InternalServerError"')
    world, trace = _lost_day(cp.explore(Protocol(text), ("scheduled", "scheduled")))
    assert "answer lost (DynamoDB.InternalServerError): retried" in trace and "REDRIVEN" not in trace
    assert all(ex.redrives == 0 for ex in world.execs)


def test_v1_b_a_forced_resend_then_a_redrive_of_an_older_failed_run_sends_twice():
    result = cp.explore(Protocol.load(V1), ("scheduled", "forced"))

    def redrive_after_resend(world):
        for n, email in enumerate(world.emails):
            if not email.forced and email.after_redrive and any(e.forced for e in world.emails[:n]):
                return True
        return False

    key = result.counterexample("P1 duplicate", where=redrive_after_resend)
    assert key is not None
    trace = result.explain(key)
    print(trace)
    assert "E1 (scheduled) REDRIVEN" in trace and "E2 (forced) ClaimForResend: wrote CLAIMED by E2" in trace
    assert trace.index("E2 (forced) SendEmail: SES accepted m1") < trace.index("SES accepted m2")
    assert key in result.violations["P1 guard"]  # E1 sent without owning the record
    assert [e.sender for e in result.world(key).emails] == [1, 0]


def test_v1_has_no_fence_before_the_send_so_every_email_breaks_the_guard():
    report = cp.run(V1, sizes=(2,))
    assert report.count("P1 guard") > 0 and report.count("P2 unalarmed claim") > 0
    assert report.count("P1 duplicate") > 0 and report.count("P4 stale record") > 0


# --- the checker has teeth on the current definition: remove a guard and it says what breaks ---------


def _condition(state: str, expression: str):
    def change(states):
        parameters = states[state]["Parameters"]
        parameters["ConditionExpression"] = expression
        used = expression + " " + parameters.get("UpdateExpression", "")
        for field in ("ExpressionAttributeNames", "ExpressionAttributeValues"):
            kept = {k: v for k, v in parameters.get(field, {}).items() if k in used}
            parameters.pop(field, None)
            if kept:
                parameters[field] = kept

    return change


def _retry_the_unknown_ses_outcome(states):
    states["SendEmail"]["Retry"][0]["ErrorEquals"].append(aws_contract.SES_UNKNOWN_OUTCOME)


def _no_catch_at_mark_sent(states):
    del states["MarkSent"]["Catch"]


@pytest.mark.parametrize(
    ("change", "breaks"),
    [
        (_no_catch_at_mark_sent, "P5 false alarm"),
        (_condition("ClaimReport", "attribute_not_exists(reportDate)"), "P2 unalarmed claim"),
        (_condition("ClaimForResend", "executionArn = :seen AND #status <> :sending"), "P2 unalarmed claim"),
        (_condition("ClaimForResend", "executionArn = :me OR executionArn = :seen"), "P1 guard"),
        (_condition("BeginSending", "#status IN (:claimed, :sending)"), "P1 duplicate"),
        (_retry_the_unknown_ses_outcome, "P1 twice"),
    ],
    ids=[
        "mark-sent-taken-over-is-a-failure",
        "claim-not-idempotent",
        "resend-not-idempotent",
        "resend-takes-over-SENDING",
        "fence-without-owner",
        "SES-unknown-outcome-retried",
    ],
)
def test_removing_a_guard_from_the_definition_produces_a_counterexample(change, breaks):
    protocol = protocol_of(mutated(change))
    results = cp.check(protocol, Bounds(), sizes=(2,))
    assert any(r.violations.get(breaks) for r in results)


# --- the model's reductions lose nothing --------------------------------------------------------------


@pytest.mark.parametrize("path", [cp.DEFINITION, V1], ids=["current", "v1"])
def test_taking_local_steps_eagerly_reaches_exactly_the_final_states_of_all_interleavings(path):
    protocol = Protocol.load(path)
    for kinds in cp.scenarios(protocol, sizes=(2,)):
        finals = []
        for reduce in (True, False):
            result = cp.explore(protocol, kinds, Bounds(max_faults=2, max_redrives=1, reduce_local_steps=reduce))
            finals.append({result.world(key) for key in result.parents if result.model.is_final(key)})
        assert finals[0] == finals[1], kinds


def test_scheduled_and_manual_runs_are_one_kind_until_a_decision_reads_the_trigger():
    assert Protocol.load().interchangeable_kinds() == [("scheduled", "manual"), ("forced",)]

    def choice_on_trigger(states):
        states["SentOrClaimed"]["Choices"].insert(
            0, {"Variable": "$.request.trigger", "StringEquals": "manual", "Next": "ClaimedByAnotherExecution"}
        )

    def condition_on_trigger(states):
        _condition("ClaimReport", "attribute_not_exists(reportDate) OR executionArn = :me")(states)
        parameters = states["ClaimReport"]["Parameters"]
        parameters["ConditionExpression"] += " OR #trigger = :manual"
        parameters["ExpressionAttributeNames"] = {"#trigger": "trigger"}
        parameters["ExpressionAttributeValues"][":manual"] = {"S": "manual"}

    for change in (choice_on_trigger, condition_on_trigger):
        assert protocol_of(mutated(change)).interchangeable_kinds() == [("scheduled",), ("manual",), ("forced",)]

    def input_kept_and_its_trigger_read(states):
        # The execution input differs too (a child's carries its trigger): read, it splits them as well.
        states["ResolveReportDate"]["ResultPath"] = "$.resolved"
        states["SentOrClaimed"]["Choices"].insert(
            0, {"Variable": "$.trigger", "StringEquals": "schedule", "Next": "ClaimedByAnotherExecution"}
        )

    assert ("scheduled", "manual") not in protocol_of(mutated(input_kept_and_its_trigger_read)).interchangeable_kinds()


# --- the condition evaluator: DynamoDB's semantics, and nothing outside its subset -------------------

NAMES = {"#status": "status"}
VALUES = {
    ":me": cp.freeze({"S": "E1"}),
    ":sending": cp.freeze({"S": "SENDING"}),
    ":sent": cp.freeze({"S": "SENT"}),
    ":one": cp.freeze({"N": "1"}),
}


def item(**attributes):
    return cp.freeze({k: {"N": v} if isinstance(v, int) else {"S": v} for k, v in attributes.items()})


@pytest.mark.parametrize(
    ("expression", "record", "expected"),
    [
        ("attribute_not_exists(reportDate)", None, True),
        ("attribute_not_exists(reportDate)", item(reportDate="d"), False),
        ("executionArn = :me", None, False),
        ("executionArn = :me", item(executionArn="E1"), True),
        ("#status <> :sending", item(reportDate="d"), True),  # absent is not equal to anything
        ("#status <> :sending", item(status="SENDING"), False),
        ("#status IN (:sending, :sent)", item(status="SENT"), True),
        ("#status IN (:sending, :sent)", item(reportDate="d"), False),
        ("executionArn = :one", item(executionArn="1"), False),  # typed: {"S": "1"} is not {"N": "1"}
        ("NOT executionArn = :me", item(executionArn="E2"), True),
        # NOT binds tighter than AND, AND tighter than OR
        (
            "executionArn = :me OR executionArn = :me AND #status = :sent",
            item(executionArn="E1", status="SENDING"),
            True,
        ),
        (
            "(executionArn = :me OR executionArn = :me) AND #status = :sent",
            item(executionArn="E1", status="SENDING"),
            False,
        ),
        ("NOT executionArn = :me AND #status = :sent", item(executionArn="E1", status="SENT"), False),
        ("not (executionArn = :me and #status = :sending)", item(executionArn="E1", status="SENT"), True),
    ],
)
def test_conditions_evaluate_as_dynamodb_does(expression, record, expected):
    assert cp.holds(cp.parse_condition(expression), record, NAMES, VALUES) is expected


@pytest.mark.parametrize(
    "expression",
    [
        "attribute_exists(reportDate)",
        "begins_with(executionArn, :me)",
        "size(executionArn) = :one",
        "expiresAt < :one",
        "expiresAt >= :one",
        "expiresAt BETWEEN :one AND :one",
        "a.b = :me",
        "a[0] = :me",
        "status = :sent",
        "executionArn = :me AND",
        "(executionArn = :me",
        "executionArn :me",
        "executionArn = :me + :me",
        "contains(executionArn, :me)",
    ],
)
def test_the_evaluator_refuses_anything_outside_its_subset(expression):
    with pytest.raises(UnsupportedDefinition):
        cp.parse_condition(expression)


@pytest.mark.parametrize(
    "expression",
    [
        "REMOVE sendingAt",
        "SET attempts = attempts + :one",
        "SET sentAt = if_not_exists(sentAt, :now)",
        "ADD attempts :one",
        "SET #status = :sending REMOVE sendingAt",
    ],
)
def test_update_expressions_outside_set_are_refused(expression):
    with pytest.raises(UnsupportedDefinition):
        cp.parse_update(expression)


def _set(state, field, value):
    def change(states):
        states[state][field] = value

    return change


def _parameter(state, field, value):
    def change(states):
        states[state]["Parameters"][field] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _parameter("ClaimReport", "ConditionExpression", "attribute_exists(reportDate) OR executionArn = :me"),
            "attribute_exists",
        ),
        (
            _parameter(
                "ClaimReport", "ExpressionAttributeValues", {":me": {"S.$": "$$.Execution.Id"}, ":x": {"S": "x"}}
            ),
            "placeholders",
        ),
        (_parameter("CheckAlreadySent", "ConsistentRead", False), "consistent"),
        (_parameter("MarkSent", "ReturnValues", "ALL_OLD"), "parameters not modelled"),
        (_parameter("MarkSent", "TableName", "${other_table}"), "one table"),
        (_set("SendEmail", "Resource", "arn:aws:states:::sns:publish"), "resource"),
        (_parameter("FetchCosts", "FunctionName", "${send_slack_function_arn}"), "unknown to the model"),
        (_set("RenderEmail", "Type", "Wait"), "state type"),
        (_set("RenderEmail", "Type", "Map"), "state type Map"),
        (
            _parameter(
                "ResolveReportDate", "Payload", {"input.$": "$", "executionStartTime.$": "$$.Execution.StartTime"}
            ),
            "resolver's payload",
        ),
        (_set("MarkSent", "OutputPath", "$.delivery"), "fields not modelled"),
        (_set("MarkSent", "ResultPath", "$.items[0]"), "JSONPath"),
        (_set("MarkSent", "Next", "CheckAlreadySent"), "loops"),
    ],
)
def test_a_definition_outside_the_model_is_refused_not_skipped(change, message):
    with pytest.raises(UnsupportedDefinition, match=message):
        protocol_of(mutated(change))


def _dispatch_rule(rule):
    def change(states):
        states["OneReportOrMany"]["Choices"] = [rule]

    return change


def _dispatch_lambda(function):
    def change(states):
        step = states["StartEachReport"]["ItemProcessor"]["States"]["RunReport"]
        step["Resource"] = cp.LAMBDA
        step["Parameters"] = {"FunctionName": function, "Payload.$": "$"}

    return change


def _dispatch_step(field, value):
    def change(states):
        states["StartEachReport"]["ItemProcessor"]["States"]["RunReport"][field] = value

    return change


def _also_caught_into_the_dispatch(states):
    states["FetchCosts"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "StartEachReport"}]


def _start_the_map_run_itself(states):
    # In a Distributed Map's child workflow $$.StateMachine.Id is the Map Run's, not this state machine's.
    states["StartEachReport"]["ItemProcessor"]["States"]["RunReport"]["Parameters"]["StateMachineArn.$"] = cp.THIS


def _map_result_writer(bucket):
    def change(states):
        states["StartEachReport"]["ResultWriter"]["Parameters"]["Bucket"] = bucket

    return change


def _child_input_without_a_report(states):
    del states["StartEachReport"]["ItemProcessor"]["States"]["RunReport"]["Parameters"]["Input"]["report.$"]


# Refused, whichever way: a Map on a one-report run's path is a state type the model does not interpret, a
# state the dispatch cannot hold touches the record or SES, and a Choice rule it would then have to
# evaluate may be outside its subset.
_REFUSED = "not modelled|could touch the record"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # One-report runs could reach the dispatch: it is then interpreted like any other state, and refused.
        (_dispatch_rule({"Variable": "$.due", "IsNull": False, "Next": "CheckAlreadySent"}), _REFUSED),
        (_dispatch_rule({"Variable": "$.request", "IsNull": True, "Next": "CheckAlreadySent"}), _REFUSED),
        (_dispatch_rule({"Variable": "$.due", "IsPresent": True, "Next": "CheckAlreadySent"}), _REFUSED),
        (_also_caught_into_the_dispatch, "reachable both by a run of one report and through the dispatch"),
        # The dispatch never leads into a one-report run's states, and does nothing but decide, call
        # effect-free Lambdas and start one-report children of this state machine.
        (_set("StartEachReport", "Next", "CheckAlreadySent"), "reachable both"),
        (_set("StartEachReport", "Catch", [{"ErrorEquals": ["States.ALL"], "Next": "ReportSent"}]), "reachable both"),
        (_dispatch_step("Resource", cp.PUT), "could touch the record"),
        (_dispatch_step("Resource", cp.SEND), "could touch the record"),
        (_dispatch_step("Type", "Parallel"), "could touch the record"),
        (_dispatch_lambda("${send_slack_function_arn}"), "could touch the record"),
        (_child_input_without_a_report, "one-report input"),
        (_set("StartEachReport", "ToleratedFailurePercentage", 10), "dispatch fields not modelled"),
        (_start_the_map_run_itself, "one-report input"),
        (_map_result_writer("${table_name}"), "could touch the record"),
        (_set("StartEachReport", "ItemReader", {"Resource": "arn:aws:states:::s3:listObjectsV2"}), "ItemReader"),
    ],
    ids=[
        "one-report-runs-to-the-map",
        "null-test-on-another-field",
        "not-a-null-test",
        "dispatch-reached-from-elsewhere",
        "dispatch-goes-on",
        "dispatch-caught-into-the-protocol",
        "dispatch-writes-the-table",
        "dispatch-sends-email",
        "dispatch-runs-a-parallel",
        "dispatch-calls-an-unknown-lambda",
        "child-of-no-report",
        "distributed-map-field",
        "distributed-child-starts-the-map-run",
        "results-written-elsewhere",
        "items-listed-not-read",
    ],
)
def test_only_the_dispatch_as_specified_is_out_of_scope(change, message):
    with pytest.raises(UnsupportedDefinition, match=message):
        protocol_of(mutated(change))


def test_a_choice_operator_outside_the_subset_is_refused():
    def numeric(states):
        states["SentOrClaimed"]["Choices"][1] = {
            "Variable": "$.costs.total",
            "NumericGreaterThan": 0,
            "Next": "ClaimReport",
        }

    with pytest.raises(UnsupportedDefinition, match="Choice operator"):
        protocol_of(mutated(numeric))


def test_jsonata_is_refused():
    with pytest.raises(UnsupportedDefinition, match="JSONPath"):
        protocol_of({**CURRENT, "QueryLanguage": "JSONata"})

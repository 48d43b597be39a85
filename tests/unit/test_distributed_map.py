"""StartEachReport, the Distributed Map, held to the fields AWS documents for it. moto runs it (ItemReader,
ItemSelector, MaxConcurrencyPath, ResultWriter) but accepts fields and values AWS would refuse and ignores
the tolerated-failure fields (docs/embedded-runtime.md), so its shape is checked here against the
documentation, each rule with its page:
https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html (fields),
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-itemreader.html (ItemReader),
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-resultwriter.html (ResultWriter)."""

from __future__ import annotations

import json
import re

from report_contract import objects
from resolve_report_date.report_date import Resolved

from local.runtime import DEFINITION

ASL = json.loads(DEFINITION.read_text())
MAP = ASL["States"]["StartEachReport"]
PROCESSOR = MAP["ItemProcessor"]

# The fields a Distributed Map state may have in a JSONPath workflow (state-map-distributed.html).
DISTRIBUTED_MAP_FIELDS = {
    "Type", "Comment", "Next", "End", "InputPath", "OutputPath", "ResultPath", "ResultSelector", "Retry", "Catch",
    "ItemProcessor", "ItemReader", "ItemsPath", "ItemSelector", "ItemBatcher", "ResultWriter",
    "MaxConcurrency", "MaxConcurrencyPath", "ToleratedFailurePercentage", "ToleratedFailurePercentagePath",
    "ToleratedFailureCount", "ToleratedFailureCountPath", "Label",
}  # fmt: skip
# "Label ... can contain up to 40 characters ... can't contain whitespace, brackets < > { } [ ], wildcard
# characters ? *, special characters \" # % \\ ^ | ~ ` $ & , ; : /, control characters".
LABEL = re.compile(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,40}")


def test_start_each_report_is_a_distributed_map_of_standard_child_workflows():
    assert MAP["Type"] == "Map"
    # STANDARD: each item's execution has its history in the console and is redriven with the run; an
    # Express child would need CloudWatch Logs to be read.
    assert PROCESSOR["ProcessorConfig"] == {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    assert set(MAP) <= DISTRIBUTED_MAP_FIELDS, sorted(set(MAP) - DISTRIBUTED_MAP_FIELDS)
    assert LABEL.fullmatch(MAP["Label"])


def test_the_items_come_from_the_due_list_in_s3_never_from_the_state_input():
    reader = MAP["ItemReader"]
    assert "ItemsPath" not in MAP  # the items would otherwise be read from the (256 KiB) state input
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["ReaderConfig"] == {"InputType": "JSON"}  # the file is one JSON array
    assert reader["Parameters"] == {"Bucket": "${shared_costs_bucket}", "Key.$": "$.due.key"}
    # ResolveReportDate writes the list under the run's own key, FetchSharedCosts beside it.
    assert objects.due_key("run-1").startswith(objects.RUNS_PREFIX)
    assert objects.shared_due_key("run-1").startswith(objects.RUNS_PREFIX)


def test_the_results_go_to_s3_so_the_output_does_not_grow_with_the_reports():
    writer = MAP["ResultWriter"]
    assert writer["Resource"] == "arn:aws:states:::s3:putObject"
    assert writer["Parameters"] == {"Bucket": "${shared_costs_bucket}", "Prefix": objects.MAP_RESULTS_PREFIX}
    # The Map's output is then {MapRunArn, ResultWriterDetails}: what the ResultSelector keeps.
    assert MAP["ResultSelector"] == {"mapRun.$": "$.MapRunArn", "results.$": "$.ResultWriterDetails"}


def test_the_pace_is_the_one_resolve_report_date_states():
    # One of MaxConcurrency and MaxConcurrencyPath; the path must name a positive integer, which
    # ResolveReportDate computes from the SES send rate (store.concurrency) and states as due.concurrency.
    assert "MaxConcurrency" not in MAP and MAP["MaxConcurrencyPath"] == "$.due.concurrency"
    due = Resolved(due=()).to_state(due_key="runs/x/due.json", concurrency=3)["due"]
    assert isinstance(due, dict) and due["concurrency"] == 3 and due["key"] == "runs/x/due.json"
    waits = [s for s in PROCESSOR["States"].values() if s["Type"] == "Wait"]
    assert [w["Seconds"] for w in waits] == [1]  # one start per item per second


def test_no_item_may_fail_silently():
    # An item fails only when its child could not be started: that report would go unsent, so the Map
    # Run, and the run, fail (alarm) and the run's redrive re-runs the failed items. ToleratedFailureCount
    # 0 (AWS's default, written down); the percentage is not set (moto's grammar refuses an integer one).
    assert MAP["ToleratedFailureCount"] == 0
    assert not {"ToleratedFailurePercentage", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"} & set(MAP)


def test_the_item_executions_read_the_parent_only_through_the_item_selector():
    # In a Distributed Map's child workflow, $$.Execution and $$.StateMachine are the child's own (its
    # ARN names the Map Run), so the run's state machine and execution ARN are passed in the ItemSelector,
    # which the parent evaluates.
    assert MAP["ItemSelector"]["stateMachine.$"] == "$$.StateMachine.Id"
    assert MAP["ItemSelector"]["startedBy.$"] == "$$.Execution.Id"
    inner = json.dumps(PROCESSOR["States"])
    assert "$$.Execution" not in inner and "$$.StateMachine" not in inner
    start = PROCESSOR["States"]["RunReport"]["Parameters"]
    assert start["StateMachineArn.$"] == "$.stateMachine"
    assert start["Input"]["AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$"] == "$.startedBy"

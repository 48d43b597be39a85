"""The real workflow on an in-process AWS: moto interprets the state machine definition, Lambda tasks
run the project's real handlers in this process, DynamoDB and SES v2 are moto's, and Cost Explorer is a
synthetic organisation (local/cost_explorer.py).

    with EmbeddedAWS(profile="small") as aws:
        execution = aws.run({"date": "2026-11-20"})
        execution.status, execution.output, aws.mailbox, aws.cost_explorer.requests

What is replaced, and why each replacement is faithful, is listed in docs/embedded-runtime.md.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import importlib.util
import io
import json
import logging
import pickle
import sys
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
from aws_lambda_powertools import Metrics
from botocore import xform_name
from moto import mock_aws
from moto.core.exceptions import JsonRESTError

from local.cost_explorer import CostExplorerError, FakeCostExplorer, SyntheticOrganisation
from local.environ import patched_environ
from local.faults import Faults
from local.lambda_context import ACCOUNT_ID, REGION, LocalLambdaContext
from local.template import fill

ROOT = Path(__file__).resolve().parent.parent
DEFINITION = ROOT / "state_machine" / "cost_notifier.asl.json"
FUNCTIONS_DIR = ROOT / "functions"

# One name per idea: the state, the folder under functions/, and the deployed function's suffix.
FUNCTIONS = ("resolve_report_date", "fetch_costs", "render_email", "post_chat")
NAME_PREFIX = "cost-notifier"
TABLE_NAME = f"{NAME_PREFIX}-reports"
CONFIGURATION_SET = f"{NAME_PREFIX}"
DEFAULT_SENDER = "cost-report@example.com"
SHARED_COSTS_BUCKET = f"{NAME_PREFIX}-shared-costs-local"
DEFAULT_RECIPIENTS = ("platform-team@example.com", "finops@example.com")
# Where a chat channel's webhook URL is kept: the secret <prefix><channel name> (terraform/secrets.tf names
# them "${var.name_prefix}/chat/<name>" and gives post_chat the prefix as CHAT_SECRET_PREFIX).
CHAT_SECRET_PREFIX = f"{NAME_PREFIX}/chat/"

# The runtime that currently owns moto's hooks (one at a time; moto's backends are process-global).
_ACTIVE: EmbeddedAWS | None = None
_ACTIVE_LOCK = threading.Lock()


def function_name(function: str) -> str:
    return f"{NAME_PREFIX}-{function.replace('_', '-')}"


def function_arn(function: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name(function)}"


def every_state(states: dict) -> dict:
    """Every state of a definition by name, the states inside a Map's ItemProcessor included (state names
    are unique across a definition, as Step Functions requires)."""
    found = {}
    for name, state in states.items():
        found[name] = state
        if state["Type"] == "Map":
            found.update(every_state(state["ItemProcessor"]["States"]))
    return found


def default_reports(recipients: tuple[str, ...]) -> dict[str, dict]:
    """What Terraform's `reports` is when a deployment declares none: the one daily report of the whole
    organisation by service, to the deployment's recipients (its other fields are the functions' settings)."""
    return {"daily": {"recipients": list(recipients)}}


def with_chat(reports: dict[str, dict], chat_channels: dict[str, str]) -> dict[str, dict]:
    """The reports as Terraform's local.reports writes their `chat` (terraform/main.tf): a report that names
    no channels (chat unset) posts to every channel of `chat_channels` (name -> type); one that lists names
    gets {name, type} for each, the type of a name chat_channels does not declare null (which
    ResolveReportDate refuses by name, as the plan's precondition would)."""
    resolved = {}
    for report_id, report in reports.items():
        names = report.get("chat")
        if names is None:
            names = list(chat_channels)
        if all(isinstance(name, str) for name in names):
            names = [{"name": name, "type": chat_channels.get(name)} for name in names]
        resolved[report_id] = {**report, "chat": names} if names or "chat" in report else report
    return resolved


def definition_variables(sender: str) -> dict[str, str]:
    """The values Terraform passes to templatefile(), here for the embedded account."""
    return {
        "resolve_report_date_function_arn": function_arn("resolve_report_date"),
        "fetch_costs_function_arn": function_arn("fetch_costs"),
        "render_email_function_arn": function_arn("render_email"),
        "post_chat_function_arn": function_arn("post_chat"),
        "table_name": TABLE_NAME,
        "sender_email": sender,
        "ses_configuration_set": CONFIGURATION_SET,
        "shared_costs_bucket": SHARED_COSTS_BUCKET,
    }


@dataclass
class SentEmail:
    """One SendEmail call SES accepted: the request as the workflow made it, and SES's message id."""

    message_id: str
    request: dict
    sent_at: datetime

    @property
    def subject(self) -> str:
        return self.request["Content"]["Simple"]["Subject"]["Data"]

    @property
    def to(self) -> list[str]:
        return list(self.request.get("Destination", {}).get("ToAddresses", []))

    @property
    def html(self) -> str:
        return self.request["Content"]["Simple"]["Body"]["Html"]["Data"]

    @property
    def text(self) -> str:
        return self.request["Content"]["Simple"]["Body"]["Text"]["Data"]


@dataclass
class LambdaInvocation:
    function: str
    request_id: str
    event: Any
    error: str | None
    logs: str
    duration_ms: float


@dataclass
class Execution:
    arn: str
    name: str
    status: str
    input: dict
    output: dict | None
    error: str | None
    cause: str | None
    history: list[dict] = field(repr=False, default_factory=list)

    def events(self, event_type: str) -> list[dict]:
        return [event for event in self.history if event["type"] == event_type]

    def failed_attempts(self, state: str) -> list[str]:
        """The error names of one state's failed task attempts, in order (retried or not)."""
        errors, current = [], None
        for event in self.history:
            if "stateEnteredEventDetails" in event:
                current = event["stateEnteredEventDetails"]["name"]
            elif event["type"] == "TaskFailed" and current == state:
                errors.append(event["taskFailedEventDetails"]["error"])
        return errors

    def state_output(self, state: str) -> dict:
        """The output of the last time `state` was left, as the console's Step output shows it."""
        exited = [e for e in self.history if e.get("stateExitedEventDetails", {}).get("name") == state]
        if not exited:
            raise LookupError(f"the execution never left {state}; states entered: {self.entered_states()}")
        return json.loads(exited[-1]["stateExitedEventDetails"]["output"])

    def report(self) -> dict:
        """The report model FetchCosts produced (the definition keeps it at $.fetched.report)."""
        return self.state_output("FetchCosts")["fetched"]["report"]

    def entered_states(self) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.history if "stateEnteredEventDetails" in e]

    def duration_seconds(self) -> float:
        """From ExecutionStarted to the execution's last event, as the console shows it."""
        if not self.history:
            return 0.0
        return (self.history[-1]["timestamp"] - self.history[0]["timestamp"]).total_seconds()

    def largest_payload_bytes(self) -> int:
        """The biggest state input or output in the run, in UTF-8 bytes (Step Functions caps them at 256 KiB)."""
        sizes = [0]
        for event in self.history:
            for details in event.values():
                if isinstance(details, dict):
                    for key in ("input", "output"):
                        if isinstance(details.get(key), str):
                            sizes.append(len(details[key].encode("utf-8")))
        return max(sizes)


class _RoutedStdout(io.TextIOBase):
    """sys.stdout that sends a Lambda invocation's prints (Powertools logs and metrics) to that
    invocation's log, like CloudWatch Logs, while everything else reaches the terminal. Executions run in
    threads, so the routing is per thread."""

    def __init__(self, terminal) -> None:
        self.terminal = terminal
        self.local = threading.local()

    def write(self, text: str) -> int:
        buffer = getattr(self.local, "buffer", None)
        return (buffer if buffer is not None else self.terminal).write(text)

    def flush(self) -> None:
        # The terminal is whatever sys.stdout was when the router was installed (under pytest, its
        # capture file, which pytest closes first). The router does not own it: once it is closed there
        # is nothing to flush. Python 3.13 reports an error from the flush that io's finalizer makes at
        # exit ("Exception ignored in: <_RoutedStdout>"); earlier versions dropped it silently.
        if not getattr(self.terminal, "closed", False):
            self.terminal.flush()

    def isatty(self) -> bool:
        return not getattr(self.terminal, "closed", False) and self.terminal.isatty()


_ROUTED_STDOUT = _RoutedStdout(sys.stdout)


class _RetryClock:
    """Stands in for `time` inside moto's retrier: records each backoff interval instead of sleeping,
    so a test sees the 1, 2, 4 s schedule without waiting for it."""

    def __init__(self, real_time, sleeps: list) -> None:
        self._real = real_time
        self._sleeps = sleeps

    def sleep(self, seconds: float) -> None:
        self._sleeps.append(seconds)

    def __getattr__(self, name: str):
        return getattr(self._real, name)


class EmbeddedAWS:
    def __init__(
        self,
        profile: str = "small",
        seed: int = 7,
        today: date | None = None,
        sender: str = DEFAULT_SENDER,
        recipients: tuple[str, ...] = DEFAULT_RECIPIENTS,
        reports: dict[str, dict] | None = None,
        function_environment: dict[str, str] | None = None,
        table_snapshot: Path | None = None,
        now: datetime | None = None,
        strict_mocks: bool = False,
        ses_max_send_rate: float = 14.0,
        max_running_executions: int = 16,
        chat_channels: dict[str, str] | None = None,
        chat_webhooks: dict[str, str | None] | None = None,
    ) -> None:
        # `now` pins the execution clock ($$.Execution.StartTime) and Cost Explorer's "today", so a
        # scenario written for a fixed day stays valid forever. Without it, executions use the real clock.
        self.now = now
        # strict_mocks: Step Functions Local's rule, where every attempt of a mocked state must have a
        # mocked response (used to prove a generated MockConfigFile runs there); by default an attempt
        # beyond the mocked ones calls the real integration.
        self.strict_mocks = strict_mocks
        # SESv2 GetAccount's SendQuota.MaxSendRate (moto has no GetAccount; _ses_get_account answers it).
        # 14 a second is a common production quota; a sandbox account has 1.
        self.ses_max_send_rate = ses_max_send_rate
        self.waits: list[float] = []  # every Wait state's seconds, recorded instead of slept
        # Executions running at once in this one process (see _recorded_wait), and how many a Wait lets run.
        self.running_executions = 0
        self.max_running_executions = max_running_executions
        self.map_run_events: dict[str, list[dict]] = {}  # by Map Run ARN: its item executions' events
        self.today = (now.astimezone(UTC).date() if now else None) or today or datetime.now(UTC).date()
        self.cost_explorer = FakeCostExplorer(SyntheticOrganisation(profile=profile, seed=seed, today=self.today))
        self.sender = sender
        self.recipients = tuple(recipients)
        # The deployment's chat channels (Terraform's chat_channels: name -> type) and each one's webhook URL,
        # the value of its secret (None: the secret exists without a value, as Terraform leaves it).
        self.chat_channels = dict(chat_channels or {})
        self.chat_webhooks = dict(chat_webhooks or {})
        # The deployment's reports, as Terraform's `reports` variable declares them (snake_case JSON), with
        # `chat` as local.reports resolves it.
        self.reports = with_chat(
            reports if reports is not None else default_reports(self.recipients), self.chat_channels
        )
        self.function_environment = {
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_METRICS_NAMESPACE": "CostNotifier",
            "SHARED_COSTS_BUCKET": SHARED_COSTS_BUCKET,
            "CHAT_SECRET_PREFIX": CHAT_SECRET_PREFIX,
            **(function_environment or {}),
        }
        self.table_snapshot = table_snapshot
        self.faults = Faults()
        self._barriers: dict[str, threading.Barrier] = {}
        self._plans: dict[str, _ExecutionPlan] = {}  # by execution name
        self._definition = ""
        self._role_arn = ""
        self._redrives = 0
        self.answer_cost_explorer = None  # optional callable(params) -> response, instead of the synthetic org
        self.mailbox: list[SentEmail] = []
        self.retry_sleeps: list[float] = []
        self.invocations: list[LambdaInvocation] = []
        self.state_machine_arn = ""
        self._lock = threading.Lock()
        self._environments = {function: threading.Lock() for function in FUNCTIONS}  # see _invoke
        self._metrics_flush = threading.Lock()  # see _invoke
        self._stack = contextlib.ExitStack()

    # -- lifecycle ---------------------------------------------------------------------------------

    def __enter__(self) -> EmbeddedAWS:
        global _ACTIVE
        with _ACTIVE_LOCK:
            if _ACTIVE is not None:
                raise RuntimeError("an EmbeddedAWS is already running in this process; moto's state is global")
            _ACTIVE = self
        try:
            _start_cold()
            self._stack.enter_context(patched_environ(self._aws_environment()))
            self._stack.enter_context(
                mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}})
            )
            self._install_hooks()
            self._provision()
        except BaseException:
            self._stack.close()
            _ACTIVE = None
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        global _ACTIVE
        try:
            self._let_running_executions_end()
            if self.table_snapshot is not None and exc_info[0] is None:
                self.save_table(self.table_snapshot)
        finally:
            self._stack.close()
            _ACTIVE = None

    def _let_running_executions_end(self, timeout: float = 60.0) -> None:
        """Wait for every execution still running (a dispatch's children nobody waited for) before moto's
        state goes: a child left running would write into the next EmbeddedAWS's tables."""
        if not self.state_machine_arn:
            return
        sfn = boto3.client("stepfunctions", region_name=REGION)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            running = sfn.list_executions(stateMachineArn=self.state_machine_arn, statusFilter="RUNNING")["executions"]
            if not running:
                return
            time.sleep(0.02)

    def _aws_environment(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            **self.function_environment,
        }

    def _install_hooks(self) -> None:
        _import_step_functions_without_batch()
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.ce.models import CostExplorerBackend
        from moto.dynamodb.responses import DynamoHandler
        from moto.sesv2.responses import SESV2Response
        from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
        from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
            distributed_iteration_component as distributed,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
            state_task_service_aws_sdk as aws_sdk,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_dynamodb import (
            StateTaskServiceDynamoDB,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_lambda import (
            StateTaskServiceLambda,
        )
        from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_sfn import (
            StateTaskServiceSfn,
        )
        from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
        from moto.stepfunctions.parser.asl.eval.environment import Environment
        from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
        from moto.stepfunctions.parser.backend.execution import Execution as MotoExecution
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        stack = self._stack
        stack.enter_context(
            _patched_attribute(AmazonStateLanguageParser, "parse", _parsed_once(AmazonStateLanguageParser.parse))
        )
        stack.enter_context(_patched_attribute(LambdaSimpleBackend, "invoke", _invoke_in_process))
        stack.enter_context(_patched_attribute(CostExplorerBackend, "get_cost_and_usage", _get_cost_and_usage))
        stack.enter_context(_patched_attribute(DynamoHandler, "put_item", _held_put_item(DynamoHandler.put_item)))
        for write in ("update_item", "delete_item"):
            stack.enter_context(_patched_attribute(DynamoHandler, write, _atomic_write(getattr(DynamoHandler, write))))
        stack.enter_context(
            _patched_attribute(SESV2Response, "send_email", _recording_send_email(SESV2Response.send_email))
        )
        stack.enter_context(_patched_attribute(retrier_decl, "time", _RetryClock(time, self.retry_sleeps)))
        stack.enter_context(_patched_attribute(SESV2Response, "get_account", _ses_get_account))
        stack.enter_context(
            _patched_attribute(ExecutionWorker, "_execution_logic", _counted(ExecutionWorker._execution_logic))
        )
        stack.enter_context(_patched_attribute(WaitFunction, "_wait_interval", _recorded_wait))
        stack.enter_context(
            _patched_attribute(
                distributed.DistributedIterationComponent,
                "_map_run",
                _emulated_map_run(distributed.DistributedIterationComponent._map_run),
            )
        )
        stack.enter_context(
            _patched_attribute(
                MotoExecution, "_get_start_execution_worker", _planned_worker(MotoExecution._get_start_execution_worker)
            )
        )
        stack.enter_context(_patched_attribute(Environment, "is_mocked_mode", _is_mocked_attempt))
        # moto's Step Functions integration passes the definition's parameters (StateMachineArn, Name, Input)
        # to boto3 as written and hands boto3's answer back as boto3 shapes it (executionArn, status); AWS
        # maps both ways between the API's and the integration's names (ExecutionArn, Status, Output as
        # JSON for .sync:2: https://docs.aws.amazon.com/step-functions/latest/dg/connect-stepfunctions.html).
        stack.enter_context(_patched_attribute(StateTaskServiceSfn, "_normalise_parameters", _sfn_request))
        stack.enter_context(_patched_attribute(StateTaskServiceSfn, "_normalise_response", _sfn_response))
        for integration in (
            StateTaskServiceDynamoDB,
            aws_sdk.StateTaskServiceAwsSdk,
            StateTaskServiceLambda,
            StateTaskServiceSfn,
        ):
            stack.enter_context(
                _patched_attribute(
                    integration, "_eval_service_task", _faulty_service_task(integration._eval_service_task)
                )
            )
        # moto's DynamoDB integration renames every non-ClientError, a mocked Throw included, to
        # DynamoDB.AmazonDynamoDBException; the other integrations pass a mocked error through as named.
        stack.enter_context(
            _patched_attribute(
                StateTaskServiceDynamoDB,
                "_from_error",
                _mocked_errors_pass_through(StateTaskServiceDynamoDB._from_error),
            )
        )
        # AWS names SDK-integration errors with the service in PascalCase (SesV2.TooManyRequestsException);
        # moto only knows a few services and would say "sesv2.", which no Retry in the definition matches.
        stack.enter_context(_patched_item(aws_sdk._SERVICE_ERROR_NAMES, "sesv2", "SesV2"))
        # moto logs every failed task with a full traceback; the execution history already says it.
        stack.enter_context(_quiet_logger("moto.stepfunctions"))
        if sys.stdout is not _ROUTED_STDOUT:
            # One router for the whole process: Powertools' logger keeps the stream it first saw.
            _ROUTED_STDOUT.terminal = sys.stdout
            stack.enter_context(_patched_attribute(sys, "stdout", _ROUTED_STDOUT))
        if str(FUNCTIONS_DIR) not in sys.path:
            # The Lambda runtime imports `fetch_costs.handler` from the root of the function's zip.
            sys.path.insert(0, str(FUNCTIONS_DIR))
            stack.callback(sys.path.remove, str(FUNCTIONS_DIR))

    def _provision(self) -> None:
        iam = boto3.client("iam", region_name=REGION)
        role_arn = iam.create_role(RoleName=f"{NAME_PREFIX}-local", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

        package = io.BytesIO()
        with zipfile.ZipFile(package, "w") as archive:
            # moto needs a deployment package to create a function; invocations never read it.
            archive.writestr("README", "Invocations run functions/ in-process; see local/runtime.py.")
        lambda_client = boto3.client("lambda", region_name=REGION)
        for function in FUNCTIONS:
            lambda_client.create_function(
                FunctionName=function_name(function),
                Runtime="python3.13",
                Architectures=["arm64"],
                Role=role_arn,
                Handler=f"{function}.handler.lambda_handler",
                Code={"ZipFile": package.getvalue()},
            )

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        dynamodb.create_table(
            TableName=TABLE_NAME,
            KeySchema=[{"AttributeName": "reportDate", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "reportDate", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.update_time_to_live(
            TableName=TABLE_NAME, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"}
        )
        if self.table_snapshot is not None and self.table_snapshot.exists():
            for item in json.loads(self.table_snapshot.read_text()):
                dynamodb.put_item(TableName=TABLE_NAME, Item=item)

        # The data bucket (terraform/storage.tf: aws_s3_bucket.shared_costs) with the reports Terraform
        # writes there (aws_s3_object.reports); runs add their due lists and shared answers.
        from report_contract.objects import REPORTS_KEY  # functions/ is on the path from _install_hooks

        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=SHARED_COSTS_BUCKET)
        s3.put_object(
            Bucket=SHARED_COSTS_BUCKET,
            Key=REPORTS_KEY,
            Body=json.dumps(self.reports).encode(),
            ContentType="application/json",
        )

        # One secret per chat channel (terraform/secrets.tf), its value the webhook URL the user sets.
        secrets = boto3.client("secretsmanager", region_name=REGION)
        for channel in self.chat_channels:
            url = self.chat_webhooks.get(channel)
            value = {} if url is None else {"SecretString": url}
            secrets.create_secret(Name=f"{CHAT_SECRET_PREFIX}{channel}", **value)

        sesv2 = boto3.client("sesv2", region_name=REGION)
        sesv2.create_email_identity(EmailIdentity=self.sender)
        sesv2.create_configuration_set(ConfigurationSetName=CONFIGURATION_SET)

        self._definition = fill(DEFINITION.read_text(), definition_variables(self.sender))
        check_integration_parameters(json.loads(self._definition))
        self._role_arn = role_arn
        self.state_machine_arn = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name=NAME_PREFIX, definition=self._definition, roleArn=role_arn, type="STANDARD"
        )["stateMachineArn"]

    # -- running the workflow ----------------------------------------------------------------------

    def start(
        self, execution_input: dict, name: str | None = None, test_case=None, faults: tuple[StateFault, ...] = ()
    ) -> str:
        """Start an execution and return its ARN. Names must be unique (moto returns the old execution
        for a repeated name instead of starting a new one).

        `test_case` (a moto MockTestCase, see local/mock_config.py) mocks the states it lists, as
        Step Functions Local does for `<stateMachineArn>#<TestCase>`. `faults` (StateFault) make a
        state's service call fail on given attempts, before or after its effect."""
        name = name or f"local-{uuid.uuid4()}"
        self._plans[name] = _ExecutionPlan(test_case=test_case, start_time=self.now, faults=tuple(faults))
        return boto3.client("stepfunctions", region_name=REGION).start_execution(
            stateMachineArn=self.state_machine_arn, name=name, input=json.dumps(execution_input)
        )["executionArn"]

    def wait(self, execution_arn: str, timeout: float = 60.0, follow: bool = True) -> Execution:
        """The execution once it has ended. With `follow`, a run that dispatched exactly one report is
        followed to that report's child execution (reporting_execution): the run that claims and sends,
        which is what most tests and the demo's single-report trace read."""
        execution = self._ended(execution_arn, timeout)
        return self.reporting_execution(execution, timeout) if follow else execution

    def _ended(self, execution_arn: str, timeout: float) -> Execution:
        sfn = boto3.client("stepfunctions", region_name=REGION)
        deadline = time.monotonic() + timeout
        while True:
            described = sfn.describe_execution(executionArn=execution_arn)
            if described["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"execution {execution_arn} still RUNNING after {timeout} s")
            time.sleep(0.01)
        history: list[dict] = []
        kwargs: dict = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            history.extend(page["events"])
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        return Execution(
            arn=execution_arn,
            name=described["name"],
            status=described["status"],
            input=json.loads(described.get("input") or "{}"),
            output=json.loads(described["output"]) if described.get("output") else None,
            error=described.get("error"),
            cause=described.get("cause"),
            history=history,
        )

    def run(
        self,
        execution_input: dict,
        name: str | None = None,
        timeout: float = 60.0,
        test_case=None,
        faults: tuple[StateFault, ...] = (),
        follow: bool = True,
    ) -> Execution:
        return self.wait(self.start(execution_input, name, test_case, faults), timeout, follow)

    def reporting_execution(self, execution: Execution, timeout: float = 60.0) -> Execution:
        """`execution` if it reported (or failed, or had nothing due), else the single child it started,
        waited for. A dispatch of several reports has no single reporting execution: use children()."""
        if execution.status != "SUCCEEDED" or "StartEachReport" not in execution.entered_states():
            return execution
        children = self.children(execution, timeout)
        if not children:  # nothing was due
            return execution
        if len(children) > 1:
            raise ValueError(f"the run started {len(children)} reports ({', '.join(children)}); use children()")
        return next(iter(children.values()))

    def map_items(self, run: Execution) -> Execution:
        """The events of the item executions of `run`'s Distributed Map Runs, as one Execution (for
        failed_attempts, entered_states). On AWS each item execution has its own history, listed on the Map
        Run's page; moto runs the items in the run's process and keeps their events nowhere, so the runtime
        keeps them by Map Run (several items' events interleave here)."""
        arns = [e["mapRunStartedEventDetails"]["mapRunArn"] for e in run.history if "mapRunStartedEventDetails" in e]
        with self._lock:
            events = [event for arn in arns for event in self.map_run_events.get(arn, [])]
        return dataclasses.replace(run, history=events)

    def redrive(
        self, failed: Execution, test_case=None, timeout: float = 60.0, faults: tuple[StateFault, ...] = ()
    ) -> Execution:
        """What RedriveExecution does (moto has no RedriveExecution), as AWS documents it: the same
        execution (same ARN and start time, which the definition reads as $$.Execution.Id and
        StartTime) resumes at the state that failed, with the input that state had; states that
        succeeded are not run again, and the failed state's retry count starts over.

        Returned: the redriven part of the run, as its own Execution (its `arn` is the original one)."""
        if failed.status not in ("FAILED", "TIMED_OUT", "ABORTED"):
            raise ValueError(f"only a failed, timed-out or aborted execution can be redriven, not {failed.status}")
        definition = json.loads(self._definition)
        # Resume at the top-level state the run stopped in. For a failure inside a Map's iteration that is
        # the Map: AWS re-runs only its failed and aborted iterations, this runtime re-runs them all
        # (docs/embedded-runtime.md), which StartEachReport tolerates by design: each iteration starts its
        # child by a fixed name, so an iteration that had started its child finds it instead of starting
        # another.
        top_level = set(definition["States"])
        last_entered = max(
            i for i, e in enumerate(failed.history) if e.get("stateEnteredEventDetails", {}).get("name") in top_level
        )
        name = failed.history[last_entered]["stateEnteredEventDetails"]["name"]
        if any(e.get("stateExitedEventDetails", {}).get("name") == name for e in failed.history[last_entered:]):
            raise ValueError("the execution did not stop inside a state; there is nothing to redrive")
        last = failed.history[last_entered]["stateEnteredEventDetails"]
        definition["StartAt"] = last["name"]
        # The redriven run is the same state machine on AWS; here it is a copy that starts elsewhere, so
        # the children a redriven dispatch starts must still be executions of the original.
        definition = json.loads(
            json.dumps(definition).replace(
                '"stateMachine.$": "$$.StateMachine.Id"', f'"stateMachine": "{self.state_machine_arn}"'
            )
        )
        self._redrives += 1
        sfn = boto3.client("stepfunctions", region_name=REGION)
        arn = sfn.create_state_machine(
            name=f"{NAME_PREFIX}-redrive-{self._redrives}",
            definition=json.dumps(definition),
            roleArn=self._role_arn,
            type="STANDARD",
        )["stateMachineArn"]
        name = f"{failed.name}-redrive-{self._redrives}"
        self._plans[name] = _ExecutionPlan(
            test_case=test_case,
            start_time=failed.history[0]["timestamp"] if self.now is None else self.now,
            execution_arn=failed.arn,
            execution_name=failed.name,
            faults=tuple(faults),
        )
        redriven = sfn.start_execution(stateMachineArn=arn, name=name, input=last["input"])["executionArn"]
        result = self.wait(redriven, timeout, follow=False)
        result.arn, result.name = failed.arn, failed.name
        return result

    def plan_of(self, execution) -> _ExecutionPlan | None:
        """The plan of an execution the runtime started, or, for a child execution a run started
        (StartEachReport), its parent's: the same pinned clock, and the parent's faults that are for the
        child's report (StateFault.report) or for every report. Not the parent's Step Functions Local test
        case: there, a test case belongs to the execution started with `<arn>#<case>`, not its children."""
        plan = self._plans.get(execution.name)
        if plan is not None:
            return plan
        try:
            execution_input = json.loads(execution.execution_input or "{}")
        except (TypeError, ValueError):
            return None
        if not isinstance(execution_input, dict):
            return None
        parent_arn = execution_input.get("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID")
        parent = self._plans.get(parent_arn.split(":")[-1]) if isinstance(parent_arn, str) else None
        if parent is None:
            return None
        report = execution_input.get("report")
        return _ExecutionPlan(
            start_time=parent.start_time,
            faults=tuple(f for f in parent.faults if f.report in (None, report)),
        )

    def children(self, parent: Execution, timeout: float = 60.0) -> dict[str, Execution]:
        """The child executions a dispatching run started (StartEachReport), by report id, each waited for
        until it ends. Found as the console links them: by the parent's execution ARN in their input
        (AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID); the Distributed Map's own item executions are not in
        the parent's history."""
        sfn = boto3.client("stepfunctions", region_name=REGION)
        found: dict[str, Execution] = {}
        for arn in self._executions_started_by(sfn, parent.arn):
            child_input = json.loads(sfn.describe_execution(executionArn=arn)["input"])
            found[child_input["report"]] = self._ended(arn, timeout)
        return found

    def _executions_started_by(self, sfn, parent_arn: str) -> list[str]:
        started = []
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=self.state_machine_arn):
            for summary in page["executions"]:
                described = sfn.describe_execution(executionArn=summary["executionArn"])
                execution_input = json.loads(described.get("input") or "{}")
                if isinstance(execution_input, dict) and (
                    execution_input.get("AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID") == parent_arn
                ):
                    started.append(summary["executionArn"])
        return started

    def hold_together(self, target: str, parties: int, timeout: float = 30.0) -> None:
        """Make the next `parties` calls to `target` ("dynamodb:PutItem") wait for each other, so a test
        can line executions up at the same step (both have read the record; neither has written yet)
        instead of hoping the threads interleave that way."""
        self._barriers[target] = threading.Barrier(parties, timeout=timeout)

    def _wait_at(self, target: str) -> None:
        barrier = self._barriers.get(target)
        if barrier is None:
            return
        try:
            barrier.wait()
        finally:
            if barrier.n_waiting == 0 and self._barriers.get(target) is barrier:
                self._barriers.pop(target, None)

    # -- the report table --------------------------------------------------------------------------

    def table_items(self) -> list[dict]:
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        items: list[dict] = []
        kwargs: dict = {"TableName": TABLE_NAME, "ConsistentRead": True}
        while True:
            page = dynamodb.scan(**kwargs)
            items.extend(page["Items"])
            if "LastEvaluatedKey" not in page:
                return sorted(items, key=lambda item: item["reportDate"]["S"])
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def report_record(self, report_date: str) -> dict | None:
        item = (
            boto3.client("dynamodb", region_name=REGION)
            .get_item(TableName=TABLE_NAME, Key={"reportDate": {"S": report_date}}, ConsistentRead=True)
            .get("Item")
        )
        return {key: next(iter(value.values())) for key, value in item.items()} if item else None

    def save_table(self, path: Path) -> None:
        """Keep the report records between demo runs, so a second run for a day says `already sent`."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.table_items(), indent=1, sort_keys=True))

    # -- what the hooks call ---------------------------------------------------------------------

    def _invoke(self, function: str, payload: bytes, response_headers: dict) -> bytes:
        fault = self.faults.take(f"lambda:{function}")
        if fault:
            # Raised as the Lambda service's error, so Step Functions reports Lambda.<code>.
            raise JsonRESTError(fault.code, fault.message)
        event = json.loads(payload or b"{}")
        context = LocalLambdaContext(function_name=function_name(function))
        # One invocation of a function at a time, as in one Lambda execution environment: the functions'
        # module state (Powertools' Metrics, cached clients and settings) serves one invocation at a time
        # there, and here every invocation shares this process (two at once lost a report's metrics flush
        # with "Must contain at least one metric").
        with self._environments[function]:
            logs = io.StringIO()
            routed = _ROUTED_STDOUT
            routed.local.buffer = logs
            started = time.perf_counter()  # includes the first import: Lambda's cold-start init
            error = None
            try:
                module = importlib.import_module(f"{function}.handler")
                # Powertools' Metrics keeps one metric set per process, shared by every Metrics object (a
                # class attribute): in Lambda each function has a process of its own, here they share one, so
                # a function's flush could take (or clear) another's metrics mid-flush ("Must contain at least
                # one metric"). The functions that publish metrics run one at a time; the lock is taken after
                # the function's own, always in that order, so no two invocations wait on each other in a ring.
                shares_metrics = any(isinstance(value, Metrics) for value in vars(module).values())
                with self._metrics_flush if shares_metrics else contextlib.nullcontext():
                    result = json.dumps(module.lambda_handler(event, context)).encode("utf-8")
            except Exception as exc:  # what Lambda does with an unhandled exception
                error = type(exc).__name__
                response_headers["x-amz-function-error"] = "Unhandled"
                result = json.dumps(
                    {
                        "errorType": error,
                        "errorMessage": str(exc),
                        "stackTrace": traceback.format_tb(exc.__traceback__),
                    }
                ).encode("utf-8")
            finally:
                routed.local.buffer = None
        with self._lock:
            self.invocations.append(
                LambdaInvocation(
                    function,
                    context.aws_request_id,
                    event,
                    error,
                    logs.getvalue(),
                    (time.perf_counter() - started) * 1000,
                )
            )
        return result


DISPATCH = "(the dispatching run)"  # StateFault.report: a fault for the run that starts the children only


@dataclass(frozen=True)
class StateFault:
    """A fault at one state's service call (a DynamoDB write, the SES send, a Lambda invoke), on the
    attempts given (0 is the first try, 1 the first retry; a redrive counts from 0 again).

    `after_effect=False`: the call fails before it reaches the service (throttled: nothing written or
    sent). `after_effect=True`: the call reaches the service and takes effect (the item is written, SES
    accepts the message, the function runs and pays for its Cost Explorer requests), then the answer is
    lost and the workflow sees only the error. Step Functions Local's mock file can only express the
    first kind; the second is what makes a retry meet its own write.

    The error is built the way botocore builds it from AWS's answer (the service's modeled exception for
    `code`, or a plain ClientError for an unmodeled one), so the integration names it as it would name
    AWS's error: `DynamoDB.<code>`, `SesV2.<modeled exception>` or `SesV2.SesV2Exception`, `Lambda.<code>`.
    `code=None` is a lost connection (no answer at all)."""

    state: str
    attempts: frozenset[int]
    code: str | None
    after_effect: bool = False
    status: int = 500
    message: str = "injected by the embedded runtime"
    # Runs while the answer is in flight (after the effect, before the error reaches the workflow), to
    # line another execution up in exactly that gap: `meanwhile=lambda: aws.run(...)`.
    meanwhile: Callable[[], object] | None = None
    # In a dispatching run: None, every execution of the run; a report id, only that report's child;
    # DISPATCH, only the dispatching execution itself.
    report: str | None = None

    @classmethod
    def on(
        cls,
        state: str,
        code: str | None,
        attempts=(0,),
        after_effect: bool = False,
        status: int | None = None,
        message: str | None = None,
        meanwhile: Callable[[], object] | None = None,
        report: str | None = None,
    ) -> StateFault:
        if status is None:
            status = 500 if after_effect else 400
        return cls(
            state,
            frozenset(attempts),
            code,
            after_effect,
            status,
            message
            or f"{code or 'connection lost'} {'after' if after_effect else 'before'} the effect, "
            "injected by the embedded runtime",
            meanwhile,
            report,
        )

    def error(self, service: str, operation: str) -> Exception:
        if self.code is None:
            from botocore.exceptions import ReadTimeoutError

            return ReadTimeoutError(endpoint_url=f"https://{service}.{REGION}.amazonaws.com")
        response = {
            "Error": {"Code": self.code, "Message": self.message},
            "ResponseMetadata": {"HTTPStatusCode": self.status, "RequestId": str(uuid.uuid4())},
        }
        exceptions = boto3.client(service, region_name=REGION).exceptions
        return exceptions.from_code(self.code)(response, operation)


@dataclass
class _ExecutionPlan:
    test_case: Any = None
    start_time: datetime | None = None
    execution_arn: str | None = None  # set for a redrive: the original execution's
    execution_name: str | None = None
    faults: tuple[StateFault, ...] = ()


def _planned_worker(original):
    from moto.stepfunctions.parser.mocking.mock_config import MockTestCase

    """Give moto's execution worker what the runtime planned for it: the mock test case, the pinned
    start time, and for a redrive the original execution's identity."""

    def get_worker(execution):
        worker = original(execution)
        plan = _ACTIVE.plan_of(execution) if _ACTIVE is not None else None
        if plan is not None:
            details = worker._evaluation_details.execution_details
            if plan.start_time is not None:
                details.start_time = plan.start_time
            if plan.execution_arn is not None:
                details.arn, details.name = plan.execution_arn, plan.execution_name
            if plan.test_case is not None:
                worker._mock_test_case = plan.test_case
            if plan.faults:
                # The interpreter hands the test case to every state's environment; the planned faults
                # ride along on it (an empty test case mocks nothing, see _is_mocked_attempt).
                if worker._mock_test_case is None:
                    worker._mock_test_case = MockTestCase(execution.name, "local-faults", [])
                worker._mock_test_case.local_state_faults = plan.faults
        return worker

    return get_worker


def _faulty_service_task(original):
    """Run a service integration's call, failing it before or after its effect where the execution's plan
    says so (StateFault)."""

    def eval_service_task(task, env, resource_runtime_part, normalised_parameters, state_credentials):
        service, operation = task._get_boto_service_name(), task._get_boto_service_action()
        # moto's integrations call the services with botocore's parameter validation off; AWS validates
        # every request, so a misspelt or mistyped parameter in the definition must fail here too.
        _validate_request(service, operation, normalised_parameters)
        fault = _planned_fault(env)
        if fault is not None and not fault.after_effect:
            if fault.meanwhile:
                fault.meanwhile()
            raise fault.error(service, operation)
        original(task, env, resource_runtime_part, normalised_parameters, state_credentials)
        if fault is not None:
            env.stack.pop()  # the answer that never arrived
            if fault.meanwhile:
                fault.meanwhile()
            raise fault.error(service, operation)

    return eval_service_task


def _sfn_request(task, parameters: dict, boto_service_name=None, service_action_name=None) -> None:
    """StartExecution's parameters as boto3 takes them: Input as JSON text, names as the API model has them."""
    if not isinstance(parameters.get("Input", ""), str):
        parameters["Input"] = json.dumps(parameters["Input"], separators=(",", ":"))
    operation = _service_model("stepfunctions").operation_model("StartExecution")
    task._to_boto_request(parameters, operation.input_shape)


def _sfn_response(task, response, boto_service_name=None, service_action_name=None) -> None:
    """boto3's answer as the integration returns it: PascalCase names, and for DescribeExecution (what
    .sync:2 waits on) the child's input and output as JSON, not text."""
    if not isinstance(response, dict):
        return
    operation = "DescribeExecution" if "status" in response or "Status" in response else "StartExecution"
    task._from_boto_response(response, _service_model("stepfunctions").operation_model(operation).output_shape)
    for key in ("Input", "Output"):
        if isinstance(response.get(key), str):
            response[key] = json.loads(response[key])
    for key, value in list(response.items()):
        if isinstance(value, datetime):
            response[key] = value.isoformat()


@functools.cache
def _service_model(service: str):
    """botocore's API model of a service: read once, not with a new client on every request."""
    return boto3.client(service, region_name=REGION).meta.service_model


class InvalidDefinition(Exception):
    """CreateStateMachine would refuse the definition (AWS answers InvalidDefinition)."""


# Optimized integrations: Resource -> (boto3 service, operation). The SDK integrations name both.
_OPTIMIZED = {
    "arn:aws:states:::lambda:invoke": ("lambda", "invoke"),
    "arn:aws:states:::dynamodb:getItem": ("dynamodb", "get_item"),
    "arn:aws:states:::dynamodb:putItem": ("dynamodb", "put_item"),
    "arn:aws:states:::dynamodb:updateItem": ("dynamodb", "update_item"),
    "arn:aws:states:::dynamodb:deleteItem": ("dynamodb", "delete_item"),
}


def check_integration_parameters(definition: dict) -> None:
    """Refuse a Task parameter its API does not have, as CreateStateMachine does ("The field ... is not
    supported by Step Functions"). moto's interpreter silently drops such a field for an optimized
    integration, which would turn a misspelt ConditionExpression into an unconditional write."""
    for name, state in definition["States"].items():
        resource = state.get("Resource", "")
        if resource in _OPTIMIZED:
            service, operation = _OPTIMIZED[resource]
        elif resource.startswith("arn:aws:states:::aws-sdk:"):
            service, action = resource.split(":")[-2:]
            operation = xform_name(action[0].upper() + action[1:])
        else:
            continue
        model = _service_model(service)
        operation_name = next((o for o in model.operation_names if xform_name(o) == operation), None)
        if operation_name is None:
            raise InvalidDefinition(f"state {name}: {service} has no operation {operation}")
        members = set(model.operation_model(operation_name).input_shape.members)
        unknown = sorted({key.removesuffix(".$") for key in state.get("Parameters", {})} - members)
        if unknown:
            raise InvalidDefinition(
                f"state {name}: the field(s) {', '.join(unknown)} are not parameters of "
                f"{service} {operation_name}; it takes: {', '.join(sorted(members))}"
            )


class InvalidIntegrationRequest(Exception):
    """A state's request does not fit the service's API model: AWS would refuse it."""


def _validate_request(service: str, operation: str, parameters: dict) -> None:
    from botocore.validate import ParamValidator

    model = _service_model(service)
    operation_name = next((name for name in model.operation_names if xform_name(name) == operation), None)
    if operation_name is None:
        raise InvalidIntegrationRequest(f"{service} has no operation {operation}")
    report = ParamValidator().validate(parameters, model.operation_model(operation_name).input_shape)
    if report.has_errors():
        raise InvalidIntegrationRequest(f"{service}.{operation_name}: {report.generate_report()}")


def _planned_fault(env) -> StateFault | None:
    faults = getattr(env.mock_test_case, "local_state_faults", ())
    if not faults:
        return None
    state = env.next_state_name
    attempt = env.states.context_object.context_object_data["State"]["RetryCount"]
    return next((f for f in faults if f.state == state and attempt in f.attempts), None)


def _mocked_errors_pass_through(original):
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEventException

    def from_error(task, env, ex):
        if isinstance(ex, FailureEventException):
            return ex.failure_event
        return original(task, env, ex)

    return from_error


def _is_mocked_attempt(env) -> bool:
    """Step Functions Local mocks every attempt of a listed state and fails when an attempt has no
    mocked response. Here an attempt beyond the mocked ones calls the real integration, so a test
    case can say "throttle twice, then behave" without inventing the success payload."""
    if env.mock_test_case is None:
        return False
    responses = env.mock_test_case.state_mocked_responses.get(env.next_state_name)
    if responses is None:
        return False
    if _ACTIVE is not None and _ACTIVE.strict_mocks:
        return True
    retry_count = env.states.context_object.context_object_data["State"]["RetryCount"]
    return retry_count < len(responses.mocked_responses)


def _start_cold() -> None:
    """Each EmbeddedAWS is a new deployment, so its functions' execution environments start cold: what an
    earlier one in this process left in the functions' modules (settings read once from the environment,
    a chat webhook URL kept for CHAT_SECRET_MAX_AGE_SECONDS, clients) is dropped, and the first invocation
    of each function imports it again (about 0.2 s for all four)."""
    for module in list(sys.modules):
        if module.split(".")[0] in FUNCTIONS:
            del sys.modules[module]


def _active() -> EmbeddedAWS:
    if _ACTIVE is None:
        raise RuntimeError("no EmbeddedAWS is running")
    return _ACTIVE


def _invoke_in_process(backend, function_name_or_arn, qualifier, body, headers, response_headers):
    name = function_name_or_arn.split(":")[-1] if function_name_or_arn.startswith("arn:") else function_name_or_arn
    functions = {function_name(f): f for f in FUNCTIONS}
    if name not in functions:
        raise JsonRESTError("ResourceNotFoundException", f"Function not found: {function_name_or_arn}")
    return _active()._invoke(
        functions[name], body if isinstance(body, bytes) else (body or "").encode(), response_headers
    )


def _get_cost_and_usage(backend, body: str) -> dict:
    runtime = _active()
    fault = runtime.faults.take("ce:GetCostAndUsage")
    if fault:
        raise JsonRESTError(fault.code, fault.message)
    try:
        if runtime.answer_cost_explorer is not None:
            runtime.cost_explorer.requests.append(json.loads(body))
            return runtime.answer_cost_explorer(json.loads(body))
        return runtime.cost_explorer.get_cost_and_usage(json.loads(body))
    except CostExplorerError as error:
        raise JsonRESTError(error.code, error.message) from None


def _ses_get_account(response) -> str:
    """SESv2 GetAccount, which moto lacks: the account's sending quota as the API returns it
    (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_GetAccount.html), the send rate the
    runtime was given; a production account (out of the sandbox) with sending enabled."""
    runtime = _active()
    fault = runtime.faults.take("sesv2:GetAccount")
    if fault:
        raise JsonRESTError(fault.code, fault.message)
    return json.dumps(
        {
            "DedicatedIpAutoWarmupEnabled": False,
            "EnforcementStatus": "HEALTHY",
            "ProductionAccessEnabled": True,
            "SendingEnabled": True,
            "SendQuota": {
                "Max24HourSend": 50000.0,
                "MaxSendRate": float(runtime.ses_max_send_rate),
                "SentLast24Hours": float(len(runtime.mailbox)),
            },
        }
    )


def _recorded_wait(wait_function, env, wait_seconds: int) -> None:
    """A Wait state's interval, recorded instead of slept: the embedded run's clock is pinned (or real
    time does not matter to it), and StartEachReport's one-second pacing would otherwise make a run of
    1,000 reports take minutes of sleeping.

    What the Wait stands for is kept, though: on AWS the pace holds the children in flight to what the
    account can run (each in its own Lambda containers); here every execution shares one process, and a
    thousand children started at once would each get a thousandth of it, their tasks running past their
    TimeoutSeconds. So the Wait holds its item until fewer than max_running_executions are running."""
    runtime = _ACTIVE
    if runtime is None:
        return
    with runtime._lock:
        runtime.waits.append(wait_seconds)
    while runtime.running_executions > runtime.max_running_executions:
        time.sleep(0.01)


def _counted(original):
    """An execution's whole evaluation, counted in EmbeddedAWS.running_executions while it runs."""

    def execution_logic(worker) -> None:
        runtime = _ACTIVE
        if runtime is not None:
            with runtime._lock:
                runtime.running_executions += 1
        try:
            original(worker)
        finally:
            if runtime is not None:
                with runtime._lock:
                    runtime.running_executions -= 1

    return execution_logic


def _emulated_map_run(original):
    """A Distributed Map's Map Run with what moto leaves out: its item executions' events are kept
    (EmbeddedAWS.map_items), and its ToleratedFailurePercentage/Count, which moto parses and ignores (its
    Map Run succeeds whatever its items do), is applied: AWS fails the Map Run with
    States.ExceedToleratedFailureThreshold when more items fail than tolerated
    (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html, "Tolerated failure
    threshold"); both default to 0."""
    from moto.stepfunctions.parser.api import ExecutionFailedEventDetails, HistoryEventType
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
        FailureEvent,
        FailureEventException,
    )
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import StatesErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
        StatesErrorNameType,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    def map_run(component, env, eval_input) -> None:
        try:
            original(component, env, eval_input)
        finally:  # the item executions' events, which moto keeps nowhere: EmbeddedAWS.map_items(run)
            if _ACTIVE is not None:
                with _ACTIVE._lock:
                    _ACTIVE.map_run_events[eval_input.map_run_record.map_run_arn] = list(
                        env.event_manager.get_event_history()
                    )
        counter = eval_input.map_run_record.item_counter
        failed = counter.failed.get() + counter.timed_out.get() + counter.aborted.get()
        total = counter.total.get()
        tolerated_count = eval_input.tolerated_failure_count or 0
        tolerated_percentage = eval_input.tolerated_failure_percentage or 0.0
        if failed <= tolerated_count or 100.0 * failed / max(1, total) <= tolerated_percentage:
            return
        error = StatesErrorNameType.StatesExceedToleratedFailureThreshold.to_name()
        cause = (
            f"The Map Run's failed items ({failed} of {total}) exceed its tolerated failures "
            f"({tolerated_percentage:g}% or {tolerated_count} items)"
        )
        raise FailureEventException(
            failure_event=FailureEvent(
                env=env,
                error_name=StatesErrorName(typ=StatesErrorNameType.StatesExceedToleratedFailureThreshold),
                event_type=HistoryEventType.ExecutionFailed,
                event_details=EventDetails(
                    executionFailedEventDetails=ExecutionFailedEventDetails(error=error, cause=cause)
                ),
            )
        )

    return map_run


# DynamoDB applies a conditional write atomically: the condition is evaluated against the item as it is
# and the write made only if it holds, with no other write in between ("Conditional writes",
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate).
# moto checks, then writes, without a lock, so two executions' claims released together by hold_together
# could both pass `attribute_not_exists` (seen once: TenExecutionsAtOnce with two claims). Each write runs
# alone here; a barrier is waited at before the lock, never inside it.
_DYNAMODB_WRITES = threading.Lock()


def _atomic_write(original):
    def write(response):
        with _DYNAMODB_WRITES:
            return original(response)

    return write


def _held_put_item(original):
    atomic = _atomic_write(original)

    def put_item(response):
        if _ACTIVE is not None:
            _ACTIVE._wait_at("dynamodb:PutItem")
        return atomic(response)

    return put_item


def _recording_send_email(original):
    def send_email(response) -> str:
        runtime = _active()
        fault = runtime.faults.take("sesv2:SendEmail")
        if fault:
            raise JsonRESTError(fault.code, fault.message)
        result = original(response)
        body = result[2] if isinstance(result, tuple) else result
        message_id = json.loads(body)["MessageId"]
        with runtime._lock:
            runtime.mailbox.append(SentEmail(message_id, json.loads(response.body), datetime.now(UTC)))
        return result

    return send_email


@contextlib.contextmanager
def _patched_attribute(owner, name: str, value):
    missing = object()
    original = owner.__dict__.get(name, missing) if isinstance(owner, type) else getattr(owner, name, missing)
    setattr(owner, name, value)
    try:
        yield
    finally:
        if original is missing:
            delattr(owner, name)
        else:
            setattr(owner, name, original)


# Each definition moto has parsed in this process: the program it evaluates, pickled, and ANTLR's parse tree.
_PARSED: dict[str, tuple[bytes, Any]] = {}
# Parsed programs kept between processes (`make demo` twice, each test worker), by the definition's digest
# and the versions that shape the pickle. Only this runtime writes them; `make clean` removes them.
PARSE_CACHE = ROOT / "build" / "asl-cache"


def _parsed_once(parse):
    """moto parses the definition with ANTLR's pure-Python runtime when the state machine is created and
    again for every execution it starts: 100 ms to 1 s each here, most of a test's or the demo's time. The
    same text always parses to the same program, so it is parsed once (per machine: PARSE_CACHE) and each
    execution gets its own copy of the program (unpickled: about 2 ms, and nothing one execution does to its
    program can reach another's). The parse tree is only read (moto's static analysers visit it), so it is
    shared, and parsed only if something asks for it. A definition that does not parse raises as before and
    is not kept."""

    def parse_once(definition: str):
        parsed = _PARSED.get(definition)
        if parsed is None:
            program = _cached_program(definition)
            if program is None:
                program_object, tree = parse(definition)
                program = pickle.dumps(program_object)
                _store_program(definition, program)
            else:
                tree = _LazyTree(lambda: parse(definition)[1])
            parsed = _PARSED[definition] = (program, tree)
        return pickle.loads(parsed[0]), parsed[1]

    return staticmethod(parse_once)


def _program_path(definition: str) -> Path:
    import moto

    key = f"{moto.__version__}|{sys.version}|{definition}".encode()
    return PARSE_CACHE / f"{hashlib.sha256(key).hexdigest()}.pickle"


def _cached_program(definition: str) -> bytes | None:
    try:
        return _program_path(definition).read_bytes()
    except OSError:
        return None


def _store_program(definition: str, program: bytes) -> None:
    """Written whole or not at all (a temporary file renamed), so a process never reads half of one."""
    path = _program_path(definition)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{uuid.uuid4().hex}.tmp")
        temporary.write_bytes(program)
        temporary.replace(path)
    except OSError:
        pass  # only a cache: the next process parses again


def _import_step_functions_without_batch() -> None:
    """moto's Step Functions interpreter imports `moto.batch.utils` for one enum (its Batch integration's job
    statuses), and importing it runs moto.batch's package, which imports moto.ec2: a second of every
    process's start, for a service the definition never calls. So the interpreter is imported with a bare
    `moto.batch` package in place (its folder, none of its __init__); `moto.batch.utils` loads from it as
    usual, and the bare package is removed again, so anything that does import moto.batch later gets the
    whole of it."""
    if "moto.batch" in sys.modules:
        return
    spec = importlib.util.find_spec("moto.batch")
    if spec is None or spec.submodule_search_locations is None:
        return
    bare = importlib.util.module_from_spec(spec)  # the package object; its __init__ is not run
    sys.modules["moto.batch"] = bare
    try:
        importlib.import_module("moto.stepfunctions.parser.backend.execution")
    finally:
        if sys.modules.get("moto.batch") is bare:
            del sys.modules["moto.batch"]


class _LazyTree:
    """A parse tree parsed on first use: a program read from PARSE_CACHE has no tree beside it, and only
    moto's static analysers (describing an execution's state machine) ever read one."""

    def __init__(self, parse_tree) -> None:
        self._parse_tree = functools.cache(parse_tree)

    def __getattr__(self, name: str):
        return getattr(self._parse_tree(), name)


@contextlib.contextmanager
def _patched_item(mapping: dict, key: str, value):
    missing = object()
    original = mapping.get(key, missing)
    mapping[key] = value
    try:
        yield
    finally:
        if original is missing:
            mapping.pop(key, None)
        else:
            mapping[key] = original


@contextlib.contextmanager
def _quiet_logger(name: str):
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)

"""An explicit-state model check of the claim/send/mark protocol, read from the definition itself.

The protocol that keeps a day's report to one email lives in three places at once: the DynamoDB
ConditionExpressions, the order of the Choice rules, and the Retry/Catch of each Task. A hand-written
copy of it in a model would drift from the file. So this module does not describe the protocol: it
*interprets* state_machine/cost_notifier.asl.json (JSONPath; placeholders left as they are; the report
declarations, which Terraform writes to S3 for the resolver, are the model's own) with a small
Step Functions interpreter over an abstract world (one DynamoDB record for the day, the list of emails
SES accepted, the list of messages the report's chat channels took), and explores every interleaving of
2 or 3 executions of one report for the same day (child executions, and manual runs of that report), with
faults and redrives, checking the safety properties in every state where all executions have ended. The
chat posts after the email (PostToChat) are an Inline Map, one channel at a time, which it interprets
too: its items, ItemSelector and iteration states, each iteration's post fenced on the record. The
dispatch that starts a child per due report (StartEachReport) touches neither the record nor SES: it is
declared out of scope, in one checked shape.

Anything in the definition outside what the interpreter understands (a state type, a resource, a
Choice operator, a piece of DynamoDB expression grammar) raises UnsupportedDefinition instead of being
skipped, so a change to the definition cannot silently step outside the model.

Run it: `python -m tests.model.claim_protocol [definition.asl.json] [--deep] [--channels=N]
[--redrive-iterations=start|failed|both]`. See docs/model-check.md.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from tests import aws_contract

DEFINITION = Path(__file__).resolve().parents[2] / "state_machine" / "cost_notifier.asl.json"
DAY = "2026-11-20"
KINDS = ("scheduled", "manual", "forced")
# What the model runs: executions of ONE report for one period, which is what each child execution started
# by a dispatching run is (docs/decisions/0009-one-child-execution-per-report.md), and what an operator's
# manual run of one report is. Their inputs, per kind of run: a scheduled run's child carries the period
# and trigger its parent resolved; a manual run names a day of the report's period, and may force a resend.
REPORT = "daily"
KIND_INPUTS = {
    "scheduled": {"report": REPORT, "period": DAY, "trigger": "schedule"},
    "manual": {"report": REPORT, "date": DAY},
    "forced": {"report": REPORT, "date": DAY, "force": True},
}
# The deployment's report declarations, as Terraform writes them to S3 (config/reports.json, JSON text):
# the default report, which is keyed by the day alone, with its chat channels ({name, type}, as
# terraform/main.tf's local.reports resolves them). The model's resolver reads these; RenderEmail's
# abstract result renders one chat message per channel (Model.lambda_result).
REPORTS = {REPORT: {"recipients": ["finops@example.com"], "chat": [{"name": "ops", "type": "slack"}]}}
# The channel a second one adds (Bounds.channels = 2, as --deep runs).
SECOND_CHANNEL = {"name": "finance", "type": "teams"}


def reports_with(channels: int) -> dict:
    """The model's declarations with the daily report posting to `channels` channels (0, 1 or 2)."""
    chat = (REPORTS[REPORT]["chat"] + [SECOND_CHANNEL])[:channels]
    if channels > 2:
        raise ValueError("the model declares at most 2 chat channels")
    return {**REPORTS, REPORT: {**REPORTS[REPORT], "chat": chat}}


def resolver_declarations(reports: dict) -> dict:
    """The declarations as the resolver reads them: whole, `chat` included (report_contract.spec parses it
    and ResolveReportDate passes it on in the request; RenderEmail renders a message per channel, which is
    what the definition's PostToChat iterates over: $.email.chat)."""
    return reports


# Time is not modelled: every execution starts at this instant (the day after DAY), and a redrive keeps it.
STARTED_AT = "2026-11-21T08:00:05+00:00"
HISTORY_MONTHS = 13
# What the resolver's handler requires in its event (functions/resolve_report_date/handler.py).
RESOLVER_PAYLOAD = {"input", "executionStartTime", "executionName"}


@functools.cache
def _resolved(execution_input: str, execution_name: str, reports: str) -> str:
    from datetime import datetime

    from resolve_report_date.handler import read_reports
    from resolve_report_date.report_date import resolve

    started_at = datetime.fromisoformat(STARTED_AT)
    resolved = resolve(json.loads(execution_input), started_at, HISTORY_MONTHS, read_reports(reports), execution_name)
    return json.dumps(resolved.to_state())


def resolver_payload(execution_input: dict, execution_name: str = "E1", reports: str | None = None) -> dict:
    """What functions/resolve_report_date returns for this execution input: the function itself (its
    handler's reading of the declarations, then its pure core), so a field it adds or renames reaches the
    model without a copy to update. `reports` is the declarations' JSON text (the model's, by default)."""
    reports = json.dumps(resolver_declarations(REPORTS)) if reports is None else reports
    return json.loads(_resolved(json.dumps(execution_input, sort_keys=True), execution_name, reports))


class UnsupportedDefinition(ValueError):
    """The definition uses something the model does not know how to interpret."""


# ---------------------------------------------------------------------------------------------------
# Frozen values: world states are memoised, so everything in them must be hashable.


class FrozenMap(tuple):
    """A JSON object as a sorted tuple of (key, value) pairs: hashable, and equal when the JSON is."""

    _MISSING = object()

    def __hash__(self):  # worlds are hashed millions of times; tuples do not keep their hash
        try:
            return self._hash
        except AttributeError:
            self._hash = tuple.__hash__(self)
            return self._hash

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def has(self, key) -> bool:
        return self.get(key, self._MISSING) is not self._MISSING


_INTERNED: dict = {}


def frozen_map(pairs) -> FrozenMap:
    """One object per distinct map: worlds then share their parts, and comparing them is mostly `is`."""
    new = FrozenMap(sorted(pairs))
    return _INTERNED.setdefault(new, new)


def freeze(value):
    if isinstance(value, dict):
        return frozen_map((k, freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value):
    if isinstance(value, FrozenMap):
        return {k: thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


class Opaque(str):
    """A value the model does not compute (a Lambda's figures, a timestamp): only its origin matters.
    A str, for its cached hash; its text, "<name>", cannot equal a value the definition compares with."""

    def __new__(cls, name: str):
        return super().__new__(cls, f"<{name}>")

    @property
    def name(self) -> str:
        return self[1:-1]


@dataclass(frozen=True)
class OpaqueMap:
    """A Lambda's result the model computes in part: `known` fields are the model's (RenderEmail's chat
    messages, one per channel, which the definition iterates over); any other field is an Opaque value."""

    origin: str
    known: FrozenMap

    def field(self, key: str):
        return self.known.get(key) if self.known.has(key) else Opaque(f"{self.origin}.{key}")


class MissingPath(Exception):
    """A JSONPath that selects nothing: Step Functions fails the execution with States.Runtime."""


# ---------------------------------------------------------------------------------------------------
# JSONPath, the subset the definition uses: $, $.a.b, $$.Context.field. One intrinsic is computed,
# States.Format('<text>{}<text>', $.path) with one argument (a chat channel's attribute name is built
# with it); any other intrinsic is an opaque value, and inside a Map iteration (where it could name an
# attribute of the record) refused.

_SIMPLE_PATH = re.compile(r"\$\$?(\.[A-Za-z_][A-Za-z0-9_]*)*")
_JSONPATH_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def check_path(path: str) -> None:
    if not isinstance(path, str) or not _SIMPLE_PATH.fullmatch(path):
        raise UnsupportedDefinition(f"JSONPath outside the model's subset ($.a.b, $$.a.b): {path!r}")


def resolve(path: str, doc, context):
    node = context if path.startswith("$$") else doc
    for key in path.lstrip("$").split(".")[1:]:
        if isinstance(node, Opaque):
            node = Opaque(f"{node.name}.{key}")
        elif isinstance(node, OpaqueMap):
            node = node.field(key)
        elif isinstance(node, FrozenMap) and node.has(key):
            node = node.get(key)
        elif isinstance(node, dict) and key in node:
            node = node[key]
        else:
            raise MissingPath(path)
    return node


_FORMAT = re.compile(r"States\.Format\('([^'{}\\]*)\{\}([^'{}\\]*)',\s*(\$[^\s,()]*)\)")


def check_template(template, only_format: bool = False) -> None:
    """Refuse, when the definition is loaded, any ".$" value the evaluator below cannot evaluate.
    `only_format`: an intrinsic other than the one computed (States.Format's one shape) is refused."""
    if isinstance(template, dict):
        for key, value in template.items():
            if key.endswith(".$") and isinstance(value, str) and value.startswith("States."):
                format_ = _FORMAT.fullmatch(value)
                if format_ is not None:
                    check_path(format_.group(3))
                elif only_format:
                    raise UnsupportedDefinition(
                        f"intrinsic {value!r}: only States.Format('<text>{{}}', $.path) is computed by the model"
                    )
            elif key.endswith(".$"):
                check_path(value)
            else:
                check_template(value, only_format)
    elif isinstance(template, list):
        for value in template:
            check_template(value, only_format)


def intrinsic(expression: str, doc, context):
    """States.Format('<text>{}<text>', $.path) of a string, computed; any other intrinsic is opaque."""
    format_ = _FORMAT.fullmatch(expression)
    if format_ is None:
        return Opaque(expression)
    before, after, path = format_.groups()
    value = resolve(path, doc, context)
    if not isinstance(value, str) or isinstance(value, Opaque):
        raise UnsupportedDefinition(f"{expression}: formats {path}, a value the model does not compute")
    return f"{before}{value}{after}"


def evaluate(template, doc, context):
    """Parameters / ResultSelector / ItemSelector / Pass Parameters: ".$" keys are paths or intrinsics."""
    if isinstance(template, dict):
        out = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = (
                    intrinsic(value, doc, context) if value.startswith("States.") else resolve(value, doc, context)
                )
            else:
                out[key] = evaluate(value, doc, context)
        return out
    if isinstance(template, list):
        return [evaluate(value, doc, context) for value in template]
    return template


def set_path(doc: FrozenMap, path: str | None, value) -> FrozenMap:
    """ResultPath: "$" replaces the input, null keeps it, "$.a.b" sets a field (creating parents)."""
    if path is None:
        return doc
    keys = path.split(".")[1:]
    if not keys:
        return freeze(value)

    def put(node, keys):
        node = dict(node) if isinstance(node, FrozenMap) else {}
        node[keys[0]] = freeze(value) if len(keys) == 1 else put(node.get(keys[0]), keys[1:])
        return frozen_map(node.items())

    return put(doc, keys)


# ---------------------------------------------------------------------------------------------------
# DynamoDB expressions, the subset the definition uses:
#   attribute_not_exists(path), a = :v, a <> :v, a IN (:v1, :v2), AND, OR, NOT, ( ), #name placeholders
#   SET a = :v, b = :w
# Paths are top-level attribute names only. Precedence is DynamoDB's: NOT, then AND, then OR.

_TOKEN = re.compile(
    r"\s*(?:(?P<punct>[(),])|(?P<op><>|<=|>=|=|<|>)|(?P<value>:[A-Za-z0-9_]+)"
    r"|(?P<name>#[A-Za-z0-9_]+)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<other>\S))"
)
_KEYWORDS = {"AND", "OR", "NOT", "IN", "BETWEEN", "SET", "REMOVE", "ADD", "DELETE"}
# A few of DynamoDB's 573 reserved words that a plain attribute name in this table could plausibly be:
# DynamoDB rejects the request (ValidationException) when an expression uses one without a #name.
_RESERVED = {"STATUS", "DATE", "NAME", "TIME", "TIMESTAMP", "COUNT", "VALUE", "USER", "TRIGGER", "TOTAL", "TTL"}


def _tokens(text: str):
    out = []
    for match in _TOKEN.finditer(text.strip()):
        kind = match.lastgroup
        token = match.group(kind)
        if kind == "other":
            raise UnsupportedDefinition(f"expression syntax outside the model's subset ({token!r}): {text!r}")
        if kind == "op" and token not in ("=", "<>"):
            raise UnsupportedDefinition(f"comparator {token} is outside the model's subset: {text!r}")
        out.append((kind, token))
    return out


class _Parser:
    def __init__(self, text: str):
        self.text, self.tokens, self.at = text, _tokens(text), 0

    def refuse(self, why: str):
        raise UnsupportedDefinition(f"{why} in {self.text!r}")

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else (None, None)

    def take(self, token=None):
        kind, text = self.peek()
        if kind is None or (token is not None and text.upper() != token):
            self.refuse(f"expected {token or 'more'}, found {text!r}")
        self.at += 1
        return kind, text

    def keyword(self, word) -> bool:
        kind, text = self.peek()
        if kind == "word" and text.upper() == word:
            self.at += 1
            return True
        return False

    def done(self):
        if self.at != len(self.tokens):
            self.refuse(f"unexpected {self.peek()[1]!r}")

    def path(self):
        kind, text = self.take()
        if kind == "name":
            return ("path", text)
        if kind == "word" and text.upper() not in _KEYWORDS:
            if text.upper() in _RESERVED:
                self.refuse(f"{text} is a DynamoDB reserved word: it needs a #name placeholder")
            if self.peek()[1] == "(":
                self.refuse(f"function {text}() is outside the model's subset")
            return ("path", text)
        self.refuse(f"expected an attribute name, found {text!r}")

    def operand(self):
        kind, text = self.peek()
        if kind == "value":
            self.at += 1
            return ("value", text)
        return self.path()

    # condition := disjunction
    def condition(self):
        node = self.conjunction()
        while self.keyword("OR"):
            node = ("or", node, self.conjunction())
        return node

    def conjunction(self):
        node = self.negation()
        while self.keyword("AND"):
            node = ("and", node, self.negation())
        return node

    def negation(self):
        if self.keyword("NOT"):
            return ("not", self.negation())
        return self.atom()

    def atom(self):
        kind, text = self.peek()
        if text == "(":
            self.take()
            node = self.condition()
            self.take(")")
            return node
        if kind == "word" and text.lower() == "attribute_not_exists" and self.tokens[self.at + 1][1] == "(":
            self.at += 1
            self.take("(")
            node = ("not_exists", self.path())
            self.take(")")
            return node
        left = self.operand()
        kind, text = self.peek()
        if text in ("=", "<>"):
            self.take()
            return ("=" if text == "=" else "<>", left, self.operand())
        if self.keyword("IN"):
            self.take("(")
            options = [self.operand()]
            while self.peek()[1] == ",":
                self.take()
                options.append(self.operand())
            self.take(")")
            return ("in", left, tuple(options))
        self.refuse(f"expected =, <> or IN after {left[1]}, found {text!r}")


def parse_condition(text: str):
    parser = _Parser(text)
    node = parser.condition()
    parser.done()
    return node


def parse_update(text: str):
    """UpdateExpression: SET a = operand (, b = operand)*. Anything else (REMOVE, ADD, +, functions) is refused."""
    parser = _Parser(text)
    if not parser.keyword("SET"):
        parser.refuse("only SET update expressions are in the model's subset")
    actions = []
    while True:
        target = parser.path()
        parser.take("=")
        actions.append((target, parser.operand()))
        if parser.peek()[1] != ",":
            break
        parser.take()
    parser.done()
    return tuple(actions)


def _leaves(node):
    """The (kind, text) operands of an expression tree."""
    if isinstance(node, tuple) and node[:1] in (("path",), ("value",)):
        yield node
    elif isinstance(node, tuple):
        for part in node:
            yield from _leaves(part)


def _template_paths(template) -> set[str]:
    if isinstance(template, dict):
        return {v for k, v in template.items() if k.endswith(".$")} | {
            p for k, v in template.items() if not k.endswith(".$") for p in _template_paths(v)
        }
    if isinstance(template, list):
        return {p for v in template for p in _template_paths(v)}
    return set()


def expression_references(node, found=None):
    """Every #name and :value an expression tree uses (DynamoDB rejects unused or undefined ones)."""
    found = set() if found is None else found
    if isinstance(node, tuple) and node[:1] in (("path",), ("value",)):
        if node[1][:1] in ("#", ":"):
            found.add(node[1])
    elif isinstance(node, tuple):
        for part in node:
            expression_references(part, found)
    return found


def _attribute(node, item, names, values):
    """An operand's value: the item's typed attribute ({"S": "x"}), an expression value, or None if absent."""
    kind, text = node
    if kind == "value":
        value = values[text]
    else:
        value = item.get(names[text] if text.startswith("#") else text) if item is not None else None
    if value is not None and any(isinstance(v, Opaque) for _, v in value):
        # A timestamp or a Lambda's figure: the model gives them all one value, so comparing them means nothing.
        raise UnsupportedDefinition(f"a condition compares {text}, a value the model does not compute")
    return value


def holds(node, item, names, values) -> bool:
    """Evaluate a condition against the item as DynamoDB does: an absent attribute equals nothing, so
    `a = :v` and `a IN (...)` are false and `a <> :v` is true when `a` is absent; typed values compare
    type and value ({"S": "1"} is not {"N": "1"})."""
    op = node[0]
    if op == "or":
        return holds(node[1], item, names, values) or holds(node[2], item, names, values)
    if op == "and":
        return holds(node[1], item, names, values) and holds(node[2], item, names, values)
    if op == "not":
        return not holds(node[1], item, names, values)
    if op == "not_exists":
        return _attribute(node[1], item, names, values) is None
    left = _attribute(node[1], item, names, values)
    if op == "=":
        return left is not None and left == _attribute(node[2], item, names, values)
    if op == "<>":
        return left is None or left != _attribute(node[2], item, names, values)
    if op == "in":
        return left is not None and any(left == _attribute(o, item, names, values) for o in node[2])
    raise AssertionError(op)


# ---------------------------------------------------------------------------------------------------
# The definition, checked and compiled once.

LAMBDA = aws_contract.LAMBDA_INVOKE
GET, PUT, UPDATE = aws_contract.DYNAMODB
SEND = aws_contract.SES_SEND
# The model knows what each Lambda returns; a new function could have effects, so an unknown one is refused.
RESOLVER = "${resolve_report_date_function_arn}"
RENDER = "${render_email_function_arn}"
EFFECT_FREE_LAMBDAS = {"${fetch_costs_function_arn}", RENDER}
# The one Lambda with an effect on the world: one HTTP POST of a rendered message to a chat channel's
# webhook (functions/post_chat), its event the channel ({name, type}) and the message.
POST_CHAT = "${post_chat_function_arn}"
POST_CHAT_PAYLOAD = {"channel", "message"}
TABLE = "${table_name}"
# Every execution in a scenario reports on the same day, so all of them address one record: keyed by the
# day (v1) or by the report key, which for the daily report is the day itself (resolve_report_date).
KEYS = ({"reportDate": {"S.$": "$.request.reportDate"}}, {"reportDate": {"S.$": "$.request.reportKey"}})
# The previous period's record (ReadPreviousReport, for the "Revised" line): another record, which no
# execution of the modelled period writes. A read of it is modelled as a read of nothing (answered absent,
# as on a report's first day), and only where that is sound (Protocol._check_other_read): a GetItem, whose
# answer no decision reads (only an effect-free Lambda's payload), with any fault handled as written.
OTHER_RECORD_KEYS = ({"reportDate": {"S.$": "$.request.previousKey"}},)
# What a read of it may ask for besides the modelled GetItem's parameters: only some attributes.
_PROJECTION_PARAMETERS = {"ProjectionExpression", "ExpressionAttributeNames"}
CCF = "DynamoDB.ConditionalCheckFailedException"

# The errors a fault raises, named as Step Functions names them, from the project's one table of AWS's
# error names (tests/aws_contract.py). BEFORE: nothing happened. AFTER: the write or the send happened
# and the answer was lost. Whether each is retried or caught is read from the definition, never assumed.
# DynamoDB's answer can be lost after the write as a 5xx (InternalServerError) or no answer at all
# (AmazonDynamoDBException); throttling comes before it. SES throttling and its final errors come before
# acceptance; an answer lost after acceptance is the unknown-outcome error. A Lambda here has no effect.
_DDB_AFTER = ("DynamoDB.InternalServerError", "DynamoDB.AmazonDynamoDBException")
_DDB = (tuple(aws_contract.TRANSIENT[GET]), _DDB_AFTER)
if not set(_DDB_AFTER) <= set(aws_contract.TRANSIENT[PUT]):  # a renamed error must not fall out of the model
    raise ImportError(f"tests/aws_contract.py no longer names {_DDB_AFTER}")
FAULTS = {
    LAMBDA: (tuple(aws_contract.TRANSIENT[LAMBDA]) + ("FunctionError",), ()),
    GET: (_DDB[0], ()),
    PUT: _DDB,
    UPDATE: _DDB,
    SEND: (
        tuple(aws_contract.TRANSIENT[SEND]) + tuple(sorted(aws_contract.SES_FINAL)),
        (aws_contract.SES_UNKNOWN_OUTCOME,),
    ),
}
# post_chat's errors (the function's own names, which the definition's Retry names): raised before anything
# could be posted (the webhook answered 5xx, could not be reached, its secret could not be read, it
# throttled with no usable Retry-After; or it refused the message, 4xx), or after the request was sent with
# no answer in time: the message may have been posted (ChatWebhookUnanswered). Lambda's own errors can come
# before the function ran (throttled) or, except throttling, after it posted; so can an unhandled error in
# the function. Which of them the definition retries is read from it, never assumed.
CHAT_NOT_POSTED = ("ChatWebhookFailed", "ChatWebhookUnreachable", "ChatSecretUnavailable", "ChatWebhookThrottled")
CHAT_REJECTED = "ChatWebhookRejected"
CHAT_UNANSWERED = "ChatWebhookUnanswered"
_LAMBDA_AFTER_RUN = ("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException")
if not set(_LAMBDA_AFTER_RUN) <= set(aws_contract.TRANSIENT[LAMBDA]):
    raise ImportError(f"tests/aws_contract.py no longer names {_LAMBDA_AFTER_RUN}")
EFFECT_FAULTS = {
    POST_CHAT: (
        FAULTS[LAMBDA][0] + CHAT_NOT_POSTED + (CHAT_REJECTED, CHAT_UNANSWERED),
        (CHAT_UNANSWERED,) + _LAMBDA_AFTER_RUN + ("FunctionError",),
    )
}
# A Task with a timeout can also fail with States.Timeout, before or after its effect.
TIMEOUT = "States.Timeout"
_DYNAMODB_PARAMETERS = {
    GET: {"TableName", "Key", "ConsistentRead"},
    PUT: {"TableName", "Item", "ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"},
    UPDATE: {
        "TableName",
        "Key",
        "UpdateExpression",
        "ConditionExpression",
        "ExpressionAttributeNames",
        "ExpressionAttributeValues",
    },
}
_STATE_FIELDS = {
    "Task": {
        "Type",
        "Comment",
        "Resource",
        "Parameters",
        "ResultSelector",
        "ResultPath",
        "Retry",
        "Catch",
        "Next",
        "End",
        "TimeoutSeconds",
        "HeartbeatSeconds",
    },
    "Choice": {"Type", "Comment", "Choices", "Default"},
    "Pass": {"Type", "Comment", "Parameters", "Result", "ResultPath", "Next", "End"},
    # An Inline Map, its iterations one at a time (MaxConcurrency 1): the only Map a one-report run may enter.
    "Map": {
        "Type",
        "Comment",
        "ItemsPath",
        "ItemSelector",
        "MaxConcurrency",
        "ItemProcessor",
        "ResultPath",
        "Next",
        "End",
    },
}
# The states a Map iteration may hold: no Map in a Map.
_ITERATION_TYPES = {"Task", "Choice", "Pass"}
_CHOICE_TESTS = {"IsPresent", "IsNull", "BooleanEquals", "StringEquals"}
# The dispatch: a dispatching run (a schedule, or a manual run for a day) starts one child execution of
# this state machine per due report and ends. It is outside the claim protocol: it touches neither the
# record nor SES, and each child it starts is a one-report run, which is what the model runs. So the model
# declares it out of scope, but only in the shape that makes that true (Protocol._dispatch): states
# reachable only through the branches a Choice takes when `$.due` is not null (a one-report run's `due` is
# null), never leading back to a one-report run's states, and doing nothing that could touch the record or
# SES: Pass, Choice, Wait, Succeed, Fail, an effect-free Lambda, a Map of the same (inline, or distributed
# with its items read from S3 and its results written there: the run data, not the record), and
# StartExecution of this same state machine with a one-report input. Its idempotence is tested on the
# embedded runtime (tests/workflow/test_reports.py).
START_EXECUTION = "arn:aws:states:::states:startExecution"
THIS = "$$.StateMachine.Id"
S3_GET = "arn:aws:states:::s3:getObject"
S3_PUT = "arn:aws:states:::s3:putObject"
RUN_DATA_BUCKET = "${shared_costs_bucket}"
DUE = "$.due"
_EFFECT_FREE_TYPES = {"Pass", "Choice", "Wait", "Succeed", "Fail"}
_DISPATCH_MAP_FIELDS = {
    "Type",
    "Comment",
    "ItemsPath",
    "ItemSelector",
    "Parameters",
    "MaxConcurrency",
    "MaxConcurrencyPath",
    "ItemProcessor",
    "ItemReader",
    "ResultWriter",
    "ToleratedFailureCount",
    "Label",
    "ResultSelector",
    "ResultPath",
    "Retry",
    "Catch",
    "Next",
    "End",
}


class Protocol:
    """The definition, validated against what the model can interpret."""

    def __init__(self, text: str):
        asl = json.loads(text)
        if asl.get("QueryLanguage", "JSONPath") != "JSONPath":
            raise UnsupportedDefinition("only JSONPath definitions are modelled")
        self.start = asl["StartAt"]
        # The states of a one-report run, which the model interprets, and the dispatch, which it does not;
        # switches: the Choices that send a run with `due` to the dispatch (name -> their first rule's IsNull).
        self.switches: dict[str, bool] = {}
        self.dispatch: dict[str, dict] = self._dispatch(asl["States"])
        self.states: dict[str, dict] = {n: st for n, st in asl["States"].items() if n not in self.dispatch}
        # The states of the Inline Maps' iterations (name -> state; names are unique in a definition), the
        # Map each belongs to, and each one's rank in its iteration (1 for its StartAt).
        self.iteration_states: dict[str, dict] = {}
        self.map_of: dict[str, str] = {}
        self.iteration_order: dict[str, int] = {}
        self.conditions: dict[str, Any] = {}
        self.updates: dict[str, Any] = {}
        self.other_reads: set[str] = set()  # reads of the previous period's record (OTHER_RECORD_KEYS)
        for name, state in self.states.items():
            self._check_state(name, state, {**self.states, **self.dispatch})
        self.order = self._topological_order(self.states, self.start)
        self.other_reads_undecisive()
        # The record's attributes a static part of the definition names: a dynamic attribute name (a chat
        # channel's, built per iteration) must not be one of them, or it would overwrite the protocol.
        self.static_attributes = self._static_attributes()
        # Whether a read record's attributes that no JSONPath can name (a chat channel's, chat:<name>) may be
        # left out of what the read puts in the execution's input (Model, Bounds.project_reads).
        self.unnamed_attributes_unread = self._unnamed_attributes_unread()

    def state(self, name: str) -> dict:
        """A state of a one-report run: of the definition's top level, or of a Map iteration."""
        return self.states[name] if name in self.states else self.iteration_states[name]

    @classmethod
    def load(cls, path: Path | str = DEFINITION) -> Protocol:
        return cls(Path(path).read_text())

    def targets(self, state: dict) -> list[str]:
        out = [state["Next"]] if "Next" in state else []
        out += [rule["Next"] for rule in state.get("Choices", [])]
        out += [state["Default"]] if "Default" in state else []
        out += [catcher["Next"] for catcher in state.get("Catch", [])]
        return out

    def interpreted_rules(self, name: str) -> list[dict]:
        """The Choice rules a one-report run can evaluate: after a switch's `$.due IsNull true`, none (any
        later rule is evaluated only when `due` is not null, by a dispatching run)."""
        rules = self.state(name)["Choices"]
        return rules[:1] if self.switches.get(name) else rules

    def _dispatch(self, states: dict[str, dict]) -> dict[str, dict]:
        """The dispatching branch, declared out of scope, checked to be what makes that sound. A switch is
        a Choice whose first rule is `$.due IsNull true` (every later rule and the Default are then taken
        only when `due` is not null: first match wins) or `$.due IsNull false` (that rule's target is).
        The dispatch is every state reachable from those branches; none may be reachable from StartAt
        otherwise (the dispatch never leads into a one-report run's states, nor they into it), and each
        must do nothing that could touch the record or SES (_check_dispatch_state). The model also checks,
        as it runs, that no one-report run takes a dispatch branch."""
        entries = []
        for name, state in states.items():
            rules = state.get("Choices", [])
            first = rules[0] if state.get("Type") == "Choice" and rules else {}
            if set(first) != {"Variable", "IsNull", "Next"} or first["Variable"] != DUE:
                continue
            if not isinstance(first["IsNull"], bool):
                continue
            self.switches[name] = first["IsNull"]
            if first["IsNull"]:
                entries += [rule["Next"] for rule in rules[1:]] + ([state["Default"]] if "Default" in state else [])
            else:
                entries.append(first["Next"])
        if not entries:
            return {}

        def closure(starts, skip_switch_branches):
            seen, todo = set(), list(starts)
            while todo:
                name = todo.pop()
                if name in seen or name not in states:
                    continue
                seen.add(name)
                state = states[name]
                if skip_switch_branches and name in self.switches:
                    rules = state["Choices"]
                    todo += [rules[0]["Next"]] if self.switches[name] else self._targets_but(state, rules[0]["Next"])
                else:
                    todo += self.targets(state)
            return seen

        dispatch = closure(entries, skip_switch_branches=False)
        one_report = closure([self.start], skip_switch_branches=True)
        shared = dispatch & one_report
        if shared:
            raise UnsupportedDefinition(
                f"{sorted(shared)}: reachable both by a run of one report and through the dispatch; the "
                "dispatch is out of the model's scope only if it is reached from a `$.due` switch alone and "
                "never leads into a one-report run's states"
            )
        for name in sorted(dispatch):
            self._check_dispatch_state(name, states[name])
        return {name: states[name] for name in states if name in dispatch}

    @staticmethod
    def _check_distributed_io(name: str, state: dict) -> None:
        """A Distributed Map reads its items with S3 GetObject and writes its results with S3 PutObject to
        the run-data bucket: neither is the record or SES."""
        reader, writer = state.get("ItemReader"), state.get("ResultWriter")
        if reader is not None and reader.get("Resource") != S3_GET:
            raise UnsupportedDefinition(f"{name}: an ItemReader other than {S3_GET} is not modelled")
        if writer is not None and (
            writer.get("Resource") != S3_PUT or writer.get("Parameters", {}).get("Bucket") != RUN_DATA_BUCKET
        ):
            raise UnsupportedDefinition(
                f"{name}: a ResultWriter may only put objects in the run-data bucket ({RUN_DATA_BUCKET}); "
                "anything else could touch the record"
            )

    def _targets_but(self, state: dict, excluded: str) -> list[str]:
        return [target for target in self.targets(state) if target != excluded]

    def _check_dispatch_state(self, name: str, state: dict, this_machine: frozenset = frozenset({THIS})) -> None:
        """A state of the dispatch: nothing in it may touch the record or SES, and the executions it starts
        must be runs of one report of this same state machine, the runs the model checks. `this_machine`:
        the paths that hold this state machine's ARN where the state runs ($$.StateMachine.Id, except in a
        Distributed Map's child workflow, where it is the Map Run's: there only what its ItemSelector set)."""
        kind, resource = state.get("Type"), state.get("Resource")
        parameters = state.get("Parameters", {})
        if kind in _EFFECT_FREE_TYPES:
            return
        if kind == "Task" and resource == LAMBDA and parameters.get("FunctionName") in EFFECT_FREE_LAMBDAS:
            return
        if kind == "Task" and resource == START_EXECUTION:
            child = parameters.get("Input", {})
            if parameters.get("StateMachineArn.$") not in this_machine or not {"report.$", "period.$"} <= set(child):
                raise UnsupportedDefinition(
                    f"{name}: a dispatch must start this state machine with a one-report input "
                    "(report and period), the runs the model checks"
                )
            return
        if kind == "Map":
            unknown = set(state) - _DISPATCH_MAP_FIELDS
            if unknown:
                raise UnsupportedDefinition(f"{name}: dispatch fields not modelled: {sorted(unknown)}")
            processor = state.get("ItemProcessor", {})
            selected = frozenset(
                f"$.{key.removesuffix('.$')}" for key, value in state.get("ItemSelector", {}).items() if value == THIS
            )
            mode = processor.get("ProcessorConfig", {}).get("Mode", "INLINE")
            if mode == "DISTRIBUTED":
                self._check_distributed_io(name, state)
                inner_machine = selected  # $$.StateMachine.Id is the Map Run's in its child workflows
            elif mode == "INLINE" and not {"ItemReader", "ResultWriter"} & set(state):
                inner_machine = this_machine | selected
            else:
                raise UnsupportedDefinition(f"{name}: only an inline or a distributed Map dispatch is out of scope")
            for inner, step in processor.get("States", {}).items():
                self._check_dispatch_state(f"{name}.{inner}", step, inner_machine)
            return
        raise UnsupportedDefinition(
            f"{name}: a dispatch may only start executions, call effect-free Lambdas and decide; "
            f"{kind} {resource or ''} could touch the record or SES"
        )

    def _check_state(self, name: str, state: dict, scope: dict, selector: dict | None = None) -> None:
        """`scope`: the states a transition may go to. `selector`: in a Map iteration, the Map's
        ItemSelector (what the iteration's input is made of)."""
        kind = state.get("Type")
        if kind not in _STATE_FIELDS or (selector is not None and kind not in _ITERATION_TYPES):
            where = " in a Map iteration" if selector is not None else ""
            raise UnsupportedDefinition(f"{name}: state type {kind}{where} is not modelled")
        unknown = set(state) - _STATE_FIELDS[kind]
        if unknown:
            raise UnsupportedDefinition(f"{name}: fields not modelled: {sorted(unknown)}")
        if kind != "Choice" and bool(state.get("End")) == ("Next" in state):
            raise UnsupportedDefinition(f"{name}: needs exactly one of Next and End")
        for target in self.targets(state):
            if target not in scope:
                raise UnsupportedDefinition(f"{name}: goes to unknown state {target}")
        for key in ("Parameters", "ResultSelector"):
            check_template(state.get(key, {}), only_format=selector is not None)
        if state.get("ResultPath") is not None:
            check_path(state["ResultPath"])
        if kind == "Choice":
            for rule in self.interpreted_rules(name):
                self._check_rule(name, rule)
        if kind == "Task":
            self._check_task(name, state, selector)
        if kind == "Map":
            self._check_map(name, state)

    def _check_map(self, name: str, state: dict) -> None:
        """An Inline Map, one iteration at a time: its items, its ItemSelector (paths, $$.Map.Item.Value and
        States.Format's one shape), and its iteration's states, checked as the top level's are."""
        if state.get("MaxConcurrency") != 1:
            raise UnsupportedDefinition(
                f"{name}: MaxConcurrency {state.get('MaxConcurrency', 0)}: only an Inline Map running one "
                "iteration at a time (MaxConcurrency 1) is modelled, not concurrent iterations"
            )
        processor = state.get("ItemProcessor", {})
        config = processor.get("ProcessorConfig", {})
        if set(processor) - {"ProcessorConfig", "StartAt", "States", "Comment"} or set(config) - {"Mode"}:
            raise UnsupportedDefinition(f"{name}: ItemProcessor fields not modelled: {sorted(processor)}")
        if config.get("Mode", "INLINE") != "INLINE":
            raise UnsupportedDefinition(f"{name}: a {config.get('Mode')} Map on a one-report run is not modelled")
        check_path(state.get("ItemsPath", "$"))
        selector = state.get("ItemSelector", {})
        check_template(selector, only_format=True)
        inner = processor.get("States", {})
        if processor.get("StartAt") not in inner:
            raise UnsupportedDefinition(f"{name}: the iteration's StartAt is not one of its states")
        for inner_name, inner_state in inner.items():
            if inner_name in self.states or inner_name in self.dispatch or inner_name in self.iteration_states:
                raise UnsupportedDefinition(f"{name}: state name {inner_name} is not unique in the definition")
            self.map_of[inner_name] = name
            self.iteration_states[inner_name] = inner_state
        for inner_name, inner_state in inner.items():
            self._check_state(inner_name, inner_state, inner, selector)
        self.iteration_order.update(self._topological_order(inner, processor["StartAt"]))

    def iteration_start(self, map_name: str) -> str:
        return self.states[map_name]["ItemProcessor"]["StartAt"]

    def outer_path(self, map_name: str, path: str) -> str | None:
        """A path in a Map iteration's input, as a path in the Map's input: through its ItemSelector (an
        intrinsic's argument, too), or into its items; None for one that selects nothing there."""
        if path.startswith("$$"):
            return path
        state = self.states[map_name]
        items = state.get("ItemsPath", "$")
        if "ItemSelector" not in state:
            return items  # the iteration's input is an item: some part of the items
        keys = path.split(".")[1:]
        if not keys:
            return "$"  # the whole input: everything the selector reads (decisive_paths widens it)
        source = state["ItemSelector"].get(f"{keys[0]}.$")
        if source is None:
            return None
        format_ = _FORMAT.fullmatch(source)
        if format_ is not None:
            source = format_.group(3)
        if source.startswith("$$.Map.Item"):
            return items
        return source + "".join(f".{key}" for key in keys[1:]) if source.startswith("$.") or source == "$" else None

    def _check_rule(self, name: str, rule: dict) -> None:
        for combinator in ("And", "Or"):
            if combinator in rule:
                for sub in rule[combinator]:
                    self._check_rule(name, sub)
                return
        if "Not" in rule:
            return self._check_rule(name, rule["Not"])
        tests = set(rule) - {"Variable", "Next", "Comment"}
        if len(tests) != 1 or not tests <= _CHOICE_TESTS:
            raise UnsupportedDefinition(f"{name}: Choice operator(s) {sorted(tests)} not modelled")
        check_path(rule["Variable"])

    def _check_task(self, name: str, state: dict, selector: dict | None = None) -> None:
        resource, parameters = state["Resource"], state.get("Parameters", {})
        if resource not in FAULTS:
            raise UnsupportedDefinition(f"{name}: resource {resource} is not modelled")
        for handler in state.get("Retry", []) + state.get("Catch", []):
            if set(handler) - {
                "ErrorEquals",
                "IntervalSeconds",
                "BackoffRate",
                "MaxAttempts",
                "MaxDelaySeconds",
                "JitterStrategy",
                "Comment",
                "Next",
                "ResultPath",
            }:
                raise UnsupportedDefinition(f"{name}: Retry/Catch fields not modelled: {sorted(handler)}")
        if resource == LAMBDA:
            function = parameters.get("FunctionName")
            if function != RESOLVER and function not in EFFECT_FREE_LAMBDAS and function not in EFFECT_FAULTS:
                raise UnsupportedDefinition(f"{name}: Lambda {function} is unknown to the model (effects?)")
            payload = parameters.get("Payload", {})
            if function == POST_CHAT and {k.removesuffix(".$") for k in payload} != POST_CHAT_PAYLOAD:
                raise UnsupportedDefinition(
                    f"{name}: post_chat's event is {sorted(POST_CHAT_PAYLOAD)}, not {sorted(payload)}"
                )
            if function == RESOLVER and (
                {k.removesuffix(".$") for k in payload} != RESOLVER_PAYLOAD or payload.get("input.$") != "$"
            ):
                raise UnsupportedDefinition(
                    f"{name}: the resolver's payload must be its handler's event as the model builds it: "
                    f'the execution input ("input.$": "$") and {sorted(RESOLVER_PAYLOAD)}'
                )
            return
        if resource == SEND:
            return
        if parameters.get("Key") in OTHER_RECORD_KEYS and selector is None:
            self._check_other_read(name, resource, parameters)
            return
        unknown = set(parameters) - _DYNAMODB_PARAMETERS[resource]
        if unknown:
            raise UnsupportedDefinition(f"{name}: DynamoDB parameters not modelled: {sorted(unknown)}")
        if parameters.get("TableName") != TABLE:
            raise UnsupportedDefinition(f"{name}: the model has one table, {TABLE}")
        key = {"reportDate": parameters.get("Item", {}).get("reportDate")} if resource == PUT else parameters.get("Key")
        if selector is not None and isinstance(key, dict) and isinstance(key.get("reportDate"), dict):
            # In a Map iteration the key is read from the iteration's input: where the ItemSelector took it.
            source = key["reportDate"].get("S.$")
            outer = self.outer_path(self.map_of[name], source) if isinstance(source, str) else None
            key = {"reportDate": {"S.$": outer}}
        if key not in KEYS:
            raise UnsupportedDefinition(f"{name}: the model has one record, keyed by the report day: {key}")
        if resource == GET and parameters.get("ConsistentRead") is not True:
            raise UnsupportedDefinition(f"{name}: only strongly consistent reads are modelled")
        used = set()
        if "ConditionExpression" in parameters:
            self.conditions[name] = parse_condition(parameters["ConditionExpression"])
            used |= expression_references(self.conditions[name])
        if resource == UPDATE:
            self.updates[name] = parse_update(parameters["UpdateExpression"])
            used |= expression_references(self.updates[name])
        # DynamoDB refuses a request whose placeholders are undefined or unused (ValidationException).
        defined = {
            *(k.removesuffix(".$") for k in parameters.get("ExpressionAttributeNames", {})),
            *parameters.get("ExpressionAttributeValues", {}),
        }
        if used != defined:
            raise UnsupportedDefinition(f"{name}: placeholders used {sorted(used)} but defined {sorted(defined)}")

    def _check_other_read(self, name: str, resource: str, parameters: dict) -> None:
        """A read of the previous period's record: a GetItem of the one table, its projection's names all
        defined and used (DynamoDB refuses either, ValidationException). Whether a decision reads its answer
        is checked once every state is known (Protocol.__init__, other_reads_undecisive)."""
        if resource != GET:
            raise UnsupportedDefinition(f"{name}: the previous period's record may only be read, not written")
        unknown = set(parameters) - _DYNAMODB_PARAMETERS[GET] - _PROJECTION_PARAMETERS
        if unknown or parameters.get("TableName") != TABLE:
            raise UnsupportedDefinition(f"{name}: a read of the previous record with {sorted(unknown)} not modelled")
        used = set(re.findall(r"#\w+", parameters.get("ProjectionExpression", "")))
        if used != set(parameters.get("ExpressionAttributeNames", {})):
            raise UnsupportedDefinition(f"{name}: projection names used {sorted(used)} but defined differently")
        self.other_reads.add(name)

    def other_reads_undecisive(self) -> None:
        """What a read of another record answers (ResultPath) is read by no decision: no Choice, no DynamoDB
        key, value or condition, no effect (only an effect-free Lambda's payload, whose result the model does
        not derive from it). Then answering it as absent explores every outcome the protocol can have."""
        decisive = self.decisive_paths()
        for name in self.other_reads:
            result = self.states[name].get("ResultPath", "$")
            if result is None:
                continue
            if result == "$" or any(p in ("$", result) or p.startswith((result + ".", result + "[")) for p in decisive):
                raise UnsupportedDefinition(f"{name}: a decision reads its answer ({result}); the model does not")
            for other, state in self.states.items():
                if other != name and result in self._content_reads(state):
                    raise UnsupportedDefinition(f"{other}: reads {result}, {name}'s answer, which the model does not")
            for catcher in self.states[name].get("Catch", []):
                if catcher.get("ResultPath", "$") not in (result, None):
                    raise UnsupportedDefinition(f"{name}: its Catch must write where its answer goes ({result})")

    def _topological_order(self, states: dict[str, dict], start: str) -> dict[str, int]:
        """Each state's rank in a topological order (of the top level, or of a Map iteration), from 1: every
        transition goes to a higher rank. A loop in the definition is refused: the explorer's termination
        (and its path counting) rests on every step moving forward."""
        order, visiting = [], set()

        def visit(name):
            if name in visiting:
                raise UnsupportedDefinition(f"the definition loops through {name}: not modelled")
            if name in order:
                return
            visiting.add(name)
            for target in self.targets(states[name]):
                if target not in self.dispatch:
                    visit(target)
            visiting.discard(name)
            order.append(name)

        visit(start)
        for name in states:
            visit(name)
        return {name: len(order) - rank for rank, name in enumerate(order)}

    def _static_attributes(self) -> set[str]:
        attributes = set()
        for name, state in {**self.states, **self.iteration_states}.items():
            parameters = state.get("Parameters", {})
            attributes |= set(parameters.get("Item", {}))
            attributes |= {v for k, v in parameters.get("ExpressionAttributeNames", {}).items() if not k.endswith(".$")}
            for tree in (self.conditions.get(name), self.updates.get(name)):
                attributes |= {text for kind, text in _leaves(tree) if kind == "path" and not text.startswith("#")}
        return attributes

    def _unnamed_attributes_unread(self) -> bool:
        """True when nothing can observe a read record's attribute whose name is outside JSONPath's names
        ([A-Za-z_][A-Za-z0-9_]*, the model's subset): no path spells it, so only a path selecting a map
        that holds it could, and this checks that no such path is read where the map's content matters.
        Where it does not matter: a Choice (IsPresent and IsNull see the map, not its content; an equality
        never holds for a map) and the payload of an effect-free Lambda (the model does not derive its
        result from it). A state no read can reach (the resolver, reading "$") sees no record."""
        every = {**self.states, **self.iteration_states}
        reads = [n for n, st in every.items() if st["Type"] == "Task" and st["Resource"] == GET]
        if any("ResultSelector" in every[n] or every[n].get("ResultPath", "$") == "$" for n in reads):
            return False
        holders = {path for n in reads if (path := every[n].get("ResultPath", "$")) is not None}
        holders |= {f"{path}.Item" for path in holders}
        after = self._reachable(reads)
        for name in after:
            state = every[name]
            if state["Type"] == "Pass" and "Parameters" not in state:
                return False  # a copy of the whole input
            for path in self._content_reads(state):
                if path == "$" or any(h == path or h.startswith(path + ".") for h in holders):
                    return False
        return True

    def _reachable(self, starts: list[str]) -> set[str]:
        """The states a run can be in after `starts` (themselves included), into Map iterations too."""
        seen, todo = set(), list(starts)
        while todo:
            name = todo.pop()
            if name in seen or name in self.dispatch:
                continue
            seen.add(name)
            state = self.state(name)
            todo += self.targets(state)
            if state["Type"] == "Map":
                todo += list(state["ItemProcessor"]["States"])
            if name in self.map_of:
                todo.append(self.map_of[name])
        return seen

    @staticmethod
    def _content_reads(state: dict) -> set[str]:
        """The paths a state reads whose content can matter (not a Choice's, not an effect-free payload)."""
        parameters = dict(state.get("Parameters", {}))
        if state.get("Type") == "Task" and parameters.get("FunctionName") in EFFECT_FREE_LAMBDAS:
            parameters.pop("Payload", None)
        paths = _template_paths([parameters, state.get("ItemSelector", {})])
        paths |= {state["ItemsPath"]} if "ItemsPath" in state else set()
        return {_FORMAT.fullmatch(p).group(3) if _FORMAT.fullmatch(p) else p for p in paths}

    def decisive_paths(self) -> set[str]:
        """Every path in the input whose value can change what an execution does: Choice Variables, the
        values a DynamoDB call sends (keys, expression values), and the sources of item attributes that
        some condition reads. A Pass that is not an end could feed anything later: then everything is."""
        paths, condition_attributes = set(), set()
        every = {**self.states, **self.iteration_states}
        for name, state in every.items():
            parameters = state.get("Parameters", {})
            if state["Type"] == "Pass" and not state.get("End"):
                return {"$"}
            found = set()
            if state["Type"] == "Choice":
                rules = list(self.interpreted_rules(name))
                while rules:
                    rule = rules.pop()
                    rules += rule.get("And", []) + rule.get("Or", []) + ([rule["Not"]] if "Not" in rule else [])
                    if "Variable" in rule:
                        found.add(rule["Variable"])
            if state["Type"] == "Task" and state["Resource"] in (GET, PUT, UPDATE):
                found |= _template_paths({k: v for k, v in parameters.items() if k not in ("Item", "TableName")})
                names = {k.removesuffix(".$"): v for k, v in parameters.get("ExpressionAttributeNames", {}).items()}
                for _, text in _leaves(self.conditions.get(name)):
                    condition_attributes.add(names.get(text, text))
            found = {_FORMAT.fullmatch(p).group(3) if _FORMAT.fullmatch(p) else p for p in found}
            if name in self.map_of:  # read in an iteration's input: read where the Map took it from
                found = {self.outer_path(self.map_of[name], path) for path in found} - {None}
            paths |= found
            if state["Type"] == "Map":  # how many iterations run
                paths.add(state.get("ItemsPath", "$"))
        for state in every.values():
            if state["Type"] == "Task" and state["Resource"] == PUT:
                for attribute, value in state["Parameters"]["Item"].items():
                    if attribute in condition_attributes:
                        paths |= _template_paths(value)
        for state in self.states.values():
            # A Map's results, or a whole iteration input, read by a decision: anything could be.
            result = state.get("ResultPath", "$") if state["Type"] == "Map" else None
            if result is not None and any(p == "$" or p == result or p.startswith(result + ".") for p in paths):
                return {"$"}
        return paths

    def interchangeable_kinds(self) -> list[tuple[str, ...]]:
        """Kinds of run the definition cannot tell apart: their inputs and their resolved requests differ
        only in fields no decision reads. (Today a scheduled run's child and a manual run of the report
        differ in their input, which ResolveReportDate replaces with its result, and in the request's
        `trigger`, which is only recorded.) Exploring one kind of each group is then exploring them all:
        the others give the same worlds but for the value of an attribute nothing reads. Checked on every
        load, so a Choice on `trigger` would split the group again."""
        resolver = next(
            (
                n
                for n, st in self.states.items()
                if st["Type"] == "Task" and st.get("Parameters", {}).get("FunctionName") == RESOLVER
            ),
            None,
        )
        if resolver is None:
            return [(kind,) for kind in KINDS]
        state = self.states[resolver]
        target, selector = state.get("ResultPath", "$"), state.get("ResultSelector", {})
        read = set()  # ("payload" | "input", keys): what some decision reads, in the resolver's Payload or the input
        for path in self.decisive_paths():
            if path == target or target.startswith(path + ".") or path == "$":
                return [(kind,) for kind in KINDS]  # the whole request is read
            if path.startswith("$$"):
                continue  # the context: the same for every kind
            if target != "$" and not path.startswith(target + "."):
                read.add(("input", tuple(path.split(".")[1:])))  # the input, which the result is put into
            for key, source in selector.items():
                field = f"$.{key[:-2]}" if target == "$" else f"{target}.{key[:-2]}"
                if path == field or path.startswith(field + "."):
                    if not (source == "$.Payload" or source.startswith("$.Payload.")):
                        return [(kind,) for kind in KINDS]
                    read.add(("payload", tuple((source + path[len(field) :]).split(".")[2:])))
        if not selector:
            return [(kind,) for kind in KINDS]

        def value(payload, keys):
            for key in keys:
                if not isinstance(payload, dict) or key not in payload:
                    return "<absent>"
                payload = payload[key]
            return json.dumps(payload, sort_keys=True)

        groups: dict = {}
        for kind in KINDS:
            docs = {"payload": resolver_payload(KIND_INPUTS[kind]), "input": KIND_INPUTS[kind]}
            groups.setdefault(tuple(value(docs[where], keys) for where, keys in sorted(read)), []).append(kind)
        return [tuple(group) for group in groups.values()]

    def is_local(self, name: str) -> bool:
        """A step that touches nothing shared (no DynamoDB, no SES, no chat post): it commutes with every
        other step. Entering a Map, starting or ending an iteration are local: they read and write only the
        execution's own input."""
        state = self.state(name)
        if state["Type"] != "Task":
            return True
        return state["Resource"] == LAMBDA and state["Parameters"]["FunctionName"] not in EFFECT_FAULTS

    def faults(self, state: dict) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The errors a call of this Task can end in: (before any effect, after its effect)."""
        if state["Resource"] == LAMBDA and state["Parameters"]["FunctionName"] in EFFECT_FAULTS:
            return EFFECT_FAULTS[state["Parameters"]["FunctionName"]]
        return FAULTS[state["Resource"]]


# ---------------------------------------------------------------------------------------------------
# The world.

RUNNING, SUCCEEDED, FAILED = "RUNNING", "SUCCEEDED", "FAILED"


class Frame(NamedTuple):
    """Where an execution is in an Inline Map: the iteration running (one at a time), what it started with,
    and what the iterations before it returned."""

    map: str  # the Map state
    outer: FrozenMap  # the Map's input: where its results go when the last iteration ends
    index: int  # the iteration running (its item's index)
    input: FrozenMap  # that iteration's input (the ItemSelector's output), which a restarted one starts with
    results: tuple = ()  # the outputs of the iterations that succeeded, in order
    # The record as this iteration's last write left it (its executionArn, status, and the value of the
    # attribute the write set): the fence a post passed. None before the iteration wrote anything.
    fence: tuple | None = None


class Exec(NamedTuple):
    at: str  # the state it is in (RUNNING), ended at (SUCCEEDED) or failed at (FAILED); in a Map, the iteration's
    status: str
    doc: FrozenMap  # the state's input, $: what a redrive resumes with (in a Map, the iteration's)
    error: str | None = None
    redrives: int = 0
    sends: int = 0
    lost_send: bool = False  # it FAILED at SendEmail after SES accepted: a redrive resends (documented)
    frame: Frame | None = None  # in an Inline Map (also when it failed there: a redrive goes back in)
    # The channels it FAILED posting to after the post went out (answer lost): a redrive reposts (documented).
    lost_posts: frozenset = frozenset()


class Email(NamedTuple):
    sender: int
    message_id: str
    owner: str | None  # the record's executionArn when it was sent
    status: str | None  # the record's status when it was sent
    forced: bool
    after_redrive: bool  # the sender had been redriven
    resend_after_lost_answer: bool  # the documented limit: a redrive after SES accepted, answer lost


class Post(NamedTuple):
    """One message a chat webhook took: the effect of one post_chat call that went through. The record is
    the one the poster's fence left (the iteration's last write before the post: BeginPosting), which is
    what the post was decided on; the record at the moment of the post is in the trace. (Keeping that, and
    the emails out by then, multiplied the worlds of 3 executions by about 4; no property reads them.)"""

    channel: str  # the channel's name, from the call's event
    sender: int
    owner: str | None  # the record's executionArn after the poster's fence (None: no fence)
    status: str | None  # the record's status after the poster's fence
    channel_status: str | None  # the attribute the fence set (chat:<name>) as it left it ("POSTING")
    forced: bool
    after_redrive: bool  # the sender had been redriven
    resend_after_lost_answer: bool  # the documented limit: a redrive after a post whose answer was lost
    after_email: bool  # the sender had sent an email (its own, before this post)


class World(NamedTuple):
    execs: tuple[Exec, ...]
    record: FrozenMap | None  # the day's item, DynamoDB JSON ({"status": {"S": "SENT"}, ...})
    emails: tuple[Email, ...]
    faults: int
    posts: tuple[Post, ...] = ()


def exec_id(i: int) -> str:
    return f"E{i + 1}"


def record_summary(record) -> str:
    if record is None:
        return "absent"
    status, owner = record.get("status"), record.get("executionArn")
    text = f"{status.get('S') if status else '?'} by {owner.get('S') if owner else '?'}"
    message = record.get("messageId")
    others = [f"{k} {v.get('S') if isinstance(v, FrozenMap) else v}" for k, v in record if k not in _SUMMARISED]
    return text + (f" ({message.get('S')})" if message else "") + "".join(f", {other}" for other in others)


# The attributes record_summary shows (status, owner, message) or leaves out (the rest of the protocol's):
# any other (a chat channel's status) is listed.
_SUMMARISED = {
    "status",
    "executionArn",
    "messageId",
    "reportDate",
    "claimedAt",
    "sendingAt",
    "sentAt",
    "trigger",
    "forced",
    "expiresAt",
    "total",
    "currency",
}


def _text(attribute) -> str | None:
    """A record attribute's string ({"S": "x"} -> "x"), None when absent."""
    return attribute.get("S") if attribute is not None else None


# Where a redriven execution that failed in an Inline Map iteration resumes that iteration. AWS redrives
# "only the iterations that failed or aborted" (RedriveExecution API reference) and does not say where in
# the iteration: at its StartAt (the conservative reading, the default), or at the state that failed.
AT_ITERATION_START, AT_FAILED_STATE = "iteration start", "failed state"


@dataclass
class Bounds:
    max_faults: int = 2  # per scenario, over all executions
    max_redrives: int = 1  # per execution
    reduce_local_steps: bool = True
    channels: int = 1  # the daily report's chat channels (reports_with)
    redrive_iteration_at: str = AT_ITERATION_START
    # Errors that fail a Task alike are one outcome, the first error's (Model._alike): the rest differ in
    # the error's name alone, which nothing after a fault reads.
    merge_failures: bool = True
    # Executions of the same kind are interchangeable: explore one world of each set of worlds that differ
    # only in which of them is which (Model.canonical); the figures count every world of each set.
    symmetry: bool = True
    # A record read leaves out the attributes no JSONPath can name, when nothing could observe them
    # (Model._read): they change no decision, only which worlds count as distinct.
    project_reads: bool = True


def _renamings(kinds: tuple[str, ...]) -> list[tuple[int, ...]]:
    """Every renaming of executions that keeps each one's kind: renaming[i] is execution i's new index."""
    renamings = [tuple(range(len(kinds)))]
    for kind in dict.fromkeys(kinds):
        same = [i for i, k in enumerate(kinds) if k == kind]
        grown = []
        for renaming in renamings:
            for arrangement in itertools.permutations(same):
                new = list(renaming)
                for i, j in zip(same, arrangement, strict=True):
                    new[i] = j
                grown.append(tuple(new))
        renamings = grown
    return renamings


def rename(value, renaming: tuple[int, ...]):
    """A part of a world with execution i named renaming[i] instead: its index (the emails' and posts'
    senders) and its id, "E<i+1>", wherever a string is one (no other value of the model has that form)."""
    if isinstance(value, Email):
        return value._replace(sender=renaming[value.sender], owner=_renamed_id(value.owner, renaming))
    if isinstance(value, Post):
        return value._replace(sender=renaming[value.sender], owner=_renamed_id(value.owner, renaming))
    if isinstance(value, Exec):
        return value._replace(doc=rename(value.doc, renaming), frame=rename(value.frame, renaming))
    if isinstance(value, Frame):
        fence = value.fence and (_renamed_id(value.fence[0], renaming),) + value.fence[1:]
        parts = (rename(part, renaming) for part in (value.outer, value.input, value.results))
        return value._replace(**dict(zip(("outer", "input", "results"), parts, strict=True)), fence=fence)
    if isinstance(value, FrozenMap):
        return frozen_map((k, rename(v, renaming)) for k, v in value)
    if isinstance(value, OpaqueMap):
        return OpaqueMap(value.origin, rename(value.known, renaming))
    if isinstance(value, tuple):
        return tuple(rename(v, renaming) for v in value)
    return _renamed_id(value, renaming) if type(value) is str else value


_EXEC_ID = re.compile(r"E([1-9][0-9]*)")


def _renamed_id(value, renaming: tuple[int, ...]):
    match = _EXEC_ID.fullmatch(value) if type(value) is str else None
    if match is None or int(match.group(1)) > len(renaming):
        return value
    return exec_id(renaming[int(match.group(1)) - 1])


def rename_text(text: str, renaming: tuple[int, ...]) -> str:
    """A trace line with the executions renamed."""
    return re.sub(r"\bE([1-9][0-9]*)\b", lambda m: _renamed_id(m.group(0), renaming), text)


class Model:
    """The transitions of one scenario: a few executions of one report, of given kinds, for the same day."""

    def __init__(self, protocol: Protocol, kinds: tuple[str, ...], bounds: Bounds):
        self.protocol, self.kinds, self.bounds = protocol, kinds, bounds
        self.states = {**protocol.states, **protocol.iteration_states}
        # The report's chat channels (the model's declarations), which RenderEmail renders a message for.
        self.reports = reports_with(bounds.channels)
        self.channels = tuple(channel["name"] for channel in self.reports[REPORT]["chat"])
        self._parameters: dict = {}
        self._moves: dict = {}
        self.branches: set[tuple[str, str]] = set()  # (Choice or Task, where it went): every one taken
        self.entered: set[str] = set()  # every state some execution ran
        self._tables: dict[str, tuple[dict, list]] = {
            "exec": ({}, []),
            "record": ({}, []),
            "emails": ({}, []),
            "posts": ({}, []),
        }
        # Positions in the definition, for the potential: a top-level state's rank, spread out so that
        # every iteration of a Map (at most one per channel) fits between the Map and the state after it.
        self._iteration_span = max(protocol.iteration_order.values(), default=0) + 1
        self._map_span = max(1, len(self.channels)) * self._iteration_span + 1
        self._big = 2 * (max(protocol.order.values()) + 1) * self._map_span + 2
        # The renamings of executions among those of the same kind (the identity first), and the renamed
        # parts of worlds, memoised: (part table, renaming, part id) -> renamed part id.
        self.renamings = _renamings(kinds) if bounds.symmetry else [tuple(range(len(kinds)))]
        self._renamed = [{table: {} for table in self._tables} for _ in self.renamings]

    # -- what the outside world answers ------------------------------------------------------------

    def lambda_result(self, i: int, state: dict, parameters: dict):
        function = state["Parameters"]["FunctionName"]
        if function == RESOLVER:
            # The real function, on the payload the definition builds: the execution input as it is, the
            # execution's name; the start time is the model's one instant (STARTED_AT) and the declarations
            # the model's (REPORTS), as the function reads them from S3.
            payload = parameters["Payload"]
            resolved = resolver_payload(thaw(payload["input"]), payload["executionName"])
            return {"Payload": resolved, "StatusCode": 200}
        if function == RENDER:
            # The email's parts are opaque; its chat messages, one per channel of the report (in the order
            # declared), are what PostToChat iterates over: each {"channel": {name, type}, "message"}.
            declared = self.reports[REPORT]["chat"]
            chat = [{"channel": channel, "message": Opaque(f"message for {channel['name']}")} for channel in declared]
            return {"Payload": OpaqueMap(function.strip("${}"), freeze({"chat": chat})), "StatusCode": 200}
        return {"Payload": Opaque(function.strip("${}")), "StatusCode": 200}

    def context(self, i: int, name: str) -> dict:
        # Time is not modelled: every timestamp is the same opaque value.
        return {
            "Execution": {"Id": exec_id(i), "Name": exec_id(i), "StartTime": Opaque("time")},
            "State": {"Name": name, "EnteredTime": Opaque("time"), "RetryCount": 0},
        }

    # -- moves, on compact worlds -------------------------------------------------------------------
    # The explorer stores millions of worlds; it sees each as a tuple of small ints (one per execution,
    # then the record, the emails, the chat posts and the faults spent), each int naming an interned part.

    def _id(self, table: str, value) -> int:
        ids, values = self._tables[table]
        if value not in ids:
            ids[value] = len(values)
            values.append(value)
        return ids[value]

    def encode(self, world: World) -> tuple[int, ...]:
        return tuple(self._id("exec", ex) for ex in world.execs) + (
            self._id("record", world.record),
            self._id("emails", world.emails),
            self._id("posts", world.posts),
            world.faults,
        )

    def decode(self, key: tuple[int, ...]) -> World:
        n, tables = len(self.kinds), self._tables
        return World(
            tuple(tables["exec"][1][e] for e in key[:n]),
            tables["record"][1][key[n]],
            tables["emails"][1][key[n + 1]],
            key[n + 3],
            tables["posts"][1][key[n + 2]],
        )

    def potential(self, key: tuple[int, ...]) -> int:
        """Strictly increases with every move (see explore())."""
        execs = self._tables["exec"][1]
        return key[-1] + sum(self._exec_potential(execs[e]) for e in key[: len(self.kinds)])

    def _exec_potential(self, ex: Exec) -> int:
        # Forward in the definition: +2 per position; ending or failing: +1; a redrive: +big, less what it
        # gives back by resuming (1, and the iteration's states when it restarts at the iteration's
        # StartAt). A fault spent adds 1 (in potential()), which covers a retry in place.
        return self._big * ex.redrives + 2 * self._position(ex) + (ex.status != RUNNING)

    def _position(self, ex: Exec) -> int:
        """Forward through the definition: a top-level state's rank, then, in a Map, the iteration and the
        state's rank in it (iteration k's states all come after iteration k-1's)."""
        if ex.frame is None:
            return self.protocol.order[ex.at] * self._map_span
        assert ex.frame.index < max(1, len(self.channels)), "more Map items than the potential was sized for"
        inner = ex.frame.index * self._iteration_span + self.protocol.iteration_order[ex.at]
        return self.protocol.order[ex.frame.map] * self._map_span + inner

    # -- symmetry: executions of one kind are interchangeable -----------------------------------------
    # Two executions of the same kind start from the same input and differ only in their names (E1, E2),
    # which are their ids wherever they appear: the record's executionArn, what an execution read, the
    # emails' and posts' senders and owners. Renaming them consistently maps a run to a run and keeps every
    # property's verdict (each is stated for any execution). So one world of each set of renamings is
    # explored; the figures weigh it by the size of its set (orbit), which makes them the unreduced ones.

    def canonical(self, key: tuple[int, ...]) -> tuple[tuple[int, ...], int, int]:
        """(the smallest renaming of `key`, the renaming that gives it, how many distinct renamings)."""
        if len(self.renamings) == 1:
            return key, 0, 1
        best, best_r, seen = key, 0, {key}
        for r in range(1, len(self.renamings)):
            candidate = self._renamed_key(key, r)
            seen.add(candidate)
            if candidate < best:
                best, best_r = candidate, r
        return best, best_r, len(seen)

    def _renamed_key(self, key: tuple[int, ...], r: int) -> tuple[int, ...]:
        n, renaming, renamed = len(self.kinds), self.renamings[r], self._renamed[r]
        execs, done = [0] * n, renamed["exec"]
        for i in range(n):
            part = key[i]
            execs[renaming[i]] = done[part] if part in done else self._renamed_part("exec", r, part)
        shared = []
        for offset, table in ((n, "record"), (n + 1, "emails"), (n + 2, "posts")):
            part, done = key[offset], renamed[table]
            shared.append(done[part] if part in done else self._renamed_part(table, r, part))
        return (*execs, *shared, key[-1])

    def _renamed_part(self, table: str, r: int, part: int) -> int:
        value = self._tables[table][1][part]
        self._renamed[r][table][part] = self._id(table, rename(value, self.renamings[r]))
        return self._renamed[r][table][part]

    def is_final(self, key: tuple[int, ...]) -> bool:
        execs = self._tables["exec"][1]
        return all(execs[e].status != RUNNING for e in key[: len(self.kinds)])

    def initial(self) -> list[tuple[str, tuple[int, ...]]]:
        """The start: every execution at StartAt (with the reduction, already through its local steps)."""
        execs = tuple(Exec(self.protocol.start, RUNNING, freeze(KIND_INPUTS[k])) for k in self.kinds)
        world = World(execs, None, (), 0)
        starts = [("start", world)]
        if self.bounds.reduce_local_steps:
            for i in range(len(self.kinds)):
                starts = [
                    (f"{label}\n      {exec_id(i)} ({self.kinds[i]}) starts{more}", settled)
                    for label, w in starts
                    for more, settled in self._settle(w, i)
                ]
        return [(label, self.encode(world)) for label, world in starts]

    def successors(self, key: tuple[int, ...]):
        """(what happened, the next world, how much the potential grew) for every move from `key`."""
        n = len(self.kinds)
        record, emails, posts, faults = key[n:]
        execs = self._tables["exec"][1]
        for i in range(n):
            ex = execs[key[i]]
            if ex.status == FAILED and ex.redrives >= self.bounds.max_redrives or ex.status == SUCCEEDED:
                continue
            # A move of execution i depends only on it, the record, how many emails went out (for the
            # message id, and a post's place after them) and the faults spent: compute it once per such
            # combination. (A post depends on no earlier post.)
            sent = len(self._tables["emails"][1][emails])
            memo = (i, key[i], record, sent, faults)
            if memo not in self._moves:
                world = self.decode(key)
                posted = len(world.posts)
                self._moves[memo] = [
                    (
                        label,
                        self._id("exec", after.execs[i]),
                        self._id("record", after.record),
                        after.emails[sent:],
                        after.posts[posted:],
                        after.faults,
                        self._exec_potential(after.execs[i]) - self._exec_potential(ex) + after.faults - faults,
                    )
                    for label, after in self._moves_of(world, i)
                ]
            for label, ex_after, record_after, new_emails, new_posts, faults_after, growth in self._moves[memo]:
                emails_after, posts_after = emails, posts
                if new_emails:
                    emails_after = self._id("emails", self._tables["emails"][1][emails] + new_emails)
                if new_posts:
                    posts_after = self._id("posts", self._tables["posts"][1][posts] + new_posts)
                shared = (record_after, emails_after, posts_after, faults_after)
                yield label, key[:i] + (ex_after,) + key[i + 1 : n] + shared, growth

    def _moves_of(self, world: World, i: int):
        ex = world.execs[i]
        who = f"{exec_id(i)} ({self.kinds[i]})"
        if ex.status == RUNNING:
            outcomes = self.step(world, i)
        else:
            redriven, where = self._redriven(world, i)
            if self.bounds.reduce_local_steps:
                # A redrive touches nothing shared: it can wait until just before the redriven state runs,
                # so the two are one move (no world in which it is redriven but has not run yet).
                outcomes = [(f"REDRIVEN{where}; {label}", after) for label, after in self.step(redriven, i)]
            else:
                outcomes = [(f"REDRIVEN, resumes at {redriven.execs[i].at}", redriven)]
        for label, after in outcomes:
            if self.bounds.reduce_local_steps:
                for more, settled in self._settle(after, i):
                    yield f"{who} {label}{more}", settled
            else:
                yield f"{who} {label}", after

    def _redriven(self, world: World, i: int) -> tuple[World, str]:
        """A redrive: the same input, resuming at the state that failed; in an Inline Map, the iterations
        that succeeded are not run again, and the failed one resumes at its StartAt or at the state that
        failed (Bounds.redrive_iteration_at); the iterations after it, never started, run after it."""
        ex = world.execs[i]
        ex = ex._replace(status=RUNNING, error=None, redrives=ex.redrives + 1)
        if ex.frame is None or self.bounds.redrive_iteration_at == AT_FAILED_STATE:
            return self._with(world, i, ex), ""
        start = self.protocol.iteration_start(ex.frame.map)
        restarted = ex._replace(at=start, doc=ex.frame.input, frame=ex.frame._replace(fence=None))
        return self._with(world, i, restarted), f" (iteration {ex.frame.index + 1} from {start})"

    def _settle(self, world: World, i: int):
        """Run execution i's local steps (Choice, Pass, Lambda) at once. They read and write only its own
        input, so they commute with every other execution's steps: taking them eagerly removes
        interleavings that differ only in when a local step happened, and reaches the same final states
        (test_claim_protocol checks that against the unreduced exploration)."""
        ex = world.execs[i]
        if ex.status != RUNNING or not self.protocol.is_local(ex.at):
            return [("", world)]
        return [
            (f"; {label}{more}", settled)
            for label, after in self.step(world, i)
            for more, settled in self._settle(after, i)
        ]

    def _with(self, world: World, i: int, ex: Exec, **changes) -> World:
        execs = world.execs[:i] + (ex,) + world.execs[i + 1 :]
        return world._replace(execs=execs, **changes)

    def _goto(self, world: World, i: int, name: str, state: dict, doc) -> tuple[str, World]:
        ex = world.execs[i]
        if state.get("End") and name in self.protocol.map_of:
            return self._end_iteration(world, i, doc)
        if state.get("End"):
            return "SUCCEEDED", self._with(world, i, ex._replace(at=name, status=SUCCEEDED, doc=doc))
        return f"-> {state['Next']}", self._with(world, i, ex._replace(at=state["Next"], doc=doc))

    # -- Inline Maps, one iteration at a time --------------------------------------------------------

    def _items(self, name: str, doc) -> tuple:
        items = resolve(self.states[name].get("ItemsPath", "$"), doc, {})
        if not isinstance(items, tuple) or isinstance(items, FrozenMap):
            raise UnsupportedDefinition(f"{name}: its items are not a list the model computes: {items!r}")
        return items

    def _enter_map(self, world: World, i: int, name: str, state: dict) -> list[tuple[str, World]]:
        doc = world.execs[i].doc
        items = self._items(name, doc)
        if not items:
            label, after = self._goto(world, i, name, state, set_path(doc, state.get("ResultPath", "$"), ()))
            return [(f"{name}: no items {label}", after)]
        label, after = self._start_iteration(world, i, Frame(name, doc, 0, None))
        return [(f"{name}: {len(items)} item(s), {label}", after)]

    def _start_iteration(self, world: World, i: int, frame: Frame) -> tuple[str, World]:
        """Iteration frame.index starts: its input is the ItemSelector's output, built from the Map's input
        and the item ($$.Map.Item), or the item itself."""
        state = self.states[frame.map]
        item = self._items(frame.map, frame.outer)[frame.index]
        context = {**self.context(i, frame.map), "Map": {"Item": {"Index": frame.index, "Value": item}}}
        selected = evaluate(state["ItemSelector"], frame.outer, context) if "ItemSelector" in state else item
        frame = frame._replace(input=freeze(selected))
        start = state["ItemProcessor"]["StartAt"]
        ex = world.execs[i]._replace(at=start, doc=frame.input, frame=frame)
        return f"iteration {frame.index + 1} -> {start}", self._with(world, i, ex)

    def _end_iteration(self, world: World, i: int, output) -> tuple[str, World]:
        """An iteration ended (a state with End): its output joins the results; the next one starts, or
        the Map puts the results at its ResultPath and goes on."""
        frame = world.execs[i].frame
        frame = frame._replace(results=frame.results + (output,), fence=None)
        if frame.index + 1 < len(self._items(frame.map, frame.outer)):
            label, after = self._start_iteration(world, i, frame._replace(index=frame.index + 1))
            return f"iteration {frame.index + 1} done; {label}", after
        state = self.states[frame.map]
        ex = world.execs[i]._replace(at=frame.map, doc=frame.outer, frame=None)
        doc = set_path(frame.outer, state.get("ResultPath", "$"), frame.results)
        label, after = self._goto(self._with(world, i, ex), i, frame.map, state, doc)
        return f"iteration {frame.index + 1} done; {frame.map} done {label}", after

    def _fail(self, world: World, i: int, name: str, error: str, **flags) -> World:
        return self._with(world, i, world.execs[i]._replace(status=FAILED, at=name, error=error, **flags))

    def step(self, world: World, i: int) -> list[tuple[str, World]]:
        """Execution i's next step: every outcome, each as (what happened, the world after it)."""
        ex = world.execs[i]
        name, state = ex.at, self.states[ex.at]
        self.entered.add(name)
        context = self.context(i, name)
        try:
            if state["Type"] == "Choice":
                return [(f"{name} {label}", w) for label, w in self._choice(world, i, name, state, context)]
            if state["Type"] == "Map":
                return self._enter_map(world, i, name, state)
            if state["Type"] == "Pass":
                if "Parameters" in state:
                    output = evaluate(state["Parameters"], ex.doc, context)
                else:
                    output = state.get("Result", thaw(ex.doc))
                label, after = self._goto(world, i, name, state, set_path(ex.doc, state.get("ResultPath", "$"), output))
                return [(f"{name} {label}", after)]
            return [(f"{name}: {label}", w) for label, w in self._task(world, i, name, state, context)]
        except MissingPath as missing:
            # Runtime errors are neither retried nor caught: the execution fails here, and so will a redrive.
            return [
                (
                    f"{name}: States.Runtime ({missing} selects nothing): FAILED",
                    self._fail(world, i, name, "States.Runtime"),
                )
            ]

    def _choice(self, world, i, name, state, context):
        doc = world.execs[i].doc
        for rule in self.protocol.interpreted_rules(name):
            if self._rule(rule, doc, context):
                return [self._branch(world, i, name, rule["Next"])]
        if self.protocol.switches.get(name):
            # `due` is not null: every other branch of this Choice is the dispatch's, out of the model.
            raise UnsupportedDefinition(f"{name}: `$.due` is not null, so this run goes to the dispatch")
        if "Default" not in state:
            return [
                (
                    "no rule matched, no Default: States.NoChoiceMatched: FAILED",
                    self._fail(world, i, name, "States.NoChoiceMatched"),
                )
            ]
        return [self._branch(world, i, name, state["Default"])]

    def _branch(self, world, i, name, target):
        if target in self.protocol.dispatch:
            # Out of scope only because a one-report run never goes there: if one does, the model is wrong.
            raise UnsupportedDefinition(f"{name}: a run of one report goes to the dispatch {target}")
        self.branches.add((name, target))
        return f"-> {target}", self._with(world, i, world.execs[i]._replace(at=target))

    def _rule(self, rule, doc, context) -> bool:
        if "And" in rule:
            return all(self._rule(r, doc, context) for r in rule["And"])
        if "Or" in rule:
            return any(self._rule(r, doc, context) for r in rule["Or"])
        if "Not" in rule:
            return not self._rule(rule["Not"], doc, context)
        if "IsPresent" in rule:
            try:
                resolve(rule["Variable"], doc, context)
                present = True
            except MissingPath:
                present = False
            return present == rule["IsPresent"]
        value = resolve(rule["Variable"], doc, context)  # absent: States.Runtime, as in Step Functions
        if isinstance(value, Opaque):
            raise UnsupportedDefinition(f"a Choice rule tests {rule['Variable']}, a value the model does not compute")
        if "IsNull" in rule:
            return (value is None) == rule["IsNull"]
        if "BooleanEquals" in rule:
            return value is rule["BooleanEquals"]
        return isinstance(value, str) and value == rule["StringEquals"]

    # -- Tasks ---------------------------------------------------------------------------------------

    def _task(self, world: World, i: int, name: str, state: dict, context):
        ex, resource = world.execs[i], state["Resource"]
        key = (name, i, ex.doc)
        if key not in self._parameters:  # the same input gives the same parameters: evaluate them once
            parameters = evaluate(state.get("Parameters", {}), ex.doc, context)
            self._parameters[key] = (parameters, freeze(parameters))
        parameters, frozen = self._parameters[key]
        # Faults before the call had any effect: possible whatever the call would have done.
        out = self._faults(world, i, name, state, effect_happened=False, what="")

        def answered(label, after, answer):
            if "ResultSelector" in state:
                answer = evaluate(state["ResultSelector"], answer, context)
            doc = set_path(after.execs[i].doc, state.get("ResultPath", "$"), answer)
            where, after = self._goto(after, i, name, state, doc)
            out.append((f"{label} {where}", after))

        if resource == LAMBDA and state["Parameters"]["FunctionName"] in EFFECT_FAULTS:
            posted, what = self._post(world, i, frozen)
            answered(what, posted, self.lambda_result(i, state, parameters))
            out += self._faults(posted, i, name, state, effect_happened=True, what=what)
        elif resource == LAMBDA:
            answered("ok", world, self.lambda_result(i, state, parameters))
        elif resource == GET and name in self.protocol.other_reads:
            answered("read the previous record (absent)", world, {})
        elif resource == GET:
            answered(f"read {record_summary(world.record)}", world, self._read(world.record))
        elif resource in (PUT, UPDATE):
            names = self._attribute_names(name, state, parameters)
            values = dict(frozen.get("ExpressionAttributeValues", ()))
            condition = self.protocol.conditions.get(name)
            if condition is not None and not holds(condition, world.record, names, values):
                # Not a fault: the normal answer of a conditional write that lost. Nothing written.
                out += self._error(world, i, name, state, CCF, f"condition fails on {record_summary(world.record)}: ")
                return out
            if resource == PUT:
                record = frozen.get("Item")
            else:  # SET on the item, or on a new item holding just the key
                item = dict(world.record if world.record is not None else frozen.get("Key"))
                for (_, target), (kind, text) in self.protocol.updates[name]:
                    source = values.get(text) if kind == "value" else item.get(names.get(text, text))
                    if source is None:  # SET a = b with b absent: DynamoDB refuses the update
                        raise UnsupportedDefinition(f"{name}: SET from {text}, which is absent")
                    item[names.get(target, target)] = source
                record = frozen_map(item.items())
            written = world._replace(record=record)
            if ex.frame is not None:  # a Map iteration's write: the fence its post (if any) passes
                target = self.protocol.updates[name][0][0][1] if resource == UPDATE else None
                attribute = names.get(target, target)
                fence = (_text(record.get("executionArn")), _text(record.get("status")), _text(record.get(attribute)))
                written = self._with(written, i, ex._replace(frame=ex.frame._replace(fence=fence)))
            answered(f"wrote {record_summary(record)}", written, {})
            out += self._faults(written, i, name, state, effect_happened=True, what=f"wrote {record_summary(record)}")
        elif resource == SEND:
            owner = world.record.get("executionArn") if world.record is not None else None
            status = world.record.get("status") if world.record is not None else None
            message_id = f"m{len(world.emails) + 1}"
            email = Email(
                i,
                message_id,
                owner and owner.get("S"),
                status and status.get("S"),
                self.kinds[i] == "forced",
                ex.redrives > 0,
                ex.sends > 0 and ex.lost_send,
            )
            sent = self._with(
                world, i, ex._replace(sends=ex.sends + 1, lost_send=False), emails=world.emails + (email,)
            )
            answered(f"SES accepted {message_id}", sent, {"MessageId": message_id})
            out += self._faults(sent, i, name, state, effect_happened=True, what=f"SES accepted {message_id}")
        return out

    def _read(self, record) -> dict:
        """GetItem's answer. With Bounds.project_reads, when the definition lets nothing observe them
        (Protocol._unnamed_attributes_unread), without the attributes no JSONPath can name: a chat
        channel's status would otherwise make runs that differ in nothing else distinct worlds."""
        if record is None:
            return {}
        item = thaw(record)
        if self.bounds.project_reads and self.protocol.unnamed_attributes_unread:
            item = {k: v for k, v in item.items() if _JSONPATH_NAME.fullmatch(k)}
        return {"Item": item}

    def _attribute_names(self, name: str, state: dict, parameters: dict) -> dict:
        """ExpressionAttributeNames as evaluated. A dynamic one ("#channel.$": "$.attribute") must name an
        attribute the model computes, and none the protocol names statically (it would overwrite it)."""
        names = parameters.get("ExpressionAttributeNames", {})
        for key in state["Parameters"].get("ExpressionAttributeNames", {}):
            value = names[key.removesuffix(".$")]
            if key.endswith(".$") and (
                not isinstance(value, str) or isinstance(value, Opaque) or value in self.protocol.static_attributes
            ):
                raise UnsupportedDefinition(f"{name}: {key} names {value!r}, not an attribute of its own")
        return names

    def _post(self, world: World, i: int, frozen: FrozenMap) -> tuple[World, str]:
        """post_chat's effect: the webhook took the message. Recorded with the record as the poster's fence
        left it (see Post), like an email."""
        ex = world.execs[i]
        channel = frozen.get("Payload").get("channel")
        channel = channel.get("name") if isinstance(channel, FrozenMap) else None
        if not isinstance(channel, str) or isinstance(channel, Opaque):
            raise UnsupportedDefinition("post_chat is called with a channel whose name the model does not compute")
        fence = ex.frame.fence if ex.frame is not None and ex.frame.fence is not None else (None, None, None)
        forced, redriven, resend = self.kinds[i] == "forced", ex.redrives > 0, channel in ex.lost_posts
        post = Post(channel, i, *fence, forced, redriven, resend, ex.sends > 0)
        ex = ex._replace(lost_posts=ex.lost_posts - {channel})
        # Not numbered: a move is computed once for any posts before it (Model.successors); the trace
        # numbers them in the world after it.
        return self._with(world, i, ex, posts=world.posts + (post,)), f"posted to {channel}"

    def _faults(self, world: World, i: int, name: str, state: dict, effect_happened: bool, what: str):
        """Fault outcomes of one call: each error AWS could return here, then Retry/Catch as written."""
        if world.faults >= self.bounds.max_faults:
            return []
        before_errors, after_errors = self.protocol.faults(state)
        if "TimeoutSeconds" in state or "HeartbeatSeconds" in state:
            before_errors, after_errors = before_errors + (TIMEOUT,), after_errors + (TIMEOUT,)
        world = world._replace(faults=world.faults + 1)
        out, seen = [], set()
        for error in after_errors if effect_happened else before_errors:
            prefix = f"{what}, answer lost ({error}): " if effect_happened else f"fault before any effect ({error}): "
            for label, w in self._error(world, i, name, state, error, prefix, effect_happened):
                alike = self._alike(w, i)
                if alike not in seen:  # two errors handled alike: one outcome
                    seen.add(alike)
                    out.append((label, w))
        return out

    def _alike(self, world: World, i: int) -> World:
        """The outcome of a fault, up to the name of the error it FAILED with (Bounds.merge_failures): no
        move and no property reads a fault's error name (only States.Runtime and a lost condition are
        read, and no fault is either), and a redrive clears it."""
        ex = world.execs[i]
        if self.bounds.merge_failures and ex.status == FAILED:
            return self._with(world, i, ex._replace(error=None))
        return world

    def _error(
        self, world: World, i: int, name: str, state: dict, error: str, prefix: str, effect_happened: bool = False
    ):
        """Retry, then Catch, then fail: Step Functions' order. A retry of an attempt that had no effect is
        the same as that attempt happening later, which the interleavings already cover, so only a retry
        after an effect (the write or the send happened) is a move of its own. Exhausting the retries is
        always possible (every later attempt can fail too), so it is explored for every error."""
        out = []
        retrier = next((r for r in state.get("Retry", []) if _matches(r["ErrorEquals"], error)), None)
        if effect_happened and retrier is not None and retrier.get("MaxAttempts", 3) > 0:
            out.append((f"{prefix}retried", world))
        exhausted = "retries exhausted, " if retrier is not None else ""
        catcher = next((c for c in state.get("Catch", []) if _matches(c["ErrorEquals"], error)), None)
        ex = world.execs[i]
        if catcher is not None:
            doc = set_path(ex.doc, catcher.get("ResultPath", "$"), {"Error": error, "Cause": "modelled"})
            moved = self._with(world, i, ex._replace(at=catcher["Next"], doc=doc))
            self.branches.add((name, catcher["Next"]))
            out.append((f"{prefix}{exhausted}{error} caught -> {catcher['Next']}", moved))
        else:
            # SES accepted and the answer was lost: a redrive of this execution will send again (the
            # documented limit). The flag stays set through failures before the next send. Likewise a
            # post whose answer was lost (the post just made is the world's last).
            lost = ex.lost_send or (state["Resource"] == SEND and effect_happened)
            lost_posts = ex.lost_posts
            if effect_happened and state["Resource"] == LAMBDA:
                lost_posts = lost_posts | {world.posts[-1].channel}
            failed = self._fail(world, i, name, error, lost_send=lost, lost_posts=lost_posts)
            out.append((f"{prefix}{exhausted}{error}: FAILED", failed))
        return out


def _matches(error_equals: list[str], error: str) -> bool:
    if error == "States.Runtime":
        return False
    return (
        error in error_equals
        or "States.ALL" in error_equals
        or ("States.TaskFailed" in error_equals and error != "States.Timeout")
    )


# ---------------------------------------------------------------------------------------------------
# The properties, over a world in which every execution has ended.

PROPERTIES = {
    "P0 runtime": "no execution fails with States.Runtime (a path in the definition that selects nothing)",
    "P1 guard": "an email is sent only by the execution that owns the record, with status SENDING",
    "P1 twice": "no execution sends twice (except the documented limit: redrive after SES accepted, answer lost)",
    "P1 duplicate": "no unforced execution sends after an email already went out (same exception)",
    "P1 count": "emails <= 1 + forced executions that sent (same exception)",
    "P2 unalarmed claim": "a record left CLAIMED or SENDING is owned by an execution that FAILED (alarm)",
    "P3 lost day": "if no execution failed, the record is SENT and an email went out",
    "P4 stale record": "a SENT record names the sender and message id of the last email",
    "P5 false alarm": "no execution fails on a lost condition (ConditionalCheckFailed): a redrive would only repeat it",
    "P6 fence": "a chat post is made only by an execution that held the day when it passed its fence (BeginPosting)",
    "P6 after email": "no chat post before the email is SENT: SENT at the poster's fence, and its email went out",
    "P6 once per holder": "per channel, at most one post per holder of the day (except (a): redrive after lost answer)",
    "P6 count": "per channel, posts <= 1 + forced executions that posted there ((b) a forced run reposts; same (a))",
    "P7 unposted channel": "if no execution failed, every channel has a post by the execution that holds the day",
}


def violations(world: World, channels: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    found = _email_violations(world)
    found += _chat_violations(world)
    if channels and FAILED not in {ex.status for ex in world.execs}:
        owner = _text(world.record.get("executionArn")) if world.record is not None else None
        for channel in channels:
            if not any(p.channel == channel and exec_id(p.sender) == owner for p in world.posts):
                found.append(("P7 unposted channel", f"every execution SUCCEEDED, no post to {channel} by {owner}"))
    return found


def _chat_violations(world: World) -> list[tuple[str, str]]:
    """P6: each post against its fence (the poster's iteration's last write before it) and the posts before."""
    found, holders = [], defaultdict(int)
    for n, post in enumerate(world.posts, 1):
        who, what = exec_id(post.sender), f"p{n} to {post.channel}"
        if post.owner != who:
            held = f"held by {post.owner}" if post.status else "with no fence (no write before it)"
            found.append(("P6 fence", f"{who} posted {what}, the day {held} at its fence"))
        if post.status != "SENT" or not post.after_email:
            sent = "" if post.after_email else ", before any email of its own"
            found.append(("P6 after email", f"{who} posted {what}, the record {post.status} at its fence{sent}"))
        if post.resend_after_lost_answer:
            continue
        holder = post.owner
        holders[(post.channel, holder)] += 1
        if holders[(post.channel, holder)] == 2:
            found.append(("P6 once per holder", f"{who} posted {what}, a second post while {holder} held the day"))
    for channel in {post.channel for post in world.posts}:
        counted = [p for p in world.posts if p.channel == channel and not p.resend_after_lost_answer]
        forced = {p.sender for p in counted if p.forced}
        if len(counted) > 1 + len(forced):
            found.append(("P6 count", f"{len(counted)} posts to {channel}, {len(forced)} forced posters"))
    return found


def _email_violations(world: World) -> list[tuple[str, str]]:
    found = []
    for i, ex in enumerate(world.execs):
        if ex.status == FAILED and ex.error == "States.Runtime":
            found.append(("P0 runtime", f"{exec_id(i)} failed at {ex.at} with States.Runtime"))
        if ex.status == FAILED and ex.error == "DynamoDB.ConditionalCheckFailedException":
            found.append(("P5 false alarm", f"{exec_id(i)} failed at {ex.at}: the record is not its own any more"))
    earlier_senders = set()
    for n, email in enumerate(world.emails):
        who = exec_id(email.sender)
        if email.owner != who or email.status != "SENDING":
            found.append(("P1 guard", f"{who} sent {email.message_id} with the record {email.status} by {email.owner}"))
        if not email.resend_after_lost_answer:
            if email.sender in earlier_senders:
                found.append(("P1 twice", f"{who} sent {email.message_id}, a second email"))
            if n > 0 and not email.forced:
                found.append(("P1 duplicate", f"unforced {who} sent {email.message_id} after an email had gone out"))
        earlier_senders.add(email.sender)
    counted = [e for e in world.emails if not e.resend_after_lost_answer]
    forced_senders = {e.sender for e in counted if e.forced}
    if len(counted) > 1 + len(forced_senders):
        found.append(("P1 count", f"{len(counted)} emails, {len(forced_senders)} forced senders"))
    record = world.record
    status = record.get("status").get("S") if record is not None and record.get("status") else None
    owner = record.get("executionArn").get("S") if record is not None and record.get("executionArn") else None
    statuses = {exec_id(i): ex.status for i, ex in enumerate(world.execs)}
    if status in ("CLAIMED", "SENDING") and statuses.get(owner) != FAILED:
        found.append(("P2 unalarmed claim", f"record {status} by {owner}, which {statuses.get(owner)}: no alarm"))
    if FAILED not in statuses.values() and (status != "SENT" or not world.emails):
        found.append(
            ("P3 lost day", f"every execution SUCCEEDED, record {record_summary(record)}, {len(world.emails)} email(s)")
        )
    if status == "SENT":
        last = world.emails[-1] if world.emails else None
        message = record.get("messageId") and record.get("messageId").get("S")
        if last is None or owner != exec_id(last.sender) or message != last.message_id:
            found.append(
                (
                    "P4 stale record",
                    f"record {record_summary(record)}, last email "
                    f"{last and last.message_id} by {last and exec_id(last.sender)}",
                )
            )
    return found


# ---------------------------------------------------------------------------------------------------
# The explorer.


@dataclass
class Result:
    """What one scenario's exploration found. Worlds are kept as the explorer's compact keys (decode with
    world()); violating and limit-case final states are kept, so a test can pick the counterexample it
    is after and print its trace."""

    kinds: tuple[str, ...]
    model: Model = field(repr=False)
    states: int = 0  # explored: one world per set of worlds that differ only in names of executions
    unreduced_states: int = 0  # the worlds those stand for, all of them (as without Bounds.symmetry)
    final_states: int = 0  # counted unreduced, as are all the figures below
    runs: int = 0  # distinct paths from a start to a final state: the interleavings
    violations: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    limit_cases: list = field(default_factory=list)
    chat_limit_cases: list = field(default_factory=list)  # a repost after a lost answer, redriven: limit (a)
    # Not a property, worth knowing: final states where a post by an unforced execution reached a channel
    # after a forced run's post to it (the original after the resend: the forced run took the day over
    # between the original's fence and its post).
    late_posts: list = field(default_factory=list)
    # Not properties, worth knowing: final states where an execution FAILED on a ConditionalCheckFailed
    # no Catch handles (an alarm that a redrive of it cannot clear), by state.
    uncaught_conflicts: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    states_entered: set[str] = field(default_factory=set)
    # key -> (parent key or None, label, depth, renaming, orbit): the key is the renaming (an index into
    # Model.renamings) of the world the move labelled `label` led to from the parent; orbit: how many
    # worlds it stands for.
    parents: dict = field(default_factory=dict, repr=False)

    def world(self, key) -> World:
        return self.model.decode(key)

    def violating(self) -> set:
        return {key for keys in self.violations.values() for key in keys}

    # After the exploration: how many final states each category holds (Result.categories), counted
    # unreduced; and, once compact(), the shortest instance of each as (shortness, explained trace).
    tallies: dict[str, int] = field(default_factory=dict)
    shortest: dict[str, tuple] = field(default_factory=dict, repr=False)

    def weight(self, keys) -> int:
        """How many final states `keys` stand for (each, its set of renamings)."""
        return sum(self.parents[key][4] for key in keys)

    def categories(self) -> dict[str, list]:
        """The final states worth counting and showing: the violations of each property, the limit cases,
        the late posts and the uncaught conflicts of each state."""
        found = {f"violates {prop}": keys for prop, keys in self.violations.items() if keys}
        found |= {"violating": sorted(self.violating()), "email limit": self.limit_cases}
        found |= {"chat limit": self.chat_limit_cases, "late post": self.late_posts}
        return found | {f"conflict at {at}": keys for at, keys in self.uncaught_conflicts.items()}

    def compact(self) -> None:
        """Keep the figures and the shortest trace of each category; let go of the explored worlds (a
        --deep scenario holds millions), so that a check's memory is its largest scenario's."""
        self.shortest = {
            name: (self.shortness(key), self.explain(key))
            for name, keys in self.categories().items()
            if keys and name != "violating"
            for key in [min(keys, key=self.shortness)]
        }
        self.parents, self.violations, self.uncaught_conflicts = {}, defaultdict(list), defaultdict(list)
        self.limit_cases, self.chat_limit_cases, self.late_posts = [], [], []
        self.model = None

    def tally(self, name: str) -> int:
        return self.tallies.get(name, 0)

    def presented(self, key) -> list[tuple[str, World]]:
        """The run that reaches `key` by its shortest path, as (move, world after it), with the executions
        named as at the start throughout (each explored world is one renaming of the run's world)."""
        chain = []
        while key is not None:
            parent, label, _, renaming, _ = self.parents[key]
            chain.append((label, key, self.model.renamings[renaming]))
            key = parent
        shown, out = tuple(range(len(self.kinds))), []
        for label, key, renaming in reversed(chain):
            label = rename_text(label, shown)  # the label is in its parent's names
            back = {j: i for i, j in enumerate(renaming)}
            shown = tuple(shown[back[i]] for i in range(len(shown)))
            out.append((label, rename_world(self.world(key), shown)))
        return out

    def trace(self, key) -> list[str]:
        steps = []
        for label, world in self.presented(key):
            emails = ", ".join(f"{e.message_id} by {exec_id(e.sender)}" for e in world.emails) or "none"
            posts = "".join(
                f"{', ' if n > 1 else '; posts: '}p{n} to {p.channel} by {exec_id(p.sender)}"
                for n, p in enumerate(world.posts, 1)
            )
            steps.append(f"{label}\n      record {record_summary(world.record)}; emails: {emails}{posts}")
        return [f"{n:2}. {step}" for n, step in enumerate(steps, 1)]

    def counterexample(self, prop: str, where=lambda world: True):
        """The key of the shortest violating final state for `prop` whose world satisfies `where`."""
        candidates = [k for k in self.violations.get(prop, []) if where(self.world(k))]
        return min(candidates, key=self.shortness) if candidates else None

    def shortness(self, key):
        """Fewest faults, then fewest moves: the run in which least went wrong reads best."""
        return key[-1], self.parents[key][2]

    def explain(self, key) -> str:
        world = self.presented(key)[-1][1]
        ends = ", ".join(
            f"{exec_id(i)} ({k}) {ex.status} at {ex.at}" + (f" ({ex.error})" if ex.error else "")
            for i, (k, ex) in enumerate(zip(self.kinds, world.execs, strict=True))
        )
        lines = [f"scenario {', '.join(self.kinds)}:"] + self.trace(key)
        lines.append(f"    end: {ends}")
        lines += [f"    violates {p}: {detail}" for p, detail in violations(world, self.model.channels)]
        return "\n".join(lines)


def explore(protocol: Protocol, kinds: tuple[str, ...], bounds: Bounds | None = None) -> Result:
    """Every reachable world of the scenario, each once (memoised), in an order where every world comes
    after all its predecessors: each move strictly increases Model.potential(), so processing worlds by
    increasing potential is a topological order of the (acyclic) graph of worlds. That gives exact run
    counts (paths into a world are all known when it is processed) and shortest traces."""
    model = Model(protocol, kinds, bounds or Bounds())
    result = Result(kinds, model)
    paths: dict = {}
    parents = result.parents
    buckets: dict[int, list] = defaultdict(list)
    for label, key in model.initial():
        key, renaming, orbit = model.canonical(key)
        if key not in paths:
            paths[key] = 0
            parents[key] = (None, label, 0, renaming, orbit)
            buckets[model.potential(key)].append(key)
        paths[key] += 1
    while buckets:
        level = min(buckets)
        for key in buckets.pop(level):
            result.states += 1
            result.unreduced_states += parents[key][4]
            count, depth = paths.pop(key), parents[key][2] + 1  # all paths into it are known: drop the count
            if model.is_final(key):
                result.final_states += parents[key][4]
                result.runs += count
                world = model.decode(key)
                for prop in {prop for prop, _ in violations(world, model.channels)}:
                    result.violations[prop].append(key)
                if any(e.resend_after_lost_answer for e in world.emails):
                    result.limit_cases.append(key)
                if any(p.resend_after_lost_answer for p in world.posts):
                    result.chat_limit_cases.append(key)
                if _late_post(world):
                    result.late_posts.append(key)
                for at in {ex.at for ex in world.execs if ex.status == FAILED and ex.error == CCF}:
                    result.uncaught_conflicts[at].append(key)
            for label, after, growth in model.successors(key):
                assert growth > 0, (label, "every move must make progress")
                after, renaming, orbit = model.canonical(after)
                if after not in parents:
                    paths[after] = count
                    parents[after] = (key, label, depth, renaming, orbit)
                    buckets[level + growth].append(after)
                else:
                    # Every move into the set of renamings counts: the paths into the set are the runs.
                    paths[after] += count
                    if depth < parents[after][2]:
                        parents[after] = (key, label, depth, renaming, orbit)
    result.states_entered = model.entered
    result.tallies = {name: result.weight(keys) for name, keys in result.categories().items()}
    return result


def rename_world(world: World, renaming: tuple[int, ...]) -> World:
    execs = [None] * len(world.execs)
    for i, ex in enumerate(world.execs):
        execs[renaming[i]] = rename(ex, renaming)
    shared = (rename(world.record, renaming), rename(world.emails, renaming))
    return World(tuple(execs), *shared, world.faults, rename(world.posts, renaming))


def _late_post(world: World) -> bool:
    return any(
        not post.forced and any(p.forced and p.channel == post.channel for p in world.posts[:n])
        for n, post in enumerate(world.posts)
    )


def walk(protocol: Protocol, kind: str = "scheduled", iterations: bool = False, channels: int = 1) -> list[str]:
    """The states one execution of `kind` enters when it runs alone without a fault, as the model runs it:
    a Map as one state, or (`iterations`) with the states of each of its iterations after it."""
    bounds = Bounds(max_faults=0, max_redrives=0, reduce_local_steps=False, channels=channels)
    model = Model(protocol, (kind,), bounds)
    [(_, key)] = model.initial()
    world = model.decode(key)
    entered = [world.execs[0].at]
    while world.execs[0].status == RUNNING:
        [(_, world)] = model.step(world, 0)
        ex = world.execs[0]
        at = ex.frame.map if ex.frame is not None and not iterations else ex.at
        if at != entered[-1]:
            entered.append(at)
    return entered


def scenarios(protocol: Protocol, sizes=(2, 3)) -> list[tuple[str, ...]]:
    """Every mix of kinds of run (a multiset: executions are interchangeable up to their names), one kind
    standing for each group the definition cannot tell apart."""
    kinds = [group[0] for group in protocol.interchangeable_kinds()]
    return [mix for size in sizes for mix in itertools.combinations_with_replacement(kinds, size)]


def check(protocol: Protocol, bounds: Bounds | None = None, sizes=(2, 3), compact: bool = False) -> list[Result]:
    """Every scenario explored; `compact`: each keeps only its figures and shortest traces (Result.compact)."""
    results = []
    for kinds in scenarios(protocol, sizes):
        results.append(explore(protocol, kinds, bounds))
        if compact:
            results[-1].compact()
    return results


@dataclass
class Report:
    """The figures of a whole check."""

    results: list[Result]
    seconds: float

    @property
    def states(self) -> int:
        return sum(r.states for r in self.results)

    @property
    def unreduced_states(self) -> int:
        return sum(r.unreduced_states for r in self.results)

    @property
    def final_states(self) -> int:
        return sum(r.final_states for r in self.results)

    @property
    def runs(self) -> int:
        return sum(r.runs for r in self.results)

    @property
    def violating(self) -> int:
        return sum(r.tally("violating") for r in self.results)

    @property
    def limit_cases(self) -> int:
        return sum(r.tally("email limit") for r in self.results)

    @property
    def chat_limit_cases(self) -> int:
        return sum(r.tally("chat limit") for r in self.results)

    @property
    def late_posts(self) -> int:
        return sum(r.tally("late post") for r in self.results)

    def count(self, prop: str) -> int:
        return sum(r.tally(f"violates {prop}") for r in self.results)


def run(path: Path | str = DEFINITION, bounds: Bounds | None = None, sizes=(2, 3), compact: bool = False) -> Report:
    started = time.perf_counter()
    results = check(Protocol.load(path), bounds, sizes, compact)
    return Report(results, time.perf_counter() - started)


def _arguments(argv: list[str]) -> tuple[Path, Bounds, list[str]]:
    """[definition.asl.json] [--deep] [--channels=N] [--redrive-iterations=start|failed|both]."""
    modes = {"start": [AT_ITERATION_START], "failed": [AT_FAILED_STATE], "both": [AT_ITERATION_START, AT_FAILED_STATE]}
    options = dict(a[2:].split("=", 1) for a in argv if a.startswith("--") and "=" in a)
    if options.get("redrive-iterations", "both") not in modes or set(options) - {"redrive-iterations", "channels"}:
        raise SystemExit(f"usage: {_arguments.__doc__}")
    bounds = Bounds(max_faults=3, max_redrives=2, channels=2) if "--deep" in argv else Bounds()
    bounds.channels = int(options.get("channels", bounds.channels))
    args = [a for a in argv if not a.startswith("--")]
    return Path(args[0]) if args else DEFINITION, bounds, modes[options.get("redrive-iterations", "both")]


def _print_figures(path: Path, protocol: Protocol, bounds: Bounds, report: Report) -> None:
    print(f"Model check of {path}")
    print(
        f"bounds: 2 and 3 executions of one report for one day, at most {bounds.max_faults} faults per scenario, "
        f"at most {bounds.max_redrives} redrive(s) per execution, {bounds.channels} chat channel(s); a redriven "
        f"Map iteration resumes at its {bounds.redrive_iteration_at}"
    )
    for group in [g for g in protocol.interchangeable_kinds() if len(g) > 1]:
        print(
            f"kinds {' and '.join(group)} are explored as {group[0]}: their requests differ only in "
            f"fields no Choice or condition reads"
        )
    print(
        f"\n{'scenario':<32} {'explored':>10} {'states':>10} {'final':>9} {'runs':>17} {'violating':>10} "
        f"{'limit':>8} {'chat limit':>10} {'late post':>9}"
    )
    for r in report.results:
        print(
            f"{', '.join(r.kinds):<32} {r.states:>10,} {r.unreduced_states:>10,} {r.final_states:>9,} {r.runs:>17,} "
            f"{r.tally('violating'):>10,} {r.tally('email limit'):>8,} {r.tally('chat limit'):>10,} "
            f"{r.tally('late post'):>9,}"
        )
    print(
        f"\n{len(report.results)} scenarios, {report.states:,} distinct states explored (one per renaming of "
        f"executions of the same kind), standing for {report.unreduced_states:,} states; "
        f"{report.final_states:,} final states, {report.runs:,} runs (interleavings), "
        f"{report.violating:,} violating final states, {report.limit_cases:,} final states in the "
        f"documented email limit case, {report.chat_limit_cases:,} in the chat limit case (a), "
        f"{report.seconds:.1f} s"
    )
    for prop, meaning in PROPERTIES.items():
        print(f"  {prop:<20} {report.count(prop):>9,} violating  {meaning}")


def _shortest(report: Report, name: str) -> str | None:
    """The explained trace of the shortest final state of category `name` over the (compact) report."""
    found = [r.shortest[name] for r in report.results if name in r.shortest]
    return min(found, key=lambda shortness_and_trace: shortness_and_trace[0])[1] if found else None  # first of ties


def _print_traces(report: Report) -> None:
    for prop in PROPERTIES:
        trace = _shortest(report, f"violates {prop}")
        if trace is not None:
            print(f"\nCOUNTEREXAMPLE to {prop}:\n{trace}")
    conflicts = sorted({name for r in report.results for name in r.tallies if name.startswith("conflict at ")})
    for name in conflicts:
        count = sum(r.tally(name) for r in report.results)
        print(
            f"\nObserved (not a property): {count:,} final states where an execution FAILED at "
            f"{name.removeprefix('conflict at ')} on {CCF} (no Catch): an alarm that a redrive of it cannot "
            f"clear. Shortest:\n{_shortest(report, name)}"
        )
    late = _shortest(report, "late post")
    if late is not None:
        print(
            f"\nObserved (not a property): {report.late_posts:,} final states where an unforced execution's post "
            f"reached a channel after a forced run's post to it (one post per holder). Shortest:\n{late}"
        )
    for what, name in (("email", "email limit"), ("chat (a)", "chat limit")):
        limit = _shortest(report, name)
        if limit is not None:
            print(f"\nThe documented {what} limit (not a violation), shortest instance:\n{limit}")


def main(argv: list[str]) -> int:
    # As a command, put functions/ on the path as each Lambda zip's root is (pytest does it from pyproject).
    functions = str(DEFINITION.parents[1] / "functions")
    if functions not in sys.path:
        sys.path.insert(0, functions)
    path, bounds, modes = _arguments(argv)
    protocol = Protocol.load(path)
    failed = False
    for n, mode in enumerate(modes):
        bounds.redrive_iteration_at = mode
        report = run(path, bounds, compact=True)
        print("\n" + "=" * 100 + "\n" if n else "", end="")
        _print_figures(path, protocol, bounds, report)
        _print_traces(report)
        failed = failed or bool(report.violating)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

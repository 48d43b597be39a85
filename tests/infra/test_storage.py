"""The shared-costs bucket (terraform/storage.tf): the deployment's run data, laid out once in
functions/report_contract/objects.py: the report declarations (config/reports.json, written by Terraform),
a scheduled run's due lists and the Distributed Map's results (runs/), and the Cost Explorer answers shared
between reports (shared/). Its name fits S3's rules for the longest prefix the variable allows, it is
private, encrypted, TLS only; the keys Terraform names, grants and expires are objects.py's, and each
prefix is kept as long as objects.py says."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta

import pytest
from fetch_costs.history_cache import leading_months
from fetch_costs.query import report_window
from report_contract import objects
from report_contract.period import first_of_next_month

from tests.infra.terraform import FUNCTIONS, Terraform, as_list, attr, blocks, validation_regexes
from tests.infra.test_iam_least_privilege import (
    HISTORY_OBJECTS,
    REPORTS_OBJECT,
    RUNS_OBJECTS,
    SHARED_OBJECTS,
    granted,
    policy_documents,
    statements,
)

# General purpose bucket naming rules (Amazon S3 User Guide,
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html): 3 to 63 characters,
# lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, and none of
# these prefixes or suffixes.
S3_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
FORBIDDEN_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
FORBIDDEN_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
ACCOUNT_ID = "123456789012"  # always 12 digits


def bucket(terraform: Terraform) -> dict:
    return terraform.resources["aws_s3_bucket"]["shared_costs"]


def configures_the_bucket(body: dict) -> bool:
    return attr(body, "bucket") == "${aws_s3_bucket.shared_costs.id}"


def longest_prefix(terraform: Terraform) -> str:
    """The longest name_prefix every validation regex accepts (and proof that the bound is real)."""
    patterns = validation_regexes(terraform, "name_prefix")
    assert patterns, "name_prefix has no regex validation"

    def accepted(text: str) -> bool:
        return all(re.search(pattern, text) for pattern in patterns)

    lengths = [n for n in range(1, 200) if accepted("a" * n)]
    assert lengths and max(lengths) < 199, "name_prefix's length is unbounded: the bucket name could pass 63"
    return "a" * max(lengths)


def code_key_prefix() -> str:
    """The constant head of sharing.object_key's f-string: the prefix every key the code writes starts with."""
    tree = ast.parse((FUNCTIONS / "fetch_costs" / "sharing.py").read_text())
    (function,) = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "object_key"]
    (returned,) = [node.value for node in ast.walk(function) if isinstance(node, ast.Return)]
    assert isinstance(returned, ast.JoinedStr) and isinstance(returned.values[0], ast.Constant), ast.dump(returned)
    head = returned.values[0].value
    assert head.endswith("/"), f"object_key's keys start with {head!r}: expected a folder"
    return head


def test_the_longest_bucket_name_is_a_valid_s3_name(terraform) -> None:
    template = terraform.locals["shared_costs_bucket"]
    assert attr(bucket(terraform), "bucket") == "${local.shared_costs_bucket}"
    prefix = longest_prefix(terraform)
    assert len(prefix) == 32  # what variables.tf documents
    name = template.replace("${var.name_prefix}", prefix).replace("${local.account_id}", ACCOUNT_ID)
    assert "${" not in name, f"{template}: only the prefix and the account id have a bounded length"
    assert len(name) <= 63, f"{name} is {len(name)} characters; S3 allows 63"
    assert S3_NAME.match(name) and ".." not in name
    assert not name.endswith(FORBIDDEN_SUFFIXES)


def test_a_prefix_s3_refuses_is_refused_at_plan(terraform) -> None:
    (precondition,) = blocks(blocks(bucket(terraform), "lifecycle")[0], "precondition")
    for forbidden in FORBIDDEN_PREFIXES:
        assert f'startswith(var.name_prefix,"{forbidden}")' in attr(precondition, "condition").replace(" ", "")
        assert forbidden in attr(precondition, "error_message")


def test_terraforms_layout_is_report_contract_objects(terraform) -> None:
    # Terraform cannot import Python: the same literals, held equal here.
    assert {name: terraform.locals[name] for name in LAYOUT} == {
        name: getattr(objects, constant) for name, constant in LAYOUT.items()
    }
    assert objects.due_key("run").startswith(objects.RUNS_PREFIX)
    assert objects.shared_due_key("run").startswith(objects.RUNS_PREFIX)
    assert objects.MAP_RESULTS_PREFIX.startswith(objects.RUNS_PREFIX), "the Map's results expire with the run"
    assert not objects.REPORTS_KEY.startswith((objects.RUNS_PREFIX, objects.SHARED_PREFIX)), "it must not expire"
    assert objects.history_key("digest", date(2026, 10, 1)) == f"{objects.HISTORY_PREFIX}digest/2026-10.json.gz"


# locals in storage.tf -> their constant in report_contract/objects.py
LAYOUT = {
    "reports_key": "REPORTS_KEY",
    "runs_prefix": "RUNS_PREFIX",
    "map_results_prefix": "MAP_RESULTS_PREFIX",
    "shared_costs_prefix": "SHARED_PREFIX",
    "runs_expire_days": "RUNS_EXPIRE_DAYS",
    "shared_expire_days": "SHARED_EXPIRE_DAYS",
    "history_prefix": "HISTORY_PREFIX",
    "history_expire_days": "HISTORY_EXPIRE_DAYS",
}


def test_the_shared_prefix_is_the_one_the_code_writes(terraform) -> None:
    assert terraform.locals["shared_costs_prefix"] == code_key_prefix() == "shared/"


def lifecycle_rules(terraform: Terraform) -> dict[str, dict]:
    lifecycle = terraform.resources["aws_s3_bucket_lifecycle_configuration"]["shared_costs"]
    assert configures_the_bucket(lifecycle)
    return {attr(rule, "id"): rule for rule in blocks(lifecycle, "rule")}


def local_value(terraform: Terraform, expression: object) -> object:
    """${local.x} -> its value; anything else as it is."""
    match = re.fullmatch(r"\$\{local\.(\w+)\}", str(expression))
    return terraform.locals[match[1]] if match else expression


def test_shared_answers_expire_after_a_day_and_run_lists_after_the_redrive_window(terraform) -> None:
    # A failed run can be redriven for 14 days (https://docs.aws.amazon.com/step-functions/latest/dg/
    # redrive-executions.html) and its redrive reads the same due list: runs/ outlives that by a day.
    expiring = {}
    for rule in lifecycle_rules(terraform).values():
        assert attr(rule, "status") == "Enabled"
        for expiration in blocks(rule, "expiration"):
            (prefix,) = [local_value(terraform, attr(f, "prefix")) for f in blocks(rule, "filter")]
            expiring[prefix] = local_value(terraform, attr(expiration, "days"))
    assert expiring == {
        objects.SHARED_PREFIX: objects.SHARED_EXPIRE_DAYS,
        objects.RUNS_PREFIX: objects.RUNS_EXPIRE_DAYS,
        objects.HISTORY_PREFIX: objects.HISTORY_EXPIRE_DAYS,
    }, "and nothing for config/: the declarations never expire"
    assert objects.SHARED_EXPIRE_DAYS == 1 and objects.RUNS_EXPIRE_DAYS == 14 + 1


def test_a_cached_month_outlives_every_daily_report_that_reads_it() -> None:
    # A month is written once final (the 1st of the next month at the earliest) and read by the daily
    # reports whose query starts on its 1st: those of the next month, the last one up to 31 days after
    # the earliest write (query.report_window). S3 counts from the object's creation, rounded up to midnight.
    readers = [date(2027, 1, 1) + timedelta(days=n) for n in range(730)]
    longest = max(
        (day - first_of_next_month(month)).days + 1 for day in readers for month in leading_months(*report_window(day))
    )
    assert longest == 31 and objects.HISTORY_EXPIRE_DAYS >= longest + 1


def test_stray_multipart_uploads_are_aborted_everywhere(terraform) -> None:
    # The ResultWriter may upload in parts under runs/map-results; the rule covers the whole bucket.
    abort = lifecycle_rules(terraform)["abort-incomplete-uploads"]
    assert attr(abort, "status") == "Enabled"
    assert blocks(abort, "filter") == [{}], "the whole bucket"
    assert [attr(a, "days_after_initiation") for a in blocks(abort, "abort_incomplete_multipart_upload")] == [1]


def test_terraform_writes_the_declarations_before_the_state_machine_can_read_them(terraform) -> None:
    (body,) = terraform.resources["aws_s3_object"].values()
    assert configures_the_bucket(body)
    assert attr(body, "key") == "${local.reports_key}"
    assert attr(body, "content").replace(" ", "") == "${jsonencode(local.reports)}", "what parse_reports reads"
    assert attr(body, "content_type") == "application/json"
    assert attr(body, "server_side_encryption") == "AES256"
    # Every run's first step reads them: the state machine exists only once they are written.
    assert "${aws_s3_object.reports}" in as_list(
        attr(terraform.resources["aws_sfn_state_machine"]["cost_notifier"], "depends_on")
    )


def s3_grants(terraform: Terraform) -> dict[str, set[tuple[str, str]]]:
    s3: dict[str, set[tuple[str, str]]] = {}
    for name, document in policy_documents(terraform):
        if name == "shared_costs_bucket" or not any(attr(st, "resources") for st in statements(document)):
            continue  # the bucket policy (a Deny, tested below) and the trust policies
        for action, resource in granted(document):
            if action.startswith("s3:"):
                s3.setdefault(name, set()).add((action, resource))
    return s3


def test_each_role_may_only_get_and_put_the_objects_it_uses(terraform) -> None:
    # No ListBucket (the code never lists: a missing key answers 403, not 404), no DeleteObject (the
    # lifecycle rules expire them), nothing on the bucket itself, and for no other role. Only
    # resolve_report_date and fetch_costs read the declarations; only the state machine's ResultWriter
    # may upload in parts, and only under runs/map-results/.
    map_results = "aws_s3_bucket.shared_costs.arn/local.map_results_prefix/*"
    assert s3_grants(terraform) == {
        'function["resolve_report_date"]': {("s3:GetObject", REPORTS_OBJECT), ("s3:PutObject", RUNS_OBJECTS)},
        'function["fetch_costs"]': {
            ("s3:GetObject", REPORTS_OBJECT),
            ("s3:GetObject", RUNS_OBJECTS),
            ("s3:PutObject", RUNS_OBJECTS),
            ("s3:GetObject", SHARED_OBJECTS),
            ("s3:PutObject", SHARED_OBJECTS),
            ("s3:GetObject", HISTORY_OBJECTS),
            ("s3:PutObject", HISTORY_OBJECTS),
        },
        "state_machine": {
            # The ItemReader: the two lists a run's state may name, nothing else under runs/.
            ("s3:GetObject", f"{RUNS_OBJECTS}/due.json"),
            ("s3:GetObject", f"{RUNS_OBJECTS}/shared.json"),
            ("s3:PutObject", map_results),
            ("s3:GetObject", map_results),
            ("s3:ListMultipartUploadParts", map_results),
            ("s3:AbortMultipartUpload", map_results),
        },
    }


def test_no_public_access_and_no_acls(terraform) -> None:
    (block,) = terraform.resources["aws_s3_bucket_public_access_block"].values()
    assert configures_the_bucket(block)
    for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
        assert attr(block, setting) is True, setting
    (ownership,) = terraform.resources["aws_s3_bucket_ownership_controls"].values()
    assert configures_the_bucket(ownership)
    assert [attr(rule, "object_ownership") for rule in blocks(ownership, "rule")] == ["BucketOwnerEnforced"]
    assert "aws_s3_bucket_acl" not in terraform.resources


def test_encrypted_with_s3_managed_keys(terraform) -> None:
    (encryption,) = terraform.resources["aws_s3_bucket_server_side_encryption_configuration"].values()
    assert configures_the_bucket(encryption)
    (rule,) = blocks(encryption, "rule")
    (default,) = blocks(rule, "apply_server_side_encryption_by_default")
    assert attr(default, "sse_algorithm") == "AES256"


def test_unversioned_and_emptied_on_destroy(terraform) -> None:
    # Versioning would keep each expired object as a noncurrent version, and the one key overwritten,
    # config/reports.json, is rewritten from Terraform (storage.tf says why it is off).
    assert "aws_s3_bucket_versioning" not in terraform.resources
    assert attr(bucket(terraform), "force_destroy") is True


def test_the_bucket_policy_denies_every_request_without_tls(terraform) -> None:
    (policy,) = terraform.resources["aws_s3_bucket_policy"].values()
    assert configures_the_bucket(policy)
    assert attr(policy, "policy") == "${data.aws_iam_policy_document.shared_costs_bucket.json}"
    (statement,) = statements(terraform.data["aws_iam_policy_document"]["shared_costs_bucket"])
    assert attr(statement, "effect") == "Deny"
    assert as_list(attr(statement, "actions")) == ["s3:*"]
    assert as_list(attr(statement, "resources")) == [
        "${aws_s3_bucket.shared_costs.arn}",
        "${aws_s3_bucket.shared_costs.arn}/*",
    ]
    (principal,) = blocks(statement, "principals")
    assert attr(principal, "type") == "*" and as_list(attr(principal, "identifiers")) == ["*"]
    (condition,) = blocks(statement, "condition")
    assert (attr(condition, "test"), attr(condition, "variable"), as_list(attr(condition, "values"))) == (
        "Bool",
        "aws:SecureTransport",
        ["false"],
    )


def test_the_functions_that_use_it_are_told_the_bucket_and_the_runbook_can_find_it(terraform) -> None:
    told = {
        function: names
        for function, names in terraform.locals["infrastructure_environment"].items()
        if "SHARED_COSTS_BUCKET" in names
    }
    assert told == {
        function: {"SHARED_COSTS_BUCKET": "${aws_s3_bucket.shared_costs.bucket}"}
        for function in ("resolve_report_date", "fetch_costs")
    }
    assert attr(terraform.outputs["shared_costs_bucket"], "value") == "${aws_s3_bucket.shared_costs.bucket}"


@pytest.mark.parametrize(
    ("reports", "memory", "expected"),
    [(1, None, 256), (99, None, 256), (100, None, 306), (1000, None, 756), (10_000, None, 5256), (1000, 512, 512)],
)
def test_fetch_costs_memory_follows_the_number_of_reports_unless_set(terraform, reports, memory, expected) -> None:
    # One shared query serves every team report and holds its whole answer while slicing it (FetchSharedCosts:
    # docs/performance.md measures it at 1,000 teams); a deployment of a few reports keeps 256 MB.
    from tests.infra.hcl_condition import evaluate

    expression = terraform.locals["fetch_costs_memory_size"]
    declared = {"reports": {f"r{i}": {} for i in range(reports)}}
    assert evaluate(expression, {"fetch_costs_memory_size": memory}, declared) == expected
    assert terraform.locals["functions"]["fetch_costs"]["memory_size"] == "${local.fetch_costs_memory_size}"

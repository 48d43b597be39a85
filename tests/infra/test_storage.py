"""The shared-costs bucket (terraform/storage.tf): where a scheduled run leaves the Cost Explorer answers
it fetched once for several reports, and each report's FetchCosts reads its slice
(functions/fetch_costs/sharing.py). Its name fits S3's rules for the longest prefix the variable allows,
it is private, encrypted, TLS only, and its objects expire; the key prefix the function is granted and
the lifecycle rule expires is the one the code writes."""

from __future__ import annotations

import ast
import re

from tests.infra.terraform import FUNCTIONS, Terraform, as_list, attr, blocks, validation_regexes
from tests.infra.test_iam_least_privilege import granted, policy_documents, statements

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


def test_the_key_prefix_is_the_one_the_code_writes(terraform) -> None:
    assert terraform.locals["shared_costs_prefix"] == code_key_prefix() == "shared/"
    (expiring,) = [
        rule
        for rule in blocks(terraform.resources["aws_s3_bucket_lifecycle_configuration"]["shared_costs"], "rule")
        if blocks(rule, "expiration")
    ]
    assert [attr(f, "prefix") for f in blocks(expiring, "filter")] == ["${local.shared_costs_prefix}"]


def test_fetch_costs_may_only_put_and_get_the_shared_objects(terraform) -> None:
    s3 = {}
    for name, document in policy_documents(terraform):
        if name == "shared_costs_bucket" or not any(attr(st, "resources") for st in statements(document)):
            continue  # the bucket policy (a Deny, tested below) and the trust policies
        for action, resource in granted(document):
            if action.startswith("s3:"):
                s3.setdefault(name, set()).add((action, resource))
    # No ListBucket (the code never lists: a missing key answers 403, not 404), no DeleteObject (the
    # lifecycle rule expires them), nothing on the bucket itself, and for no other role.
    objects = "aws_s3_bucket.shared_costs.arn/local.shared_costs_prefix*"
    assert s3 == {'function["fetch_costs"]': {("s3:GetObject", objects), ("s3:PutObject", objects)}}


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


def test_objects_expire_after_a_day_and_stray_uploads_are_aborted(terraform) -> None:
    lifecycle = terraform.resources["aws_s3_bucket_lifecycle_configuration"]["shared_costs"]
    assert configures_the_bucket(lifecycle)
    rules = {attr(rule, "id"): rule for rule in blocks(lifecycle, "rule")}
    assert all(attr(rule, "status") == "Enabled" for rule in rules.values())
    assert [attr(e, "days") for e in blocks(rules["expire-shared-answers"], "expiration")] == [1]
    abort = rules["abort-incomplete-uploads"]
    assert blocks(abort, "filter") == [{}], "the whole bucket"
    assert [attr(a, "days_after_initiation") for a in blocks(abort, "abort_incomplete_multipart_upload")] == [1]


def test_unversioned_and_emptied_on_destroy(terraform) -> None:
    # Versioning would keep each expired answer as a noncurrent version (storage.tf says why it is off).
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


def test_fetch_costs_is_told_the_bucket_and_the_runbook_can_find_it(terraform) -> None:
    assert terraform.locals["infrastructure_environment"]["fetch_costs"] == {
        "SHARED_COSTS_BUCKET": "${aws_s3_bucket.shared_costs.bucket}"
    }
    assert attr(terraform.outputs["shared_costs_bucket"], "value") == "${aws_s3_bucket.shared_costs.bucket}"

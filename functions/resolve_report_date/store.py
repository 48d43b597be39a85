"""ResolveReportDate's AWS edge: the report declarations and the due list in the data bucket
(report_contract.objects says where), and the account's SES sending rate.

The bucket is the environment variable SHARED_COSTS_BUCKET (Terraform's `aws_s3_bucket.shared_costs`, the
same variable fetch_costs reads). Nothing here decides anything: report_date.resolve does, on what this reads.
"""

from __future__ import annotations

import functools
import json
import math
import os
from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.exceptions import ClientError  # type: ignore[import-untyped]
from report_contract.objects import REPORTS_KEY

from resolve_report_date.errors import ConfigurationError

BUCKET_VARIABLE = "SHARED_COSTS_BUCKET"


@functools.cache
def _client(service: str) -> Any:
    return boto3.client(service)


def bucket() -> str:
    name = os.environ.get(BUCKET_VARIABLE, "").strip()
    if not name:
        raise ConfigurationError(f"{BUCKET_VARIABLE} is not set: Terraform sets it to the shared-costs bucket")
    return name


def read_reports_text() -> str:
    """config/reports.json as Terraform wrote it (aws_s3_object.reports). A missing object is a
    ConfigurationError (every run fails until Terraform is applied); other S3 errors propagate as
    Lambda errors for the state's Retry."""
    try:
        body = _client("s3").get_object(Bucket=bucket(), Key=REPORTS_KEY)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "NoSuchBucket"):
            raise ConfigurationError(
                f"s3://{bucket()}/{REPORTS_KEY} does not exist: Terraform writes the reports there "
                "(aws_s3_object.reports); run terraform apply"
            ) from None
        raise
    text: str = body.decode("utf-8")
    return text


def write_due(key: str, items: list[dict[str, object]]) -> None:
    """The due list for the Distributed Map's ItemReader (a JSON array, one child item each). The same key
    and body on a retry after a lost answer: writing it again changes nothing."""
    _client("s3").put_object(
        Bucket=bucket(),
        Key=key,
        Body=json.dumps(items, separators=(",", ":")).encode(),
        ContentType="application/json",
    )


def max_send_rate() -> float:
    """SESv2 GetAccount's SendQuota.MaxSendRate: "The maximum number of emails that Amazon SES can accept
    from your account each second" (https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendQuota.html)."""
    quota = _client("sesv2").get_account()["SendQuota"]
    return float(quota["MaxSendRate"])


def concurrency(send_rate: float, recipients: int, due: int) -> int:
    """How many children StartEachReport starts per second (its MaxConcurrency; each item waits a second):
    SES counts in recipients, not messages ("Quotas are based on the number of recipients, rather than on
    the number of messages": https://docs.aws.amazon.com/ses/latest/dg/quotas.html), so a report to
    `recipients` addresses uses that many. At least 1 (a sandbox account's rate is 1 and a
    report may have more recipients: its sends are then throttled and retried), at most the reports due."""
    per_second = math.floor(send_rate / max(1, recipients))
    return max(1, min(per_second, max(1, due)))

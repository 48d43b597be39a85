"""Fixtures for the handler tests of more than one file."""

from __future__ import annotations

import boto3
import pytest
from fetch_costs import sharing
from moto import mock_aws

# The data bucket as Terraform names it for a deployment (SHARED_COSTS_BUCKET).
DATA_BUCKET = "cost-notifier-shared-costs-test"


@pytest.fixture(scope="module")
def data_bucket_module():
    """moto's S3 with the data bucket, named by SHARED_COSTS_BUCKET as Terraform sets it: one for the
    module (a boto3 client takes a few hundred ms to make)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            sharing.BUCKET_VARIABLE: DATA_BUCKET,
        }.items():
            patch.setenv(name, value)
        sharing.s3.cache_clear()
        with mock_aws():
            client = boto3.client("s3", region_name="us-east-1")
            client.create_bucket(Bucket=DATA_BUCKET)
            yield client
        sharing.s3.cache_clear()


@pytest.fixture
def data_bucket(data_bucket_module):
    """The data bucket, emptied: each test starts with no cached month (fetch_costs.history_cache)."""
    listed = data_bucket_module.list_objects_v2(Bucket=DATA_BUCKET).get("Contents", [])
    for item in listed:
        data_bucket_module.delete_object(Bucket=DATA_BUCKET, Key=item["Key"])
    return data_bucket_module

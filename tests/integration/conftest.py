"""Fixtures for tests against real services (S3 API endpoint, ...), started by .ci/run in CI."""

import os
import runpy
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from django.core.files.storage import storages

BASE_SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings" / "base.py"


@pytest.fixture(scope="session")
def s3_endpoint_url() -> str:
    return os.environ["AWS_S3_ENDPOINT_URL"]


@pytest.fixture(scope="session")
def s3_bucket_name() -> str:
    return os.environ.get("AWS_S3_TEST_BUCKET", "osd-test-private")


@pytest.fixture(scope="session")
def s3_storage_config(s3_bucket_name) -> dict:
    """STORAGES["default"] exactly as config/settings/base.py builds it when a bucket is configured.

    base.py is executed afresh with AWS_STORAGE_BUCKET_NAME set, so these tests exercise the
    production OPTIONS (private ACL, signed URLs, no overwrite, SSE) rather than a copy of them.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_STORAGE_BUCKET_NAME", s3_bucket_name)
        config = runpy.run_path(str(BASE_SETTINGS))["STORAGES"]["default"]
    assert config["BACKEND"] == "storages.backends.s3.S3Storage"
    return config


@pytest.fixture(scope="session")
def s3_client(s3_storage_config, s3_endpoint_url):
    options = s3_storage_config["OPTIONS"]
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint_url,
        region_name=options["region_name"],
        aws_access_key_id=options["access_key"],
        aws_secret_access_key=options["secret_key"],
    )


@pytest.fixture(scope="session")
def s3_bucket(s3_client, s3_storage_config, s3_bucket_name) -> str:
    """The private test bucket, created if missing (as minio-init does in docker-compose.yml)."""
    try:
        s3_client.head_bucket(Bucket=s3_bucket_name)
    except ClientError as error:
        if error.response["Error"]["Code"] not in {"404", "NoSuchBucket"}:
            raise
        region = s3_storage_config["OPTIONS"]["region_name"]
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        s3_client.create_bucket(Bucket=s3_bucket_name, ACL="private", **location)
    return s3_bucket_name


@pytest.fixture
def s3_prefix(s3_client, s3_bucket):
    """A key prefix of this test's own; whatever the test leaves under it is removed afterwards."""
    prefix = f"test-{uuid.uuid4().hex}"
    yield prefix
    listed = s3_client.list_objects_v2(Bucket=s3_bucket, Prefix=f"{prefix}/")
    for obj in listed.get("Contents", []):
        s3_client.delete_object(Bucket=s3_bucket, Key=obj["Key"])


@pytest.fixture
def s3_storage(s3_storage_config, s3_bucket):
    """A Django storage built from base.py's S3 configuration, on the test bucket."""
    return storages.create_storage(s3_storage_config)

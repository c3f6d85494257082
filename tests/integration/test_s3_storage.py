"""Documents on S3 through Django's storage API, configured as config/settings/base.py does.

Runs against a real S3 API endpoint (moto's standalone server in CI), skipped unless
AWS_S3_ENDPOINT_URL is set.

What moto 5.2 enforces, checked by hand against `moto_server`: an unsigned GET is answered by the
object's ACL (private -> 403, public-read -> 200); it does not verify signatures (a tampered
presigned URL still gets 200), and it lets anyone list a bucket. So these tests assert the object
ACL and the anonymous refusal, and do not claim that signatures or listings are checked.
"""

import os
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import pytest
from botocore.exceptions import ClientError
from django.core.files.base import ContentFile

pytestmark = pytest.mark.s3

PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}


def anonymous_get(url: str) -> tuple[int, bytes]:
    """An unsigned GET, as any browser or scraper would send it."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def plain_url(signed_url: str) -> str:
    return urlsplit(signed_url)._replace(query="").geturl()


@pytest.fixture
def saved_name(s3_storage, s3_prefix):
    return s3_storage.save(f"{s3_prefix}/evidence.pdf", ContentFile(b"%PDF-1.4 diagnosis"))


def test_saved_bytes_read_back_identical(s3_storage, s3_prefix):
    payload = bytes(range(256)) * 1024

    name = s3_storage.save(f"{s3_prefix}/scan.jpg", ContentFile(payload))

    with s3_storage.open(name, "rb") as stored:
        assert stored.read() == payload


def test_object_acl_grants_nothing_to_the_public(s3_client, s3_bucket, saved_name):
    grants = s3_client.get_object_acl(Bucket=s3_bucket, Key=saved_name)["Grants"]

    assert grants
    assert [grant for grant in grants if grant["Grantee"].get("URI") in PUBLIC_GROUPS] == []


def test_unsigned_get_on_the_plain_object_url_is_refused(s3_storage, saved_name):
    status, body = anonymous_get(plain_url(s3_storage.url(saved_name)))

    assert status == 403
    assert b"diagnosis" not in body


def test_endpoint_serves_public_read_objects_anonymously(s3_client, s3_bucket, s3_endpoint_url, s3_prefix):
    """The control for the refusal above: the 403 comes from the object's ACL, not from an endpoint
    that turns every unsigned request away. Only moto honours object ACLs this way (MinIO ignores
    them, AWS buckets with ACLs disabled reject them), so elsewhere this is skipped."""
    if anonymous_get(f"{s3_endpoint_url}/moto-api/")[0] != 200:
        pytest.skip("only meaningful on moto, which answers unsigned GETs by object ACL")
    key = f"{s3_prefix}/public.txt"
    s3_client.put_object(Bucket=s3_bucket, Key=key, Body=b"published", ACL="public-read")

    assert anonymous_get(f"{s3_endpoint_url}/{s3_bucket}/{key}") == (200, b"published")


def test_storage_url_is_signed_and_expires(s3_storage, saved_name):
    query = parse_qs(urlsplit(s3_storage.url(saved_name)).query)

    assert query["X-Amz-Signature"]
    assert int(query["X-Amz-Expires"][0]) > 0


def test_signed_url_serves_the_object(s3_storage, saved_name):
    assert anonymous_get(s3_storage.url(saved_name)) == (200, b"%PDF-1.4 diagnosis")


def test_saving_under_a_taken_name_keeps_both_files(s3_storage, s3_prefix):
    first = s3_storage.save(f"{s3_prefix}/id-card.png", ContentFile(b"front"))
    second = s3_storage.save(f"{s3_prefix}/id-card.png", ContentFile(b"back"))

    assert first != second
    with s3_storage.open(first, "rb") as stored:
        assert stored.read() == b"front"
    with s3_storage.open(second, "rb") as stored:
        assert stored.read() == b"back"


def test_delete_removes_the_object(s3_storage, s3_client, s3_bucket, saved_name):
    s3_storage.delete(saved_name)

    assert not s3_storage.exists(saved_name)
    with pytest.raises(ClientError) as error:
        s3_client.head_object(Bucket=s3_bucket, Key=saved_name)
    assert error.value.response["Error"]["Code"] == "404"


@pytest.mark.skipif(os.environ.get("AWS_S3_SSE") == "none", reason="AWS_S3_SSE=none turns server-side encryption off")
def test_objects_are_stored_with_server_side_encryption(s3_client, s3_bucket, saved_name):
    head = s3_client.head_object(Bucket=s3_bucket, Key=saved_name)

    assert head["ServerSideEncryption"] == "AES256"

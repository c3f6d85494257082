"""Fixtures for tests against real services (S3 API endpoint, Redis, a Celery worker), started by
.ci/run in CI."""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlsplit

import boto3
import pytest
import redis
from botocore.exceptions import ClientError
from celery import Celery
from django.core.files.storage import storages
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
BASE_SETTINGS = ROOT / "config" / "settings" / "base.py"


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


# --- A real Celery worker on Redis (tests marked `integration`) ------------------------------------


class Broker:
    """Redis as this test's broker: the test process publishes for real (not eagerly) onto a queue of
    its own, so nothing another test or another process leaves in Redis can reach it, or the reverse."""

    def __init__(self, *, app: Celery, url: str, queue: str) -> None:
        self.app, self.url, self.queue = app, url, queue
        self.delivery_queue = f"{queue}-deliveries"

    def waiting(self) -> int:
        """Messages in the queue that no worker has taken yet."""
        with self.app.connection_for_write() as conn:
            return conn.default_channel.queue_declare(queue=self.queue).message_count

    def purge(self) -> int:
        """Drop what is queued, as a Redis restarted without persistence would."""
        with self.app.connection_for_write() as conn:
            return conn.default_channel.queue_purge(self.queue) or 0

    @contextmanager
    def down(self) -> Iterator[None]:
        """Publishing fails as it does with Redis down: the broker URL points at a closed port."""
        with socket.socket() as probe:  # a port nothing listens on once the probe is closed
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        conf = self.app.conf
        saved = conf.broker_url, self.app._pool, self.app.amqp._producer_pool
        conf.broker_url = f"redis://127.0.0.1:{port}/0"
        # Connections and producers are pooled per broker URL: drop the pools so the next publish
        # connects afresh (to nothing), and put the working ones back afterwards.
        self.app._pool = self.app.amqp._producer_pool = None
        try:
            yield
        finally:
            if self.app._pool is not None:
                self.app._pool.force_close_all()
            conf.broker_url, self.app._pool, self.app.amqp._producer_pool = saved

    def forget(self) -> None:
        """Remove every trace of this queue from Redis: its lists, bindings, and messages a killed
        worker left unacknowledged (kombu would restore those onto it after the visibility timeout)."""
        client = redis.Redis.from_url(self.url)
        try:
            for key in client.scan_iter(match=f"*{self.queue}*"):
                client.delete(key)
            for key in client.scan_iter(match="_kombu.binding.*"):
                stale = [member for member in client.smembers(key) if self.queue.encode() in member]
                if stale:
                    client.srem(key, *stale)
            for tag, raw in client.hscan_iter("unacked"):
                _message, exchange, routing_key = json.loads(raw)
                if self.queue in (exchange, routing_key):
                    client.hdel("unacked", tag)
                    client.zrem("unacked_index", tag)
        finally:
            client.close()


@pytest.fixture
def celery_broker(monkeypatch) -> Iterator[Broker]:
    """Tasks queued by this test go to Redis (REDIS_URL), on a fresh queue removed afterwards."""
    from config.celery import app

    url = app.conf.broker_url
    assert urlsplit(url).scheme in {"redis", "rediss"}, f"the broker is {url!r}, not Redis: is REDIS_URL set?"
    broker = Broker(app=app, url=url, queue=f"osd-test-{uuid.uuid4().hex[:12]}")
    # test.py runs tasks inline; here they must travel through the broker to the worker. Deliveries go to
    # this test's own deliveries queue, as they go to `deliveries` in production.
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "task_default_queue", broker.queue)
    monkeypatch.setitem(app.conf, "task_routes", {DELIVERY_TASK: {"queue": broker.delivery_queue}})
    _forget_routing(app)
    broker.forget()
    yield broker
    broker.forget()
    monkeypatch.undo()
    _forget_routing(app)  # later tests in this process route as configured, not to this test's queues


def _forget_routing(app) -> None:  # type: ignore[no-untyped-def]
    """Celery caches the routing table, the router and the queues on first use: read them anew."""
    app.amqp.flush_routes()
    for cached in ("router", "queues", "default_queue"):
        app.amqp.__dict__.pop(cached, None)


# The worker runs the test settings too (same database, storage defaults, SMS outbox), but not
# eagerly and on the test's queue, so what it queues itself (notification deliveries) also goes
# through Redis and is consumed by it. Remote control is off: no other worker on this Redis can
# reach it. `worker_main` is the code path of the `celery worker` command.
WORKER_BOOT = """
import os, sys
from config.celery import app
app.conf.update(
    task_always_eager=False,
    task_default_queue=os.environ["OSD_TEST_QUEUE"],
    task_routes={
        "notifications.tasks.notification_deliver_task": {"queue": os.environ["OSD_TEST_QUEUE"] + "-deliveries"}
    },
    worker_enable_remote_control=False,
)
app.worker_main(sys.argv[1:])
"""
DELIVERY_TASK = "notifications.tasks.notification_deliver_task"


class Worker:
    """A `celery worker` subprocess in a process group of its own."""

    def __init__(self, *, process: subprocess.Popen, name: str, log_path: Path) -> None:
        self.process, self.name, self.log_path = process, name, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_ready(self, timeout: float = 30) -> Worker:
        deadline = time.monotonic() + timeout
        while f"{self.name} ready." not in self.log():
            if self.process.poll() is not None:
                pytest.fail(f"worker exited with {self.process.returncode}:\n{self.log()}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker not ready within {timeout}s:\n{self.log()}")
            time.sleep(0.1)
        return self

    def pool_processes(self) -> list[int]:
        """The pids of the prefork pool's child processes."""
        children = []
        for status in Path("/proc").glob("[0-9]*/status"):
            try:
                fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            except OSError:  # the process ended while we looked
                continue
            if fields.get("PPid", "").strip() == str(self.process.pid):
                children.append(int(status.parent.name))
        return children

    def crash(self) -> None:
        """SIGKILL the worker and its pool: no warm shutdown, nothing acknowledged or given back."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:  # the group is gone already
            pass
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), or SIGKILL if it takes too long."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        self.crash()  # and any pool process the main process left behind


def _test_database_url() -> str:
    """DATABASE_URL pointing at the database this test uses (pytest-django's test_<name>)."""
    url = urlsplit(os.environ["DATABASE_URL"])
    return url._replace(path="/" + quote(connection.settings_dict["NAME"])).geturl()


@pytest.fixture
def start_worker(transactional_db, celery_broker, tmp_path) -> Iterator[Callable[..., Worker]]:
    """`start_worker(pool="solo")` starts a real worker on this test's database and queue and waits
    until it consumes. Every worker started is stopped at the end of the test, before the database
    is flushed. The test must be `django_db(transaction=True)`: the worker sees only committed rows."""
    assert connection.vendor == "postgresql", "a worker process needs a shared database: set DATABASE_URL"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _test_database_url(),
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": celery_broker.url,
        "OSD_TEST_QUEUE": celery_broker.queue,
        "VAR_DIR": str(tmp_path / "worker-var"),
        "PYTHONUNBUFFERED": "1",
    }
    workers: list[Worker] = []

    def start(*, pool: str = "solo") -> Worker:
        name = f"{celery_broker.queue}-{len(workers) + 1}@{socket.gethostname()}"
        log_path = tmp_path / f"worker-{len(workers) + 1}.log"
        command = [sys.executable, "-c", WORKER_BOOT, "worker", "--pool", pool, "--concurrency", "1"]
        command += ["--queues", f"{celery_broker.queue},{celery_broker.delivery_queue}", "--hostname", name]
        command += ["--loglevel", "INFO"]
        command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        worker = Worker(process=process, name=name, log_path=log_path)
        workers.append(worker)
        return worker.wait_ready()

    yield start
    for worker in workers:
        worker.stop()

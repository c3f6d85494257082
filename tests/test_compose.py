"""docker-compose.yml, checked without a Docker engine: valid against the Compose specification's
schema (the copy check-jsonschema ships), and the invariants a deployment depends on: every setting
the code reads reaches the app processes, secrets come from the operator, web is reachable only
through the TLS proxy, images are pinned, every long-running process has a health check, one beat."""

import json
import re
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "config" / "settings"
# Read by Django, celery.py and wsgi.py themselves rather than by a settings module; and the embedded
# default's own (local files, demo mode, debugging, eager tasks), which production never sets.
READ_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
DEVELOPMENT_ONLY = {"VAR_DIR", "MEDIA_ROOT", "DJANGO_DEBUG", "DEMO_MODE", "CELERY_TASK_ALWAYS_EAGER"}
# Used by compose itself (interpolation) or by the non-app services and scripts, not by the settings.
COMPOSE_ONLY = {
    "SITE_ADDRESS",
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_PASSWORD",
    "MINIO_KMS_SECRET_KEY",
    "S3_APP_SECRET_KEY",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "BACKUP_KEEP_DAYS",
}
REQUIRED_VARIABLE = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def app_services(services: dict) -> dict:
    """The services that run the project's image (web, workers, beat, migrate, backup)."""
    return {name: s for name, s in services.items() if s.get("environment", {}).get("DJANGO_SETTINGS_MODULE")}


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def names_read_by_settings() -> set[str]:
    source = "\n".join((SETTINGS_DIR / name).read_text() for name in ("base.py", "policy.py", "production.py"))
    helpers = re.findall(r"\benv(?:_bool|_int|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source)
    direct = re.findall(r"os\.environ(?:\.get|\.setdefault)?[\(\[]\s*\"([A-Z][A-Z0-9_]*)\"", source)
    return set(helpers) | set(direct)


def env_example() -> set[str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return {line.split("=", 1)[0] for line in lines if re.match(r"^[A-Z][A-Z0-9_]*=", line)}


def test_the_file_is_valid_against_the_compose_specification(compose):
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_every_setting_the_code_reads_reaches_the_app_through_env_file_or_compose(services):
    for name, service in app_services(services).items():
        assert service.get("env_file") == ".env", f"{name} must read .env"
    wired = env_example() | {key for s in app_services(services).values() for key in s["environment"]}
    missing = names_read_by_settings() - wired - READ_OUTSIDE_SETTINGS - DEVELOPMENT_ONLY
    assert missing == set(), f"settings read these, .env.example and compose give them nowhere: {missing}"


def test_every_variable_offered_to_the_operator_is_read_by_something(services):
    unread = env_example() - names_read_by_settings() - COMPOSE_ONLY
    assert unread == set(), f".env.example offers variables nothing reads: {unread}"


def test_secrets_and_the_public_address_come_from_the_operator(services):
    for name, service in app_services(services).items():
        environment = service["environment"]
        for key in ("DJANGO_SECRET_KEY", "PUBLIC_BASE_URL", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
            required = REQUIRED_VARIABLE.match(environment[key])
            assert required and required["name"] == key, f"{name}: {key} must be ${{{key}:?…}}"
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"SECRET|PASSWORD", key):
                assert REQUIRED_VARIABLE.search(value) or "${" in value, f"{name}: {key} has a value in the file"


def test_web_is_reachable_only_through_the_tls_proxy(services):
    assert "ports" not in services["web"] and services["web"]["expose"] == ["8000"]
    assert {"80:80", "443:443"} <= set(services["proxy"]["ports"])
    caddyfile = (ROOT / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy web:8000" in caddyfile
    assert re.search(r"request_body\s*\{\s*max_size", caddyfile), "the proxy enforces the upload size"
    assert "request_buffers" in caddyfile, "the proxy buffers request bodies (slow phone uploads)"
    assert "respond /metrics* 404" in caddyfile
    for service in app_services(services).values():
        assert service["environment"]["NUM_PROXIES"] == "1"  # one trusted hop, the proxy


def test_web_runs_threaded_workers_with_timeouts_that_fit_an_upload(services):
    command = command_of(services["web"])
    assert "--worker-class=gthread" in command
    assert int(re.search(r"--timeout=(\d+)", command).group(1)) >= 60


def test_every_image_is_pinned(services):
    for name, service in services.items():
        image = service.get("image", "")
        if name in app_services(services) or not image:
            continue
        tag = image.rsplit(":", 1)[1] if ":" in image else ""
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: image {image!r} is not pinned"


def test_every_long_running_process_has_a_health_check(services):
    for name in ("proxy", "web", "worker", "worker-deliveries", "beat", "postgres", "redis", "minio"):
        assert "healthcheck" in services[name], name
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    beat_check = services["beat"]["healthcheck"]["test"]
    compile(beat_check[3], "healthcheck", "exec")
    compile(services["web"]["healthcheck"]["test"][3], "healthcheck", "exec")


def test_every_queue_the_settings_route_to_has_a_worker(services):
    routed = {settings.CELERY_TASK_DEFAULT_QUEUE, *(route["queue"] for route in settings.CELERY_TASK_ROUTES.values())}
    consumed = set()
    for service in app_services(services).values():
        command = command_of(service)
        if "celery -A config worker" in command:
            match = re.search(r"--queues[= ](\S+)", command)
            assert match, f"a worker must name its queues: {command}"
            consumed |= set(match.group(1).split(","))
    assert routed <= consumed


def test_one_beat_under_the_database_lock(services):
    beats = [s for s in app_services(services).values() if "run_beat" in command_of(s)]
    assert len(beats) == 1 and beats[0]["deploy"]["replicas"] == 1
    assert not [s for s in services.values() if "celery -A config beat" in command_of(s)]


def test_app_processes_start_after_the_migration_and_keep_no_state(services):
    apps = app_services(services)
    assert {"web", "migrate", "backup"} <= set(apps)
    for name, service in apps.items():
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        if name not in ("migrate", "backup"):
            # Stateless: nothing mounted but the read-only secrets.
            assert service.get("volumes", []) == ["./secrets:/app/secrets:ro"], f"{name} must be stateless"
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert re.search(r"manage\.py migrate\b.*bootstrap --no-demo.*collectstatic", command_of(apps["migrate"]))


def test_the_backup_service_runs_the_backup_script_daily(services):
    command = command_of(services["backup"])
    assert "deploy/backup.sh" in command and "sleep 86400" in command
    script = (ROOT / "deploy" / "backup.sh").read_text()
    assert "pg_dump" in script and "documents_backup" in script


def test_the_document_bucket_is_private_and_encrypted(services):
    script = " ".join(services["minio-init"]["entrypoint"])
    assert 'mc anonymous set none "local/$$BUCKET"' in script
    assert 'mc encrypt set sse-s3 "local/$$BUCKET"' in script
    assert REQUIRED_VARIABLE.match(services["minio"]["environment"]["MINIO_KMS_SECRET_KEY"])
    for name, service in app_services(services).items():
        assert service["environment"]["AWS_S3_SSE"] == "AES256", f"{name} writes scans unencrypted"

"""docker-compose.yml describes the production topology. There is no Docker engine here, so the file is
read as YAML and only what would break a deployment is asserted: every queue has a worker, secrets
come from the operator, every variable reaches a setting that reads it, processes start in order."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "config" / "settings"
# Read by Django, celery.py and wsgi.py themselves rather than by a settings module.
READ_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
REQUIRED_VARIABLE = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]*\}$")


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def app_services(services: dict) -> dict:
    """The services that run the project's image (web, workers, beat, migrate)."""
    return {name: s for name, s in services.items() if s.get("environment", {}).get("DJANGO_SETTINGS_MODULE")}


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def names_read_by_settings() -> set[str]:
    source = "\n".join((SETTINGS_DIR / name).read_text() for name in ("base.py", "production.py"))
    helpers = re.findall(r"\benv(?:_bool|_int|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source)
    direct = re.findall(r"os\.environ(?:\.get|\.setdefault)?[\(\[]\s*\"([A-Z][A-Z0-9_]*)\"", source)
    return set(helpers) | set(direct)


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


def test_beat_runs_once_on_the_database_scheduler(services):
    beats = [s for s in app_services(services).values() if "celery -A config beat" in command_of(s)]
    assert len(beats) == 1
    assert "django_celery_beat.schedulers:DatabaseScheduler" in command_of(beats[0])


def test_every_app_process_runs_production_settings_after_the_migration(services):
    apps = app_services(services)
    assert {"web", "migrate"} <= set(apps)
    for name, service in apps.items():
        assert service["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"
        assert "volumes" not in service, f"{name} must be stateless"
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert re.search(r"manage\.py migrate\b.*&& python manage\.py bootstrap --no-demo", command_of(apps["migrate"]))


def test_secrets_and_the_public_address_come_from_the_operator(services):
    for name, service in app_services(services).items():
        environment = service["environment"]
        for key in ("DJANGO_SECRET_KEY", "PUBLIC_BASE_URL", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY"):
            required = REQUIRED_VARIABLE.match(environment[key])
            assert required and required["name"] == key, f"{name}: {key} must be ${{{key}:?…}}"
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"SECRET|PASSWORD", key):
                assert REQUIRED_VARIABLE.match(value), f"{name}: {key} has a value in the file"


def test_every_variable_given_to_the_app_is_read_by_the_settings(services):
    given = {key for service in app_services(services).values() for key in service["environment"]}
    assert given - names_read_by_settings() - READ_OUTSIDE_SETTINGS == set()


def test_every_environment_value_is_a_string(services):
    # Compose rejects or reinterprets YAML booleans and numbers here; "false" must stay a string.
    for service in app_services(services).values():
        assert all(isinstance(value, str) for value in service["environment"].values())


def test_the_document_bucket_is_made_private(services):
    script = " ".join(services["minio-init"]["entrypoint"])
    assert 'mc anonymous set none "local/$$BUCKET"' in script


def test_scans_are_encrypted_at_rest_by_the_object_store(services):
    script = " ".join(services["minio-init"]["entrypoint"])
    assert 'mc encrypt set sse-s3 "local/$$BUCKET"' in script  # the bucket's default
    assert REQUIRED_VARIABLE.match(services["minio"]["environment"]["MINIO_KMS_SECRET_KEY"])
    for name, service in app_services(services).items():
        assert service["environment"]["AWS_S3_SSE"] == "AES256", f"{name} writes scans unencrypted"


def test_web_health_check_is_valid_python(services):
    test = services["web"]["healthcheck"]["test"]
    assert test[1:3] == ["python", "-c"]
    compile(test[3], "healthcheck", "exec")

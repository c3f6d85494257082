"""docker-compose.yml describes the production topology (DESIGN §6).

There is no Docker engine here, so the file is read as YAML and its shape asserted: the services,
their commands and wiring, and that every variable it hands the app is one the settings read.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_DIR = ROOT / "config" / "settings"

APP_SERVICES = ["web", "worker", "beat", "migrate"]
LONG_RUNNING_APP_SERVICES = ["web", "worker", "beat"]
# Read by Django, celery.py and wsgi.py themselves rather than by a settings module.
READ_OUTSIDE_SETTINGS = {"DJANGO_SETTINGS_MODULE"}
REQUIRED_VARIABLE = re.compile(r"^\$\{(?P<name>[A-Z][A-Z0-9_]*):\?[^}]*\}$")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def depends_on(service: dict) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in service.get("depends_on", {}).items()}


def names_read_by_settings() -> set[str]:
    source = "\n".join((SETTINGS_DIR / name).read_text() for name in ("base.py", "production.py"))
    helpers = re.findall(r"\benv(?:_bool|_int|_list)?\(\s*\"([A-Z][A-Z0-9_]*)\"", source)
    direct = re.findall(r"os\.environ(?:\.get|\.setdefault)?[\(\[]\s*\"([A-Z][A-Z0-9_]*)\"", source)
    return set(helpers) | set(direct)


def test_compose_defines_the_production_services(services):
    assert set(services) == {"web", "worker", "beat", "migrate", "postgres", "redis", "minio", "minio-init"}


def test_web_serves_config_wsgi_with_gunicorn_on_port_8000(services):
    command = command_of(services["web"])

    assert command.startswith("gunicorn config.wsgi")
    assert "--bind=0.0.0.0:8000" in command


def test_worker_runs_celery_worker_with_two_processes(services):
    assert command_of(services["worker"]) == "celery -A config worker -l info --concurrency 2"


def test_beat_runs_celery_beat_on_the_database_scheduler(services):
    assert command_of(services["beat"]) == (
        "celery -A config beat -l info --scheduler django_celery_beat.schedulers:DatabaseScheduler"
    )


def test_migrate_bootstraps_only_after_a_successful_migration_and_without_demo_data(services):
    command = command_of(services["migrate"])

    assert re.search(r"python manage\.py migrate\b.*&& python manage\.py bootstrap --no-demo", command)


def test_migrate_runs_once_and_is_not_restarted(services):
    assert services["migrate"]["restart"] == "no"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_runs_production_settings(services, name):
    assert services[name]["environment"]["DJANGO_SETTINGS_MODULE"] == "config.settings.production"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_reaches_postgres_redis_and_object_storage(services, name):
    environment = services[name]["environment"]

    assert environment["DATABASE_URL"].startswith("postgres://")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/osd")
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")
    assert environment["AWS_S3_ENDPOINT_URL"] == "http://minio:9000"
    for name_ in ("AWS_STORAGE_BUCKET_NAME", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert environment[name_]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_healthy_postgres_and_redis(services, name):
    conditions = depends_on(services[name])

    assert conditions["postgres"] == "service_healthy"
    assert conditions["redis"] == "service_healthy"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_waits_for_the_bucket_to_exist(services, name):
    assert depends_on(services[name])["minio-init"] == "service_completed_successfully"


@pytest.mark.parametrize("name", LONG_RUNNING_APP_SERVICES)
def test_app_process_starts_only_after_migrate_completed(services, name):
    assert depends_on(services[name])["migrate"] == "service_completed_successfully"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_service_is_stateless(services, name):
    assert "volumes" not in services[name]


@pytest.mark.parametrize("name", ["postgres", "redis", "minio"])
def test_backing_service_keeps_its_data_in_a_named_volume(compose, name):
    volume = compose["services"][name]["volumes"][0].split(":")[0]

    assert volume in compose["volumes"]


@pytest.mark.parametrize(
    ("name", "probe"),
    [
        ("postgres", "pg_isready"),
        ("redis", "redis-cli ping"),
        ("minio", "mc ready local"),
        ("web", "/api/v1/diseases/"),
    ],
)
def test_service_has_a_health_check(services, name, probe):
    test = services[name]["healthcheck"]["test"]

    assert test[0] == "CMD"
    assert probe in " ".join(test[1:])


def test_web_health_check_is_valid_python(services):
    test = services["web"]["healthcheck"]["test"]

    assert test[1:3] == ["python", "-c"]
    compile(test[3], "healthcheck", "exec")


@pytest.mark.parametrize("name", APP_SERVICES)
def test_secret_key_must_be_supplied_by_the_operator(services, name):
    required = REQUIRED_VARIABLE.match(services[name]["environment"]["DJANGO_SECRET_KEY"])

    assert required, "DJANGO_SECRET_KEY must be ${DJANGO_SECRET_KEY:?...}: no value, no default"
    assert required["name"] == "DJANGO_SECRET_KEY"


def test_no_password_or_secret_has_a_value_in_the_file(services):
    secrets = {
        (service_name, key): value
        for service_name, service in services.items()
        for key, value in service.get("environment", {}).items()
        if re.search(r"SECRET|PASSWORD", key)
    }

    assert secrets
    assert {where: value for where, value in secrets.items() if not REQUIRED_VARIABLE.match(value)} == {}


def test_database_password_must_be_supplied_by_the_operator(services):
    assert re.search(
        r"^postgres://osd:\$\{POSTGRES_PASSWORD:\?[^}]*\}@", services["web"]["environment"]["DATABASE_URL"]
    )


def test_database_url_names_the_database_postgres_creates(services):
    postgres = services["postgres"]["environment"]

    assert services["web"]["environment"]["DATABASE_URL"].startswith(f"postgres://{postgres['POSTGRES_USER']}:")
    assert services["web"]["environment"]["DATABASE_URL"].endswith(f"/{postgres['POSTGRES_DB']}")


def test_minio_init_creates_the_bucket_and_the_key_the_app_uses(services):
    init = services["minio-init"]["environment"]
    app = services["web"]["environment"]

    assert init["BUCKET"] == app["AWS_STORAGE_BUCKET_NAME"]
    assert init["APP_ACCESS_KEY"] == app["AWS_ACCESS_KEY_ID"]
    assert init["APP_SECRET_KEY"] == app["AWS_SECRET_ACCESS_KEY"]


def test_minio_init_makes_the_bucket_private(services):
    script = " ".join(services["minio-init"]["entrypoint"])

    assert 'mc mb --ignore-existing "local/$$BUCKET"' in script
    assert 'mc anonymous set none "local/$$BUCKET"' in script


def test_minio_init_runs_once_minio_is_healthy(services):
    assert depends_on(services["minio-init"]) == {"minio": "service_healthy"}


def test_storage_skips_server_side_encryption_minio_cannot_do_without_kms(services):
    assert services["web"]["environment"]["AWS_S3_SSE"] == "none"


def test_tls_redirect_is_left_to_the_proxy_in_front(services):
    assert services["web"]["environment"]["DJANGO_SECURE_SSL_REDIRECT"] == "false"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_every_environment_value_is_a_string(services, name):
    # Compose rejects or reinterprets YAML booleans and numbers here; "false" must stay a string.
    assert all(isinstance(value, str) for value in services[name]["environment"].values())


def test_every_variable_given_to_the_app_is_read_by_the_settings(services):
    given = {key for name in APP_SERVICES for key in services[name]["environment"]}

    assert given - names_read_by_settings() - READ_OUTSIDE_SETTINGS == set()

# Each periodic job is now a named task of the app that owns it (with its own time limits) instead of
# one generic `config.tasks.run_job_task`: the beat entries `bootstrap` created follow, keeping the
# schedules operators may have changed.

from django.db import migrations

OLD_TASK = "config.tasks.run_job_task"
TASKS = {  # frozen copy of config.jobs.JOBS
    "retry_stuck": "applications.tasks.retry_stuck_task",
    "sla_sweep": "reviews.tasks.sla_sweep_task",
    "announcements": "reviews.tasks.announcements_daily_task",
    "annual_reviews": "certification.tasks.annual_reviews_task",
}


def forwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task in TASKS.items():
        PeriodicTask.objects.filter(task=OLD_TASK, args=f'["{name}"]').update(task=task, args="[]")


def backwards(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task in TASKS.items():
        PeriodicTask.objects.filter(task=task).update(task=OLD_TASK, args=f'["{name}"]')


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0012_check_attempts_and_proof_access"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]

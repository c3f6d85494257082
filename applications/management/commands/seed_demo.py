"""`manage.py seed_demo`: demo mode only, the demo registry, the demo staff accounts and the demo
applicants whose applications stand in every state (applications/demo_stories.py)."""

import csv
import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import BaseCommand, CommandError
from django.db import transaction

from accounts.models import User
from accounts.roles import EXPERTS, OFFICERS
from applications.demo_stories import demo_stories_seed
from applications.importers import insured_import
from applications.models import DeskPost, DiseaseCategory, Hospital, InsuredPerson
from reviews.models import ExpertProfile

DEMO_PASSWORD = "demo-pass-123"  # noqa: S105 - demo mode only, documented in the README
DEMO_INSURED = Path(settings.BASE_DIR) / "applications" / "data" / "insured_demo.csv"
STAFF = [
    # username, name, superuser, group
    ("admin", "系统管理员", True, None),
    ("officer1", "经办员一", False, OFFICERS),
    ("expert1", "专家一", False, EXPERTS),
    ("expert2", "专家二", False, EXPERTS),
]


class Command(BaseCommand):
    help = (
        "Demo mode only: the demo insured-person registry, the accounts admin, officer1, expert1, expert2, "
        "and demo-<state> applicants with an application in every state."
    )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("seed_demo runs only with DEMO_MODE on; it creates accounts with a known password.")
        # Only the demo people not registered yet: an operator's own import of them is never undone.
        with DEMO_INSURED.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        header, body = rows[0], rows[1:]
        known = set(InsuredPerson.objects.values_list("id_number", flat=True))
        missing = [row for row in body if row and row[header.index("id_number")] not in known]
        buffer = io.StringIO()
        csv.writer(buffer).writerows([header, *missing])
        buffer.seek(0)
        result = insured_import(file=buffer)
        self.stdout.write(f"demo insured registry: {result.summary()}")
        for username, name, superuser, group_name in STAFF:
            user, created = User.objects.get_or_create(
                username=username, defaults={"name": name, "is_staff": True, "is_superuser": superuser}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if group_name:
                user.groups.add(Group.objects.get(name=group_name))
            self.stdout.write(f"{'created' if created else 'kept'} demo account {username}")
            if group_name == EXPERTS:
                # The demo experts cover every category so that any demo application finds a panel.
                profile, _ = ExpertProfile.objects.get_or_create(user=user)
                profile.specialties.set(DiseaseCategory.objects.all())
        # The desks that file for people in person: a level-3 hospital's 医保办 and the service window.
        for username, name, hospital_code in (("hospital1", "医保办一", "H62090200001"), ("window1", "窗口一", None)):
            user, created = User.objects.get_or_create(username=username, defaults={"name": name, "is_staff": True})
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            hospital = Hospital.objects.filter(code=hospital_code).first() if hospital_code else None
            if hospital_code is None or hospital is not None:
                DeskPost.objects.update_or_create(user=user, defaults={"hospital": hospital})
            self.stdout.write(f"{'created' if created else 'kept'} demo account {username}")
        demo_stories_seed(password=DEMO_PASSWORD, say=self.stdout.write)

import pytest
from django.contrib.auth.models import Group
from django.db import connection

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

@pytest.mark.parametrize("n", [1, 2])
def test_dbg(n, live_server):
    s = getattr(connection, "_test_serialized_contents", None)
    print("N", n, "groups", list(Group.objects.values_list("name", flat=True)), "has", s is not None, s and ('"auth.group"' in s), connection.settings_dict["NAME"])

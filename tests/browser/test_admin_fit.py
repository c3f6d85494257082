"""At 1366 × 768, the laptop screen of a window clerk or a case officer, every list an officer opens fits
the page: nothing is cut off and no page-wide horizontal scroll appears, with real rows in the lists.
The admin's pages carry the bureau's stylesheet, its custom pages too."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.browser.admin_login import log_in
from tests.factories import ApplicationFactory, DiseaseCategoryFactory, HospitalFactory, UserFactory
from tests.reviews.review_helpers import officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# How far the page, or the list's table inside its box, runs past the screen's right edge (px): a table
# wider than its box hides its last columns behind a scroll bar, which is how columns were "cut off".
OVERFLOW = """() => {
  const page = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  const box = document.querySelector('#changelist .results');
  const table = document.querySelector('#result_list');
  return Math.max(page, box && table ? table.offsetWidth - box.clientWidth : 0);
}"""


def _officer_lists(user) -> list[str]:  # type: ignore[no-untyped-def]
    class Request:
        pass

    request = Request()
    request.user = user  # type: ignore[attr-defined]
    urls = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_view_permission(request):  # type: ignore[arg-type]
            urls.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    return sorted(urls)


def test_every_officer_list_fits_1366(new_page, screenshot):
    for trait in ("under_review", "approved", "effective", "in_announcement", "needs_supplement"):
        ApplicationFactory(
            **{trait: True}, applicant=UserFactory(name="欧阳娜仁托娅·阿不都热合曼"), diagnosing_doctor_name="司马长风"
        )
    clerk = officer(username="fit-officer")
    urls = _officer_lists(clerk)
    assert len(urls) > 10, urls

    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "fit-officer")
    assert page.evaluate("() => !!document.querySelector('link[href$=\"bureau/admin.css\"]')")
    too_wide = {}
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        overflow = page.evaluate(OVERFLOW)
        if overflow > 0:
            too_wide[url] = overflow
            screenshot(page, url)
    page.goto("/admin/applications/application/")
    screenshot(page, "applications_1366")
    assert too_wide == {}, f"lists wider than 1366 px (excess px): {too_wide}"


# The lists an administrator keeps short (desk posts, groups, disease categories): no filter column, so
# the action bar spans the whole list and its own width must stay inside the page.
ADMIN_LISTS = ["/admin/applications/deskpost/", "/admin/auth/group/", "/admin/applications/diseasecategory/"]
ACTIONS_OVERRUN = """() => {
  const actions = document.querySelector('#changelist div.actions');
  const edge = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth - edge;
  return Math.max(page, actions ? actions.getBoundingClientRect().right - edge : 0);
}"""


def test_the_administrators_short_lists_fit_1366(new_page):
    from django.contrib.auth.models import Group

    from applications.models import DeskPost

    UserFactory(username="fit-admin", is_staff=True, is_superuser=True, id_number="")
    DeskPost.objects.create(user=UserFactory(is_staff=True, id_number=""), hospital=HospitalFactory())
    Group.objects.get_or_create(name="经办人员")
    DiseaseCategoryFactory()
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, "fit-admin")
    too_wide = {}
    for url in ADMIN_LISTS:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert page.locator("#changelist div.actions").count() == 1, url
        overrun = page.evaluate(ACTIONS_OVERRUN)
        if overrun > 0:
            too_wide[url] = overrun
    assert too_wide == {}, f"lists wider than 1366 px (excess px): {too_wide}"

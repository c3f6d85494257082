"""In a real browser, under the Content-Security-Policy: the admin (the expert's and the officer's pages),
the public announcement pages and the API docs load and run with no violation reported."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.reviews.factories import AnnouncementEntryFactory
from tests.reviews.review_helpers import accepted, category, expert, officer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
PASSWORD = "S3cure-pass-2026"


def watched(page) -> list[str]:  # type: ignore[no-untyped-def]
    """Every CSP violation the page reports (the console and the securitypolicyviolation event)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI))"
    )
    return seen


NONCE_SOURCE = "'nonce-…'"


def script_sources(policy: str) -> set[str]:
    """The script-src of a policy; a nonce (present only where a page uses one) as NONCE_SOURCE."""
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    sources = directives["script-src"]
    assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources
    return {NONCE_SOURCE if source.startswith("'nonce-") else source for source in sources}


def log_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


def test_the_admin_runs_under_the_policy(new_page):
    cat = category()
    reviewer = expert(cat, username="csp-expert", password=PASSWORD)
    expert(cat)
    application = accepted(cat=cat, on=timezone.localdate())
    officer(username="csp-officer", password=PASSWORD)
    page = new_page()
    violations = watched(page)

    log_in(page, "csp-officer")
    for url in (
        "/admin/",
        "/admin/reviews/reviewassignment/",
        f"/admin/reviews/reviewassignment/case/{application.pk}/",
        "/admin/applications/application/",
        f"/admin/applications/application/{application.pk}/change/",
        "/admin/reviews/calendarday/add/",
        "/admin/reviews/expertprofile/",
    ):
        response = page.goto(url)
        assert response is not None and response.ok, url
        assert script_sources(response.headers.get("content-security-policy") or "") <= {"'self'", NONCE_SOURCE}
    page.goto("/admin/reviews/expertprofile/")
    # The specialty picker (SelectFilter) is drawn by script.
    page.locator("table#result_list tbody th a, table#result_list tbody td a").first.click()
    page.wait_for_selector("select#id_specialties_from")

    expert_page = new_page()
    expert_violations = watched(expert_page)
    log_in(expert_page, reviewer.username)
    expert_page.goto("/admin/reviews/reviewassignment/")
    expert_page.locator("table#result_list tbody th a, table#result_list tbody td a").first.click()
    expert_page.wait_for_selector("text=提交评审意见")
    assert violations == [] and expert_violations == []


def test_the_public_pages_and_the_api_docs_run_under_the_policy(new_page):
    entry = AnnouncementEntryFactory()
    page = new_page()
    violations = watched(page)
    for url in ("/gongshi/", f"/gongshi/{entry.batch_id}/", f"/gongshi/{entry.batch_id}/objection/"):
        assert page.goto(url).ok, url
    page.goto("/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)  # the UI's script ran and read the schema
    assert violations == []

"""A batch of 1,000 entries on the public announcement (公示): the page and the API give it a page at a
time in publication order, each page is kept in the cache, and a change to the batch replaces it at once."""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from applications.models import ApplicationStatus
from reviews.announcements import objection_file, objection_resolve
from reviews.models import AnnouncementBatch, AnnouncementEntry
from reviews.public_views import ENTRIES_PER_PAGE
from tests.factories import ApplicationFactory
from tests.reviews.objection_helpers import VALID
from tests.reviews.review_helpers import officer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_fresh_cache", "_objection_today")]

API = "/api/v1/announcements/"
PAGES = "/gongshi/"
TOTAL = 1000


@pytest.fixture
def big_batch(batch, entry) -> AnnouncementBatch:  # type: ignore[no-untyped-def]
    """The published batch (its real entry first) filled up to TOTAL entries, numbered by name."""
    filler = ApplicationFactory(status=ApplicationStatus.IN_ANNOUNCEMENT)
    AnnouncementEntry.objects.bulk_create(
        AnnouncementEntry(
            batch=batch,
            application=filler,
            masked_name=f"王*{n:04d}",
            masked_id_number="6209**********0011",
            disease_name="糖尿病",
            district="肃州区",
        )
        for n in range(2, TOTAL + 1)
    )
    return batch


def ids_in_order(batch: AnnouncementBatch) -> list[int]:
    return list(AnnouncementEntry.objects.filter(batch=batch).order_by("id").values_list("id", flat=True))


def rows(body: str) -> list[tuple[int, int]]:
    """(序号, entry id) of each row of a batch page."""
    found = re.findall(r'<td class="num">(\d+)</td>.*?\?entry=(\d+)"', body, flags=re.S)
    return [(int(number), int(pk)) for number, pk in found]


# --- the page --------------------------------------------------------------------------------------


def test_first_page_shows_the_first_hundred_in_order_with_links_on(client, big_batch):
    response = client.get(f"{PAGES}{big_batch.pk}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert rows(body) == list(enumerate(ids_in_order(big_batch)[:ENTRIES_PER_PAGE], start=1))
    assert f'<span id="entry-count">{TOTAL}</span>' in body  # the batch's count, not the page's
    assert '<span id="page-number">1</span> / 10 页' in body
    assert 'href="?page=2" rel="next"' in body and 'rel="prev"' not in body
    assert len(response.content) < 100_000


def test_last_page_continues_the_numbering_and_links_back(client, big_batch):
    body = client.get(f"{PAGES}{big_batch.pk}/?page=10").content.decode()

    assert rows(body) == list(enumerate(ids_in_order(big_batch)[-ENTRIES_PER_PAGE:], start=TOTAL - 99))
    assert 'href="?page=9" rel="prev"' in body and 'rel="next"' not in body


@pytest.mark.parametrize("page", ["11", "0", "abc", "99999999999999999999"])
def test_a_page_beyond_the_end_is_a_404_in_chinese(client, big_batch, page):
    response = client.get(f"{PAGES}{big_batch.pk}/?page={page}")

    assert response.status_code == 404
    body = response.content.decode()
    assert "未找到该页" in body and "本批公示名单共10页，没有这一页。" in body
    assert f'href="/gongshi/{big_batch.pk}/"' in body


# --- the API ---------------------------------------------------------------------------------------


def test_api_keeps_the_batch_fields_and_adds_count_next_previous(client, big_batch):
    data = client.get(f"{API}{big_batch.pk}/").json()

    assert list(data) == [
        *("id", "region", "region_code", "published_on", "ends_on", "entry_count", "accepting_objections"),
        *("count", "next", "previous", "entries"),
    ]
    assert (data["entry_count"], data["count"]) == (TOTAL, TOTAL)
    assert [e["id"] for e in data["entries"]] == ids_in_order(big_batch)[:50]  # the API's default page size
    assert data["previous"] is None
    assert data["next"] == f"http://testserver{API}{big_batch.pk}/?page=2"


def test_api_pages_link_next_and_previous_and_cover_the_batch_once(client, big_batch):
    url, pages = f"{API}{big_batch.pk}/?page_size=200", []
    while url:
        pages.append(client.get(url).json())
        url = pages[-1]["next"]

    assert len(pages) == 5
    assert [e["id"] for data in pages for e in data["entries"]] == ids_in_order(big_batch)
    assert pages[0]["previous"] is None
    for before, after in itertools.pairwise(pages):
        assert client.get(after["previous"]).json()["entries"] == before["entries"]


def test_api_page_beyond_the_end_is_a_404_problem_in_chinese(client, big_batch):
    response = client.get(f"{API}{big_batch.pk}/?page=21")

    assert response.status_code == 404
    problem = response.json()
    assert (problem["status"], problem["title"]) == (404, "未找到")
    assert not re.search(r"[A-Za-z]{3,}", problem["detail"]), problem["detail"]
    assert client.get(f"{API}{big_batch.pk}/?page=0").status_code == 400


def test_a_page_of_the_api_stays_small(client, big_batch):
    response = client.get(f"{API}{big_batch.pk}/?page_size=200&page=3")

    assert len(response.json()["entries"]) == 200
    assert len(response.content) < 100_000


# --- the cache -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [f"{PAGES}{{pk}}/?page=2", f"{API}{{pk}}/?page=2"])
def test_a_page_is_served_from_the_cache_without_reading_the_entries(client, big_batch, url):
    url = url.format(pk=big_batch.pk)
    first = client.get(url)

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)

    assert again.content == first.content
    assert "public" in again["Cache-Control"] and "max-age=60" in again["Cache-Control"]
    assert not any("reviews_announcemententry" in query["sql"] for query in queries.captured_queries)


def test_an_entry_withdrawn_by_an_upheld_objection_leaves_the_cached_pages_at_once(client, big_batch, entry):
    page, api = f"{PAGES}{big_batch.pk}/", f"{API}{big_batch.pk}/"
    listing = client.get(PAGES).content.decode()
    assert f"公示人数：{TOTAL}人" in listing
    assert rows(client.get(page).content.decode())[0] == (1, entry.pk)
    assert client.get(api).json()["entries"][0]["id"] == entry.pk

    objection = objection_file(entry_id=entry.pk, **{**VALID, "contact_phone": "13800138000"})
    objection_resolve(objection_id=objection.pk, officer=officer(), upheld=True, resolution="核实属实，重新评审")

    shown = rows(client.get(page).content.decode())
    assert entry.pk not in [pk for _, pk in shown]
    assert shown[0] == (1, ids_in_order(big_batch)[1])  # the next one moves up
    data = client.get(api).json()
    assert entry.pk not in [e["id"] for e in data["entries"]]
    assert data["count"] == data["entry_count"] == TOTAL - 1
    assert f"公示人数：{TOTAL - 1}人" in client.get(PAGES).content.decode()


def test_a_change_to_another_batch_keeps_this_batch_cached(client, big_batch, entry):
    other = AnnouncementBatch.objects.create(
        region_code="620100", region_name="兰州市", published_on=big_batch.published_on, ends_on=big_batch.ends_on
    )
    moved = AnnouncementEntry.objects.filter(batch=big_batch).order_by("-id").first()
    assert moved is not None
    page = f"{PAGES}{big_batch.pk}/"
    first = client.get(page)
    AnnouncementEntry.objects.filter(pk=moved.pk).update(batch=other)  # behind the services' back

    from reviews.public_cache import announcement_public_changed

    announcement_public_changed(batch_ids=[other.pk])
    assert client.get(page).content == first.content  # still this batch's cached page
    announcement_public_changed(batch_ids=[big_batch.pk])
    assert f'<span id="entry-count">{TOTAL - 1}</span>' in client.get(page).content.decode()


def test_the_objection_form_lists_only_the_chosen_row(client, big_batch, entry):
    body = client.get(f"{PAGES}{big_batch.pk}/objection/?entry={entry.pk}").content.decode()

    assert body.count("<option ") == 2  # the prompt and the chosen row, not a thousand
    assert f'<option value="{entry.pk}" selected>' in body
    without = client.get(f"{PAGES}{big_batch.pk}/objection/").content.decode()
    assert without.count("<option ") == 1 and "点击所在行的“提出异议”" in without

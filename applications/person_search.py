"""Finding a person, and seeing who they are, in the admin: officers search applications, certifications
and the insured registry by full ID number, phone or name, and every such search is in the access log
(`PersonSearch`: who, when, where, what, how many answered); the case page shows the applicant's real
name, ID number and phone to staff holding `view_applicant_identity` (officers), each view logged as a
read of the record, and masked to everyone else. Kernel: the certification admin searches this way too."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from accounts.identity import (
    ID_NUMBER_RE,
    mask_id_number,
    mask_name,
    mask_phone,
    normalize_id_number,
    validate_mobile,
)
from accounts.models import User
from applications.access import record_reads_log
from applications.access_models import PersonSearch, ReaderRole, SearchKind
from config.auth import authenticated_user, client_of

IDENTITY_PERMISSION = "applications.view_applicant_identity"
CJK = re.compile(r"[\u3400-\u9fff]")


def search_term_read(term: str) -> tuple[str | None, str]:
    """What a search term is — a full ID number, a mobile number, a name (Chinese characters) or none of
    these (a reference, a code: nothing personal) — and the term as it is stored (full-width digits
    and a lower-case x read as typed on a phone; spaces and dashes in a number dropped)."""
    number = normalize_id_number(term)
    if ID_NUMBER_RE.match(number):  # the shape only: a search for a mistyped number is a search too
        return SearchKind.ID_NUMBER, number
    try:
        return SearchKind.PHONE, validate_mobile(term)
    except ValidationError:
        pass
    if CJK.search(term):
        return SearchKind.NAME, term.strip()
    return None, term


def person_search_log(*, user: User, where: str, kind: str, term: str, results: int, ip_address: str | None) -> None:
    PersonSearch.objects.create(
        user=user, where=where, kind=kind, term=term[:50], results=results, ip_address=ip_address
    )


class PersonSearchAdmin:
    """A ModelAdmin mixin: the list's search finds people by what `search_fields` name (exact ID number
    and phone through their blind indexes, a name by its characters), and each such search is logged."""

    person_search_where = ""

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str) -> Any:
        kind, term = search_term_read(search_term)
        results, may_have_duplicates = super().get_search_results(request, queryset, term)  # type: ignore[misc]
        if kind is not None:
            person_search_log(
                user=authenticated_user(request),
                where=self.person_search_where,
                kind=kind,
                term=term,
                results=results.count(),
                ip_address=client_of(request)["ip_address"],
            )
        return results, may_have_duplicates


def applicant_identity(*, request: HttpRequest, application: Model, person: User) -> dict[str, Any]:
    """The applicant as the case page shows them to this staff member: in full (and the view logged as a
    read of the record) with `view_applicant_identity`, masked otherwise."""
    user = authenticated_user(request)
    if user.has_perm(IDENTITY_PERMISSION):
        record_reads_log(applications=[application], user=user, role=ReaderRole.OFFICER, **client_of(request))
        return {"unmasked": True, "name": person.name, "id_number": person.id_number, "phone": person.phone}
    return {
        "unmasked": False,
        "name": mask_name(person.name),
        "id_number": mask_id_number(person.id_number),
        "phone": mask_phone(person.phone) if person.phone else "",
    }

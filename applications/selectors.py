"""Reads, scoped to the caller in one place (`application_scope`): an applicant sees their own
applications and those of the family members bound to their account (亲情账户); a hospital's 医保办 or
a service window those it filed."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.family import family_owner_of, represented
from accounts.models import User
from applications.desk import desk_post
from applications.models import (
    Application,
    ApplicationEvent,
    DeskPost,
    Disease,
    Document,
    DocumentAccess,
    Hospital,
    ReaderRole,
)
from reviews.selectors import case_reader_role


def application_scope(*, user: User) -> Q:
    """Whose applications the caller sees and works on: their own and their bound family members'; at a
    hospital's 医保办 those their institution filed, at a service window those filed at the windows."""
    post = desk_post(user=user)
    return post.scope() if post is not None else Q(applicant_id__in=represented(user=user))


def _represents(user: User, applicant_id: int) -> bool:
    """The applicant is the caller or a family member bound to the caller's account: an applicant's own
    case costs no query, the family is asked only for someone else's."""
    return applicant_id == user.pk or family_owner_of(user=user, member_id=applicant_id)


def _one_in_scope(queryset: QuerySet[Application], *, user: User, application_id: object) -> Application:
    """One application by id if the caller may see it (`application_scope`), else 404."""
    post = desk_post(user=user)
    if post is not None:
        return get_object_or_404(queryset.filter(post.scope()), pk=application_id)
    application = get_object_or_404(queryset, pk=application_id)
    if not _represents(user, application.applicant_id):
        raise Http404
    return application


def application_in_scope(*, user: User, application: Application) -> bool:
    post = desk_post(user=user)
    if post is not None:
        return Application.objects.filter(post.scope(), pk=application.pk).exists()
    return _represents(user, application.applicant_id)


_JOINED = ("applicant", "disease", "disease__category", "diagnosing_hospital", "certification")


def _relations(*, documents: bool = True) -> tuple[Prefetch, Prefetch]:
    """What the application's output shows besides its row: its documents and its events, in order."""
    return (
        Prefetch(
            "documents", queryset=Document.objects.select_related("hospital") if documents else Document.objects.none()
        ),
        Prefetch("events", queryset=ApplicationEvent.objects.order_by("at", "id")),
    )


def application_list(*, user: User) -> QuerySet[Application]:
    """The caller's applications for the list (`ApplicationListOutput`): the applicant's name and the
    disease joined; no documents, events or certificate, which only the detail shows. The applicant's
    encrypted ID number and phone are left unread: the list shows neither, and decrypting them was a
    third of a page of 20."""
    return (
        Application.objects.filter(application_scope(user=user))
        .select_related("applicant", "disease")
        .defer("applicant__id_number", "applicant__phone")
        .order_by("-created_at")
    )


def application_get(*, user: User, application_id: object) -> Application:
    """The caller's own application, or 404 (never 403: the existence of others' data is not revealed)."""
    application = _one_in_scope(Application.objects.select_related(*_JOINED), user=user, application_id=application_id)
    prefetch_related_objects([application], *_relations())
    return application


def application_get_for_check(*, user: User, application_id: object) -> Application:
    """The caller's application (the same scope and 404 as `application_get`) with what the completeness
    rules read of it (`checks.application_problems`: the applicant, the disease, the diagnosing
    hospital); the documents the rules read themselves, and the events they never need."""
    queryset = Application.objects.select_related("applicant", "disease", "diagnosing_hospital")
    return _one_in_scope(queryset, user=user, application_id=application_id)


def application_get_for_write(*, user: User, application_id: object) -> Application:
    """The caller's application (the same scope and 404 as `application_get`) with only what a write's
    service needs before it locks the row itself: its id, applicant and status, no relations."""
    queryset = Application.objects.only("id", "applicant_id", "status")
    return _one_in_scope(queryset, user=user, application_id=application_id)


def application_with_relations(*, application: Application, documents: bool = True) -> Application:
    """A row a service just wrote, made ready for the output without reading it again: its documents and
    events prefetched (`documents=False`: a new draft, known to have none, costs no query)."""
    prefetch_related_objects([application], *_relations(documents=documents))
    return application


def document_get(*, application: Application, document_id: object) -> Document:
    return get_object_or_404(Document.objects.select_related("hospital"), application=application, pk=document_id)


def document_for_reader(*, user: User, application_id: UUID | str, document_id: object) -> tuple[Document, str]:
    """A document whose bytes the caller may read, with the caller's role; 404 for anyone else.

    Readers: the owner, their family account, the desk that filed it, an officer holding the view
    permission, an expert the case is assigned to (reviews.selectors.case_reader_role); each read is logged."""
    document = get_object_or_404(
        Document.objects.select_related("application"),
        application_id=application_id,
        pk=document_id,
        purged_at__isnull=True,  # deleted at the end of its retention period
    )
    role = case_reader_role(user=user, application=document.application)
    if role is None:
        raise Http404
    return document, role


def disease_list() -> QuerySet[Disease]:
    return Disease.objects.filter(is_active=True).select_related("category").order_by("category__sort_order", "code")


def hospital_names(codes: list[str]) -> str:
    """Institutions by name, in the order given ("、"-separated); a code no longer in the register as is."""
    names = dict(Hospital.objects.filter(code__in=codes).values_list("code", "name"))
    return "、".join(names.get(code, code) for code in codes)


def hospital_list() -> QuerySet[Hospital]:
    """Every institution of the register: designated ones (定点) for treatment points, any level-2+ one
    for a diagnosis. `?is_designated=true` filters."""
    return Hospital.objects.order_by("code")


def application_access_log(*, application: Application) -> QuerySet[DocumentAccess]:
    """Who else read the application's documents or (a desk that filed it) its record, newest first: the
    applicant's access record."""
    return (
        DocumentAccess.objects.filter(Q(document__application=application) | Q(application=application))
        .exclude(role=ReaderRole.OWNER)
        .select_related("document", "user__expert_profile")
        .order_by("-at", "-id")
    )


def reader_institution(access: DocumentAccess) -> str:
    """Where the reader works, as the applicant is told it (never the staff member's name): the bureau for
    its officers, the expert's own institution (or the bureau's panel of experts)."""
    if access.role == ReaderRole.EXPERT:
        profile = getattr(access.user, "expert_profile", None)
        return (profile.institution if profile else "") or f"{settings.BUREAU_NAME}评审专家库"
    if access.role == ReaderRole.DESK:
        post = DeskPost.objects.select_related("hospital").filter(user=access.user).first()
        return post.label if post is not None else str(settings.BUREAU_NAME)
    if access.role == ReaderRole.FAMILY:
        return "亲情账户"
    return str(settings.BUREAU_NAME)

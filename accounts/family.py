"""亲情账户 (family accounts): an account binds up to `FAMILY_MAX` family members, each with the
member's consent by a code sent to the member's phone (or, for a member without a phone, their signed
authorisation, uploaded and checked by an officer), then files and follows applications for them.
The member stays the applicant (their registry check, certificate and announcement): an account of
their own, or, for someone who has none, a passive account (no password, no login) that they claim
later by registering with that ID number and a code sent to that phone.

Either side may unbind. The consent code goes to the phone on the member's own account when they have
one, whatever phone the caller typed.
"""

from __future__ import annotations

import uuid
from typing import IO, Literal

from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.codes import sms_code_consume, sms_code_send
from accounts.identity import mask_name
from accounts.models import CodePurpose, FamilyLink, User
from accounts.roles import is_officer
from applications.access import private_file_open
from applications.models import Application, ReaderRole
from config.domain import Conflict, Forbidden, InvalidInput, InvalidState, NotFound
from config.uploads import upload_check

FAMILY_MAX = 5
FAMILY_RELATIONSHIPS = ("配偶", "子女", "父母", "兄弟姐妹", "祖父母或外祖父母", "孙子女或外孙子女", "其他亲属")


def person_account(*, name: str, id_number: str, phone: str) -> User:
    """The account of a person someone else files for: their own, or a new passive one."""
    # An existing account is used as it is, whatever name was typed: the consent code goes to its own
    # phone, so a wrong name binds nothing, and the answer tells no one that the account exists.
    existing = User.objects.filter(id_number=id_number).first()
    if existing is not None:
        return existing
    person = User(username=f"person-{uuid.uuid4().hex[:12]}", name=name, id_number=id_number, phone=phone)
    person.set_unusable_password()
    person.save()
    return person


def passive_account_claimable(*, account: User, phone: str) -> bool:
    """Whether a registration with a code sent to `phone` takes over this account: one made for the person
    by someone else (family, a hospital, a window) and never signed in to, on this phone; on another phone
    only while nothing has been filed for them (the phone was typed by someone else, who must not be able
    to keep the person from registering by typing a wrong one)."""
    if account.is_staff or account.has_usable_password():
        return False
    return account.phone in ("", phone) or not Application.objects.filter(applicant=account).exists()


def family_member_add(
    *, owner: User, name: str, id_number: str, relationship: str, phone: str, ip_address: str | None
) -> FamilyLink:
    """Ask a member to be bound: the link waits for the code the member receives. Asking again resends."""
    if owner.is_staff or not owner.id_number:
        raise Forbidden("只有实名注册的参保人账户可以绑定家庭成员。", code="applicants_only")
    if id_number == owner.id_number:
        raise InvalidInput("不能把本人添加为家庭成员。", code="family_self", field="id_number")
    with transaction.atomic():
        User.objects.select_for_update().get(pk=owner.pk)  # one add at a time per account: the limit holds
        member = person_account(name=name, id_number=id_number, phone=phone)
        link = FamilyLink.objects.filter(owner=owner, member=member).first()
        if link is None:
            if FamilyLink.objects.filter(owner=owner).count() >= FAMILY_MAX:
                raise Conflict(f"每个账户最多绑定{FAMILY_MAX}位家庭成员。", code="family_limit")
            link = FamilyLink.objects.create(owner=owner, member=member, relationship=relationship)
        elif link.status == FamilyLink.Status.BOUND:
            raise Conflict("该家庭成员已绑定。", code="family_already_bound", field="id_number")
    if member.phone:
        sms_code_send(
            phone=member.phone, purpose=CodePurpose.FAMILY, ip_address=ip_address, user=owner, asked_by=_asked_by(owner)
        )
    # A member without a phone consents on paper: the link waits for their signed authorisation.
    return link


def family_consent_by(link: FamilyLink) -> Literal["sms", "authorisation"]:
    """How the member consents: a code to their phone, or (no phone) a signed authorisation an officer checks."""
    return "sms" if link.member.phone else "authorisation"


def family_authorisation_upload(*, owner: User, link_id: object, file: UploadedFile) -> FamilyLink:
    """The signed authorisation (授权委托书) of a member without a phone: a scan or photo, checked like
    every upload, stored privately, then an officer checks it and binds. Uploading again replaces it."""
    with transaction.atomic():
        link = get_object_or_404(
            FamilyLink.objects.select_for_update().select_related("member"), pk=link_id, owner=owner
        )
        if link.status == FamilyLink.Status.BOUND:
            raise Conflict("该家庭成员已绑定。", code="family_already_bound")
        if family_consent_by(link) == "sms":
            raise Conflict(
                "该家庭成员有手机号，请输入其手机收到的验证码完成绑定。", code="family_consent_by_sms", field="file"
            )
        checked = upload_check(file=file)
        previous = link.authorisation.name if link.authorisation else ""
        file.seek(0)
        content = ContentFile(checked.stored) if checked.stored is not None else File(file)
        link.authorisation.save(checked.extension, content, save=False)
        link.authorisation_name, link.authorisation_content_type = checked.original_name, checked.content_type
        link.status = FamilyLink.Status.AWAITING_OFFICER
        link.save(update_fields=["authorisation", "authorisation_name", "authorisation_content_type", "status"])
    if previous:
        link.authorisation.storage.delete(previous)
    return link


def family_authorisation_confirm(*, link: FamilyLink, officer: User) -> FamilyLink:
    """An officer has checked the signed authorisation against the member's ID: the link is bound."""
    if not is_officer(officer):
        raise Forbidden("只有经办人员可以核实授权书。", code="officers_only")
    with transaction.atomic():
        link = FamilyLink.objects.select_for_update().get(pk=link.pk)
        if link.status == FamilyLink.Status.BOUND:
            raise InvalidState("该家庭成员已绑定。", code="family_already_bound")
        if link.status != FamilyLink.Status.AWAITING_OFFICER:
            raise InvalidState("尚未上传授权委托书，无法核实。", code="not_awaiting_officer")
        link.status, link.bound_at, link.confirmed_by = FamilyLink.Status.BOUND, timezone.now(), officer
        link.save(update_fields=["status", "bound_at", "confirmed_by"])
    return link


def family_authorisation_open(
    *, link: FamilyLink, user: User, ip_address: str | None, user_agent: str = ""
) -> IO[bytes]:
    """An officer reads the signed authorisation: logged like every private file."""
    if not is_officer(user) or not link.authorisation:
        raise NotFound("未找到授权书。", code="not_found")
    return private_file_open(
        file=link.authorisation,
        user=user,
        role=ReaderRole.OFFICER,
        ip_address=ip_address,
        user_agent=user_agent,
        family_link=link,
    )


def _asked_by(owner: User) -> str:
    # The member learns whose account asks, masked like every name sent out.
    return f"{mask_name(owner.name)}（手机尾号{(owner.phone or '')[-4:]}）申请将您添加为亲情账户家庭成员。"


def family_member_confirm(*, owner: User, link_id: object, code: str) -> FamilyLink:
    """The member's code binds the link."""
    link = get_object_or_404(FamilyLink.objects.select_related("member"), pk=link_id, owner=owner)
    if link.status == FamilyLink.Status.BOUND:
        return link
    if family_consent_by(link) != "sms":
        waiting = link.status == FamilyLink.Status.AWAITING_OFFICER
        raise Conflict(
            "授权委托书已上传，请等待经办人员核实。"
            if waiting
            else "该家庭成员没有手机号，请上传其签字的授权委托书，由经办人员核实后绑定。",
            code="family_consent_by_authorisation",
        )
    sms_code_consume(phone=link.member.phone, purpose=CodePurpose.FAMILY, code=code, user=owner, field="code")
    link.status, link.bound_at = FamilyLink.Status.BOUND, timezone.now()
    link.save(update_fields=["status", "bound_at"])
    return link


def family_member_resend(*, owner: User, phone: str, ip_address: str | None) -> None:
    """A new consent code for a waiting member with this phone (none, silently, when there is no such member)."""
    waiting = FamilyLink.objects.filter(owner=owner, status=FamilyLink.Status.PENDING).select_related("member")
    if any(link.member.phone == phone for link in waiting):
        sms_code_send(
            phone=phone, purpose=CodePurpose.FAMILY, ip_address=ip_address, user=owner, asked_by=_asked_by(owner)
        )


def family_member_remove(*, user: User, link_id: object) -> None:
    """Unbind, from either side."""
    link = get_object_or_404(FamilyLink.objects.filter(owner=user) | FamilyLink.objects.filter(member=user), pk=link_id)
    link.delete()


def family_links(*, user: User) -> QuerySet[FamilyLink]:
    """The caller's links: the members they bound, and the accounts that bound them."""
    mine = FamilyLink.objects.filter(owner=user) | FamilyLink.objects.filter(member=user)
    return mine.select_related("owner", "member").order_by("created_at", "id")


def family_link_bound(*, owner: User, link_id: object) -> FamilyLink:
    """A bound member of the caller, or 404."""
    return get_object_or_404(
        FamilyLink.objects.select_related("member"), pk=link_id, owner=owner, status=FamilyLink.Status.BOUND
    )


def represented(*, user: User) -> list[int]:
    """Whose applications the caller files and follows: their own and their bound members'."""
    members = FamilyLink.objects.filter(owner=user, status=FamilyLink.Status.BOUND).values_list("member_id", flat=True)
    return [user.pk, *members]


def family_owners(*, member_ids: set[int]) -> dict[int, list[int]]:
    """The accounts each of these members is bound to (they get the members' messages too)."""
    owners: dict[int, list[int]] = {}
    bound = FamilyLink.objects.filter(member_id__in=member_ids, status=FamilyLink.Status.BOUND)
    for member_id, owner_id in bound.values_list("member_id", "owner_id"):
        owners.setdefault(member_id, []).append(owner_id)
    return owners


def family_owner_of(*, user: User, member_id: int) -> bool:
    return FamilyLink.objects.filter(owner=user, member_id=member_id, status=FamilyLink.Status.BOUND).exists()

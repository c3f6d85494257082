"""Filing in person (seeds 000/001): a designated hospital's medical-insurance office (医保办) or the
bureau's service window (经办窗口) looks the person up in the insured registry and files for them with
the same API, with the person's signed consent (`consent_form`). The person is the applicant: their
own account, or a passive one they claim later by registering with that ID number (accounts/family).

A hospital clerk sees only the applications their institution filed; a window officer those filed at
the windows; every read of these records by a desk is logged (the applicant's access record). Staff
other than these file nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from accounts.family import person_account
from accounts.models import User
from applications.access import record_reads_log
from applications.models import Application, ApplicationChannel, DeskPost, InsuredPerson, ReaderRole
from config.domain import Forbidden, InvalidInput, NotFound


def desk_post(*, user: User) -> DeskPost | None:
    """The caller's post at a hospital or a window, if they have one."""
    if not user.is_active or not user.is_staff:
        return None
    return DeskPost.objects.select_related("hospital").filter(user=user).first()


def desk_channel(post: DeskPost) -> ApplicationChannel:
    return ApplicationChannel.HOSPITAL if post.hospital_id else ApplicationChannel.WINDOW


def desk_require(*, user: User) -> DeskPost:
    post = desk_post(user=user)
    if post is None:
        raise Forbidden("只有定点医院医保办或经办窗口的工作人员可以办理。", code="desk_only")
    return post


def desk_insured_lookup(*, user: User, id_number: str) -> tuple[InsuredPerson, bool]:
    """The registry record of the person at the counter, and whether they have an account of their own."""
    desk_require(user=user)
    person = InsuredPerson.objects.filter(id_number=id_number).first()
    if person is None:
        raise NotFound("未查询到该身份证号码的参保登记。", code="not_insured")
    account = User.objects.filter(id_number=id_number).first()
    return person, account is not None and account.has_usable_password()


def desk_applicant(*, post: DeskPost, id_number: str, phone: str) -> User:
    """The applicant an application filed at this post is for: the registered person of that ID number."""
    person = InsuredPerson.objects.filter(id_number=id_number).first()
    if person is None:
        raise InvalidInput("未查询到该身份证号码的参保登记，请核对。", code="not_insured", field="for_person.id_number")
    if not phone:
        raise InvalidInput("请填写申请人的手机号，用于接收办理进度短信。", code="required", field="for_person.phone")
    return person_account(name=person.name, id_number=id_number, phone=phone)


def desk_reads_log(
    *, user: User, applications: Iterable[Application], ip_address: str | None, user_agent: str = ""
) -> None:
    """A desk read these applications' records (a list or a case page): each read is logged."""
    if desk_post(user=user) is not None:
        record_reads_log(
            applications=applications,
            user=user,
            role=ReaderRole.DESK,
            ip_address=ip_address,
            user_agent=user_agent,
        )

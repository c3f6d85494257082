"""The messages of the national interface, by transaction number (infno), built from a certification:
2503 register the special/chronic disease, 2504 cancel it, 2505/2506 register/cancel the designated
institutions, 5301 query a person's registrations; and the envelope every message travels in."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings

from applications.models import DocumentKind, InsuranceType, InsuredPerson
from certification.models import Certification, DesignatedPoint

REGISTER = "2503"
CANCEL = "2504"
POINTS_REGISTER = "2505"
POINTS_CANCEL = "2506"
QUERY = "5301"
INFVER = "V1.0"
DATE = "%Y-%m-%d"
# 险种类型: employee 310, resident 390; flexible employment is insured as an employee.
INSUTYPE: dict[str, str] = {InsuranceType.EMPLOYEE: "310", InsuranceType.FLEXIBLE: "310", InsuranceType.RESIDENT: "390"}


def person_number(certification: Certification) -> str:
    """psn_no: the platform's person number; the ID number where no separate number is known."""
    return str(certification.holder.id_number)


def register_data(certification: Certification) -> dict[str, Any]:
    """2503 input.data: the disease registered on effect (and again when its dates change)."""
    application = certification.application
    person = InsuredPerson.objects.filter(id_number=certification.holder.id_number).first()
    appraisal = (
        application.documents.filter(kind=DocumentKind.HOSPITAL_APPRAISAL, hospital__isnull=False)
        .select_related("hospital")
        .first()
    )
    institution = appraisal.hospital if appraisal and appraisal.hospital else application.diagnosing_hospital
    return {
        "psn_no": person_number(certification),
        "insutype": INSUTYPE.get(certification.insurance_type, "390"),
        "opsp_dise_code": certification.disease.code,
        "opsp_dise_name": certification.disease.name,
        "tel": certification.holder.phone,
        "addr": "",
        "insu_optins": person.region_code if person else settings.NATIONAL_PLATFORM_REGION,
        "ide_fixmedins_no": institution.code,
        "ide_fixmedins_name": institution.name,
        "hosp_ide_date": application.diagnosis_date.strftime(DATE),
        "diag_dr_codg": application.diagnosing_doctor_code,
        "diag_dr_name": application.diagnosing_doctor_name,
        "begndate": certification.benefit_start_date.strftime(DATE),
        "enddate": (certification.benefit_ends_on or certification.valid_until).strftime(DATE),
    }


def cancel_data(certification: Certification, *, memo: str) -> dict[str, Any]:
    """2504 input.data; the registration number is added when it is sent (it is known by then)."""
    return {"trt_dcla_detl_sn": certification.platform_registration_sn, "memo": memo[:200]}


def points_data(points: list[DesignatedPoint], *, certification: Certification) -> list[dict[str, Any]]:
    """2505/2506 input.data: one row per designated institution, in the holder's order."""
    return [
        {
            "psn_no": person_number(certification),
            "fixmedins_code": point.hospital.code,
            "fixmedins_name": point.hospital.name,
            "fix_srt_no": point.order,
            "begndate": point.begins_on.strftime(DATE),
            "enddate": (point.ends_on or certification.benefit_ends_on or certification.valid_until).strftime(DATE),
        }
        for point in points
    ]


def envelope(*, infno: str, msgid: str, data: object, at: dt.datetime) -> dict[str, Any]:
    """The wrapper of every message (the national interface's common input)."""
    return {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": settings.NATIONAL_PLATFORM_REGION,
        "insuplc_admdvs": settings.NATIONAL_PLATFORM_REGION,
        "recer_sys_code": settings.NATIONAL_PLATFORM_SYSTEM_CODE,
        "infver": INFVER,
        "opter_type": "1",  # 经办人员
        "opter": "SYSTEM",
        "opter_name": "门诊慢特病业务系统",
        "inf_time": at.strftime("%Y-%m-%d %H:%M:%S"),
        "sign_no": "",
        "input": {"data": data},
    }

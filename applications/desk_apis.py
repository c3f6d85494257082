"""The desk's API (a hospital's 医保办, a service window): look the person at the counter up in the
insured registry. Filing, uploads and submitting use the applicant's endpoints with `for_person`."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.identity import validate_id_number
from applications.desk import desk_insured_lookup
from config.api.schema import problems
from config.auth import authenticated_user
from config.domain import InvalidInput


class InsuredLookupOutput(serializers.Serializer):
    name = serializers.CharField(help_text="参保登记姓名")
    insurance_type = serializers.CharField()
    insurance_type_display = serializers.CharField()
    region_code = serializers.CharField()
    status = serializers.CharField()
    status_display = serializers.CharField()
    has_account = serializers.BooleanField(
        help_text="本人是否已注册账户（未注册的，登记后本人可用此身份证号注册并查看申请）"
    )


class DeskInsuredApi(APIView):
    @extend_schema(
        responses={200: InsuredLookupOutput, **problems(400, 403, 404)},
        summary="医院医保办、经办窗口：按身份证号码查询参保登记",
    )
    def get(self, request: Request, id_number: str) -> Response:
        try:
            number = validate_id_number(id_number)
        except ValidationError as exc:  # the ID number's own check says what is wrong
            raise InvalidInput(exc.messages[0], code=exc.code or "invalid", field="id_number") from None
        person, has_account = desk_insured_lookup(user=authenticated_user(request), id_number=number)
        return Response(
            InsuredLookupOutput(
                {
                    "name": person.name,
                    "insurance_type": person.insurance_type,
                    "insurance_type_display": person.get_insurance_type_display(),
                    "region_code": person.region_code,
                    "status": person.status,
                    "status_display": person.get_status_display(),
                    "has_account": has_account,
                }
            ).data
        )

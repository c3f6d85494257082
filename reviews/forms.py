"""Admin forms of the review workbench. They only collect input: the services decide and validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Model

from accounts.models import User
from reviews.models import Decision
from reviews.selectors import experts_with_load


def expert_label(user: User) -> str:
    """专家一（expert1，在办 3/30） for a user from `experts_with_load`, the plain name otherwise."""
    name = user.name or user.username
    load = getattr(user, "load", None)
    if load is None:
        return name
    return f"{name}（{user.username}，在办 {load}/{user.expert_profile.capacity}）"


class ExpertChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Model) -> str:
        assert isinstance(obj, User)
        return expert_label(obj)


class ReviewDecisionForm(forms.Form):
    """The expert's opinion; a reason is required for anything but approval (checked by `review_decide`)."""

    decision = forms.ChoiceField(label="评审意见", choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="理由",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="不通过或要求补充材料时必须填写；理由会告知申请人。",
    )


class OfficerDecisionForm(ReviewDecisionForm):
    """The officer settles a split; the reason is always required."""

    decision = forms.ChoiceField(label="裁决", choices=Decision.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label="裁决理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ExpertPickForm(forms.Form):
    """Pick an expert on duty: to take over an assignment (改派) or to join the round (增派)."""

    expert = ExpertChoiceField(label="专家", queryset=User.objects.none(), empty_label="请选择专家")

    def __init__(self, *args: Any, exclude: set[int] | frozenset[int] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expert"]
        assert isinstance(field, ExpertChoiceField)
        field.queryset = experts_with_load(exclude=exclude)


class ReminderForm(forms.Form):
    """The officer's reminder text (催办), sent to the experts of the chosen cases."""

    message = forms.CharField(
        label="催办内容",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        help_text="发送给所选案件的评审专家（站内消息，并按设置发送短信）；每位专家只收到一条，列出其全部案件。",
    )

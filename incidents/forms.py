"""The console's form for recording a violation by hand (RM, managers), and the RM queue
page's forms: filters, bulk assignment, an incident's transition and assignment."""

from typing import Any, cast

from django import forms
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from incidents.models import Incident, Service
from policies.models import AccountKind, RmSeverity
from policies.selectors import NoPublishedPolicy, penalty_rules_for, rm_taxonomy


def code_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The published version's violation codes grouped by kind of account, in Korean."""
    try:
        rules = list(penalty_rules_for())
    except NoPublishedPolicy:
        return []
    groups: dict[str, list[tuple[str, str]]] = {}
    for rule in rules:
        groups.setdefault(str(rule.get_kind_display()), []).append(
            (rule.code, f"{rule.name} — {rule.threshold_label}: {rule.action_label}")
        )
    return list(groups.items())


class ViolationForm(forms.Form):
    kind = forms.ChoiceField(label="계정 종류", choices=AccountKind.choices)
    external_id = forms.CharField(label="플랫폼 계정 ID", max_length=64)
    code = forms.ChoiceField(label="위반", choices=code_choices)
    occurred_at = forms.DateTimeField(
        label="발생 시각", required=False, help_text="예: 2026-12-01 14:30. 비우면 지금."
    )
    amount = forms.IntegerField(
        label="금액",
        required=False,
        min_value=0,
        max_value=10**12,
        help_text="원. 사고 손해액처럼 금액으로 누적되는 위반만.",
    )
    note = forms.CharField(label="메모", max_length=500, required=False)
    name = forms.CharField(label="이름", max_length=100, required=False)
    phone = forms.CharField(label="전화번호", max_length=20, required=False)


# --- the RM queue page -----------------------------------------------------------------------


def _options(choices: Any, value: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, mark_safe(" selected") if str(v) == value else "", label) for v, label in choices),
    )


def _select_html(name: str, auto_id: str, choices: Any, value: str) -> SafeString:
    """A <select> of flat or grouped choices, every value and label escaped."""
    parts = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', key, _options(label, value))
            )
        else:
            parts.append(_options([(key, label)], value))
    return format_html(
        '<select name="{}" id="{}">{}</select>', name, auto_id, mark_safe("".join(parts))
    )


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


# A published version's taxonomy never changes (the models and the book-part trigger refuse
# it), so the queue reads it once per process. Keyed by the publication time too: a test
# database rolled back may give another version the same id.
_TAXONOMIES: dict[tuple[int, Any], list[Any]] = {}


def _published_taxonomy(version: Any) -> list[Any]:
    if version.published_at is None:
        return rm_taxonomy(version=version)
    key = (version.pk, version.published_at)
    if key not in _TAXONOMIES:
        if len(_TAXONOMIES) > 16:
            _TAXONOMIES.clear()
        _TAXONOMIES[key] = rm_taxonomy(version=version)
    return _TAXONOMIES[key]


def taxonomy_for(user: Any, version: Any = None) -> list[Any]:
    """The published (or given) version's categories the user may know of (성민감 only with
    the permission), with their subtypes."""
    from incidents.selectors import may_see_sensitive_incidents

    try:
        taxonomy = _published_taxonomy(version) if version is not None else rm_taxonomy()
    except NoPublishedPolicy:
        return []
    sensitive_ok = may_see_sensitive_incidents(user)
    return [c for c in taxonomy if sensitive_ok or not c.sensitive]


class QueueFilterForm(forms.Form):
    """The queue's filters, from the query string. Every field is optional; a value that is
    not one of the choices is a form error (shown in Korean), never a 500."""

    OPEN = ""
    ALL = "all"

    category = forms.ChoiceField(label="유형", required=False)
    subtype = forms.ChoiceField(label="세부 유형", required=False)
    status = forms.ChoiceField(label="상태", required=False)
    severity = forms.ChoiceField(
        label="심각도", required=False, choices=[("", "전체"), *RmSeverity.choices]
    )
    service = forms.ChoiceField(
        label="서비스", required=False, choices=[("", "전체"), *Service.choices]
    )
    assignee = forms.ChoiceField(label="담당자", required=False)
    sla = forms.ChoiceField(label="SLA", required=False)
    mine = forms.BooleanField(label="내 담당", required=False)
    sort = forms.ChoiceField(label="정렬", required=False)
    after = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        taxonomy: list[Any],
        workers: list[tuple[str, str]],
        **kwargs: Any,
    ):
        from incidents.queue import SLA_ORDER, Sort

        super().__init__(*args, **kwargs)
        # The taxonomy the user may know of (`taxonomy_for`): a 성민감 category is not offered
        # without the permission.
        self.taxonomy = taxonomy
        self.label_categories({})
        _choice(self, "subtype").choices = [
            ("", "전체"),
            *((c.label, [(s.code, s.label) for s in c.subtypes.all()]) for c in self.taxonomy),
        ]
        _choice(self, "status").choices = [
            (self.OPEN, "진행 중 (종결 제외)"),
            (self.ALL, "전체"),
            *Incident.Status.choices,
        ]
        _choice(self, "assignee").choices = [
            ("", "전체"),
            ("none", "미배정"),
            *workers,
        ]
        _choice(self, "sla").choices = [("", "전체"), *((s.value, s.label) for s in SLA_ORDER)]
        _choice(self, "sort").choices = Sort.choices

    def label_categories(self, counts: dict[str, int]) -> None:
        """Each category option with its count of open cases (counted by the caller over what
        the user may see; capped, '1,000+')."""
        from incidents.queue import count_label

        _choice(self, "category").choices = [
            ("", "전체"),
            *(
                (
                    c.code,
                    f"{c.label} ({count_label(counts[c.code])})" if c.code in counts else c.label,
                )
                for c in self.taxonomy
            ),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        category, subtype = data.get("category"), data.get("subtype")
        if subtype:
            owner = next(
                (c for c in self.taxonomy if any(s.code == subtype for s in c.subtypes.all())),
                None,
            )
            if category and owner is not None and owner.code != category:
                self.add_error("subtype", "고른 유형에 없는 세부 유형입니다.")
        return data

    def selects(self) -> list[tuple[forms.BoundField, str]]:
        """Each select filter with its HTML, built here rather than by the widget templates:
        Django's per-option template rendering was the largest cost of the queue page."""
        out: list[tuple[forms.BoundField, str]] = []
        for name, field in self.fields.items():
            if not isinstance(field, forms.ChoiceField):
                continue
            bound = self[name]
            value = str(bound.value() or "")
            out.append((bound, _select_html(bound.html_name, bound.auto_id, field.choices, value)))
        return out

    def subtypes_by_category(self) -> dict[str, list[str]]:
        """Which subtype codes belong to which category: the page's script narrows the subtype
        list to the chosen category with it."""
        return {c.code: [s.code for s in c.subtypes.all()] for c in self.taxonomy}


class IdListField(forms.Field):
    """Incident ids from the queue's checkboxes (many values of one name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": "배정할 사고를 고르세요.",
        "invalid": "사고 번호가 올바르지 않습니다.",
        "too_many": "한 번에 200건까지 배정할 수 있습니다.",
    }

    def to_python(self, value: Any) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        try:
            ids = sorted({int(v) for v in values})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(i < 1 or i > 2**62 for i in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(ids) > 200:
            raise forms.ValidationError(self.error_messages["too_many"], code="too_many")
        return ids

    def validate(self, value: Any) -> None:
        if self.required and not value:
            raise forms.ValidationError(self.error_messages["required"], code="required")


def worker_choices(*, sensitive: bool = False) -> list[tuple[str, str]]:
    from incidents.queue import rm_workers

    return [(u.username, u.username) for u in rm_workers(sensitive=sensitive)]


class BulkAssignForm(forms.Form):
    ids = IdListField(label="사고")
    assignee = forms.ChoiceField(label="담당자", error_messages={"required": "담당자를 고르세요."})

    def __init__(self, *args: Any, workers: list[tuple[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = workers if workers is not None else worker_choices()
        _choice(self, "assignee").choices = [("", "담당자 선택"), *choices]


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label="담당자", error_messages={"required": "담당자를 고르세요."})
    reason = forms.CharField(label="사유", max_length=2000, required=False)

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice(self, "assignee").choices = [
            ("", "담당자 선택"),
            *worker_choices(sensitive=incident.sensitive),
        ]


class TransitionForm(forms.Form):
    to = forms.ChoiceField(label="다음 상태", error_messages={"required": "바꿀 상태를 고르세요."})
    reason = forms.CharField(
        label="사유",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="재개할 때는 꼭 적으세요.",
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any):
        super().__init__(*args, **kwargs)
        allowed = Incident.TRANSITIONS.get(incident.status, ())
        _choice(self, "to").choices = [(s, Incident.Status(s).label) for s in allowed]


class SlaPauseForm(forms.Form):
    reason = forms.CharField(
        label="사유",
        max_length=2000,
        help_text="기다리는 외부 기관 (경찰, 보험사, 병원 등).",
        error_messages={"required": "일시정지 사유(기다리는 외부 기관 등)가 필요합니다."},
    )


class SlaResumeForm(forms.Form):
    reason = forms.CharField(label="사유", max_length=2000, required=False)


class IncidentViolationForm(forms.Form):
    """A violation on one of the incident's parties: the code from the published penalty
    rules (the service refuses a code outside the party's kind of account)."""

    party = forms.TypedChoiceField(
        label="관계자", coerce=int, error_messages={"required": "관계자를 고르세요."}
    )
    code = forms.ChoiceField(label="위반", error_messages={"required": "위반을 고르세요."})
    amount = forms.IntegerField(
        label="금액(원)",
        required=False,
        min_value=0,
        max_value=10**12,
        help_text="사고 손해액처럼 금액으로 누적되는 위반만.",
    )
    reason = forms.CharField(
        label="사유",
        max_length=500,
        error_messages={"required": "위반을 기록하는 사유가 필요합니다."},
    )

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any):
        super().__init__(*args, **kwargs)
        parties = list(incident.parties.all())
        _choice(self, "party").choices = [
            ("", "관계자 선택"),
            *(
                (p.pk, f"{p.get_role_display()} {p.account.masked_name or p.account.external_id}")
                for p in parties
            ),
        ]
        kinds = {str(p.account.get_kind_display()) for p in parties}
        _choice(self, "code").choices = [
            ("", "위반 선택"),
            *((kind, codes) for kind, codes in code_choices() if kind in kinds),
        ]


class EvidenceForm(forms.Form):
    file = forms.FileField(label="파일", error_messages={"required": "올릴 파일을 고르세요."})


class InsuranceForm(forms.Form):
    """The insurer's limit and the loss of an over-limit case, in 원 (blank while unknown)."""

    insurer_limit = forms.IntegerField(
        label="보험사 보상 한도(원)", required=False, min_value=0, max_value=10**13
    )
    loss_amount = forms.IntegerField(
        label="손해액(원)", required=False, min_value=0, max_value=10**13
    )
    insurance_line = forms.ChoiceField(label="보험 계약", required=False)
    reason = forms.CharField(
        label="사유", max_length=500, error_messages={"required": "변경 사유가 필요합니다."}
    )

    KEEP, NONE = "", "none"

    def __init__(self, *args: Any, incident: Incident, **kwargs: Any):
        from django.utils import timezone

        from policies.insurance_selectors import lines_in_force

        super().__init__(*args, **kwargs)
        # The lines in force on the day the case occurred (Korea time), as the service checks.
        self.lines = {
            str(line.pk): line
            for line in lines_in_force(timezone.localtime(incident.occurred_at).date())
        }
        _choice(self, "insurance_line").choices = [
            (self.KEEP, "그대로"),
            (self.NONE, "연결 안 함"),
            *((pk, f"{line} (한도 {line.limit:,}원)") for pk, line in self.lines.items()),
        ]

    def line(self) -> Any:
        """The line to give the service: a line, None (unlink) or the service's KEEP_LINE."""
        from incidents.services.rm_actions import KEEP_LINE

        value = self.cleaned_data.get("insurance_line", self.KEEP)
        if value == self.NONE:
            return None
        return self.lines.get(value, KEEP_LINE)


class FlagClearForm(forms.Form):
    flag = forms.IntegerField(min_value=1, max_value=2**62, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="해제 사유", max_length=200, error_messages={"required": "해제 사유가 필요합니다."}
    )

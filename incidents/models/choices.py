"""Codes of accounts, their penalties and the history rows, with Korean labels."""

from django.db import models


class SourceKind(models.TextChoices):
    """Where a violation, a condition or a decision came from."""

    MANUAL = "manual", "수기 (RM·관리자)"
    CLAIM = "claim", "클레임"
    INCIDENT = "incident", "RM 사고"
    REVIEW = "review", "재심사 결정"


class AccountState(models.TextChoices):
    """Derived, never stored: see incidents.selectors.state_of for the order."""

    ACTIVE = "active", "정상"
    RESTRICTED = "restricted", "일부 제한"
    SUSPENDED = "suspended", "정지"
    BANNED = "banned", "영구정지"
    UNDER_REVIEW = "under_review", "재심사 중"


class RestrictionKind(models.TextChoices):
    BAN = "ban", "영구정지"
    SUSPENSION = "suspension", "정지"


class ReviewDecision(models.TextChoices):
    BAN = "ban", "영구정지"
    CLEAR = "clear", "문제 없음 (종결)"
    SUSPEND = "suspend", "기간 정지"


class EventKind(models.TextChoices):
    CREATED = "created", "계정 생성"
    UPDATED = "updated", "계정 정보 변경"
    VIOLATION = "violation", "위반 기록"
    WARNING = "warning", "경고"
    RESTRICTED = "restricted", "제재 적용"
    CONDITION = "condition", "해제 조건 충족 기록"
    LIFTED = "lifted", "제재 해제"
    REVIEW_OPENED = "review_opened", "재심사 요청"
    REVIEW_DECIDED = "review_decided", "재심사 결정"
    FLAGGED = "flagged", "플래그 지정"
    FLAG_CLEARED = "flag_cleared", "플래그 해제"

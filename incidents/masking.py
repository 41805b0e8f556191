"""Personal data as shown to people who may not see it whole: 010-****-5678, 홍*동.

Lists, exports, logs and the API (for users without `incidents.view_personal_data`) show these;
the full value shows only on the account's console page to users with that permission.
"""

import re

PHONE_DIGITS = re.compile(r"^\d{9,11}$")


def normalize_phone(value: str) -> str:
    """Digits only ('010-1234-5678' → '01012345678'); ValueError when it is no phone number."""
    digits = re.sub(r"[\s\-.()]", "", value or "")
    if digits.startswith("+82"):
        digits = "0" + digits[3:]
    if not PHONE_DIGITS.match(digits):
        raise ValueError("전화번호는 숫자 9~11자리여야 합니다 (예: 010-1234-5678).")
    return digits


def format_phone(digits: str) -> str:
    """'01012345678' → '010-1234-5678' (a Seoul number '0212345678' → '02-1234-5678')."""
    if not digits:
        return ""
    head = 2 if digits.startswith("02") else 3
    return f"{digits[:head]}-{digits[head:-4]}-{digits[-4:]}"


def mask_phone(digits: str) -> str:
    """'01012345678' → '010-****-5678': the middle part never shows."""
    if not digits:
        return ""
    head = 2 if digits.startswith("02") else 3
    return f"{digits[:head]}-{'*' * len(digits[head:-4])}-{digits[-4:]}"


def mask_name(name: str) -> str:
    """'홍길동' → '홍*동', '남궁길동' → '남**동', '홍길' → '홍*', one character → '*'."""
    name = (name or "").strip()
    if len(name) <= 1:
        return "*" * len(name)
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]

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


# Free text (an incident's description) as it leaves the RM team: phone numbers, resident
# registration numbers, car plates and the numbers of addresses are masked, and so are the
# names the caller knows (the parties'); a name nobody recorded cannot be found in free text.
# Digit boundaries, not \b: Hangul is a word character, so \b misses "…1234567이" (a particle
# right after the number).
RRN = re.compile(r"(?<!\d)(\d{6})[-\s]?[1-8]\d{6}(?!\d)")
# +82 (Korea's country code), the leading 0 of the area or mobile code dropped (or kept).
PHONE_INTL = re.compile(r"(?<!\d)\+82[-\s.]?\(?0?\)?(\d{1,2})[-\s.]?(\d{3,4})[-\s.]?(\d{4})(?!\d)")
PHONE_TEXT = re.compile(r"(?<!\d)(0\d{1,2})[-\s.]?(\d{3,4})[-\s.]?(\d{4})(?!\d)")
PLATE = re.compile(r"(?<!\d)(\d{2,3})\s?([가-힣])\s?\d{4}(?!\d)")
ROAD_ADDRESS = re.compile(r"([가-힣A-Za-z0-9]+(?:로|길))\s?\d+(?:-\d+)?(?:번길\s?\d+)?")
LOT_ADDRESS = re.compile(r"([가-힣]+(?:동|리|가))\s?\d+(?:-\d+)?(?:번지)?")
UNIT = re.compile(r"\d+동\s?\d+호|\d+호")


def mask_text(text: str, *, names: tuple[str, ...] = ()) -> str:
    """'홍길동(010-1234-5678)이 12가3456 차량에서' → '홍*동(010-****-5678)이 12가**** 차량에서'."""
    text = RRN.sub(lambda m: f"{m.group(1)}-*******", text or "")
    text = PHONE_INTL.sub(lambda m: f"+82-{m.group(1)}-{'*' * len(m.group(2))}-{m.group(3)}", text)
    text = PHONE_TEXT.sub(lambda m: f"{m.group(1)}-{'*' * len(m.group(2))}-{m.group(3)}", text)
    # Units before plates: '101동 1203호' reads as a plate too.
    text = UNIT.sub("***호", text)
    text = PLATE.sub(lambda m: f"{m.group(1)}{m.group(2)}****", text)
    text = ROAD_ADDRESS.sub(lambda m: f"{m.group(1)} ***", text)
    text = LOT_ADDRESS.sub(lambda m: f"{m.group(1)} ***", text)
    for name in sorted(
        {n.strip() for n in names if n and len(n.strip()) > 1}, key=len, reverse=True
    ):
        text = text.replace(name, mask_name(name))
    return text

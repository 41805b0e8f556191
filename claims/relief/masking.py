"""How a relief application's business registration number is shown on lists (admin, API):
the first five digits tell businesses apart, the rest is masked (personal data of a sole
trader)."""


def masked_business_number(number: str) -> str:
    """'1234567890' → '123-45-*****'; '' stays ''."""
    if len(number) != 10:
        return number
    return f"{number[:3]}-{number[3:5]}-*****"

import pytest

SB = {
    "program": "outage-1015",
    "segment": "small_business",
    "applicant": {
        "kind": "business",
        "external_id": "B-1",
        "name": "홍길동",
        "business_number": "123-45-67890",
    },
    "reported_loss": 300_000,
    "damage": "paid_service",
    "channel": "web",
    "submitted_at": "2022-10-20T10:00:00+09:00",
}
USER = {
    "program": "outage-1015",
    "segment": "user",
    "applicant": {"kind": "customer", "external_id": "C-1", "name": "김민수"},
    "damage": "no_loss",
    "channel": "web",
    "submitted_at": "2022-10-20T10:00:00+09:00",
}
DRIVER = {
    "program": "outage-1015",
    "segment": "driver",
    "applicant": {"kind": "driver", "external_id": "D-1", "name": "박기사"},
    "damage": "free_service_loss",
    "channel": "partner",
    "submitted_at": "2022-12-12T10:00:00+09:00",
    "saturdays_worked": 13,
    "nights_worked": 2,
}


@pytest.fixture
def file_relief(api_as, agent):
    def file(payload, user=None, **changes):
        body = {**payload, **changes}
        return api_as(user or agent).post("/api/v1/relief/applications/", body, format="json")

    return file


def csv_text(rows: list[dict[str, str]]) -> str:
    import csv
    import io

    from claims.relief.importer import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(c, "") for c in COLUMNS])
    return out.getvalue()


def row(**values: str) -> dict[str, str]:
    base = {
        "segment": "small_business",
        "kind": "business",
        "external_id": "B-1",
        "name": "홍길동",
        "business_number": "1234567890",
        "reported_loss": "100000",
        "damage": "paid_service",
        "channel": "web",
        "submitted_at": "2022-10-20T10:00:00+09:00",
    }
    return {**base, **values}

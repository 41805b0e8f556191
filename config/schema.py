"""The OpenAPI schema documents the errors the API answers, with their bodies."""

from typing import Any

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "사람이 읽는 한국어 설명"}},
    "required": ["detail"],
}
# A 400 names each field with its messages (a nested object for nested input, such as facts),
# or carries `detail` for a body that cannot be read at all.
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "object", "additionalProperties": True},
            {"type": "string"},
        ]
    },
}

ANSWERS = {
    "400": ("입력 오류: 필드별 메시지", "ValidationError"),
    "401": ("인증 필요: 토큰이 없거나 만료됨 (WWW-Authenticate: Token)", "Error"),
    "403": ("권한 없음", "Error"),
    "404": ("없는 대상 또는 없는 페이지", "Error"),
    "429": ("요청이 너무 많음 (Retry-After 초 뒤에 다시)", "Error"),
}


def document_error_responses(result: dict[str, Any], generator, request, public):  # type: ignore[no-untyped-def]
    """Every operation answers 400, 401, 403, 404 and 429 with these bodies; a 409 is left to
    the operations that can give one (their views declare it)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("ValidationError", VALIDATION_ERROR)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for code, (description, name) in ANSWERS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {
                            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
                        },
                    },
                )
            if "409" in responses and "content" not in responses["409"]:
                responses["409"]["content"] = {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ValidationError"}}
                }
    return result

"""Request parsing shared by every endpoint."""

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# No request body of this API nests deeper than a few levels; far below the interpreter's
# recursion limit, so a deep body is refused before anything recurses over it.
MAX_JSON_DEPTH = 20


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` nests lists or objects deeper than `limit` (checked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = list(item.values())
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class SafeJSONParser(JSONParser):
    """DRF's JSON parser with a depth limit: a deeply nested body is a 400, never a
    RecursionError (the json module recurses once per level)."""

    def parse(self, stream, media_type=None, parser_context=None):  # type: ignore[no-untyped-def]
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(f"JSON 중첩이 너무 깊습니다 (최대 {MAX_JSON_DEPTH}단계).") from exc
        if json_depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON 중첩이 너무 깊습니다 (최대 {MAX_JSON_DEPTH}단계).")
        return data

"""Stripe's request bodies: form-encoded, nested with brackets (`metadata[shop]=…`, `lines[0][amount]=…`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")


class FormError(ValueError):
    def __init__(self, param: str) -> None:
        super().__init__(f"Invalid parameter name: {param}")
        self.param = param


def decode(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """Nested dicts from bracketed keys; dicts whose keys are 0, 1, 2 … become lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        found = KEY.match(key)
        if not found:
            raise FormError(key)
        path = [found.group(1), *re.findall(r"\[([^\[\]]*)\]", found.group(2))]
        node = root
        for index, part in enumerate(path):
            if part == "":  # `expand[]=a&expand[]=b`
                part = str(sum(1 for k in node if k.isdigit()))
            if index == len(path) - 1:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise FormError(key)
                node = child
    return {k: _listify(v) for k, v in root.items()}


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    converted = {k: _listify(v) for k, v in value.items()}
    if converted and all(k.isdigit() for k in converted):
        return [converted[k] for k in sorted(converted, key=int)]
    return converted

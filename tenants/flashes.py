"""Messages after a redirect, shown where the user's eyes are.

A redirect that jumps to a part of a page (`#queues`) scrolls the top of the page, and a message
shown there, out of sight. Such a message is flashed *for that part* with `flash_in`, and the part
shows it with the `flashes(section)` macro of `_flashes.html`; the top of the page shows only the
messages flashed for no part.
"""

from __future__ import annotations

from flask import Flask, flash, get_flashed_messages

_MARK = "@"  # category@section


def flash_in(section: str, message: str, category: str = "info") -> None:
    """Flash `message` to be shown inside the part of the page with the id `section`."""
    flash(message, f"{category}{_MARK}{section}")


def flashed(section: str | None = None) -> list[tuple[str, str]]:
    """The messages (category, text) of this request for `section`, or for no part."""
    found = []
    messages: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    for category, message in messages:
        kind, _, part = str(category).partition(_MARK)
        if (part or None) == section:
            found.append((kind, str(message)))
    return found


def init_app(app: Flask) -> None:
    app.jinja_env.globals["flashed"] = flashed

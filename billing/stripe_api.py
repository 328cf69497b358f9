"""The Stripe library and API version billing is written against (pinned together, DESIGN.md §7)."""

from __future__ import annotations

#: The API version of stripe==16.1.0 (pyproject.toml); requests send it, events carry it.
API_VERSION = "2026-10-28.endive"

"""Requests from machines: the carrier's webhooks go through only the hooks they need.

A carrier webhook carries no login, no session cookie and no CSRF token; it is rate limited by its
own decorator (`tenants.webhook_limits`), and no browser reads its TwiML answer. The hooks the site
keeps for people (Flask-Login's remember cookie, CSRF, Flask-Limiter's per-request limits and
headers, the session cookie, a browser's security headers) cost a webhook about a fifth of its
time, and the carrier's webhooks are the busiest requests of the service.

So under `MACHINE_PATHS`, of the hooks registered on the whole application only those marked
`for_machines` run: the request's log line and id, its latency metric, the refusal of NUL bytes and
the one commit. Hooks registered on a blueprint run as usual, and a machine gets no session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any, TypeVar

from flask import Flask, Request, Response, request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

MACHINE_PATHS = ("/carrier/",)
Hook = TypeVar("Hook", bound=Callable[..., Any])


def for_machines(hook: Hook) -> Hook:
    """Mark an application-wide request hook that requests from machines run too."""
    hook.for_machines = True  # type: ignore[attr-defined]
    return hook


def from_machine(incoming: Request) -> bool:
    return incoming.path.startswith(MACHINE_PATHS)


class SessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, except for machines: they get none (no cookie read or set)."""

    def open_session(self, app: Flask, incoming: Request) -> SecureCookieSession | None:
        if from_machine(incoming):
            return None  # Flask then gives the request its null session
        return super().open_session(app, incoming)


class Application(Flask):
    """Flask, with the hooks of a request from a machine chosen as the module says."""

    session_interface = SessionInterface()

    def preprocess_request(self) -> Any:
        if not from_machine(request):
            return super().preprocess_request()
        names = [None, *reversed(request.blueprints)]
        for name in names:
            for preprocess in self.url_value_preprocessors.get(name, ()):
                preprocess(request.endpoint, request.view_args)
        for name in names:
            for hook in self._machine_hooks(self.before_request_funcs.get(name, ()), name):
                answer = hook()
                if answer is not None:
                    return answer
        return None

    def process_response(self, response: Response) -> Response:
        if not from_machine(request):
            return super().process_response(response)
        for hook in request_ctx._after_request_functions:
            response = self.ensure_sync(hook)(response)
        for name in chain(request.blueprints, [None]):
            hooks = self.after_request_funcs.get(name, ())
            for hook in reversed(list(self._machine_hooks(hooks, name))):
                response = hook(response)
        return response

    def _machine_hooks(
        self, hooks: Iterable[Callable[..., Any]], name: str | None
    ) -> Iterable[Callable[..., Any]]:
        return (
            self.ensure_sync(hook)
            for hook in hooks
            if name is not None or getattr(hook, "for_machines", False)
        )

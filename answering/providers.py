"""The telephony carrier, behind a Protocol. We speak Twilio's Programmable Voice contract: signed
form-encoded webhooks in, TwiML out, and its REST API to read calls and recordings back. The local
carrier simulator signs the same way and answers the same REST API (`TWILIO_API_BASE`)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"


@dataclass(frozen=True)
class CarrierCall:
    """A call as the carrier's REST API reports it."""

    sid: str
    status: str
    end_time: datetime | None
    duration_s: int | None


@dataclass(frozen=True)
class CarrierRecording:
    sid: str
    call_sid: str
    duration_s: int
    url: str  # the media URL, as in a recording callback's `RecordingUrl`


class CarrierUnavailable(RuntimeError):
    """The carrier's REST API cannot be used (not configured, or it failed)."""


class Telephony(Protocol):
    def signature_valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether `X-Twilio-Signature` was made for this exact URL and these parameters."""

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        """The signature the carrier would send (used by the simulator and tests)."""

    def fetch_call(self, call_sid: str) -> CarrierCall | None:
        """The carrier's record of a call, or None if it has none."""

    def recordings(self, call_sid: str) -> list[CarrierRecording]:
        """The recordings the carrier holds for a call."""

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        """Dial out (a callback); the carrier fetches `url` when answered. Returns the CallSid."""

    def update_call(
        self, call_sid: str, *, twiml: str | None = None, hang_up: bool = False
    ) -> None:
        """Change a live call at once: run this TwiML instead of what it is doing (whatever verb it
        is in, a `<Dial>` included), or end it. CarrierUnavailable when the carrier refuses (the
        call is over, or unknown)."""

    def buy_number(
        self, *, toll_free: bool, contains: str, voice_url: str, status_callback: str
    ) -> tuple[str, str]:
        """Buy one Japanese number whose digits contain `contains` (e.g. "+813"), pointed at our
        webhooks. Returns (E.164 number, the carrier's sid)."""


class _ApiBase(TwilioHttpClient):  # type: ignore[misc]
    """The twilio library's HTTP client, sending to another API host (the local simulator)."""

    def __init__(self, base: str) -> None:
        super().__init__(timeout=10)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioTelephony:
    def __init__(
        self, auth_token: str, account_sid: str | None = None, api_base: str | None = None
    ) -> None:
        self.validator = RequestValidator(auth_token)
        self.auth_token, self.account_sid = auth_token, account_sid
        self.api_base = (api_base or TWILIO_API).rstrip("/")
        self._client: Client | None = None

    def signature_valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Twilio signs the URL it was given; its validator also tries the URL with its port
        added or removed. The URL as given is tried alone first: one HMAC instead of two for
        every webhook, with the same requests accepted."""
        if not signature:
            return False
        if hmac.compare_digest(self.sign(url, params), signature):
            return True
        return bool(self.validator.validate(url, dict(params), signature))

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return str(self.validator.compute_signature(url, dict(params)))

    def client(self) -> Client:
        if self.account_sid is None:
            raise CarrierUnavailable("TWILIO_ACCOUNT_SID is not set")
        if self._client is None:
            # Never wait on the carrier for ever: a request that hangs is a failed request.
            http = (
                _ApiBase(self.api_base)
                if self.api_base != TWILIO_API
                else TwilioHttpClient(timeout=10)
            )
            self._client = Client(self.account_sid, self.auth_token, http_client=http)
        return self._client

    def fetch_call(self, call_sid: str) -> CarrierCall | None:
        try:
            found = self.client().calls(call_sid).fetch()
        except TwilioRestException as error:
            if error.status == 404:
                return None
            raise CarrierUnavailable(str(error)) from error
        duration = str(found.duration or "")
        return CarrierCall(
            sid=str(found.sid),
            status=str(found.status),
            end_time=found.end_time,
            duration_s=int(duration) if duration.isdigit() else None,
        )

    def place_call(self, *, to: str, from_: str, url: str, status_callback: str) -> str:
        try:
            made = self.client().calls.create(
                to=to,
                from_=from_,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=["completed"],
                timeout=30,
            )
        except TwilioRestException as error:
            raise CarrierUnavailable(str(error)) from error
        return str(made.sid)

    def update_call(
        self, call_sid: str, *, twiml: str | None = None, hang_up: bool = False
    ) -> None:
        if (twiml is None) == (not hang_up):
            raise ValueError("give either new TwiML or hang_up")
        try:
            if hang_up:
                self.client().calls(call_sid).update(status="completed")
            else:
                self.client().calls(call_sid).update(twiml=twiml)
        except TwilioRestException as error:
            raise CarrierUnavailable(str(error)) from error

    def buy_number(
        self, *, toll_free: bool, contains: str, voice_url: str, status_callback: str
    ) -> tuple[str, str]:
        try:
            offers = self.client().available_phone_numbers("JP")
            kind = offers.toll_free if toll_free else offers.local
            found = kind.list(contains=contains or None, limit=1)
            if not found:
                raise CarrierUnavailable(f"the carrier offers no number containing {contains!r}")
            bought = self.client().incoming_phone_numbers.create(
                phone_number=found[0].phone_number,
                voice_url=voice_url,
                voice_method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
            )
        except TwilioRestException as error:
            raise CarrierUnavailable(str(error)) from error
        return str(bought.phone_number), str(bought.sid)

    def recordings(self, call_sid: str) -> list[CarrierRecording]:
        try:
            found = self.client().recordings.list(call_sid=call_sid, limit=20)
        except TwilioRestException as error:
            raise CarrierUnavailable(str(error)) from error
        return [
            CarrierRecording(
                sid=str(item.sid),
                call_sid=str(item.call_sid),
                duration_s=int(str(item.duration or 0)),
                url=self.api_base + str(item.uri or "").removesuffix(".json"),
            )
            for item in found
            if str(item.status or "completed") == "completed"
        ]

"""The telephony carrier, behind a Protocol. We speak Twilio's Programmable Voice contract: signed
form-encoded webhooks in, TwiML out. The local carrier simulator signs the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from twilio.request_validator import RequestValidator


class Telephony(Protocol):
    def signature_valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        """Whether `X-Twilio-Signature` was made for this exact URL and these parameters."""

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        """The signature the carrier would send (used by the simulator and tests)."""


class TwilioTelephony:
    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)

    def signature_valid(self, url: str, params: Mapping[str, str], signature: str) -> bool:
        return bool(signature) and bool(self.validator.validate(url, dict(params), signature))

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return str(self.validator.compute_signature(url, dict(params)))

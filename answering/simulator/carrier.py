"""The simulated carrier: runs each call through the TwiML our endpoints answer with, as Twilio
would, and serves the recordings it made (the media host our recording job fetches from)."""

from __future__ import annotations

import itertools
import json
import random
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from answering.simulator.delivery import Deliverer, DeliveryOptions
from answering.simulator.people import Caller, Operator

ACCOUNT = "AC" + "0" * 32
SAY_S = 3.0  # how long a prompt takes to say, in carrier seconds
DIAL_NOUNS = ("Client", "Number", "Sip")
# What the media host serves for every recording: a second of silent MP3 frames (128 kbit/s,
# 44.1 kHz, 26 ms each); a browser plays it, where a lone frame is refused as undecodable.
MP3_FRAME = bytes.fromhex("fffb9064") + bytes(413)
MP3 = MP3_FRAME * 39

Sign = Callable[[str, Mapping[str, str]], str]


def parse(twiml: str) -> list[ET.Element]:
    """The verbs of a TwiML document (from our own application)."""
    return list(ET.fromstring(twiml))  # noqa: S314 - our application's TwiML, not a stranger's


def retry_policy(url: str) -> tuple[int, bool]:
    """(tries, whether any 5xx is retried) for a URL our TwiML names: Twilio's connection override
    in its fragment (`rc` retries, `rp` which failures: `all`, `5xx`, `ct`, `rt`), or by default a
    few tries on 503 and failed connections."""
    fragment = parse_qs(urlsplit(url).fragment)
    if "rc" not in fragment:
        return 5, False
    policy = set(",".join(fragment.get("rp", ["ct,rt"])).split(","))
    return 1 + min(5, int(fragment["rc"][0])), bool(policy & {"all", "5xx"})


def sid(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


@dataclass
class CallRun:
    """One call as the carrier saw it, and what happened to the caller."""

    sid: str
    caller: Caller
    started: float = field(default_factory=time.monotonic)
    ended: bool = False
    outcome: str = "in_progress"  # talked, hung_up_waiting, voicemail, message, refused, error
    talked_to: str | None = None
    rings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # A change asked for through the REST API (`POST /Calls/{sid}.json`): new TwiML, a URL to
    # fetch it from, or the end of the call; `interrupt` cuts short whatever verb is running.
    update: tuple[str, str] | None = None
    interrupt: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def modify(self, kind: str, value: str) -> None:
        with self.lock:
            self.update = (kind, value)
            self.interrupt.set()

    def take_update(self) -> tuple[str, str] | None:
        with self.lock:
            found, self.update = self.update, None
            self.interrupt.clear()
            return found

    def params(self) -> dict[str, str]:
        return {
            "CallSid": self.sid,
            "AccountSid": ACCOUNT,
            "From": self.caller.number,
            "To": self.caller.dialled,
            "Direction": "inbound",
            "ApiVersion": "2010-04-01",
            "CallStatus": "in-progress",
        }


class SimulatedCarrier:
    """Twilio's side of our calls. `target` is where our application listens; `public_base` is the
    URL our TwiML and signatures name (they differ behind a proxy)."""

    def __init__(
        self,
        *,
        target: str,
        public_base: str,
        sign: Sign,
        operators: list[Operator],
        scale: float = 0.01,
        delivery: DeliveryOptions | None = None,
        voice_path: str = "/carrier/twilio/voice",
        status_path: str = "/carrier/twilio/status",
        senders: int = 8,
    ) -> None:
        self.target, self.public_base = target.rstrip("/"), public_base.rstrip("/")
        self.sign, self.scale = sign, scale
        self.operators = {operator.identity: operator for operator in operators}
        self.voice_url = self.public_base + voice_path
        self.status_url = self.public_base + status_path
        self.local = threading.local()
        self.queues: dict[str, list[str]] = {}
        self.queue_lock = threading.Lock()
        self.requests = itertools.count()
        # As many senders as callers on the line: Twilio's callbacks do not queue behind each other.
        self.deliverer = Deliverer(self._send, delivery or DeliveryOptions(), threads=senders)
        # What the carrier's REST API reports: every call and recording, by sid.
        self.calls: dict[str, dict[str, object]] = {}
        self.recordings: dict[str, list[dict[str, object]]] = {}
        self.records_lock = threading.Lock()
        self.outbound: list[CallRun] = []
        self.outbound_threads: list[threading.Thread] = []
        self.callbacks_wanted: dict[str, Caller] = {}  # by number: callers who asked for one
        # Numbers that forward every call to another (a shop's own number to the one it rents).
        self.forwarding: dict[str, str] = {}
        self.owned: dict[str, str] = {}  # numbers bought, with their voice URL
        self.live: dict[str, CallRun] = {}  # calls in progress, which the REST API may change
        self.answer_rng = random.Random(7)  # noqa: S311 - simulated behaviour, not secrets
        self.media = _ApiHost(self)

    # --- talking to our application -----------------------------------------------------------

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        return session

    def _post(self, url: str, params: Mapping[str, str]) -> requests.Response:
        url = url.split("#", 1)[0]  # the connection-override fragment is for the carrier
        if not url.startswith(self.public_base):
            raise ValueError(f"the TwiML names a URL outside the application: {url}")
        next(self.requests)
        return self._session().post(
            self.target + url[len(self.public_base) :],
            data=dict(params),
            headers={"X-Twilio-Signature": self.sign(url, params)},
            timeout=30,
        )

    def _send(self, url: str, params: dict[str, str]) -> int:
        return self._post(url, params).status_code

    def _fetch(self, call: CallRun, url: str, params: Mapping[str, str]) -> str:
        """TwiML from our application; a 503 or a dropped connection is retried (with the
        connection override `#rc=N&rp=all`, any 5xx too, N times), anything else hangs up, as
        Twilio's "application error" does."""
        problem = "no answer"
        attempts, any_5xx = retry_policy(url)
        for attempt in range(attempts):
            try:
                response = self._post(url, params)
            except requests.ConnectionError as error:
                self.local.session = None  # a fresh connection for the retry
                problem = f"connection failed: {error}"
            else:
                if response.status_code == 200:
                    return response.text
                problem = f"answered {response.status_code}"
                retried = response.status_code == 503 or (any_5xx and response.status_code >= 500)
                if not retried:
                    break
            time.sleep(0.1 * 2**attempt)
        call.errors.append(f"{url.split('?')[0]} {problem}")
        return "<Response><Hangup/></Response>"

    def _sleep(self, seconds: float, call: CallRun | None = None) -> bool:
        """Let carrier seconds pass; with a call, a change through the REST API cuts the wait
        short (True), as a redirect interrupts Twilio's current verb."""
        if call is None:
            time.sleep(max(0.0, seconds) * self.scale)
            return False
        return call.interrupt.wait(max(0.0, seconds) * self.scale)

    def _wall_seconds(self, since: float) -> int:
        """Durations the carrier reports are on the same clock as its timestamps: the wall's."""
        return round(time.monotonic() - since)

    def _elapsed(self, since: float) -> float:
        return (time.monotonic() - since) / self.scale

    def _now(self) -> str:
        return format_datetime(datetime.now(UTC), usegmt=True)

    # --- a call -------------------------------------------------------------------------------

    def place(self, caller: Caller) -> CallRun:
        """Run one incoming call to its end, then report its final status."""
        call = CallRun(sid("CA"), caller)
        self._keep(call.sid, status="in-progress", start_time=self._now(), caller=caller)
        with self.records_lock:
            self.live[call.sid] = call
        if caller.wants_callback:
            with self.records_lock:
                self.callbacks_wanted[caller.number] = caller
        try:
            twiml = self._fetch(call, self.voice_url, {**call.params(), "CallStatus": "ringing"})
            self._execute(call, twiml)
        except (requests.RequestException, ET.ParseError, ValueError) as error:
            call.errors.append(str(error))
        finally:
            call.ended = True
            with self.records_lock:
                self.live.pop(call.sid, None)
            if call.outcome == "in_progress":
                call.outcome = "error" if call.errors else "refused"
            duration = self._wall_seconds(call.started)
            self._keep(call.sid, status="completed", end_time=self._now(), duration=duration)
            self.deliverer.post(
                self.status_url,
                {
                    **call.params(),
                    "CallStatus": "completed",
                    "CallDuration": str(duration),
                    "Timestamp": self._now(),
                },
            )
        return call

    def _execute(self, call: CallRun, twiml: str) -> None:
        verbs = parse(twiml)
        index = 0
        while not call.ended:
            changed = call.take_update()
            if changed is not None:  # the REST API replaced the call's TwiML, or ended it
                kind, value = changed
                if kind == "hangup":
                    return
                verbs, index = (
                    parse(self._fetch(call, value, call.params()) if kind == "url" else value),
                    0,
                )
            if index >= len(verbs):
                return
            verb = verbs[index]
            index += 1
            following: str | None = None
            if verb.tag in ("Say", "Play"):
                loops = int(verb.get("loop", "1") or "1")
                self._sleep(SAY_S * (loops if loops > 0 else 1000), call)
            elif verb.tag == "Pause":
                self._sleep(float(verb.get("length", "1")), call)
            elif verb.tag == "Hangup":
                return
            elif verb.tag == "Redirect":
                following = self._fetch(call, (verb.text or "").strip(), call.params())
            elif verb.tag == "Gather":
                following = self._gather(call, verb)
            elif verb.tag == "Enqueue":
                following = self._enqueue(call, verb)
            elif verb.tag == "Dial":
                following = self._dial(call, verb)
            elif verb.tag == "Record":
                following = self._record(call, verb)
            if following is not None and not call.interrupt.is_set():
                verbs, index = parse(following), 0

    def update_call(self, call_sid: str, kind: str, value: str) -> bool:
        """Twilio's `POST /Calls/{sid}.json`: new TwiML (inline or from a URL) or the end of a
        call in progress, at once. False when the call is not in progress."""
        with self.records_lock:
            call = self.live.get(call_sid)
        if call is None or call.ended:
            return False
        call.modify(kind, value)
        return True

    def _gather(self, call: CallRun, verb: ET.Element) -> str | None:
        if self._sleep(SAY_S * max(1, len(verb)), call):
            return None
        if call.caller.digits is None:
            self._sleep(float(verb.get("timeout", "5")), call)
            return None  # no key: the TwiML goes on after the Gather
        return self._fetch(
            call, verb.get("action", ""), {**call.params(), "Digits": call.caller.digits}
        )

    def _enqueue(self, call: CallRun, verb: ET.Element) -> str | None:
        name, action = (verb.text or "").strip(), verb.get("action")
        wait_url = verb.get("waitUrl")
        entered = time.monotonic()
        with self.queue_lock:
            self.queues.setdefault(name, []).append(call.sid)
        result = "hangup"
        try:
            while True:
                waited = self._elapsed(entered)
                if waited >= call.caller.patience_s:
                    break
                if call.interrupt.is_set():
                    result = "redirected"
                    break
                if wait_url is None:
                    self._sleep(min(5.0, call.caller.patience_s - waited), call)
                    continue
                if self._hold_round(call, wait_url, waited, entered):
                    result = "leave"
                    break
                if call.outcome == "callback_requested":
                    break
        finally:
            with self.queue_lock:
                self.queues[name].remove(call.sid)
        params = {**call.params(), "QueueResult": result, "QueueTime": str(round(waited))}
        if result == "redirected":  # the action is told, its TwiML not run (the update's is)
            if action:
                self.deliverer.post(action, params)
            return None
        if result == "hangup":
            if call.outcome != "callback_requested":
                call.outcome = "hung_up_waiting"
            call.ended = True
            if action:
                self.deliverer.post(action, params)
            return None
        return self._fetch(call, action, params) if action else None

    def _hold_round(self, call: CallRun, wait_url: str, waited: float, entered: float) -> bool:
        """Fetch and play the wait URL once; True when it says `<Leave>`."""
        with self.queue_lock:
            line = self.queues.get(next(iter(self.queues)) if self.queues else "", [])
            position = next((n for n, s in enumerate(line, 1) if s == call.sid), 1)
            size = len(line)
        twiml = self._fetch(
            call,
            wait_url,
            {
                **call.params(),
                "QueuePosition": str(position),
                "QueueTime": str(round(waited)),
                "AvgQueueTime": "0",
                "CurrentQueueSize": str(size),
                "QueueSid": "QU" + "0" * 32,
            },
        )
        for verb in parse(twiml):
            patience_left = call.caller.patience_s - self._elapsed(entered)
            if verb.tag == "Leave":
                return True
            if verb.tag == "Hangup" or patience_left <= 0 or call.interrupt.is_set():
                return False
            if verb.tag == "Gather" and call.caller.wants_callback:
                self._sleep(SAY_S)
                answer = self._fetch(call, verb.get("action", ""), {**call.params(), "Digits": "1"})
                if any(v.tag == "Hangup" for v in parse(answer)):
                    self._sleep(SAY_S)
                    call.outcome = "callback_requested"
                    return False
                continue
            if verb.tag in ("Say", "Play"):
                self._sleep(min(SAY_S, patience_left), call)
            elif verb.tag == "Pause":
                self._sleep(min(float(verb.get("length", "1")), patience_left), call)
        return False

    def _dial(self, call: CallRun, verb: ET.Element) -> str | None:
        # The operator's phone: a browser (Client), a phone number (Number) or a SIP address (Sip);
        # a simulated operator answers on whichever address they were registered under.
        client = next(
            (found for noun in DIAL_NOUNS if (found := verb.find(noun)) is not None), None
        )
        timeout = float(verb.get("timeout", "30"))
        leg = sid("CA")
        status, duration = "failed", 0
        if client is not None:
            identity = (client.text or "").strip()
            dialled_to = f"client:{identity}" if client.tag == "Client" else identity
            callback = client.get("statusCallback")
            events = set(client.get("statusCallbackEvent", "completed").split())
            call.rings.append(identity)

            def report(event: str, status_now: str, **extra: str) -> None:
                if callback and event in events:
                    self.deliverer.post(
                        callback,
                        {
                            "CallSid": leg,
                            "ParentCallSid": call.sid,
                            "AccountSid": ACCOUNT,
                            "To": dialled_to,
                            "Direction": "outbound-dial",
                            "CallStatus": status_now,
                            "Timestamp": self._now(),
                            **extra,
                        },
                    )

            # Each event is reported when it happens: the answer while the two are talking.
            report("initiated", "initiated")
            status, duration = self._ring(call, leg, identity, client, timeout, report)
            talked = str(duration) if status == "completed" else "0"
            report("completed", status, CallDuration=talked)
            if status == "completed" and verb.get("record", "").startswith("record-from-answer"):
                self._recorded(call, verb.get("recordingStatusCallback"), duration, "DialVerb")
        action = verb.get("action")
        params = {**call.params(), "DialCallStatus": status, "DialCallSid": leg}
        if status == "completed":
            params["DialCallDuration"] = str(duration)
        if call.interrupt.is_set():
            # Changed through the REST API: the action is requested, its TwiML is not run.
            if action:
                self.deliverer.post(action, params)
            return None
        return self._fetch(call, action, params) if action else None

    def _ring(
        self,
        call: CallRun,
        leg: str,
        identity: str,
        client: ET.Element,
        timeout: float,
        report: Callable[..., None],
    ) -> tuple[str, int]:
        """Ring the operator's phone: (DialCallStatus, seconds talked)."""
        operator = self.operators.get(identity)
        if operator is None or not operator.offer():
            return "busy", 0
        try:
            report("ringing", "ringing")
            pick = operator.picks_up(timeout)
            if pick is None:
                self._sleep(timeout, call)
                return "no-answer", 0
            if self._sleep(pick, call):
                return "canceled", 0
            report("answered", "in-progress")
            whisper = client.get("url")
            if whisper:
                leg_params = {
                    "CallSid": leg,
                    "ParentCallSid": call.sid,
                    "AccountSid": ACCOUNT,
                    "From": call.caller.dialled,
                    "To": f"client:{identity}" if client.tag == "Client" else identity,
                    "CallStatus": "in-progress",
                    "Direction": "outbound-dial",
                }
                self._play_to_operator(call, self._fetch(call, whisper, leg_params))
            talk, answered = operator.talk_s(), time.monotonic()
            call.outcome, call.talked_to = "talked", identity
            operator.calls_taken += 1
            if self._sleep(talk, call):  # put on hold, transferred or hung up meanwhile
                return "completed", self._wall_seconds(answered)
            return "completed", round(talk * self.scale)
        finally:
            operator.hang_up()

    def _play_to_operator(self, call: CallRun, twiml: str) -> None:
        for verb in parse(twiml):
            if verb.tag in ("Say", "Play"):
                self._sleep(SAY_S, call)

    def _record(self, call: CallRun, verb: ET.Element) -> str | None:
        self._sleep(1)  # the beep
        length = min(call.caller.message_s, int(verb.get("maxLength", "3600")))
        self._sleep(length)
        length = round(length * self.scale)  # reported on the wall clock, like the timestamps
        recording = self._recorded(call, verb.get("recordingStatusCallback"), length, "RecordVerb")
        call.outcome = "message"
        action = verb.get("action")
        if not action:
            return None
        return self._fetch(
            call,
            action,
            {
                **call.params(),
                "RecordingUrl": recording,
                "RecordingDuration": str(length),
                "Digits": "hangup",
            },
        )

    def _recorded(self, call: CallRun, callback: str | None, duration: int, source: str) -> str:
        recording = sid("RE")
        url = f"{self.media.url}/2010-04-01/Accounts/{ACCOUNT}/Recordings/{recording}"
        with self.records_lock:
            self.recordings.setdefault(call.sid, []).append(
                {"sid": recording, "call_sid": call.sid, "duration": str(duration)}
            )
        if callback:
            self.deliverer.post(
                callback,
                {
                    "AccountSid": ACCOUNT,
                    "CallSid": call.sid,
                    "RecordingSid": recording,
                    "RecordingUrl": url,
                    "RecordingStatus": "completed",
                    "RecordingDuration": str(duration),
                    "RecordingChannels": "2" if source == "DialVerb" else "1",
                    "RecordingSource": source,
                    "RecordingStartTime": self._now(),
                },
            )
        return url

    def place_outbound(self, to: str, from_: str, url: str, status_callback: str | None) -> str:
        """Twilio's `POST /Calls.json`: dial a number; the callee's answer fetches `url`."""
        callee = self.callbacks_wanted.get(to)
        outbound = CallRun(
            sid("CA"),
            Caller(
                number=from_,
                dialled=to,
                digits=None,
                patience_s=callee.patience_s if callee else 600.0,
                message_s=0,
            ),
        )
        self._keep(outbound.sid, status="queued", caller=outbound.caller)
        thread = threading.Thread(
            target=self._run_outbound, args=(outbound, url, status_callback), daemon=True
        )
        with self.records_lock:
            self.outbound.append(outbound)
            self.outbound_threads.append(thread)
        thread.start()
        return outbound.sid

    def _run_outbound(self, call: CallRun, url: str, status_callback: str | None) -> None:
        started = time.monotonic()
        forwarded_to = self.forwarding.get(call.caller.dialled)
        if forwarded_to is not None:  # the network forwards it: it arrives as an incoming call
            arriving = Caller(
                number=call.caller.number,
                dialled=forwarded_to,
                digits=None,
                patience_s=60.0,
                message_s=0,
            )
            self.place(arriving)
            call.ended, call.outcome = True, "forwarded"
            duration = self._wall_seconds(started)
            self._keep(call.sid, status="completed", end_time=self._now(), duration=duration)
            if status_callback:
                self.deliverer.post(
                    status_callback,
                    {
                        **call.params(),
                        "Direction": "outbound-api",
                        "CallStatus": "completed",
                        "CallDuration": str(duration),
                        "Timestamp": self._now(),
                    },
                )
            return
        self._sleep(self.answer_rng.uniform(3, 10))  # it rings
        picked_up = call.caller.dialled in self.callbacks_wanted and self.answer_rng.random() < 0.9
        status = "no-answer"
        if picked_up:
            status = "completed"
            self._keep(call.sid, status="in-progress", start_time=self._now())
            with self.records_lock:
                self.live[call.sid] = call
            params = {**call.params(), "Direction": "outbound-api"}
            try:
                self._execute(call, self._fetch(call, url, params))
            except (requests.RequestException, ET.ParseError, ValueError) as error:
                call.errors.append(str(error))
        call.ended = True
        with self.records_lock:
            self.live.pop(call.sid, None)
        if call.outcome == "in_progress":
            call.outcome = "not_reached" if not picked_up else "refused"
        duration = self._wall_seconds(started) if picked_up else 0
        self._keep(call.sid, status=status, end_time=self._now(), duration=duration)
        if status_callback:
            self.deliverer.post(
                status_callback,
                {
                    **call.params(),
                    "Direction": "outbound-api",
                    "CallStatus": status,
                    "CallDuration": str(duration),
                    "Timestamp": self._now(),
                },
            )

    def wait_for_outbound(self, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self.records_lock:
                running = [t for t in self.outbound_threads if t.is_alive()]
            if not running:
                return
            running[0].join(timeout=max(0.0, deadline - time.monotonic()))

    def offers(self, *, toll_free: bool, contains: str) -> list[dict[str, object]]:
        """Numbers for sale: a few not yet owned, starting with `contains` when given."""
        prefix = "+81120" if toll_free else (contains if contains.startswith("+81") else "+813")
        found: list[dict[str, object]] = []
        for n in range(100_001, 999_999):
            digits = f"{prefix}45{n:06d}" if prefix == "+813" else f"{prefix}{n:06d}"
            number = (digits + "000000")[:12]
            valid = phonenumbers.is_valid_number(phonenumbers.parse(number))
            if valid and number not in self.owned:
                found.append(
                    {
                        "phone_number": number,
                        "friendly_name": number,
                        "iso_country": "JP",
                        "capabilities": {"voice": True, "fax": True},
                    }
                )
            if len(found) == 5:
                break
        return found

    def buy(self, number: str, voice_url: str) -> dict[str, object]:
        with self.records_lock:
            self.owned[number] = voice_url
        return {
            "sid": sid("PN"),
            "account_sid": ACCOUNT,
            "phone_number": number,
            "friendly_name": number,
            "voice_url": voice_url,
            "voice_method": "POST",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/IncomingPhoneNumbers.json",
        }

    def _keep(self, call_sid: str, **fields: object) -> None:
        with self.records_lock:
            self.calls.setdefault(call_sid, {"sid": call_sid}).update(fields)

    def call_json(self, call_sid: str) -> dict[str, object] | None:
        """A call as Twilio's REST API shows it."""
        with self.records_lock:
            found = self.calls.get(call_sid)
            if found is None:
                return None
            caller = found.get("caller")
            return {
                "sid": call_sid,
                "account_sid": ACCOUNT,
                "status": found.get("status"),
                "start_time": found.get("start_time"),
                "end_time": found.get("end_time"),
                "duration": str(found["duration"]) if "duration" in found else None,
                "from": caller.number if isinstance(caller, Caller) else None,
                "to": caller.dialled if isinstance(caller, Caller) else None,
                "direction": "inbound",
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{call_sid}.json",
            }

    def recordings_json(self, call_sid: str) -> list[dict[str, object]]:
        with self.records_lock:
            return [
                {
                    **item,
                    "account_sid": ACCOUNT,
                    "status": "completed",
                    "channels": 2,
                    "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Recordings/{item['sid']}.json",
                }
                for item in self.recordings.get(call_sid, [])
            ]

    def close(self) -> None:
        self.deliverer.stop()
        self.media.stop()


class _ApiHost:
    """The carrier's API host: the recordings' media, and the REST API's reads of calls and
    recordings (Twilio's paths, JSON and paging fields; HTTP basic auth with the account)."""

    def __init__(self, carrier: SimulatedCarrier) -> None:
        self.carrier = carrier
        self.server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self._respond(Request(environ))(environ, start_response)

    def _respond(self, request: Request) -> Response:
        path = request.path
        prefix = f"/2010-04-01/Accounts/{ACCOUNT}"
        if "/Recordings/RE" in path and path.endswith((".mp3", ".wav")):
            return Response(MP3, mimetype="audio/mpeg")
        if not path.startswith(prefix) or request.authorization is None:
            return _error(401, 20003, "Authenticate")
        rest = path[len(prefix) :]
        if rest.startswith("/AvailablePhoneNumbers/JP/") and rest.endswith(".json"):
            return _json(
                {
                    "available_phone_numbers": self.carrier.offers(
                        toll_free=rest.endswith("/TollFree.json"),
                        contains=request.args.get("Contains", ""),
                    ),
                    "uri": path,
                }
            )
        if rest == "/IncomingPhoneNumbers.json" and request.method == "POST":
            number = request.form.get("PhoneNumber", "")
            if not number.startswith("+81") or number in self.carrier.owned:
                return _error(400, 21422, "PhoneNumber is not available")
            return _json(self.carrier.buy(number, request.form.get("VoiceUrl", "")), status=201)
        if rest == "/Calls.json" and request.method == "POST":
            form = request.form
            if not form.get("To") or not form.get("From") or not form.get("Url"):
                return _error(400, 21205, "To, From and Url are required")
            made = self.carrier.place_outbound(
                form["To"], form["From"], form["Url"], form.get("StatusCallback")
            )
            return _json(self.carrier.call_json(made), status=201)
        if rest.startswith("/Calls/") and rest.endswith(".json"):
            call_sid = rest[len("/Calls/") : -len(".json")]
            found = self.carrier.call_json(call_sid)
            if found is None:
                return _error(404, 20404, "The requested resource was not found")
            if request.method == "POST":
                return self._update_call(call_sid, request.form)
            return _json(found)
        if rest == "/Recordings.json":
            items = self.carrier.recordings_json(request.args.get("CallSid", ""))
            return _json(
                {
                    "recordings": items,
                    "page": 0,
                    "page_size": 50,
                    "first_page_uri": path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "uri": path,
                }
            )
        return _error(404, 20404, "The requested resource was not found")

    def _update_call(self, call_sid: str, form: Mapping[str, str]) -> Response:
        """Twilio's call update: `Twiml` or `Url` redirects the call, `Status=completed` ends it."""
        if form.get("Status") in ("completed", "canceled"):
            change = ("hangup", "")
        elif form.get("Twiml"):
            try:
                parse(form["Twiml"])
            except ET.ParseError:
                return _error(400, 12100, "Document parse failure")
            change = ("twiml", form["Twiml"])
        elif form.get("Url"):
            change = ("url", form["Url"])
        else:
            return _error(400, 21218, "Url, Twiml or Status is required")
        if not self.carrier.update_call(call_sid, *change):
            return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        return _json(self.carrier.call_json(call_sid))

    def stop(self) -> None:
        self.server.shutdown()


def _json(body: object, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def _error(status: int, code: int, message: str) -> Response:
    return _json(
        {"code": code, "message": message, "more_info": "", "status": status}, status=status
    )

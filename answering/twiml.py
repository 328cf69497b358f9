"""The TwiML we answer the carrier with, in Japanese (`ja-JP` voice).

The answers of the incoming-call webhook depend on their arguments alone and repeat call after call
(a shop's greeting and queue), so each process renders them once per set of words (`_RENDERED`).
"""

from __future__ import annotations

from functools import lru_cache

from twilio.twiml.voice_response import VoiceResponse

VOICE = {"language": "ja-JP", "voice": "Polly.Mizuki"}
RETRY = "#rc=3&rp=all"  # Twilio's connection override: retry callbacks up to 3 times
_RENDERED = 4096  # answers kept per function and process: a few hundred bytes each


def unknown_number() -> str:
    response = VoiceResponse()
    response.say(
        "お電話ありがとうございます。おかけになった番号は現在使われておりません。"
        "番号をお確かめのうえ、おかけ直しください。",
        **VOICE,
    )
    response.hangup()
    return str(response)


@lru_cache(maxsize=_RENDERED)
def closed(message: str) -> str:
    response = VoiceResponse()
    response.say(message, **VOICE)
    response.hangup()
    return str(response)


@lru_cache(maxsize=_RENDERED)
def to_queue(welcome: str, queue: str, wait_url: str, action: str) -> str:
    """The greeting, then the queue; `action` is asked what next when the caller leaves it."""
    response = VoiceResponse()
    if welcome:
        response.say(welcome, **VOICE)
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST", action=action, method="POST")
    return str(response)


def leave() -> str:
    """Out of the queue (an operator was found); the queue's action URL says where to."""
    response = VoiceResponse()
    response.leave()
    return str(response)


def dial_operator(
    phone: tuple[str, str],
    *,
    before: str | None = None,
    timeout_s: int,
    action: str,
    whisper_url: str,
    leg_callback: str,
    recording_callback: str,
) -> str:
    """Ring the operator's phone (`(kind, address)`: browser, number or sip); they hear the
    whisper before the bridge; both sides are recorded from the answer, each on its own channel."""
    response = VoiceResponse()
    if before:
        response.say(before, **VOICE)
    dial = response.dial(
        timeout=timeout_s,
        action=action,
        method="POST",
        record="record-from-answer-dual",
        recording_status_callback=recording_callback + RETRY,
        recording_status_callback_event="completed",
    )
    kind, address = phone
    noun = {"browser": dial.client, "number": dial.number, "sip": dial.sip}[kind]
    noun(
        address,
        url=whisper_url,
        method="POST",
        status_callback=leg_callback + RETRY,
        status_callback_event="initiated ringing answered completed",
        status_callback_method="POST",
    )
    return str(response)


def whisper(
    shop_name_kana: str, menu_choice: str | None, *, transfer: bool = False, returned: bool = False
) -> str:
    """What the operator hears before the caller: the shop, and the caller's menu choice (a
    supervisor hears first that it is a transfer, an operator that a transfer came back)."""
    response = VoiceResponse()
    opening = "転送です。" if transfer else ("転送が戻りました。" if returned else "")
    text = opening + f"{shop_name_kana}のお電話です。"
    if menu_choice:
        text += f"ご用件は{menu_choice}です。"
    response.say(text, **VOICE)
    return str(response)


@lru_cache(maxsize=_RENDERED)
def after_hours(message: str, recording_callback: str, done_url: str) -> str:
    response = VoiceResponse()
    response.say(message, **VOICE)
    response.record(
        max_length=120,
        play_beep=True,
        timeout=5,
        action=done_url,
        method="POST",
        recording_status_callback=recording_callback + RETRY,
        recording_status_callback_event="completed",
    )
    response.say("メッセージをお預かりしました。お電話ありがとうございました。", **VOICE)
    response.hangup()
    return str(response)


def waiting(
    position: int | None,
    expected_wait_s: int | None,
    *,
    pause_s: int,
    callback_action: str | None = None,
) -> str:
    """Hold: the caller's place and the expected wait now and then, a short pause otherwise (each
    round asks again, so an operator who becomes free is found within `pause_s`); once they have
    waited long enough, the offer of a callback that keeps their place."""
    response = VoiceResponse()
    if callback_action:
        offer = response.gather(num_digits=1, timeout=1, action=callback_action, method="POST")
        offer.say("順番はそのままで、折り返しのお電話をご希望の方は、1を押してください。", **VOICE)
    if position:
        text = f"ただいま電話が混み合っております。お客様は{position}番目にお待ちいただいています。"
        if expected_wait_s:
            minutes = max(1, round(expected_wait_s / 60))
            text += f"あと{minutes}分ほどでおつなぎできる見込みです。"
        response.say(text + "このままお待ちください。", **VOICE)
    response.pause(length=pause_s)
    return str(response)


def goodbye() -> str:
    response = VoiceResponse()
    response.say("お電話ありがとうございました。", **VOICE)
    response.hangup()
    return str(response)


def menu(welcome: str, options: list[tuple[int, str]], action: str, *, retry: bool = False) -> str:
    """Greeting and the voice menu; no key within 6 s goes on to the queue without a choice."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, timeout=6, action=action, method="POST")
    if retry:
        gather.say("入力が確認できませんでした。もう一度お選びください。", **VOICE)
    else:
        gather.say(welcome, **VOICE)
    gather.say(
        "".join(f"{label}は{key}を、" for key, label in options) + "押してください。", **VOICE
    )
    response.redirect(action, method="POST")
    return str(response)


def callback_accepted() -> str:
    response = VoiceResponse()
    response.say(
        "承知しました。順番が来ましたら、この番号からお電話いたします。"
        "いったんお切りください。お電話ありがとうございました。",
        **VOICE,
    )
    response.hangup()
    return str(response)


def callback_greeting(shop_name_kana: str) -> str:
    return f"{shop_name_kana}です。お待たせいたしました。折り返しのお電話です。担当者におつなぎします。"


def callback_again() -> str:
    response = VoiceResponse()
    response.say("申し訳ございません。あらためてお電話いたします。", **VOICE)
    response.hangup()
    return str(response)


def forwarding_arrived() -> str:
    response = VoiceResponse()
    response.say("転送の確認ができました。このままお切りください。", **VOICE)
    response.hangup()
    return str(response)


def forwarding_test() -> str:
    response = VoiceResponse()
    response.say(
        "電話代行サービスから、転送設定の確認のためのテスト発信です。失礼いたしました。", **VOICE
    )
    response.hangup()
    return str(response)


def on_hold(queue: str, wait_url: str) -> str:
    """The caller on hold: alone in a queue of their own, hearing the hold message until the
    operator resumes (a new instruction for the call takes them out)."""
    response = VoiceResponse()
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST")
    return str(response)


def hold_message(pause_s: int) -> str:
    response = VoiceResponse()
    response.say("ただいま確認しております。このまま少々お待ちください。", **VOICE)
    response.pause(length=pause_s)
    return str(response)


# What a caller hears when the transfer was not picked up: back to the operator they spoke with,
# or back in the queue for the next operator (and so when that operator did not pick up either).
BACK_TO_OPERATOR = (
    "申し訳ございません。担当者が席を外しております。"
    "先ほどの者にお戻しいたしますので、このまま少々お待ちください。"
)
BACK_TO_QUEUE = (
    "申し訳ございません。担当者が席を外しております。"
    "手の空いた者が順におつなぎいたしますので、このままお待ちください。"
)

"""The TwiML we answer the carrier with, in Japanese (`ja-JP` voice)."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

VOICE = {"language": "ja-JP", "voice": "Polly.Mizuki"}
RETRY = "#rc=3&rp=all"  # Twilio's connection override: retry callbacks up to 3 times


def unknown_number() -> str:
    response = VoiceResponse()
    response.say(
        "お電話ありがとうございます。おかけになった番号は現在使われておりません。"
        "番号をお確かめのうえ、おかけ直しください。",
        **VOICE,
    )
    response.hangup()
    return str(response)


def closed(message: str) -> str:
    response = VoiceResponse()
    response.say(message, **VOICE)
    response.hangup()
    return str(response)


def to_queue(welcome: str, queue: str, wait_url: str) -> str:
    response = VoiceResponse()
    response.say(welcome, **VOICE)
    response.enqueue(queue, wait_url=wait_url, wait_url_method="POST")
    return str(response)


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


def waiting(position: int | None) -> str:
    response = VoiceResponse()
    if position:
        response.say(
            f"ただいま電話が混み合っております。お客様は{position}番目にお待ちいただいています。"
            "このままお待ちください。",
            **VOICE,
        )
    else:
        response.say("まもなくおつなぎします。このままお待ちください。", **VOICE)
    response.pause(length=10)
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

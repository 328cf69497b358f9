"""A local carrier that plays Twilio's part: it signs its requests, follows the TwiML we answer with
(Say, Play, Pause, Gather, Enqueue with its wait URL, Dial to a Client with a whisper URL, Record,
Redirect, Leave, Hangup), rings simulated operators, and sends status and recording callbacks, which
it can deliver late, twice and shuffled."""

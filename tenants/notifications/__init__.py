"""Where a shop wants to hear from us: e-mail addresses, a signed webhook, instant or daily."""

"""Events of the platform that other domains react to without being imported here."""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent by `flask seed-demo` after the platform's demo rows are added, with `staff` (a dict of
#: role → list of users) and `shops`; listeners add their own demo rows in the same transaction.
demo_seeded = _signals.signal("demo-seeded")

#: Sent while a shop's export is assembled, with `shop` and `files` (a dict of file name → bytes);
#: each domain adds its own files (calls, messages, invoices) to `files`.
shop_export = _signals.signal("shop-export")

#: Sent in the transaction that closes a shop, with `shop`; domains stop what they do for it.
shop_closed = _signals.signal("shop-closed")

#: Sent while a shop's dashboard is drawn, with `shop`; a receiver returns a card (Markup) or None.
shop_dashboard = _signals.signal("shop-dashboard")

#: Sent while a page of the staff audit log is drawn, with `events` (that page's `AuditEvent`s); a
#: receiver names the things its domain owns that those events mention (a queue, a scorecard item),
#: read for the whole page in one query, as `{(event id, "target" or a detail field): name}`.
audit_names = _signals.signal("audit-names")

#: Sent in the transaction that frees an operator from a call, with `operator_id` and `at`: when
#: they can take the next one (now, or when their after-call work ends by the clock). Answering
#: puts a waiting caller through at that moment instead of at the caller's next hold round.
operator_free = _signals.signal("operator-free")

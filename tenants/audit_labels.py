"""What each audit action code means, in the reader's language, for the staff audit log.

Codes are written by every package (`tenants.services.audit`); the labels live here, in the
platform package, so the log can name them without importing the packages that write them. A code
without a label is shown as it is.
"""

from __future__ import annotations

from flask_babel import lazy_gettext
from flask_babel.speaklater import LazyString

LABELS: dict[str, LazyString] = {
    "2fa.disabled": lazy_gettext("Two-step login turned off"),
    "2fa.enabled": lazy_gettext("Two-step login turned on"),
    "2fa.failed": lazy_gettext("Two-step login code refused"),
    "2fa.recovery_code_used": lazy_gettext("Recovery code used"),
    "billing.credit_note": lazy_gettext("Credit note issued"),
    "billing.reactivated": lazy_gettext("Shop reactivated after payment"),
    "billing.suspended": lazy_gettext("Shop suspended for non-payment"),
    "billing.suspension_notice": lazy_gettext("Suspension notice sent"),
    "coverage.emergency_closed": lazy_gettext("Emergency closure started"),
    "coverage.emergency_ended": lazy_gettext("Emergency closure ended"),
    "email.verified": lazy_gettext("E-mail address verified"),
    "login.failed": lazy_gettext("Login failed"),
    "login.locked": lazy_gettext("Account locked after failed logins"),
    "login.refused_inactive": lazy_gettext("Login refused: account inactive"),
    "login.refused_locked": lazy_gettext("Login refused: account locked"),
    "login.success": lazy_gettext("Logged in"),
    "logout": lazy_gettext("Logged out"),
    "member.invitation_revoked": lazy_gettext("Invitation withdrawn"),
    "member.invited": lazy_gettext("Member invited"),
    "member.joined": lazy_gettext("Member joined"),
    "member.removed": lazy_gettext("Member removed"),
    "message.delivery_replayed": lazy_gettext("Message sent again"),
    "notifications.changed": lazy_gettext("Notification settings changed"),
    "notifications.secret_rotated": lazy_gettext("Webhook signing secret renewed"),
    "notifications.template_changed": lazy_gettext("Message e-mail template changed"),
    "notifications.template_reset": lazy_gettext("Message e-mail template reset to the standard"),
    "number.added": lazy_gettext("Number added to the pool"),
    "number.released": lazy_gettext("Number released"),
    "number.rented": lazy_gettext("Number rented"),
    "operator.phone_changed": lazy_gettext("Operator's phone changed"),
    "password.changed": lazy_gettext("Password changed"),
    "password.reset_requested": lazy_gettext("Password reset requested"),
    "quality.criterion_added": lazy_gettext("Scorecard item added"),
    "quality.criterion_changed": lazy_gettext("Scorecard item changed"),
    "quality.criterion_restored": lazy_gettext("Scorecard item brought back"),
    "quality.criterion_retired": lazy_gettext("Scorecard item retired"),
    "queue.created": lazy_gettext("Queue created"),
    "queue.deleted": lazy_gettext("Queue deleted"),
    "queue.renamed": lazy_gettext("Queue renamed"),
    "rate_card.added": lazy_gettext("Rate card added"),
    "recording.purged": lazy_gettext("Recording deleted after the retention period"),
    "role.change": lazy_gettext("Role changed"),
    "script.published": lazy_gettext("Script published"),
    "shop.closed": lazy_gettext("Shop account closed"),
    "shop.deleted": lazy_gettext("Shop data deleted"),
    "shop.exported": lazy_gettext("Shop data exported"),
    "shop.queue_changed": lazy_gettext("Shop moved to another queue"),
    "shop.signed_up": lazy_gettext("Shop signed up"),
    "shop.suspended": lazy_gettext("Shop suspended"),
    "shop.suspension_lifted": lazy_gettext("Shop suspension lifted"),
    "simulation.finished": lazy_gettext("Call simulation finished"),
    "simulation.refused": lazy_gettext("Call simulation refused"),
    "simulation.started": lazy_gettext("Call simulation started"),
    "staff.created": lazy_gettext("Staff account created"),
    "token.created": lazy_gettext("API token created"),
    "token.revoked": lazy_gettext("API token revoked"),
}


def action_label(code: str) -> str:
    """The action's name in the reader's language; an unknown code as it is."""
    label = LABELS.get(code)
    return str(label) if label is not None else code


#: The roles a `role.change` records, as the members and staff pages name them.
ROLE_NAMES: dict[str, LazyString] = {
    "owner": lazy_gettext("owner"),
    "member": lazy_gettext("member"),
    "operator": lazy_gettext("Operator"),
    "supervisor": lazy_gettext("Supervisor"),
    "admin": lazy_gettext("Administrator"),
}

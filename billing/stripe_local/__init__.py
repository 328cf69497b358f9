"""A local server that speaks Stripe's HTTP API for the endpoints billing uses (DESIGN.md section 7).

The real `stripe` library talks to it over HTTP when `STRIPE_API_BASE` points at it; tests and the
demo run it (`flask billing stripe-local`). It keeps objects in memory and follows Stripe's
documented behaviour where billing depends on it: idempotency keys replay the first response and
refuse reuse with other parameters, errors have Stripe's JSON shape, test cards decline, and every
change is an event, signed and delivered to the webhook endpoint, or held to be delivered later,
twice or out of order.
"""

"""Sign-up: a new shop and its owner, billing details for invoices, e-mail verification."""

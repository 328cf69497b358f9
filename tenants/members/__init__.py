"""A shop's people: members and their roles, invitations by e-mail."""

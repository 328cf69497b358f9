"""Coverage hours: when we answer a shop's calls (weekly bands, holidays, closures, versions)."""

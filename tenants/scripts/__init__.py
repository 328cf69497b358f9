"""FAQ scripts: what operators say and look up for a shop; drafts, immutable published versions."""

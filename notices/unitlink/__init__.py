"""The unit's own link (issue 22, part 3): a notice served by SMS link, and what the unit sees
and does through it (docs/unit-page.md, decision 0051)."""

"""Referrals 抄告/移送 of hazards, complaints and units to other departments (issue 22, part 5)."""

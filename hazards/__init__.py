"""Hazards 火灾隐患: found, confirmed, followed to closure, escalated level by level when overdue
or major, up to government-listed supervision (挂牌督办)."""

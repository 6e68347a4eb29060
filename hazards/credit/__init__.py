"""A premises' fire-safety credit record 消防信用记录: entries from hazards and enforcement, the
blacklist and red list they lead to, and credit repair 信用修复 and objections 异议申诉."""

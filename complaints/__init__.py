"""Complaints 投诉举报 from the 96119 and 12345 hotlines (and citizen apps): intake, routing to
the grid worker, deadlines, answers to the hotline, rewards, and the Open311 interface."""

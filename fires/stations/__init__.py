"""Micro fire stations 微型消防站 and volunteer brigades 志愿消防队: a simple register of where
they are, whom to call, who is attached and whether they are on duty now; 一键报警 alerts the
nearest on-duty ones (fires.alerts)."""

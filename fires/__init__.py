"""Fires: 一键报警 (a fire in progress, alerting the nearest), micro fire stations 微型消防站 and
volunteer brigades, and the register of fire incidents 火灾事故."""

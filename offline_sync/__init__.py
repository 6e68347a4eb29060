"""Offline sync for the grid workers' app: the WatermelonDB sync protocol (pull/push) and tus
resumable photo uploads over the domains below. Built in the offline-sync issue."""

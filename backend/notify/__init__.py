"""Notifications: device tokens, and an outbox written in the transaction that causes a message
and delivered by the worker through the kernel's outbox loop (backend.core.outbox) and the
push channel the settings name (FCM via firebase-admin), with retries, backoff and a
dead-letter state."""

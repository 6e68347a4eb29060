"""Notifications: device tokens, and an outbox written in the transaction that causes a message
and delivered by the worker (FCM push via firebase-admin) with retries, backoff and a
dead-letter state."""

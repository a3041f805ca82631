"""Outbound merchant webhooks: secrets, signatures, the URL guard and the sender."""

"""Metrics, context variables and log set-up: shared by the api and the worker."""

"""Adversarial tests (TESTING.md "Adversarial tests"): attacks on the running stack, each
asserting the right 4xx (never a 5xx) and that nothing changed."""

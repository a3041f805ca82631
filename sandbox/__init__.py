"""Gateway sandbox: a Xendit/Midtrans test double served over real HTTP (docs/gateways.md)."""

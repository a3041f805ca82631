"""What crosses process and Temporal boundaries: inputs/outputs, error types, workflow ids
and typed references to workflows, updates, signals and activities. Imports only `domain`
and pydantic."""

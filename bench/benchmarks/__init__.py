"""One module per benchmark (or group); every module here is imported by `bench.registry`."""

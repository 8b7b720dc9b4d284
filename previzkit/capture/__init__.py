"""previzkit.capture."""

"""previzkit.takes."""

"""previzkit.composite."""

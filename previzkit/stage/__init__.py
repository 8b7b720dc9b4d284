"""previzkit.stage."""

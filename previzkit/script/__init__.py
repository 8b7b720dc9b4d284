"""previzkit.script."""

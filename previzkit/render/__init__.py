"""previzkit.render."""

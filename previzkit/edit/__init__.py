"""previzkit.edit."""

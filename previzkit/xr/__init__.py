"""previzkit.xr."""

"""previzkit.genai."""

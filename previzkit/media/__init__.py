"""Images, video and audio in and out: the one place that opens, decodes and encodes media (PyAV)."""

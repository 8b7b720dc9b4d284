"""Native OpenTimelineIO JSON (.otio): everything previzkit knows, metadata included."""

from previzkit.edit.exporters.base import Exporter

EXPORTER = Exporter("otio", "otio_json", (".otio",), "OpenTimelineIO JSON (native)")

"""Final Cut Pro 7 XML (xmeml, also read by Premiere and Resolve) via OTIO's fcp_xml."""

from previzkit.edit.exporters.base import Exporter

EXPORTER = Exporter("fcp_xml", "fcp_xml", (".xml",), "Final Cut Pro 7 XML (xmeml)")

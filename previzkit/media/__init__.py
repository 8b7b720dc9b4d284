"""Images, video and audio in and out: the one place that opens, decodes and encodes media.

- :mod:`previzkit.media.video`: :class:`~previzkit.media.video.VideoReader` (RGB frames,
  seeking, Y/U/V planes, rate, size, frame count, start timecode),
  :func:`~previzkit.media.video.probe_video`, :func:`~previzkit.media.video.count_frames`;
  :class:`~previzkit.media.video.VideoWriter`, the one H.264 set-up (libx264, yuv420p;
  crf/preset, crash-safe fragmented MP4, timecode and reel tags, mono AAC),
  :func:`~previzkit.media.video.read_timecode`, :func:`~previzkit.media.video.read_reel`,
  :class:`~previzkit.media.video.ThreadedWriter`, fragmented MP4 repair;
- :mod:`previzkit.media.image`: ``read_image``, ``decode_image``, ``read_mask``,
  ``write_image`` (Pillow);
- :mod:`previzkit.media.audio`: ``read_audio``, ``WavWriter``, ``repair_wav``.

This layer imports only :mod:`previzkit.core`; PyAV and Pillow are imported when a
function needs them, through :func:`previzkit.core.optional.require`.
"""

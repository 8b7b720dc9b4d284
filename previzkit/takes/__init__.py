"""previzkit.takes: recording takes and keeping them (docs/takes.md, docs/recording.md).

- :mod:`previzkit.takes.recorder` ``Recorder``: the one take writer (journal, video,
  plate, audio, timecode)
- :mod:`previzkit.takes.journal` the crash-safe, append-only journal (``.pzj``)
- :mod:`previzkit.takes.recovery` finishing takes a crash left ``recording``
- :mod:`previzkit.takes.store` ``TakeStore(project)``: SQLite catalogue + files per take

The data they hold (``Take``, timecode, pose and camera tracks) is in :mod:`previzkit.model`.
"""

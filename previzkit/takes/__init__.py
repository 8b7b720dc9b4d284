"""previzkit.takes: SMPTE timecode, the Take record and the take store (docs/takes.md).

- :mod:`previzkit.model.timecode` frames <-> labels at 23.976-60 fps, drop-frame
- :mod:`previzkit.model.take` ``Take``
- :mod:`previzkit.takes.store` ``TakeStore(project)``: SQLite catalogue + files per take
"""

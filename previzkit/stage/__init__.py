"""previzkit.stage: the real-time stage loop (docs/stage.md).

- :mod:`previzkit.stage.loop` ``StageLoop``: poses -> characters -> render -> composite -> outputs
- :mod:`previzkit.stage.sources` pose sources: ``.pzt`` playback, the pose stream, local capture
- :mod:`previzkit.stage.actors` actor id -> character mapping and retargeting
- :mod:`previzkit.stage.latency` per-frame latency accounting, p50/p99 per stage
- :mod:`previzkit.stage.state` / :mod:`previzkit.stage.sync` the shared, versioned set state
- :mod:`previzkit.stage.sink` the ``TakeSink`` interface and a file take sink
- :mod:`previzkit.stage.outputs` offscreen, window and headset outputs

Importing this package imports no GL, zmq or media module.
"""

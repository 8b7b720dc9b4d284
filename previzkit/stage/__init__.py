"""previzkit.stage: the real-time stage loop (docs/stage.md).

- :mod:`previzkit.stage.loop` ``StageLoop``: poses -> characters -> render -> composite -> outputs
- :mod:`previzkit.stage.sources` pose sources: ``.pzt`` playback, the pose stream, local capture
- :mod:`previzkit.stage.actors` actor id -> character mapping and retargeting
- :mod:`previzkit.stage.latency` per-frame latency accounting, p50/p99 per stage
- :mod:`previzkit.stage.state` / :mod:`previzkit.stage.sync` the shared, versioned set state
- :mod:`previzkit.stage.sink` ``TakeSink``: files, the take recorder, a writer thread
- :mod:`previzkit.stage.plate` the camera plate, decoded in its own thread
- :mod:`previzkit.stage.outputs` headset (OpenXR) and desktop window outputs
- :mod:`previzkit.stage.session` ``run_stage``: what ``previzkit stage`` sets up
- :mod:`previzkit.stage.synth` stand-in actors computed from the skeleton

The AR camera overlay is :mod:`previzkit.overlay`.
Importing this package imports no GL, zmq or media module.
"""

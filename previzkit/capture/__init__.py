"""previzkit.capture: real actor motion in, skeleton motion out, live over the network.

Modules (none is imported here, so ``import previzkit`` stays light):

- ``models``: MediaPipe pose bundles (lite/full shipped, heavy built on demand)
- ``sources``: video (PyAV), still, image folder, webcam
- ``pose``: one PoseLandmarker (Tasks API); ``multi``: several actors with stable ids
  (``MultiPersonPose``, ``PersonIds``)
- ``filters``: One Euro; ``retarget``: landmarks -> SkeletonPose; ``bvh``, ``export``
- ``jsonfmt``: the JSON format (the binary pose track is :mod:`previzkit.model.pose_track`)
- ``schema`` + ``stream``: the live pose stream (ZeroMQ, msgpack); ``keys``: CurveZMQ
- ``pipeline``: source -> pose -> filter -> outputs; ``cli``: ``previzkit capture``

See docs/capture.md.
"""

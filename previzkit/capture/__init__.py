"""previzkit.capture: real actor motion in, skeleton motion out, live over the network.

Modules (none is imported here, so ``import previzkit`` stays light):

- ``models``: MediaPipe pose bundles (lite/full shipped, heavy built on demand)
- ``sources``: video (PyAV), still, image folder, webcam
- ``pose``: one PoseLandmarker (Tasks API); ``people``: OpenCV's HOG person detector;
  ``multi``: every person in a frame and video following (``find_people``,
  ``MultiPersonPose``); ``tracking``: ids (Kalman + appearance + assignment)
- ``root``: the metric, world-grounded root, floor and foot contacts
- ``filters``: One Euro; ``retarget``: landmarks -> SkeletonPose (grounded root, locked
  feet, occluded limbs filled); ``bvh``, ``export``; ``track_quality``: which actors an
  export keeps; ``intrinsics``: the capture camera from flags, EXIF or the track
- ``jsonfmt``: the JSON format (the binary pose track is :mod:`previzkit.model.pose_track`)
- ``schema`` + ``stream``: the live pose stream (ZeroMQ, msgpack); ``keys``: CurveZMQ
- ``pipeline``: source -> pose -> filter -> outputs; ``cli``: ``previzkit capture``

See docs/capture.md.
"""

"""The domain model: pure data with its own file formats, no GL and no media I/O.

- :mod:`previzkit.model.setfile` set definitions (YAML)
- :mod:`previzkit.model.camera` lenses and projections
- :mod:`previzkit.model.skeleton` the humanoid rig; :mod:`~previzkit.model.landmarks`
  the 33 BlazePose landmarks and their joints; :mod:`~previzkit.model.kinematics`
  forward kinematics and skinning matrices
- :mod:`previzkit.model.pose_track` pose tracks (``.pzt``) and one actor's arrays
- :mod:`previzkit.model.camera_track` the virtual camera per frame (``camera.npz``)
- :mod:`previzkit.model.timecode` SMPTE timecode
- :mod:`previzkit.model.take` the ``Take`` record
- :mod:`previzkit.model.binary_header` the header of previzkit's binary files
"""

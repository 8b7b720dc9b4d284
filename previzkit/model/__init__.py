"""The domain model: pure data with its own file formats, no GL and no media I/O.

- :mod:`previzkit.model.setfile` set definitions (YAML)
- :mod:`previzkit.model.camera` cameras, lenses and their matrices
- :mod:`previzkit.model.skeleton` the humanoid rig, landmark names, forward kinematics
- :mod:`previzkit.model.pose_track` pose tracks (``.pzt``)
- :mod:`previzkit.model.timecode` SMPTE timecode
- :mod:`previzkit.model.take` the ``Take`` record
"""

"""The domain model: pure data with its own file formats, no GL and no media I/O.

- :mod:`previzkit.model.setfile` set definitions (YAML)
- :mod:`previzkit.model.camera` lenses and their projection matrices
- :mod:`previzkit.model.skeleton` the humanoid rig: joints, rest pose, proportions
- :mod:`previzkit.model.landmarks` BlazePose's 33 landmarks and where they sit on the rig
- :mod:`previzkit.model.kinematics` forward kinematics, skinning matrices, landmark positions
- :mod:`previzkit.model.pose_track` pose tracks (``.pzt``)
- :mod:`previzkit.model.timecode` SMPTE timecode
- :mod:`previzkit.model.take` the ``Take`` record
"""

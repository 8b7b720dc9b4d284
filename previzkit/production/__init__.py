"""A previz production from blocking: what ``previzkit demo`` runs.

- :mod:`previzkit.production.coverage` the cameras that cover each planned shot
- :mod:`previzkit.production.motion` the motion library (BVH mocap -> pose clips)
- :mod:`previzkit.production.record` takes recorded offline on the stage loop
- :mod:`previzkit.production.demo` the sample production end to end
"""

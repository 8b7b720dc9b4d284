"""A previz production from blocking: what ``previzkit demo`` runs.

- :mod:`previzkit.production.coverage` the cameras that cover each planned shot
- :mod:`previzkit.production.motion` BVH mocap -> pose clips (parse, cut, write, convert)
- :mod:`previzkit.production.library` the motion library: clips by action tag, contacts
- :mod:`previzkit.production.deepmimic` DeepMimic humanoid motions as BVH clips
- :mod:`previzkit.production.record` takes recorded offline on the stage loop
- :mod:`previzkit.production.demo` the sample production end to end
"""

"""The lowest layer: errors, shared types, geometry, progress, sizes, resources.

Nothing here imports another previzkit layer or a heavy dependency.
"""

"""Blocking a scene in the headset: the director's session (``previzkit xr SET``).

``session``: the headset (or offscreen) frame loop over a set with the interface drawn,
edits kept (undo/redo, atomic saves of the set file and shot plan), takes recorded
with the handheld camera, replay of scripted input; ``cli``: the ``previzkit xr`` command.
"""

"""previzkit.render: sets drawn with moderngl, headless through EGL or in a window.

Modules (import what you use; this package imports nothing heavy):

- ``setfile``: ``load_set(path) -> SetDef`` (pure; validated dataclasses, errors name
  file and key path)
- ``camera``: lenses and matrices; ``drawable``: the Drawable protocol, FrameUniforms
- ``renderer``: ``SetDrawables``, ``Renderer`` (``render_view``, ``render_image``,
  ``render_stereo``, ``render_eyes``), ``Eye``, ``stereo_eyes``
- ``headless``: ``create_context()`` through EGL; ``offline``: stills and clips
- ``mesh``, ``props``, ``ground``, ``marks``, ``frustums``, ``skybox``, ``lighting``,
  ``gl``, ``shaders``: the parts the renderer is made of
- ``skeleton``, ``mannequin``, ``skinning``, ``character``: characters (see docs)
"""

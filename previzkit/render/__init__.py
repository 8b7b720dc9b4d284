"""previzkit.render: sets drawn with moderngl, headless through EGL or in a window.

Modules (import what you use; this package imports nothing heavy). Set files, lenses
and the skeleton are data in :mod:`previzkit.model`.

- ``drawable``: the Drawable protocol, FrameUniforms
- ``renderer``: ``SetDrawables``, ``Renderer`` (``render_view``, ``render_image``,
  ``render_stereo``, ``render_eyes``, ``read_target``), ``Eye``, ``stereo_eyes``
- ``headless``: ``create_context()`` through EGL; ``offline``: stills and clips
- ``mesh``, ``props``, ``ground``, ``marks``, ``frustums``, ``skybox``, ``lighting``,
  ``gl``, ``shaders``: the parts the renderer is made of
- ``mannequin``, ``skinning``, ``character``, ``character_gltf``: characters (see docs)
"""

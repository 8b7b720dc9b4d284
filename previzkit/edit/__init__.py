"""previzkit.edit: the auto-editor (see docs/edit.md).

Modules (import them directly; this package imports nothing heavy):

- :mod:`previzkit.edit.assemble` ``assemble(project, script, plan=None, rules) -> Assembly``
- :mod:`previzkit.edit.scoring` take scores with explanations (pure)
- :mod:`previzkit.edit.trim` heads and tails from motion and audio (pure)
- :mod:`previzkit.edit.timeline` the cut's OTIO conventions, ``load_cut``, ``cut_events``
- :mod:`previzkit.edit.exporters` ``export(timeline, path, fmt=None)``: otio, edl, fcp_xml,
  fcpxml, aaf
- :mod:`previzkit.edit.render` ``render_cut(cut, out.mp4)``: burn-ins, slates, sound
- :mod:`previzkit.edit.storyboard` ``write_storyboard(cut, folder)``
- :mod:`previzkit.edit.detectors` ``detect_video(path) -> Detection`` (shot boundaries)
"""

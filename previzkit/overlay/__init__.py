"""The on-set AR overlay: tracked camera, virtual set over the live plate (``previzkit overlay``).

- :mod:`previzkit.overlay.compositor` one frame: track, render, matte, composite
- :mod:`previzkit.overlay.tracking` camera tracking (ChArUco board, FreeD)
- :mod:`previzkit.overlay.segmentation` person matte without a green screen
"""

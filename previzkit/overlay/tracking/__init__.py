"""On-set camera tracking (docs/overlay.md).

- :mod:`previzkit.overlay.tracking.freed` FreeD D1 packets over UDP (pan/tilt/roll, x/y/z, zoom/focus)
- :mod:`previzkit.overlay.tracking.charuco` a printed ChArUco board seen by the camera
  (OpenCV ``cv2.aruco``), and lens calibration from views of it
- :mod:`previzkit.overlay.tracking.filter` the pose filter: prediction through losses,
  the tracking / predicting / lost state
- :mod:`previzkit.overlay.tracking.fusion` FreeD carrying the camera, the board fixing
  its offset
- :mod:`previzkit.overlay.tracking.delay` the FreeD-to-plate delay measured from the
  plate's motion
- :mod:`previzkit.overlay.tracking.badge` the faded virtual layer and the TRACKING LOST
  badge
"""

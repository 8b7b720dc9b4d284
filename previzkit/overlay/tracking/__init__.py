"""On-set camera tracking (docs/overlay.md).

- :mod:`previzkit.overlay.tracking.freed` FreeD D1 packets over UDP (pan/tilt/roll, x/y/z, zoom/focus)
- :mod:`previzkit.overlay.tracking.charuco` a printed ChArUco board seen by the camera
  (OpenCV ``cv2.aruco``), and lens calibration from views of it
"""

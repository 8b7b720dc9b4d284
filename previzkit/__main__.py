import sys

from previzkit.cli import main

sys.exit(main())

"""``python -m cockpit``."""

import sys

from cockpit.start import main

sys.exit(main())

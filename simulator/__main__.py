"""``python -m simulator`` is the ``kubesim`` command."""

import sys

from simulator.cli import main

sys.exit(main())

"""`python -m cli`: the same as the `cx-scorecard` command."""

import sys

from cli.main import main

sys.exit(main())

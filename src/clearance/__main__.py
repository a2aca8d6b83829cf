"""`python -m clearance`."""

import sys

from clearance.cli import main

if __name__ == "__main__":
    sys.exit(main())

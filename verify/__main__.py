"""``python -m verify``: the same command line as the ``verify`` console script."""

import sys

from verify.cli import main

if __name__ == "__main__":
    sys.exit(main())

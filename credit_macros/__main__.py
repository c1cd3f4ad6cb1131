import sys

from credit_macros.cli import main

sys.exit(main())

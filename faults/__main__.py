import sys

from faults.drill import main

sys.exit(main())

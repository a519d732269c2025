"""The old home of the process-marker helpers, kept only while
tests/test_startup.py imports them from here.

New code: the ``marker`` fixture is in conftest.py, the rest in processes.py.
"""

from conftest import marker  # noqa: F401 (a fixture)
from processes import MARKER_VAR, leftovers_after  # noqa: F401

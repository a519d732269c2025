"""magg.drivers.<name>.run: which rounds a driver takes part in (pure).

The words live here, apart from discovery, so that the pure modules that
decide by them (plan.py, health.py) import nothing that touches the OS.
"""

ALWAYS = "always"                   # --info, --describe and every measurement
WHEN_REQUESTED = "when-requested"   # measures only when asked for a metric it describes
NEVER = "never"                     # no round at all, as if not installed
RUN_MODES = (ALWAYS, WHEN_REQUESTED, NEVER)

"""Evidence of a run: run directory, JUnit (native, converted, synthetic), summary.json."""

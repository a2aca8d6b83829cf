"""`clearance run`: the local conveyor, composed from the pieces of clearance.

    scan secrets · scan deps · scan code → build → digest → metadata → sign → deploy (dev)

A conveyor is an ordered list of stages (`stages`); each does one checkpoint and reports in
one line whether it passed, failed or was skipped, and why. The scans run as one group: a
failing scan does not stop the other scans (every finding is worth seeing), but it stops the
stages after them; any other failing stage stops the conveyor, and the stages after it are
reported as skipped, never silently dropped.

- `stages`: the stage protocol, the conveyor's state and `run_conveyor`.
- `scans`: the three scanners as stages (dependencies fall back to the bundled snapshot).
- `build`: the project's build command (default: an offline wheel) and its artifacts.
- `release`: digest, deployment metadata, key-based signing and the `dev` deployment.
- `settings`: `[tool.clearance.run]` read into `RunSettings`.
- `conveyor`: the default stages, assembled from the settings.
- `summary`: the final summary as text and JSON.
"""

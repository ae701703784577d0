"""Branch and pull-request workflows (docs/workflows.md): `branch start`, `pr open|status`."""

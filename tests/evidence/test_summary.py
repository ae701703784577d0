"""summary.json: the committed JSON Schema is generated from the models."""

from __future__ import annotations

import json

from ameide.evidence.summary import json_schema
from tests.conftest import ROOT


def test_committed_schema_matches_the_models() -> None:
    committed = json.loads((ROOT / "docs" / "summary.schema.json").read_text())
    assert committed == json_schema(), (
        "regenerate with: python -m ameide.evidence.summary > docs/summary.schema.json"
    )
    assert committed["properties"]["schema"]["default"] == 1

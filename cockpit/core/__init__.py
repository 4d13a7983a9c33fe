"""The domain core: store, periods, KPIs, insights, import/export, parsing and actions.

It imports neither Textual nor Rich (the import-linter contract in pyproject.toml, run by tests/unit/test_layers.py).
"""

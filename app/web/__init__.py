"""The web layer shared by the pages (app/views/) and REST (app/api/).

It holds what both need around a request: the scoped CRUD glue, the one save/commit path,
export, uploads, error mapping and the one display/masking formatter. app/views/ and app/api/
import it and never each other; it imports neither (tests/unit/test_layers.py).
"""

"""tests/integration's fixtures are the shared ones (tests/fixtures/: ``cti``, ``open_socket``,
``new_queue``, ``new_extension``...); its helpers live in tests.helpers.product.

``new_number`` is imported here only for tests/integration/test_acd_statistics.py, which still
imports it from this conftest (it is being edited elsewhere)."""
from tests.helpers.product import new_number  # noqa: F401

"""tests/integration's fixtures are the shared ones (tests/fixtures/: ``cti``, ``open_socket``,
``new_queue``, ``new_extension``...); its helpers live in tests.helpers.product."""

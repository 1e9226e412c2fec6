"""A helper module beside the tests: workers import it by name (chiltepin_worker_import_path)."""


def double(x: int) -> int:
    return 2 * x

"""A user's conftest: chiltepin's fixtures are opted into, as the docs say."""

pytest_plugins = ["chiltepin.testing.fixtures"]

"""tests/wheels: the user project below runs only inside the fresh venv of test_built_wheels.py."""

collect_ignore = ["user_project"]

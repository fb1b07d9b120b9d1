"""The syncready pytest plugin: `pytest checks/ --snapshot DIR` runs one test per check and subject."""

pytest_plugins = ["syncready.pytest_plugin"]

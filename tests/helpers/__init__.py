"""What tests share: paths, the CLI runner, servers, data factories.

Tests import helpers from here only, never from ``conftest.py`` (which holds
fixtures) or from another test module.
"""

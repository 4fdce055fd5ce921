"""Renderings of command results: text for people, JSON for scripts, templates for reports.

Nothing here computes: each function takes a result dataclass (or plain data)
and turns it into output.
"""

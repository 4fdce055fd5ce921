"""Analyses over plain data (lists, dataclasses, DataFrames): no SQL, no printing."""

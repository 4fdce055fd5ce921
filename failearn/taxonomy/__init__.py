"""The failure taxonomy: its model in memory (:mod:`~failearn.taxonomy.model`) and its
file (:mod:`~failearn.taxonomy.file`: reading, checking, loading).

Moving stored incidents to a new version of the taxonomy is a command,
``failearn taxonomy migrate`` (:mod:`failearn.commands.taxonomy`).
"""

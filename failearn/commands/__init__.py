"""One module per command: the core each ``failearn`` command calls.

A command's module takes typed options and settings, opens the store (this is the
only package that does), runs the pure stages of :mod:`failearn.capture`,
:mod:`failearn.analysis` and :mod:`failearn.suggest` over what it read, writes in
one transaction, and returns a dataclass that :mod:`failearn.render` turns into
text, JSON, Markdown or HTML.  A command has one name in every layer:
``failearn/cli/X.py`` parses, ``failearn/commands/X.py`` works,
``failearn/store/X.py`` holds its SQL, ``failearn/render/X.py`` shows it.

The few modules not named for a command are parts two commands share or one
command reads from the store: :mod:`~failearn.commands.registry` (rules and
report), :mod:`~failearn.commands.evidence` and :mod:`~failearn.commands.stages`
(report), :mod:`~failearn.commands.files` and :mod:`~failearn.commands.series`
(ingest).
"""

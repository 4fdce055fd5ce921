"""The ingest pipeline, one stage per module, over plain data.

:mod:`~failearn.capture.prepare` reads and prepares records (in worker
processes for large runs), :mod:`~failearn.capture.normalise` turns raw
records into canonical incidents through the quality gates, with
:mod:`~failearn.capture.severity`, :mod:`~failearn.capture.services` and
:mod:`~failearn.capture.classify` filling what a record leaves out;
:mod:`~failearn.capture.anonymize` masks personal data and secrets,
:mod:`~failearn.capture.dedup` merges reports of one incident, and
:mod:`~failearn.capture.baseline` and :mod:`~failearn.capture.problems` say
what a run found.  Nothing here opens the store: ``failearn ingest``
(:mod:`failearn.commands.ingest`) does, around these stages.
"""

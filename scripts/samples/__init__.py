"""The generator of failearn's bundled sample corpus (``sample-postmortems/``).

The corpus is twelve ISO weeks (2026-W36 … 2026-W47) of incident reports from
an online shop: Markdown post-mortems and JSON incident exports.  Four recurring
failure patterns are planted in it, among one-off incidents (the noise), with
the duplicates and spellings real exports have, and one taxonomy drift in the
last week.  ``tests/fixtures/sample_truth.json`` records what was planted, so
the clustering, dedup and drift audit can be checked against it.

Modules:

* :mod:`samples.common` – the seeded random helpers, ids, trace ids, time formats;
* :mod:`samples.messages` – error messages with the variable parts real logs have;
* :mod:`samples.prose` and :mod:`samples.noise_prose` – text fragments, combined per incident;
* :mod:`samples.patterns` – the four planted patterns and the noise classes;
* :mod:`samples.plan` – which incident happens when, with replicas and overlaps;
* :mod:`samples.markdown` and :mod:`samples.exports` – the writers.

``scripts/make_samples.py`` runs it all.  Everything is drawn from one
``random.Random(20261123)``, so the output is byte-identical from run to run.
"""

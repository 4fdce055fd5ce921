"""The evaluation harness: failearn's learning against plain baselines, on many corpora.

Run by hand from the repository root (see ``python -m bench.eval --help``)::

    python -m bench.eval cluster --corpus syn-alerts --size 5000
    python -m bench.eval all            # every stage and corpus; writes the tables

Each learning stage (clustering, ``similar``, class inference) is scored end to
end through failearn's command line, with its defaults, on synthetic corpora
with known truth and on real post-mortems labelled by hand, beside plain
scikit-learn baselines computed in the same run.
"""

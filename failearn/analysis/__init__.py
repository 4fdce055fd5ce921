"""The analysis stage: features, clustering, patterns across runs, precursors, similarity,
and the taxonomy audit (class-mix drift, label consistency).

Every module here takes and returns plain data (lists, dataclasses, numpy
arrays); none writes SQL or prints.  The modules that need scikit-learn or
scipy import them inside their functions, and :mod:`failearn.analysis.encode`
(what ``failearn similar`` needs to turn a query into a vector) uses numpy
only, so that a query answers without paying for scikit-learn's import.
"""

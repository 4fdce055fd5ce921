"""A fitted class model as plain arrays and JSON, so that ingest need not fit it again.

Fitting the team's blend (:class:`~failearn.analysis.classes.TeamModel`) costs cross-
validated regressions over every labelled record; fitting the taxonomy's matcher
costs a leave-one-out calibration.  Neither changes while the labelled records, the
taxonomy and the model's constants stay the same, so ingest keeps the fitted state
in the store under a key that hashes all of them (:func:`model_key`) and reads it
back instead of fitting again.

The state is what prediction reads and nothing else: each vectoriser's vocabulary
and idf, the matcher's class documents and temperature, the regressions as one
linear map, the blend's weights.  It is written as a NumPy ``.npz`` archive of
plain arrays with a JSON header, read back with ``allow_pickle=False``: a stored
state is data, never code, whoever wrote the database.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from typing import Any

from failearn.analysis import classes
from failearn.analysis.classes import TaxonomyMatcher, TeamModel, TeamModelFit
from failearn.taxonomy.model import Taxonomy

FORMAT = 1
"""The layout of a stored state; part of the key, so an older layout is simply refitted."""


def model_key(route: str, taxonomy: Taxonomy, labelled: Sequence[tuple[str, str]]) -> str:
    """What decides a fitted model: its route, the taxonomy's class texts, the labelled
    (text, class) records it learns from, the model's constants and the versions of the
    code that fits it."""
    import numpy
    import sklearn

    basis = {
        "format": FORMAT,
        "route": route,
        "taxonomy": [taxonomy.version, classes.class_documents(taxonomy)],
        "labelled": [list(pair) for pair in labelled],
        "constants": [
            classes.PRIOR_WEIGHT,
            classes._MAX_FEATURES,
            classes._MAX_CHARS,
            list(classes._WEIGHTS),
            list(classes._TEMPERATURES),
        ],
        "versions": [sklearn.__version__, numpy.__version__],
    }
    text = json.dumps(basis, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# -- writing ---------------------------------------------------------------------------


def _vocabulary(vectoriser: Any) -> list[str]:
    """The vectoriser's terms in column order."""
    terms = [""] * len(vectoriser.vocabulary_)
    for term, column in vectoriser.vocabulary_.items():
        terms[int(column)] = str(term)
    return terms


def _matcher_state(matcher: TaxonomyMatcher, arrays: dict[str, Any]) -> dict[str, Any]:
    for k, (weights, doc) in enumerate(zip(matcher.weights, matcher.docs, strict=True)):
        arrays[f"matcher_idf_{k}"] = weights.idf_
        arrays[f"matcher_doc_{k}"] = doc.toarray()
    return {
        "classes": matcher.classes,
        "temperature": matcher.temperature,
        "vocabularies": [_vocabulary(c) for c in matcher.counters],
    }


def dumps(model: TaxonomyMatcher | TeamModel) -> bytes:
    """The fitted state of a model, as bytes to store."""
    import numpy as np

    arrays: dict[str, Any] = {}
    if isinstance(model, TeamModel):
        words, chars = (transformer for _, transformer in model.features.transformer_list)
        arrays["team_idf_0"], arrays["team_idf_1"] = words.idf_, chars.idf_
        arrays["team_coef"], arrays["team_intercept"] = model.linear
        header: dict[str, Any] = {
            "route": model.route,
            "matcher": _matcher_state(model.matcher, arrays),
            "vocabularies": [_vocabulary(words), _vocabulary(chars)],
            "fit": model.fit.__dict__,
        }
    else:
        header = {"route": model.route, "matcher": _matcher_state(model, arrays)}
    arrays["header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


# -- reading ---------------------------------------------------------------------------


def _matcher(state: dict[str, Any], arrays: Any) -> TaxonomyMatcher:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfTransformer

    matcher = TaxonomyMatcher.__new__(TaxonomyMatcher)
    matcher.classes = list(state["classes"])
    matcher.temperature = float(state["temperature"])
    matcher.counters = classes._counters()
    matcher.weights, matcher.docs = [], []
    for k, counter in enumerate(matcher.counters):
        counter.set_params(vocabulary={t: i for i, t in enumerate(state["vocabularies"][k])})
        weights = TfidfTransformer(sublinear_tf=True)
        weights.idf_ = arrays[f"matcher_idf_{k}"]
        matcher.weights.append(weights)
        matcher.docs.append(csr_matrix(arrays[f"matcher_doc_{k}"]))
    return matcher


def loads(data: bytes) -> TaxonomyMatcher | TeamModel:
    """A model back from :func:`dumps` (ValueError when the bytes are not one)."""
    try:
        return _loads(data)
    except (KeyError, OSError, EOFError, TypeError, zipfile.BadZipFile) as error:
        raise ValueError(f"not a stored class model: {error}") from error


def _loads(data: bytes) -> TaxonomyMatcher | TeamModel:
    import numpy as np
    from sklearn.pipeline import make_union

    arrays = np.load(io.BytesIO(data), allow_pickle=False)
    header = json.loads(bytes(arrays["header"]).decode("utf-8"))
    matcher = _matcher(header["matcher"], arrays)
    if header["route"] == TaxonomyMatcher.route:
        matcher.kept = True
        return matcher
    model = TeamModel.__new__(TeamModel)
    model.matcher = matcher
    model.classes = list(matcher.classes)
    words, chars = classes._vectorisers()
    for k, vectoriser in enumerate((words, chars)):
        vectoriser.set_params(vocabulary={t: i for i, t in enumerate(header["vocabularies"][k])})
        vectoriser.idf_ = arrays[f"team_idf_{k}"]
    model.features = make_union(words, chars)
    model.linear = (arrays["team_coef"], arrays["team_intercept"])
    model.fit = TeamModelFit(**header["fit"])
    model.kept = True
    return model

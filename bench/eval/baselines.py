"""Plain scikit-learn baselines, each run in its own process under a memory cap.

The parent writes the items (key and text, and for class inference the training
half with its classes) to a JSON file and runs::

    python -c "<peak hook> from bench.eval.baselines import main; main()" METHOD IN OUT CAP_GB

The text representation is the same for every method: TF-IDF of the item's text
(English stop words removed, sublinear term frequency, terms in at least two
items), for clustering reduced to at most 100 dimensions by truncated SVD and
L2-normalised.  The parameters are fixed, the same on every corpus, and were not
tuned on any of them:

``hdbscan``
    scikit-learn's HDBSCAN, ``min_cluster_size=3`` (a recurring pattern's minimum
    support).
``agglomerative``
    average-link agglomerative clustering on cosine distance, cut at 0.8;
    clusters of fewer than 3 items are noise.
``cosine``
    for ``similar``: the items of highest TF-IDF cosine to the query.
``logreg``
    TF-IDF + logistic regression trained on the labelled half.
``majority``
    the commonest class of the labelled half, for everything.
"""

from __future__ import annotations

import json
import resource
import sys
from collections import Counter
from pathlib import Path
from typing import Any

MIN_CLUSTER = 3
CUT = 0.8
DIMENSIONS = 100


def vectorizer(items: int) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=2 if items >= 20 else 1)


def tfidf(texts: list[str]) -> Any:
    """TF-IDF of ``texts``; with terms in one item only when two leave no vocabulary."""
    try:
        return vectorizer(len(texts)).fit_transform(texts)
    except ValueError:  # no term in two items: a tiny corpus
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(texts)


def reduced(texts: list[str]) -> Any:
    """TF-IDF, truncated SVD to at most :data:`DIMENSIONS`, L2-normalised rows."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    matrix = tfidf(texts)
    components = min(DIMENSIONS, matrix.shape[1] - 1, matrix.shape[0] - 1)
    if components < 2:
        return normalize(matrix.toarray())
    return normalize(TruncatedSVD(components, random_state=0).fit_transform(matrix))


def hdbscan(texts: list[str]) -> list[int]:
    from sklearn.cluster import HDBSCAN

    return [
        int(label)
        for label in HDBSCAN(min_cluster_size=MIN_CLUSTER, copy=True).fit_predict(reduced(texts))
    ]


def agglomerative(texts: list[str]) -> list[int]:
    from sklearn.cluster import AgglomerativeClustering

    labels = AgglomerativeClustering(
        n_clusters=None, metric="cosine", linkage="average", distance_threshold=CUT
    ).fit_predict(reduced(texts))
    sizes = Counter(labels.tolist())
    return [int(label) if sizes[label] >= MIN_CLUSTER else -1 for label in labels.tolist()]


def cosine(texts: list[str], queries: list[int], top: int) -> list[list[int]]:
    """For each query (an index), the indexes of the ``top`` most similar other items."""
    import numpy as np

    matrix = tfidf(texts)
    answers = []
    for start in range(0, len(queries), 256):
        chunk = queries[start : start + 256]
        scores = (matrix[chunk] @ matrix.T).toarray()
        for row, query in enumerate(chunk):
            scores[row, query] = -1.0
            best = np.argsort(-scores[row], kind="stable")[:top]
            answers.append([int(index) for index in best])
    return answers


def logreg(train: list[tuple[str, str]], test: list[str]) -> list[str]:
    from sklearn.linear_model import LogisticRegression

    texts = [text for text, _ in train]
    model = vectorizer(len(texts)).fit(texts)
    classes = {klass for _, klass in train}
    if len(classes) == 1:
        return [next(iter(classes))] * len(test)
    fitted = LogisticRegression(max_iter=2000).fit(
        model.transform(texts), [klass for _, klass in train]
    )
    return [str(klass) for klass in fitted.predict(model.transform(test))]


def majority(train: list[tuple[str, str]], test: list[str]) -> list[str]:
    counts = Counter(klass for _, klass in train)
    commonest = min(counts.items(), key=lambda pair: (-pair[1], pair[0]))[0]
    return [commonest] * len(test)


def run(method: str, given: dict[str, Any]) -> dict[str, Any]:
    """The answer of ``method`` to the input document ``given``."""
    keys: list[str] = given["keys"]
    texts: list[str] = given["texts"]
    if method in ("hdbscan", "agglomerative"):
        labels = hdbscan(texts) if method == "hdbscan" else agglomerative(texts)
        return {"labels": dict(zip(keys, labels, strict=True))}
    if method == "cosine":
        position = {key: index for index, key in enumerate(keys)}
        queries = [position[key] for key in given["queries"]]
        found = cosine(texts, queries, int(given["top"]))
        return {
            "answers": {
                keys[query]: [keys[i] for i in best]
                for query, best in zip(queries, found, strict=True)
            }
        }
    train = [(text, klass) for text, klass in given["train"]]
    answered = (logreg if method == "logreg" else majority)(train, texts)
    return {"classes": dict(zip(keys, answered, strict=True))}


def main() -> None:
    method, source, target, cap = sys.argv[1:5]
    limit = int(float(cap) * 1024**3)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    given = json.loads(Path(source).read_text(encoding="utf-8"))
    Path(target).write_text(json.dumps(run(method, given)), encoding="utf-8")

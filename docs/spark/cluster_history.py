"""Cluster an organisation's whole incident history on Spark (MLlib), from failearn's
Parquet export.

    failearn export --what incidents -o incidents.parquet        # per store, or merged
    spark-submit cluster_history.py incidents.parquet clusters.parquet --k 200

What it does, in the spirit of `failearn cluster` but at any scale:

1. the text of each incident: its title and error messages;
2. masking of what varies between occurrences of one failure (numbers, hex ids,
   addresses, durations), so that "timeout after 5012ms on 10.2.3.4" and
   "timeout after 733ms on 10.9.8.7" read alike;
3. TF-IDF over word tokens (terms in fewer than --min-df incidents dropped),
   L2-normalised so that Euclidean k-means ranks like cosine similarity;
4. bisecting k-means into --k clusters;
5. per cluster: its size, services, classes, first and last incident, and the
   most frequent masked message, written to the output Parquet and printed.

MLlib has no DBSCAN: every incident lands in some cluster, so read small
clusters as noise (the report prints those of at least --min-size).
"""

from __future__ import annotations

import argparse

from pyspark.ml import Pipeline
from pyspark.ml.clustering import BisectingKMeans
from pyspark.ml.feature import IDF, CountVectorizer, Normalizer, RegexTokenizer
from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

MASKS = [
    (r"\b\d+(\.\d+)?\s*(ms|s|m|h|min|sec|seconds)\b", " <dur> "),
    (r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b", " <ip> "),
    (r"\b[0-9a-f]{8,}\b", " <hex> "),
    (r"\b[a-z]+-[0-9a-z]{4,}\b", " <id> "),
    (r"\b\d+\b", " <num> "),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("incidents", help="failearn export --what incidents (Parquet)")
    parser.add_argument("output", help="where to write one row per cluster (Parquet)")
    parser.add_argument("--k", type=int, default=100, help="number of clusters")
    parser.add_argument("--min-df", type=int, default=5)
    parser.add_argument("--min-size", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    spark = SparkSession.builder.appName("failearn-history").getOrCreate()
    incidents = spark.read.parquet(args.incidents)
    text = F.lower(
        F.concat_ws(
            " ", F.coalesce(F.col("title"), F.lit("")), F.concat_ws(" ", F.col("error_messages"))
        )
    )
    for pattern, replacement in MASKS:
        text = F.regexp_replace(text, pattern, replacement)
    docs = incidents.withColumn("text", text).withColumn(
        "message", F.coalesce(F.element_at("error_messages", 1), F.col("title"))
    )

    pipeline = Pipeline(
        stages=[
            RegexTokenizer(inputCol="text", outputCol="tokens", pattern=r"[^a-z<>_\-]+"),
            CountVectorizer(inputCol="tokens", outputCol="tf", minDF=args.min_df),
            IDF(inputCol="tf", outputCol="tfidf"),
            Normalizer(inputCol="tfidf", outputCol="features"),
            BisectingKMeans(
                featuresCol="features", predictionCol="cluster", k=args.k, seed=args.seed
            ),
        ]
    )
    clustered = pipeline.fit(docs).transform(docs).cache()

    masked = F.col("text")
    top_message = (
        clustered.groupBy("cluster", masked.alias("masked"))
        .count()
        .withColumn(
            "rank",
            F.row_number().over(Window.partitionBy("cluster").orderBy(F.desc("count"), "masked")),
        )
        .where("rank = 1")
        .select("cluster", F.col("masked").alias("template"))
    )
    summary = (
        clustered.groupBy("cluster")
        .agg(
            F.count("*").alias("size"),
            F.min("timestamp").alias("first_seen"),
            F.max("timestamp").alias("last_seen"),
            F.array_sort(F.collect_set("service")).alias("services"),
            F.array_sort(F.collect_set("failure_class")).alias("classes"),
        )
        .join(top_message, "cluster")
        .orderBy(F.desc("size"), "cluster")
    )
    summary.write.mode("overwrite").parquet(args.output)
    for row in summary.where(F.col("size") >= args.min_size).limit(20).collect():
        print(
            f"cluster {row.cluster:>4}  {row.size:>7,} incidents  "
            f"{row.first_seen[:10]} … {row.last_seen[:10]}  "
            f"{', '.join(row.services[:4])}  |  {row.template[:90]}"
        )
    spark.stop()


if __name__ == "__main__":
    main()

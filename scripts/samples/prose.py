"""Prose fragments, and how one incident's text is combined from them.

Each pattern has several alternative sentences per section (summary, impact,
root cause, resolution, workaround, detection, lessons, action items, five
whys).  An incident draws a few of them, in a random order, and fills in its own
values (pool, host, tenant, latency, duration), so that post-mortems of one
pattern share their vocabulary, as real ones do, without reading alike.
"""

from __future__ import annotations

from random import Random

from samples.common import Story, pick, sample

Fragments = dict[str, list[str] | list[list[str]]]


def _fill(text: str, ctx: dict[str, str]) -> str:
    return text.format_map(ctx)


def _some(
    rng: Random, frags: Fragments, key: str, low: int, high: int, ctx: dict[str, str]
) -> list[str]:
    options = [str(item) for item in frags[key]]
    return [_fill(text, ctx) for text in sample(rng, options, rng.randint(low, high))]


def compose(rng: Random, frags: Fragments, ctx: dict[str, str]) -> Story:
    """The story of one incident, combined from ``frags`` and filled from ``ctx``."""
    ctx = {**ctx, "Service": ctx["service"][:1].upper() + ctx["service"][1:]}
    whys = pick(rng, [list(chain) for chain in frags["whys"] if isinstance(chain, list)])
    return Story(
        title=_some(rng, frags, "title", 1, 1, ctx)[0],
        alert_title=_some(rng, frags, "alert_title", 1, 1, ctx)[0],
        summary=" ".join(_some(rng, frags, "summary", 2, 3, ctx)),
        impact=" ".join(_some(rng, frags, "impact", 1, 2, ctx)),
        root_cause=" ".join(_some(rng, frags, "root_cause", 2, 3, ctx)),
        resolution=_some(rng, frags, "resolution", 1, 1, ctx)[0],
        workaround=_some(rng, frags, "workaround", 1, 1, ctx)[0],
        detection=_some(rng, frags, "detection", 1, 1, ctx)[0],
        lessons=_some(rng, frags, "lessons", 2, 3, ctx),
        actions=_some(rng, frags, "actions", 3, 5, ctx),
        whys=[_fill(text, ctx) for text in whys],
    )


POOL: Fragments = {
    "title": [
        "{Service} requests failing: {pool} exhausted",
        "Checkout errors from database connection pool exhaustion in {service}",
        "{Service} 5xx spike: no free connections in {pool}",
        "Connection pool exhaustion in {service} during a traffic rise",
        "{Service} degraded: {pool} saturated at {pool_size} connections",
        "Payment step failures caused by {service} pool exhaustion",
    ],
    "alert_title": [
        "[FIRING] {service} db pool saturated ({pool})",
        "{service}: connection pool utilisation >= 96%",
        "{Service} p99 latency high, pool waiters growing",
        "DBPoolExhausted {service}/{pool}",
    ],
    "summary": [
        "For about {minutes} minutes {service} could not get connections from {pool}; requests "
        "queued behind the pool and many failed with 5xx.",
        "Every connection of {pool} ({pool_size} in total) was in use, and callers waited until "
        "they timed out.",
        "Request volume on {service} rose by roughly {volume}% in the half hour before the "
        "incident, and the pool, sized for the old load, ran dry.",
        "Checkout conversion dropped while {service} waited on database connections; the error "
        "rate peaked at {err_pct}%.",
        "The {pool} pool on {db} hit its ceiling of {pool_size} connections and stayed there "
        "until we intervened.",
        "p99 latency on {service} climbed to {p99} ms as requests waited for a free connection.",
    ],
    "impact": [
        "Around {err_pct}% of checkout attempts failed for {minutes} minutes; customers saw a "
        "generic payment error.",
        "{Service} returned 5xx to roughly {err_pct}% of requests; p99 latency reached {p99} ms.",
        "Orders placed during the window took up to {p99} ms to confirm, and some carts were "
        "abandoned.",
        "No data was lost: failed payment attempts were not captured and customers could retry.",
    ],
    "root_cause": [
        "{pool} is a fixed-size pool of {pool_size} connections. When traffic grew by about "
        "{volume}%, in-flight requests outnumbered the connections and new requests waited for "
        "the full acquisition timeout.",
        "Slow queries on {db} held connections longer than usual, so a small rise in volume was "
        "enough to exhaust the pool.",
        "Retries from callers multiplied the load: every timed-out request was retried up to "
        "three times, and each retry waited for a connection again.",
        "The pool size was set two years ago for a much smaller load and has not been "
        "revisited since.",
        "The connection acquisition timeout (30 s) is far longer than the callers' deadlines, so "
        "requests kept their place in the queue after the caller had given up.",
        "A reconciliation batch job shares {db} and held a share of its connection slots at the "
        "same time.",
    ],
    "resolution": [
        "We raised the pool size above {pool_size} and restarted the pods one by one; the "
        "waiters dropped to zero within minutes.",
        "We scaled {service} out and shed non-critical traffic (saved-card lookups) until the "
        "pool recovered.",
        "The reconciliation job was paused and the pool drained back to normal utilisation.",
        "Traffic fell back after the peak and the pool recovered on its own; we then raised the "
        "pool limit as a precaution.",
    ],
    "workaround": [
        "Until the pool is resized for good, on-call may scale {service} out by two replicas "
        "when pool utilisation passes 90%.",
        "Pause the reconciliation job on {db} while the pool-waiters metric is above zero.",
        "Lower the caller retry count to one with the runtime flag `retry.max_attempts` while "
        "the pool is saturated.",
    ],
    "detection": [
        "The `DBPoolExhausted` alert fired {det} minutes after the first failed request.",
        "Customer support reported failed payments before any alert fired; the pool alert only "
        "triggers at 100% utilisation.",
        "The p99 latency SLO burn-rate alert paged the on-call engineer after {det} minutes.",
    ],
    "lessons": [
        "A request-volume increase of only ~2% was enough to exhaust the pool: we run with "
        "almost no headroom.",
        "Pool utilisation above 95% is a reliable early warning, but nobody is paged on it.",
        "Retries turned a small overload into a large one.",
        "The runbook for pool exhaustion pointed at a dashboard that no longer exists.",
        "Scaling out helped quickly because the database itself still had spare connections.",
        "We have seen this failure on both checkout and payments; it is one problem, not two.",
    ],
    "actions": [
        "Resize {pool} and document how the size was derived",
        "Alert on pool utilisation above 90% for five minutes",
        "Scale {service} pre-emptively when request volume rises 1.5% over its weekly baseline",
        "Cap retries into {service} at one attempt with a retry budget",
        "Align the connection acquisition timeout with the caller deadline",
        "Move the reconciliation job to a read replica",
        "Add a circuit breaker in front of {db}",
        "Update the pool-exhaustion runbook",
    ],
    "whys": [
        [
            "Why did checkouts fail? {Service} returned 5xx for payment requests.",
            "Why? Requests waited for a database connection until they timed out.",
            "Why? All {pool_size} connections of {pool} were in use.",
            "Why? Request volume rose by about {volume}% and every request holds a connection for "
            "its whole duration.",
            "Why was there no headroom? The pool size was never revisited as traffic grew.",
        ],
        [
            "Why were customers shown a payment error? {Service} timed out.",
            "Why? It waited {p99} ms and more for a connection from {pool}.",
            "Why? Retries from callers doubled the number of requests competing for the pool.",
            "Why were there retries? Callers retry three times on any 5xx.",
            "Why three? Nobody set a retry budget when the client library was adopted.",
        ],
    ],
}

INVENTORY: Fragments = {
    "title": [
        "Search results missing stock status: inventory-api timeouts",
        "{Service} latency spike from slow inventory calls",
        "Inventory availability lookups timing out for search",
        "Search degraded: calls to inventory exceeded their 3 s deadline",
        "Slow product listings caused by inventory-api timeouts",
    ],
    "alert_title": [
        "[FIRING] search -> inventory-api timeouts",
        "search: upstream timeout rate above 2%",
        "InventoryLatencyHigh (caller: search)",
        "search p99 > 3s",
    ],
    "summary": [
        "Search requests that enrich results with stock levels timed out calling inventory-api; "
        "p99 latency on search reached {p99} ms.",
        "For {minutes} minutes inventory-api answered {endpoint} slower than search's 3-second "
        "deadline, and search retried each call up to three times.",
        "Search pages loaded without availability badges, or failed entirely, while calls to "
        "inventory timed out.",
        "Request volume was normal; the slowdown came from inventory, not from load on search.",
    ],
    "impact": [
        "About {err_pct}% of search requests failed or came back without stock information for "
        "{minutes} minutes.",
        "Product listing pages were slow (p99 {p99} ms) and conversion from search dropped "
        "during the window.",
        "Customers saw 'availability unknown' on listings; no orders were affected.",
    ],
    "root_cause": [
        "inventory-api serves {endpoint} from a cache rebuilt every hour; during the rebuild, "
        "lookups fall through to the database and take several seconds.",
        "Search calls inventory synchronously with a 3-second timeout and three attempts, so a "
        "slow inventory turns into a 9-second search request.",
        "A burst of large multi-SKU lookups from search saturated inventory's worker threads.",
        "The timeout on the search side is longer than the latency budget of the page, so users "
        "gave up before the retries did.",
        "Inventory's read replica lagged, and queries routed to the primary queued up.",
    ],
    "resolution": [
        "We disabled stock enrichment in search with the `search.enrich_stock` flag until "
        "inventory recovered.",
        "inventory-api was scaled out and the cache rebuild moved out of peak hours.",
        "We lowered the search-side timeout to 800 ms with one retry; search now degrades to "
        "results without stock badges.",
        "Latency recovered once the cache rebuild finished; nothing was needed beyond watching.",
    ],
    "workaround": [
        "Turn off `search.enrich_stock` when inventory p99 exceeds 2 s; listings then show "
        "without availability.",
        "Serve the last known stock status from search's own cache for up to ten minutes.",
        "Route search's inventory calls to the secondary region while the primary is slow.",
    ],
    "detection": [
        "The search p99 latency alert fired after {det} minutes.",
        "Synthetic checks on the listing page failed {det} minutes before any service alert.",
        "An engineer noticed the timeouts in the search logs while looking into something else.",
    ],
    "lessons": [
        "The timeouts of search and inventory are not aligned with the page's latency budget.",
        "Retries against a slow dependency make it slower.",
        "The inventory cache rebuild has hurt search before; earlier reports of it were filed "
        "under other labels, which hid the recurrence.",
        "Degrading gracefully (results without stock) beats failing the page.",
    ],
    "actions": [
        "Align the search → inventory timeout with the page deadline",
        "Cap search's retries to inventory at one attempt",
        "Add a circuit breaker around inventory-api in search",
        "Move the inventory cache rebuild out of peak traffic",
        "Reroute availability lookups to the secondary region when inventory is degraded",
        "Add an SLO for inventory-api {endpoint}",
        "Alert on the share of search responses served without stock data",
    ],
    "whys": [
        [
            "Why were listings slow? Search waited on inventory-api.",
            "Why? Calls to {endpoint} took longer than 3 s and were retried.",
            "Why were they slow? The inventory cache was being rebuilt and lookups hit the database.",
            "Why during peak? The rebuild runs hourly regardless of load.",
            "Why did search not degrade? Stock enrichment has no fallback and no circuit breaker.",
        ],
        [
            "Why did search fail? Upstream requests to inventory timed out.",
            "Why? inventory's worker threads were all busy.",
            "Why? Search sent large batch lookups and retried them on timeout.",
            "Why retry? The client default is three attempts.",
            "Why the default? The timeout and retry policy was never tuned for this call.",
        ],
    ],
}

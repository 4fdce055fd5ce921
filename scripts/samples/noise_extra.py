"""Noise with service-specific wording: deployment regressions and dependency failures.

A deployment regression logs the stack trace of the language its service is
written in (Java, Go, Python, Node), with class, function and file names drawn
per incident, so no two regressions read alike.  A dependency failure names the
dependency its service actually calls; ``notifications`` mostly fails on its
e-mail provider.
"""

from __future__ import annotations

from random import Random

from samples.common import hexs, pick, private_ip, uuid4
from samples.noise import Template, Variant

LANGUAGE = {
    "checkout": "java",
    "inventory": "java",
    "payments": "go",
    "auth": "go",
    "search": "python",
    "recommendations": "python",
    "api-gateway": "node",
    "notifications": "node",
}

_JAVA_CLASSES = (
    "CartPricingService",
    "PromotionResolver",
    "OrderAssembler",
    "LineItemMapper",
    "StockReservationClient",
    "ShippingQuoteMapper",
    "TaxLineCalculator",
    "LoyaltyPointsAdapter",
    "ReservationLedger",
    "WarehouseRouter",
)
_JAVA_METHODS = (
    "applyVoucher",
    "resolve",
    "toDto",
    "reserve",
    "computeTotals",
    "mapLines",
    "quote",
    "merge",
    "allocate",
    "release",
)
_GO_TYPES = (
    "Authorizer",
    "Ledger",
    "TokenCache",
    "Refunder",
    "Signer",
    "SessionStore",
    "CaptureBatch",
    "KeyRing",
)
_GO_METHODS = ("Authorize", "Capture", "Lookup", "Refund", "Verify", "Rotate", "Flush", "Apply")
_PY_MODULES = (
    "ranking",
    "query_parser",
    "facets",
    "rerank",
    "embeddings",
    "synonyms",
    "candidates",
    "features",
)
_PY_FUNCS = (
    "score_batch",
    "parse_filters",
    "build_facets",
    "rerank_top_k",
    "load_vectors",
    "expand_terms",
    "fetch_candidates",
    "merge_features",
)
_NODE_FILES = (
    "routes/cart",
    "middleware/auth",
    "handlers/render",
    "lib/templates",
    "routes/graphql",
    "lib/locale",
    "queue/consumer",
    "lib/headers",
)
_NODE_FUNCS = (
    "renderTemplate",
    "buildHeaders",
    "parseBody",
    "resolveLocale",
    "sendBatch",
    "applyRouteRules",
    "formatPrice",
    "mapPayload",
)


def deploy_context(rng: Random, service: str) -> dict[str, str]:
    """Names for one regression: the release and the code paths in its stack trace."""
    major, minor, patch = rng.randint(1, 9), rng.randint(0, 60), rng.randint(0, 20)
    return {
        "version": f"v{major}.{minor}.{patch}",
        "sha": hexs(rng, 7),
        "service": service,
        "c1": pick(rng, _JAVA_CLASSES),
        "c2": pick(rng, _JAVA_CLASSES),
        "m1": pick(rng, _JAVA_METHODS),
        "m2": pick(rng, _JAVA_METHODS),
        "field": pick(rng, ["promotion", "shippingAddress", "currency", "lineItems", "region"]),
        "g1": pick(rng, _GO_TYPES),
        "gm": pick(rng, _GO_METHODS),
        "pkg": pick(rng, ["ledger", "authz", "capture", "tokens", "session", "refunds"]),
        "mod": pick(rng, _PY_MODULES),
        "func": pick(rng, _PY_FUNCS),
        "key": pick(rng, ["locale", "price_tier", "store_id", "boost", "variant"]),
        "file": pick(rng, _NODE_FILES),
        "fn": pick(rng, _NODE_FUNCS),
        "prop": pick(rng, ["headers", "length", "id", "locale", "items", "toString"]),
        "l1": str(rng.randint(20, 900)),
        "l2": str(rng.randint(20, 900)),
        "exc": str(rng.randrange(4)),
    }


def _java(ctx: dict[str, str], rng: Random) -> str:
    pkg = f"com.shop.{ctx['service']}"
    head = [
        f'java.lang.NullPointerException: Cannot invoke "{pkg}.{ctx["c1"]}.{ctx["m1"]}()" '
        f'because "{ctx["field"]}" is null',
        f"java.lang.IllegalStateException: Duplicate key {ctx['field']} (attempted merging "
        f"values {rng.randint(1, 999)} and {rng.randint(1, 999)})",
        f"java.lang.ClassCastException: class {pkg}.{ctx['c1']} cannot be cast to class "
        f"{pkg}.{ctx['c2']}",
        f'java.lang.NumberFormatException: For input string: "{rng.randint(1, 99)},'
        f'{rng.randint(10, 99)}"',
    ][int(ctx["exc"])]
    return (
        f"{head}\n\tat {pkg}.{ctx['c2']}.{ctx['m2']}({ctx['c2']}.java:{ctx['l1']})\n\tat "
        f"{pkg}.{ctx['c1']}.{ctx['m1']}({ctx['c1']}.java:{ctx['l2']})"
    )


def _go(ctx: dict[str, str], rng: Random) -> str:
    head = [
        "panic: runtime error: invalid memory address or nil pointer dereference\n"
        f"[signal SIGSEGV: segmentation violation code=0x1 addr=0x{hexs(rng, 2)} "
        f"pc=0x{hexs(rng, 6)}]",
        f"panic: runtime error: index out of range [{rng.randint(1, 64)}] with length "
        f"{rng.randint(0, 1)}",
        "fatal error: concurrent map writes",
        "panic: assignment to entry in nil map",
    ][int(ctx["exc"])]
    return (
        f"{head}\n\ngoroutine {rng.randint(20, 90000)} [running]:\n"
        f"github.com/shop/{ctx['service']}/internal/{ctx['pkg']}.(*{ctx['g1']})."
        f"{ctx['gm']}(0xc000{hexs(rng, 6)})\n\t/src/internal/{ctx['pkg']}/"
        f"{ctx['g1'].lower()}.go:{ctx['l1']} +0x{hexs(rng, 3)}"
    )


def _python(ctx: dict[str, str], rng: Random) -> str:
    tail = [
        f"KeyError: '{ctx['key']}'",
        "TypeError: unsupported operand type(s) for *: 'NoneType' and 'float'",
        f"AttributeError: 'NoneType' object has no attribute '{ctx['key']}'",
        f"ValueError: could not convert string to float: '{rng.randint(1, 99)},"
        f"{rng.randint(0, 9)}'",
    ][int(ctx["exc"])]
    return (
        f'Traceback (most recent call last):\n  File "/app/{ctx["service"]}/{ctx["mod"]}.py", '
        f'line {ctx["l1"]}, in {ctx["func"]}\n    result = _apply(batch, cfg["{ctx["key"]}"])\n'
        f"{tail}"
    )


def _node(ctx: dict[str, str], rng: Random) -> str:
    head = [
        f"TypeError: Cannot read properties of undefined (reading '{ctx['prop']}')",
        "RangeError: Invalid time value",
        f"SyntaxError: Unexpected token '<', \"<!DOCTYPE \"... is not valid JSON "
        f"(position {rng.randint(0, 3)})",
        f"ReferenceError: {ctx['prop']}Cache is not defined",
    ][int(ctx["exc"])]
    return (
        f"{head}\n    at {ctx['fn']} (/srv/app/dist/{ctx['file']}.js:{ctx['l1']}:"
        f"{rng.randint(5, 60)})\n    at process.processTicksAndRejections "
        "(node:internal/process/task_queues:95:5)"
    )


def _rollout(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"rollout of {ctx['service']} {ctx['version']} ({ctx['sha']}) halted at "
        f"{pick(rng, [10, 25, 50, 100])}%: 5xx rate {rng.randint(3, 60)}.{rng.randint(0, 9)}% "
        "against a 0.5% baseline"
    )


_TRACE = {"java": _java, "go": _go, "python": _python, "node": _node}


def deploy_variant(rng: Random, service: str) -> Variant:
    """The regression of one release: its stack trace, sometimes the halted rollout too."""
    trace: Template = _TRACE[LANGUAGE[service]]
    templates = (trace, _rollout) if rng.random() < 0.45 else (trace,)
    return Variant(
        "a release that shipped a defect",
        templates,
        pick(rng, [None, None, "bad deploy", "regression", "bad release"]),
    )


def _fill(text: str) -> Template:
    def render(ctx: dict[str, str], rng: Random) -> str:
        return text.format(
            ms=rng.randint(800, 30000),
            u=uuid4(rng),
            h=hexs(rng, 10),
            ip=private_ip(rng),
            n=rng.randint(2, 48),
            k=rng.randint(50, 90000),
            **ctx,
        )

    return render


DEPENDENCIES: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "notifications": (
        (
            "email-provider",
            "our e-mail provider throttling sends",
            (
                "smtp: 421 4.7.0 Temporary System Problem at smtp.mail-relay.example.net, try again "
                "later (queue id {h})",
                "email batch {u}: {k} messages deferred by the e-mail provider",
            ),
        ),
        (
            "email-provider",
            "an outage at our e-mail provider's API",
            (
                "POST https://api.mail-relay.example.net/v3/mail/send: 503 Service Unavailable after "
                "{ms}ms (x-request-id {u})",
            ),
        ),
        (
            "email-provider",
            "the e-mail provider rejecting our sending domain",
            (
                "550 5.7.26 message from shop.example.com rejected by provider policy "
                "(queue {queue}, bounce {h}, {n} recipients)",
            ),
        ),
        (
            "sms-provider",
            "an SMS gateway returning errors",
            (
                "POST https://sms.gateway.example.com/v1/messages: 500 Internal Server Error "
                "(error {k}, message {u})",
            ),
        ),
        (
            "email-provider",
            "the e-mail provider greylisting our batches",
            (
                "451 4.3.0 mail server temporarily rejected message from shop.example.com "
                "(batch {u})",
            ),
        ),
        (
            "email-provider",
            "TLS resets on the e-mail provider's submission port",
            (
                "TLS handshake with smtp.mail-relay.example.net:587 failed: connection reset by peer "
                "after {ms}ms",
            ),
        ),
        (
            "push-provider",
            "the push provider being unavailable",
            ("push send failed: UNAVAILABLE: the server is overloaded (message {h}, {n} retries)",),
        ),
    ),
    "payments": (
        (
            "card-processor",
            "the card processor returning 502s",
            (
                "card processor returned 502 Bad Gateway for POST /v1/authorize after {ms}ms "
                "(request {u})",
            ),
        ),
        (
            "fraud-scoring",
            "the fraud-scoring API going down",
            (
                "fraud-scoring /v2/score responded 503 Service Unavailable (retry-after {n}s, "
                "request {u})",
            ),
        ),
    ),
    "search": (
        (
            "elasticsearch",
            "the search cluster going red",
            (
                "elasticsearch cluster search-prod status RED: {n} primary shards unassigned on "
                "{ip}",
            ),
        ),
        (
            "elasticsearch",
            "shards of the product index becoming unavailable",
            (
                "NoShardAvailableActionException: no shard available for "
                "[get [products-2026.{n}]] on node {h}",
            ),
        ),
    ),
    "checkout": (
        (
            "tax-quote",
            "the tax-quote service refusing connections",
            ("tax-quote GET /v1/quote failed: connect ECONNREFUSED {ip}:8080 after {ms}ms",),
        ),
        (
            "address-validation",
            "the address-validation vendor failing",
            ("address-validation vendor returned 500 for lookup {u}",),
        ),
    ),
    "recommendations": (
        (
            "feature-store",
            "the feature store's Redis cluster going down",
            ("feature-store read failed: CLUSTERDOWN The cluster is down (redis {ip}:6379)",),
        ),
        (
            "feature-store",
            "the feature store's gRPC front end restarting",
            (
                "feature-store gRPC UNAVAILABLE: connection closed before server "
                "preface received ({ip}:6565)",
            ),
        ),
    ),
    "inventory": (
        (
            "kafka",
            "Kafka losing in-sync replicas",
            ("KafkaProducer: NOT_ENOUGH_REPLICAS for stock-events-{n} (acks=all, isr=1)",),
        ),
        (
            "postgres-inventory",
            "the inventory database restarting into recovery",
            ("FATAL: the database system is in recovery mode (postgres-inventory at {ip}:5432)",),
        ),
    ),
    "auth": (
        (
            "partner-idp",
            "a partner identity provider failing",
            (
                "identity provider idp.partner-sso.example.com returned 503 for "
                "/.well-known/openid-configuration ({ms}ms)",
            ),
        ),
        (
            "partner-idp",
            "a partner's SAML metadata endpoint failing",
            (
                "SAML metadata refresh for partner {n} failed: 502 Bad Gateway from "
                "idp.partner-sso.example.com",
            ),
        ),
    ),
    "api-gateway": (
        (
            "edge-origin",
            "an origin pool failing its health checks",
            (
                "no healthy upstream for cluster {service}-origin ({n}/{n} hosts failing active "
                "health checks)",
            ),
        ),
        (
            "edge-origin",
            "the origin resetting TLS connections",
            (
                "upstream {cluster} returned 502 Bad Gateway: origin TLS handshake reset "
                "(x-request-id {u})",
            ),
        ),
        (
            "auth",
            "the external authorisation check failing",
            ("ext_authz check to auth.prod.svc:9001 failed with UNAVAILABLE after {ms}ms",),
        ),
    ),
}


def dependency_variant(rng: Random, service: str) -> tuple[str, Variant]:
    """(the failing dependency, the variant) for a dependency failure of ``service``."""
    dep, subject, texts = pick(rng, DEPENDENCIES[service])
    label = pick(
        rng, [None, None, "upstream failure", "third-party outage", "outage", "downstream error"]
    )
    return dep, Variant(subject, tuple(_fill(text) for text in texts), label)

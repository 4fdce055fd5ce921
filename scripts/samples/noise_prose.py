"""Prose fragments of the one-off incidents (the noise), per failure class.

Shared sentences (impact, detection, lessons, five whys) are mixed with
class-specific ones; ``{subject}`` names the variant that failed (a flapping
NIC, an expired intermediate certificate, …), so the text follows the messages.
"""

from __future__ import annotations

from samples.prose import Fragments

_IMPACT = [
    "About {err_pct}% of requests to {service} failed for {minutes} minutes.",
    "{Service} was degraded for {minutes} minutes; retries hid most of it from customers.",
    "A small share of customers ({err_pct}% of sessions) saw errors; nothing was lost.",
    "Internal users noticed first; customer impact was limited to slower pages.",
]
_DETECTION = [
    "An alert on the {service} error rate fired after {det} minutes.",
    "A synthetic check failed {det} minutes before the first customer report.",
    "The on-call engineer was paged by the SLO burn-rate alert.",
    "Support escalated customer reports; our alerts stayed silent.",
]
_LESSONS = [
    "The runbook covered the case but was hard to find.",
    "We were lucky that it happened outside peak hours.",
    "Dashboards showed the symptom quickly; the cause took longer.",
    "Escalating early to the owning team saved time.",
]
_WHYS = [
    [
        "Why did {service} fail? Because of {subject}.",
        "Why did that affect customers? {Service} had no fallback for it.",
        "Why no fallback? The failure mode was considered unlikely.",
        "Why was it not detected earlier? No alert covered the underlying signal.",
        "Why not? Monitoring was set up for the common failures only.",
    ],
]


def _frags(
    title: list[str],
    alert: list[str],
    summary: list[str],
    cause: list[str],
    fix: list[str],
    workaround: list[str],
    actions: list[str],
) -> Fragments:
    return {
        "title": title,
        "alert_title": alert,
        "summary": summary,
        "impact": _IMPACT,
        "root_cause": cause,
        "resolution": fix,
        "workaround": workaround,
        "detection": _DETECTION,
        "lessons": _LESSONS,
        "actions": actions,
        "whys": _WHYS,
    }


NOISE: dict[str, Fragments] = {
    "hardware-failure": _frags(
        [
            "{Service} degraded by {subject}",
            "Hardware fault under {service}: {subject}",
            "{Service} capacity loss after a host fault",
        ],
        ["[FIRING] {service}: node {host} unhealthy", "{service} hardware error on {host}"],
        [
            "{Service} lost capacity because of {subject} on {host}.",
            "Pods on {host} failed and were rescheduled slowly.",
            "The fault was isolated to one host in {az}.",
        ],
        [
            "The root cause was {subject}; the host kept accepting work while it was failing.",
            "Our health checks test the process, not the host, so traffic kept flowing to it.",
            "The provider had flagged the host a day earlier; the notice went to an unread inbox.",
        ],
        [
            "We cordoned and drained {host} and the scheduler moved the pods.",
            "The instance was replaced and the volume restored from the last snapshot.",
            "We failed over to the standby in another zone.",
        ],
        [
            "Cordon a host that logs hardware errors before investigating it.",
            "Fail over manually to the standby while the host is replaced.",
        ],
        [
            "Alert on kernel hardware errors",
            "Route provider maintenance notices to on-call",
            "Automate draining of hosts with hardware faults",
            "Add a node-level health check",
        ],
    ),
    "dns-failure": _frags(
        [
            "{Service} could not resolve {name}",
            "DNS resolution failures in {service}",
            "{Service} outage caused by {subject}",
        ],
        ["[FIRING] {service}: DNS lookup errors", "{service} NXDOMAIN rate high"],
        [
            "{Service} failed to resolve {name} because of {subject}.",
            "Lookups for {name} failed intermittently for {minutes} minutes.",
            "Clients cached the failure and kept failing after DNS recovered.",
        ],
        [
            "The root cause was {subject}.",
            "Negative caching kept the failed lookups around for longer than the outage.",
            "The resolver at {resolver} has no redundancy in this cluster.",
        ],
        [
            "The record was restored and caches flushed.",
            "We scaled the resolver and restarted the clients with stale caches.",
            "Traffic was pointed at the secondary resolver.",
        ],
        [
            "Point clients at the secondary resolver.",
            "Use the IP of the endpoint directly for the duration of the outage.",
        ],
        [
            "Protect production DNS records from automated clean-up",
            "Run a second resolver per node",
            "Lower negative-cache TTLs",
            "Alert on resolution failures per service",
        ],
    ),
    "certificate-expiry": _frags(
        [
            "Certificate for {cn} expired",
            "{Service} TLS handshakes failing: {subject}",
            "{Service} outage from {subject}",
        ],
        ["[FIRING] {service}: TLS handshake failures", "CertificateExpiry {cn}"],
        [
            "Connections to {cn} failed because of {subject}.",
            "{Service} rejected TLS handshakes for {minutes} minutes.",
            "The expiry warning was sent, but to a team that no longer owns {cn}.",
        ],
        [
            "The root cause was {subject}; automatic renewal had silently failed weeks earlier.",
            "The certificate was installed by hand and is not covered by our renewal tooling.",
            "Expiry monitoring checks only the public endpoints, not internal ones.",
        ],
        [
            "We issued and deployed a new certificate.",
            "The renewal job was fixed and re-run.",
            "We rolled the mesh identities and restarted the affected pods.",
        ],
        [
            "Terminate TLS at the previous proxy layer while the certificate is replaced.",
            "Pin clients to the backup endpoint with a valid certificate.",
        ],
        [
            "Monitor expiry of every certificate, internal ones included",
            "Move {cn} to automated issuance",
            "Alert 21 days before expiry",
            "Keep an owner for every certificate in the inventory",
        ],
    ),
    "data-corruption": _frags(
        [
            "Corrupted data in {service}: {subject}",
            "{Service}: {subject}",
            "Data integrity incident in {service}",
        ],
        ["[FIRING] {service}: checksum errors", "{service} data integrity check failed"],
        [
            "{Service} served inconsistent data because of {subject}.",
            "Reads from the affected records failed or returned wrong values.",
            "The damage was limited to records written in a {minutes}-minute window.",
        ],
        [
            "The root cause was {subject}.",
            "Nothing verified the data between the write and the first read.",
            "Integrity checks run only nightly, so the problem was found hours later.",
        ],
        [
            "We restored the affected records from the last consistent backup.",
            "We replayed the events from the log after removing the duplicates.",
            "The bad segment was dropped and rebuilt from the source of truth.",
        ],
        [
            "Serve the affected records read-only from the backup copy.",
            "Exclude the damaged shard from queries until it is rebuilt.",
        ],
        [
            "Make the retry path idempotent",
            "Run integrity checks hourly",
            "Add checksums to exported files",
            "Practise point-in-time restores quarterly",
        ],
    ),
    "security-incident": _frags(
        [
            "Security incident: {subject}",
            "{Service} under attack: {subject}",
            "Security response for {service}",
        ],
        ["[FIRING] {service}: anomalous request pattern", "security alert on {service}"],
        [
            "The security team responded to {subject} affecting {service}.",
            "No customer data was accessed, according to the audit logs.",
            "Affected credentials were rotated within the hour.",
        ],
        [
            "The root cause was {subject}.",
            "Rate limits on the affected endpoint were too loose.",
            "The credential had more permissions than the job needed.",
        ],
        [
            "We blocked the sources at the edge and rotated the credentials.",
            "The key was revoked and replaced; access logs were reviewed.",
            "We enabled stricter rate limits on the affected routes.",
        ],
        [
            "Force re-authentication for the affected sessions.",
            "Block the offending ranges at the WAF while rules are tuned.",
        ],
        [
            "Scope service-account permissions to what each job needs",
            "Enable secret scanning on all repositories",
            "Tighten rate limits on /login",
            "Rehearse credential rotation",
        ],
    ),
    "capacity-overload": _frags(
        [
            "{Service} overloaded: {subject}",
            "Capacity exhaustion at {service}",
            "{Service} throttled clients during a traffic surge",
        ],
        ["[FIRING] {service}: 429 rate high", "{service} saturation"],
        [
            "Traffic to {service} rose sharply and the service ran out of capacity.",
            "The incident was caused by {subject}.",
            "Autoscaling reacted, but not fast enough for the surge.",
        ],
        [
            "The root cause was {subject}.",
            "A marketing e-mail sent to all customers at once drove the surge.",
            "Scaling limits were set for last year's peak.",
        ],
        [
            "We raised the scaling limits and shed low-priority traffic.",
            "Rate limits were tightened for anonymous clients until the surge passed.",
            "Traffic subsided and the backlog drained.",
        ],
        [
            "Shed bot traffic at the edge during surges.",
            "Pre-scale manually before planned campaigns.",
        ],
        [
            "Scale pre-emptively before campaigns",
            "Add load shedding for anonymous traffic",
            "Raise maxReplicas and review it quarterly",
            "Rate-limit per client, not only globally",
        ],
    ),
    "deployment-regression": _frags(
        [
            "{Service} {version} regression",
            "Errors after deploying {service} {version}",
            "Bad release of {service} ({sha})",
        ],
        ["[FIRING] {service}: 5xx after deploy", "{service} error rate above baseline"],
        [
            "Release {version} of {service} introduced a defect that failed requests.",
            "The error rate rose right after the rollout and fell after the rollback.",
            "Only one code path was affected, which the tests did not cover.",
        ],
        [
            "The root cause was a code change in {version} that did not handle a missing value.",
            "The canary stage ran for five minutes, too short to see the failing path.",
            "The change was tested against fixtures that did not contain the edge case.",
        ],
        [
            "We rolled back to the previous release.",
            "A fix was deployed as a patch release.",
            "The feature flag guarding the change was turned off.",
        ],
        [
            "Turn off the feature flag of the change.",
            "Roll back with `deployctl rollback {service}`.",
        ],
        [
            "Extend the canary stage and gate it on error rate",
            "Roll back automatically when the error rate doubles",
            "Add a test for the failing edge case",
            "Ship risky changes behind flags",
        ],
    ),
    "dependency-failure": _frags(
        [
            "{Service} affected by {subject}",
            "{dep} failure degraded {service}",
            "{Service}: errors from {dep}",
        ],
        ["[FIRING] {service}: {dep} errors", "{service} upstream {dep} unavailable"],
        [
            "{Service} failed because of {subject}.",
            "Calls from {service} to {dep} failed for {minutes} minutes.",
            "Retries queued up inside {service} while {dep} was down.",
        ],
        [
            "The root cause was on the side of {dep}; our status page subscription was not "
            "routed to on-call.",
            "{Service} retries every failed call immediately, adding load "
            "to a struggling dependency.",
            "There is no fallback for {dep} in {service}.",
        ],
        [
            "{dep} recovered and the queued work drained.",
            "We switched {service} to the secondary provider.",
            "We opened the circuit breaker and served the degraded mode.",
        ],
        [
            "Switch to the secondary provider in the admin console.",
            "Queue the work and replay it once {dep} recovers.",
        ],
        [
            "Add a circuit breaker around {dep}",
            "Cap retries with exponential back-off",
            "Contract a secondary provider",
            "Route {dep} status updates to on-call",
        ],
    ),
    "network-partition": _frags(
        [
            "Network partition affecting {service}",
            "{Service} could not reach its peers",
            "{Service} outage from {subject}",
        ],
        ["[FIRING] {service}: peers unreachable", "{service} packet loss"],
        [
            "{Service} lost connectivity because of {subject}.",
            "Some replicas could not reach the others for {minutes} minutes.",
            "Requests that crossed the affected path failed or timed out.",
        ],
        [
            "The root cause was {subject}.",
            "A network change was applied without a staged rollout.",
            "Failover did not trigger because the health checks ran inside the partition.",
        ],
        [
            "The network change was reverted.",
            "Traffic was moved to the healthy zone.",
            "We restarted the affected peers once connectivity returned.",
        ],
        [
            "Move traffic to the healthy zone by hand.",
            "Fence the minority side to avoid split writes.",
        ],
        [
            "Stage network changes zone by zone",
            "Check health from outside the zone",
            "Alert on cross-zone packet loss",
            "Document manual failover",
        ],
    ),
}

"""Prose fragments of the recommender OOM and auth configuration patterns.

Same layout as :mod:`samples.prose`; combined per incident by
:func:`samples.prose.compose`.
"""

from __future__ import annotations

from samples.prose import Fragments

OOM: Fragments = {
    "title": [
        "Recommender pods OOMKilled in a restart loop",
        "Recommendations unavailable: containers killed for exceeding {limit}Gi",
        "Memory exhaustion in the recommender after loading {model}",
        "Recommendation widgets empty while recommender pods crash-looped",
        "{Service}: out of memory under evening traffic",
    ],
    "alert_title": [
        "[FIRING] KubePodCrashLooping recommendations/recommender",
        "recommendations: container OOMKilled",
        "recommender memory > 97% of limit",
    ],
    "summary": [
        "Recommender pods were repeatedly killed for exceeding their {limit}Gi memory limit; the "
        "service ran on a fraction of its capacity for {minutes} minutes.",
        "After the model swap to {model}, each pod held the new embedding table next to the old "
        "one and ran out of memory.",
        "The recommender's memory grows with the number of sessions it caches; a busy evening "
        "pushed it over the limit.",
        "Home and product pages showed fallback bestseller lists while the recommender restarted.",
    ],
    "impact": [
        "Personalised recommendations were replaced by bestseller fallbacks for {minutes} "
        "minutes; no errors were shown to customers.",
        "Click-through on recommendation widgets fell during the window; nothing else was "
        "affected.",
        "About {err_pct}% of recommendation requests failed before the fallback took over.",
    ],
    "root_cause": [
        "The memory limit of {limit}Gi was set before the embedding tables doubled in size.",
        "During a model swap the old and the new model are both kept in memory until the swap "
        "completes.",
        "The per-session feature cache has no size bound, so memory grows with traffic until the "
        "container is killed.",
        "Pods restarting together all fetched features from the feature store at once, which "
        "slowed their start-up and prolonged the outage.",
    ],
    "resolution": [
        "We raised the memory limit to {next_limit}Gi and restarted the deployment.",
        "We rolled back to the previous model and scheduled the swap for the quiet hours.",
        "The session cache was capped at 500k entries by a config change and the pods stabilised.",
    ],
    "workaround": [
        "If pods crash-loop after a model swap, roll the model version back in the registry; the "
        "previous one fits in memory.",
        "Scale the deployment out so that each pod serves fewer sessions.",
        "Switch the widgets to the bestseller fallback with `recs.fallback_only` while pods "
        "restart.",
    ],
    "detection": [
        "The crash-loop alert fired after the third restart, {det} minutes in.",
        "The fallback-rate dashboard showed bestsellers served to {err_pct}% of requests.",
    ],
    "lessons": [
        "Memory limits must be reviewed whenever a model grows.",
        "An unbounded cache is a memory leak with extra steps.",
        "The fallbacks worked: customers barely noticed.",
        "Restarting every pod at once makes the recovery slower, not faster.",
    ],
    "actions": [
        "Bound the session feature cache",
        "Load new models in fresh pods instead of swapping in place",
        "Scale the recommender pre-emptively before a model swap",
        "Alert when memory stays above 90% of the limit for ten minutes",
        "Raise the recommender memory limit to {next_limit}Gi",
        "Shed recommendation requests from crawlers when memory is high",
    ],
    "whys": [
        [
            "Why were recommendations missing? The recommender pods were restarting.",
            "Why? The kernel killed them for exceeding their memory limit.",
            "Why? The new model {model} needs more memory than the old one.",
            "Why was the limit not raised? Model size is not part of the release checklist.",
            "Why not? Models and deployment limits are owned by different teams.",
        ],
        [
            "Why did the pods run out of memory? The session cache kept growing.",
            "Why? It has no upper bound.",
            "Why did it grow that evening? Traffic was high and sessions were long.",
            "Why did it matter now? The limit of {limit}Gi left little room above the model.",
            "Why was there no warning? We alert on restarts, not on memory approaching the limit.",
        ],
    ],
}

AUTH: Fragments = {
    "title": [
        "Logins failing for tenant {tenant} after config {config}",
        "Auth rejected tokens: '{key}' missing from configuration {config}",
        "Configuration push {config} broke token validation in auth",
        "Sign-in errors after an auth configuration change",
    ],
    "alert_title": [
        "[FIRING] auth: config validation errors",
        "auth 401 rate above threshold",
        "AuthConfigReloadFailed {config}",
    ],
    "summary": [
        "Configuration {config} was pushed without the '{key}' setting for some tenants, and auth "
        "started rejecting their tokens.",
        "Auth loaded configuration {config}, which lacked '{key}' for tenant {tenant}; users of "
        "that tenant could not sign in for {minutes} minutes.",
        "A routine configuration change removed a required key, and token validation failed "
        "until the previous version was restored.",
    ],
    "impact": [
        "Users of tenant {tenant} and several smaller tenants could not sign in or refresh "
        "sessions for {minutes} minutes.",
        "About {err_pct}% of token validations failed; existing sessions kept working until their "
        "tokens expired.",
    ],
    "root_cause": [
        "Auth's configuration is assembled per tenant from templates; the template for tenant "
        "overrides dropped '{key}' when it was refactored.",
        "Auth accepts a configuration with missing keys and only fails when a request needs the "
        "key, so the bad version went live without an error.",
        "The config-service has no schema validation for auth's tenant settings.",
        "The change was reviewed, but the diff of the generated file is thousands of lines long "
        "and the missing key was not visible in it.",
    ],
    "resolution": [
        "We rolled the configuration back to the previous version and auth recovered within a "
        "minute.",
        "We added the missing key for the affected tenants and reloaded auth.",
    ],
    "workaround": [
        "Roll back to the last known good configuration with `configctl rollback auth`.",
        "Pin tenant {tenant} to the previous configuration version until the template is fixed.",
    ],
    "detection": [
        "The 401-rate alert fired {det} minutes after the push.",
        "A customer reported the login failures to support, who escalated to the on-call engineer.",
    ],
    "lessons": [
        "Configuration changes are deployments and need the same guard rails.",
        "This has happened before: several auth incidents this quarter were configuration changes.",
        "Validating the configuration at load time would have rejected the change.",
    ],
    "actions": [
        "Validate auth tenant configuration against a schema before it is applied",
        "Reject a configuration reload that fails validation instead of loading it",
        "Roll configuration out tenant by tenant with automatic rollback",
        "Show the effective per-tenant diff in configuration reviews",
        "Alert on configuration validation errors, not only on 401 rates",
    ],
    "whys": [
        [
            "Why could users not sign in? Auth rejected their tokens.",
            "Why? It could not validate them without '{key}'.",
            "Why was '{key}' missing? Configuration {config} did not contain it for the tenant.",
            "Why was {config} applied? Auth loads any configuration that parses.",
            "Why? There is no schema validation step in the configuration pipeline.",
        ],
    ],
}

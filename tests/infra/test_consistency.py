"""infra/ declares exactly what the code relies on: topics, subscriptions, functions, environment,
secrets, IAM and Firestore indexes.

Terraform cannot plan here (the google provider cannot be downloaded), so these tests read infra/ with
python-hcl2 and the code with ast, and compare. The topology comes from shared/topology.py; the
environment variables from what shared/config.py (and any os.environ lookup in shared/) reads.
"""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

from shared import topology
from tests.infra import infra_model as m

# Variables the code reads that the deployed functions must NOT get, each with the reason.
LOCAL_ONLY_ENV = {
    "TM_LOCAL_DIR": "where the local stack keeps its files; nothing is written locally in the cloud",
    "TM_PROJECT_ID": "local alias of GOOGLE_CLOUD_PROJECT, which the functions get instead",
    "TM_AUTH_AUDIENCE": "audience of the local token issuer; Firebase tokens are checked against the project id",
    "TM_SECRET_MANAGER_EMULATOR_HOST": "the local Secret Manager stand-in; the cloud uses the real service",
    "TM_AUTH_JWKS_URL": "tests and the local stack point it at their own key set; the cloud uses the code's "
    "default, Google's published Firebase keys",
}

# Variables that hold secret material: they must come from Secret Manager, never as plain values.
SECRET_ENV = {"TM_FINGERPRINT_PEPPER"}

# Which shared.bootstrap builder each function's main.py calls is read from the code; these are the
# bootstrap names whose use means "talks to Firestore" and "seals or unseals with the sealing keyring"
# (provider keys are sealed by it too: shared.security.keyvault).
FIRESTORE_HELPER = "firestore_client"
KEYRING_HELPER = "sealing_keyring"

# Functions whose builder wires the keyring without ever using it, so infra grants them no access.
KEYRING_WIRED_BUT_UNUSED = {
    "alert_email": "alert_delivery() wires the sealer for both channel types; only webhooks open sealed secrets",
}


def test_every_module_has_the_standard_files_and_documented_variables() -> None:
    for directory in sorted(p for p in (*m.MODULES.iterdir(), *m.ENVS.iterdir()) if p.is_dir()):
        for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
            assert (directory / name).is_file(), f"{directory.relative_to(m.ROOT)} has no {name}"
        blocks = m.parse_dir(directory)
        for var_name, body in m.labelled(blocks.get("variable", [])).items():
            where = f"{directory.relative_to(m.ROOT)}: variable {var_name}"
            assert "type" in body, f"{where} has no type"
            assert str(body.get("description", "")).strip(), f"{where} has no description"
        for out_name, body in m.labelled(blocks.get("output", [])).items():
            assert str(body.get("description", "")).strip(), f"{directory.name}: output {out_name} has no description"


def test_module_versions_pin_provider_ranges() -> None:
    for path in sorted(m.INFRA.rglob("versions.tf")):
        terraform = m.parse(path)["terraform"][0]
        providers = m.labelled(terraform.get("required_providers", [{}]))
        google = providers.get("google")
        assert google, f"{path.relative_to(m.ROOT)} does not require hashicorp/google"
        assert google["source"] == "hashicorp/google"
        assert re.fullmatch(r"~> 6\.\d+", google["version"]), f"{path}: google provider must be ~> 6.x"
        if "archive" in providers:
            assert providers["archive"]["source"] == "hashicorp/archive"
            assert providers["archive"]["version"].startswith("~> 2.")


def test_topics_are_exactly_the_topology() -> None:
    declared = m.stack_calls()["pubsub"]["topics"]
    assert not any(isinstance(t, m.Unresolved) for t in declared), declared
    assert sorted(declared) == sorted(topology.TOPICS)


def test_functions_are_exactly_the_topology() -> None:
    deployed = m.deployed_functions()
    assert sorted(deployed) == sorted(fn.name for fn in topology.FUNCTIONS)
    for fn in topology.FUNCTIONS:
        assert deployed[fn.name].entry_point == fn.entry_point, f"{fn.name}: entry point differs from topology"
    listed = m.stack_locals()["functions"]  # what the outputs report on
    assert {k: str(v) for k, v in listed.items()} == {f.name: f"${{module.{f.name}}}" for f in topology.FUNCTIONS}


def test_each_function_is_built_from_its_own_folder() -> None:
    spec = (m.INFRA / "package_spec.json").read_text()
    assert '"functions/{name}": ""' in spec, "the function's folder must be the archive's root"
    for fn in topology.FUNCTIONS:
        source = m.ROOT / fn.source
        if source.parent.is_dir() and any(source.parent.iterdir()):
            assert source.is_file(), f"{fn.source} missing: Cloud Functions loads main.py from the archive root"
            tree = ast.parse(source.read_text())
            defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
            assert fn.entry_point in defined, f"{fn.source} defines no {fn.entry_point}()"
    # Every environment passes the repository root, so functions/ and shared/ resolve to this checkout.
    for env in sorted(p for p in m.ENVS.iterdir() if p.is_dir()):
        call = m.module_calls(env)["tokenmeter"]
        relative = re.fullmatch(r"\$\{path\.module\}/(.*)", call["source_root"])
        assert relative, f"{env.name}: source_root must be relative to path.module"
        assert Path(os.path.normpath(env / relative.group(1))) == m.ROOT


def test_triggers_match_topology() -> None:
    subscriptions = m.push_subscriptions()
    deployed = m.deployed_functions()
    for fn in topology.FUNCTIONS:
        if fn.trigger_topic is None:
            assert fn.name not in subscriptions, f"{fn.name} is an HTTP function but has a push subscription"
            assert deployed[fn.name].module_source == "../api", f"{fn.name} must be the public HTTP endpoint"
            continue
        assert fn.name in subscriptions, f"{fn.name} has no push subscription for {fn.trigger_topic}"
        sub = subscriptions[fn.name]
        assert sub["topic"] == fn.trigger_topic, f"{fn.name} is triggered by {sub['topic']}, not {fn.trigger_topic}"
        assert sub["max_delivery_attempts"] == fn.max_delivery_attempts
        assert str(sub["push_endpoint"]) == f"module.{fn.name}.uri", f"{fn.name}'s subscription pushes elsewhere"
    assert set(subscriptions) <= {fn.name for fn in topology.FUNCTIONS}


def test_subscription_and_dead_letter_names_follow_topology() -> None:
    pubsub = m.MODULES / "pubsub"
    push = m.resources(pubsub, "google_pubsub_subscription")["push"]
    dead_letter = m.resources(pubsub, "google_pubsub_topic")["dead_letter"]

    def render(template: str, fn: str, topic: str) -> str:
        return template.replace("${each.value.topic}", topic).replace("${each.key}", fn)

    for fn in topology.FUNCTIONS:
        if fn.trigger_topic is None:
            continue
        assert render(push["name"], fn.name, fn.trigger_topic) == topology.subscription_name(fn)
        assert render(dead_letter["name"], fn.name, fn.trigger_topic) == topology.dead_letter_topic(fn)
    # Pushed to /projects/<project>/topics/<topic>: functions-framework reads the topic from that path and
    # turns the push body into the CloudEvent the handlers take (as in the local stack).
    endpoint = push["push_config"][0]["push_endpoint"]
    assert endpoint.endswith("/projects/${var.project_id}/topics/${each.value.topic}"), endpoint
    assert push["dead_letter_policy"][0]["max_delivery_attempts"] == "${each.value.max_delivery_attempts}"
    assert push["retry_policy"], "push subscriptions need a retry policy"


def test_event_functions_are_private_and_the_api_public() -> None:
    for fn in topology.FUNCTIONS:
        call = m.deployed_functions()[fn.name].call
        if fn.trigger_topic is None:
            api_inner = m.module_calls(m.MODULES / "api")["function"]
            assert api_inner["invoker_members"] == ["allUsers"]
            assert api_inner["ingress_settings"] == "ALLOW_ALL"
        else:
            assert call["ingress_settings"] == "ALLOW_INTERNAL_ONLY", fn.name
            members = call["invoker_members"]
            assert len(members) == 1 and "module.pubsub.push_service_account_email" in members[0], fn.name


def test_event_functions_take_cloudevents_whatever_the_deployment_says() -> None:
    # Deployed without an Eventarc trigger, the platform starts them with FUNCTION_SIGNATURE_TYPE=http;
    # functions-framework gives the @cloud_event decorator precedence, which is what makes them CloudEvent
    # functions. The packaging test serves them exactly so.
    for fn in topology.FUNCTIONS:
        source = m.ROOT / fn.source
        if not source.is_file():
            pytest.skip(f"{fn.source} not written yet")
        decorator = "cloud_event" if fn.signature_type == "cloudevent" else "http"
        tree = ast.parse(source.read_text())
        target = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == fn.entry_point)
        names = {ast.unparse(d) for d in target.decorator_list}
        assert f"functions_framework.{decorator}" in names, f"{fn.source}: decorate {fn.entry_point} with it"


def test_scheduler_ticks_the_dispatcher_topic_on_the_topology_schedule() -> None:
    scheduler = m.stack_calls()["scheduler"]
    assert scheduler["schedule"] == topology.SCHEDULE_CRON
    assert scheduler["payload"] == {"tick_at": None}
    topic_key = re.fullmatch(r"module\.pubsub\.topic_ids\[local\.topics\.(\w+)\]", str(scheduler["topic_id"]))
    assert topic_key, scheduler["topic_id"]
    assert m.stack_locals()["topics"][topic_key.group(1)] == topology.TOPIC_SCHEDULER_TICKS


def _code_env() -> set[str]:
    return m.config_env_names() | m.os_environ_names("shared", "functions")


def test_every_variable_the_cloud_needs_is_set() -> None:
    deployed = m.deployed_functions()
    provided = set().union(*(f.environment | set(f.secret_environment) for f in deployed.values()))
    needed = _code_env() - set(LOCAL_ONLY_ENV)
    assert not needed - provided, f"read by the code but set on no function: {sorted(needed - provided)}"
    for fn in deployed.values():
        env = fn.call["environment"]
        assert env.get("TM_MODE") == "cloud", f"{fn.name} must run with TM_MODE=cloud"
        assert "GOOGLE_CLOUD_PROJECT" in env, f"{fn.name} must get GOOGLE_CLOUD_PROJECT"


def test_no_variable_is_set_that_the_code_does_not_read() -> None:
    code = _code_env()
    for fn in m.deployed_functions().values():
        extra = (fn.environment | set(fn.secret_environment)) - code
        assert not extra, f"{fn.name} gets variables no code reads: {sorted(extra)}"
        local_only = (fn.environment | set(fn.secret_environment)) & set(LOCAL_ONLY_ENV)
        assert not local_only, f"{fn.name} gets local-only variables: {sorted(local_only)}"


def test_topic_variables_name_topology_topics() -> None:
    for fn in m.deployed_functions().values():
        for key, value in fn.call["environment"].items():
            if key.startswith("TM_TOPIC_"):
                expected = getattr(topology, key.removeprefix("TM_"))
                assert value == expected, f"{fn.name}: {key}={value}, topology says {expected}"


def _code_secret_names() -> set[str]:
    return {value for name, (value, _) in m.secret_constants().items() if name.endswith("_SECRET")}


def test_secret_material_comes_from_secret_manager() -> None:
    declared = set(m.stack_calls()["secrets"]["secrets"])
    via_environment: set[str] = set()
    for fn in m.deployed_functions().values():
        leaked = set(fn.call["environment"]) & SECRET_ENV
        assert not leaked, f"{fn.name} gets {sorted(leaked)} as a plain variable: use secret_environment"
        for key, ref in fn.secret_environment.items():
            secret = re.fullmatch(r"module\.secrets\.secret_ids\[local\.secrets\.(\w+)\]", str(ref))
            assert secret, f"{fn.name}: {key} must reference module.secrets.secret_ids[local.secrets.<name>]"
            secret_id = m.stack_locals()["secrets"][secret.group(1)]
            assert secret_id in declared, f"{fn.name}: {key} reads {secret_id}, which infra does not create"
            via_environment.add(secret_id)
    read_by_code = _code_secret_names()
    assert not read_by_code - declared, f"secrets the code reads that infra does not create: {read_by_code - declared}"
    unused = declared - via_environment - read_by_code
    assert not unused, f"secrets infra creates that no code reads: {sorted(unused)}"


def test_secret_name_variables_name_declared_secrets() -> None:
    declared = set(m.stack_calls()["secrets"]["secrets"])
    for fn in m.deployed_functions().values():
        for key, value in fn.call["environment"].items():
            if key.endswith("_SECRET"):
                assert value in declared, f"{fn.name}: {key}={value} is not a secret infra creates"


def test_no_function_administers_secrets() -> None:
    """Provider keys are sealed under the keyring, not kept as secrets: no function may create, read or
    delete secrets project-wide (the keyring and the secret variables are granted secret by secret)."""
    grants = m.resources(m.STACK, "google_project_iam_member")
    assert not [name for name, body in grants.items() if "secretmanager" in str(body.get("role", ""))]
    roles = m.resources(m.STACK, "google_project_iam_custom_role")
    assert not [name for name, body in roles.items() if "secretmanager.secrets." in str(body.get("permissions"))]


# --------------------------------------------------------------------------------------------------
# Least privilege, derived from the code: which bootstrap builder each function calls, and what that
# builder touches (Firestore, provider key secrets, which topics it publishes to).


def _bootstrap_functions() -> dict[str, ast.FunctionDef]:
    tree = ast.parse((m.ROOT / "shared" / "bootstrap.py").read_text())
    return {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}


def _names_used(func: ast.FunctionDef, builders: dict[str, ast.FunctionDef], seen: set[str]) -> set[str]:
    """Names and attributes used by a bootstrap function and the bootstrap functions it calls."""
    used: set[str] = set()
    for node in ast.walk(func):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
    for name in used & set(builders):
        if name not in seen:
            seen.add(name)
            used |= _names_used(builders[name], builders, seen)
    return used


def _needs(fn: topology.FunctionSpec) -> set[str]:
    source = m.ROOT / fn.source
    if not source.is_file() or not (m.ROOT / "shared" / "bootstrap.py").is_file():
        pytest.skip(f"{fn.source} or shared/bootstrap.py not written yet")
    builders = _bootstrap_functions()
    called = {
        n.attr
        for n in ast.walk(ast.parse(source.read_text()))
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "bootstrap"
    }
    used: set[str] = set()
    for name in called & set(builders):
        used |= _names_used(builders[name], builders, {name})
    return used


def test_firestore_access_matches_the_code() -> None:
    granted = {m.module_member_function(v) for v in m.stack_locals()["firestore_users"].values()}
    for fn in topology.FUNCTIONS:
        needs = FIRESTORE_HELPER in _needs(fn)
        assert (fn.name in granted) == needs, f"{fn.name}: datastore.user granted={fn.name in granted}, needed={needs}"


def test_publish_grants_match_the_topics_the_code_publishes_to() -> None:
    granted: dict[str, set[str]] = {}
    for grant in m.stack_locals()["publishers"].values():
        fn_name = m.module_member_function(grant["member"])
        topic_key = re.fullmatch(r"\$\{local\.topics\.(\w+)\}", grant["topic"])
        assert fn_name and topic_key, grant
        granted.setdefault(fn_name, set()).add(m.stack_locals()["topics"][topic_key.group(1)])
    for fn in topology.FUNCTIONS:
        used = _needs(fn)
        # Config fields topic_<x> name topology.TOPIC_<X>.
        publishes = {getattr(topology, n.upper()) for n in used if n.startswith("topic_")}
        if "publisher" not in used:
            publishes = set()
        assert granted.get(fn.name, set()) == publishes, f"{fn.name}: may publish to {granted.get(fn.name)}"


def test_sealing_keyring_access_matches_the_code() -> None:
    sealing = {v for v in _code_secret_names() if "seal" in v}
    if not sealing:
        pytest.skip("the code names no sealing-key secret yet")
    grant = m.resources(m.STACK, "google_secret_manager_secret_iam_member")["keyring_reader"]
    secret_key = re.fullmatch(r"\$\{module\.secrets\.secret_ids\[local\.secrets\.(\w+)\]\}", grant["secret_id"])
    assert secret_key and m.stack_locals()["secrets"][secret_key.group(1)] in sealing
    holders = {m.module_member_function(v) for v in grant["for_each"].values()}
    for fn in topology.FUNCTIONS:
        wired = KEYRING_HELPER in _needs(fn)
        if fn.name in KEYRING_WIRED_BUT_UNUSED:
            assert wired and fn.name not in holders, f"{fn.name}: drop it from KEYRING_WIRED_BUT_UNUSED"
            continue
        assert (fn.name in holders) == wired, f"{fn.name}: keyring access={fn.name in holders}, needed={wired}"


# --------------------------------------------------------------------------------------------------
# Firestore indexes: the emulator does not enforce them, so a missing one fails only in production.


def _field_overrides() -> list[dict[str, object]]:
    return list(m.stack_calls()["firestore"]["field_overrides"])


def _composite_indexes() -> list[dict[str, object]]:
    return list(m.stack_calls()["firestore"]["composite_indexes"])


def _needs_composite(query: m.Query) -> bool:
    ranged = any(m.is_inequality(op) for _, op in query.filters) or bool(query.orders)
    return len(query.fields) >= 2 and ranged


def _covering_override(query: m.Query) -> dict[str, object] | None:
    field = query.fields[0]
    order = query.orders[0][1] if query.orders else "ASCENDING"
    for override in _field_overrides():
        if override["collection"] == query.collection and override["field"] == field:
            indexes = override["indexes"]
            assert isinstance(indexes, list)
            if any(i["order"] == order and i["query_scope"] == query.scope for i in indexes):
                return override
    return None


def _covering_composite(query: m.Query) -> dict[str, object] | None:
    for index in _composite_indexes():
        if index["collection"] != query.collection or index["query_scope"] != query.scope:
            continue
        fields = index["fields"]
        assert isinstance(fields, list)
        paths = [f["field_path"] for f in fields]
        if set(paths) != set(query.fields):
            continue
        # Ordered fields come last, in the query's order and direction.
        tail = [(f["field_path"], f["order"]) for f in fields[len(fields) - len(query.orders) :]]
        if not query.orders or tail == list(query.orders):
            return index
    return None


def test_there_are_queries_to_check() -> None:
    assert m.firestore_queries(), "no Firestore query found: the scanner of shared/ is broken"


def test_every_query_has_its_index() -> None:
    for query in m.firestore_queries():
        if _needs_composite(query):
            assert _covering_composite(query), f"{query.where}: no composite index for {query}"
        elif query.scope == "COLLECTION_GROUP":
            assert _covering_override(query), f"{query.where}: no collection-group field override for {query}"


def test_every_declared_index_serves_a_query() -> None:
    queries = m.firestore_queries()
    for override in _field_overrides():
        if not override["indexes"]:
            # An exemption (a packed table, a per-hour map): it must not be a field some query filters on.
            assert not [q for q in queries if q.collection == override["collection"] and override["field"] in q.fields]
            continue
        serving = [q for q in queries if not _needs_composite(q) and _covering_override(q) is override]
        assert serving, f"field override {override['collection']}.{override['field']} serves no query in the code"
    for index in _composite_indexes():
        serving = [q for q in queries if _needs_composite(q) and _covering_composite(q) is index]
        assert serving, f"composite index {index} serves no query in the code"

//! Drift: the registry, the `functions/` binaries and `template.yaml` describe the same functions, the
//! committed template is exactly what the generator makes of the registry, and the tables in the template
//! are the schema the code expects.
//!
//! The template is read as plain YAML: CloudFormation short forms (`!Ref`, `!Sub`, `!GetAtt`, …) arrive as
//! [`Value::Tagged`] and are looked through generically; the long forms (`{Ref: X}`) are understood too.
//! Every test collects all violations before failing, and each message names the offending function,
//! table or variable.

use onair_api::registry::{self, Function, Surface, Trigger};
use onair_store::dynamo::schema::{TABLES, TableSpec};
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Every environment variable the functions read. The template's `Globals.Function.Environment` (and any
/// function's own `Environment`) may set nothing else: a misspelt name would otherwise be ignored and the
/// function would silently run on a default.
const KNOWN_ENV_VARS: &[&str] = onair_platform::config::VARIABLES;

const FUNCTION_TYPE: &str = "AWS::Serverless::Function";
const TABLE_TYPE: &str = "AWS::DynamoDB::Table";
/// Logical id of the `AWS::Serverless::HttpApi` every route belongs to.
const HTTP_API: &str = "HttpApi";

// ---- reading the workspace ------------------------------------------------------------------------------

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn template() -> Value {
    let path = workspace_root().join("template.yaml");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("template.yaml is not valid YAML: {e}"))
}

/// Fails with every violation at once.
fn assert_no_violations(rule: &str, violations: &[String]) {
    assert!(
        violations.is_empty(),
        "{rule}:\n  - {}",
        violations.join("\n  - ")
    );
}

// ---- looking through YAML ------------------------------------------------------------------------------

/// The value under a CloudFormation short-form tag (`!Ref X` → `X`), or the value itself.
fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}

/// `node[key]` for a mapping (tags looked through), `None` for anything else.
fn get<'a>(node: &'a Value, key: &str) -> Option<&'a Value> {
    untag(node).as_mapping()?.get(key)
}

/// `node[k1][k2]…`.
fn at<'a>(node: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(node, |node, key| get(node, key))
}

fn string_at<'a>(node: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(node, path).and_then(|v| untag(v).as_str())
}

/// The logical id a `!Ref X` / `{Ref: X}` points to.
fn ref_target(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag.to_string().trim_start_matches('!') == "Ref" => {
            tagged.value.as_str()
        }
        Value::Mapping(map) if map.len() == 1 => map.get("Ref").and_then(Value::as_str),
        _ => None,
    }
}

/// CloudFormation accepts `true` and `"true"`.
fn is_true(value: Option<&Value>) -> bool {
    match value.map(untag) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

fn as_list(value: Option<&Value>) -> &[Value] {
    value
        .and_then(|v| untag(v).as_sequence())
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// IAM's "one value or a list of values" (`Action`, `Resource`).
fn one_or_many(value: Option<&Value>) -> Vec<&Value> {
    match value.map(untag) {
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

/// Resources of one type, by logical id.
fn resources_of_type<'a>(template: &'a Value, kind: &str) -> BTreeMap<&'a str, &'a Value> {
    let resources = get(template, "Resources")
        .and_then(Value::as_mapping)
        .expect("template has Resources");
    resources
        .iter()
        .filter(|(_, resource)| string_at(resource, &["Type"]) == Some(kind))
        .map(|(id, resource)| (id.as_str().expect("logical ids are strings"), resource))
        .collect()
}

// ---- naming rules --------------------------------------------------------------------------------------

/// `admin-clients-create` → `AdminClientsCreateFunction`.
fn logical_id_of(binary: &str) -> String {
    let mut id: String = binary
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    id.push_str("Function");
    id
}

fn registry_entry(name: &str) -> Option<&'static Function> {
    registry::find(name)
}

#[test]
fn logical_ids_are_the_pascal_case_binary_name_plus_function() {
    assert_eq!(
        logical_id_of("admin-clients-create"),
        "AdminClientsCreateFunction"
    );
    assert_eq!(
        logical_id_of("admin-clients-rotate-secret"),
        "AdminClientsRotateSecretFunction"
    );
}

// ---- registry = functions/ binaries ---------------------------------------------------------------------

#[test]
fn every_registry_function_has_exactly_one_binary_and_no_binary_is_unlisted() {
    let dir = workspace_root().join("functions/src/bin");
    let mut violations = Vec::new();
    let mut binaries = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let file = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if path.is_dir() {
            // `bin/<name>/main.rs` would be a second way to declare a binary.
            violations.push(format!(
                "functions/src/bin/{file}/ is a directory: every binary is one <name>.rs file"
            ));
            continue;
        }
        if let Some(stem) = file.strip_suffix(".rs") {
            let source = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
            binaries.insert(stem.to_owned(), source);
        }
    }

    let mut listed = BTreeSet::new();
    for function in registry::functions() {
        if !listed.insert(function.name) {
            violations.push(format!(
                "{} is listed more than once in the registry",
                function.name
            ));
        }
    }
    for name in &listed {
        if !binaries.contains_key(*name) {
            violations.push(format!(
                "{name} is in the registry but functions/src/bin/{name}.rs does not exist"
            ));
        }
    }
    for (name, source) in &binaries {
        if !listed.contains(name.as_str()) {
            violations.push(format!("functions/src/bin/{name}.rs is not in the registry"));
        }
        let own = format!("onair_platform::lambda::run(\"{name}\")");
        if !source.contains(&own) || source.matches("run(").count() != 1 {
            violations.push(format!(
                "functions/src/bin/{name}.rs must call {own} and nothing else"
            ));
        }
        if !source.trim_start().starts_with("//!") {
            violations.push(format!(
                "functions/src/bin/{name}.rs must start with a //! line saying what it does"
            ));
        }
    }
    assert_no_violations("registry and functions/src/bin disagree", &violations);
}

// ---- registry = template functions ----------------------------------------------------------------------

/// Checks one `AWS::Serverless::Function` against its registry entry; returns the binary it builds.
fn check_function(id: &str, resource: &Value, violations: &mut Vec<String>) -> Option<&'static str> {
    let Some(binary) = string_at(resource, &["Metadata", "BuildProperties", "Binary"]) else {
        violations.push(format!("{id}: no Metadata.BuildProperties.Binary"));
        return None;
    };
    let Some(function) = registry_entry(binary) else {
        violations.push(format!(
            "{id}: builds binary {binary}, which is not in the registry"
        ));
        return None;
    };
    let name = function.name;
    let expected_id = logical_id_of(name);
    if id != expected_id {
        violations.push(format!("{name}: logical id is {id}, expected {expected_id}"));
    }
    if string_at(resource, &["Metadata", "BuildMethod"]) != Some("rust-cargolambda") {
        violations.push(format!("{name}: Metadata.BuildMethod must be rust-cargolambda"));
    }
    if string_at(resource, &["Properties", "CodeUri"]) != Some("./") {
        violations.push(format!(
            "{name}: CodeUri must be ./ (the workspace root, one shared target dir)"
        ));
    }

    let events = at(resource, &["Properties", "Events"]).and_then(|e| untag(e).as_mapping());
    let routes: Vec<(&str, &Value)> = events
        .into_iter()
        .flatten()
        .filter(|(_, event)| string_at(event, &["Type"]) == Some("HttpApi"))
        .map(|(event_id, event)| (event_id.as_str().unwrap_or("?"), event))
        .collect();
    let Some(http) = function.http() else {
        if !routes.is_empty() {
            violations.push(format!("{name}: has HttpApi events but no HTTP trigger"));
        }
        return Some(name);
    };
    let [(event_id, event)] = routes.as_slice() else {
        violations.push(format!(
            "{name}: has {} HttpApi events, expected exactly one",
            routes.len()
        ));
        return Some(name);
    };
    let props = get(event, "Properties").unwrap_or(&Value::Null);
    let method = string_at(props, &["Method"]).unwrap_or_default();
    if !method.eq_ignore_ascii_case(http.method) {
        violations.push(format!(
            "{name}: event {event_id} method is {method:?}, the registry says {}",
            http.method
        ));
    }
    let path = string_at(props, &["Path"]).unwrap_or_default();
    if path != http.path {
        violations.push(format!(
            "{name}: event {event_id} path is {path:?}, the registry says {}",
            http.path
        ));
    }
    if get(props, "ApiId").and_then(ref_target) != Some(HTTP_API) {
        violations.push(format!(
            "{name}: event {event_id} must have ApiId: !Ref {HTTP_API}"
        ));
    }
    let authorizer = string_at(props, &["Auth", "Authorizer"]);
    match (http.surface == Surface::Admin, authorizer) {
        (true, Some("AWS_IAM")) | (false, None) => {}
        (true, other) => violations.push(format!(
            "{name}: admin route needs Auth.Authorizer AWS_IAM, has {other:?}"
        )),
        (false, Some(other)) => {
            violations.push(format!("{name}: public route must not have authorizer {other}"))
        }
    }
    Some(name)
}

#[test]
fn template_functions_match_the_registry_both_ways() {
    let template = template();
    let mut violations = Vec::new();
    let mut deployed: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, resource) in resources_of_type(&template, FUNCTION_TYPE) {
        if let Some(name) = check_function(id, resource, &mut violations) {
            *deployed.entry(name).or_default() += 1;
        }
    }
    for function in registry::functions() {
        match deployed.get(function.name).copied().unwrap_or(0) {
            1 => {}
            0 => violations.push(format!(
                "{}: in the registry but not in template.yaml",
                function.name
            )),
            n => violations.push(format!(
                "{}: built by {n} template functions, expected one",
                function.name
            )),
        }
    }
    if resources_of_type(&template, "AWS::Serverless::HttpApi").len() != 1
        || string_at(&template, &["Resources", HTTP_API, "Type"]) != Some("AWS::Serverless::HttpApi")
    {
        violations.push(format!(
            "template.yaml must have exactly one AWS::Serverless::HttpApi, named {HTTP_API}"
        ));
    }
    assert_no_violations("template.yaml functions disagree with the registry", &violations);
}

// ---- least privilege -----------------------------------------------------------------------------------

/// IAM actions that change data. A function serving a `GET` route must not hold any of them.
fn is_write_action(action: &str) -> bool {
    let verb = action.rsplit(':').next().unwrap_or(action);
    action.contains('*')
        || [
            "Put",
            "Update",
            "Delete",
            "Create",
            "BatchWrite",
            "TransactWrite",
            "Restore",
            "Tag",
            "Untag",
        ]
        .iter()
        .any(|prefix| verb.starts_with(prefix))
}

/// SAM policy templates that grant writes.
const WRITE_POLICY_TEMPLATES: &[&str] = &[
    "DynamoDBCrudPolicy",
    "DynamoDBWritePolicy",
    "AWSSecretsManagerRotationPolicy",
];

/// GET routes that must write, each for a reason outside our control.
const WRITING_GETS: &[(&str, &str)] = &[
    (
        "prism-token",
        "PRISM's token endpoint is a GET by PRISM's specification, and issuing tokens writes",
    ),
    (
        "oauth-federated-callback",
        "the identity provider redirects the browser back with a GET; it provisions users",
    ),
];

#[test]
fn policies_are_least_privilege_and_get_routes_only_read() {
    let template = template();
    let mut violations = Vec::new();
    for (id, resource) in resources_of_type(&template, FUNCTION_TYPE) {
        let name = string_at(resource, &["Metadata", "BuildProperties", "Binary"]).unwrap_or(id);
        let entry = registry_entry(name);
        let read_only = entry.is_some_and(|f| {
            // A GET route only reads (unless listed with its reason), and so does any function whose
            // registry entry declares no write access.
            let get = f.http().is_some_and(|http| http.method == "GET")
                && !WRITING_GETS.iter().any(|(writer, _)| *writer == name);
            get || !f.access.writes()
        });
        let policies = at(resource, &["Properties", "Policies"]);
        if policies.is_some_and(|p| untag(p).is_string()) {
            violations.push(format!(
                "{name}: Policies names a managed policy; use policy templates or statements"
            ));
        }
        for policy in as_list(policies) {
            let Some(policy) = untag(policy).as_mapping() else {
                violations.push(format!(
                    "{name}: policy {policy:?} is a managed policy name; scope it instead"
                ));
                continue;
            };
            for (key, body) in policy {
                let key = key.as_str().unwrap_or_default();
                if key != "Statement" {
                    if read_only && WRITE_POLICY_TEMPLATES.contains(&key) {
                        violations.push(format!("{name}: may only read but holds {key}"));
                    }
                    continue;
                }
                for statement in as_list(Some(body)) {
                    for action in one_or_many(get(statement, "Action")) {
                        let action = untag(action).as_str().unwrap_or_default();
                        if action == "*" || action.ends_with(":*") {
                            violations.push(format!("{name}: statement allows every action ({action})"));
                        } else if read_only && is_write_action(action) {
                            violations.push(format!("{name}: may only read but may {action}"));
                        }
                    }
                    for resource in one_or_many(get(statement, "Resource")) {
                        if untag(resource).as_str() == Some("*") {
                            violations.push(format!("{name}: statement applies to every resource (*)"));
                        }
                    }
                }
            }
        }
    }
    assert_no_violations("template.yaml grants more than the functions need", &violations);
}

// ---- template tables = the schema the code expects ----------------------------------------------------

fn key_schema(hash: &str, range: Option<&str>) -> Vec<(String, String)> {
    let mut keys = vec![(hash.to_owned(), "HASH".to_owned())];
    keys.extend(range.map(|r| (r.to_owned(), "RANGE".to_owned())));
    keys
}

fn template_key_schema(node: &Value) -> Vec<(String, String)> {
    as_list(get(node, "KeySchema"))
        .iter()
        .map(|k| {
            let name = string_at(k, &["AttributeName"]).unwrap_or_default().to_owned();
            (name, string_at(k, &["KeyType"]).unwrap_or_default().to_owned())
        })
        .collect()
}

fn check_table(spec: &TableSpec, resource: &Value, violations: &mut Vec<String>) {
    let id = spec.logical_id;
    let props = get(resource, "Properties").unwrap_or(&Value::Null);

    let expected = key_schema(spec.hash_key, spec.range_key);
    let actual = template_key_schema(props);
    if actual != expected {
        violations.push(format!(
            "{id}: KeySchema is {actual:?}, the code expects {expected:?}"
        ));
    }

    let mut key_attributes: Vec<(String, String)> = std::iter::once(spec.hash_key)
        .chain(spec.range_key)
        .chain(
            spec.indexes
                .iter()
                .flat_map(|i| std::iter::once(i.hash_key).chain(i.range_key)),
        )
        .map(|name| (name.to_owned(), "S".to_owned()))
        .collect();
    key_attributes.sort();
    key_attributes.dedup();
    let mut defined: Vec<(String, String)> = as_list(get(props, "AttributeDefinitions"))
        .iter()
        .map(|d| {
            let name = string_at(d, &["AttributeName"]).unwrap_or_default().to_owned();
            (
                name,
                string_at(d, &["AttributeType"]).unwrap_or_default().to_owned(),
            )
        })
        .collect();
    defined.sort();
    if defined != key_attributes {
        violations.push(format!(
            "{id}: AttributeDefinitions are {defined:?}, the code expects {key_attributes:?}"
        ));
    }

    let expected_indexes: BTreeMap<String, (Vec<(String, String)>, String)> = spec
        .indexes
        .iter()
        .map(|i| {
            (
                i.name.to_owned(),
                (key_schema(i.hash_key, i.range_key), "ALL".to_owned()),
            )
        })
        .collect();
    let mut indexes = BTreeMap::new();
    for index in as_list(get(props, "GlobalSecondaryIndexes")) {
        let name = string_at(index, &["IndexName"]).unwrap_or_default().to_owned();
        let projection = string_at(index, &["Projection", "ProjectionType"])
            .unwrap_or_default()
            .to_owned();
        if indexes
            .insert(name.clone(), (template_key_schema(index), projection))
            .is_some()
        {
            violations.push(format!("{id}: index {name} is defined twice"));
        }
    }
    if indexes != expected_indexes {
        violations.push(format!(
            "{id}: GlobalSecondaryIndexes are {indexes:?}, the code expects {expected_indexes:?}"
        ));
    }
    if get(props, "LocalSecondaryIndexes").is_some() {
        violations.push(format!(
            "{id}: has LocalSecondaryIndexes, which the code does not know"
        ));
    }

    if string_at(props, &["BillingMode"]) != Some("PAY_PER_REQUEST") {
        violations.push(format!("{id}: BillingMode must be PAY_PER_REQUEST"));
    }
    if !is_true(at(
        props,
        &["PointInTimeRecoverySpecification", "PointInTimeRecoveryEnabled"],
    )) {
        violations.push(format!("{id}: point-in-time recovery must be enabled"));
    }
    if !is_true(at(props, &["SSESpecification", "SSEEnabled"])) {
        violations.push(format!("{id}: SSESpecification.SSEEnabled must be true"));
    }
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        if string_at(resource, &[policy]) != Some("Retain") {
            violations.push(format!(
                "{id}: {policy} must be Retain (the table holds the only copy of its data)"
            ));
        }
    }

    let ttl = get(props, "TimeToLiveSpecification");
    match (spec.ttl_attribute, ttl) {
        (None, None) => {}
        (None, Some(_)) => violations.push(format!(
            "{id}: has a TimeToLiveSpecification the code does not expect"
        )),
        (Some(attribute), None) => violations.push(format!("{id}: needs TTL on {attribute}")),
        (Some(attribute), Some(ttl)) => {
            let actual = string_at(ttl, &["AttributeName"]);
            if actual != Some(attribute) || !is_true(get(ttl, "Enabled")) {
                violations.push(format!(
                    "{id}: TTL must be enabled on {attribute}, template has {actual:?}"
                ));
            }
        }
    }
}

#[test]
fn template_tables_equal_the_schema_the_code_expects() {
    let template = template();
    let tables = resources_of_type(&template, TABLE_TYPE);
    let variables =
        at(&template, &["Globals", "Function", "Environment", "Variables"]).unwrap_or(&Value::Null);
    let mut violations = Vec::new();
    for spec in TABLES {
        match tables.get(spec.logical_id) {
            Some(resource) => check_table(spec, resource, &mut violations),
            None => violations.push(format!(
                "{}: no {TABLE_TYPE} with this logical id",
                spec.logical_id
            )),
        }
        let target = get(variables, spec.env_var).and_then(ref_target);
        if target != Some(spec.logical_id) {
            violations.push(format!(
                "{}: Globals.Function.Environment.Variables.{} must be !Ref {}, is {target:?}",
                spec.logical_id, spec.env_var, spec.logical_id
            ));
        }
    }
    for id in tables.keys() {
        if !TABLES.iter().any(|spec| spec.logical_id == *id) {
            violations.push(format!(
                "{id}: a table the code does not know (add it to schema::TABLES or remove it)"
            ));
        }
    }
    assert_no_violations(
        "template.yaml tables disagree with onair_store::dynamo::schema",
        &violations,
    );
}

// ---- environment ---------------------------------------------------------------------------------------

#[test]
fn template_environment_names_only_known_variables() {
    let template = template();
    let mut violations = Vec::new();
    let mut check = |owner: &str, variables: Option<&Value>| {
        for name in variables
            .and_then(|v| untag(v).as_mapping())
            .into_iter()
            .flatten()
            .map(|(k, _)| k)
        {
            let name = name.as_str().unwrap_or_default();
            if !KNOWN_ENV_VARS.contains(&name) {
                violations.push(format!("{owner}: sets {name}, which no function reads"));
            }
        }
    };
    let globals = at(&template, &["Globals", "Function", "Environment", "Variables"]);
    assert!(
        globals.is_some(),
        "Globals.Function.Environment.Variables is missing"
    );
    check("Globals.Function", globals);
    for (id, resource) in resources_of_type(&template, FUNCTION_TYPE) {
        check(id, at(resource, &["Properties", "Environment", "Variables"]));
    }
    assert_no_violations("template.yaml sets unknown environment variables", &violations);
}

// ---- the template is generated ---------------------------------------------------------------------------

#[test]
fn committed_template_is_exactly_what_the_generator_produces() {
    let committed = std::fs::read_to_string(workspace_root().join("template.yaml")).unwrap();
    let generated = onair_xtask::template::render();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "template.yaml differs from the generator's output from line {} on (committed {} lines, generated {}): \
             run `cargo run -p onair-xtask -- template` and commit the result",
            line + 1,
            committed.lines().count(),
            generated.lines().count()
        );
    }
}

/// Every Scheduler-fired function has its schedule: the right target, the run's scheduled time in the
/// input (it keys idempotency), a state switched by its parameter, and a role that may invoke only it.
#[test]
fn every_scheduled_function_has_a_switchable_schedule_that_sends_its_run_time() {
    let template = template();
    let schedules = resources_of_type(&template, "AWS::Scheduler::Schedule");
    let roles = resources_of_type(&template, "AWS::IAM::Role");
    let mut violations = Vec::new();
    let mut expected = 0;
    for function in registry::functions() {
        let Trigger::Schedule(schedule) = &function.trigger else {
            continue;
        };
        expected += 1;
        let id = logical_id_of(function.name);
        let target_is_function = |resource: &&&Value| {
            at(resource, &["Properties", "Target", "Arn"])
                .and_then(|v| untag(v).as_str())
                .is_some_and(|arn| arn == format!("{id}.Arn"))
        };
        let found: Vec<_> = schedules.values().filter(target_is_function).collect();
        let [resource] = found.as_slice() else {
            violations.push(format!(
                "{}: {} schedules target it, expected one",
                function.name,
                found.len()
            ));
            continue;
        };
        let input = string_at(resource, &["Properties", "Target", "Input"]).unwrap_or_default();
        if !input.contains("\"scheduledTime\":\"<aws.scheduler.scheduled-time>\"") {
            violations.push(format!(
                "{}: schedule input lacks the scheduled time: {input}",
                function.name
            ));
        }
        let state = at(resource, &["Properties", "State"])
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        if !state.contains(&format!("{}Enabled", schedule.switch_parameter)) {
            violations.push(format!(
                "{}: schedule State is not switched by {}: {state}",
                function.name, schedule.switch_parameter
            ));
        }
        let expression = at(resource, &["Properties", "ScheduleExpression"])
            .map(|v| format!("{v:?}"))
            .unwrap_or_default();
        if !expression.contains(schedule.interval_parameter) {
            violations.push(format!(
                "{}: schedule expression does not use {}: {expression}",
                function.name, schedule.interval_parameter
            ));
        }
        if get(&template, "Parameters")
            .and_then(|p| get(p, schedule.interval_parameter))
            .is_none()
            || get(&template, "Parameters")
                .and_then(|p| get(p, schedule.switch_parameter))
                .is_none()
        {
            violations.push(format!("{}: schedule parameters missing", function.name));
        }
        let role = at(resource, &["Properties", "Target", "RoleArn"])
            .and_then(|v| untag(v).as_str())
            .and_then(|arn| arn.strip_suffix(".Arn"))
            .and_then(|role| roles.get(role));
        let invokes = role
            .map(|role| format!("{:?}", at(role, &["Properties", "Policies"])))
            .unwrap_or_default();
        if !invokes.contains("lambda:InvokeFunction") || !invokes.contains(&format!("{id}.Arn")) {
            violations.push(format!(
                "{}: schedule role may not invoke the function",
                function.name
            ));
        }
    }
    if schedules.len() != expected {
        violations.push(format!(
            "template has {} schedules, the registry {expected}",
            schedules.len()
        ));
    }
    assert_no_violations("template.yaml schedules disagree with the registry", &violations);
}

//! The HTTP API (crate ecoref-api) on real snapshots: the binary imports fixtures (the 8 Ecobalyse processes with
//! every indicator, open; the VoLCA synthetic ILCD processes, restricted), publishes two releases and writes their
//! snapshots; the tests build the router on them and call it with `oneshot`, no server. Tokens are made and
//! revoked with `ecoref token` on both backends. One test runs the real `ecoref serve` process.

use crate::support::{Db, ecoref, repo_root};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use ecoref_api::{AppState, Config, Cors, Limits};
use ecoref_store::Store;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tower::ServiceExt;

const ELASTHANE: &str = "b2340802-bde9-56e4-984f-37110706225e";
const MERCERISAGE: &str = "ed1fd873-2e50-5b3c-865d-7eeed8025258";
const LAIT_BIO: &str = "0682defd-c8f5-5ca4-8840-88d034e79fd8";
const LAIT_FR: &str = "af42fc20-e3ec-5b99-9b9c-83ba6735e597";
const LAIT_FR_NEW: &str = "af42fc20-0000-4000-8000-83ba6735e597";
const OEUF: &str = "16efc095-4a24-5a4f-a111-c4608da3773b";
const OEUF_NEW: &str = "16efc095-0000-4000-8000-c4608da3773b";
const COAL: &str = "aaaaaaaa-0000-0000-0000-000000000005";

fn ok(db: &Db, args: &[&str]) -> String {
    let out = ecoref(db, args);
    assert_eq!(out.code, 0, "{args:?}: {}{}", out.stdout, out.stderr);
    out.stdout
}

/// The 8 Ecobalyse processes changed for a second release: Elasthane's climate change and cost up, Mercerisage
/// renamed, Lait Bio removed, Lait FR under a new id (an id migration says so), a new egg process.
fn changed_ecobalyse(dir: &Path) -> PathBuf {
    let fixtures = repo_root().join("tests/fixtures/ecobalyse");
    let text = std::fs::read_to_string(fixtures.join("processes_impacts-8-expected.json")).expect("fixture");
    let mut processes: Vec<Value> = serde_json::from_str(&text).expect("json");
    for p in &mut processes {
        match p["id"].as_str().unwrap_or("") {
            ELASTHANE => {
                p["impacts"]["cch"] = json!(6.5);
                p["impacts"]["ecs"] = json!(1100.0);
            }
            MERCERISAGE => p["displayName"] = json!("Mercerisage (nouveau procédé)"),
            LAIT_FR => p["id"] = json!(LAIT_FR_NEW),
            _ => {}
        }
    }
    let mut egg = processes.iter().find(|p| p["id"] == OEUF).expect("egg").clone();
    egg["id"] = json!(OEUF_NEW);
    egg["displayName"] = json!("Oeuf plein air FR");
    processes.push(egg);
    processes.retain(|p| p["id"] != LAIT_BIO);
    let out = dir.join("processes_impacts.json");
    std::fs::write(&out, serde_json::to_vec_pretty(&processes).expect("json")).expect("write");
    std::fs::copy(fixtures.join("impacts.json"), dir.join("impacts.json")).expect("copy impacts.json");
    out
}

/// Two published releases with snapshots under `<dir>/snapshots`: `r1` (Ecobalyse 8, open + VoLCA, restricted)
/// and `r2` (the changed Ecobalyse processes + the same VoLCA), tag `latest` → `r2`.
fn publish_releases(db: &Db, dir: &Path) -> PathBuf {
    let fixtures = repo_root().join("tests/fixtures");
    let path = |p: &str| fixtures.join(p).to_str().expect("utf-8 path").to_owned();
    ok(db, &["import", "ecobalyse", &path("ecobalyse/processes_impacts-8-expected.json"), "--source", "eco"]);
    ok(db, &["import", "ilcd", &path("ilcd/volca_synthetic"), "--source", "volca", "--licence-class", "restricted"]);
    ok(db, &["method", "register", "ecs@1", "--dataset", "eco@1"]);
    ok(db, &["release", "create", "r1", "--dataset", "eco@1", "--dataset", "volca@1", "--method", "ecs@1"]);
    let accept = ["--accept-unmapped", "aaaaaaaa-0000-0000-0000-000000000003"];
    ok(db, &[&["release", "publish", "r1"][..], &accept].concat());

    let changed = changed_ecobalyse(dir);
    ok(db, &["import", "ecobalyse", changed.to_str().expect("utf-8 path"), "--source", "eco"]);
    ok(db, &["method", "register", "ecs@2", "--dataset", "eco@2"]);
    ok(db, &["release", "create", "r2", "--dataset", "eco@2", "--dataset", "volca@1", "--method", "ecs@2"]);
    ok(db, &["release", "migrate", "r2", LAIT_FR, LAIT_FR_NEW, "--reason", "new id upstream"]);
    ok(db, &[&["release", "publish", "r2"][..], &accept].concat());
    ok(db, &["tag", "set", "latest", "r2"]);

    let snapshots = dir.join("snapshots");
    for release in ["r1", "r2"] {
        ok(db, &["snapshot", "write", release, "--out", snapshots.to_str().expect("utf-8 path")]);
    }
    snapshots
}

/// A router over the releases of `db` with `config`, tags and token hashes read from the database as
/// `ecoref serve` does.
struct Api {
    state: AppState,
    app: Router,
    store: Store,
    snapshots: PathBuf,
    _dir: tempfile::TempDir,
}

impl Api {
    async fn new(db: &Db, config: Config) -> Api {
        let dir = tempfile::tempdir().expect("tempdir");
        let snapshots = publish_releases(db, dir.path());
        let store = Store::connect(&db.url).await.expect("store");
        let state = AppState::new(config);
        let report = state.reload_snapshots(&snapshots).expect("reload");
        assert_eq!(report.loaded, ["r1", "r2"], "{report:?}");
        assert!(report.failed.is_empty(), "{report:?}");
        let api = Api { app: ecoref_api::app(state.clone()), state, store, snapshots, _dir: dir };
        api.refresh().await;
        api
    }

    /// What `ecoref serve` does every few seconds.
    async fn refresh(&self) {
        self.state.set_token_hashes(self.store.active_api_token_hashes().await.expect("token hashes"));
        let tags = self.store.list_tags().await.expect("tags").into_iter().map(|t| (t.tag, t.release)).collect();
        self.state.set_tags(tags);
    }

    async fn call(&self, request: Request<Body>) -> Reply {
        call(&self.app, request).await
    }

    async fn get(&self, uri: &str) -> Reply {
        self.call(get(uri)).await
    }
}

#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
    json: Value,
}

impl Reply {
    /// Asserts the status and returns the JSON body.
    fn expect(&self, status: u16) -> &Value {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        &self.json
    }

    /// Asserts an error reply: status, JSON `{error: {code, message}}`, and words of the message.
    fn expect_error(&self, status: u16, code: &str, needles: &[&str]) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json", "{}", self.text);
        assert_eq!(self.json["error"]["code"], code, "{}", self.text);
        let message = self.json["error"]["message"].as_str().expect("message");
        for needle in needles {
            assert!(message.contains(needle), "{needle:?} not in {message:?}");
        }
        assert_eq!(self.json.as_object().map(|o| o.len()), Some(1), "{}", self.text);
    }
}

async fn call(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, text, json }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).expect("request")
}

fn post(uri: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(body.into()).expect("request")
}

fn with_token(mut request: Request<Body>, token: &str) -> Request<Body> {
    request.headers_mut().insert(header::AUTHORIZATION, format!("Bearer {token}").parse().expect("header"));
    request
}

fn ids(items: &Value) -> Vec<&str> {
    items.as_array().expect("array").iter().map(|p| p["id"].as_str().expect("id")).collect()
}

/// A 2-item product: open Elasthane alone, or with restricted coal when `restricted`.
fn product(restricted: bool) -> String {
    let mut items = vec![json!({"process": ELASTHANE, "amount": 0.25})];
    if restricted {
        items.push(json!({"name": "Coal extraction", "amount": 2.0, "unit": "kg"}));
    }
    json!({"name": "test product", "items": items}).to_string()
}

/// Every endpoint, on the two releases, without a token.
async fn check_endpoints(db: &Db) {
    let api = Api::new(db, Config::default()).await;

    let health = api.get("/health").await;
    assert_eq!(health.expect(200)["status"], "ok");
    assert_eq!(health.json["n_releases"], 2);
    let id = health.headers["x-request-id"].to_str().expect("ascii").to_owned();
    assert!(!id.is_empty());
    let kept = api.call(Request::get("/health").header("x-request-id", "client-42").body(Body::empty()).unwrap()).await;
    assert_eq!(kept.headers["x-request-id"], "client-42");
    let replaced =
        api.call(Request::get("/health").header("x-request-id", "bad id!").body(Body::empty()).unwrap()).await;
    assert_ne!(replaced.headers["x-request-id"], "bad id!");
    assert_eq!(api.get("/").await.expect(200)["docs"], "/docs");

    // Releases and tags.
    let list = api.get("/releases").await;
    let releases = list.expect(200)["releases"].as_array().expect("releases");
    let names: Vec<&str> = releases.iter().map(|r| r["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["r1", "r2"]);
    assert_eq!(list.json["tags"], json!({"latest": "r2"}));
    assert_eq!(releases[1]["tags"], json!(["latest"]));
    assert_eq!(releases[0]["n_processes"], 11);
    assert_eq!(releases[0]["restricted"], true);
    assert_eq!(releases[0]["weighting_sets"], json!(["ecs"]));
    assert_eq!(releases[0]["method"], "ecs@1");
    let detail = api.get("/releases/latest").await;
    let detail = detail.expect(200);
    assert_eq!(detail["release"]["name"], "r2");
    assert_eq!(detail["resolved_from_tag"], "latest");
    let licences: BTreeMap<&str, &str> = detail["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| (s["dataset"].as_str().unwrap(), s["licence_class"].as_str().unwrap()))
        .collect();
    assert_eq!(licences, BTreeMap::from([("eco@2", "open"), ("volca@1", "restricted")]));
    assert_eq!(detail["indicators"].as_array().map(Vec::len), Some(20));
    assert!(detail["files"].as_array().expect("files").iter().any(|f| f["table"] == "process_impacts"));
    let by_name = api.get("/releases/r1").await;
    assert_eq!(by_name.expect(200)["resolved_from_tag"], Value::Null);
    assert_eq!(by_name.json["release"]["manifest_sha256"], releases[0]["manifest_sha256"]);
    api.get("/releases/2031.1").await.expect_error(404, "not_found", &["2031.1", "available: r1, r2, latest"]);

    // Search: text, category, location, source; pages in name order.
    let page = api.get("/releases/r1/processes?q=LAIT").await;
    let page = page.expect(200);
    assert_eq!(ids(&page["items"]), [LAIT_BIO, LAIT_FR]);
    assert_eq!((page["total"].as_u64(), page["next_offset"].clone()), (Some(2), Value::Null));
    let page = api.get("/releases/r1/processes?q=coal%20extraction&category=energy").await;
    assert_eq!(ids(&page.expect(200)["items"]), [COAL]);
    assert_eq!(
        ids(&api.get("/releases/r1/processes?category=Energy%2FHard%20coal").await.expect(200)["items"]),
        [COAL]
    );
    assert_eq!(api.get("/releases/r1/processes?category=Ener").await.expect(200)["total"], 0);
    assert_eq!(api.get("/releases/r1/processes?location=glo").await.expect(200)["total"], 6);
    assert_eq!(api.get("/releases/r1/processes?scope=volca").await.expect(200)["total"], 3);
    assert_eq!(api.get("/releases/r1/processes?scope=eco%401").await.expect(200)["total"], 8);
    let first = api.get("/releases/latest/processes?limit=4").await;
    let first = first.expect(200);
    assert_eq!((first["total"].as_u64(), first["next_offset"].as_u64()), (Some(11), Some(4)));
    let second = api.get("/releases/latest/processes?limit=4&offset=4").await;
    let mut seen: Vec<&str> = ids(&first["items"]);
    seen.extend(ids(&second.expect(200)["items"]));
    let third = api.get("/releases/latest/processes?limit=4&offset=8").await;
    assert_eq!(third.expect(200)["next_offset"], Value::Null);
    seen.extend(ids(&third.json["items"]));
    let all = api.get("/releases/latest/processes?limit=500").await;
    assert_eq!(seen, ids(&all.expect(200)["items"]), "pages cover every process once, in order");
    let names: Vec<&str> = all.json["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "{names:?}");
    api.get("/releases/r1/processes?limit=0").await.expect_error(400, "invalid_parameter", &["at least 1"]);
    api.get("/releases/r1/processes?offset=-1").await.expect_error(400, "invalid_parameter", &["at least 0"]);
    let huge = api.get("/releases/r1/processes?offset=9223372036854775808").await;
    huge.expect_error(400, "invalid_parameter", &["offset"]);
    api.get("/releases/r1/processes?limit=abc").await.expect_error(400, "invalid_parameter", &["limit"]);
    api.get("/releases/r1/processes?colour=red").await.expect_error(400, "invalid_parameter", &["colour"]);
    api.get("/releases/none/processes").await.expect_error(404, "not_found", &["none"]);

    // Process detail: open data shows its indicators to everyone; restricted data only its single scores.
    let elasthane = api.get(&format!("/releases/r1/processes/{ELASTHANE}?top=3")).await;
    let elasthane = elasthane.expect(200);
    assert_eq!(elasthane["process"]["name"], "Elasthane (Lycra)");
    assert_eq!(elasthane["indicators_hidden"], false);
    let cch = elasthane["indicators"].as_array().expect("indicators").iter().find(|i| i["id"] == "cch").expect("cch");
    assert_eq!((cch["value"].as_f64(), cch["unit"].as_str()), (Some(5.2347), Some("kg CO\u{2082} eq")));
    assert_eq!(elasthane["single_scores"][0]["name"], "ecs");
    assert!(elasthane["single_scores"][0]["value"].as_f64().is_some_and(|v| v > 0.0), "{elasthane}");
    let top = elasthane["top_contributions"].as_array().expect("top");
    assert_eq!(top.len(), 1, "a result-only process is its own only contributor: {top:?}");
    assert_eq!(top[0]["process_id"], ELASTHANE);
    assert_eq!(top[0]["indicators"].as_array().map(Vec::len), Some(20));
    let coal = api.get(&format!("/releases/r1/processes/{COAL}")).await;
    let coal = coal.expect(200);
    assert_eq!(
        (coal["process"]["restricted"].as_bool(), coal["indicators_hidden"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(coal["indicators"], Value::Null);
    assert!(coal["top_contributions"].as_array().expect("top").iter().all(|c| c["indicators"].is_null()));
    assert!(
        api.get(&format!("/releases/r1/processes/{COAL}")).await.headers[header::VARY]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
    let migrated = api.get(&format!("/releases/r2/processes/{LAIT_FR}")).await;
    let migrated = migrated.expect(200);
    assert_eq!(
        (migrated["process"]["id"].as_str(), migrated["requested_id"].as_str()),
        (Some(LAIT_FR_NEW), Some(LAIT_FR))
    );
    api.get("/releases/r1/processes/nope%2Fnot-here").await.expect_error(404, "not_found", &["nope/not-here"]);
    api.get("/releases/%FF%FE").await.expect_error(400, "invalid_parameter", &["invalid path"]);
    let no_top = api.get(&format!("/releases/r1/processes/{ELASTHANE}?top=0")).await;
    assert_eq!(no_top.expect(200)["top_contributions"], json!([]));
    api.get(&format!("/releases/r1/processes/{ELASTHANE}?top=101")).await.expect_error(
        400,
        "invalid_parameter",
        &["101"],
    );

    // Scores: reproducible, open data in full, restricted data as single scores only.
    let open = api.call(post("/releases/r1/score", product(false))).await;
    let open = open.expect(200).clone();
    assert_eq!((open["restricted"].as_bool(), open["indicators_hidden"].as_bool()), (Some(false), Some(false)));
    let open_cch = open["indicators"].as_array().unwrap().iter().find(|i| i["id"] == "cch").unwrap()["value"].as_f64();
    assert_eq!(open_cch, Some(0.25 * 5.2347));
    assert_eq!(open["contributions"][0]["path"], "items[0]");
    assert_eq!(open["release"], "r1");
    assert_eq!(open["product"], "test product");
    assert_eq!(open["result_hash"].as_str().map(str::len), Some(64));
    let again = api.call(post("/releases/r1/score", product(false))).await;
    assert_eq!(again.expect(200)["result_hash"], open["result_hash"]);
    assert_eq!(again.json, open);
    let mixed = api.call(post("/releases/latest/score", product(true))).await;
    let mixed = mixed.expect(200);
    assert_eq!((mixed["restricted"].as_bool(), mixed["indicators_hidden"].as_bool()), (Some(true), Some(true)));
    assert_eq!(mixed["indicators"], Value::Null);
    assert_eq!(mixed["release"], "r2");
    assert!(mixed["single_scores"][0]["value"].as_f64().is_some(), "{mixed}");
    let contributions = mixed["contributions"].as_array().expect("contributions");
    assert_eq!(contributions.len(), 2);
    assert!(contributions.iter().all(|c| c["indicators"].is_null() && c["single_scores"][0]["name"] == "ecs"));
    assert_eq!(contributions[1]["path"], "items[1]");
    let unknown = json!({"items": [{"process": ELASTHANE}, {"items": [{"name": "Lait BIO", "amount": 1.0}]}]});
    let reply = api.call(post("/releases/r2/score", unknown.to_string())).await;
    reply.expect_error(422, "invalid_product", &["items[1].items[0]", "Lait"]);

    // Energy items take the country's electricity from the server's country table (none by default).
    let bill = json!({"country": "FR", "items": [{"energy": "electricity", "amount": 2.0}]}).to_string();
    api.call(post("/releases/r1/score", bill.clone())).await.expect_error(422, "invalid_product", &["country table"]);
    let table = api.snapshots.with_file_name("countries.json");
    std::fs::write(&table, json!({"FR": {"electricity": MERCERISAGE}}).to_string()).expect("write");
    let countries = ecoref_score::Countries::from_path(&table).expect("country table");
    let state = AppState::new(Config { countries: Some(std::sync::Arc::new(countries)), ..Config::default() });
    state.reload_snapshots(&api.snapshots).expect("reload");
    let reply = call(&ecoref_api::app(state), post("/releases/r1/score", bill)).await;
    assert_eq!(reply.expect(200)["contributions"][0]["process_id"], MERCERISAGE);
    assert_eq!(reply.json["contributions"][0]["amount"], 2.0);
    assert_eq!(reply.json["countries_sha256"].as_str().map(str::len), Some(64));

    // Diff: added, removed, changed (metadata, impacts, id migration), restricted values withheld.
    let diff = api.get("/releases/r1/diff/latest").await;
    let diff = diff.expect(200);
    assert_eq!((diff["from"].as_str(), diff["to"].as_str()), (Some("r1"), Some("r2")));
    assert_eq!(ids(&diff["added"]), [OEUF_NEW]);
    assert_eq!(ids(&diff["removed"]), [LAIT_BIO]);
    let changed: BTreeMap<&str, &Value> =
        diff["changed"].as_array().expect("changed").iter().map(|c| (c["id"].as_str().unwrap(), c)).collect();
    assert_eq!(changed.keys().copied().collect::<Vec<_>>(), [LAIT_FR_NEW, ELASTHANE, MERCERISAGE]);
    let moved: Vec<&str> =
        changed[ELASTHANE]["indicators"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(moved, ["cch", "ecs"]);
    assert_eq!(changed[ELASTHANE]["indicators"][0]["to"], 6.5);
    assert_eq!(changed[ELASTHANE]["single_scores"][0]["id"], "ecs");
    assert_eq!(
        changed[MERCERISAGE]["fields"],
        json!([{"field": "name", "from": "Mercerisage", "to": "Mercerisage (nouveau procédé)"}])
    );
    assert_eq!(changed[LAIT_FR_NEW]["from_id"], LAIT_FR);
    assert_eq!(changed[LAIT_FR_NEW]["fields"][0]["field"], "id");
    assert_eq!((diff["n_unchanged"].as_u64(), diff["n_changed"].as_u64()), (Some(7), Some(3)));
    let paged = api.get("/releases/r1/diff/r2?limit=1&offset=1").await;
    assert_eq!(paged.expect(200)["changed"].as_array().map(Vec::len), Some(1));
    assert_eq!(paged.json["n_changed"], 3);
    let exact = api.get("/releases/r1/diff/r1?threshold=0").await;
    assert_eq!((exact.expect(200)["n_changed"].as_u64(), exact.json["n_unchanged"].as_u64()), (Some(0), Some(11)));
    api.get("/releases/r1/diff/r2?threshold=-1").await.expect_error(400, "invalid_parameter", &["threshold"]);
    api.get("/releases/r1/diff/r9").await.expect_error(404, "not_found", &["r9"]);

    // The OpenAPI document and the documentation page, served from the binary.
    let spec = api.get("/openapi.json").await;
    let spec = spec.expect(200);
    assert_eq!(spec["openapi"], "3.1.0");
    for path in ["/releases", "/releases/{release}/processes/{process_id}", "/releases/{release}/score", "/health"] {
        assert!(spec["paths"][path].is_object(), "{path} missing");
    }
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let docs = api.get("/docs").await;
    assert_eq!(docs.status, StatusCode::OK);
    assert!(docs.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/html"));
    assert!(docs.text.contains("/docs/docs.js") && !docs.text.contains("http"), "no external resource");
    let script = api.get("/docs/docs.js").await;
    assert!(script.text.contains("fetch(\"/openapi.json\")") && !script.text.contains("https://"));
    assert_eq!(api.get("/docs/docs.css").await.status, StatusCode::OK);

    // Unknown routes and methods answer JSON errors too.
    api.get("/nowhere").await.expect_error(404, "route_not_found", &["/nowhere"]);
    let wrong_method = api.call(Request::delete("/releases").body(Body::empty()).unwrap()).await;
    wrong_method.expect_error(405, "method_not_allowed", &["DELETE"]);
    api.call(post("/health", "{}")).await.expect_error(405, "method_not_allowed", &["POST"]);
}

/// The restricted-indicator rule with no token, a bad token, a malformed header, a good token and a revoked one.
async fn check_restricted_rule_with_tokens(db: &Db) {
    let api = Api::new(db, Config::default()).await;
    let created: Value = serde_json::from_str(&ok(db, &["token", "create", "partner", "--json"])).expect("json");
    let secret = created["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with("ecoref_") && secret.len() == 71, "{secret}");
    let text = ok(db, &["token", "create", "other"]);
    assert!(text.contains("shown once"), "{text}");
    let listed = ok(db, &["token", "list"]);
    assert!(listed.contains("partner") && listed.contains("active") && !listed.contains(&secret), "{listed}");
    api.refresh().await;

    let coal = format!("/releases/r1/processes/{COAL}");
    let score = |token: Option<&str>| {
        let request = post("/releases/r1/score", product(true));
        match token {
            Some(token) => with_token(request, token),
            None => request,
        }
    };
    // No token: single scores only.
    let public = api.call(score(None)).await;
    assert_eq!(
        (public.expect(200)["indicators_hidden"].as_bool(), public.json["indicators"].is_null()),
        (Some(true), true)
    );
    assert!(api.get(&coal).await.expect(200)["indicators"].is_null());
    // A good token: everything.
    let full = api.call(score(Some(&secret))).await;
    let full = full.expect(200);
    assert_eq!(full["indicators_hidden"], false);
    assert_eq!(full["indicators"].as_array().map(Vec::len), Some(20));
    assert!(
        full["contributions"].as_array().unwrap().iter().all(|c| c["indicators"].as_array().map(Vec::len) == Some(20))
    );
    assert_eq!(full["result_hash"], public.json["result_hash"], "the same result, shown in part");
    let detail = api.call(with_token(get(&coal), &secret)).await;
    assert_eq!(detail.expect(200)["indicators"].as_array().map(Vec::len), Some(20));
    let diff = api.call(with_token(get("/releases/r1/diff/r2"), &secret)).await;
    assert!(diff.expect(200)["changed"].as_array().unwrap().iter().all(|c| c["indicators_hidden"] == false));
    // A bad token, a malformed header: refused, not downgraded.
    let bad = api.call(score(Some("ecoref_0000000000000000000000000000000000000000000000000000000000000000"))).await;
    bad.expect_error(401, "invalid_token", &["not valid"]);
    assert!(bad.headers[header::WWW_AUTHENTICATE].to_str().unwrap().starts_with("Bearer"));
    api.call(with_token(get(&coal), "")).await.expect_error(401, "invalid_token", &["Bearer <token>"]);
    let basic = Request::get(&coal).header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz").body(Body::empty()).unwrap();
    api.call(basic).await.expect_error(401, "invalid_token", &["Bearer <token>"]);
    // Revoked (by name): refused once the server refreshes.
    ok(db, &["token", "revoke", "partner"]);
    assert_eq!(api.call(score(Some(&secret))).await.status, StatusCode::OK, "still cached until the refresh");
    api.refresh().await;
    api.call(score(Some(&secret))).await.expect_error(401, "invalid_token", &["revoked"]);
    api.call(with_token(get(&coal), &secret)).await.expect_error(401, "invalid_token", &[]);
    let again = ecoref(db, &["token", "revoke", "partner"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already revoked"), "{}", again.stderr);
    let listed: Value = serde_json::from_str(&ok(db, &["token", "list", "--json"])).expect("json");
    let statuses: Vec<(&str, bool)> =
        listed.as_array().unwrap().iter().map(|t| (t["name"].as_str().unwrap(), t["revoked_at"].is_string())).collect();
    assert_eq!(statuses, [("partner", true), ("other", false)]);
    assert!(!listed.to_string().contains(&secret));

    // A cache that cannot refresh fails closed: a valid token is refused after the maximum age.
    let created: Value = serde_json::from_str(&ok(db, &["token", "create", "third", "--json"])).expect("json");
    let third = created["secret"].as_str().expect("secret");
    let stale = AppState::new(Config { token_max_age: Duration::from_millis(50), ..Config::default() });
    stale.reload_snapshots(&api.snapshots).expect("reload");
    stale.set_token_hashes(api.store.active_api_token_hashes().await.expect("hashes"));
    let app = ecoref_api::app(stale);
    assert_eq!(call(&app, with_token(post("/releases/r1/score", product(true)), third)).await.status, StatusCode::OK);
    std::thread::sleep(Duration::from_millis(80));
    call(&app, with_token(post("/releases/r1/score", product(true)), third)).await.expect_error(
        401,
        "invalid_token",
        &[],
    );
}

/// Every limit: body size, items, depth, page size, top contributions, time per request; bad bodies; CORS.
async fn check_limits(db: &Db) {
    let limits = Limits {
        max_body_bytes: 4096,
        max_items: 5,
        max_depth: 3,
        max_page_size: 4,
        default_page_size: 2,
        max_top: 3,
        request_timeout: Duration::from_millis(300),
    };
    let config =
        Config { limits, cors: Cors::Origins(vec!["https://app.example.org".to_owned()]), ..Config::default() };
    let api = Api::new(db, config).await;
    let item = json!({"process": ELASTHANE, "amount": 1.0});

    let padded = json!({"name": "x".repeat(5000), "items": [item]}).to_string();
    api.call(post("/releases/r1/score", padded)).await.expect_error(413, "body_too_large", &["4096"]);
    let six = json!({"items": vec![item.clone(); 6]}).to_string();
    api.call(post("/releases/r1/score", six)).await.expect_error(422, "too_many_items", &["6 items", "limit of 5"]);
    let five = json!({"items": vec![item.clone(); 5]}).to_string();
    api.call(post("/releases/r1/score", five)).await.expect(200);
    let nest = |depth: usize| {
        let mut node = item.clone();
        for _ in 1..depth {
            node = json!({"items": [node], "amount": 1.0});
        }
        json!({"items": [node]}).to_string()
    };
    api.call(post("/releases/r1/score", nest(3))).await.expect(200);
    api.call(post("/releases/r1/score", nest(4))).await.expect_error(422, "too_deep", &["4 levels", "limit of 3"]);
    // Nesting far beyond any limit is refused by the parser, not by a stack overflow.
    let deep = format!("{}{}{}", "{\"items\":[".repeat(1000), "{\"process\":\"x\"}", "]}".repeat(1000));
    let big = default_router(&api.snapshots);
    call(&big, post("/releases/r1/score", deep)).await.expect_error(400, "invalid_body", &["recursion"]);

    api.get("/releases/r1/processes?limit=5").await.expect_error(400, "invalid_parameter", &["limit 5", "4"]);
    let page = api.get("/releases/r1/processes").await;
    assert_eq!((page.expect(200)["limit"].as_u64(), page.json["items"].as_array().map(Vec::len)), (Some(2), Some(2)));
    api.get("/releases/r1/diff/r2?limit=9").await.expect_error(400, "invalid_parameter", &["limit 9"]);
    api.get(&format!("/releases/r1/processes/{ELASTHANE}?top=4")).await.expect_error(
        400,
        "invalid_parameter",
        &["top 4"],
    );

    // Bodies that are not products.
    api.call(post("/releases/r1/score", "{\"items\": [")).await.expect_error(400, "invalid_body", &["not valid JSON"]);
    let wrong = api.call(post("/releases/r1/score", "{\"items\": [{\"process\": 3}]}")).await;
    wrong.expect_error(400, "invalid_body", &["items[0].process", "invalid type"]);
    api.call(post("/releases/r1/score", "{\"item\": []}")).await.expect_error(400, "invalid_body", &["item"]);
    let text =
        Request::post("/releases/r1/score").header(header::CONTENT_TYPE, "text/plain").body(Body::from("{}")).unwrap();
    api.call(text).await.expect_error(415, "unsupported_media_type", &["application/json"]);
    let huge = json!({"items": [{"process": ELASTHANE, "amount": 1e308}, {"process": ELASTHANE, "amount": 1e308}]});
    api.call(post("/releases/r1/score", huge.to_string())).await.expect_error(422, "invalid_product", &["finite"]);

    // Time per request: a body that never finishes arriving is cut at the limit.
    let (_sender, body) = http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(1);
    let started = Instant::now();
    let slow = api.call(post("/releases/r1/score", Body::new(body))).await;
    slow.expect_error(503, "timeout", &["300 ms"]);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

    // CORS: the configured origin is allowed (preflight and actual request); another one is not.
    let preflight = Request::builder()
        .method(Method::OPTIONS)
        .uri("/releases/r1/score")
        .header(header::ORIGIN, "https://app.example.org")
        .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
        .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization, content-type")
        .body(Body::empty())
        .unwrap();
    let reply = api.call(preflight).await;
    assert!(reply.status.is_success(), "{reply:?}");
    assert_eq!(reply.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.example.org");
    let allowed = reply.headers[header::ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap().to_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    let other = Request::get("/health").header(header::ORIGIN, "https://evil.example").body(Body::empty()).unwrap();
    assert!(api.call(other).await.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    let plain = default_router(&api.snapshots);
    let origin = Request::get("/health").header(header::ORIGIN, "https://app.example.org").body(Body::empty()).unwrap();
    assert!(
        call(&plain, origin).await.headers.get(header::ACCESS_CONTROL_ALLOW_ORIGIN).is_none(),
        "CORS is off by default"
    );
}

/// A router on `snapshots` with a 1 MiB body limit and otherwise the default configuration (CORS off).
fn default_router(snapshots: &Path) -> Router {
    let limits = Limits { max_body_bytes: 1 << 20, ..Limits::default() };
    let state = AppState::new(Config { limits, ..Config::default() });
    state.reload_snapshots(snapshots).expect("reload");
    ecoref_api::app(state)
}

/// A reload keeps unchanged releases, picks up new snapshots, drops removed ones and refuses tampered ones.
async fn check_reload(db: &Db) {
    let api = Api::new(db, Config::default()).await;
    let before = api.get("/releases/r1").await.expect(200)["release"]["manifest_sha256"].clone();
    let report = api.state.reload_snapshots(&api.snapshots).expect("reload");
    assert_eq!((report.kept.len(), report.changed()), (2, false), "{report:?}");

    // r2 removed, a copy of r1 added: r2 is dropped (its tag now points nowhere), the copy refused.
    std::fs::remove_dir_all(api.snapshots.join("r2")).expect("remove r2");
    let copy = api.snapshots.join("r1-copy");
    std::fs::create_dir(&copy).expect("mkdir");
    for entry in std::fs::read_dir(api.snapshots.join("r1")).expect("r1") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), copy.join(entry.file_name())).expect("copy");
    }
    let report = api.state.reload_snapshots(&api.snapshots).expect("reload");
    assert_eq!((report.removed.as_slice(), report.kept.as_slice()), (&["r2".to_owned()][..], &["r1".to_owned()][..]));
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].0.ends_with("r1-copy") && report.failed[0].1.contains("second snapshot"), "{report:?}");
    assert_eq!(api.state.release_names(), ["r1"]);
    api.get("/releases/r2").await.expect_error(404, "not_found", &["r2"]);
    api.get("/releases/latest").await.expect_error(404, "not_found", &["tag latest points to release r2"]);
    assert_eq!(api.get("/releases/r1").await.expect(200)["release"]["manifest_sha256"], before);

    // A snapshot whose manifest changed is loaded anew, and verified: a tampered file is refused.
    std::fs::remove_dir_all(&copy).expect("remove copy");
    let manifest_path = api.snapshots.join("r1/manifest.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["release"]["notes"] = json!("edited by hand");
    std::fs::write(&manifest_path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    let victim = api.snapshots.join("r1/processes.parquet");
    let mut bytes = std::fs::read(&victim).expect("read");
    bytes[10] ^= 1;
    std::fs::write(&victim, bytes).expect("write");
    let report = api.state.reload_snapshots(&api.snapshots).expect("reload");
    assert_eq!(report.removed, ["r1"], "{report:?}");
    assert_eq!(report.failed.len(), 1, "{report:?}");
    assert!(report.failed[0].1.contains("sha256 mismatch"), "{report:?}");
    assert_eq!(api.get("/health").await.expect(200)["n_releases"], 0);
}

/// The real server: `ecoref serve` on port 0 answers, logs requests with their id as JSON lines, picks up a new
/// snapshot by itself, and stops gracefully on SIGTERM.
fn check_serve_process(db: &Db) {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshots = publish_releases(db, dir.path());
    let r2 = snapshots.join("r2");
    let parked = dir.path().join("r2-parked");
    std::fs::rename(&r2, &parked).expect("park r2");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecoref"))
        .args(["--database-url", &db.url, "serve", "--port", "0", "--reload-secs", "1", "--snapshots"])
        .arg(&snapshots)
        .env_remove("RUST_LOG")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn ecoref serve");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("first line");
    let address = line.split("http://").nth(1).and_then(|rest| rest.split_whitespace().next()).expect(&line).to_owned();
    assert!(address.starts_with("127.0.0.1:"), "{line}");

    let (status, body) = http_get(&address, "/releases");
    assert_eq!(status, 200, "{body}");
    let releases: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(releases["releases"].as_array().map(Vec::len), Some(1));
    assert_eq!(releases["tags"]["latest"], "r2", "tags come from the database");
    assert_eq!(http_get(&address, "/releases/latest").0, 404, "latest has no snapshot yet");

    std::fs::rename(&parked, &r2).expect("unpark r2");
    let deadline = Instant::now() + Duration::from_secs(20);
    while http_get(&address, "/releases/latest").0 != 200 {
        assert!(Instant::now() < deadline, "the new snapshot was never picked up");
        std::thread::sleep(Duration::from_millis(200));
    }

    let pid = child.id().to_string();
    let killed = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill");
    assert!(killed.success());
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "graceful shutdown exits 0");
    let mut stderr = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut stderr).expect("stderr");
    let logs: Vec<Value> = stderr.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    let request = logs.iter().find(|l| l["message"] == "Request." && l["path"] == "/releases").expect(&stderr);
    assert_eq!(request["status"], 200);
    assert!(request["request_id"].as_str().is_some_and(|id| !id.is_empty()), "{request}");
    assert!(logs.iter().any(|l| l["message"] == "Snapshots loaded."), "{stderr}");
    assert!(logs.iter().any(|l| l["message"] == "Stopped."), "{stderr}");
}

/// A minimal HTTP/1.1 GET over a fresh connection: (status, body).
fn http_get(address: &str, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect(&response);
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// The serve check blocks on a child process; nothing else runs on the test's runtime meanwhile.
async fn check_serve_process_async(db: &Db) {
    check_serve_process(db);
}

on_both_backends!({
    api_restricted_rule_with_tokens => check_restricted_rule_with_tokens;
    api_serve_process => check_serve_process_async;
} {
    #[tokio::test]
    async fn api_endpoints() {
        check_endpoints(&Db::sqlite()).await;
    }

    #[tokio::test]
    async fn api_limits() {
        check_limits(&Db::sqlite()).await;
    }

    #[tokio::test]
    async fn api_reload() {
        check_reload(&Db::sqlite()).await;
    }
});

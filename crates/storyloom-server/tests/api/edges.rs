//! Edges of the input: wrong JSON types name their field in plain words, trailing bytes after
//! the body, invisible-only names, look-alike emails, duplicate query parameters and oversized
//! requests, each answered with the envelope.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use storyloom_testkit::{DbKind, TestServer, db_tests};
use uuid::Uuid;

/// Words of serde's that name Rust types or its internals; no answer may carry them.
const RUST_WORDS: [&str; 8] = [
    "struct ",
    "i64",
    "u32",
    "HeroCreate",
    "expected",
    "invalid type",
    "sequence",
    "variant",
];

/// Assert a 400 `VALIDATION_ERROR` whose details key `field` with a message containing `says`,
/// and whose words are the contract's, not serde's.
fn assert_field(r: &storyloom_testkit::Resp, field: &str, says: &str, what: &str) {
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{what}: {}", r.text);
    assert_eq!(r.code(), "VALIDATION_ERROR", "{what}: {}", r.text);
    let details = &r.body["error"]["details"];
    let msg = details[field]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no details.{field} in {}", r.text));
    assert!(msg.contains(says), "{what}: {field} says {msg:?}");
    let message = r.body["error"]["message"].as_str().unwrap();
    assert_eq!(message, format!("{field} {msg}"), "{what}");
    for w in RUST_WORDS {
        assert!(!message.contains(w), "{what}: {message:?} has {w:?}");
    }
}

async fn wrong_types_name_the_field(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = u.hero("Ada").await;
    let hid = hero["id"].as_str().unwrap();
    let story = u.story(hid, "Ada's night").await;
    let sid = story["id"].as_str().unwrap();
    let ev = u
        .post(
            "/custom-events",
            json!({"title": "Pool", "promptSeed": "swim"}),
        )
        .await;
    let eid = ev.data()["id"].as_str().unwrap();
    let h = |extra: Value| {
        let mut b = json!({"name": "Léa", "age": 5, "traits": ["brave"]});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let st = |extra: Value| {
        let mut b = json!({"heroId": hid, "eventType": "bedtime", "language": "en",
                           "title": "T", "content": "C"});
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let hero_p = format!("/heroes/{hid}");
    let story_p = format!("/stories/{sid}");
    let play_p = format!("/stories/{sid}/play");
    let event_p = format!("/custom-events/{eid}");
    let audio_p = format!("/stories/{sid}/audio");
    let cases: Vec<(Method, &str, Value, &str, &str)> = vec![
        // The two of issue 14.
        (
            Method::POST,
            "/heroes",
            h(json!({"traits": [1, 2]})),
            "traits[0]",
            "must be one of: brave, curious",
        ),
        (
            Method::PATCH,
            "/user/profile",
            json!({"preferredVoice": 42}),
            "preferredVoice",
            "must be one of: alloy, ash",
        ),
        // Heroes.
        (
            Method::POST,
            "/heroes",
            h(json!({"traits": ["brave", "bold"]})),
            "traits[1]",
            "must be one of: brave",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"traits": "brave"})),
            "traits",
            "must be an array",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"traits": [null]})),
            "traits[0]",
            "must be one of: brave",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"name": 42})),
            "name",
            "must be a string",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"name": null})),
            "name",
            "must be a string",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"age": "six"})),
            "age",
            "must be a whole number",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"age": 6.5})),
            "age",
            "must be a whole number",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"age": 18_446_744_073_709_551_615u64})),
            "age",
            "out of range",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"id": "not-a-uuid"})),
            "id",
            "must be a UUID",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"id": 7})),
            "id",
            "must be a UUID",
        ),
        (
            Method::POST,
            "/heroes",
            h(json!({"hairColor": ["red"]})),
            "hairColor",
            "must be a string",
        ),
        (
            Method::POST,
            "/heroes",
            json!({"age": 5, "traits": ["brave"]}),
            "name",
            "is required",
        ),
        (
            Method::POST,
            "/heroes",
            json!([1, 2]),
            "body",
            "must be a JSON object",
        ),
        (
            Method::POST,
            "/heroes",
            json!("Léa"),
            "body",
            "must be a JSON object",
        ),
        (
            Method::PATCH,
            &hero_p,
            json!({"traits": [true]}),
            "traits[0]",
            "must be one of: brave",
        ),
        (
            Method::PATCH,
            &hero_p,
            json!({"specialAbility": 3}),
            "specialAbility",
            "must be a string",
        ),
        // Stories.
        (
            Method::POST,
            "/stories",
            st(json!({"heroId": "nope"})),
            "heroId",
            "must be a UUID",
        ),
        (
            Method::POST,
            "/stories",
            st(json!({"language": "xx"})),
            "language",
            "must be one of: en, fr, es, de, it",
        ),
        (
            Method::POST,
            "/stories",
            st(json!({"language": 1})),
            "language",
            "must be one of: en, fr, es, de, it",
        ),
        (
            Method::POST,
            "/stories",
            st(json!({"eventType": {"bedtime": 1}})),
            "eventType",
            "must be one of: bedtime",
        ),
        (
            Method::POST,
            "/stories",
            st(json!({"voice": "darth"})),
            "voice",
            "must be one of: alloy",
        ),
        (
            Method::POST,
            "/stories",
            st(json!({"generateAudio": "yes"})),
            "generateAudio",
            "must be true or false",
        ),
        (
            Method::PATCH,
            &story_p,
            json!({"isFavorite": 1}),
            "isFavorite",
            "must be true or false",
        ),
        (
            Method::PATCH,
            &story_p,
            json!({"title": {"en": "x"}}),
            "title",
            "must be a string",
        ),
        (
            Method::POST,
            &play_p,
            json!({"count": "2"}),
            "count",
            "must be a whole number",
        ),
        (
            Method::POST,
            &audio_p,
            json!({"voice": false}),
            "voice",
            "must be one of: alloy",
        ),
        // Custom events.
        (
            Method::POST,
            "/custom-events",
            json!({"title": "T", "promptSeed": "p", "keywords": [1]}),
            "keywords[0]",
            "must be a string",
        ),
        (
            Method::POST,
            "/custom-events",
            json!({"title": "T", "promptSeed": "p", "ageRange": "13-15"}),
            "ageRange",
            "must be one of: 3-5, 6-8, 9-12",
        ),
        (
            Method::POST,
            "/custom-events",
            json!({"title": "T", "promptSeed": "p", "category": 7}),
            "category",
            "must be one of: general",
        ),
        (
            Method::POST,
            "/custom-events",
            json!({"title": "T"}),
            "promptSeed",
            "is required",
        ),
        (
            Method::PATCH,
            &event_p,
            json!({"tone": ["calming"]}),
            "tone",
            "must be one of: cheerful",
        ),
        (
            Method::PATCH,
            &event_p,
            json!({"ageRange": 5}),
            "ageRange",
            "must be one of: 3-5",
        ),
        // Profile and auth.
        (
            Method::PATCH,
            "/user/profile",
            json!({"preferredLanguage": "klingon"}),
            "preferredLanguage",
            "must be one of: en",
        ),
        (
            Method::PATCH,
            "/user/profile",
            json!({"name": 1}),
            "name",
            "must be a string",
        ),
        (
            Method::POST,
            "/auth/sign-in",
            json!({"email": 5, "password": "x"}),
            "email",
            "must be a string",
        ),
        // Sync push: the path runs through the list.
        (
            Method::POST,
            "/sync/push",
            json!({"mutations": "all"}),
            "mutations",
            "must be an array",
        ),
        (
            Method::POST,
            "/sync/push",
            json!({"mutations": [{"mutationId": Uuid::new_v4(), "entity": "dragon", "op": "create", "id": Uuid::new_v4()}]}),
            "mutations[0].entity",
            "must be one of: hero, story, illustration, customEvent",
        ),
        (
            Method::POST,
            "/sync/push",
            json!({"mutations": [{"entity": "hero", "op": "create", "id": Uuid::new_v4()}]}),
            "mutations[0].mutationId",
            "is required",
        ),
        (
            Method::POST,
            "/sync/push",
            json!({"mutations": [{"mutationId": Uuid::new_v4(), "entity": "hero", "op": 1, "id": Uuid::new_v4()}]}),
            "mutations[0].op",
            "must be one of: create, update, delete, increment",
        ),
        (
            Method::POST,
            "/sync/push",
            json!({"mutations": [{"mutationId": Uuid::new_v4(), "entity": "hero", "op": "create", "id": Uuid::new_v4(), "baseVersion": "3"}]}),
            "mutations[0].baseVersion",
            "must be a whole number",
        ),
    ];
    for (m, p, body, field, says) in &cases {
        let r = u.send(m.clone(), p, Some(body.clone()), &[]).await;
        assert_field(&r, field, says, &format!("{m} {p} {body}"));
    }
    // A key given twice is named, not taken silently.
    let r = u
        .send_raw(
            Method::POST,
            "/heroes",
            "application/json",
            br#"{"name": "A", "name": "B", "age": 5, "traits": ["kind"]}"#.to_vec(),
        )
        .await;
    assert_field(&r, "name", "more than once", "duplicate key");
    // Nothing above was stored.
    assert_eq!(u.get("/heroes").await.body["pagination"]["total"], 1);
}

async fn push_fields_errors_are_keyed_under_fields(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let mutation = |fields: Value| {
        json!({"mutationId": Uuid::new_v4(), "entity": "hero", "op": "create",
               "id": Uuid::new_v4(), "fields": fields})
    };
    let cases = [
        (
            json!({"name": "A", "age": 5, "traits": [1, 2]}),
            "fields.traits[0]",
            "must be one of: brave",
        ),
        (
            json!({"name": 5, "age": 5, "traits": ["kind"]}),
            "fields.name",
            "must be a string",
        ),
        (
            json!({"name": "A", "age": "5", "traits": ["kind"]}),
            "fields.age",
            "must be a whole number",
        ),
        (
            json!({"age": 5, "traits": ["kind"]}),
            "fields.name",
            "is required",
        ),
        (
            json!({"name": "", "age": 5, "traits": ["kind"]}),
            "fields.name",
            "must not be empty",
        ),
        (json!(["A", 5]), "fields", "must be an object"),
    ];
    let body =
        json!({"mutations": cases.iter().map(|(f, _, _)| mutation(f.clone())).collect::<Vec<_>>()});
    let r = u.post("/sync/push", body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let results = r.data()["results"].as_array().unwrap();
    for ((fields, key, says), res) in cases.iter().zip(results) {
        assert_eq!(res["status"], "rejected", "{fields}: {res}");
        assert_eq!(res["error"]["code"], "VALIDATION_ERROR", "{fields}: {res}");
        let msg = res["error"]["details"][key]
            .as_str()
            .unwrap_or_else(|| panic!("{fields}: no {key} in {res}"));
        assert!(msg.contains(says), "{fields}: {key} says {msg:?}");
        let message = res["error"]["message"].as_str().unwrap();
        for w in RUST_WORDS {
            assert!(!message.contains(w), "{fields}: {message:?} has {w:?}");
        }
    }
}

async fn trailing_bytes_after_the_body_are_refused(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let hero = r#"{"name": "Léa", "age": 5, "traits": ["brave"]}"#;
    for junk in [r#" {"x""#, " {}", " 1", "x", "]", "\n{\"name\": \"B\"}"] {
        let r = u
            .send_raw(
                Method::POST,
                "/heroes",
                "application/json",
                format!("{hero}{junk}").into_bytes(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{junk:?}: {}", r.text);
        assert_eq!(r.code(), "VALIDATION_ERROR", "{junk:?}");
        assert!(
            r.body["error"]["details"]["body"].is_string(),
            "{junk:?}: {}",
            r.text
        );
    }
    assert_eq!(u.get("/heroes").await.body["pagination"]["total"], 0);
    // Whitespace after the object is not junk.
    let r = u
        .send_raw(
            Method::POST,
            "/heroes",
            "application/json",
            format!("{hero} \r\n\t").into_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn invisible_only_names_are_blank(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    for name in [
        "\u{200B}",
        "\u{200B}\u{200C}\u{200D}",
        " \u{2060} ",
        "\u{FEFF}",
        "\u{3164}\u{115F}",
        "\u{E0041}\u{E0042}",
        "\u{FE0F}",
    ] {
        let what = format!("{name:?}");
        let r = u
            .post(
                "/heroes",
                json!({"name": name, "age": 5, "traits": ["brave"]}),
            )
            .await;
        assert_field(&r, "name", "visible", &format!("hero {what}"));
        let r = u
            .post("/custom-events", json!({"title": name, "promptSeed": "p"}))
            .await;
        assert_field(&r, "title", "visible", &format!("event {what}"));
        let r = u.patch("/user/profile", json!({"name": name})).await;
        assert_field(&r, "name", "visible", &format!("profile {what}"));
        let r = s
            .anon()
            .post(
                "/auth/sign-up",
                json!({"email": format!("{}@example.com", Uuid::new_v4().simple()),
                       "password": "a long password", "name": name}),
            )
            .await;
        assert_field(&r, "name", "visible", &format!("sign-up {what}"));
    }
    assert_eq!(u.get("/heroes").await.body["pagination"]["total"], 0);
    // A joiner inside an emoji sequence is part of it; other invisible characters inside
    // visible text are accepted but not stored (issue 17: what is stored is what was typed,
    // minus invisible characters, which only ever hide something).
    for (name, stored) in [("👩\u{200D}👧", "👩\u{200D}👧"), ("Lé\u{200B}a", "Léa")] {
        let r = u
            .post(
                "/heroes",
                json!({"name": name, "age": 5, "traits": ["brave"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{name:?}: {}", r.text);
        assert_eq!(r.data()["name"], stored);
    }
}

async fn look_alike_emails_are_one_account_or_refused(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let anon = s.anon();
    let sign_up =
        |email: &str| json!({"email": email, "password": "a long password", "name": "Admin"});
    let r = anon
        .post("/auth/sign-up", sign_up("admin@example.com"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    // Fullwidth letters and a ligature are the same address after NFKC.
    for same in ["ＡＤＭＩＮ@example.com", "ａｄｍｉｎ@ｅｘａｍｐｌｅ.ｃｏｍ"] {
        let r = anon.post("/auth/sign-up", sign_up(same)).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{same}: {}", r.text);
        assert_eq!(r.code(), "EMAIL_TAKEN", "{same}");
        let r = anon
            .post(
                "/auth/sign-in",
                json!({"email": same, "password": "a long password"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{same}: {}", r.text);
        assert_eq!(r.data()["user"]["email"], "admin@example.com");
    }
    let r = anon
        .post("/auth/sign-up", sign_up("ﬁona@example.com"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.data()["user"]["email"], "fiona@example.com");
    // Latin mixed with Cyrillic or Greek letters in one part is refused, on sign-up and
    // sign-in alike.
    for mixed in [
        "\u{430}dmin@example.com",
        "adm\u{456}n@example.com",
        "j\u{3BF}hn@example.com",
        "admin@ex\u{430}mple.com",
    ] {
        let r = anon.post("/auth/sign-up", sign_up(mixed)).await;
        assert_field(&r, "email", "alphabets", mixed);
        let r = anon
            .post(
                "/auth/sign-in",
                json!({"email": mixed, "password": "a long password"}),
            )
            .await;
        assert_field(&r, "email", "alphabets", mixed);
    }
    // An address wholly in one other alphabet is an address like any other.
    let r = anon
        .post("/auth/sign-up", sign_up("иван@example.com"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

async fn duplicate_sig_is_an_enveloped_400(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let key = "users/0193a1b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b/avatars/x.png";
    let r = s
        .anon()
        .get(&format!("/media/{key}?expires=9999999999&sig=aa&sig=bb"))
        .await;
    assert_field(&r, "sig", "only once", "duplicate sig");
    let r = s
        .anon()
        .get(&format!("/media/{key}?expires=1&expires=2&sig=aa"))
        .await;
    assert_field(&r, "expires", "only once", "duplicate expires");
}

async fn oversized_uri_and_headers_are_enveloped(kind: DbKind) {
    let s = TestServer::start(kind).await;
    let u = s.user().await;
    let long = format!("/heroes?limit=5&x={}", "a".repeat(9 * 1024));
    let r = u.get(&long).await;
    assert_eq!(r.status, StatusCode::URI_TOO_LONG, "{}", r.text);
    assert_eq!(r.code(), "URI_TOO_LONG", "{}", r.text);
    assert!(r.body["data"].is_null());
    assert!(r.header("x-request-id").is_some());
    let big = "b".repeat(40 * 1024);
    let r = u
        .send(Method::GET, "/heroes", None, &[("x-big", &big)])
        .await;
    assert_eq!(
        r.status,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "{}",
        r.text
    );
    assert_eq!(r.code(), "HEADERS_TOO_LARGE", "{}", r.text);
    // Many headers that add up over the limit count too.
    let many: Vec<(String, String)> = (0..40)
        .map(|i| (format!("x-h{i}"), "c".repeat(1000)))
        .collect();
    let refs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = u.send(Method::GET, "/heroes", None, &refs).await;
    assert_eq!(r.code(), "HEADERS_TOO_LARGE", "{}", r.text);
    // Just under the limits is served as usual.
    let fine = format!("/heroes?limit=5&x={}", "a".repeat(7 * 1024));
    assert_eq!(u.get(&fine).await.status, StatusCode::OK);
}

db_tests!(
    wrong_types_name_the_field,
    push_fields_errors_are_keyed_under_fields,
    trailing_bytes_after_the_body_are_refused,
    invisible_only_names_are_blank,
    look_alike_emails_are_one_account_or_refused,
    duplicate_sig_is_an_enveloped_400,
    oversized_uri_and_headers_are_enveloped,
);

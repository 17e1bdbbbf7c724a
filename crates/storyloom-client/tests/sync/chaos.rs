//! Exactly-once under a hostile network: two devices make several hundred random offline
//! mutations and sync through [`Proxy`], which drops requests, delays them, answers 500 and —
//! above all — lets the server commit and then cuts the response. Afterwards a clean path
//! settles both devices, and the server's state must equal the state computed from the
//! mutations: nothing lost, nothing applied twice (play counts add up to the play), nothing
//! extra, nothing parked or in conflict, and both caches agree with the server.
//!
//! The run is seeded (`STORYLOOM_CHAOS_SEED` overrides the default) and prints its seed, so a
//! failure can be replayed; the fault timing still varies from run to run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;
use storyloom_client::{Client, Error, RetryKind, SyncConfig};
use storyloom_domain::{CustomEventUpdate, HeroUpdate, StoryUpdate};
use storyloom_testkit::{DbKind, TestServer, db_tests};
use uuid::Uuid;

use crate::helpers::*;
use crate::proxy::{Fault, Faults, Proxy};

/// Local mutations per run (both devices together).
const MUTATIONS: usize = 400;

#[derive(Debug, Clone, PartialEq)]
struct HeroExp {
    name: String,
    age: i64,
}

#[derive(Debug, Clone, PartialEq)]
struct StoryExp {
    title: String,
    content: String,
    favorite: bool,
    plays: i64,
}

#[derive(Debug, Clone, PartialEq)]
struct EventExp {
    title: String,
    description: String,
    favorite: bool,
}

/// What the server must hold in the end: `None` marks an entity deleted along the way.
#[derive(Debug, Default)]
struct Model {
    heroes: BTreeMap<Uuid, Option<HeroExp>>,
    stories: BTreeMap<Uuid, Option<StoryExp>>,
    events: BTreeMap<Uuid, Option<EventExp>>,
    /// Which device made the entity; only it edits or deletes it, so the expected result
    /// does not depend on conflict rules (those have their own tests). Play counts are the
    /// exception: both devices play the shared stories, and the plays must add up.
    owner: BTreeMap<Uuid, usize>,
    /// Stories both devices play; never deleted.
    shared_stories: Vec<Uuid>,
    /// Hero of each story.
    story_hero: BTreeMap<Uuid, Uuid>,
    /// What happened to each entity, with the step numbers of the run (for failure messages).
    history: BTreeMap<Uuid, Vec<String>>,
}

impl Model {
    fn live_heroes_of(&self, dev: usize) -> Vec<Uuid> {
        self.heroes
            .iter()
            .filter(|(id, h)| h.is_some() && self.owner[*id] == dev)
            .map(|(id, _)| *id)
            .collect()
    }

    fn live_stories_of(&self, dev: usize) -> Vec<Uuid> {
        self.stories
            .iter()
            .filter(|(id, s)| s.is_some() && self.owner[*id] == dev)
            .map(|(id, _)| *id)
            .collect()
    }

    fn live_events_of(&self, dev: usize) -> Vec<Uuid> {
        self.events
            .iter()
            .filter(|(id, e)| e.is_some() && self.owner[*id] == dev)
            .map(|(id, _)| *id)
            .collect()
    }

    fn note(&mut self, id: Uuid, step: usize, dev: usize, what: String) {
        self.history
            .entry(id)
            .or_default()
            .push(format!("#{step} dev{dev} {what}"));
    }

    /// A story and what happened to it, for failure messages.
    fn story(&self, id: &Uuid) -> String {
        format!("story {id}, history {:#?}", self.history.get(id))
    }

    fn hero_has_live_story(&self, hero: Uuid) -> bool {
        self.story_hero
            .iter()
            .any(|(s, h)| *h == hero && self.stories[s].is_some())
    }
}

fn chaos_seed(kind: DbKind) -> u64 {
    std::env::var("STORYLOOM_CHAOS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(match kind {
            DbKind::Sqlite => 0x5eed_0001,
            DbKind::Postgres => 0x5eed_0002,
        })
}

fn faults() -> Faults {
    Faults {
        drop_before_forward: 0.08,
        error_500: 0.07,
        cut_response: 0.18,
        delay: 0.10,
        max_delay: Duration::from_millis(60),
    }
}

fn through(proxy: &Proxy, a: &Client) -> Client {
    let store = memory_store();
    store.save(&a.api().session().unwrap()).unwrap();
    Client::builder(proxy.url())
        .retry(fast_retry())
        .session_store(store)
        .sync_config(SyncConfig {
            push_batch: 4,
            pull_limit: 10,
            ..Default::default()
        })
        .build()
        .unwrap()
}

/// A sync that met the proxy's faults may fail, but only the way a bad network fails.
fn only_network_trouble(r: Result<storyloom_client::SyncReport, Error>, seed: u64) {
    if let Err(e) = r {
        assert!(
            matches!(
                e.retry_kind(),
                RetryKind::Network | RetryKind::Transient { .. }
            ),
            "seed {seed}: a sync failed for a reason the network cannot explain: {e:?}"
        );
    }
}

fn word(rng: &mut fastrand::Rng) -> String {
    const WORDS: &[&str] = &[
        "moon", "river", "dragon", "lantern", "pebble", "owl", "comet", "garden", "castle", "fox",
    ];
    format!("{} {}", WORDS[rng.usize(..WORDS.len())], rng.u32(..100_000))
}

/// Everything the server holds for the account, read with a plain HTTP client (not the
/// client core under test): `(entity, id) → data`, tombstones left out.
async fn server_state(server: &TestServer, token: &str) -> BTreeMap<(String, Uuid), Value> {
    let http = reqwest::Client::new();
    let mut out = BTreeMap::new();
    let mut since = String::new();
    loop {
        let body: Value = http
            .get(server.api("/sync/changes"))
            .query(&[("since", since.as_str()), ("limit", "1000")])
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let data = &body["data"];
        for c in data["changes"].as_array().unwrap() {
            let key = (
                c["entity"].as_str().unwrap().to_owned(),
                c["id"].as_str().unwrap().parse().unwrap(),
            );
            if c["deleted"].as_bool().unwrap() {
                out.remove(&key);
            } else {
                out.insert(key, c["data"].clone());
            }
        }
        since = data["cursor"].as_str().unwrap().to_owned();
        if !data["hasMore"].as_bool().unwrap() {
            return out;
        }
    }
}

async fn random_mutations_through_a_faulty_network_land_exactly_once(kind: DbKind) {
    let started = Instant::now();
    let seed = chaos_seed(kind);
    eprintln!("chaos seed {seed} (set STORYLOOM_CHAOS_SEED to replay)");
    let mut rng = fastrand::Rng::with_seed(seed);
    let server = TestServer::start(kind).await;
    let (a0, b0, _) = two_devices(&server).await;
    let proxy = Proxy::start(server.url(), seed ^ 0xfa17).await;
    let devices = [through(&proxy, &a0), through(&proxy, &b0)];
    let token = a0.api().session().unwrap().session.token;
    let mut m = Model::default();

    // Shared ground, made on a clean network: a hero and stories both devices play.
    let [a, b] = &devices;
    let shared_hero = a.heroes().create(hero("Shared")).await.unwrap().id;
    m.heroes.insert(
        shared_hero.into(),
        Some(HeroExp {
            name: "Shared".into(),
            age: 6,
        }),
    );
    m.owner.insert(shared_hero.into(), 0);
    for i in 0..4 {
        let title = format!("Shared {i}");
        let s = a
            .stories()
            .create(imported_story(shared_hero.into(), &title))
            .await
            .unwrap();
        m.stories.insert(
            s.id.into(),
            Some(StoryExp {
                title,
                content: s.content.clone(),
                favorite: false,
                plays: 0,
            }),
        );
        m.owner.insert(s.id.into(), 0);
        m.story_hero.insert(s.id.uuid(), shared_hero.uuid());
        m.shared_stories.push(s.id.into());
    }
    settle(a, b).await;

    proxy.set_faults(Some(faults()));
    let (mut done, mut syncs) = (0, 0);
    let mut syncs_log: Vec<String> = Vec::new();
    while done < MUTATIONS {
        let dev = rng.usize(..2);
        let c = &devices[dev];
        let roll = rng.u32(..100);
        // Pick the action; fall back to creating a hero when there is nothing to act on.
        let own_heroes = m.live_heroes_of(dev);
        let own_stories = m.live_stories_of(dev);
        let own_events = m.live_events_of(dev);
        match roll {
            0..=7 => {
                let r = c.sync().sync_all().await;
                syncs_log.push(format!(
                    "#{done} dev{dev} sync_all {:?}",
                    r.as_ref().map_err(|e| e.to_string())
                ));
                only_network_trouble(r, seed);
                syncs += 1;
                continue;
            }
            8..=9 => {
                let r = c.sync().push_outbox().await;
                syncs_log.push(format!(
                    "#{done} dev{dev} push_outbox {:?}",
                    r.as_ref().map_err(|e| e.to_string())
                ));
                only_network_trouble(r, seed);
                syncs += 1;
                continue;
            }
            20..=27 if !own_heroes.is_empty() => {
                let id = own_heroes[rng.usize(..own_heroes.len())];
                let name = word(&mut rng);
                let age = rng.i64(1..=17);
                let patch = if rng.bool() {
                    HeroUpdate {
                        name: Some(name.clone()),
                        age: Some(age),
                        ..Default::default()
                    }
                } else {
                    HeroUpdate {
                        name: Some(name.clone()),
                        ..Default::default()
                    }
                };
                let new_age = patch.age;
                c.heroes().update(id.into(), patch).await.unwrap();
                let h = m.heroes.get_mut(&id).unwrap().as_mut().unwrap();
                h.name = name;
                if let Some(a) = new_age {
                    h.age = a;
                }
            }
            28..=31 if own_heroes.iter().any(|h| !m.hero_has_live_story(*h)) => {
                let free: Vec<Uuid> = own_heroes
                    .iter()
                    .copied()
                    .filter(|h| !m.hero_has_live_story(*h))
                    .collect();
                let id = free[rng.usize(..free.len())];
                c.heroes().delete(id.into()).await.unwrap();
                m.heroes.insert(id, None);
            }
            32..=41 => {
                let mut heroes = own_heroes.clone();
                heroes.push(shared_hero.into());
                let h = heroes[rng.usize(..heroes.len())];
                let title = word(&mut rng);
                let s = c.stories().create(imported_story(h, &title)).await.unwrap();
                m.stories.insert(
                    s.id.into(),
                    Some(StoryExp {
                        title,
                        content: s.content.clone(),
                        favorite: false,
                        plays: 0,
                    }),
                );
                m.owner.insert(s.id.into(), dev);
                m.story_hero.insert(s.id.into(), h);
                m.note(s.id.into(), done, dev, "create".into());
            }
            42..=51 if !own_stories.is_empty() => {
                let id = own_stories[rng.usize(..own_stories.len())];
                let exp = m.stories.get_mut(&id).unwrap().as_mut().unwrap();
                let patch = match rng.u8(..3) {
                    0 => {
                        exp.title = word(&mut rng);
                        StoryUpdate {
                            title: Some(exp.title.clone()),
                            ..Default::default()
                        }
                    }
                    1 => {
                        exp.content = format!("{}.\n\nThe end.", word(&mut rng));
                        StoryUpdate {
                            content: Some(exp.content.clone()),
                            ..Default::default()
                        }
                    }
                    _ => {
                        exp.favorite = !exp.favorite;
                        StoryUpdate {
                            is_favorite: Some(exp.favorite),
                            ..Default::default()
                        }
                    }
                };
                m.note(id, done, dev, format!("update {patch:?}"));
                c.stories().update(id.into(), patch).await.unwrap();
            }
            52..=55 if own_stories.iter().any(|s| !m.shared_stories.contains(s)) => {
                let private: Vec<Uuid> = own_stories
                    .iter()
                    .copied()
                    .filter(|s| !m.shared_stories.contains(s))
                    .collect();
                let id = private[rng.usize(..private.len())];
                c.stories().delete(id.into()).await.unwrap();
                m.stories.insert(id, None);
                m.note(id, done, dev, "delete".into());
            }
            56..=63 => {
                let title = word(&mut rng);
                let e = c.custom_events().create(event(&title)).await.unwrap();
                m.events.insert(
                    e.id.into(),
                    Some(EventExp {
                        title,
                        description: String::new(),
                        favorite: false,
                    }),
                );
                m.owner.insert(e.id.into(), dev);
            }
            64..=70 if !own_events.is_empty() => {
                let id = own_events[rng.usize(..own_events.len())];
                let exp = m.events.get_mut(&id).unwrap().as_mut().unwrap();
                exp.description = word(&mut rng);
                exp.favorite = rng.bool();
                c.custom_events()
                    .update(
                        id.into(),
                        CustomEventUpdate {
                            description: Some(exp.description.clone()),
                            is_favorite: Some(exp.favorite),
                            ..Default::default()
                        },
                    )
                    .await
                    .unwrap();
            }
            71..=73 if !own_events.is_empty() => {
                let id = own_events[rng.usize(..own_events.len())];
                c.custom_events().delete(id.into()).await.unwrap();
                m.events.insert(id, None);
            }
            74..=99 => {
                let mut playable: Vec<Uuid> = m.shared_stories.clone();
                playable.extend(own_stories.iter().filter(|s| !m.shared_stories.contains(s)));
                let id = playable[rng.usize(..playable.len())];
                let n = rng.i64(1..=5);
                c.stories().play(id.into(), n).await.unwrap();
                m.note(id, done, dev, format!("play {n}"));
                m.stories.get_mut(&id).unwrap().as_mut().unwrap().plays += n;
            }
            _ => {
                let name = word(&mut rng);
                let h = c.heroes().create(hero(&name)).await.unwrap();
                m.heroes.insert(h.id.into(), Some(HeroExp { name, age: 6 }));
                m.owner.insert(h.id.into(), dev);
            }
        }
        done += 1;
    }

    // The faults must really have happened, above all "committed, then cut" on pushes.
    let log = proxy.exchanges();
    let count = |f: Fault, path: &str| {
        log.iter()
            .filter(|e| e.fault == f && e.path() == path)
            .count()
    };
    let cut_pushes = log
        .iter()
        .filter(|e| {
            e.fault == Fault::CutResponse && e.path() == "/api/sync/push" && e.status == Some(200)
        })
        .count();
    eprintln!(
        "seed {seed}: {} requests, {syncs} syncs; pushes cut after commit {cut_pushes}, \
         dropped {}, 500 {}; pulls cut {}",
        log.len(),
        count(Fault::DropBeforeForward, "/api/sync/push"),
        count(Fault::Error500, "/api/sync/push"),
        count(Fault::CutResponse, "/api/sync/changes"),
    );
    assert!(
        cut_pushes >= 10,
        "seed {seed}: too few committed-then-cut pushes ({cut_pushes})"
    );
    assert!(count(Fault::DropBeforeForward, "/api/sync/push") >= 3);
    assert!(count(Fault::Error500, "/api/sync/push") >= 3);
    assert!(count(Fault::CutResponse, "/api/sync/changes") >= 3);
    assert!(log.iter().filter(|e| e.delayed).count() >= 5);

    // A clean path from here on: sync until both outboxes are empty, then once more each so
    // both have pulled everything.
    proxy.set_faults(None);
    let mut rounds = 0;
    loop {
        for c in &devices {
            c.sync().sync_all().await.unwrap();
        }
        let empty = devices[0].sync().outbox().await.unwrap().is_empty()
            && devices[1].sync().outbox().await.unwrap().is_empty();
        if empty {
            break;
        }
        rounds += 1;
        assert!(
            rounds < 5,
            "seed {seed}: outbox not draining: {:?} / {:?}",
            devices[0].sync().outbox().await.unwrap(),
            devices[1].sync().outbox().await.unwrap()
        );
    }
    devices[0].sync().sync_all().await.unwrap();
    for c in &devices {
        assert!(
            c.sync().conflicts().await.unwrap().is_empty(),
            "seed {seed}: conflicts: {:?}",
            c.sync().conflicts().await.unwrap()
        );
    }

    // The server: exactly the expected entities, with the expected fields.
    let state = server_state(&server, &token).await;
    let live = |kind: &str| -> BTreeMap<Uuid, &Value> {
        state
            .iter()
            .filter(|((k, _), _)| k == kind)
            .map(|((_, id), v)| (*id, v))
            .collect()
    };
    let (heroes, stories, events) = (live("hero"), live("story"), live("customEvent"));
    let expect_heroes: BTreeMap<Uuid, &HeroExp> = m
        .heroes
        .iter()
        .filter_map(|(id, h)| Some((*id, h.as_ref()?)))
        .collect();
    let expect_stories: BTreeMap<Uuid, &StoryExp> = m
        .stories
        .iter()
        .filter_map(|(id, s)| Some((*id, s.as_ref()?)))
        .collect();
    let expect_events: BTreeMap<Uuid, &EventExp> = m
        .events
        .iter()
        .filter_map(|(id, e)| Some((*id, e.as_ref()?)))
        .collect();
    assert_eq!(
        heroes.keys().collect::<Vec<_>>(),
        expect_heroes.keys().collect::<Vec<_>>(),
        "seed {seed}: hero set"
    );
    assert_eq!(
        stories.keys().collect::<Vec<_>>(),
        expect_stories.keys().collect::<Vec<_>>(),
        "seed {seed}: story set"
    );
    assert_eq!(
        events.keys().collect::<Vec<_>>(),
        expect_events.keys().collect::<Vec<_>>(),
        "seed {seed}: custom event set"
    );
    for (id, exp) in &expect_heroes {
        let got = heroes[id];
        assert_eq!(got["name"], exp.name.as_str(), "seed {seed}: hero {id}");
        assert_eq!(got["age"], exp.age, "seed {seed}: hero {id}");
    }
    let (mut expected_plays, mut server_plays) = (0, 0);
    for (id, exp) in &expect_stories {
        let got = stories[id];
        let found = (
            got["title"].as_str(),
            got["content"].as_str(),
            got["isFavorite"].as_bool(),
            got["playCount"].as_i64(),
        );
        let wanted = (
            Some(exp.title.as_str()),
            Some(exp.content.as_str()),
            Some(exp.favorite),
            Some(exp.plays),
        );
        assert_eq!(
            found,
            wanted,
            "seed {seed}: (title, content, favourite, plays) of {}\nsyncs:\n{}",
            m.story(id),
            syncs_log.join("\n")
        );
        expected_plays += exp.plays;
        server_plays += got["playCount"].as_i64().unwrap();
    }
    for (id, exp) in &expect_events {
        let got = events[id];
        assert_eq!(got["title"], exp.title.as_str(), "seed {seed}: event {id}");
        assert_eq!(
            got["description"],
            exp.description.as_str(),
            "seed {seed}: event {id}"
        );
        assert_eq!(got["isFavorite"], exp.favorite, "seed {seed}: event {id}");
    }
    assert_eq!(server_plays, expected_plays);
    let shared_plays: i64 = m
        .shared_stories
        .iter()
        .map(|s| expect_stories[s].plays)
        .sum();
    assert!(shared_plays > 0, "both devices played the shared stories");

    // Both caches show what the server holds.
    for (dev, c) in devices.iter().enumerate() {
        let mut local: Vec<(Uuid, String, i64)> = c
            .heroes()
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|h| (h.id.uuid(), h.name, h.age))
            .collect();
        local.sort();
        let want: Vec<(Uuid, String, i64)> = expect_heroes
            .iter()
            .map(|(id, h)| (*id, h.name.clone(), h.age))
            .collect();
        assert_eq!(
            local, want,
            "seed {seed}: heroes in the cache of device {dev}"
        );
        let mut local: Vec<(Uuid, String, String, bool, i64)> = c
            .stories()
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|s| (s.id.uuid(), s.title, s.content, s.is_favorite, s.play_count))
            .collect();
        local.sort_by_key(|s| s.0);
        let want: Vec<(Uuid, String, String, bool, i64)> = expect_stories
            .iter()
            .map(|(id, s)| (*id, s.title.clone(), s.content.clone(), s.favorite, s.plays))
            .collect();
        assert_eq!(
            local, want,
            "seed {seed}: stories in the cache of device {dev}"
        );
        let mut local: Vec<(Uuid, String, String, bool)> = c
            .custom_events()
            .list()
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.id.uuid(), e.title, e.description, e.is_favorite))
            .collect();
        local.sort_by_key(|e| e.0);
        let want: Vec<(Uuid, String, String, bool)> = expect_events
            .iter()
            .map(|(id, e)| (*id, e.title.clone(), e.description.clone(), e.favorite))
            .collect();
        assert_eq!(
            local, want,
            "seed {seed}: events in the cache of device {dev}"
        );
    }
    eprintln!(
        "seed {seed}: {} heroes, {} stories, {} events, {expected_plays} plays, in {:?}",
        expect_heroes.len(),
        expect_stories.len(),
        expect_events.len(),
        started.elapsed()
    );
}

db_tests!(random_mutations_through_a_faulty_network_land_exactly_once);

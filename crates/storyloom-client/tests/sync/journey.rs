//! The Reading Journey offline and online: the same sessions give the same five figures from
//! the device's cache (`client.journey()`) and from the server (`/api/journey/*`), across the
//! Paris change to summer time and in zones whose day starts before or after UTC's. Sessions
//! are recorded while the server is down and counted on the device at once.

use serde_json::{Value, json};
use storyloom_client::Client;
use storyloom_domain::{
    ActivityRange, GenerationStatus, Language, ListeningSessionCreate, StoryId, Timezone, time,
};
use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::*;

const NOW_MS: i64 = 1_776_024_000_000; // 2026-04-12T20:00:00Z
const ZONES: [&str; 4] = ["UTC", "Europe/Paris", "America/Los_Angeles", "Asia/Tokyo"];

fn listen(story: StoryId, start: &str, secs: i64, completed: bool) -> ListeningSessionCreate {
    ListeningSessionCreate {
        id: None,
        story_id: story,
        started_at: chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .to_utc(),
        ended_at: None,
        duration_seconds: secs,
        completed,
    }
}

/// The five figures of the device, as JSON, in `zone`.
async fn on_device(c: &Client, zone: &str) -> Vec<Value> {
    let snap = c.journey().snapshot().await.unwrap();
    let tz: Timezone = zone.parse().unwrap();
    let j = snap.journey(tz, time::from_millis(NOW_MS));
    vec![
        serde_json::to_value(j.summary()).unwrap(),
        serde_json::to_value(j.activity(ActivityRange::Week)).unwrap(),
        serde_json::to_value(j.activity(ActivityRange::All)).unwrap(),
        serde_json::to_value(j.heroes()).unwrap(),
        serde_json::to_value(j.milestones(Language::En)).unwrap(),
        serde_json::to_value(j.insights()).unwrap(),
    ]
}

/// The same five figures from the server.
async fn on_server(server: &TestServer, c: &Client, zone: &str) -> Vec<Value> {
    let token = c.api().session().unwrap().session.token;
    let http = server.anon().with_token(&token);
    let mut out = Vec::new();
    for path in [
        "summary",
        "activity?range=week",
        "activity?range=all",
        "heroes",
        "milestones",
        "insights",
    ] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let r = http
            .get(&format!("/journey/{path}{sep}timezone={zone}"))
            .await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        out.push(r.data().clone());
    }
    out
}

async fn the_same_sessions_give_the_same_figures_offline_and_online(kind: DbKind) {
    let mut server = TestServer::start_with(kind, |c| c.journey_now_ms = Some(NOW_MS)).await;
    let (a, _b, _) = two_devices(&server).await;
    let lea = a.heroes().create(hero("Léa")).await.unwrap();
    let tom = a.heroes().create(hero("Tom")).await.unwrap();
    let moon = a
        .stories()
        .create(imported_story(lea.id.into(), "Moon"))
        .await
        .unwrap();
    let sea = a
        .stories()
        .create(imported_story(lea.id.into(), "Sea"))
        .await
        .unwrap();
    let forest = a
        .stories()
        .create(imported_story(tom.id.into(), "Forest"))
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    // Narration finished on the server; the device learns its length by pulling.
    let user = a.api().session().unwrap().user.id;
    for (story, secs) in [(moon.id, 600.0), (forest.id, 400.0)] {
        server
            .store()
            .set_story_audio(
                user,
                story,
                GenerationStatus::Completed,
                Some("a.mp3"),
                Some(secs),
                1,
            )
            .await
            .unwrap();
    }
    a.sync().sync_all().await.unwrap();

    // Offline: every listen is recorded on the device.
    server.stop().await;
    let mut sessions = vec![
        listen(moon.id, "2026-03-02T19:00:00Z", 600, true),
        listen(sea.id, "2026-03-16T08:00:00Z", 1200, true),
    ];
    for d in 27..=31 {
        sessions.push(listen(
            forest.id,
            &format!("2026-03-{d}T22:30:00Z"),
            300,
            true,
        ));
    }
    sessions.extend([
        listen(moon.id, "2026-04-06T12:00:00Z", 2000, true),
        listen(sea.id, "2026-04-07T12:00:00Z", 1800, true),
        listen(moon.id, "2026-04-08T12:00:00Z", 600, false),
        listen(forest.id, "2026-04-10T01:00:00Z", 900, true),
        listen(sea.id, "2026-04-11T23:00:00Z", 600, true),
    ]);
    for s in sessions {
        a.listening().create(s).await.unwrap();
    }
    let mut offline = Vec::new();
    for zone in ZONES {
        offline.push(on_device(&a, zone).await);
    }
    let summary = &offline[0][0];
    assert_eq!(summary["totalListens"], 12);
    assert_eq!(summary["totalListeningMinutes"], json!(130.0));
    assert_eq!(
        offline[1][0]["longestStreak"], 3,
        "Paris across the change to summer time"
    );
    // Not yet synced: the heroes come from the stories.
    assert_eq!(offline[0][3][0]["heroName"], "Léa");
    assert_eq!(offline[0][3][0]["listens"], 6);

    server.restart().await;
    a.sync().sync_all().await.unwrap();
    assert!(a.sync().outbox().await.unwrap().is_empty());
    for (zone, before) in ZONES.into_iter().zip(&offline) {
        let online = on_server(&server, &a, zone).await;
        let after = on_device(&a, zone).await;
        assert_eq!(&online, before, "{zone}: server vs the device offline");
        assert_eq!(online, after, "{zone}: server vs the device after sync");
    }
    // Each listen counted once on its story, by the server when it synced.
    let moon_now = a.api().get_story(moon.id).await.unwrap();
    assert_eq!(moon_now.play_count, 3);
}

db_tests!(the_same_sessions_give_the_same_figures_offline_and_online);

//! Client core benchmark: the real server in-process on SQLite (storyloom-testkit), two client
//! cores with file-backed caches, and these measurements:
//!
//! - optimistic write: latency of a hero create through the repository (local row + outbox
//!   in one transaction), p50/p99 over 1,000 creates;
//! - cache list: `heroes().list()` of those 1,000 heroes (median of 10 runs);
//! - push: `push_outbox()` of the 1,000 queued creates;
//! - initial sync: a second device pulls 10,000 entities (heroes, stories, custom events);
//! - delta sync: after 10 changes among the 10,000, the second device syncs again.
//!
//! The second device talks to the server through a byte-counting TCP relay, so "bytes" are
//! what crossed the wire towards the client: HTTP heads and bodies, uncompressed (the client
//! does not ask for gzip).
//!
//! ```text
//! cargo run --release -p storyloom-client --example client_bench -- [--json out.json]
//! ```

use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use storyloom_client::{Client, SyncConfig};
use storyloom_domain::{
    CustomEventCreate, EventType, HeroCreate, HeroTrait, HeroUpdate, Language, SignIn, SignUp,
    StoryCreate,
};
use storyloom_testkit::{DbKind, TestServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

type Res<T> = Result<T, Box<dyn Error>>;

const WRITES: usize = 1_000;
const ENTITIES: usize = 10_000;
const CHANGES: usize = 10;
const PASSWORD: &str = "correct horse battery";

fn hero(name: String) -> HeroCreate {
    HeroCreate {
        id: None,
        name,
        age: 6,
        traits: vec![HeroTrait::Brave, HeroTrait::Curious],
        special_ability: Some("Talks to owls".into()),
        appearance: None,
        hair_color: None,
        eye_color: None,
        skin_tone: None,
    }
}

/// A bedtime-sized story (~1 KB), so the feed carries realistic rows.
fn story(hero_id: uuid::Uuid, i: usize) -> StoryCreate {
    let content = format!(
        "Story {i}. Once upon a time a small hero set out at dusk to find the lantern that had \
         rolled into the whispering woods. "
    )
    .repeat(7);
    StoryCreate {
        id: None,
        hero_id: storyloom_domain::HeroId(hero_id),
        event_type: Some(EventType::Bedtime),
        custom_event_id: None,
        language: Language::En,
        generate_audio: false,
        generate_illustrations: false,
        voice: None,
        length: None,
        title: Some(format!("The lantern, part {i}")),
        content: Some(content),
    }
}

fn event(i: usize) -> CustomEventCreate {
    CustomEventCreate {
        id: None,
        title: format!("Pool day {i}"),
        description: Some("Swimming with grandma".into()),
        prompt_seed: "A day at the pool with grandma".into(),
        category: None,
        age_range: None,
        tone: None,
        pictogram_emoji: None,
        keywords: None,
        is_favorite: None,
    }
}

/// A TCP relay to `upstream` that counts the bytes sent back to the client.
async fn counting_relay(upstream: String, down: Arc<AtomicU64>) -> Res<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let (upstream, down) = (upstream.clone(), down.clone());
            tokio::spawn(async move {
                let Ok(mut server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.split();
                let (mut sr, mut sw) = server.split();
                let up = async {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                    let _ = sw.shutdown().await;
                };
                let back = async {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        down.fetch_add(n as u64, Ordering::Relaxed);
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                    let _ = cw.shutdown().await;
                };
                tokio::join!(up, back);
            });
        }
    });
    Ok(format!("http://{addr}"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn parse_args() -> Res<Option<PathBuf>> {
    let mut args = std::env::args().skip(1);
    let mut json = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--json" => json = Some(PathBuf::from(args.next().ok_or("--json needs a path")?)),
            other => return Err(format!("unknown argument {other}; usage: [--json <path>]").into()),
        }
    }
    Ok(json)
}

#[tokio::main]
async fn main() -> Res<()> {
    let json_path = parse_args()?;
    let started = Instant::now();
    // One family with 10,000 entities: more custom events than an account may keep by default.
    let server = TestServer::start_with(DbKind::Sqlite, |c| {
        c.user_max_custom_events = ENTITIES as i64;
        c.user_max_stories = ENTITIES as i64;
    })
    .await;
    let down = Arc::new(AtomicU64::new(0));
    let relay = counting_relay(
        server.url().trim_start_matches("http://").to_owned(),
        down.clone(),
    )
    .await?;
    let dirs = (tempfile::tempdir()?, tempfile::tempdir()?);

    let email = format!("bench-{}@example.com", uuid::Uuid::new_v4().simple());
    let a = Client::builder(server.url())
        .data_dir(dirs.0.path())
        .build()?;
    a.auth()
        .sign_up(&SignUp {
            email: email.clone(),
            password: PASSWORD.into(),
            name: None,
        })
        .await?;

    // 1. Optimistic writes.
    let mut lat = Vec::with_capacity(WRITES);
    let mut heroes = Vec::with_capacity(WRITES);
    for i in 0..WRITES {
        let t = Instant::now();
        let h = a.heroes().create(hero(format!("Hero {i}"))).await?;
        lat.push(t.elapsed());
        heroes.push(h.id);
    }
    lat.sort();
    let (write_p50, write_p99) = (percentile(&lat, 0.50), percentile(&lat, 0.99));

    // 2. Cache list of 1,000 heroes.
    let n = a.heroes().list().await?.len();
    assert_eq!(n, WRITES, "all heroes listed");
    let mut lists = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        let n = a.heroes().list().await?.len();
        lists.push(t.elapsed());
        assert_eq!(n, WRITES);
    }
    lists.sort();
    let list_median = percentile(&lists, 0.5);

    // 3. Push of the 1,000 queued creates.
    let t = Instant::now();
    let pushed = a.sync().push_outbox().await?;
    let push_time = t.elapsed();
    assert_eq!(pushed.pushed, WRITES, "{pushed:?}");

    // Seed the rest of the 10,000 entities (not measured as a figure of its own).
    let seed_start = Instant::now();
    let stories = (ENTITIES - WRITES) * 2 / 3;
    let events = ENTITIES - WRITES - stories;
    for i in 0..stories {
        a.stories()
            .create(story(heroes[i % heroes.len()].into(), i))
            .await?;
    }
    for i in 0..events {
        a.custom_events().create(event(i)).await?;
    }
    let seeded = a.sync().push_outbox().await?;
    assert_eq!(seeded.pushed, stories + events, "{seeded:?}");
    let seed_time = seed_start.elapsed();

    // 4. Initial sync of a second device.
    let b = Client::builder(relay.as_str())
        .data_dir(dirs.1.path())
        .sync_config(SyncConfig::default())
        .build()?;
    b.auth()
        .sign_in(&SignIn {
            email,
            password: PASSWORD.into(),
        })
        .await?;
    down.store(0, Ordering::Relaxed);
    let t = Instant::now();
    let initial = b.sync().sync_all().await?;
    let initial_time = t.elapsed();
    let initial_bytes = down.load(Ordering::Relaxed);
    assert_eq!(initial.pulled, ENTITIES, "{initial:?}");

    // 5. Ten changes on the first device, delta sync on the second.
    for (i, id) in heroes.iter().take(CHANGES).enumerate() {
        a.heroes()
            .update(
                *id,
                HeroUpdate {
                    age: Some(7 + (i % 5) as i64),
                    ..Default::default()
                },
            )
            .await?;
    }
    let changed = a.sync().push_outbox().await?;
    assert_eq!(changed.pushed, CHANGES);
    down.store(0, Ordering::Relaxed);
    let t = Instant::now();
    let delta = b.sync().sync_all().await?;
    let delta_time = t.elapsed();
    let delta_bytes = down.load(Ordering::Relaxed);
    assert_eq!(delta.pulled, CHANGES, "{delta:?}");

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "storyloom-client bench (server in-process on SQLite, file caches, {cpus} CPUs, {} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!("{:<52} {:>16}", "measurement", "result");
    println!("{}", "-".repeat(69));
    let row = |name: &str, value: String| println!("{name:<52} {value:>16}");
    row(
        "optimistic hero create, p50",
        format!("{:.3} ms", ms(write_p50)),
    );
    row(
        "optimistic hero create, p99",
        format!("{:.3} ms", ms(write_p99)),
    );
    row(
        "cache list of 1,000 heroes (median of 10)",
        format!("{:.3} ms", ms(list_median)),
    );
    row(
        "push of 1,000 queued mutations",
        format!("{:.1} ms", ms(push_time)),
    );
    row(
        "initial sync of 10,000 entities",
        format!("{:.1} ms", ms(initial_time)),
    );
    row("  bytes received", format!("{initial_bytes} B"));
    row(
        "delta sync of 10 changes among 10,000",
        format!("{:.1} ms", ms(delta_time)),
    );
    row("  bytes received", format!("{delta_bytes} B"));
    println!(
        "(seeding {} more entities took {:.1} s; whole run {:.1} s)",
        stories + events,
        seed_time.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    if let Some(path) = json_path {
        let report = json!({
            "build": if cfg!(debug_assertions) { "debug" } else { "release" },
            "cpus": cpus,
            "optimisticWrite": {
                "count": WRITES,
                "p50Ms": ms(write_p50),
                "p99Ms": ms(write_p99),
            },
            "cacheList": { "rows": WRITES, "medianMs": ms(list_median) },
            "push": { "mutations": WRITES, "ms": ms(push_time) },
            "initialSync": {
                "entities": ENTITIES,
                "ms": ms(initial_time),
                "bytesReceived": initial_bytes,
            },
            "deltaSync": {
                "changes": CHANGES,
                "among": ENTITIES,
                "ms": ms(delta_time),
                "bytesReceived": delta_bytes,
            },
        });
        std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

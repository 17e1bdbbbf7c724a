//! The figures against expectations worked out by hand, on one fixed family history.
//!
//! The history (times UTC; "now" is 2026-04-12T20:00Z):
//!
//! | # | startedAt          | story     | sent s | counted s | completed |
//! |---|--------------------|-----------|--------|-----------|-----------|
//! | 1 | 03-02 19:00        | Moon (A)  | 600    | 600       | yes       |
//! | 2 | 03-16 08:00        | Sea (A)   | 1200   | 1200      | yes       |
//! | 3–7 | 03-27…03-31 22:30 | Forest (B) | 300 | 300 each  | yes       |
//! | 8 | 04-06 12:00        | Moon (A)  | 2000   | 900 (cap) | yes       |
//! | 9 | 04-07 12:00        | Sea (A)   | 1800   | 1800      | yes       |
//! | 10 | 04-08 12:00       | Moon (A)  | 600    | 600       | no        |
//! | 11 | 04-10 01:00       | Forest (B) | 900   | 600 (cap) | yes       |
//! | 12 | 04-11 23:00       | Sea (A)   | 600    | 600       | yes       |
//! | 13 | 04-12 18:00       | deleted (A) | 300  | 300       | no        |
//!
//! Moon has 600 s of audio (cap 900), Forest 400 s (cap 600), Sea none. Sessions 3–7 straddle
//! the Paris change to summer time (2026-03-29 01:00Z): 4 is 23:30 CET on the 28th, 5 is 00:30
//! CEST on the 30th, so Paris has no completed listen on the 29th.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::*;
use crate::ids::ListeningSessionId;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

const HERO_A: u128 = 0xA;
const HERO_B: u128 = 0xB;
const HERO_C: u128 = 0xC;
const MOON: u128 = 0x51;
const SEA: u128 = 0x52;
const FOREST: u128 = 0x53;
const STARS: u128 = 0x54;
const DELETED: u128 = 0x59;

fn hero(n: u128) -> HeroId {
    Uuid::from_u128(n).into()
}

fn story(n: u128) -> StoryId {
    Uuid::from_u128(n).into()
}

fn stories() -> Vec<StoryFacts> {
    let s = |id, hero_id, title: &str, audio, fav| StoryFacts {
        id: story(id),
        hero_id: hero(hero_id),
        title: title.into(),
        audio_duration: audio,
        is_favorite: fav,
    };
    vec![
        s(MOON, HERO_A, "Moon", Some(600.0), false),
        s(SEA, HERO_A, "Sea", None, false),
        s(FOREST, HERO_B, "Forest", Some(400.0), true),
        s(STARS, HERO_B, "Stars", None, true),
    ]
}

fn heroes() -> Vec<HeroFacts> {
    let h = |id, name: &str| HeroFacts {
        id: hero(id),
        name: name.into(),
        avatar_url: None,
    };
    vec![h(HERO_C, "Zoé"), h(HERO_B, "Tom"), h(HERO_A, "Léa")]
}

fn session(n: u128, start: &str, st: u128, h: u128, secs: i64, done: bool) -> ListeningSession {
    ListeningSession {
        id: ListeningSessionId::from(Uuid::from_u128(0x1000 + n)),
        story_id: story(st),
        hero_id: hero(h),
        started_at: at(start),
        ended_at: None,
        duration_seconds: secs,
        completed: done,
        version: 1,
        created_at: at(start),
    }
}

fn sessions() -> Vec<ListeningSession> {
    let mut v = vec![
        session(1, "2026-03-02T19:00:00Z", MOON, HERO_A, 600, true),
        session(2, "2026-03-16T08:00:00Z", SEA, HERO_A, 1200, true),
    ];
    for (i, d) in (27..=31).enumerate() {
        let start = format!("2026-03-{d}T22:30:00Z");
        v.push(session(3 + i as u128, &start, FOREST, HERO_B, 300, true));
    }
    v.extend([
        session(8, "2026-04-06T12:00:00Z", MOON, HERO_A, 2000, true),
        session(9, "2026-04-07T12:00:00Z", SEA, HERO_A, 1800, true),
        session(10, "2026-04-08T12:00:00Z", MOON, HERO_A, 600, false),
        session(11, "2026-04-10T01:00:00Z", FOREST, HERO_B, 900, true),
        session(12, "2026-04-11T23:00:00Z", SEA, HERO_A, 600, true),
        session(13, "2026-04-12T18:00:00Z", DELETED, HERO_A, 300, false),
    ]);
    // The figures must not depend on the order sessions come in.
    v.reverse();
    v
}

fn now() -> DateTime<Utc> {
    at("2026-04-12T20:00:00Z")
}

fn zone(name: &str) -> Timezone {
    name.parse().unwrap()
}

/// Run `f` on the fixed history seen from `tz`.
fn with<T>(tz: &str, f: impl FnOnce(&Journey<'_>) -> T) -> T {
    let (s, st, h) = (sessions(), stories(), heroes());
    f(&Journey::new(&s, &st, &h, zone(tz), now()))
}

#[test]
fn summary_in_utc() {
    let s = with("UTC", |j| j.summary());
    assert_eq!(
        s,
        Summary {
            total_listens: 13,
            // 8100 counted seconds; uncapped it would be 9500.
            total_listening_minutes: 135.0,
            unique_stories_listened: 4,
            // Completed days …04-06, 04-07, 04-10, 04-11; none yet today (04-12).
            current_streak: 2,
            longest_streak: 5,
            favorite_stories_count: 2,
            last_listened_at: Some(at("2026-04-12T18:00:00Z")),
        }
    );
}

#[test]
fn streaks_follow_the_calendar_of_the_zone() {
    // (zone, current, longest), worked out from the local dates of the completed sessions.
    let cases = [
        // 03-27, 03-28, then 03-30…04-01 (summer time moves 5–7 past midnight): 3.
        // 04-12 01:00 (session 12) is today: 1.
        ("Europe/Paris", 1, 3),
        // 03-27…03-31 at 15:30; 04-09 18:00 and 04-11 16:00 are not consecutive; today 04-12
        // has no completed listen, yesterday's run is 1.
        ("America/Los_Angeles", 1, 5),
        // 03-28…04-01 at 07:30; today is 04-13 05:00, yesterday 04-12 (session 12) alone.
        ("Asia/Tokyo", 1, 5),
        ("UTC", 2, 5),
    ];
    for (tz, current, longest) in cases {
        let s = with(tz, |j| j.summary());
        assert_eq!(
            (s.current_streak, s.longest_streak),
            (current, longest),
            "{tz}"
        );
        assert_eq!(s.total_listening_minutes, 135.0, "{tz}");
    }
}

#[test]
fn current_streak_is_zero_when_yesterday_had_no_listen() {
    let (s, st, h) = (sessions(), stories(), heroes());
    let later = at("2026-04-14T12:00:00Z");
    let j = Journey::new(&s, &st, &h, Timezone::UTC, later);
    assert_eq!(j.summary().current_streak, 0);
    assert_eq!(j.summary().longest_streak, 5);
}

fn days(a: &JourneyActivity) -> Vec<(NaiveDate, f64, i64)> {
    a.days
        .iter()
        .map(|d| (d.date, d.minutes, d.listens))
        .collect()
}

#[test]
fn week_activity_per_zone() {
    let utc = with("UTC", |j| j.activity(ActivityRange::Week));
    assert_eq!((utc.from, utc.to), (day("2026-04-06"), day("2026-04-12")));
    assert_eq!(utc.timezone, Timezone::UTC);
    assert_eq!(
        days(&utc),
        vec![
            (day("2026-04-06"), 15.0, 1),
            (day("2026-04-07"), 30.0, 1),
            (day("2026-04-08"), 10.0, 1),
            (day("2026-04-09"), 0.0, 0),
            (day("2026-04-10"), 10.0, 1),
            (day("2026-04-11"), 10.0, 1),
            (day("2026-04-12"), 5.0, 1),
        ]
    );
    let tokyo = with("Asia/Tokyo", |j| j.activity(ActivityRange::Week));
    assert_eq!(
        (tokyo.from, tokyo.to),
        (day("2026-04-07"), day("2026-04-13"))
    );
    assert_eq!(
        days(&tokyo),
        vec![
            (day("2026-04-07"), 30.0, 1),
            (day("2026-04-08"), 10.0, 1),
            (day("2026-04-09"), 0.0, 0),
            (day("2026-04-10"), 10.0, 1),
            (day("2026-04-11"), 0.0, 0),
            (day("2026-04-12"), 10.0, 1),
            (day("2026-04-13"), 5.0, 1),
        ]
    );
    let la = with("America/Los_Angeles", |j| j.activity(ActivityRange::Week));
    assert_eq!(
        days(&la),
        vec![
            (day("2026-04-06"), 15.0, 1),
            (day("2026-04-07"), 30.0, 1),
            (day("2026-04-08"), 10.0, 1),
            (day("2026-04-09"), 10.0, 1),
            (day("2026-04-10"), 0.0, 0),
            (day("2026-04-11"), 10.0, 1),
            (day("2026-04-12"), 5.0, 1),
        ]
    );
}

#[test]
fn month_year_and_all_ranges() {
    let sum = |a: &JourneyActivity| {
        let m: f64 = a.days.iter().map(|d| d.minutes).sum();
        (
            a.days.len(),
            m,
            a.days.iter().map(|d| d.listens).sum::<i64>(),
        )
    };
    with("UTC", |j| {
        let month = j.activity(ActivityRange::Month);
        assert_eq!(month.from, day("2026-03-14"));
        // Everything but session 1 (03-02).
        assert_eq!(sum(&month), (30, 125.0, 12));
        let year = j.activity(ActivityRange::Year);
        assert_eq!(year.from, day("2025-04-13"));
        assert_eq!(sum(&year), (365, 135.0, 13));
        let all = j.activity(ActivityRange::All);
        assert_eq!((all.from, all.to), (day("2026-03-02"), day("2026-04-12")));
        assert_eq!(sum(&all), (42, 135.0, 13));
    });
    // Paris: sessions 5–7 land on 03-30, 03-31, 04-01; nothing on 03-29.
    with("Europe/Paris", |j| {
        let all = j.activity(ActivityRange::All);
        let on = |d: &str| all.days.iter().find(|x| x.date == day(d)).unwrap().listens;
        assert_eq!(
            ["2026-03-28", "2026-03-29", "2026-03-30", "2026-04-01"].map(on),
            [1, 0, 1, 1]
        );
    });
}

#[test]
fn heroes_most_minutes_first() {
    let figs = with("UTC", |j| j.heroes());
    let rows: Vec<_> = figs
        .iter()
        .map(|h| {
            let name = h.hero_name.as_str();
            (
                name,
                h.story_count,
                h.listens,
                h.listening_minutes,
                h.is_most_active,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            // Sessions 1, 2, 8, 9, 10, 12 and 13 (the deleted story was Léa's): 6000 s.
            ("Léa", 2, 7, 100.0, true),
            // Sessions 3–7 and 11: 2100 s.
            ("Tom", 2, 6, 35.0, false),
            ("Zoé", 0, 0, 0.0, false),
        ]
    );
}

#[test]
fn most_active_hero_tie_goes_to_the_most_recent_listen() {
    let st = stories();
    let h = heroes();
    let s = vec![
        session(1, "2026-04-01T10:00:00Z", SEA, HERO_A, 600, true),
        session(2, "2026-04-02T10:00:00Z", STARS, HERO_B, 600, true),
    ];
    let figs = Journey::new(&s, &st, &h, Timezone::UTC, now()).heroes();
    assert_eq!(figs[0].hero_name, "Tom");
    assert!(figs[0].is_most_active);
    assert!(!figs[1].is_most_active);
    let none = Journey::new(&[], &st, &h, Timezone::UTC, now()).heroes();
    assert!(none.iter().all(|f| !f.is_most_active));
}

#[test]
fn milestones_in_utc() {
    let ms = with("UTC", |j| j.milestones(Language::En));
    let rows: Vec<_> = ms
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                m.category,
                m.target,
                m.progress,
                m.unlocked_at,
            )
        })
        .collect();
    use MilestoneCategory::*;
    assert_eq!(
        rows,
        vec![
            ("listens-1", Stories, 1, 1, Some(at("2026-03-02T19:00:00Z"))),
            // The 5th completed session is the third Forest one.
            ("listens-5", Stories, 5, 5, Some(at("2026-03-29T22:30:00Z"))),
            // The 10th completed is session 11 (session 10 was not completed).
            (
                "listens-10",
                Stories,
                10,
                10,
                Some(at("2026-04-10T01:00:00Z"))
            ),
            ("listens-25", Stories, 25, 11, None),
            ("listens-50", Stories, 50, 11, None),
            // Completed seconds: 3300 after session 7, 4200 after session 8.
            ("hours-1", Time, 60, 60, Some(at("2026-04-06T12:00:00Z"))),
            // 7200 completed seconds in all.
            ("hours-5", Time, 300, 120, None),
            ("hours-10", Time, 600, 120, None),
            ("streak-7", Streak, 7, 5, None),
            ("streak-30", Streak, 30, 5, None),
        ]
    );
    assert!(ms.iter().all(|m| m.unlocked == m.unlocked_at.is_some()));
    assert_eq!(ms[0].title, "First story");
    assert_eq!(ms[8].title, "7-day streak");
}

#[test]
fn milestones_speak_the_five_languages() {
    let titles = |lang| with("UTC", |j| j.milestones(lang))[1].title.clone();
    assert_eq!(titles(Language::En), "5 stories");
    assert_eq!(titles(Language::Fr), "5 histoires");
    assert_eq!(titles(Language::Es), "5 historias");
    assert_eq!(titles(Language::De), "5 Geschichten");
    assert_eq!(titles(Language::It), "5 storie");
    let fr = with("UTC", |j| j.milestones(Language::Fr));
    assert_eq!(fr[9].title, "30 jours d'affilée");
    assert_eq!(fr[5].description, "Écouter une heure d'histoires au total");
}

#[test]
fn streak_milestone_unlocks_on_the_day_the_run_reaches_it_across_dst() {
    // 20:30 Paris time every day from 03-25 to 03-31: 19:30Z before the change, 18:30Z after.
    let mut s = Vec::new();
    for (i, d) in (25..=31).enumerate() {
        let utc_hour = if d < 29 { 19 } else { 18 };
        let start = format!("2026-03-{d}T{utc_hour}:30:00Z");
        s.push(session(i as u128, &start, SEA, HERO_A, 60, true));
        // A second listen the same evening does not count twice.
        s.push(session(
            100 + i as u128,
            &start.replace(":30:", ":45:"),
            SEA,
            HERO_A,
            60,
            true,
        ));
    }
    let st = stories();
    let h = heroes();
    let j = Journey::new(
        &s,
        &st,
        &h,
        zone("Europe/Paris"),
        at("2026-03-31T21:00:00Z"),
    );
    let streak7 = &j.milestones(Language::En)[8];
    assert_eq!(streak7.progress, 7);
    assert_eq!(streak7.unlocked_at, Some(at("2026-03-31T18:30:00Z")));
    assert_eq!(j.summary().current_streak, 7);
    // In Tokyo 19:30Z and 18:30Z fall on the next morning; still 7 consecutive days.
    let j = Journey::new(&s, &st, &h, zone("Asia/Tokyo"), at("2026-03-31T21:00:00Z"));
    assert_eq!(j.summary().longest_streak, 7);
}

#[test]
fn insights_in_utc() {
    let i = with("UTC", |j| j.insights());
    assert_eq!(
        i,
        Insights {
            // 8100 s / 13 sessions = 10.38 min.
            average_story_minutes: Some(10.4),
            // 13 sessions / 4 stories = 3.25.
            average_listens_per_story: Some(3.3),
            // Sessions 8, 9, 10 at 12:00: 3300 s.
            preferred_hour: Some(12),
            preferred_period: Some(Period::Afternoon),
            most_listened_story: Some(MostListenedStory {
                id: story(FOREST),
                title: "Forest".into(),
                listens: 6,
            }),
            unique_stories_listened: 4,
        }
    );
}

#[test]
fn preferred_hour_follows_the_zone() {
    // The hour of sessions 8–10 (3300 s) wins everywhere; where it falls differs.
    let cases = [
        ("Europe/Paris", 14, Period::Afternoon),
        ("America/Los_Angeles", 5, Period::Morning),
        ("Asia/Tokyo", 21, Period::Night),
    ];
    for (tz, hour, period) in cases {
        let i = with(tz, |j| j.insights());
        assert_eq!(
            (i.preferred_hour, i.preferred_period),
            (Some(hour), Some(period)),
            "{tz}"
        );
    }
}

#[test]
fn periods_have_the_issue_bands() {
    let p: Vec<Period> = (0..24).map(Period::of_hour).collect();
    use Period::*;
    assert_eq!(p[4], Night);
    assert_eq!(p[5], Morning);
    assert_eq!(p[11], Morning);
    assert_eq!(p[12], Afternoon);
    assert_eq!(p[16], Afternoon);
    assert_eq!(p[17], Evening);
    assert_eq!(p[20], Evening);
    assert_eq!(p[21], Night);
}

#[test]
fn no_sessions_gives_zeros_and_nulls_never_nan() {
    let st = stories();
    let h = heroes();
    let j = Journey::new(&[], &st, &h, zone("Asia/Tokyo"), now());
    let s = j.summary();
    assert_eq!((s.total_listens, s.total_listening_minutes), (0, 0.0));
    assert_eq!(
        (s.current_streak, s.longest_streak, s.last_listened_at),
        (0, 0, None)
    );
    assert_eq!(s.favorite_stories_count, 2);
    let i = j.insights();
    assert_eq!(i.average_story_minutes, None);
    assert_eq!(i.average_listens_per_story, None);
    assert_eq!((i.preferred_hour, i.preferred_period), (None, None));
    assert_eq!(i.most_listened_story, None);
    let week = j.activity(ActivityRange::Week);
    assert_eq!(week.days.len(), 7);
    assert!(week.days.iter().all(|d| d.minutes == 0.0 && d.listens == 0));
    let all = j.activity(ActivityRange::All);
    assert_eq!(
        (all.from, all.to, all.days.len()),
        (day("2026-04-13"), day("2026-04-13"), 1)
    );
    assert!(
        j.milestones(Language::De)
            .iter()
            .all(|m| !m.unlocked && m.progress == 0)
    );
    let json = serde_json::to_string(&(s, i)).unwrap();
    assert!(!json.contains("NaN"));
}

#[test]
fn timezones_are_iana_names() {
    assert_eq!(zone("Europe/Paris").name(), "Europe/Paris");
    assert_eq!(Timezone::default().name(), "UTC");
    let err = "Mars/Olympus_Mons".parse::<Timezone>().unwrap_err();
    assert!(err.field_errors().contains_key("timezone"));
    assert!("".parse::<Timezone>().is_err());
    let json = serde_json::to_value(zone("Asia/Tokyo")).unwrap();
    assert_eq!(json, serde_json::json!("Asia/Tokyo"));
    assert!(serde_json::from_value::<Timezone>(serde_json::json!("Nowhere")).is_err());
}

#[test]
fn a_session_without_its_hero_yet_counts_for_its_storys_hero() {
    // Recorded on a device before it synced: the server fills the hero in later.
    let mut s = vec![session(
        1,
        "2026-04-01T10:00:00Z",
        FOREST,
        HERO_A,
        600,
        true,
    )];
    s[0].hero_id = HeroId::default();
    let (st, h) = (stories(), heroes());
    let figs = Journey::new(&s, &st, &h, Timezone::UTC, now()).heroes();
    assert_eq!((figs[0].hero_name.as_str(), figs[0].listens), ("Tom", 1));
}

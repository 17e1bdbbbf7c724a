//! SYNC.md's conflict rules, one test per row, with two devices on one account.

use storyloom_client::{ConflictKind, EntityEvent, SyncStatus};
use storyloom_domain::{CustomEventUpdate, HeroUpdate, StoryUpdate};
use storyloom_testkit::{DbKind, TestServer, db_tests};

use crate::helpers::*;

async fn offline_create_then_edit_reaches_the_server(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    // Everything below happens before any sync: create, edit, import, play, favourite.
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    a.heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("Ada Lovelace".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "The moon"))
        .await
        .unwrap();
    a.stories()
        .update(
            s.id,
            StoryUpdate {
                title: Some("The big moon".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.stories().set_favorite(s.id, true).await.unwrap();
    a.stories().play(s.id, 1).await.unwrap();
    a.stories().play(s.id, 2).await.unwrap();
    let e = a.custom_events().create(event("Pool day")).await.unwrap();
    assert_eq!(
        a.heroes().sync_info(h.id).await.unwrap().unwrap().status,
        SyncStatus::PendingCreate
    );

    let report = a.sync().sync_all().await.unwrap();
    assert_eq!(
        report.failed,
        0,
        "{report:?} {:?}",
        a.sync().outbox().await.unwrap()
    );
    assert!(a.sync().outbox().await.unwrap().is_empty());
    for info in [
        a.heroes().sync_info(h.id).await.unwrap(),
        a.stories().sync_info(s.id).await.unwrap(),
        a.custom_events().sync_info(e.id).await.unwrap(),
    ] {
        let info = info.unwrap();
        assert_eq!(info.status, SyncStatus::Synced);
        assert!(info.version > 0);
    }

    b.sync().sync_all().await.unwrap();
    let bh = b.heroes().get(h.id).await.unwrap().expect("hero pulled");
    assert_eq!(bh.name, "Ada Lovelace");
    let bs = b.stories().get(s.id).await.unwrap().expect("story pulled");
    assert_eq!(bs.title, "The big moon");
    assert!(bs.is_favorite);
    assert_eq!(bs.play_count, 3);
    assert_eq!(b.custom_events().list().await.unwrap().len(), 1);
    // The server agrees with what the devices show.
    let server_story = b.api().get_story(s.id).await.unwrap();
    assert_eq!(server_story.play_count, 3);
}

async fn hero_server_wins_and_reports_the_lost_edit(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    settle(&a, &b).await;

    let mut events = a.sync().subscribe();
    a.heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("From A".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("From B".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.sync().sync_all().await.unwrap();
    a.sync().sync_all().await.unwrap();

    assert_eq!(a.heroes().get(h.id).await.unwrap().unwrap().name, "From B");
    assert_eq!(
        a.heroes().sync_info(h.id).await.unwrap().unwrap().status,
        SyncStatus::Synced
    );
    let mut lost = false;
    while let Ok(ev) = events.try_recv() {
        if let EntityEvent::LostLocalEdit { id, local, .. } = ev {
            assert_eq!(id, h.id);
            assert_eq!(local["name"], "From A");
            lost = true;
        }
    }
    assert!(lost, "the lost local edit is reported");
    assert_eq!(b.api().get_hero(h.id).await.unwrap().name, "From B");
}

async fn story_text_conflict_keeps_both(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Original"))
        .await
        .unwrap();
    settle(&a, &b).await;

    a.stories()
        .update(
            s.id,
            StoryUpdate {
                title: Some("A's title".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.stories()
        .update(
            s.id,
            StoryUpdate {
                title: Some("B's title".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.sync().sync_all().await.unwrap();
    let report = a.sync().sync_all().await.unwrap();
    assert_eq!(report.conflicts, 1);

    // Until resolved, the server copy shows and the local words wait in a conflict record.
    assert_eq!(
        a.stories().get(s.id).await.unwrap().unwrap().title,
        "B's title"
    );
    assert_eq!(
        a.stories().sync_info(s.id).await.unwrap().unwrap().status,
        SyncStatus::Conflict
    );
    let conflicts = a.sync().conflicts().await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].kind, ConflictKind::Edit);
    assert_eq!(conflicts[0].local["title"], "A's title");

    a.sync().keep_local(conflicts[0].seq).await.unwrap();
    a.sync().sync_all().await.unwrap();
    assert!(a.sync().conflicts().await.unwrap().is_empty());
    assert_eq!(a.api().get_story(s.id).await.unwrap().title, "A's title");
    b.sync().sync_all().await.unwrap();
    assert_eq!(
        b.stories().get(s.id).await.unwrap().unwrap().title,
        "A's title"
    );
}

async fn story_keep_server_drops_the_local_text(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Original"))
        .await
        .unwrap();
    settle(&a, &b).await;
    a.stories()
        .update(
            s.id,
            StoryUpdate {
                content: Some("A's words".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.stories()
        .update(
            s.id,
            StoryUpdate {
                content: Some("B's words".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.sync().sync_all().await.unwrap();
    a.sync().sync_all().await.unwrap();
    let c = a.sync().conflicts().await.unwrap().remove(0);
    a.sync().keep_server(c.seq).await.unwrap();
    a.sync().sync_all().await.unwrap();
    assert_eq!(
        a.stories().sync_info(s.id).await.unwrap().unwrap().status,
        SyncStatus::Synced
    );
    assert_eq!(
        a.stories().get(s.id).await.unwrap().unwrap().content,
        "B's words"
    );
    assert_eq!(a.api().get_story(s.id).await.unwrap().content, "B's words");
}

async fn play_counts_add_up_across_devices(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Counting"))
        .await
        .unwrap();
    settle(&a, &b).await;
    a.stories().play(s.id, 2).await.unwrap();
    b.stories().play(s.id, 3).await.unwrap();
    b.stories().play(s.id, 1).await.unwrap();
    settle(&a, &b).await;
    b.sync().sync_all().await.unwrap();
    assert_eq!(a.api().get_story(s.id).await.unwrap().play_count, 6);
    assert_eq!(a.stories().get(s.id).await.unwrap().unwrap().play_count, 6);
    assert_eq!(b.stories().get(s.id).await.unwrap().unwrap().play_count, 6);
}

async fn favourite_is_resent_on_top_of_a_server_edit(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Stars"))
        .await
        .unwrap();
    settle(&a, &b).await;
    // B edits the title (server moves on); A, later, marks the favourite on the old version.
    b.stories()
        .update(
            s.id,
            StoryUpdate {
                title: Some("Stars at night".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.sync().sync_all().await.unwrap();
    a.stories().set_favorite(s.id, true).await.unwrap();
    a.sync().sync_all().await.unwrap();
    let server_story = a.api().get_story(s.id).await.unwrap();
    assert!(
        server_story.is_favorite,
        "local favourite is the last write"
    );
    assert_eq!(server_story.title, "Stars at night", "server's title kept");
    assert!(a.sync().conflicts().await.unwrap().is_empty());
    let local = a.stories().get(s.id).await.unwrap().unwrap();
    assert!(local.is_favorite);
    assert_eq!(local.title, "Stars at night");
}

async fn custom_event_local_wins(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let e = a.custom_events().create(event("Pool day")).await.unwrap();
    settle(&a, &b).await;
    a.custom_events()
        .update(
            e.id,
            CustomEventUpdate {
                title: Some("A pool".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.custom_events()
        .update(
            e.id,
            CustomEventUpdate {
                title: Some("B pool".into()),
                description: Some("from B".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.sync().sync_all().await.unwrap();
    a.sync().sync_all().await.unwrap();
    let server_ev = a.api().get_custom_event(e.id).await.unwrap();
    assert_eq!(server_ev.title, "A pool", "local wins");
    assert_eq!(
        server_ev.description, "from B",
        "fields A did not touch keep B's value"
    );
    b.sync().sync_all().await.unwrap();
    assert_eq!(
        b.custom_events().get(e.id).await.unwrap().unwrap().title,
        "A pool"
    );
}

async fn server_delete_beats_hero_edit(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Gone"))
        .await
        .unwrap();
    settle(&a, &b).await;
    b.heroes().delete(h.id).await.unwrap();
    b.sync().sync_all().await.unwrap();
    a.heroes()
        .update(
            h.id,
            HeroUpdate {
                age: Some(7),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    assert!(a.heroes().get(h.id).await.unwrap().is_none());
    assert!(
        a.stories().get(s.id).await.unwrap().is_none(),
        "stories go with their hero"
    );
    assert!(a.sync().outbox().await.unwrap().is_empty());
}

async fn local_delete_beats_server_edit(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    settle(&a, &b).await;
    b.heroes()
        .update(
            h.id,
            HeroUpdate {
                name: Some("Edited".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    b.sync().sync_all().await.unwrap();
    a.heroes().delete(h.id).await.unwrap();
    a.sync().sync_all().await.unwrap();
    assert!(
        a.sync().outbox().await.unwrap().is_empty(),
        "{:?}",
        a.sync().outbox().await.unwrap()
    );
    let got = a.api().get_hero(h.id).await;
    assert!(got.is_err(), "deleted on the server: {got:?}");
    b.sync().sync_all().await.unwrap();
    assert!(b.heroes().get(h.id).await.unwrap().is_none());
}

async fn story_edited_here_deleted_there_is_a_conflict(kind: DbKind) {
    let server = TestServer::start(kind).await;
    let (a, b, _) = two_devices(&server).await;
    let h = a.heroes().create(hero("Ada")).await.unwrap();
    let s = a
        .stories()
        .create(imported_story(h.id.into(), "Doomed"))
        .await
        .unwrap();
    settle(&a, &b).await;
    b.stories().delete(s.id).await.unwrap();
    b.sync().sync_all().await.unwrap();
    a.stories()
        .update(
            s.id,
            StoryUpdate {
                content: Some("Saved words".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    a.sync().sync_all().await.unwrap();
    assert!(
        a.stories().get(s.id).await.unwrap().is_none(),
        "server copy (deleted) shows"
    );
    let c = a.sync().conflicts().await.unwrap().remove(0);
    assert_eq!(c.kind, ConflictKind::DeletedOnServer);
    assert_eq!(c.local["content"], "Saved words");
    let new_id = a
        .sync()
        .keep_local(c.seq)
        .await
        .unwrap()
        .expect("re-created");
    a.sync().sync_all().await.unwrap();
    let again = a
        .api()
        .get_story(storyloom_domain::StoryId(new_id))
        .await
        .unwrap();
    assert_eq!(again.content, "Saved words");
    assert_eq!(again.title, "Doomed");
}

db_tests!(
    offline_create_then_edit_reaches_the_server,
    hero_server_wins_and_reports_the_lost_edit,
    story_text_conflict_keeps_both,
    story_keep_server_drops_the_local_text,
    play_counts_add_up_across_devices,
    favourite_is_resent_on_top_of_a_server_edit,
    custom_event_local_wins,
    server_delete_beats_hero_edit,
    local_delete_beats_server_edit,
    story_edited_here_deleted_there_is_a_conflict,
);

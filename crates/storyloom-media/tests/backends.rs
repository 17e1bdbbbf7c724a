//! The same behaviour on local disk and on a real S3-compatible server (moto, SigV4).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use storyloom_media::testing::MotoServer;
use storyloom_media::{BlobStore, MediaConfig, MediaError, MediaKey, MediaKind, UrlSigner};
use uuid::Uuid;

fn local(dir: &std::path::Path) -> BlobStore {
    let signer = UrlSigner::new(b"a test secret, long enough".to_vec()).unwrap();
    BlobStore::open(
        &MediaConfig::Local {
            dir: dir.join("media"),
            signer,
            public_url: "http://example.test/".into(),
        },
        Duration::from_secs(3600),
    )
    .unwrap()
}

async fn behaves(store: &BlobStore) {
    let user = Uuid::now_v7();
    let other = Uuid::now_v7();
    let audio = MediaKey::new(user, MediaKind::Audio, Uuid::now_v7());
    let image = MediaKey::new(user, MediaKind::Illustration, Uuid::now_v7());
    let theirs = MediaKey::new(other, MediaKind::Avatar, Uuid::now_v7());
    let body: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    store.put(&audio, body.clone()).await.unwrap();
    store.put(&image, b"\x89PNG fake".to_vec()).await.unwrap();
    store
        .put(&theirs, b"\x89PNG theirs".to_vec())
        .await
        .unwrap();

    let whole = store.get(&audio.to_string(), None).await.unwrap();
    assert_eq!(whole.bytes.as_ref(), body.as_slice());
    assert_eq!(whole.content_type, "audio/mpeg");
    assert_eq!(whole.size, 10_000);
    assert_eq!(store.size(&audio.to_string()).await.unwrap(), 10_000);

    let part = store
        .get(&audio.to_string(), Some("bytes=100-199"))
        .await
        .unwrap();
    assert_eq!(part.bytes.as_ref(), &body[100..200]);
    assert_eq!(part.range.unwrap().content_range(), "bytes 100-199/10000");
    let tail = store
        .get(&audio.to_string(), Some("bytes=-10"))
        .await
        .unwrap();
    assert_eq!(tail.bytes.as_ref(), &body[9990..]);
    assert!(matches!(
        store.get(&audio.to_string(), Some("bytes=20000-")).await,
        Err(MediaError::RangeNotSatisfiable { size: 10_000 })
    ));

    let missing = MediaKey::new(user, MediaKind::Audio, Uuid::now_v7()).to_string();
    assert!(matches!(
        store.get(&missing, None).await,
        Err(MediaError::NotFound(_))
    ));
    store.delete(&missing).await.unwrap();

    let mut listed = store.list_user(user).await.unwrap();
    listed.sort();
    let mut want = vec![audio.to_string(), image.to_string()];
    want.sort();
    assert_eq!(listed, want);

    let url = store.url(&image.to_string()).await.unwrap();
    assert!(url.contains(&image.to_string()), "{url}");

    store.delete(&image.to_string()).await.unwrap();
    assert_eq!(
        store.list_user(user).await.unwrap(),
        vec![audio.to_string()]
    );
    assert_eq!(store.delete_user(user).await.unwrap(), 1);
    assert!(store.list_user(user).await.unwrap().is_empty());
    assert_eq!(
        store.list_user(other).await.unwrap(),
        vec![theirs.to_string()]
    );
    store.health().await.unwrap();
}

#[tokio::test]
async fn local_disk() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    behaves(&store).await;
    assert_eq!(store.backend(), "local");

    // The URL is the API's, signed, and the signature checks out only unmodified.
    let key = MediaKey::new(Uuid::now_v7(), MediaKind::Avatar, Uuid::now_v7()).to_string();
    let url = store.url(&key).await.unwrap();
    let (path, query) = url.split_once('?').unwrap();
    assert_eq!(path, format!("http://example.test/api/media/{key}"));
    let params: std::collections::HashMap<_, _> = query
        .split('&')
        .map(|kv| kv.split_once('=').unwrap())
        .collect();
    let expires: i64 = params["expires"].parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((expires - now - 3600).abs() <= 2);
    store
        .verify(&key, Some(expires), Some(params["sig"]))
        .unwrap();
    assert!(
        store
            .verify(&key, Some(expires + 1), Some(params["sig"]))
            .is_err()
    );
    // Account deletion leaves no folders behind either.
    let user = Uuid::now_v7();
    store
        .put(
            &MediaKey::new(user, MediaKind::Audio, Uuid::now_v7()),
            b"x".to_vec(),
        )
        .await
        .unwrap();
    store.delete_user(user).await.unwrap();
    assert!(
        !dir.path()
            .join("media/users")
            .join(user.to_string())
            .join("audio")
            .exists()
    );
}

#[tokio::test]
async fn s3_compatible_server() {
    let moto = MotoServer::start().await;
    let config = moto.bucket("storyloom-media-test").await;
    let store = BlobStore::open(&MediaConfig::S3(config), Duration::from_secs(600)).unwrap();
    behaves(&store).await;
    assert_eq!(store.backend(), "s3");

    // A presigned URL downloads without credentials, with the stored content type.
    let key = MediaKey::new(Uuid::now_v7(), MediaKind::Audio, Uuid::now_v7());
    store.put(&key, b"ID3 narration".to_vec()).await.unwrap();
    let url = store.url(&key.to_string()).await.unwrap();
    assert!(url.contains("X-Amz-Signature="), "{url}");
    assert!(url.contains("X-Amz-Expires=600"), "{url}");
    let resp = reqwest::get(&url).await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "audio/mpeg");
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"ID3 narration");
}

//! Runs the Python test of the generated bindings (`tests/python/test_bindings.py`) against a
//! real server, so `cargo test` covers the FFI as an app sees it: the compiled cdylib, the
//! bindings our own `uniffi-bindgen` generates from it, foreign traits implemented on the
//! other side, async calls awaited from a foreign event loop.
//!
//! The server runs in this process (testkit, SQLite); Python gets its URL in
//! `STORYLOOM_TEST_SERVER`. Python 3 is required: without it the test fails, it does not skip
//! (a skipped FFI test would be a silent hole in the suite). `PYTHON` overrides the
//! interpreter.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use storyloom_testkit::{DbKind, TestServer};

/// Longest the Python side may take; it normally needs a few seconds.
const PYTHON_TIMEOUT: Duration = Duration::from_secs(120);

/// The cdylib cargo built for this test run. Cargo builds every crate type of the library
/// (cdylib included) for integration tests, into `target/<profile>/deps/` and hard-linked to
/// `target/<profile>/`; take the newest so a stale copy never shadows this build.
fn cdylib() -> PathBuf {
    if let Ok(path) = std::env::var("STORYLOOM_FFI_LIB") {
        return PathBuf::from(path);
    }
    let name = format!(
        "{}storyloom_ffi{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    );
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let profile = deps.parent().unwrap();
    [deps.join(&name), profile.join(&name)]
        .into_iter()
        .filter_map(|p| {
            let modified = std::fs::metadata(&p).ok()?.modified().ok()?;
            Some((modified, p))
        })
        .max()
        .map(|(_, p)| p)
        .unwrap_or_else(|| {
            panic!(
                "{name} not found in {} or {}",
                deps.display(),
                profile.display()
            )
        })
}

/// Generate the Python module into `out` with the bindgen built from this package, and put
/// the library next to it, where the module loads it from.
fn generate_bindings(lib: &Path, out: &Path) {
    let status = Command::new(env!("CARGO_BIN_EXE_uniffi-bindgen"))
        .args([
            "generate",
            "--no-format",
            "--language",
            "python",
            "--out-dir",
        ])
        .arg(out)
        .arg(lib)
        .status()
        .expect("run uniffi-bindgen");
    assert!(status.success(), "uniffi-bindgen failed: {status}");
    assert!(out.join("storyloom_ffi.py").is_file());
    let target = out.join(lib.file_name().unwrap());
    #[cfg(unix)]
    std::os::unix::fs::symlink(lib, &target).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(lib, &target).unwrap();
}

/// Run the unittest suite; returns whether it passed, after printing its output.
fn run_python(server_url: &str, module_dir: &Path) -> bool {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let tests = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let mut child = Command::new(&python)
        .args(["-m", "unittest", "discover", "-v", "-p", "test_*.py", "-s"])
        .arg(&tests)
        .env("PYTHONPATH", module_dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("STORYLOOM_TEST_SERVER", server_url)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("could not start {python:?} ({e}): Python 3 is required for the FFI test")
        });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > PYTHON_TIMEOUT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    println!("{}", String::from_utf8_lossy(&output.stdout));
    eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        started.elapsed() <= PYTHON_TIMEOUT,
        "the Python test took longer than {PYTHON_TIMEOUT:?} and was killed"
    );
    output.status.success()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_bindings_sign_up_create_offline_sync_and_observe() {
    let server = TestServer::start(DbKind::Sqlite).await;
    let lib = cdylib();
    let dir = tempfile::tempdir().unwrap();
    let module_dir = dir.path().to_owned();
    let url = server.url().to_owned();
    // Blocking work off the runtime, whose workers serve the in-process server meanwhile.
    let passed = tokio::task::spawn_blocking(move || {
        generate_bindings(&lib, &module_dir);
        run_python(&url, &module_dir)
    })
    .await
    .unwrap();
    assert!(passed, "the Python bindings test failed (output above)");
}

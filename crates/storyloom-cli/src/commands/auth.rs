//! `signup`, `login`, `logout`, `whoami`.
//!
//! Passwords never come from an argument (they would sit in the shell history and in `ps`):
//! either a prompt on the terminal, or the first line of stdin with `--password-stdin` for
//! scripts (`pass show storyloom | storyloom login --email … --password-stdin`).

use std::io::BufRead as _;

use serde_json::json;
use storyloom_domain::{SignIn, SignUp, User, Validate};

use crate::cli::{LoginArgs, SignupArgs};
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{bold, code, dim, good, plural};
use crate::state::{HomeConfig, SyncRecord};

fn read_stdin_line() -> CliResult<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

fn email(ctx: &Ctx, given: Option<String>, password_stdin: bool) -> CliResult<String> {
    if let Some(e) = given {
        return Ok(e.trim().to_owned());
    }
    // With --password-stdin, stdin belongs to the password.
    if ctx.out.interactive && !password_stdin {
        crate::output::err("Email: ");
        let e = read_stdin_line()?;
        if !e.trim().is_empty() {
            return Ok(e.trim().to_owned());
        }
    }
    Err(CliError::Usage(
        "an email address is needed: pass --email".into(),
    ))
}

fn password(ctx: &Ctx, from_stdin: bool, confirm: bool) -> CliResult<String> {
    if from_stdin {
        let p = read_stdin_line()?;
        if p.is_empty() {
            return Err(CliError::Usage(
                "--password-stdin was given but standard input had no password".into(),
            ));
        }
        return Ok(p);
    }
    if !ctx.out.interactive {
        return Err(CliError::Usage(
            "there is no terminal to ask for the password: pipe it in with --password-stdin".into(),
        ));
    }
    let p = rpassword::prompt_password("Password: ")?;
    if confirm {
        let again = rpassword::prompt_password("Password (again): ")?;
        if again != p {
            return Err(CliError::Usage("the two passwords differ".into()));
        }
    }
    Ok(p)
}

fn validate<T: Validate>(body: &T) -> CliResult<()> {
    body.validate().map_err(CliError::Invalid)
}

/// Make this server the default for later runs, and note whose data the cache now holds.
fn remember_account(ctx: &Ctx, user: &User) -> CliResult<()> {
    HomeConfig {
        server: Some(ctx.server.clone()),
    }
    .save(&ctx.home)?;
    let mut rec = SyncRecord::load(&ctx.dir);
    rec.account = Some(user.email.clone());
    rec.save(&ctx.dir)
}

/// Signing in as another account empties the local cache (the client core will not send one
/// account's changes under another's name), so unsynced changes of the previous account
/// would be lost without a word. Refuse unless the user says so.
async fn guard_other_account(ctx: &Ctx, email: &str, discard: bool) -> CliResult<()> {
    let Some(previous) = SyncRecord::load(&ctx.dir).account else {
        return Ok(());
    };
    if previous.eq_ignore_ascii_case(email.trim()) || discard {
        return Ok(());
    }
    let unsent = ctx.client.sync().outbox().await?.len();
    if unsent == 0 {
        return Ok(());
    }
    Err(CliError::Usage(format!(
        "{} made by {previous} on this device {} not reached the server, and signing in as          {email} would discard {}: sign in as {previous} and run `storyloom sync` first, or          pass --discard-unsynced",
        plural(unsent, "change", "changes"),
        if unsent == 1 { "has" } else { "have" },
        if unsent == 1 { "it" } else { "them" },
    )))
}

async fn welcome(ctx: &Ctx, user: &User, verb: &str) -> CliResult<()> {
    remember_account(ctx, user)?;
    let spinner = ctx.out.spinner("Fetching your heroes and stories…");
    let synced = ctx.sync_best_effort().await;
    spinner.finish_and_clear();
    synced?;
    let note = ctx.note().await?;
    let heroes = ctx.client.heroes().list().await?.len();
    let stories = ctx.client.stories().list().await?.len();
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "user": user,
            "server": ctx.server,
            "heroes": heroes,
            "stories": stories,
            "sync": note,
        }));
        return Ok(());
    }
    let who = match &user.name {
        Some(n) => format!("{} <{}>", n, user.email),
        None => user.email.clone(),
    };
    ctx.out.line(format!(
        "{} {verb} as {} on {}.",
        good("✓"),
        bold(who),
        ctx.server
    ));
    if heroes == 0 {
        ctx.out.line(format!(
            "Next: create a hero with {}",
            code("storyloom heroes create --name Mia --age 6 --traits brave,curious")
        ));
    } else {
        ctx.out.line(format!(
            "On this device: {}, {}.",
            plural(heroes, "hero", "heroes"),
            plural(stories, "story", "stories")
        ));
    }
    ctx.print_note(&note, false);
    Ok(())
}

/// `storyloom signup`.
pub async fn signup(ctx: &Ctx, a: SignupArgs) -> CliResult<()> {
    ctx.require_online("signing up")?;
    let email = email(ctx, a.email, a.password_stdin)?;
    guard_other_account(ctx, &email, a.discard_unsynced).await?;
    let body = SignUp {
        email,
        password: password(ctx, a.password_stdin, true)?,
        name: a.name,
    };
    validate(&body)?;
    let spinner = ctx.out.spinner("Creating your account…");
    let user = ctx.client.auth().sign_up(&body).await;
    spinner.finish_and_clear();
    welcome(ctx, &user?, "Signed up").await
}

/// `storyloom login`.
pub async fn login(ctx: &Ctx, a: LoginArgs) -> CliResult<()> {
    ctx.require_online("signing in")?;
    let email = email(ctx, a.email, a.password_stdin)?;
    guard_other_account(ctx, &email, a.discard_unsynced).await?;
    let body = SignIn {
        email,
        password: password(ctx, a.password_stdin, false)?,
    };
    validate(&body)?;
    let spinner = ctx.out.spinner("Signing in…");
    let user = ctx.client.auth().sign_in(&body).await;
    spinner.finish_and_clear();
    welcome(ctx, &user?, "Signed in").await
}

/// `storyloom logout`.
pub async fn logout(ctx: &Ctx) -> CliResult<()> {
    let Some(user) = ctx.client.auth().current_user() else {
        if ctx.out.json {
            ctx.out
                .print_json(&json!({"signedOut": false, "reason": "not signed in"}));
        } else {
            ctx.out.line("Not signed in.");
        }
        return Ok(());
    };
    let note = ctx.note().await?;
    ctx.client.auth().sign_out().await?;
    if ctx.out.json {
        ctx.out
            .print_json(&json!({"signedOut": true, "user": user, "sync": note}));
        return Ok(());
    }
    ctx.out
        .line(format!("{} Signed out {}.", good("✓"), bold(&user.email)));
    let unsent = note.pending + note.failed;
    if unsent > 0 {
        ctx.out.line(format!(
            "{} not yet on the server {} on this device and will be sent when you sign in again as {}.",
            plural(unsent, "change", "changes"),
            if unsent == 1 { "stays" } else { "stay" },
            user.email
        ));
    }
    Ok(())
}

/// `storyloom whoami`: from the saved session, so it answers offline too.
pub async fn whoami(ctx: &Ctx) -> CliResult<()> {
    let user = ctx.user()?;
    let expires = ctx.client.api().session().map(|s| s.session.expires_at);
    if ctx.out.json {
        ctx.out.print_json(&json!({
            "user": user,
            "server": ctx.server,
            "sessionExpiresAt": expires,
            "home": ctx.dir,
        }));
        return Ok(());
    }
    match &user.name {
        Some(n) => ctx.out.line(format!("{} <{}>", bold(n), user.email)),
        None => ctx.out.line(bold(&user.email)),
    }
    ctx.out.line(format!("{} {}", dim("server: "), ctx.server));
    ctx.out.line(format!("{} {}", dim("account:"), user.id));
    if let Some(e) = expires {
        ctx.out.line(format!(
            "{} {}",
            dim("session:"),
            e.format("valid until %Y-%m-%d %H:%M UTC")
        ));
    }
    Ok(())
}

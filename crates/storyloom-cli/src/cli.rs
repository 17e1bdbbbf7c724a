//! The command line, as clap parses it. `--help` is the user manual, so every argument's doc
//! comment is written for a parent at a terminal, not for a developer.

use std::path::PathBuf;

use clap::builder::{PossibleValuesParser, TypedValueParser as _};
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::de::DeserializeOwned;
use storyloom_domain::{
    AgeRange, EventCategory, EventTone, EventType, HeroTrait, Language, StoryLength, Voice,
};

use crate::error::EXIT_CODES_HELP;

const ABOUT: &str = "Personalised bedtime stories from your terminal.\n\n\
Works offline: reads come from this device's copy of your account, and changes you make \
without a connection are saved here and sent by `storyloom sync`.";

const AFTER_HELP: &str = "\
Getting started:
  storyloom signup --email you@example.com          (asks for a password)
  storyloom heroes create --name Mia --age 6 --traits brave,curious
  storyloom stories new --hero Mia --event bedtime --audio
  storyloom stories read <story>

HERO, STORY, EVENT arguments take a name or title, the full id, or the first or last
characters of the id as the tables show them.

Environment: STORYLOOM_SERVER (server URL), STORYLOOM_HOME (local data), NO_COLOR.";

/// `storyloom`.
#[derive(Debug, Parser)]
#[command(
    name = "storyloom",
    version,
    about = "Personalised bedtime stories from your terminal",
    long_about = ABOUT,
    after_help = AFTER_HELP,
    after_long_help = format!("{AFTER_HELP}\n\n{EXIT_CODES_HELP}"),
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes (shown under their own heading in every command's help).
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// Storyloom server URL [default: the server you last signed in to, else http://127.0.0.1:8080]
    #[arg(
        long,
        env = "STORYLOOM_SERVER",
        hide_env_values = true,
        global = true,
        value_name = "URL"
    )]
    pub server: Option<String>,

    /// Directory for this device's copy of your data, media and session [default: the platform's data directory]
    #[arg(
        long,
        env = "STORYLOOM_HOME",
        hide_env_values = true,
        global = true,
        value_name = "DIR"
    )]
    pub home: Option<PathBuf>,

    /// Print JSON on stdout for scripts (errors too, as {"error": …})
    #[arg(long, global = true)]
    pub json: bool,

    /// Do not contact the server: answer from this device and queue changes for later
    #[arg(
        long,
        global = true,
        env = "STORYLOOM_OFFLINE",
        hide_env_values = true,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub offline: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create an account and sign in
    Signup(SignupArgs),
    /// Sign in to your account
    Login(LoginArgs),
    /// Sign out (changes not yet synced stay on this device)
    Logout,
    /// Show who is signed in, and to which server
    Whoami,
    /// The children your stories are about
    #[command(subcommand)]
    Heroes(HeroCmd),
    /// Write, read and listen to stories
    #[command(subcommand)]
    Stories(StoryCmd),
    /// Your own occasions to write stories for ("first day at the new pool")
    #[command(subcommand)]
    Events(EventCmd),
    /// Send changes made on this device and fetch the latest from the server
    Sync(SyncArgs),
    /// What is waiting to sync, refused, or in conflict
    Status,
    /// Stories edited both here and elsewhere: pick which version stays
    #[command(subcommand)]
    Conflicts(ConflictCmd),
    /// How much of this hour's generation allowance is used
    Usage,
    /// Download an avatar, narration or illustration (cached) and print its file path
    Open(OpenArgs),
}

/// `signup`.
#[derive(Debug, Args)]
pub struct SignupArgs {
    /// Your email address (asked for when omitted at a terminal)
    #[arg(long)]
    pub email: Option<String>,
    /// Your name, as stories may address you
    #[arg(long)]
    pub name: Option<String>,
    /// Read the password from the first line of standard input instead of asking
    #[arg(long)]
    pub password_stdin: bool,
    /// Sign in even though another account's changes on this device have not been synced
    /// (they are discarded)
    #[arg(long)]
    pub discard_unsynced: bool,
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Your email address (asked for when omitted at a terminal)
    #[arg(long)]
    pub email: Option<String>,
    /// Read the password from the first line of standard input instead of asking
    #[arg(long)]
    pub password_stdin: bool,
    /// Sign in even though another account's changes on this device have not been synced
    /// (they are discarded)
    #[arg(long)]
    pub discard_unsynced: bool,
}

fn wire<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(serde_json::Value::String(s.to_owned()))
        .map_err(|_| format!("`{s}` is not one of the allowed values"))
}

/// Wire names of the hero traits (API.md).
pub const TRAITS: [&str; 18] = [
    "brave",
    "curious",
    "kind",
    "funny",
    "clever",
    "creative",
    "adventurous",
    "gentle",
    "helpful",
    "caring",
    "patient",
    "energetic",
    "shy",
    "imaginative",
    "determined",
    "honest",
    "playful",
    "calm",
];
/// Wire names of the built-in event types.
pub const EVENT_TYPES: [&str; 12] = [
    "bedtime",
    "schoolDay",
    "birthday",
    "weekend",
    "rainyDay",
    "family",
    "friendship",
    "holiday",
    "adventure",
    "learning",
    "newSibling",
    "doctorVisit",
];
/// Story languages.
pub const LANGUAGES: [&str; 5] = ["en", "fr", "es", "de", "it"];
/// Story lengths.
pub const LENGTHS: [&str; 3] = ["short", "medium", "long"];
/// Narration voices.
pub const VOICES: [&str; 9] = [
    "alloy", "ash", "coral", "echo", "fable", "nova", "onyx", "sage", "shimmer",
];
/// Custom event categories.
pub const CATEGORIES: [&str; 10] = [
    "general",
    "adventure",
    "learning",
    "family",
    "friendship",
    "school",
    "holiday",
    "bedtime",
    "nature",
    "feelings",
];
/// Custom event tones.
pub const TONES: [&str; 6] = [
    "cheerful",
    "calming",
    "exciting",
    "gentle",
    "funny",
    "heartwarming",
];
/// Custom event age ranges.
pub const AGE_RANGES: [&str; 3] = ["3-5", "6-8", "9-12"];

macro_rules! wire_parser {
    ($names:expr, $t:ty) => {
        PossibleValuesParser::new($names).try_map(|s| wire::<$t>(&s))
    };
}

/// `heroes …`.
#[derive(Debug, Subcommand)]
pub enum HeroCmd {
    /// List your heroes
    List,
    /// Show one hero
    Show {
        /// Name or id
        hero: String,
    },
    /// Create a hero (works offline; it is sent at the next sync)
    Create(HeroCreateArgs),
    /// Change a hero (only the options given change; an empty value clears a description)
    Edit(HeroEditArgs),
    /// Delete a hero and all their stories
    Delete {
        /// Name or id
        hero: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Draw the hero's avatar picture (needs the server), then print where it is saved
    Avatar {
        /// Name or id
        hero: String,
        /// Extra description for the picture
        #[arg(long)]
        prompt: Option<String>,
        #[command(flatten)]
        wait: WaitArgs,
    },
}

/// `heroes create`.
#[derive(Debug, Args)]
pub struct HeroCreateArgs {
    /// The hero's name (1–50 characters)
    #[arg(long)]
    pub name: String,
    /// Age in years (1–17)
    #[arg(long)]
    pub age: i64,
    /// 1 to 10 personality traits, comma-separated
    #[arg(long, value_delimiter = ',', required = true, value_parser = wire_parser!(TRAITS, HeroTrait))]
    pub traits: Vec<HeroTrait>,
    #[command(flatten)]
    pub looks: HeroLooks,
}

/// `heroes edit`.
#[derive(Debug, Args)]
pub struct HeroEditArgs {
    /// Name or id of the hero to change
    pub hero: String,
    /// New name
    #[arg(long)]
    pub name: Option<String>,
    /// New age
    #[arg(long)]
    pub age: Option<i64>,
    /// New traits (replace the old ones), comma-separated
    #[arg(long, value_delimiter = ',', value_parser = wire_parser!(TRAITS, HeroTrait))]
    pub traits: Option<Vec<HeroTrait>>,
    #[command(flatten)]
    pub looks: HeroLooks,
}

/// Optional descriptions of a hero.
#[derive(Debug, Args)]
pub struct HeroLooks {
    /// A special ability ("can talk to owls")
    #[arg(long)]
    pub ability: Option<String>,
    /// What the hero looks like
    #[arg(long)]
    pub appearance: Option<String>,
    /// Hair colour
    #[arg(long)]
    pub hair: Option<String>,
    /// Eye colour
    #[arg(long)]
    pub eyes: Option<String>,
    /// Skin tone
    #[arg(long)]
    pub skin: Option<String>,
}

/// Waiting for a generation job.
#[derive(Debug, Args, Clone, Copy)]
pub struct WaitArgs {
    /// Return at once instead of waiting for the picture or narration to be ready
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds (the job goes on on the server)
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub timeout: u64,
}

/// `stories …`.
#[derive(Debug, Subcommand)]
pub enum StoryCmd {
    /// List stories, newest first
    List {
        /// Only this hero's stories
        #[arg(long)]
        hero: Option<String>,
        /// Only favourites
        #[arg(long)]
        favorites: bool,
    },
    /// Show a story's details, narration and pictures
    Show {
        /// Title or id
        story: String,
    },
    /// Write a new story (needs the server), or import one with --title and --content
    New(StoryNewArgs),
    /// Print a story to read aloud (counts as one play)
    Read {
        /// Title or id
        story: String,
        /// Do not count this reading as a play
        #[arg(long)]
        no_count: bool,
    },
    /// Change a story's title or text
    Edit {
        /// Title or id
        story: String,
        /// New title
        #[arg(long)]
        title: Option<String>,
        /// New text
        #[arg(long, conflicts_with = "content_file")]
        content: Option<String>,
        /// Read the new text from a file (`-` for standard input)
        #[arg(long, value_name = "FILE")]
        content_file: Option<PathBuf>,
    },
    /// Mark a story as a favourite (or not, with --off)
    Favorite {
        /// Title or id
        story: String,
        /// Remove the favourite mark
        #[arg(long)]
        off: bool,
    },
    /// Delete a story
    Delete {
        /// Title or id
        story: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Narrate a story (needs the server)
    Audio {
        /// Title or id
        story: String,
        /// Narrator voice
        #[arg(long, value_parser = wire_parser!(VOICES, Voice))]
        voice: Option<Voice>,
        /// Language to narrate in (default: the story's)
        #[arg(long, value_parser = wire_parser!(LANGUAGES, Language))]
        language: Option<Language>,
        /// Narrate again even if the narration is complete and matches the text
        #[arg(long)]
        regenerate: bool,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Illustrate a story (needs the server)
    Illustrations {
        /// Title or id
        story: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
}

/// `stories new`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("occasion").required(true).args(["event", "custom_event"])))]
pub struct StoryNewArgs {
    /// The hero (name or id)
    #[arg(long)]
    pub hero: String,
    /// A built-in occasion
    #[arg(long, value_parser = wire_parser!(EVENT_TYPES, EventType))]
    pub event: Option<EventType>,
    /// One of your own events (title or id)
    #[arg(long, value_name = "EVENT")]
    pub custom_event: Option<String>,
    /// Language of the story
    #[arg(long, default_value = "en", value_parser = wire_parser!(LANGUAGES, Language))]
    pub language: Language,
    /// Also narrate it
    #[arg(long)]
    pub audio: bool,
    /// Also illustrate it
    #[arg(long)]
    pub illustrations: bool,
    /// Narrator voice (with --audio; default: one that fits the hero's traits)
    #[arg(long, value_parser = wire_parser!(VOICES, Voice))]
    pub voice: Option<Voice>,
    /// How long the story is (about 2, 5 or 10 minutes read aloud; default: your profile's,
    /// else by the hero's age)
    #[arg(long, value_parser = wire_parser!(LENGTHS, StoryLength))]
    pub length: Option<StoryLength>,
    /// Import: the title of a story you wrote (with --content or --content-file; works offline)
    #[arg(long, requires = "text")]
    pub title: Option<String>,
    /// Import: the text of the story
    #[arg(long, group = "text")]
    pub content: Option<String>,
    /// Import: read the text from a file (`-` for standard input)
    #[arg(long, group = "text", value_name = "FILE")]
    pub content_file: Option<PathBuf>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// `events …`.
#[derive(Debug, Subcommand)]
pub enum EventCmd {
    /// List your events
    List,
    /// Show one event
    Show {
        /// Title or id
        event: String,
    },
    /// Create an event (works offline)
    Create(EventCreateArgs),
    /// Change an event (only the options given change)
    Edit(EventEditArgs),
    /// Delete an event
    Delete {
        /// Title or id
        event: String,
        /// Do not ask for confirmation
        #[arg(long, short)]
        yes: bool,
    },
    /// Let the AI add keywords and a richer story idea (needs the server)
    Enhance {
        /// Title or id
        event: String,
    },
}

/// `events create`.
#[derive(Debug, Args)]
pub struct EventCreateArgs {
    /// Title (1–100 characters)
    #[arg(long)]
    pub title: String,
    /// The story idea (1–1000 characters)
    #[arg(long)]
    pub idea: String,
    #[command(flatten)]
    pub details: EventDetails,
}

/// `events edit`.
#[derive(Debug, Args)]
pub struct EventEditArgs {
    /// Title or id of the event to change
    pub event: String,
    /// New title
    #[arg(long)]
    pub title: Option<String>,
    /// New story idea
    #[arg(long)]
    pub idea: Option<String>,
    #[command(flatten)]
    pub details: EventDetails,
}

/// Optional fields of an event.
#[derive(Debug, Args)]
pub struct EventDetails {
    /// Longer description
    #[arg(long)]
    pub description: Option<String>,
    /// Category
    #[arg(long, value_parser = wire_parser!(CATEGORIES, EventCategory))]
    pub category: Option<EventCategory>,
    /// Tone of the stories
    #[arg(long, value_parser = wire_parser!(TONES, EventTone))]
    pub tone: Option<EventTone>,
    /// Age range it is meant for
    #[arg(long, value_parser = wire_parser!(AGE_RANGES, AgeRange))]
    pub age_range: Option<AgeRange>,
    /// An emoji for lists
    #[arg(long)]
    pub emoji: Option<String>,
    /// Keywords, comma-separated (up to 10)
    #[arg(long, value_delimiter = ',')]
    pub keywords: Option<Vec<String>>,
    /// Mark as favourite (`--favorite false` to unmark)
    #[arg(long, num_args = 0..=1, default_missing_value = "true")]
    pub favorite: Option<bool>,
}

/// `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Keep running: follow the server's live stream and sync whenever something changes
    #[arg(long)]
    pub watch: bool,
    /// Put changes the server refused back in the queue before syncing
    #[arg(long)]
    pub retry_failed: bool,
}

/// `conflicts …`.
#[derive(Debug, Subcommand)]
pub enum ConflictCmd {
    /// List conflicts waiting for a decision
    List,
    /// Keep one side of a conflict
    Resolve {
        /// The conflict number from `storyloom conflicts list`
        conflict: i64,
        /// Which version stays
        #[arg(long, value_enum)]
        keep: Keep,
    },
}

/// Side of a conflict to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Keep {
    /// The version edited on this device
    Local,
    /// The version on the server
    Server,
}

/// `open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// What to fetch
    #[arg(value_enum)]
    pub what: MediaArg,
    /// The hero (for an avatar) or the story (title or id)
    pub target: String,
    /// Which illustration (1 = first); all of them when omitted
    #[arg(long)]
    pub index: Option<usize>,
}

/// Media kinds `open` fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MediaArg {
    /// A hero's picture
    Avatar,
    /// A story's narration (MP3)
    Audio,
    /// A story's pictures (PNG)
    Illustration,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn value_lists_match_the_domain_types() {
        assert_eq!(TRAITS.len(), HeroTrait::ALL.len());
        for t in TRAITS {
            wire::<HeroTrait>(t).unwrap();
        }
        for e in EVENT_TYPES {
            wire::<EventType>(e).unwrap();
        }
        for l in LANGUAGES {
            wire::<Language>(l).unwrap();
        }
        for v in VOICES {
            wire::<Voice>(v).unwrap();
        }
        for c in CATEGORIES {
            wire::<EventCategory>(c).unwrap();
        }
        for t in TONES {
            wire::<EventTone>(t).unwrap();
        }
        for a in AGE_RANGES {
            wire::<AgeRange>(a).unwrap();
        }
    }

    #[test]
    fn exit_codes_are_in_the_long_help() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Exit codes:"), "{help}");
        assert!(help.contains("4  offline"), "{help}");
    }
}

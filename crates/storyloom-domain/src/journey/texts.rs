//! Milestone titles and descriptions in the five story languages.
//!
//! Kept as code rather than a catalogue file: the domain crate does no I/O, and ten
//! milestones in five languages is three small templates each.

use super::milestones::Goal;
use crate::story::Language;

/// The title and description of a milestone reaching `goal`, in `lang`.
pub(super) fn text(goal: Goal, lang: Language) -> (String, String) {
    use Goal::*;
    use Language::*;
    let (title, description) = match (lang, goal) {
        (En, Listens(1)) => (
            "First story".into(),
            "Listen to a first story to the end".into(),
        ),
        (En, Listens(n)) => (
            format!("{n} stories"),
            format!("Listen to {n} stories to the end"),
        ),
        (En, Hours(1)) => (
            "First hour".into(),
            "Listen to an hour of stories in all".into(),
        ),
        (En, Hours(n)) => (
            format!("{n} hours"),
            format!("Listen to {n} hours of stories in all"),
        ),
        (En, Streak(n)) => (
            format!("{n}-day streak"),
            format!("Listen to a story every day, {n} days in a row"),
        ),
        (Fr, Listens(1)) => (
            "Première histoire".into(),
            "Écouter une première histoire jusqu'au bout".into(),
        ),
        (Fr, Listens(n)) => (
            format!("{n} histoires"),
            format!("Écouter {n} histoires jusqu'au bout"),
        ),
        (Fr, Hours(1)) => (
            "Première heure".into(),
            "Écouter une heure d'histoires au total".into(),
        ),
        (Fr, Hours(n)) => (
            format!("{n} heures"),
            format!("Écouter {n} heures d'histoires au total"),
        ),
        (Fr, Streak(n)) => (
            format!("{n} jours d'affilée"),
            format!("Écouter une histoire chaque jour, {n} jours d'affilée"),
        ),
        (Es, Listens(1)) => (
            "Primera historia".into(),
            "Escuchar una primera historia hasta el final".into(),
        ),
        (Es, Listens(n)) => (
            format!("{n} historias"),
            format!("Escuchar {n} historias hasta el final"),
        ),
        (Es, Hours(1)) => (
            "Primera hora".into(),
            "Escuchar una hora de historias en total".into(),
        ),
        (Es, Hours(n)) => (
            format!("{n} horas"),
            format!("Escuchar {n} horas de historias en total"),
        ),
        (Es, Streak(n)) => (
            format!("Racha de {n} días"),
            format!("Escuchar una historia cada día, {n} días seguidos"),
        ),
        (De, Listens(1)) => (
            "Erste Geschichte".into(),
            "Eine erste Geschichte bis zum Ende hören".into(),
        ),
        (De, Listens(n)) => (
            format!("{n} Geschichten"),
            format!("{n} Geschichten bis zum Ende hören"),
        ),
        (De, Hours(1)) => (
            "Erste Stunde".into(),
            "Insgesamt eine Stunde Geschichten hören".into(),
        ),
        (De, Hours(n)) => (
            format!("{n} Stunden"),
            format!("Insgesamt {n} Stunden Geschichten hören"),
        ),
        (De, Streak(n)) => (
            format!("{n} Tage in Folge"),
            format!("Jeden Tag eine Geschichte hören, {n} Tage in Folge"),
        ),
        (It, Listens(1)) => (
            "Prima storia".into(),
            "Ascoltare una prima storia fino alla fine".into(),
        ),
        (It, Listens(n)) => (
            format!("{n} storie"),
            format!("Ascoltare {n} storie fino alla fine"),
        ),
        (It, Hours(1)) => (
            "Prima ora".into(),
            "Ascoltare un'ora di storie in tutto".into(),
        ),
        (It, Hours(n)) => (
            format!("{n} ore"),
            format!("Ascoltare {n} ore di storie in tutto"),
        ),
        (It, Streak(n)) => (
            format!("{n} giorni di fila"),
            format!("Ascoltare una storia ogni giorno, {n} giorni di fila"),
        ),
    };
    (title, description)
}

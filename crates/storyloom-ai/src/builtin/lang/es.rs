//! Español. Pretérito indefinido e imperfecto; los rasgos son sustantivos que encajan en
//! «con gran …» y «lleno de …» (el corazón es masculino, no el héroe).

use super::Pack;

pub(super) const PACK: Pack = Pack {
    traits: [
        "valentía",
        "curiosidad",
        "bondad",
        "sentido del humor",
        "ingenio",
        "creatividad",
        "espíritu aventurero",
        "dulzura",
        "deseo de ayudar",
        "cariño",
        "paciencia",
        "energía",
        "timidez",
        "imaginación",
        "determinación",
        "honestidad",
        "alegría",
        "calma",
    ],
    stopwords: &[
        "el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "de", "del", "a",
        "al", "en", "con", "sin", "por", "para", "sobre", "este", "esta", "estos", "estas", "ese",
        "esa", "su", "sus", "mi", "mis", "tu", "tus", "nuestro", "nuestra", "el", "ella", "ellos",
        "ellas", "nosotros", "que", "quien", "es", "son", "era", "fue", "ser", "estar", "tiene",
        "no", "muy", "mas", "se", "lo", "le", "les", "dia", "primer", "primera", "nuevo", "nueva",
        "historia", "cuando", "como", "tambien",
    ],
    enhanced_seed: "Un cuento para dormir sobre: {title}. {details} Incluir: {keywords}. Tono {tone}; sencillo y tranquilizador para un niño de {age}, con un pequeño problema que el héroe resuelve y un final sereno.",
    tone_names: [
        "alegre",
        "relajante",
        "emocionante",
        "tierno",
        "divertido",
        "entrañable",
    ],
};

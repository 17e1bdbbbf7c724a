//! Italiano. Passato remoto e imperfetto (nessun accordo con il soggetto); i tratti sono nomi
//! che stanno bene dopo «con grande …» e «pieno di …» (riferito al cuore, non all'eroe).

use super::Pack;

pub(super) const PACK: Pack = Pack {
    traits: [
        "coraggio",
        "curiosità",
        "gentilezza",
        "umorismo",
        "intelligenza",
        "creatività",
        "spirito d'avventura",
        "dolcezza",
        "voglia di aiutare",
        "premura",
        "pazienza",
        "energia",
        "timidezza",
        "fantasia",
        "determinazione",
        "onestà",
        "voglia di giocare",
        "calma",
    ],
    stopwords: &[
        "il", "lo", "la", "i", "gli", "le", "un", "uno", "una", "e", "o", "ma", "di", "del",
        "della", "dei", "delle", "a", "al", "alla", "ai", "da", "dal", "in", "nel", "nella", "con",
        "su", "sul", "per", "tra", "fra", "questo", "questa", "quello", "quella", "suo", "sua",
        "suoi", "sue", "mio", "mia", "tuo", "tua", "nostro", "nostra", "lui", "lei", "loro", "noi",
        "voi", "che", "chi", "e", "sono", "era", "essere", "avere", "ha", "non", "molto", "piu",
        "si", "giorno", "primo", "prima", "nuovo", "nuova", "storia", "quando", "come", "anche",
        "l", "un", "d",
    ],
    enhanced_seed: "Una storia della buonanotte su: {title}. {details} Da includere: {keywords}. Atmosfera {tone}; semplice e rassicurante per un bambino di {age}, con un piccolo problema che il protagonista risolve e un finale sereno.",
    tone_names: [
        "allegra",
        "rilassante",
        "emozionante",
        "dolce",
        "divertente",
        "commovente",
    ],
};

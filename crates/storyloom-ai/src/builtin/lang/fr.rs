//! Français. Récit au passé simple et à l'imparfait (pas d'accord avec le sujet) ; les traits
//! portent leur « de » (« de courage », « d'imagination ») pour l'élision.

use super::Pack;

pub(super) const PACK: Pack = Pack {
    traits: [
        "de courage",
        "de curiosité",
        "de gentillesse",
        "d'humour",
        "d'intelligence",
        "de créativité",
        "de goût pour l'aventure",
        "de douceur",
        "de serviabilité",
        "d'attention pour les autres",
        "de patience",
        "d'énergie",
        "de timidité",
        "d'imagination",
        "de détermination",
        "d'honnêteté",
        "d'espièglerie",
        "de calme",
    ],
    stopwords: &[
        "le", "la", "les", "un", "une", "des", "du", "de", "d", "l", "et", "ou", "mais", "a", "au",
        "aux", "en", "dans", "sur", "pour", "par", "avec", "sans", "ce", "cet", "cette", "ces",
        "son", "sa", "ses", "leur", "leurs", "mon", "ma", "mes", "ton", "ta", "tes", "notre",
        "nos", "votre", "vos", "il", "elle", "ils", "elles", "on", "nous", "vous", "je", "tu",
        "qui", "que", "quoi", "est", "sont", "etait", "etre", "avoir", "a", "ont", "pas", "ne",
        "tres", "plus", "se", "s", "qu", "jour", "premier", "premiere", "nouveau", "nouvelle",
        "histoire", "quand", "comme", "aussi",
    ],
    enhanced_seed: "Une histoire du soir sur : {title}. {details} À intégrer : {keywords}. Ambiance {tone} ; simple et rassurante pour un enfant de {age}, avec un petit problème que le héros résout et une fin paisible.",
    tone_names: [
        "joyeuse",
        "apaisante",
        "palpitante",
        "douce",
        "drôle",
        "émouvante",
    ],
};

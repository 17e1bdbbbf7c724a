//! Offline pictures: vector art written as SVG and rendered to 512×512 PNG with resvg.
//!
//! No text is drawn, so no font is needed. Colours of hair, eyes and skin come from the hero's
//! free-text fields (colour words in the five languages, or `#rgb`/`#rrggbb`); the scene's
//! setting comes from words in its description. Choices that are not dictated by the hero
//! (shirt colour, hair style, where the stars go) are seeded by the hero and the description,
//! so the same request draws the same picture.

use std::fmt::Write as _;

use resvg::{tiny_skia, usvg};
use storyloom_domain::Hero;

use super::rng::{Rng, hash};
use crate::safety::folded_words;
use crate::{AiError, Picture};

/// Side of every picture, in pixels.
pub const SIZE: u32 = 512;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// Mix towards white (`amount` > 0) or black (< 0).
    fn shade(self, amount: f32) -> Rgb {
        let f = |c: u8| {
            let c = f32::from(c);
            let v = if amount >= 0.0 {
                c + (255.0 - c) * amount
            } else {
                c * (1.0 + amount)
            };
            v.round().clamp(0.0, 255.0) as u8
        };
        Rgb(f(self.0), f(self.1), f(self.2))
    }
}

/// Which feature a colour word describes: "brown" hair, eyes and skin are different browns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Hair colour.
    Hair,
    /// Eye (iris) colour.
    Eyes,
    /// Skin tone.
    Skin,
}

const HAIR: &[(&[&str], Rgb)] = &[
    (
        &[
            "black", "noir", "noirs", "negro", "negros", "schwarz", "schwarze", "nero", "neri",
            "jet",
        ],
        Rgb(0x24, 0x1c, 0x1c),
    ),
    (
        &[
            "brown", "brun", "bruns", "marron", "castano", "castanos", "braun", "braune",
            "marrone", "castani", "brunette", "chestnut", "chatain", "chatains",
        ],
        Rgb(0x6b, 0x42, 0x26),
    ),
    (
        &[
            "blond", "blonde", "blonds", "rubio", "rubia", "rubios", "biondo", "bionda", "biondi",
            "golden", "dore", "dores", "doree", "dorees", "dorado", "dorato", "gold",
        ],
        Rgb(0xe8, 0xc1, 0x5a),
    ),
    (
        &[
            "red",
            "ginger",
            "auburn",
            "roux",
            "rousse",
            "rojo",
            "pelirrojo",
            "pelirroja",
            "rot",
            "rote",
            "rotblond",
            "rosso",
            "rossi",
            "copper",
            "cuivre",
            "cobrizo",
            "kupfer",
            "ramato",
        ],
        Rgb(0xb5, 0x4a, 0x1f),
    ),
    (
        &[
            "white", "blanc", "blancs", "blanco", "weiss", "weisse", "bianco", "bianchi", "silver",
            "argent", "plateado", "silber", "argento",
        ],
        Rgb(0xee, 0xee, 0xea),
    ),
    (
        &["grey", "gray", "gris", "grau", "grigio", "grigi"],
        Rgb(0x9a, 0x9a, 0x9a),
    ),
    (
        &["blue", "bleu", "bleus", "azul", "blau", "blu"],
        Rgb(0x3b, 0x6c, 0xd4),
    ),
    (&["pink", "rose", "rosa"], Rgb(0xf0, 0x8c, 0xb8)),
    (
        &["purple", "violet", "violeta", "lila", "viola", "morado"],
        Rgb(0x7e, 0x4c, 0xc0),
    ),
    (
        &["green", "vert", "verde", "grun", "verdi"],
        Rgb(0x3c, 0xa0, 0x5a),
    ),
];

const EYES: &[(&[&str], Rgb)] = &[
    (
        &[
            "blue", "bleu", "bleus", "azul", "azules", "blau", "blaue", "blu", "azzurro", "azzurri",
        ],
        Rgb(0x3a, 0x7b, 0xd5),
    ),
    (
        &[
            "green", "vert", "verts", "verde", "verdes", "grun", "grune", "verdi",
        ],
        Rgb(0x3d, 0x9a, 0x4e),
    ),
    (
        &[
            "hazel",
            "noisette",
            "avellana",
            "haselnuss",
            "haselnussbraun",
            "nocciola",
        ],
        Rgb(0x8e, 0x76, 0x3a),
    ),
    (
        &[
            "brown", "brun", "bruns", "marron", "marrones", "castano", "castanos", "braun",
            "braune", "marrone", "marroni",
        ],
        Rgb(0x5a, 0x36, 0x1e),
    ),
    (
        &[
            "black", "noir", "noirs", "negro", "negros", "schwarz", "nero", "neri", "dark",
        ],
        Rgb(0x22, 0x18, 0x14),
    ),
    (
        &["grey", "gray", "gris", "grau", "grigio", "grigi"],
        Rgb(0x80, 0x8a, 0x94),
    ),
    (
        &["amber", "ambre", "ambar", "bernstein", "ambra"],
        Rgb(0xc0, 0x80, 0x20),
    ),
    (
        &["violet", "purple", "viola", "lila", "violeta"],
        Rgb(0x7e, 0x4c, 0xc0),
    ),
];

const SKIN: &[(&[&str], Rgb)] = &[
    (
        &[
            "pale",
            "fair",
            "light",
            "clair",
            "claire",
            "claro",
            "clara",
            "palido",
            "hell",
            "helle",
            "chiaro",
            "chiara",
            "pallido",
            "porcelain",
        ],
        Rgb(0xfb, 0xe0, 0xc8),
    ),
    (
        &[
            "peach",
            "peche",
            "melocoton",
            "pfirsich",
            "pesca",
            "rosy",
            "pink",
            "rose",
            "rosa",
        ],
        Rgb(0xf6, 0xcf, 0xb0),
    ),
    (
        &[
            "beige", "medium", "moyen", "moyenne", "medio", "mittel", "medio",
        ],
        Rgb(0xe3, 0xb4, 0x8c),
    ),
    (
        &[
            "olive",
            "olivatre",
            "mat",
            "mate",
            "oliva",
            "oliv",
            "olivastro",
            "olivastra",
            "tan",
            "tanned",
            "bronze",
            "bronzee",
            "moreno",
            "morena",
            "gebraunt",
            "abbronzato",
        ],
        Rgb(0xc8, 0x95, 0x6a),
    ),
    (
        &[
            "brown",
            "brun",
            "brune",
            "marron",
            "castano",
            "braun",
            "marrone",
            "caramel",
            "caramelo",
            "karamell",
            "caramello",
        ],
        Rgb(0x9a, 0x65, 0x3e),
    ),
    (
        &[
            "dark", "fonce", "foncee", "oscuro", "oscura", "dunkel", "dunkle", "scuro", "scura",
            "black", "noir", "noire", "negro", "negra", "schwarz", "nero", "nera", "ebony",
            "ebene", "ebano",
        ],
        Rgb(0x5c, 0x3a, 0x24),
    ),
];

const DARKER: &[&str] = &[
    "dark", "deep", "fonce", "foncee", "fonces", "oscuro", "oscura", "dunkel", "dunkle", "scuro",
    "scura", "intense",
];
const LIGHTER: &[&str] = &[
    "light", "pale", "clair", "claire", "clairs", "claro", "clara", "hell", "helle", "chiaro",
    "chiara", "pallido",
];

fn parse_hex(text: &str) -> Option<Rgb> {
    let t = text.trim();
    let h = t.find('#').map(|i| &t[i + 1..])?;
    let h: String = h.chars().take_while(char::is_ascii_hexdigit).collect();
    let v = |s: &str| u8::from_str_radix(s, 16).ok();
    match h.len() {
        6 => Some(Rgb(v(&h[0..2])?, v(&h[2..4])?, v(&h[4..6])?)),
        3 => {
            let d = |i: usize| v(&h[i..i + 1]).map(|x| x * 17);
            Some(Rgb(d(0)?, d(1)?, d(2)?))
        }
        _ => None,
    }
}

/// The colour a free-text description names for `feature`, or `None` if it names none we know.
/// "dark"/"light" (in the five languages) shade the colour found.
pub fn color_for(feature: Feature, text: &str) -> Option<Rgb> {
    if let Some(c) = parse_hex(text) {
        return Some(c);
    }
    let words = folded_words(text);
    let table = match feature {
        Feature::Hair => HAIR,
        Feature::Eyes => EYES,
        Feature::Skin => SKIN,
    };
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let is_shade = |n: &str| DARKER.contains(&n) || LIGHTER.contains(&n);
    // A real colour word first ("light brown" is brown, made lighter)...
    let named = table
        .iter()
        .find(|(names, _)| names.iter().any(|n| !is_shade(n) && has(&[n])))
        .map(|(_, c)| *c);
    let amount = if feature == Feature::Skin { 0.2 } else { 0.35 };
    if let Some(base) = named {
        return Some(if has(DARKER) {
            base.shade(-amount)
        } else if has(LIGHTER) {
            base.shade(amount)
        } else {
            base
        });
    }
    // ...else a shade word alone is a skin tone by itself ("light", "foncée").
    if feature == Feature::Skin {
        return table
            .iter()
            .find(|(names, _)| names.iter().any(|n| has(&[n])))
            .map(|(_, c)| *c);
    }
    None
}

/// Hero colours with friendly defaults.
struct Palette {
    hair: Rgb,
    eyes: Rgb,
    skin: Rgb,
    shirt: Rgb,
}

const SHIRTS: [Rgb; 6] = [
    Rgb(0x4f, 0x8a, 0xd6),
    Rgb(0xe9, 0x6b, 0x5a),
    Rgb(0x5a, 0xb0, 0x7a),
    Rgb(0xf2, 0xb1, 0x3c),
    Rgb(0x9b, 0x6b, 0xd3),
    Rgb(0x3c, 0xb4, 0xb4),
];

fn palette(hero: &Hero, rng: &mut Rng) -> Palette {
    let get = |f, t: &Option<String>| t.as_deref().and_then(|t| color_for(f, t));
    let appearance = hero.appearance.as_deref().unwrap_or_default();
    Palette {
        hair: get(Feature::Hair, &hero.hair_color).unwrap_or(Rgb(0x6b, 0x42, 0x26)),
        eyes: get(Feature::Eyes, &hero.eye_color).unwrap_or(Rgb(0x5a, 0x36, 0x1e)),
        skin: get(Feature::Skin, &hero.skin_tone)
            .or_else(|| color_for(Feature::Skin, appearance))
            .unwrap_or(Rgb(0xf1, 0xc2, 0x9a)),
        shirt: SHIRTS[rng.below(SHIRTS.len())],
    }
}

/// A cartoon child, centred at (`cx`, `cy`) with head radius `r`.
fn figure(svg: &mut String, p: &Palette, cx: f32, cy: f32, r: f32, style: usize) {
    let hair = p.hair.hex();
    let skin = p.skin.hex();
    let skin_dark = p.skin.shade(-0.15).hex();
    let shirt = p.shirt.hex();
    // Body, then long hair behind the head, then head, hair on top, face.
    let _ = write!(
        svg,
        r#"<path d="M{x0} {y0} Q{cx} {y1} {x1} {y0} L{x1} {y2} L{x0} {y2} Z" fill="{shirt}"/>"#,
        x0 = cx - r * 1.25,
        x1 = cx + r * 1.25,
        y0 = cy + r * 1.55,
        y1 = cy + r * 0.7,
        y2 = cy + r * 3.0,
    );
    let _ = write!(
        svg,
        r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{skin_dark}"/>"#,
        cx - r * 0.22,
        cy + r * 0.8,
        r * 0.44,
        r * 0.5
    );
    if style == 1 {
        let _ = write!(
            svg,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="{}" fill="{hair}"/>"#,
            cx - r * 1.12,
            cy - r * 0.4,
            r * 2.24,
            r * 2.1,
            r * 0.5
        );
    }
    let _ = write!(
        svg,
        r#"<circle cx="{cx}" cy="{cy}" r="{r}" fill="{skin}"/>"#
    );
    let _ = write!(
        svg,
        r#"<circle cx="{}" cy="{}" r="{}" fill="{skin}"/><circle cx="{}" cy="{}" r="{}" fill="{skin}"/>"#,
        cx - r,
        cy + r * 0.1,
        r * 0.2,
        cx + r,
        cy + r * 0.1,
        r * 0.2
    );
    match style {
        // Curly: a crown of circles.
        2 => {
            for i in 0..9 {
                let a = std::f32::consts::PI * (1.0 + i as f32 / 8.0);
                let _ = write!(
                    svg,
                    r#"<circle cx="{}" cy="{}" r="{}" fill="{hair}"/>"#,
                    cx + a.cos() * r * 0.92,
                    cy + a.sin() * r * 0.85 - r * 0.05,
                    r * 0.34
                );
            }
        }
        // Short or long: a cap over the top of the head with a fringe.
        _ => {
            let _ = write!(
                svg,
                r#"<path d="M{} {} A{r} {r} 0 0 1 {} {} Q{} {} {cx} {} Q{} {} {} {} Z" fill="{hair}"/>"#,
                cx - r * 1.02,
                cy + r * 0.05,
                cx + r * 1.02,
                cy + r * 0.05,
                cx + r * 0.7,
                cy - r * 0.55,
                cy - r * 0.45,
                cx - r * 0.4,
                cy - r * 0.6,
                cx - r * 1.02,
                cy + r * 0.05,
            );
        }
    }
    // Eyes: white, iris in the eye colour, pupil, a shine.
    for dx in [-0.38, 0.38] {
        let ex = cx + dx * r;
        let ey = cy + r * 0.12;
        let _ = write!(
            svg,
            r##"<ellipse cx="{ex}" cy="{ey}" rx="{}" ry="{}" fill="#ffffff"/><circle cx="{ex}" cy="{ey}" r="{}" fill="{}"/><circle cx="{ex}" cy="{ey}" r="{}" fill="#1a1a1a"/><circle cx="{}" cy="{}" r="{}" fill="#ffffff"/>"##,
            r * 0.19,
            r * 0.22,
            r * 0.14,
            p.eyes.hex(),
            r * 0.06,
            ex + r * 0.05,
            ey - r * 0.06,
            r * 0.035,
        );
    }
    // Cheeks and smile.
    let _ = write!(
        svg,
        r##"<circle cx="{}" cy="{}" r="{}" fill="#f08080" opacity="0.35"/><circle cx="{}" cy="{}" r="{}" fill="#f08080" opacity="0.35"/><path d="M{} {} Q{cx} {} {} {}" stroke="#7a3b2e" stroke-width="{}" fill="none" stroke-linecap="round"/>"##,
        cx - r * 0.6,
        cy + r * 0.45,
        r * 0.13,
        cx + r * 0.6,
        cy + r * 0.45,
        r * 0.13,
        cx - r * 0.25,
        cy + r * 0.5,
        cy + r * 0.72,
        cx + r * 0.25,
        cy + r * 0.5,
        r * 0.06,
    );
}

/// Settings a scene can be drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// A bedroom at night.
    Bedroom,
    /// Trees and a path.
    Forest,
    /// Sand, sea and sun.
    Beach,
    /// A classroom with a board.
    School,
    /// A castle on a hill.
    Castle,
    /// Clouds and open sky.
    Sky,
    /// Grass, flowers, a fence.
    Garden,
    /// Grey sky, rain, puddles.
    Rain,
    /// A cosy room with a table (kitchen, party, doctor's office).
    Indoors,
}

const SETTING_WORDS: &[(Setting, &[&str])] = &[
    (
        Setting::Bedroom,
        &[
            "bed",
            "bedroom",
            "bedtime",
            "pillow",
            "blanket",
            "duvet",
            "sleep",
            "asleep",
            "dream",
            "lit",
            "chambre",
            "oreiller",
            "couette",
            "dormir",
            "reve",
            "cama",
            "dormitorio",
            "almohada",
            "sueno",
            "bett",
            "schlafzimmer",
            "kinderzimmer",
            "kissen",
            "schlafen",
            "traum",
            "letto",
            "cameretta",
            "cuscino",
            "sogno",
            "coperte",
            "mantas",
            "nightlight",
            "veilleuse",
            "lamparita",
            "nachtlicht",
            "lucina",
        ],
    ),
    (
        Setting::Forest,
        &[
            "forest",
            "wood",
            "woods",
            "tree",
            "trees",
            "path",
            "stream",
            "clearing",
            "foret",
            "bois",
            "arbre",
            "arbres",
            "sentier",
            "ruisseau",
            "clairiere",
            "bosque",
            "arbol",
            "arboles",
            "sendero",
            "arroyo",
            "claro",
            "wald",
            "baum",
            "baume",
            "pfad",
            "bach",
            "lichtung",
            "bosco",
            "albero",
            "alberi",
            "sentiero",
            "ruscello",
            "radura",
        ],
    ),
    (
        Setting::Beach,
        &[
            "beach",
            "sea",
            "ocean",
            "sand",
            "sandcastle",
            "wave",
            "waves",
            "shell",
            "shells",
            "crab",
            "seaside",
            "plage",
            "mer",
            "sable",
            "vague",
            "vagues",
            "coquillage",
            "coquillages",
            "crabe",
            "playa",
            "mar",
            "arena",
            "ola",
            "olas",
            "concha",
            "conchas",
            "cangrejo",
            "cangrejito",
            "strand",
            "meer",
            "sand",
            "sandburg",
            "welle",
            "wellen",
            "muschel",
            "muscheln",
            "krebs",
            "spiaggia",
            "mare",
            "sabbia",
            "onda",
            "onde",
            "conchiglia",
            "conchiglie",
            "granchio",
            "granchietto",
            "pool",
            "piscine",
            "piscina",
            "schwimmbad",
        ],
    ),
    (
        Setting::School,
        &[
            "school",
            "classroom",
            "class",
            "teacher",
            "lesson",
            "ecole",
            "classe",
            "maitresse",
            "maitre",
            "escuela",
            "colegio",
            "aula",
            "clase",
            "maestra",
            "maestro",
            "schule",
            "klasse",
            "klassenzimmer",
            "lehrerin",
            "lehrer",
            "scuola",
            "maestra",
            "book",
            "livre",
            "libro",
            "buch",
            "puzzle",
            "blocks",
            "cubes",
            "bloques",
            "klotze",
            "mattoncini",
        ],
    ),
    (
        Setting::Castle,
        &[
            "castle",
            "king",
            "queen",
            "prince",
            "princess",
            "knight",
            "dragon",
            "chateau",
            "roi",
            "reine",
            "princesse",
            "chevalier",
            "castillo",
            "rey",
            "reina",
            "princesa",
            "caballero",
            "schloss",
            "burg",
            "konig",
            "konigin",
            "prinzessin",
            "ritter",
            "drache",
            "castello",
            "re",
            "regina",
            "principessa",
            "cavaliere",
            "drago",
        ],
    ),
    (
        Setting::Sky,
        &[
            "sky",
            "cloud",
            "clouds",
            "fly",
            "flying",
            "kite",
            "balloon",
            "balloons",
            "star",
            "stars",
            "moon",
            "ciel",
            "nuage",
            "nuages",
            "voler",
            "cerf",
            "ballon",
            "ballons",
            "etoile",
            "etoiles",
            "lune",
            "cielo",
            "nube",
            "nubes",
            "volar",
            "cometa",
            "globo",
            "globos",
            "estrella",
            "estrellas",
            "luna",
            "himmel",
            "wolke",
            "wolken",
            "fliegen",
            "drachen",
            "luftballon",
            "luftballons",
            "stern",
            "sterne",
            "mond",
            "nuvola",
            "nuvole",
            "volare",
            "aquilone",
            "palloncino",
            "palloncini",
            "stella",
            "stelle",
            "stellina",
            "planets",
            "planetes",
            "planetas",
            "planeten",
            "pianeti",
        ],
    ),
    (
        Setting::Garden,
        &[
            "garden",
            "park",
            "flower",
            "flowers",
            "grass",
            "pond",
            "duck",
            "fence",
            "picnic",
            "jardin",
            "parc",
            "fleur",
            "fleurs",
            "herbe",
            "etang",
            "canard",
            "barriere",
            "jardin",
            "parque",
            "flor",
            "flores",
            "hierba",
            "estanque",
            "pato",
            "patito",
            "valla",
            "garten",
            "park",
            "blume",
            "blumen",
            "gras",
            "teich",
            "ente",
            "zaun",
            "giardino",
            "parco",
            "fiore",
            "fiori",
            "erba",
            "stagno",
            "anatroccolo",
            "recinto",
            "snail",
            "escargot",
            "caracol",
            "schnecke",
            "lumaca",
            "lumachina",
        ],
    ),
    (
        Setting::Rain,
        &[
            "rain",
            "rainy",
            "puddle",
            "puddles",
            "umbrella",
            "storm",
            "pluie",
            "flaque",
            "flaques",
            "parapluie",
            "orage",
            "lluvia",
            "charco",
            "charcos",
            "paraguas",
            "tormenta",
            "regen",
            "pfutze",
            "pfutzen",
            "regenschirm",
            "gewitter",
            "pioggia",
            "pozzanghera",
            "pozzanghere",
            "ombrello",
            "temporale",
        ],
    ),
    (
        Setting::Indoors,
        &[
            "kitchen",
            "cake",
            "party",
            "birthday",
            "doctor",
            "house",
            "home",
            "table",
            "baby",
            "grandpa",
            "grandma",
            "cuisine",
            "gateau",
            "fete",
            "anniversaire",
            "medecin",
            "maison",
            "bebe",
            "papi",
            "mamie",
            "cocina",
            "tarta",
            "fiesta",
            "cumpleanos",
            "medico",
            "casa",
            "bebe",
            "abuelo",
            "abuela",
            "kuche",
            "kuchen",
            "fest",
            "geburtstag",
            "arzt",
            "arztin",
            "haus",
            "baby",
            "opa",
            "oma",
            "cucina",
            "torta",
            "festa",
            "compleanno",
            "dottore",
            "dottoressa",
            "nonno",
            "nonna",
            "aquarium",
            "acquario",
            "pecera",
            "stethoscope",
            "fort",
            "cabane",
            "cabana",
            "hohle",
            "capanna",
        ],
    ),
];

const NIGHT_WORDS: &[&str] = &[
    "night",
    "moon",
    "stars",
    "bedtime",
    "nuit",
    "lune",
    "etoiles",
    "coucher",
    "noche",
    "luna",
    "estrellas",
    "dormir",
    "nacht",
    "mond",
    "sterne",
    "schlafenszeit",
    "notte",
    "stelle",
    "buonanotte",
    "asleep",
    "sleep",
    "schlafen",
    "dormire",
    "sleepy",
];

/// The setting a scene description calls for (the most matched word family wins; ties go to the
/// earlier family, and no match at all to the garden).
pub fn setting_for(description: &str) -> Setting {
    let words = folded_words(description);
    SETTING_WORDS
        .iter()
        .map(|(s, list)| {
            (
                *s,
                words.iter().filter(|w| list.contains(&w.as_str())).count(),
            )
        })
        .fold((Setting::Garden, 0), |best, cur| {
            if cur.1 > best.1 { cur } else { best }
        })
        .0
}

fn is_night(description: &str) -> bool {
    folded_words(description)
        .iter()
        .any(|w| NIGHT_WORDS.contains(&w.as_str()))
}

fn stars(svg: &mut String, rng: &mut Rng, n: usize, max_y: f32) {
    for _ in 0..n {
        let (x, y, r) = (
            rng.unit() * 512.0,
            rng.unit() * max_y,
            1.5 + rng.unit() * 2.5,
        );
        let _ = write!(
            svg,
            r##"<circle cx="{x}" cy="{y}" r="{r}" fill="#fff7c2"/>"##
        );
    }
}

fn cloud(svg: &mut String, x: f32, y: f32, s: f32, fill: &str) {
    let _ = write!(
        svg,
        r#"<g fill="{fill}"><ellipse cx="{x}" cy="{y}" rx="{}" ry="{}"/><circle cx="{}" cy="{}" r="{}"/><circle cx="{}" cy="{}" r="{}"/></g>"#,
        60.0 * s,
        22.0 * s,
        x - 20.0 * s,
        y - 15.0 * s,
        25.0 * s,
        x + 18.0 * s,
        y - 20.0 * s,
        30.0 * s,
    );
}

fn background(svg: &mut String, setting: Setting, night: bool, rng: &mut Rng) {
    let (top, bottom) = if night {
        ("#1d2a5a", "#46508c")
    } else {
        ("#8fd3ff", "#e4f6ff")
    };
    let _ = write!(
        svg,
        r#"<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="{top}"/><stop offset="1" stop-color="{bottom}"/></linearGradient></defs><rect width="512" height="512" fill="url(#sky)"/>"#
    );
    if night {
        stars(svg, rng, 24, 260.0);
        let _ = write!(
            svg,
            r##"<circle cx="420" cy="80" r="38" fill="#fff3b0"/><circle cx="436" cy="70" r="34" fill="#1d2a5a" opacity="0.9"/>"##
        );
    } else if setting != Setting::Rain {
        let _ = write!(svg, r##"<circle cx="440" cy="70" r="40" fill="#ffd84d"/>"##);
    }
    match setting {
        Setting::Bedroom => {
            let _ = write!(
                svg,
                r##"<rect width="512" height="512" fill="#3b3f74"/><rect x="300" y="50" width="160" height="150" rx="8" fill="#1d2a5a" stroke="#c9a97a" stroke-width="10"/><circle cx="410" cy="100" r="22" fill="#fff3b0"/><rect x="0" y="400" width="512" height="112" fill="#6b4f3a"/><rect x="30" y="330" width="300" height="110" rx="20" fill="#e9d7ff"/><rect x="30" y="300" width="40" height="150" rx="10" fill="#8a5a3c"/><rect x="290" y="340" width="40" height="110" rx="10" fill="#8a5a3c"/><ellipse cx="110" cy="330" rx="50" ry="22" fill="#ffffff"/>"##
            );
            stars(svg, rng, 6, 180.0);
        }
        Setting::Forest => {
            let _ = write!(
                svg,
                r##"<rect y="360" width="512" height="152" fill="#5aa05a"/><path d="M200 512 Q260 430 240 360 L280 360 Q300 430 330 512 Z" fill="#c9a46a"/>"##
            );
            for i in 0..6 {
                let x = 20.0 + i as f32 * 95.0 + rng.unit() * 20.0;
                let h = 150.0 + rng.unit() * 60.0;
                let _ = write!(
                    svg,
                    r##"<rect x="{}" y="{}" width="18" height="60" fill="#7a5230"/><path d="M{} {} L{} {} L{} {} Z" fill="#2f7d44"/>"##,
                    x - 9.0,
                    330.0,
                    x - 55.0,
                    340.0,
                    x,
                    340.0 - h,
                    x + 55.0,
                    340.0
                );
            }
        }
        Setting::Beach => {
            let _ = write!(
                svg,
                r##"<rect y="250" width="512" height="120" fill="#3aa0d8"/><path d="M0 250 Q64 240 128 250 T256 250 T384 250 T512 250 V262 H0 Z" fill="#ffffff" opacity="0.6"/><rect y="360" width="512" height="152" fill="#f3d9a0"/><path d="M60 470 l30 -40 l30 40 z" fill="#e0b870"/><circle cx="440" cy="470" r="10" fill="#f7a1b5"/>"##
            );
        }
        Setting::School => {
            let _ = write!(
                svg,
                r##"<rect width="512" height="512" fill="#f6e7c8"/><rect x="60" y="60" width="300" height="170" rx="6" fill="#2e5e4e" stroke="#9c6b3f" stroke-width="10"/><path d="M90 120 h80 M90 150 h140 M90 180 h60" stroke="#ffffff" stroke-width="5" opacity="0.7"/><rect x="380" y="80" width="90" height="90" fill="#8fd3ff" stroke="#ffffff" stroke-width="6"/><rect y="420" width="512" height="92" fill="#c28e5c"/><rect x="330" y="330" width="160" height="20" fill="#9c6b3f"/><rect x="345" y="350" width="12" height="80" fill="#9c6b3f"/><rect x="465" y="350" width="12" height="80" fill="#9c6b3f"/>"##
            );
        }
        Setting::Castle => {
            let _ = write!(
                svg,
                r##"<ellipse cx="256" cy="470" rx="380" ry="140" fill="#6fbf6f"/><rect x="290" y="170" width="170" height="170" fill="#b8b3c8"/><rect x="270" y="120" width="50" height="220" fill="#a19bb5"/><rect x="430" y="120" width="50" height="220" fill="#a19bb5"/><path d="M265 120 L295 70 L325 120 Z M425 120 L455 70 L485 120 Z" fill="#d0607a"/><path d="M350 340 V280 Q375 250 400 280 V340 Z" fill="#6b4f3a"/>"##
            );
        }
        Setting::Sky => {
            for _ in 0..4 {
                let (x, y, s) = (
                    rng.unit() * 512.0,
                    60.0 + rng.unit() * 250.0,
                    0.7 + rng.unit() * 0.8,
                );
                cloud(svg, x, y, s, "#ffffff");
            }
            let _ = write!(
                svg,
                r##"<path d="M0 470 Q128 430 256 470 T512 470 V512 H0 Z" fill="#7cc47c"/>"##
            );
        }
        Setting::Garden => {
            let _ = write!(
                svg,
                r##"<rect y="340" width="512" height="172" fill="#78c46a"/>"##
            );
            for i in 0..10 {
                let x = 15.0 + i as f32 * 52.0;
                let _ = write!(
                    svg,
                    r##"<rect x="{x}" y="300" width="14" height="70" fill="#f4e2c0"/>"##
                );
            }
            let _ = write!(
                svg,
                r##"<rect x="0" y="320" width="512" height="10" fill="#f4e2c0"/>"##
            );
            let petals = ["#ff8fb1", "#ffd84d", "#b48cff", "#ff9f5a"];
            for _ in 0..12 {
                let (x, y) = (rng.unit() * 512.0, 390.0 + rng.unit() * 110.0);
                let c = petals[rng.below(petals.len())];
                let _ = write!(
                    svg,
                    r##"<circle cx="{x}" cy="{y}" r="9" fill="{c}"/><circle cx="{x}" cy="{y}" r="4" fill="#fff6d5"/>"##
                );
            }
        }
        Setting::Rain => {
            let _ = write!(
                svg,
                r##"<rect width="512" height="512" fill="#9aa7b8"/><rect y="380" width="512" height="132" fill="#6e9a6e"/><ellipse cx="130" cy="450" rx="80" ry="16" fill="#8fb4d6"/><ellipse cx="400" cy="470" rx="60" ry="12" fill="#8fb4d6"/>"##
            );
            for _ in 0..3 {
                let (x, y) = (rng.unit() * 512.0, 50.0 + rng.unit() * 80.0);
                cloud(svg, x, y, 1.2, "#6d7a8c");
            }
            for _ in 0..40 {
                let (x, y) = (rng.unit() * 512.0, 120.0 + rng.unit() * 280.0);
                let _ = write!(
                    svg,
                    r##"<path d="M{x} {y} l-4 14" stroke="#dbe8ff" stroke-width="3" stroke-linecap="round"/>"##
                );
            }
        }
        Setting::Indoors => {
            let _ = write!(
                svg,
                r##"<rect width="512" height="512" fill="#ffe9cf"/><rect y="400" width="512" height="112" fill="#c8905c"/><rect x="330" y="320" width="170" height="16" fill="#8a5a3c"/><rect x="345" y="336" width="12" height="80" fill="#8a5a3c"/><rect x="475" y="336" width="12" height="80" fill="#8a5a3c"/><rect x="380" y="280" width="70" height="40" rx="6" fill="#ff9fb6"/><rect x="410" y="262" width="6" height="18" fill="#ffd84d"/><rect x="40" y="60" width="120" height="110" fill="#8fd3ff" stroke="#ffffff" stroke-width="8"/>"##
            );
            if night {
                stars(svg, rng, 4, 150.0);
            }
        }
    }
}

fn render(svg: &str) -> Result<Vec<u8>, AiError> {
    let bad = |m: String| AiError::Provider {
        attempts: 1,
        status: None,
        message: m,
    };
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default())
        .map_err(|e| bad(format!("internal SVG is invalid: {e}")))?;
    let mut pixmap = tiny_skia::Pixmap::new(SIZE, SIZE).ok_or_else(|| bad("no pixmap".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| bad(format!("PNG encoding: {e}")))
}

fn finish(svg: String, kind: &str) -> Result<Picture, AiError> {
    let png = render(&svg)?;
    Ok(Picture {
        png,
        generation_id: format!("builtin-{kind}-{:016x}", hash(&svg)),
    })
}

fn hair_style(hero: &Hero) -> usize {
    // The hair style is part of who the hero is, so it depends on the hero only.
    let words = folded_words(hero.appearance.as_deref().unwrap_or_default());
    let has = |l: &[&str]| words.iter().any(|w| l.contains(&w.as_str()));
    if has(&[
        "curly", "boucles", "boucle", "frises", "rizado", "rizos", "locken", "lockig", "ricci",
        "riccioli", "afro",
    ]) {
        2
    } else if has(&[
        "long", "longs", "longue", "longues", "largo", "larga", "lange", "langen", "lunghi",
        "lunga", "lungo", "braids", "tresses", "trenzas", "zopfe", "trecce", "ponytail",
    ]) {
        1
    } else if has(&[
        "short", "court", "courts", "corto", "kurz", "kurze", "corti",
    ]) {
        0
    } else {
        (hash(&hero.name) % 3) as usize
    }
}

/// Draw the hero's avatar: a portrait on a soft round background.
pub fn avatar(hero: &Hero, extra_prompt: Option<&str>) -> Result<Picture, AiError> {
    let mut rng = Rng::new(hash(&hero.name) ^ hash(extra_prompt.unwrap_or_default()));
    let p = palette(hero, &mut rng);
    let bg = [
        ("#fde2e4", "#fad2e1"),
        ("#e2ece9", "#bee1e6"),
        ("#fff1c1", "#ffd6a5"),
        ("#e4dcf7", "#cdb4db"),
    ][rng.below(4)];
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 512 512"><defs><radialGradient id="bg"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></radialGradient></defs><rect width="512" height="512" fill="url(#bg)"/>"#,
        bg.0, bg.1
    );
    stars(&mut svg, &mut rng, 8, 140.0);
    figure(&mut svg, &p, 256.0, 230.0, 120.0, hair_style(hero));
    svg.push_str("</svg>");
    finish(svg, "avatar")
}

/// Draw a scene: the setting its description calls for, with the hero in it.
pub fn scene(description: &str, hero: &Hero) -> Result<Picture, AiError> {
    let mut rng = Rng::new(hash(description) ^ hash(&hero.name).rotate_left(7));
    let setting = setting_for(description);
    let night = setting == Setting::Bedroom || is_night(description);
    let mut svg = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" viewBox="0 0 512 512">"#
    );
    background(&mut svg, setting, night, &mut rng);
    let p = palette(hero, &mut rng);
    let (x, y) = match setting {
        Setting::Bedroom => (180.0, 300.0),
        Setting::School | Setting::Indoors => (200.0, 300.0),
        _ => (150.0 + rng.unit() * 200.0, 330.0),
    };
    figure(&mut svg, &p, x, y, 48.0, hair_style(hero));
    svg.push_str("</svg>");
    finish(svg, "scene")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_words_in_five_languages() {
        let blond = color_for(Feature::Hair, "blond").unwrap();
        for w in ["blonde", "rubio", "biondi", "Blond", "dorés"] {
            assert_eq!(color_for(Feature::Hair, w), Some(blond), "{w}");
        }
        assert_eq!(
            color_for(Feature::Eyes, "grüne Augen"),
            color_for(Feature::Eyes, "green")
        );
        assert_eq!(
            color_for(Feature::Eyes, "yeux bleus"),
            color_for(Feature::Eyes, "blue")
        );
        assert_eq!(
            color_for(Feature::Skin, "peau foncée"),
            color_for(Feature::Skin, "dark")
        );
        assert_eq!(color_for(Feature::Hair, "#ff0000"), Some(Rgb(255, 0, 0)));
        assert_eq!(color_for(Feature::Hair, "#0f0"), Some(Rgb(0, 255, 0)));
        assert_eq!(color_for(Feature::Hair, "sparkly"), None);
        let dark = color_for(Feature::Hair, "dark brown").unwrap();
        let brown = color_for(Feature::Hair, "brown").unwrap();
        assert!(dark.0 < brown.0);
    }

    #[test]
    fn settings_follow_the_description() {
        assert_eq!(
            setting_for("Mia is tucked into bed while the moon shines"),
            Setting::Bedroom
        );
        assert_eq!(
            setting_for("Le sentier arriva au bord d'un ruisseau dans la forêt"),
            Setting::Forest
        );
        assert_eq!(
            setting_for("Las olas se llevaron el castillo de arena en la playa"),
            Setting::Beach
        );
        assert_eq!(
            setting_for("Die Schulglocke läutete in der Schule"),
            Setting::School
        );
        assert_eq!(
            setting_for("La pioggia cadeva sulle pozzanghere"),
            Setting::Rain
        );
        assert_eq!(
            setting_for("A knight visits the castle of the queen"),
            Setting::Castle
        );
        assert_eq!(setting_for("nothing recognisable"), Setting::Garden);
    }
}

//! Deutsch. Präteritum; `{fix}` beginnt mit dem finiten Verb und steht immer direkt hinter dem
//! Namen (Subjekt zuerst), damit die Verbzweitstellung stimmt. Das Kind heißt „das Kind“ oder
//! beim Namen, nie „er“/„sie“.

use super::{CustomPack, EventPack, Pack};

pub(super) const PACK: Pack = Pack {
    titles: &[
        "{name} und {topic}",
        "Die Geschichte von {name} und {topic}",
    ],
    openings: &[
        "Es war einmal ein Kind namens {name}, das {age} war und ein Herz voller {trait} hatte.",
        "In einem kleinen Haus am Ende einer stillen Straße wohnte ein Kind namens {name}, {age}.",
        "Es war einmal ein Kind, das hieß {name}. {name} war {age} und steckte voller {trait}.",
    ],
    character: &[
        "Alle, die {name} kannten, erzählten, wie viel {trait} und {trait2} in diesem Kind steckten, im Kleinen wie im Großen, jeden Tag aufs Neue.",
        "Die Erwachsenen lächelten oft, wenn sie {name} sahen, denn in so einem kleinen Menschen steckte erstaunlich viel {trait}.",
        "{name} bemerkte gern Dinge, die andere übersahen, und schaute mit viel {trait2} auf die Welt.",
    ],
    traits: [
        "Mut",
        "Neugier",
        "Freundlichkeit",
        "Humor",
        "Klugheit",
        "Kreativität",
        "Abenteuerlust",
        "Sanftmut",
        "Hilfsbereitschaft",
        "Fürsorge",
        "Geduld",
        "Energie",
        "Schüchternheit",
        "Fantasie",
        "Entschlossenheit",
        "Ehrlichkeit",
        "Verspieltheit",
        "Ruhe",
    ],
    events: [
        EventPack {
            topic: "der schläfrige Stern",
            settings: &[
                "Es war Schlafenszeit, und der Mond schaute durch das Fenster ins Kinderzimmer.",
                "Im Haus war es still, und {name} lag warm eingekuschelt im Bett.",
            ],
            problems: &[
                (
                    "Aber das kleine Nachtlicht war ausgegangen, und die Schatten sahen riesig aus.",
                    "machte aus den Schatten ein Spiel und entdeckte an der Wand einen Hasen, ein Boot und einen gähnenden Bären",
                ),
                (
                    "Plötzlich fiel ein winziger Stern vom Himmel auf das Fensterbrett, viel zu müde zum Leuchten.",
                    "sang dem kleinen Stern ein leises Lied vor, bis er wieder leuchtete und zurück in den Himmel schwebte",
                ),
            ],
        },
        EventPack {
            topic: "der große Schultag",
            settings: &[
                "Es war ein Schultag, und das Klassenzimmer roch nach Wachsmalstiften und frischem Papier.",
                "Die Schulglocke läutete, und {name} ging in das helle Klassenzimmer.",
            ],
            problems: &[
                (
                    "Die Lehrerin bat alle, einen Turm aus Bauklötzen zu bauen, aber der Turm fiel immer wieder um.",
                    "legte die großen Klötze nach unten und die kleinen nach oben, und der Turm blieb stehen",
                ),
                (
                    "Ein neues Kind saß ganz allein hinten in der Klasse und sagte kein Wort.",
                    "setzte sich daneben und teilte die Schachtel mit den Buntstiften",
                ),
            ],
        },
        EventPack {
            topic: "die Geburtstagsüberraschung",
            settings: &[
                "Es war Geburtstag, und die Küche war voller Luftballons.",
                "Alle bereiteten ein Fest mit Kuchen und Musik vor.",
            ],
            problems: &[
                (
                    "Doch der Wind wehte die Luftballons zum Fenster hinaus, und sie flogen davon.",
                    "rannte nach draußen, fing die Schnüre eine nach der anderen ein und band sie am Gartenzaun fest",
                ),
                (
                    "Kurz vor dem Fest rutschte der Kuchen vom Teller und bekam eine große Delle.",
                    "verzierte die Delle mit Erdbeeren, sodass der Kuchen aussah wie ein lachendes Gesicht",
                ),
            ],
        },
        EventPack {
            topic: "das gemütliche Wochenende",
            settings: &[
                "Es war Samstagmorgen: keine Schule und keine Eile.",
                "Endlich war Wochenende, und die ganze Familie ging in den Park.",
            ],
            problems: &[
                (
                    "Im Park blieb ein Drachen hoch oben in einem Baum hängen.",
                    "fand einen langen Stock, und mit einem sanften Ruck kam der Drachen frei",
                ),
                (
                    "Am Teich fand ein kleines Entenküken seine Mama nicht mehr.",
                    "legte eine Spur aus Brotkrumen, die das Küken zurück nach Hause führte",
                ),
            ],
        },
        EventPack {
            topic: "der Regentag",
            settings: &[
                "Den ganzen Tag trommelte der Regen an die Fenster.",
                "Graue Wolken bedeckten den Himmel, und im Garten standen große Pfützen.",
            ],
            problems: &[
                (
                    "Niemand konnte draußen spielen, und im ganzen Haus machte sich Langeweile breit.",
                    "baute aus Decken und Kissen eine Höhle, und das Wohnzimmer wurde zu einem geheimen Versteck",
                ),
                (
                    "Eine kleine Schnecke saß mitten auf dem Weg fest, und der Regen wurde immer stärker.",
                    "trug die Schnecke unter einem großen Blatt an einen trockenen, sicheren Platz",
                ),
            ],
        },
        EventPack {
            topic: "der Familientag",
            settings: &[
                "Die ganze Familie war für einen besonderen Tag zusammengekommen.",
                "Oma und Opa waren zu Besuch, und das Haus war voller Lachen.",
            ],
            problems: &[
                (
                    "Opa hatte seine Lesebrille verloren und konnte die Gutenachtgeschichte nicht vorlesen.",
                    "suchte im ganzen Haus und fand die Brille schließlich – auf Opas Kopf",
                ),
                (
                    "Die Familie wollte spielen, aber niemand konnte sich auf ein Spiel einigen.",
                    "erfand ein ganz neues Spiel, das die Lieblingsteile von allen vereinte",
                ),
            ],
        },
        EventPack {
            topic: "die besten Freunde",
            settings: &[
                "{name} spielte mit den besten Freunden im Garten.",
                "Es war ein sonniger Nachmittag, wie gemacht zum Spielen mit Freunden.",
            ],
            problems: &[
                (
                    "Aber zwei Freunde wollten denselben roten Ball, und ein kleiner Streit begann.",
                    "schlug vor, sich abzuwechseln, und bald lachten alle wieder zusammen",
                ),
                (
                    "Ein Freund war traurig, weil sein Bild zerrissen war.",
                    "half, die Stücke wieder zusammenzukleben, und das Bild wurde noch schöner",
                ),
            ],
        },
        EventPack {
            topic: "die Ferien am Meer",
            settings: &[
                "Es waren Ferien, und die Familie fuhr ans Meer.",
                "Die Sonne war warm, der Sand weich, und das Meer glitzerte.",
            ],
            problems: &[
                (
                    "Die Wellen spülten die Sandburg weg, an der alle gebaut hatten.",
                    "baute eine neue Burg, ein Stück weiter weg vom Wasser, mit einer Mauer aus Muscheln",
                ),
                (
                    "Ein kleiner Krebs hatte sich zwischen den Felsen verirrt, weit weg vom Wasser.",
                    "zeigte dem Krebs mit dem Finger vorsichtig den Weg zurück ins Meer",
                ),
            ],
        },
        EventPack {
            topic: "das große Abenteuer",
            settings: &[
                "Eines Tages fand {name} im Gartenschuppen eine alte Karte.",
                "Hinter dem Gartentor begann ein Pfad, der in den Wald führte.",
            ],
            problems: &[
                (
                    "Der Pfad endete an einem Bach, und es gab keine Brücke.",
                    "legte flache Steine ins Wasser, einen nach dem anderen, und kam trockenen Fußes ans andere Ufer",
                ),
                (
                    "Tief im Wald teilte sich der Weg, und die Karte verriet nicht, wohin.",
                    "folgte dem Gesang der Vögel, und sie führten zu einer Lichtung voller Blumen",
                ),
            ],
        },
        EventPack {
            topic: "das Geheimnis der Sterne",
            settings: &[
                "An diesem Tag wollte {name} etwas Neues lernen.",
                "Auf dem Tisch lag ein dickes Buch über Sterne und Planeten.",
            ],
            problems: &[
                (
                    "Aber die Buchstaben im Buch waren knifflig, und manche Wörter ließen sich kaum lesen.",
                    "las ganz langsam, Laut für Laut, bis die Wörter einen Sinn ergaben",
                ),
                (
                    "Das Puzzle hatte hundert Teile, und keines schien zu passen.",
                    "fing mit dem Rand an, dann mit den Ecken, und bald erschien das Bild",
                ),
            ],
        },
        EventPack {
            topic: "das neue Geschwisterchen",
            settings: &[
                "Ein neues Baby war gerade nach Hause gekommen.",
                "Im Haus gab es ein neues kleines Geräusch: das leise Weinen eines Babys.",
            ],
            problems: &[
                (
                    "Das Baby weinte und weinte, und niemand wusste, warum.",
                    "summte ganz leise ein Schlaflied, und das Baby lauschte und schlief ein",
                ),
                (
                    "Alle kümmerten sich um das Baby, und {name} fühlte sich ein bisschen übersehen.",
                    "malte ein Bild für die ganze Familie, und alle umarmten das große Geschwisterkind ganz fest",
                ),
            ],
        },
        EventPack {
            topic: "der Besuch beim Arzt",
            settings: &[
                "An diesem Morgen stand ein Besuch beim Arzt an.",
                "Im Wartezimmer gab es Spielsachen, Bücher und ein großes Aquarium.",
            ],
            problems: &[
                (
                    "Das Stethoskop der Ärztin war kalt, und {name} wurde ein bisschen nervös.",
                    "atmete dreimal tief durch und lauschte dem Herzschlag: bum-bum, bum-bum",
                ),
                (
                    "Im Wartezimmer weinte ein kleines Kind vor Angst.",
                    "zeigte dem Kind die Fische im Aquarium und erzählte eine lustige Geschichte über sie",
                ),
            ],
        },
    ],
    details: &[
        "Die Luft duftete nach warmem Brot und schläfrigen Blumen, und irgendwo in der Ferne bellte ein Hund einmal und war dann still.",
        "An diesem Tag sah alles ein wenig anders aus, als hätte sich die Welt für etwas Wichtiges ihre schönsten Kleider angezogen.",
        "Eine sanfte Brise bewegte die Vorhänge, und das Licht malte goldene Muster auf den Boden.",
    ],
    details_more: &[
        "Später erinnerte sich {name} an jede Kleinigkeit dieses Augenblicks: an die Farben, an die Geräusche und an das kribbelige Gefühl, dass gleich etwas passieren würde.",
        "Es war einer dieser Tage, an denen sogar gewöhnliche Dinge wie eine Tasse Kakao oder ein alter Schuh ein kleines Geheimnis zu haben schienen.",
        "Die Zeit schien langsamer zu vergehen, so wie immer, wenn etwas Wichtiges gleich beginnt.",
    ],
    feelings: &[
        "Einen Moment lang kribbelte die Sorge im Bauch von {name}, denn niemand mag es, wenn etwas schiefgeht.",
        "{name} blieb stehen und dachte angestrengt nach, denn manchmal versteckt sich eine gute Idee direkt hinter einer Sorge.",
        "Es fühlte sich an wie ein sehr großes Problem für einen so kleinen Moment, und {name} holte lange und langsam Luft.",
    ],
    solutions: &[
        "{name} überlegte kurz und {fix} – mit ganz viel {trait}.",
        "Mit viel {trait} machte sich {name} ans Werk: {name} {fix}.",
        "{name} {fix}, und zwar mit viel {trait}.",
    ],
    shy_solutions: &[
        "Auch wenn es ein bisschen Überwindung kostete, etwas zu sagen: {name} {fix}.",
        "Es begann ganz leise, mit einem dünnen Stimmchen, aber {name} {fix}.",
    ],
    abilities: &[
        "Und dann nutzte {name} eine ganz besondere Gabe: {ability}.",
        "Zum Glück hatte {name} ein ganz besonderes Talent: {ability}.",
    ],
    no_ability: &[
        "Zauberei brauchte es dafür gar nicht: Ein gutes Herz und ein bisschen {trait} reichten völlig.",
        "Am Ende war die beste Magie ganz einfach: {trait}.",
    ],
    helpers: &[
        "Ein Freund kam angerannt, um zu helfen, und gemeinsam lachten sie darüber, wie groß das Problem am Anfang ausgesehen hatte.",
        "Mama und Papa schauten von der Tür aus zu und lächelten, denn sie wussten, dass {name} etwas Wunderbares getan hatte.",
        "Eine alte Eule im Baum nickte weise, als wollte sie sagen, dass es für jedes Problem irgendwo eine kluge Antwort gibt.",
    ],
    reflections: &[
        "An diesem Tag lernte {name} etwas Wichtiges: Probleme werden kleiner, wenn man ihnen mit {trait} begegnet.",
        "Später verstand {name}, dass mutig sein nicht heißt, nie Angst zu haben, sondern es trotzdem zu versuchen.",
        "Es war ein warmes, rundes Gefühl wie ein frisch gebackenes Brötchen: zu wissen, dass ein bisschen {trait} einen ganzen Tag verändern kann.",
    ],
    endings: &[
        "Als der Tag vorbei war, kuschelte sich {name} mit einem glücklichen Seufzer ins Bett.",
        "Später gingen die Sterne auf, und {name} gähnte einmal ganz groß.",
        "Endlich war Schlafenszeit, und {name} schloss lächelnd die Augen.",
    ],
    closings: &[
        "Gute Nacht, {name}. Schlaf schön.",
        "Und bald träumte {name} schon vom nächsten Tag. Ende.",
        "Der Mond hielt Wache, und alles war ruhig und still. Gute Nacht.",
    ],
    custom: CustomPack {
        settings: &[
            "Heute war ein besonderer Tag für {name}: {title}.",
            "Auf diesen Tag hatte {name} lange gewartet: {title}.",
        ],
        seed_lines: &["Alle hatten schon seit Tagen davon gesprochen: {seed}."],
        keyword_lines: &[
            "{name} musste immer wieder daran denken: {keywords}.",
            "Im Kopf von {name} war nur Platz für ein paar Dinge: {keywords}.",
        ],
        problems: &[
            (
                "Doch als es so weit war, spürte {name} ein kleines Flattern im Bauch: Was, wenn es nicht gut ging?",
                "machte einen kleinen Schritt, dann noch einen, und merkte, dass das Neue gar nicht so groß war",
            ),
            (
                "Dann geschah etwas Unerwartetes: Ganz in der Nähe stand ein kleines Kind, das sich verlaufen hatte.",
                "reichte dem Kind die Hand und zeigte ihm den Weg, sodass sie den Tag gemeinsam genießen konnten",
            ),
        ],
        tones: [
            "Es war ein heller, fröhlicher Tag gewesen, und {name} lächelte immer noch.",
            "Jetzt war alles friedlich, so sanft wie eine Feder.",
            "Was für ein aufregender Tag voller Überraschungen!",
            "Die Nacht hüllte alles in eine weiche, warme Decke.",
            "{name} kicherte noch einmal beim Gedanken an den lustigsten Moment des Tages.",
            "{name} spürte, wie fest die ganze Familie zusammenhielt, und das war das wärmste Gefühl von allen.",
        ],
    },
    stopwords: &[
        "der",
        "die",
        "das",
        "den",
        "dem",
        "des",
        "ein",
        "eine",
        "einen",
        "einem",
        "einer",
        "und",
        "oder",
        "aber",
        "von",
        "zu",
        "zum",
        "zur",
        "in",
        "im",
        "an",
        "am",
        "auf",
        "fur",
        "mit",
        "bei",
        "aus",
        "nach",
        "ist",
        "sind",
        "war",
        "waren",
        "sein",
        "seine",
        "ihr",
        "ihre",
        "unser",
        "unsere",
        "mein",
        "meine",
        "er",
        "sie",
        "es",
        "wir",
        "ihr",
        "ich",
        "du",
        "sich",
        "nicht",
        "kein",
        "sehr",
        "auch",
        "wie",
        "wenn",
        "als",
        "dass",
        "tag",
        "erste",
        "ersten",
        "erster",
        "neue",
        "neuen",
        "neuer",
        "geschichte",
        "uber",
        "um",
    ],
    enhanced_seed: "Eine Gutenachtgeschichte über: {title}. {details} Einbauen: {keywords}. Stimmung: {tone}; einfach und beruhigend für ein Kind von {age}, mit einem kleinen Problem, das die Hauptfigur löst, und einem ruhigen Ende.",
    tone_names: [
        "fröhlich",
        "beruhigend",
        "spannend",
        "sanft",
        "lustig",
        "herzerwärmend",
    ],
};

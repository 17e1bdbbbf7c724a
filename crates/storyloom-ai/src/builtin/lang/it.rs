//! Italiano. Passato remoto e imperfetto (nessun accordo con il soggetto); i tratti sono nomi
//! che stanno bene dopo «con grande …» e «pieno di …» (riferito al cuore, non all'eroe).

use super::{CustomPack, EventPack, Pack};

pub(super) const PACK: Pack = Pack {
    titles: &["{name} e {topic}", "La storia di {name} e {topic}"],
    openings: &[
        "C'era una volta {name}, che aveva {age} e un cuore pieno di {trait}.",
        "In una casetta in fondo a una strada tranquilla viveva {name}, che aveva {age}.",
        "C'era una volta una piccola persona di nome {name}. A {age}, {name} aveva già un cuore pieno di {trait}.",
    ],
    character: &[
        "Chi conosceva {name} raccontava di quel miscuglio di {trait} e {trait2} che brillava ogni giorno, nelle piccole cose come in quelle grandi.",
        "I grandi sorridevano spesso vedendo {name}, perché in una persona così piccola c'era un mondo intero di {trait}.",
        "A {name} piaceva notare le cose che gli altri non vedevano, e guardava il mondo con grande {trait2}.",
    ],
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
    events: [
        EventPack {
            topic: "la stellina assonnata",
            settings: &[
                "Era ora di dormire, e la luna sbirciava dalla finestra della cameretta.",
                "La casa era silenziosa, e {name} stava al calduccio sotto le coperte.",
            ],
            problems: &[
                (
                    "Ma la lucina da notte si era spenta, e le ombre sembravano enormi.",
                    "trasformò le ombre in un gioco e trovò sul muro un coniglio, una barca e un orso che sbadigliava",
                ),
                (
                    "All'improvviso una stellina cadde dal cielo sul davanzale, troppo stanca per brillare.",
                    "cantò una canzone dolce alla stellina finché tornò a brillare e volò di nuovo in cielo",
                ),
            ],
        },
        EventPack {
            topic: "il grande giorno di scuola",
            settings: &[
                "Era un giorno di scuola, e l'aula profumava di pastelli e di carta nuova.",
                "Suonò la campanella, e {name} entrò nella classe piena di luce.",
            ],
            problems: &[
                (
                    "La maestra chiese di costruire una torre di mattoncini, ma la torre continuava a cadere.",
                    "mise i mattoncini grandi in basso e quelli piccoli in alto, e la torre restò in piedi",
                ),
                (
                    "Un bambino nuovo sedeva da solo in fondo alla classe e non diceva una parola.",
                    "si sedette accanto a lui e divise la scatola dei pastelli",
                ),
            ],
        },
        EventPack {
            topic: "la sorpresa di compleanno",
            settings: &[
                "Era il giorno di un compleanno, e la cucina era piena di palloncini.",
                "Tutti preparavano una festa con la torta e la musica.",
            ],
            problems: &[
                (
                    "Ma il vento portò via i palloncini dalla finestra, e volarono lontano.",
                    "corse fuori, riprese i fili uno a uno e li legò al recinto del giardino",
                ),
                (
                    "Poco prima della festa, la torta scivolò e si ammaccò su un lato.",
                    "decorò l'ammaccatura con le fragole, e la torta sembrò sorridere",
                ),
            ],
        },
        EventPack {
            topic: "il fine settimana tranquillo",
            settings: &[
                "Era sabato mattina: niente scuola e niente fretta.",
                "Era arrivato il fine settimana, e tutta la famiglia andò al parco.",
            ],
            problems: &[
                (
                    "Al parco, un aquilone restò impigliato in cima a un albero.",
                    "trovò un bastone lungo, e con uno strattone leggero l'aquilone si liberò",
                ),
                (
                    "Allo stagno, un anatroccolo non trovava più la sua mamma.",
                    "fece una scia di briciole di pane che riportò l'anatroccolo a casa",
                ),
            ],
        },
        EventPack {
            topic: "la giornata di pioggia",
            settings: &[
                "La pioggia tamburellò sui vetri tutto il giorno.",
                "Nuvole grigie coprivano il cielo, e il giardino era pieno di pozzanghere.",
            ],
            problems: &[
                (
                    "Nessuno poteva giocare fuori, e in tutta la casa regnava la noia.",
                    "costruì una capanna di coperte e cuscini, e il salotto diventò una grotta segreta",
                ),
                (
                    "Una lumachina era rimasta in mezzo al sentiero, e la pioggia cadeva sempre più forte.",
                    "portò la lumaca sotto una grande foglia, in un angolo asciutto e sicuro",
                ),
            ],
        },
        EventPack {
            topic: "la giornata in famiglia",
            settings: &[
                "Tutta la famiglia si riunì per una giornata speciale.",
                "I nonni vennero a trovarli, e la casa si riempì di risate.",
            ],
            problems: &[
                (
                    "Il nonno aveva perso gli occhiali e non poteva leggere la favola della buonanotte.",
                    "cercò in tutta la casa e trovò gli occhiali… sulla testa del nonno",
                ),
                (
                    "La famiglia voleva giocare, ma nessuno era d'accordo sul gioco.",
                    "inventò un gioco tutto nuovo che univa le parti preferite di ciascuno",
                ),
            ],
        },
        EventPack {
            topic: "i migliori amici",
            settings: &[
                "{name} giocava in giardino con i migliori amici.",
                "Era un pomeriggio di sole, perfetto per giocare con gli amici.",
            ],
            problems: &[
                (
                    "Ma due amici volevano la stessa palla rossa, e cominciò un piccolo litigio.",
                    "propose di fare a turno, e presto tutti tornarono a ridere insieme",
                ),
                (
                    "Un amico era triste perché il suo disegno si era strappato.",
                    "aiutò a incollare i pezzi, e il disegno diventò ancora più speciale",
                ),
            ],
        },
        EventPack {
            topic: "le vacanze al mare",
            settings: &[
                "Erano le vacanze, e la famiglia andò al mare.",
                "Il sole era caldo, la sabbia morbida e il mare luccicava.",
            ],
            problems: &[
                (
                    "Le onde portarono via il castello di sabbia che tutti avevano costruito.",
                    "costruì un castello nuovo un po' più lontano dall'acqua, con un muro di conchiglie",
                ),
                (
                    "Un granchietto si era perso tra gli scogli, lontano dall'acqua.",
                    "mostrò al granchio la strada verso il mare con la punta del dito",
                ),
            ],
        },
        EventPack {
            topic: "la grande avventura",
            settings: &[
                "Un giorno, {name} trovò una vecchia mappa nella casetta degli attrezzi.",
                "Oltre il cancello del giardino cominciava un sentiero che portava nel bosco.",
            ],
            problems: &[
                (
                    "Il sentiero arrivò a un ruscello, e non c'era nessun ponte.",
                    "mise dei sassi piatti nell'acqua, uno dopo l'altro, e attraversò fino all'altra riva",
                ),
                (
                    "Nel cuore del bosco il sentiero si divideva in due, e la mappa non era chiara.",
                    "seguì il canto degli uccellini, che indicarono la strada fino a una radura piena di fiori",
                ),
            ],
        },
        EventPack {
            topic: "il segreto delle stelle",
            settings: &[
                "Quel giorno {name} voleva imparare qualcosa di nuovo.",
                "Sul tavolo c'era un grande libro sulle stelle e sui pianeti.",
            ],
            problems: &[
                (
                    "Ma le lettere del libro erano difficili, e alcune parole non si lasciavano leggere.",
                    "lesse piano, un suono dopo l'altro, finché le parole ebbero un senso",
                ),
                (
                    "Il puzzle aveva cento pezzi, e nessuno sembrava incastrarsi.",
                    "cominciò dai bordi, poi dagli angoli, e presto apparve il disegno",
                ),
            ],
        },
        EventPack {
            topic: "il nuovo fratellino",
            settings: &[
                "Un bebè era appena arrivato a casa.",
                "In casa c'era un piccolo suono nuovo: il pianto leggero di un neonato.",
            ],
            problems: &[
                (
                    "Il bebè piangeva e piangeva, e nessuno capiva perché.",
                    "canticchiò piano una ninna nanna, e il bebè ascoltò e si addormentò",
                ),
                (
                    "Tutti erano occupati con il bebè, e a {name} sembrò che nessuno facesse più caso a niente.",
                    "fece un disegno per tutta la famiglia, e tutti corsero ad abbracciare {name} forte forte",
                ),
            ],
        },
        EventPack {
            topic: "la visita dal dottore",
            settings: &[
                "Quella mattina c'era la visita dal dottore.",
                "In sala d'attesa c'erano giochi, libri e un grande acquario.",
            ],
            problems: &[
                (
                    "Lo stetoscopio della dottoressa era freddo, e a {name} venne un po' di agitazione.",
                    "fece tre respiri profondi e ascoltò il battito del cuore: bum-bum, bum-bum",
                ),
                (
                    "In sala d'attesa un bimbo piccolo piangeva per la paura.",
                    "gli mostrò i pesci dell'acquario e raccontò una storia buffa su di loro",
                ),
            ],
        },
    ],
    details: &[
        "L'aria profumava di pane caldo e di fiori addormentati, e da qualche parte, lontano, un cane abbaiò una volta e poi tacque.",
        "Quel giorno tutto sembrava un po' diverso, come se il mondo avesse indossato il vestito più bello per qualcosa di importante.",
        "Una brezza leggera muoveva le tende, e la luce disegnava forme dorate sul pavimento.",
    ],
    details_more: &[
        "Più tardi {name} avrebbe ricordato ogni dettaglio di quel momento: i colori, i suoni e quella strana sensazione che qualcosa stesse per succedere.",
        "Era una di quelle giornate in cui perfino le cose più normali, come una tazza di cioccolata o una vecchia scarpa, sembravano nascondere un piccolo segreto.",
        "Il tempo sembrava rallentare, come succede sempre quando sta per cominciare qualcosa di importante.",
    ],
    feelings: &[
        "Per un attimo {name} sentì un solletico di preoccupazione nella pancia, perché a nessuno piace quando le cose vanno storte.",
        "{name} si fermò a pensare con calma, perché a volte una buona idea si nasconde proprio dietro una preoccupazione.",
        "Sembrava un problema grandissimo per un momento così piccolo, e {name} fece un respiro lungo e lento.",
    ],
    solutions: &[
        "Con grande {trait}, {name} {fix}.",
        "{name} ci pensò un momento e poi, mettendoci tanto cuore e tanta testa, con grande {trait}, {name} {fix}.",
        "E così, con il cuore pieno di {trait}, {name} {fix}.",
    ],
    shy_solutions: &[
        "Anche se parlare faceva un po' paura, {name} {fix}.",
        "Piano piano, all'inizio con una vocina sottile, {name} {fix}.",
    ],
    abilities: &[
        "E poi {name} usò un dono davvero speciale: {ability}.",
        "Per fortuna {name} aveva un talento tutto speciale: {ability}.",
    ],
    no_ability: &[
        "Non servì nessuna magia: bastarono un cuore buono e un po' di {trait}.",
        "Alla fine la magia più bella era semplicemente avere tanto cuore e un po' di {trait}.",
    ],
    helpers: &[
        "Un amico arrivò di corsa ad aiutare, e insieme risero di quanto il problema fosse sembrato grande all'inizio.",
        "Mamma e papà guardavano dalla porta sorridendo, perché sapevano che {name} aveva fatto qualcosa di meraviglioso.",
        "Sull'albero, una vecchia civetta annuì con saggezza, come per dire che ogni problema ha una risposta da qualche parte.",
    ],
    reflections: &[
        "Quel giorno {name} imparò una cosa importante: i problemi diventano piccoli quando li affronti con {trait}.",
        "Ripensandoci, {name} capì che avere coraggio non vuol dire non avere mai paura, ma provarci lo stesso.",
        "Era una sensazione calda e rotonda come un panino appena sfornato: sapere che un po' di {trait} può cambiare un'intera giornata.",
    ],
    endings: &[
        "Quando la giornata finì, {name} si rannicchiò nel letto con un sospiro felice.",
        "Più tardi spuntarono le stelle, e {name} fece un grande sbadiglio.",
        "Finalmente arrivò l'ora di dormire, e {name} chiuse gli occhi con un sorriso.",
    ],
    closings: &[
        "Buonanotte, {name}. Sogni d'oro.",
        "E presto {name} sognava già il giorno dopo. Fine.",
        "La luna vegliava, e tutto era calmo e silenzioso. Buonanotte.",
    ],
    custom: CustomPack {
        settings: &[
            "Oggi era un giorno speciale per {name}: {title}.",
            "{name} aspettava questo giorno da tanto tempo: {title}.",
        ],
        seed_lines: &["Tutti ne parlavano da giorni: {seed}."],
        keyword_lines: &[
            "{name} continuava a pensare a tutto questo: {keywords}.",
            "Nella testa di {name} c'era posto solo per poche cose: {keywords}.",
        ],
        problems: &[
            (
                "Ma quando arrivò il momento, {name} sentì un pizzico di preoccupazione: e se non fosse andata bene?",
                "fece un passettino, poi un altro, e scoprì che la novità non era poi così grande",
            ),
            (
                "Poi successe qualcosa di inaspettato: lì vicino un bimbo piccolo sembrava essersi perso.",
                "gli tese la mano e gli mostrò la strada, così poterono godersi la giornata insieme",
            ),
        ],
        tones: [
            "Era stata una giornata luminosa e allegra, e {name} sorrideva ancora.",
            "Adesso tutto era in pace, leggero come una piuma.",
            "Che giornata emozionante, piena di sorprese!",
            "La notte avvolse ogni cosa in una coperta morbida e calda.",
            "{name} ridacchiò ancora una volta ripensando al momento più buffo della giornata.",
            "{name} sentì tutto l'affetto della famiglia, e fu la sensazione più calda di tutte.",
        ],
    },
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

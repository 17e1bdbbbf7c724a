//! Français. Récit au passé simple et à l'imparfait (pas d'accord avec le sujet) ; les traits
//! portent leur « de » (« de courage », « d'imagination ») pour l'élision.

use super::{CustomPack, EventPack, Pack};

pub(super) const PACK: Pack = Pack {
    titles: &["{name} et {topic}", "L'histoire de {name} et {topic}"],
    openings: &[
        "Il était une fois {name}, qui avait {age} et un cœur plein {trait}.",
        "Dans une petite maison au bout d'une rue tranquille vivait {name}, qui avait {age}.",
        "Il était une fois {name}. À {age}, {name} avait déjà beaucoup {trait}.",
    ],
    character: &[
        "Tous ceux qui connaissaient {name} parlaient de ce mélange {trait} et {trait2} qui brillait chaque jour, dans les petites choses comme dans les grandes.",
        "Les grandes personnes souriaient souvent en voyant {name}, car il y avait tant {trait} dans ce petit bout de personne.",
        "{name} aimait remarquer ce que les autres ne voyaient pas, et mettait toujours beaucoup {trait2} dans sa façon de regarder le monde.",
    ],
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
    events: [
        EventPack {
            topic: "l'étoile endormie",
            settings: &[
                "C'était l'heure du coucher, et la lune regardait par la fenêtre de la chambre.",
                "La maison était silencieuse, et {name} était bien au chaud sous la couette.",
            ],
            problems: &[
                (
                    "Mais la petite veilleuse s'était éteinte, et les ombres paraissaient immenses.",
                    "transforma les ombres en jeu et trouva sur le mur un lapin, un bateau et un ours qui bâillait",
                ),
                (
                    "Soudain, une toute petite étoile tomba du ciel sur le rebord de la fenêtre, trop fatiguée pour briller.",
                    "chanta une douce chanson à la petite étoile, jusqu'à ce qu'elle brille de nouveau et remonte dans le ciel",
                ),
            ],
        },
        EventPack {
            topic: "la grande journée d'école",
            settings: &[
                "C'était un jour d'école, et la classe sentait les crayons de couleur et le papier neuf.",
                "La cloche sonna, et {name} entra dans la classe pleine de lumière.",
            ],
            problems: &[
                (
                    "La maîtresse demanda de construire une tour en cubes, mais la tour tombait sans cesse.",
                    "mit les plus gros cubes en bas et les plus petits en haut, et la tour tint debout",
                ),
                (
                    "Un nouvel élève restait seul au fond de la classe, sans dire un mot.",
                    "alla s'asseoir à côté de lui et partagea sa boîte de crayons de couleur",
                ),
            ],
        },
        EventPack {
            topic: "la surprise d'anniversaire",
            settings: &[
                "C'était jour d'anniversaire, et la cuisine était pleine de ballons.",
                "Tout le monde préparait une fête avec un gâteau et de la musique.",
            ],
            problems: &[
                (
                    "Mais le vent emporta les ballons par la fenêtre, et ils s'envolèrent.",
                    "courut dehors, rattrapa les ficelles une à une et les attacha à la barrière du jardin",
                ),
                (
                    "Juste avant la fête, le gâteau glissa et s'abîma sur le côté.",
                    "décora le creux avec des fraises, et le gâteau eut l'air de sourire",
                ),
            ],
        },
        EventPack {
            topic: "le week-end tranquille",
            settings: &[
                "C'était samedi matin : pas d'école et pas besoin de se presser.",
                "Le week-end était arrivé, et toute la famille partit au parc.",
            ],
            problems: &[
                (
                    "Au parc, un cerf-volant resta coincé tout en haut d'un arbre.",
                    "trouva un long bâton, et d'un petit coup doux le cerf-volant se libéra",
                ),
                (
                    "Sur l'étang, un petit canard ne retrouvait plus sa maman.",
                    "traça un chemin de miettes de pain qui ramena le caneton chez lui",
                ),
            ],
        },
        EventPack {
            topic: "le jour de pluie",
            settings: &[
                "La pluie tapota les carreaux toute la journée.",
                "De gros nuages gris couvraient le ciel, et des flaques remplissaient le jardin.",
            ],
            problems: &[
                (
                    "Personne ne pouvait jouer dehors, et toute la maison s'ennuyait.",
                    "construisit une cabane avec des couvertures et des coussins, et le salon devint une grotte secrète",
                ),
                (
                    "Un petit escargot était coincé sur le chemin, et la pluie tombait de plus en plus fort.",
                    "porta l'escargot sous une grande feuille, dans un coin bien abrité",
                ),
            ],
        },
        EventPack {
            topic: "la journée en famille",
            settings: &[
                "Toute la famille était réunie pour une journée spéciale.",
                "Papi et Mamie étaient venus, et la maison était pleine de rires.",
            ],
            problems: &[
                (
                    "Papi avait perdu ses lunettes et ne pouvait plus lire l'histoire du soir.",
                    "chercha dans toute la maison et trouva les lunettes… sur la tête de Papi",
                ),
                (
                    "La famille voulait jouer, mais personne n'était d'accord sur le jeu.",
                    "inventa un tout nouveau jeu qui mélangeait les morceaux préférés de chacun",
                ),
            ],
        },
        EventPack {
            topic: "les meilleurs amis",
            settings: &[
                "{name} jouait dans le jardin avec sa meilleure amie et son meilleur copain.",
                "C'était un après-midi ensoleillé, parfait pour jouer entre amis.",
            ],
            problems: &[
                (
                    "Mais deux amis voulaient le même ballon rouge, et une petite dispute commença.",
                    "proposa de jouer chacun son tour, et bientôt tout le monde riait de nouveau",
                ),
                (
                    "Un ami était triste parce que son dessin s'était déchiré.",
                    "aida à recoller les morceaux, et le dessin devint encore plus beau",
                ),
            ],
        },
        EventPack {
            topic: "les vacances à la mer",
            settings: &[
                "C'étaient les vacances, et la famille partit au bord de la mer.",
                "Le soleil était doux, le sable chaud, et la mer scintillait.",
            ],
            problems: &[
                (
                    "Les vagues emportèrent le château de sable que tout le monde avait construit.",
                    "bâtit un nouveau château un peu plus loin de l'eau, avec un mur de coquillages",
                ),
                (
                    "Un petit crabe s'était perdu entre les rochers, loin de l'eau.",
                    "montra au crabe le chemin de la mer du bout du doigt",
                ),
            ],
        },
        EventPack {
            topic: "la grande aventure",
            settings: &[
                "Un jour, {name} trouva une vieille carte dans la cabane du jardin.",
                "Derrière le portail du jardin commençait un sentier qui menait à la forêt.",
            ],
            problems: &[
                (
                    "Le sentier arriva au bord d'un ruisseau, et il n'y avait pas de pont.",
                    "posa des pierres plates dans l'eau, l'une après l'autre, et traversa jusqu'à l'autre rive",
                ),
                (
                    "Au fond de la forêt, le chemin se séparait en deux, et la carte n'était pas claire.",
                    "suivit le chant des oiseaux, qui menèrent jusqu'à une clairière pleine de fleurs",
                ),
            ],
        },
        EventPack {
            topic: "le secret des étoiles",
            settings: &[
                "Ce jour-là, {name} avait envie d'apprendre quelque chose de nouveau.",
                "Sur la table était posé un grand livre sur les étoiles et les planètes.",
            ],
            problems: &[
                (
                    "Mais les lettres du livre étaient difficiles, et certains mots résistaient.",
                    "lut lentement, un son après l'autre, jusqu'à ce que les mots aient un sens",
                ),
                (
                    "Le puzzle avait cent pièces, et aucune ne semblait aller avec les autres.",
                    "commença par les bords, puis les coins, et bientôt l'image apparut",
                ),
            ],
        },
        EventPack {
            topic: "le nouveau bébé",
            settings: &[
                "Un nouveau bébé venait d'arriver à la maison.",
                "Un nouveau petit bruit remplissait la maison : les pleurs d'un bébé.",
            ],
            problems: &[
                (
                    "Le bébé pleurait, pleurait, et personne ne savait pourquoi.",
                    "fredonna une berceuse tout bas, et le bébé écouta puis s'endormit",
                ),
                (
                    "Tout le monde s'occupait du bébé, et {name} eut l'impression que plus personne ne faisait attention.",
                    "fit un dessin pour toute la famille, et tout le monde vint faire un gros câlin à {name}",
                ),
            ],
        },
        EventPack {
            topic: "la visite chez le médecin",
            settings: &[
                "Ce matin-là, il y avait une visite chez le médecin.",
                "La salle d'attente avait des jouets, des livres et un grand aquarium.",
            ],
            problems: &[
                (
                    "Le stéthoscope du médecin était tout froid, et {name} eut un peu le trac.",
                    "respira trois fois très fort et écouta son cœur faire boum-boum, boum-boum",
                ),
                (
                    "Dans la salle d'attente, un petit enfant pleurait, tout effrayé.",
                    "lui montra les poissons de l'aquarium et lui raconta une histoire drôle à leur sujet",
                ),
            ],
        },
    ],
    details: &[
        "L'air sentait le pain chaud et les fleurs endormies, et quelque part, au loin, un chien aboya une fois puis se tut.",
        "Tout semblait un peu différent ce jour-là, comme si le monde avait mis ses plus beaux habits pour une occasion importante.",
        "Une petite brise faisait danser les rideaux, et la lumière dessinait des motifs dorés sur le plancher.",
    ],
    details_more: &[
        "Plus tard, {name} se souviendrait de chaque détail de ce moment : les couleurs, les bruits et cette drôle d'impression que quelque chose allait arriver.",
        "C'était le genre de journée où même les choses ordinaires, comme une tasse de chocolat ou une vieille chaussure, semblaient cacher un petit secret.",
        "Le temps paraissait ralentir, comme toujours quand quelque chose d'important va commencer.",
    ],
    feelings: &[
        "Pendant un instant, {name} sentit une petite boule d'inquiétude dans le ventre, car personne n'aime quand les choses tournent mal.",
        "{name} s'arrêta et réfléchit très fort, car une bonne idée se cache parfois juste derrière un souci.",
        "Cela ressemblait à un bien gros problème pour un si petit moment, et {name} prit une longue, longue inspiration.",
    ],
    solutions: &[
        "Avec beaucoup {trait}, {name} {fix}.",
        "{name} réfléchit un instant, puis, avec énormément {trait}, {name} {fix}.",
        "Alors, avec tout son trésor {trait}, {name} {fix}.",
    ],
    shy_solutions: &[
        "Même s'il était un peu effrayant de prendre la parole, {name} {fix}.",
        "Tout doucement, d'une toute petite voix au début, {name} {fix}.",
    ],
    abilities: &[
        "Et puis {name} se servit d'un don bien particulier : {ability}.",
        "Heureusement, {name} avait un talent très spécial : {ability}.",
    ],
    no_ability: &[
        "Pas besoin de magie : un bon cœur et un peu {trait} suffisaient.",
        "La plus belle magie, finalement, c'était tout simplement d'avoir beaucoup {trait}.",
    ],
    helpers: &[
        "Un ami arriva en courant pour aider, et ensemble ils rirent de ce problème qui avait semblé si grand au début.",
        "Papa et Maman regardaient depuis la porte en souriant, car ils savaient que {name} venait de faire quelque chose de merveilleux.",
        "Dans l'arbre, une vieille chouette hocha la tête d'un air sage, comme pour dire que chaque problème a une réponse quelque part.",
    ],
    reflections: &[
        "Ce jour-là, {name} apprit une chose importante : les problèmes rapetissent quand on les affronte avec beaucoup {trait}.",
        "En y repensant, {name} comprit qu'avoir du courage ne veut pas dire ne jamais avoir peur, mais essayer quand même.",
        "C'était une sensation douce et ronde comme une brioche tout juste sortie du four : savoir qu'un peu {trait} peut changer toute une journée.",
    ],
    endings: &[
        "Quand la journée fut finie, {name} se blottit dans son lit avec un soupir heureux.",
        "Plus tard, les étoiles s'allumèrent, et {name} fit un grand bâillement.",
        "Enfin, ce fut l'heure de dormir, et {name} ferma les yeux avec un sourire.",
    ],
    closings: &[
        "Bonne nuit, {name}. Fais de beaux rêves.",
        "Et bientôt, {name} rêvait déjà du lendemain. Fin.",
        "La lune veillait, et tout était calme et silencieux. Bonne nuit.",
    ],
    custom: CustomPack {
        settings: &[
            "Aujourd'hui, c'était un jour spécial pour {name} : {title}.",
            "{name} attendait ce jour depuis longtemps : {title}.",
        ],
        seed_lines: &["Tout le monde en parlait depuis des jours : {seed}."],
        keyword_lines: &[
            "{name} pensait sans cesse à tout cela : {keywords}.",
            "Dans la tête de {name}, il n'y avait de place que pour quelques mots : {keywords}.",
        ],
        problems: &[
            (
                "Mais quand le moment arriva, {name} sentit un petit pincement d'inquiétude : et si cela se passait mal ?",
                "fit un tout petit pas, puis un autre, et découvrit que la nouveauté n'était pas si grande",
            ),
            (
                "Puis il se passa quelque chose d'inattendu : un petit enfant, tout près, semblait perdu.",
                "lui tendit la main et lui montra le chemin, pour profiter de cette journée ensemble",
            ),
        ],
        tones: [
            "Quelle journée lumineuse et joyeuse ! {name} souriait encore.",
            "Tout était paisible maintenant, léger comme une plume.",
            "Quelle journée palpitante, pleine de surprises !",
            "La nuit enveloppa tout d'une couverture douce et chaude.",
            "{name} pouffa de rire une dernière fois en repensant au moment le plus drôle de la journée.",
            "{name} sentit tout l'amour de sa famille, et c'était la plus douce des sensations.",
        ],
    },
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

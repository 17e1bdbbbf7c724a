//! Español. Pretérito indefinido e imperfecto; los rasgos son sustantivos que encajan en
//! «con gran …» y «lleno de …» (el corazón es masculino, no el héroe).

use super::{CustomPack, EventPack, Pack};

pub(super) const PACK: Pack = Pack {
    titles: &["{name} y {topic}", "La historia de {name} y {topic}"],
    openings: &[
        "Érase una vez {name}, que tenía {age} y un corazón lleno de {trait}.",
        "En una casita al final de una calle tranquila vivía {name}, que tenía {age}.",
        "Había una vez una criatura llamada {name}. Con solo {age}, {name} tenía un corazón lleno de {trait}.",
    ],
    character: &[
        "Quien conocía a {name} hablaba siempre de su {trait} y de su {trait2}, que brillaban cada día, en las cosas pequeñas y en las grandes.",
        "Los mayores sonreían al ver a {name}, porque en una persona tan pequeña cabía un mundo entero de {trait}.",
        "A {name} le gustaba fijarse en lo que otros no veían, y miraba el mundo con gran {trait2}.",
    ],
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
    events: [
        EventPack {
            topic: "la estrella dormilona",
            settings: &[
                "Era la hora de dormir, y la luna se asomaba por la ventana del dormitorio.",
                "La casa estaba en silencio, y {name} ya estaba bajo las mantas calentitas.",
            ],
            problems: &[
                (
                    "Pero la lamparita de noche se había apagado, y las sombras parecían enormes.",
                    "convirtió las sombras en un juego y encontró en la pared un conejo, un barco y un oso bostezando",
                ),
                (
                    "De pronto, una estrellita cayó del cielo al alféizar de la ventana, demasiado cansada para brillar.",
                    "le cantó una canción suave a la estrellita hasta que volvió a brillar y subió flotando al cielo",
                ),
            ],
        },
        EventPack {
            topic: "el gran día de colegio",
            settings: &[
                "Era día de colegio, y el aula olía a ceras de colores y a papel nuevo.",
                "Sonó el timbre, y {name} entró en la clase llena de luz.",
            ],
            problems: &[
                (
                    "La maestra pidió construir una torre de bloques, pero la torre se caía una y otra vez.",
                    "puso los bloques grandes abajo y los pequeños arriba, y la torre se quedó en pie",
                ),
                (
                    "Un niño nuevo estaba solo al fondo de la clase y no decía ni una palabra.",
                    "se sentó a su lado y compartió su caja de lápices de colores",
                ),
            ],
        },
        EventPack {
            topic: "la sorpresa de cumpleaños",
            settings: &[
                "Era un día de cumpleaños, y la cocina estaba llena de globos.",
                "Todos preparaban una fiesta con tarta y música.",
            ],
            problems: &[
                (
                    "Pero el viento se llevó los globos por la ventana, y salieron volando.",
                    "corrió afuera, atrapó los hilos uno a uno y los ató a la valla del jardín",
                ),
                (
                    "Justo antes de la fiesta, la tarta resbaló y se le hundió un lado.",
                    "decoró el hueco con fresas, y la tarta pareció sonreír",
                ),
            ],
        },
        EventPack {
            topic: "el fin de semana tranquilo",
            settings: &[
                "Era sábado por la mañana: sin colegio y sin prisas.",
                "Llegó el fin de semana, y toda la familia fue al parque.",
            ],
            problems: &[
                (
                    "En el parque, una cometa se quedó atrapada en lo alto de un árbol.",
                    "encontró un palo largo, y con un tirón suave la cometa quedó libre",
                ),
                (
                    "En el estanque, un patito no encontraba a su mamá.",
                    "hizo un caminito de migas de pan que llevó al patito de vuelta a casa",
                ),
            ],
        },
        EventPack {
            topic: "el día de lluvia",
            settings: &[
                "La lluvia golpeó los cristales durante todo el día.",
                "Unas nubes grises cubrían el cielo, y el jardín estaba lleno de charcos.",
            ],
            problems: &[
                (
                    "Nadie podía jugar fuera, y en toda la casa reinaba el aburrimiento.",
                    "construyó una cabaña con mantas y cojines, y el salón se convirtió en una cueva secreta",
                ),
                (
                    "Un caracolito se había quedado en medio del camino, y la lluvia caía cada vez más fuerte.",
                    "llevó al caracol bajo una hoja grande, a un rincón seco y seguro",
                ),
            ],
        },
        EventPack {
            topic: "el día en familia",
            settings: &[
                "Toda la familia se reunió para un día especial.",
                "Los abuelos vinieron de visita, y la casa se llenó de risas.",
            ],
            problems: &[
                (
                    "El abuelo había perdido las gafas y no podía leer el cuento de la noche.",
                    "buscó por toda la casa y encontró las gafas… en la cabeza del abuelo",
                ),
                (
                    "La familia quería jugar, pero nadie se ponía de acuerdo sobre el juego.",
                    "inventó un juego nuevo que mezclaba las partes favoritas de todos",
                ),
            ],
        },
        EventPack {
            topic: "los mejores amigos",
            settings: &[
                "{name} jugaba en el jardín con sus mejores amigos.",
                "Era una tarde de sol, perfecta para jugar con los amigos.",
            ],
            problems: &[
                (
                    "Pero dos amigos querían la misma pelota roja, y empezó una pequeña pelea.",
                    "propuso jugar por turnos, y pronto todos volvieron a reír juntos",
                ),
                (
                    "Un amigo estaba triste porque su dibujo se había roto.",
                    "ayudó a pegar los trozos, y el dibujo quedó todavía más especial",
                ),
            ],
        },
        EventPack {
            topic: "las vacaciones en el mar",
            settings: &[
                "Eran las vacaciones, y la familia se fue a la playa.",
                "El sol calentaba, la arena era suave y el mar brillaba.",
            ],
            problems: &[
                (
                    "Las olas se llevaron el castillo de arena que todos habían construido.",
                    "construyó un castillo nuevo un poco más lejos del agua, con una muralla de conchas",
                ),
                (
                    "Un cangrejito se había perdido entre las rocas, lejos del agua.",
                    "le mostró al cangrejo el camino hacia el mar con la punta del dedo",
                ),
            ],
        },
        EventPack {
            topic: "la gran aventura",
            settings: &[
                "Un día, {name} encontró un mapa antiguo en el cobertizo del jardín.",
                "Detrás de la puerta del jardín empezaba un sendero que llevaba al bosque.",
            ],
            problems: &[
                (
                    "El sendero llegó a un arroyo, y no había ningún puente para cruzarlo.",
                    "colocó piedras planas en el agua, una tras otra, y cruzó a la otra orilla",
                ),
                (
                    "En lo más hondo del bosque, el camino se dividía en dos, y el mapa no lo aclaraba.",
                    "siguió el canto de los pájaros, que guiaron el camino hasta un claro lleno de flores",
                ),
            ],
        },
        EventPack {
            topic: "el secreto de las estrellas",
            settings: &[
                "Aquel día, {name} quería aprender algo nuevo.",
                "Sobre la mesa había un libro enorme sobre estrellas y planetas.",
            ],
            problems: &[
                (
                    "Pero las letras del libro eran difíciles, y algunas palabras no había manera de leerlas.",
                    "leyó despacio, sonido a sonido, hasta que las palabras tuvieron sentido",
                ),
                (
                    "El rompecabezas tenía cien piezas, y ninguna parecía encajar.",
                    "empezó por los bordes, luego por las esquinas, y pronto apareció el dibujo",
                ),
            ],
        },
        EventPack {
            topic: "el nuevo bebé",
            settings: &[
                "Un bebé acababa de llegar a casa.",
                "En la casa sonaba algo nuevo: el llanto suave de un bebé.",
            ],
            problems: &[
                (
                    "El bebé lloraba y lloraba, y nadie sabía por qué.",
                    "tarareó una nana en voz bajita, y el bebé escuchó y se durmió",
                ),
                (
                    "Todos estaban ocupados con el bebé, y a {name} le pareció que nadie prestaba atención.",
                    "hizo un dibujo para toda la familia, y todos le dieron un abrazo enorme",
                ),
            ],
        },
        EventPack {
            topic: "la visita al médico",
            settings: &[
                "Aquella mañana tocaba visita al médico.",
                "La sala de espera tenía juguetes, cuentos y una gran pecera.",
            ],
            problems: &[
                (
                    "El estetoscopio de la doctora estaba frío, y a {name} le entraron nervios.",
                    "respiró hondo tres veces y escuchó el latido del corazón: pum-pum, pum-pum",
                ),
                (
                    "En la sala de espera, un niño pequeño lloraba de miedo.",
                    "le enseñó los peces de la pecera y le contó una historia divertida sobre ellos",
                ),
            ],
        },
    ],
    details: &[
        "El aire olía a pan recién hecho y a flores dormidas, y a lo lejos un perro ladró una vez y luego se calló.",
        "Aquel día todo parecía un poco distinto, como si el mundo se hubiera puesto su mejor ropa para algo importante.",
        "Una brisa suave movía las cortinas, y la luz dibujaba formas doradas en el suelo.",
    ],
    details_more: &[
        "Más tarde, {name} recordaría cada detalle de aquel momento: los colores, los sonidos y esa sensación curiosa de que algo estaba a punto de pasar.",
        "Era uno de esos días en que hasta las cosas más corrientes, como una taza de chocolate o un zapato viejo, parecían guardar un pequeño secreto.",
        "El tiempo parecía ir más despacio, como pasa siempre que algo importante está a punto de empezar.",
    ],
    feelings: &[
        "Por un momento, {name} sintió un cosquilleo de preocupación en la barriga, porque a nadie le gusta que las cosas salgan mal.",
        "{name} se detuvo a pensar con calma, porque a veces una buena idea se esconde justo detrás de una preocupación.",
        "Parecía un problema muy grande para un momento tan pequeño, y {name} respiró larga y lentamente.",
    ],
    solutions: &[
        "Con gran {trait}, {name} {fix}.",
        "{name} pensó un momento y luego, gracias a su {trait}, {name} {fix}.",
        "Y así, con un corazón lleno de {trait}, {name} {fix}.",
    ],
    shy_solutions: &[
        "Aunque daba un poco de miedo hablar, {name} {fix}.",
        "Poco a poco, al principio con una vocecita muy bajita, {name} {fix}.",
    ],
    abilities: &[
        "Y entonces {name} usó un don muy especial: {ability}.",
        "Por suerte, {name} tenía un talento muy especial: {ability}.",
    ],
    no_ability: &[
        "No hizo falta ninguna magia: un buen corazón y un poco de {trait} bastaron.",
        "Al final, la mejor magia era sencillamente tener {trait}.",
    ],
    helpers: &[
        "Un amigo llegó corriendo a ayudar, y juntos se rieron de lo grande que les había parecido el problema al principio.",
        "Mamá y papá miraban desde la puerta con una sonrisa, porque sabían que {name} había hecho algo maravilloso.",
        "En el árbol, una vieja lechuza asintió con sabiduría, como diciendo que cada problema tiene una respuesta en algún lugar.",
    ],
    reflections: &[
        "Aquel día, {name} aprendió algo importante: los problemas se hacen pequeños cuando se afrontan con {trait}.",
        "Al pensarlo después, {name} comprendió que ser valiente no significa no tener miedo nunca, sino intentarlo de todos modos.",
        "Era una sensación cálida y redonda como un bollo recién horneado: saber que un poco de {trait} puede cambiar un día entero.",
    ],
    endings: &[
        "Cuando terminó el día, {name} se acurrucó en la cama con un suspiro feliz.",
        "Más tarde salieron las estrellas, y {name} dio un gran bostezo.",
        "Por fin llegó la hora de dormir, y {name} cerró los ojos con una sonrisa.",
    ],
    closings: &[
        "Buenas noches, {name}. Dulces sueños.",
        "Y pronto {name} ya soñaba con el día siguiente. Fin.",
        "La luna vigilaba, y todo quedó en calma y en silencio. Buenas noches.",
    ],
    custom: CustomPack {
        settings: &[
            "Hoy era un día especial para {name}: {title}.",
            "{name} llevaba mucho tiempo esperando este día: {title}.",
        ],
        seed_lines: &["Todo el mundo hablaba de ello desde hacía días: {seed}."],
        keyword_lines: &[
            "{name} no dejaba de pensar en todo esto: {keywords}.",
            "En la cabeza de {name} solo había sitio para unas pocas cosas: {keywords}.",
        ],
        problems: &[
            (
                "Pero cuando llegó el momento, {name} sintió un pellizco de preocupación: ¿y si no salía bien?",
                "dio un pasito, luego otro, y descubrió que lo nuevo no era tan grande",
            ),
            (
                "Entonces pasó algo inesperado: cerca había un niño pequeño que parecía perdido.",
                "le tendió la mano y le enseñó el camino, para disfrutar juntos de aquel día",
            ),
        ],
        tones: [
            "Había sido un día luminoso y alegre, y {name} seguía sonriendo.",
            "Ahora todo estaba en paz, suave como una pluma.",
            "¡Qué día tan emocionante, lleno de sorpresas!",
            "La noche lo envolvió todo con una manta suave y calentita.",
            "{name} soltó una última risita al recordar el momento más gracioso del día.",
            "{name} sintió todo el cariño de su familia, y esa era la sensación más cálida de todas.",
        ],
    },
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

//! English.

use super::{CustomPack, EventPack, Pack};

pub(super) const PACK: Pack = Pack {
    titles: &["{name} and {topic}", "A Story of {name} and {topic}"],
    openings: &[
        "Once upon a time there was a child called {name}, who was {age} and had a heart full of {trait}.",
        "In a little house at the end of a quiet street lived {name}, who was {age}.",
        "There once was a child named {name}. {name} was {age} and full of {trait}.",
    ],
    character: &[
        "Everyone who knew {name} could tell about the {trait} and the {trait2} that shone through every day, in small ways and in big ones.",
        "Grown-ups often smiled when they saw {name}, because so much {trait} fitted into one small person.",
        "{name} liked to notice things other people missed, and there was always plenty of {trait2} in the way {name} looked at the world.",
    ],
    traits: [
        "courage",
        "curiosity",
        "kindness",
        "humour",
        "cleverness",
        "creativity",
        "love of adventure",
        "gentleness",
        "helpfulness",
        "care",
        "patience",
        "energy",
        "shyness",
        "imagination",
        "determination",
        "honesty",
        "playfulness",
        "calm",
    ],
    events: [
        EventPack {
            topic: "the sleepy star",
            settings: &[
                "It was bedtime, and the moon peeked through the bedroom window.",
                "The house was quiet, and {name} was tucked into a warm bed.",
            ],
            problems: &[
                (
                    "But the little night-light had stopped glowing, and the shadows looked very big.",
                    "turned the shadows into a game, finding a rabbit, a boat and a sleepy bear on the wall",
                ),
                (
                    "Suddenly a tiny star fell from the sky and landed on the window sill, too tired to shine.",
                    "sang a soft song to the little star until it glowed again and floated back into the sky",
                ),
            ],
        },
        EventPack {
            topic: "the big school day",
            settings: &[
                "It was a school day, and the classroom smelled of crayons and fresh paper.",
                "The school bell rang, and {name} walked into the bright classroom.",
            ],
            problems: &[
                (
                    "The teacher asked everyone to build a tower of blocks, but the tower kept falling down.",
                    "put the biggest blocks at the bottom and the small ones on top, and the tower stood tall",
                ),
                (
                    "A new child sat alone at the back of the class and did not say a word.",
                    "sat down next to the new child and shared a box of coloured pencils",
                ),
            ],
        },
        EventPack {
            topic: "the birthday surprise",
            settings: &[
                "It was a birthday, and the kitchen was full of balloons.",
                "Everyone was getting ready for a birthday party with cake and music.",
            ],
            problems: &[
                (
                    "But the wind blew the balloons out of the window, and they floated away.",
                    "ran outside, caught the strings one by one and tied them to the garden fence",
                ),
                (
                    "Just before the party, the birthday cake slid and got a big dent.",
                    "decorated the dent with strawberries so that it looked like a smiling face",
                ),
            ],
        },
        EventPack {
            topic: "the lazy weekend",
            settings: &[
                "It was Saturday morning, with no school and no hurry.",
                "The weekend had come, and the whole family went to the park.",
            ],
            problems: &[
                (
                    "At the park, a kite got stuck high up in a tree.",
                    "found a long stick, and with a gentle tug the kite came free",
                ),
                (
                    "A little duck at the pond could not find its way back to its mother.",
                    "made a trail of breadcrumbs that led the duckling back home",
                ),
            ],
        },
        EventPack {
            topic: "the rainy day",
            settings: &[
                "Rain tapped on the windows all day long.",
                "Grey clouds filled the sky, and big puddles covered the garden.",
            ],
            problems: &[
                (
                    "Nobody could play outside, and the whole house felt bored.",
                    "built a blanket fort with cushions, and the living room became a secret cave",
                ),
                (
                    "A little snail was stuck on the path, and the rain was getting stronger.",
                    "carried the snail under a big leaf to a safe, dry spot",
                ),
            ],
        },
        EventPack {
            topic: "the family picnic",
            settings: &[
                "The whole family was together for a special day.",
                "Grandma and Grandpa came to visit, and the house was full of laughter.",
            ],
            problems: &[
                (
                    "Grandpa had lost his reading glasses, and he could not read the bedtime story.",
                    "searched the whole house and found the glasses on top of Grandpa's own head",
                ),
                (
                    "The family wanted to play a game, but nobody could agree which one.",
                    "invented a brand-new game that mixed everybody's favourite parts",
                ),
            ],
        },
        EventPack {
            topic: "the best friends",
            settings: &[
                "{name} was playing in the garden with a best friend.",
                "It was a sunny afternoon, perfect for playing with friends.",
            ],
            problems: &[
                (
                    "But both friends wanted the same red ball, and a little quarrel began.",
                    "suggested taking turns, and soon they were laughing together again",
                ),
                (
                    "A friend felt sad because a drawing had been torn.",
                    "helped glue the pieces together, and the drawing looked even more special",
                ),
            ],
        },
        EventPack {
            topic: "the holiday by the sea",
            settings: &[
                "It was the holidays, and the family went to the seaside.",
                "The sun was warm, the sand was soft, and the sea sparkled.",
            ],
            problems: &[
                (
                    "The waves washed away the sandcastle everyone had worked on.",
                    "built a new castle a little further from the water, with a wall of shells",
                ),
                (
                    "A small crab was lost among the rocks, far from the water.",
                    "showed the crab the way back to the sea with a gentle finger",
                ),
            ],
        },
        EventPack {
            topic: "the great adventure",
            settings: &[
                "One day, {name} found an old map in the garden shed.",
                "Beyond the garden gate began a path into the forest.",
            ],
            problems: &[
                (
                    "The path came to a stream, and there was no bridge to cross it.",
                    "laid flat stones in the water, one after another, and crossed to the other side",
                ),
                (
                    "Deep in the forest, the path split in two, and the map was not clear.",
                    "followed the singing birds, and they led the way to a clearing full of flowers",
                ),
            ],
        },
        EventPack {
            topic: "the secret of the stars",
            settings: &[
                "That day, {name} wanted to learn something new.",
                "On the table lay a big book about stars and planets.",
            ],
            problems: &[
                (
                    "But the letters in the book were tricky, and some words were hard to read.",
                    "read slowly, one sound after another, until the words made sense",
                ),
                (
                    "The puzzle had one hundred pieces, and none of them seemed to fit.",
                    "started with the edges, then the corners, and soon the picture appeared",
                ),
            ],
        },
        EventPack {
            topic: "the new baby",
            settings: &[
                "A new baby had just come home to the family.",
                "The house had a new little sound: the gentle cry of a baby.",
            ],
            problems: &[
                (
                    "The baby cried and cried, and nobody knew why.",
                    "hummed a quiet lullaby, and the baby listened and fell asleep",
                ),
                (
                    "Everybody was busy with the baby, and {name} felt a little forgotten.",
                    "drew a picture for the whole family, and everyone hugged the big sibling tight",
                ),
            ],
        },
        EventPack {
            topic: "the visit to the doctor",
            settings: &[
                "That morning there was a visit to the doctor.",
                "The waiting room had toys, books and a big fish tank.",
            ],
            problems: &[
                (
                    "The doctor had a cold stethoscope, and {name} felt a little nervous.",
                    "took three deep breaths and listened to the heartbeat, boom-boom, boom-boom",
                ),
                (
                    "A little child in the waiting room was crying and scared.",
                    "showed the child the fish in the tank and told a funny story about them",
                ),
            ],
        },
    ],
    details: &[
        "The air smelled of warm bread and sleepy flowers, and somewhere far away a dog barked once and then was quiet.",
        "Everything looked a little different that day, as if the world had put on its best clothes for something important.",
        "A soft breeze moved the curtains, and the light made golden patterns on the floor.",
    ],
    details_more: &[
        "Later, {name} would remember every small detail of that moment: the colours, the sounds and the funny feeling of something about to happen.",
        "It was the kind of day when even ordinary things, like a cup of cocoa or an old shoe, seemed to hold a little secret.",
        "Time seemed to slow down, the way it does when something important is about to begin.",
    ],
    feelings: &[
        "For a moment, {name} felt a tickle of worry in the tummy, because nobody likes it when things go wrong.",
        "{name} stood still and thought hard, because a good idea is sometimes hiding just behind a worry.",
        "It felt like a very big problem for such a small moment, and {name} took a long, slow breath.",
    ],
    solutions: &[
        "With great {trait}, {name} {fix}.",
        "{name} thought for a moment, and then, with lots of {trait}, {name} {fix}.",
        "Full of {trait}, {name} {fix}.",
    ],
    shy_solutions: &[
        "Even though it felt a bit scary to speak up, {name} {fix}.",
        "Quietly, in a very small voice at first, {name} {fix}.",
    ],
    abilities: &[
        "And then {name} used a special gift: {ability}.",
        "It helped that {name} had a very special talent: {ability}.",
    ],
    no_ability: &[
        "{name} did not need any magic at all: a good heart and a little {trait} were enough.",
        "It turned out that the best magic was simply {trait}.",
    ],
    helpers: &[
        "A friend came running to help, and together they laughed about how big the problem had seemed at first.",
        "Mum and Dad watched from the doorway and smiled, because they knew that {name} had done something wonderful.",
        "An old owl in the tree nodded wisely, as if to say that every problem has a clever answer somewhere.",
    ],
    reflections: &[
        "{name} learned something important that day: problems get smaller when you face them with {trait}.",
        "Thinking about it afterwards, {name} understood that being brave does not mean never feeling worried; it means trying anyway.",
        "It was a good feeling, warm and round like a freshly baked bun, to know that {trait} can change a whole day.",
    ],
    endings: &[
        "When the day was over, {name} snuggled into bed with a happy sigh.",
        "Later, the stars came out, and {name} yawned a big, sleepy yawn.",
        "At last it was time to sleep, and {name} closed both eyes with a smile.",
    ],
    closings: &[
        "Good night, {name}. Sweet dreams.",
        "And soon {name} was dreaming of tomorrow. The end.",
        "The moon kept watch, and everything was calm and quiet. Good night.",
    ],
    custom: CustomPack {
        settings: &[
            "Today was a special day for {name}: {title}.",
            "{name} had been waiting for this day for a long time: {title}.",
        ],
        seed_lines: &["Everybody had been talking about it: {seed}."],
        keyword_lines: &[
            "{name} kept thinking about {keywords}.",
            "In {name}'s head there was room for only a few things: {keywords}.",
        ],
        problems: &[
            (
                "But when the moment came, {name} felt a flutter of worry: what if it did not go well?",
                "took one small step, then another, and found that the new thing was not so big after all",
            ),
            (
                "Then something unexpected happened: a little child nearby looked lost and unsure.",
                "held out a hand and showed the way, so that they could enjoy the day together",
            ),
        ],
        tones: [
            "It had been a bright, happy day, and {name} was still smiling.",
            "Everything was peaceful now, as soft as a feather.",
            "What an exciting day it had been, full of surprises!",
            "The night wrapped everything in a gentle, cosy blanket.",
            "{name} giggled once more, remembering the funniest moment of the day.",
            "{name} felt loved, and that was the warmest feeling of all.",
        ],
    },
    stopwords: &[
        "the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "by",
        "from", "is", "are", "was", "were", "be", "been", "it", "its", "this", "that", "these",
        "those", "his", "her", "their", "our", "my", "your", "he", "she", "they", "we", "you", "i",
        "me", "him", "them", "us", "as", "so", "very", "about", "into", "will", "would", "can",
        "has", "have", "had", "not", "no", "day", "first", "new", "story", "some", "when", "what",
        "who", "how", "where", "there", "then", "than", "also", "just", "all",
    ],
    enhanced_seed: "A bedtime story about {title}. {details} Weave in: {keywords}. The mood is {tone}; keep it simple and reassuring for a child of {age}, with a small problem the hero solves and a calm ending.",
    tone_names: [
        "cheerful",
        "calming",
        "exciting",
        "gentle",
        "funny",
        "heartwarming",
    ],
};

"""A fixed test set of (anchor, related, unrelated) triples for embedding representations.

A representation gets a triple right when the anchor is closer (cosine) to the related item
than to the unrelated one. WORDS are single words (one token each on SmolLM2, written without a
leading space, as a learner types them); PHRASES are short texts with little word overlap
between anchor and related item. Written before measuring, and not tuned afterwards.
"""

from __future__ import annotations

WORDS: tuple[tuple[str, str, str], ...] = (
    ("cat", "dog", "car"),
    ("king", "queen", "river"),
    ("happy", "glad", "metal"),
    ("red", "blue", "seven"),
    ("apple", "banana", "engine"),
    ("car", "truck", "sugar"),
    ("Monday", "Tuesday", "mountain"),
    ("father", "mother", "window"),
    ("water", "river", "paper"),
    ("doctor", "nurse", "orange"),
    ("two", "three", "green"),
    ("London", "Paris", "chair"),
    ("big", "large", "yellow"),
    ("run", "walk", "salt"),
    ("bread", "butter", "guitar"),
    ("January", "February", "horse"),
    ("sun", "moon", "pencil"),
    ("house", "home", "blue"),
    ("teacher", "student", "tomato"),
    ("piano", "guitar", "wheat"),
    ("shirt", "dress", "planet"),
    ("sad", "unhappy", "train"),
    ("France", "Germany", "spoon"),
    ("cold", "hot", "Tuesday"),
    ("boat", "ship", "cheese"),
    ("fish", "bird", "table"),
    ("eat", "drink", "north"),
    ("gold", "silver", "sleep"),
    ("rain", "snow", "doctor"),
    ("book", "page", "lion"),
)

PHRASES: tuple[tuple[str, str, str], ...] = (
    ("Can I get my money back?", "refund policy", "opening hours"),
    ("When does the shop open?", "opening hours", "refund policy"),
    ("How do I reset my password?", "I forgot my login details", "The cat sat on the mat"),
    ("The weather is sunny and warm", "a hot day with clear skies", "the invoice is overdue"),
    ("I love this movie", "this film is great", "the train leaves at six"),
    ("a recipe for chocolate cake", "how to bake a dessert", "repairing a flat tyre"),
    ("the stock market fell today", "shares lost value", "my dog likes to swim"),
    (
        "He scored a goal in the final minute",
        "a late winner in the football match",
        "she planted tomatoes",
    ),
    (
        "the patient has a high fever",
        "a sick person with a temperature",
        "the car needs new brakes",
    ),
    ("Where is the nearest train station?", "directions to the railway", "I like green tea"),
    ("My laptop will not turn on", "the computer is broken", "a walk on the beach"),
    ("They got married last summer", "a wedding in June", "the printer is out of ink"),
    ("a cat sleeping on the sofa", "a kitten resting on a couch", "a truck on the motorway"),
    ("How much does shipping cost?", "delivery fees", "the history of Rome"),
    ("I am feeling very sad", "I feel unhappy", "the bus is red"),
    ("the capital of France", "Paris is a city in Europe", "a bowl of soup"),
    ("learning to play the violin", "music lessons", "changing a light bulb"),
    ("the flight was delayed", "the plane left late", "a new pair of shoes"),
    ("cancel my subscription", "stop my monthly plan", "the river is deep"),
    ("a small house in the mountains", "a cabin in the hills", "a spreadsheet formula"),
    ("the children played in the garden", "kids having fun outside", "the tax return deadline"),
    ("What time is it?", "tell me the hour", "the ocean is blue"),
    ("I need a doctor", "call for medical help", "the cake is delicious"),
    ("a fast red sports car", "a quick racing vehicle", "an old library book"),
    ("the election results", "who won the vote", "baking bread at home"),
    ("my phone battery dies quickly", "the charge does not last", "a trip to the zoo"),
    ("a glass of red wine", "an alcoholic drink", "fixing the roof"),
    (
        "the meeting was moved to Friday",
        "the appointment is rescheduled",
        "penguins live in the cold",
    ),
    ("I lost my wallet", "my purse is missing", "the song is very loud"),
    ("how to grow vegetables", "gardening tips", "the speed of light"),
)

"""English vocabulary of the triage screen: word families, concept rules and context markers.

Rules describe a body function and what is wrong with it ("<cant> ... <swallow>", "<food> ... won't go down"),
not fixed sentences, so new wordings of the same complaint match. ``<name>`` is a placeholder for a word family
(English and Spanish families of the same name are merged, so Spanglish such as "no puedo swallow" matches too);
``<g2>`` allows up to two words in between, never across a comma, full stop or "but".

Everything here runs on normalised text: lower case, no accents, no apostrophes ("cant", "im", "dont").
Reviewed clinical content: routing follows section 9 of the fact sheet (the clinic's clinician signs it off).
"""

from __future__ import annotations

# Symptom words that typos are corrected towards (and only these).
WORDS = """
breath breathe breathing breathless breathed breathes breaths wheezing wheeze wheezy gasping suffocating suffocate
choking choke choked swallow swallowing swallowed swallows throat tongue lips mouth swollen swelling swell puffy
vision double blurry blurred blurring fuzzy hazy eyesight focus slurred slurring speech speaking talking hoarse
raspy voice weak weakness weaker arms legs neck eyelid eyelids droopy drooping droop ptosis hives welts itching
itchy dizzy dizziness lightheaded faint fainted fainting unconscious unresponsive paralyzed paralysed floppy limp
bladder urinate urine control trouble difficulty difficult struggling cant cannot couldnt unable botulism
anaphylaxis allergic reaction shortness tightness chest headache worst thunderclap collapsed stuck coughing
properly understand everything suicidal suicide myself head hold lift neck stand walk talk eyes
tongue paralyzed shoulders whistling wheezing
""".split()

# Text-speak and shorthand: spellings people use on purpose, expanded before typo correction.
SHORTHAND = {
    "cnt": "cant",
    "cnat": "cant",
    "kant": "cant",
    "caint": "cant",
    "cannt": "cant",
    "cany": "cant",
    "dnt": "dont",
    "idk": "i dont know",
    "idek": "i dont even know",
    "tung": "tongue",
    "tounge": "tongue",
    "tonge": "tongue",
    "thru": "through",
    "u": "you",
    "ur": "your",
    "b4": "before",
    "2day": "today",
    "2nite": "tonight",
    "tmrw": "tomorrow",
    "pls": "please",
    "plz": "please",
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "kinda": "kind of",
    "sorta": "sort of",
    "lemme": "let me",
    "kms": "kill myself",
    "brethe": "breathe",
    "breth": "breath",
    "swolen": "swollen",
    "swollow": "swallow",
    "swollowing": "swallowing",
    "dubble": "double",
    "vison": "vision",
    "blured": "blurred",
    "slured": "slurred",
    "hoars": "hoarse",
    "hoarce": "hoarse",
    "wheezin": "wheezing",
    "breathin": "breathing",
    "swallowin": "swallowing",
    "talkin": "talking",
    "seein": "seeing",
    "chokin": "choking",
    "gaspin": "gasping",
    "droopin": "drooping",
    "pt": "pt",
    "pts": "pts",
    "dx": "diagnosis",
    "hx": "history",
    "sx": "symptoms",
    "tx": "treatment",
    "yo": "yo",
    "yrs": "years",
    "yr": "year",
    "hrs": "hours",
    "hr": "hour",
    "mins": "minutes",
    "wks": "weeks",
    "wk": "week",
}

# Real words near a symptom word: never rewritten, whatever the frequency list says.
PROTECTED = """
gives lives hikes hive horse horses peeing walking smelling shallow weeks week threat threats breast breasts drooling
drool botulinum botox dysport xeomin jeuveau daxxify letybo myobloc tox sweating sweat hiking seeing taking
wheeling bread dread feeding reading leading heading version visit visits treating speaking talking stroke
swallows swallowed spreading blooming blushing flushing leaking leak leaks dropping shopping chocolate
"""

# Word families. Each value is a regex alternation; English and Spanish families of the same name are merged.
FAMILIES: dict[str, str] = {
    # "can't" and every way of saying a function is hard
    "cant": (
        r"cant|cannot|can not|couldnt|could not|unable to|not (?:even |really )?able to|no longer able to|"
        r"barely able to|hardly able to|can barely|can hardly|can only just|barely|hardly|struggl\w*(?: to| with)?|"
        r"hard to|harder to|difficult to|(?:a )?hard time|trouble|troubles|difficulty|difficulties|problems?|issues?|"
        r"impossible to|wont let me|fighting to|having to work to|labou?red|too weak to|"
        r"(?:takes?|took|taking|needs?|needed|need|have|has|had) (?:me |her |him |them )?(?:several|many|multiple|"
        r"a few|"
        r"two|three|2|3|forever|ages|a while|a long time|extra) (?:tries|attempts|times|goes|minutes|seconds|gulps|"
        r"swallows|effort)? ?to|(?:have|has|had) to (?:try|concentrate|think|force \w+|work) (?:really hard |hard |"
        r"twice )?to|"
        r"(?:dont|do not|dont really) (?:think|feel like|know if|know whether) (?:i|she|he|they|we) (?:can|could)|"
        r"(?:not sure|unsure|dont know|no idea) (?:if |whether )?(?:i|she|he|they|we) (?:can|could)"
    ),
    "cant_strong": (
        r"cant|cannot|can not|couldnt|could not|unable to|not (?:even |really )?able to|no longer able to|too weak to|"
        r"wont|will not"
    ),
    "breathe": (
        r"breath|breathe|breathing|breathes|breathed|breaths|respirat\w*|inhal\w*|"
        r"get (?:enough |any |a )?(?:air|oxygen|breath)|catch (?:my |her |his |their |a |our )?breath|"
        r"take (?:a )?(?:deep |full |big )?breaths?|get air in"
    ),
    "swallow": (
        r"swallow\w*|get (?:food|pills?|it|anything|water|drinks?|liquids?|my food|my pills|my meds) down|"
        r"eat (?:or|and|nor) drink|drink (?:or|and|nor) eat|chew and swallow"
    ),
    "speak": (
        r"speak\w*|talk(?:ing|s)?(?! to| with| about| now| right now| rn| at the| today| tonight| for long| on the|"
        r" much"
        r"| yet| back| you)|speech|say (?:words|things|my words|anything|a sentence)|get (?:my |the |any )?words out|"
        r"form\w* (?:words|sentences)|pronounc\w*|enunciat\w*|articulat\w*|make (?:myself|herself|himself) understood|"
        r"be understood"
    ),
    "see": (
        r"see (?:clearly|straight|properly|right|well|normally|good|anything|a thing|out of|at all|things clearly)|"
        r"see(?= [.!?,;:]| *$| and)|focus (?:my |her |his |their )?eyes|focus (?:on anything|on things|properly)|"
        r"read (?:properly|anything|clearly|at all)"
    ),
    # a function described as affected or with problems, any language ("breathing problems", "afectar para tragar")
    "affect": (
        r"affect\w*|impair\w*|interfer\w* with|mess\w* (?:up|with)|chang\w*|afect\w*(?: para| el| la| al)?|"
        r"problem\w* (?:with|breathing|swallowing)"
    ),
    "problem_after": (
        r"problems?|issues?|difficult(?:y|ies)|troubles?|changes?|complications?|symptoms?|problemas?|dificultad|"
        r"cambios?"
    ),
    "swollen": (
        r"swell\w*|swollen|puff\w*|bloat\w*|ballooning|blowing up|blown up|(?:getting|growing|got|gets) (?:bigger|"
        r"larger|"
        r"puffier|fatter|huge)|enlarged|hinch\w*|inflam\w*|inflad\w*|inflando|inflan"
    ),
    "closing": (
        r"closing|closed|clos\w* up|tight\w*|constrict\w*|narrow\w*|thick|shutting|squeez\w*|cerrad\w*|cerrando|"
        r"apretad\w*"
    ),
    "food": (
        r"food|foods|pills?|tablets?|capsules?|meds|medicine|medication|water|drinks?|liquids?|fluids?|spit|saliva|"
        r"bites?|soup|bread|meat|rice|coffee|tea|juice|smoothie|everything|anything"
    ),
    "swell_part": r"throat|tongue|lips?|mouth|face|cheeks?|airway|uvula",
    "region": (
        r"(?:left |right |both |one |good |bad )?(?:arms?|legs?|hands?|feet|foot|knees?|hips?|shoulders?|limbs?|"
        r"wrists?|"
        r"fingers?|thighs?|grip)"
    ),
    "limbs": r"(?:left |right |both |one )?(?:arms?|legs?)",
    "weakw": (
        r"weak|weaker|weakness|weakened|weakening|limp|floppy|heavy|heavier|like jelly|like noodles?|like rubber|"
        r"like lead|dead|useless|giving out|gave out|give out|giving way|gave way|buckl\w*|not working|wont work|"
        r"dont work|wont move|wont lift|not moving|no strength|no power|lost (?:all )?(?:my |their |its |"
        r"her )?strength|"
        r"paraly\w*"
    ),
    "subject": (
        r"i|im|ive|id|she|shes|he|hes|they|theyre|we|were|(?:my|his|her|our|their) (?:\w+ )?\w+|pt|patient|client|"
        r"yo|ella|el"
    ),
}

# (concept, rule). Levels per concept are in concepts.py. Helpers (no level of their own) feed combinations.
RULES: list[tuple[str, str]] = [
    # --- breathing (call_now)
    ("breathing", r"(?:<cant>) <g3>(?:<breathe>)"),
    (
        "breathing",
        r"(?:breathing|breathe|breaths|respiration) <g3>(?:hard|harder|difficult|labou?red|shallow|tight|tighter|weird|"
        r"funny|heavy|strange|off|fast|rapid|noisy|loud|raspy|wheezy|whistl\w*|short|shorter|weak|slow|worse|"
        r"terrible|a struggle|not right|wrong|restricted|constricted|strained|ragged|painful|scary|effort\w*|"
        r"gurgl\w*|crackl\w*|rattl\w*)",
    ),
    (
        "breathing",
        r"(?:labou?red|shallow|noisy|rapid|raspy|whistling|wheezy|gurgling|rattly|ragged|difficult|heavy) breath\w*",
    ),
    (
        "breathing",
        r"(?:my|her|his|the) breath (?:is |feels |keeps |comes |coming )?<g1>(?:short|shallow|catching|ragged)",
    ),
    (
        "breathing",
        r"(?:chest|lungs?|breath\w*|throat) <g3>(?:whistl\w*|wheez\w*|squeak\w*|rattl\w*|crackl\w*|gurgl\w*)|"
        r"(?:whistl\w*|wheez\w*|squeak\w*|rattl\w*) <g2>(?:when|while|as) <g1>breath\w*|"
        r"(?:breathing|breath|respirat\w*) (?:<problem_after>)|(?:<affect>) <g2>(?:breathing|breath|respiration|"
        r"respirar)",
    ),
    (
        "breathing",
        r"short(?:ness)? of breath|out of breath|breathless\w*|winded|gasping|gasps|gasp for|wheez\w*|dyspn\w*|"
        r"suffocat\w*|smother\w*|stridor|air hunger|(?:struggling|fighting|gasping|gulping|desperate) for (?:air|"
        r"breath)|"
        r"(?:not|isnt|stopped|quit|stops|barely) breathing|"
        r"(?:chest|lungs?) <g2>(?:tight\w*|heavy|closing|constrict\w*|squeez\w*|caving|compressed)|"
        r"tight\w* (?:in )?(?:my |her |his |the )?chest|"
        r"(?:lips?|fingers?|fingernails|nails|face|skin) <g2>(?:blue|purple|gr[ae]y|bluish|dusky)|blue lips|"
        r"(?:pillow|bag|weight|elephant|someone|something|a hand|brick) (?:is )?(?:over|on|sitting on|pressing on|"
        r"pressing down on) (?:my |her |his )?(?:face|chest|mouth|lungs)|"
        r"feel\w* like (?:i|im|she|shes|he|hes) (?:am |is )?(?:drowning|suffocating|being strangled)|"
        r"air (?:wont|doesnt|isnt|cant|will not|does not) (?:go|get|going|come|coming) (?:in|through)|"
        r"lungs? (?:wont|dont|cant|arent) (?:fill|expand|working)|hyperventilat\w*",
    ),
    (
        "breathing",
        r"breath\w* <g4>(?:through a (?:straw|pillow|wet towel|cloth)|underwater)|(?:like|"
        r"as if) <g3>(?:through a straw|"
        r"underwater)|(?:stop|stopping|pause|pausing|have to|had to|need to|needs to|gasp\w*) <g4>(?:to |for )?"
        r"(?:get (?:some |enough )?air|catch (?:my |her |his |their )?breath|breathe)",
    ),
    # --- swallowing (call_now)
    ("swallowing", r"(?:<cant>) <g3>(?:<swallow>)"),
    (
        "swallowing",
        r"swallow\w* <g3>(?:hard|harder|difficult|weird|funny|strange|off|impossible|a struggle|different|tough|"
        r"not right|wrong|slow|labou?red|a problem|an issue|a chore|scary|not working|effort\w*|like work|exhausting)|"
        r"(?:think about|concentrate on|focus on) (?:every |each )?(?:gulp|swallow|sip|bite)|"
        r"(?:<cant>) <g1>get (?:my |the |a |any |her |his )?\w+ (?:\w+ )?down|"
        r"(?:sits?|sitting|sat|stays?|staying|stuck|lodged) in (?:my|her|his|the|their) throat",
    ),
    (
        "swallowing",
        r"(?:<food>) <g3>(?:wont|will not|doesnt|does not|isnt|is not|arent|not|cant|wouldnt|didnt|never) "
        r"(?:go|going|goes|get|gets|went|slide|sliding|pass|passing|stay) down",
    ),
    (
        "swallowing",
        r"(?:<food>) <g3>(?:stuck|sticking|sticks|lodged|caught|hung up)(?! (?:in|between) (?:my |her |his )?teeth)",
    ),
    ("swallowing", r"(?:go|goes|going|went|gone) down the wrong (?:way|pipe|tube|hole|side)"),
    ("swallowing", r"swallow\w* (?:<problem_after>)|(?:<affect>) <g2>(?:swallow\w*|tragar)"),
    ("swallowing", r"chok(?:e|es|ed|ing)(?! up| back| hazard| hold| collar| me| you| him| her| the)"),
    (
        "swallowing",
        r"cough\w* <g2>(?:when|while|after|every time|each time|as soon as|whenever|if) <g2>(?:drink|eat|swallow|sip)"
        r"\w*|(?:drinking|eating|sipping|swallowing|drink|eat) <g3>(?:makes? (?:me|her|him) )?(?:cough|choke|gag)\w*",
    ),
    (
        "swallowing",
        r"(?:lump|ball|something|knot|food|pill) (?:stuck )?in (?:my|her|his|the|their) throat|"
        r"gag\w* (?:on|when|while|every time)|"
        r"(?:food|liquids?|water|drinks?|milk|juice|it) <g2>(?:comes?|coming|came|goes|going|went) (?:back )?(?:out|"
        r"up) "
        r"(?:of |through )?(?:my |her |his )?nose|dysphagi\w*|aspirating|"
        r"(?:cant|cannot|can not|unable to) (?:eat|drink) (?:properly|right|normally|at all|anything)",
    ),
    # --- swelling of throat, tongue, lips, face (call_now)
    (
        "swelling",
        r"(?:<swell_part>) <g3>(?:<swollen>|huge|closing|closed)|(?:<swell_part>) <g5>(?:getting|growing) "
        r"(?:bigger|larger|puffier|fatter|huge)|throat <g3>(?:<closing>)",
    ),
    (
        "swelling",
        r"(?:swell\w*|swollen|puffy|puffed up|bloated) <g2>(?:of |in |on |around )?(?:my |her |his |the |their )?"
        r"(?:<swell_part>)",
    ),
    (
        "swelling",
        r"(?:throat|airway|windpipe) <g2>(?:closing|closed|tight\w*|constrict\w*|narrow\w*|thick|shutting|squeez\w*|"
        r"clos\w* up)|"
        r"(?:closing|tight\w*|tightening|constrict\w*) (?:of |in )?(?:my |her |his |the )?throat|"
        r"tongue <g2>(?:too )?(?:big|thick|huge|fat|heavy|enlarged)|fat lip|angioedema|anaphyla\w*|"
        r"eyes? <g2>(?:swollen|swelling|puffed) (?:shut|closed)",
    ),
    # --- hives and itch (hives alone urgent; with faintness, dizziness or wheeze: anaphylaxis, call_now)
    (
        "hives",
        r"hives|welts|wheals|urticaria|"
        r"(?:rash|bumps|red spots|blotches|blotchy|itch\w*) <g2>(?:all over|everywhere|over (?:my |her |his )?"
        r"(?:whole |entire )?body|spreading)|"
        r"(?:broke|breaking|broken|break|broke) out in (?:a |an )?(?:rash|hives|bumps|welts|red)|"
        r"(?:whole|entire) body <g2>(?:itch\w*|rash)",
    ),
    ("itch", r"itch\w*|pruritus|rash"),
    (
        "dizzy",
        r"dizz\w*|light ?headed|woozy|vertigo|(?:room|everything) (?:is )?spinning|off balance|unsteady|"
        r"(?:feel|feeling|felt) (?:really |very |so )?(?:faint|funny and weak)",
    ),
    ("heart", r"(?:heart|pulse) <g2>(?:racing|pounding|fast|beating fast|fluttering)|palpitations|clammy"),
    # --- fainting, collapse, not responding (call_now)
    (
        "faint",
        r"(?:feel|feels|feeling|felt|going to|about to|almost|nearly|might|could|gonna) (?:pass out|faint)|"
        r"passed out|passing out|fainted|fainting|faints|blacked out|blacking out|collaps(?:ed|ing|es)|"
        r"lost consciousness|losing consciousness|unconscious|unresponsive|not responding|non responsive|"
        r"wont wake up|cant wake (?:her|him|them)|syncope|seizure\w*|convuls\w*|feel faint|faintness|keeled over|"
        r"hit the (?:floor|ground)|(?:went|goes|going) down like|dropped to the (?:floor|ground)|"
        r"(?:going|gone|turned|turning) (?:really |very )?(?:pale|white) and (?:sweaty|clammy|dizzy)",
    ),
    # --- speech and voice (urgent)
    ("speech", r"(?:<cant>) <g3>(?:<speak>)"),
    (
        "speech",
        r"slurr\w*|slured|slurs|slur (?:my |her |his |their |your )?words|dysarthri\w*|dysphoni\w*|aphasi\w*|garbled",
    ),
    (
        "speech",
        r"(?:speech|voice|words?|talking|speaking|pronunciation|sentences) <g3>(?:slurred|slow|weird|off|changed|"
        r"different|hoarse|gone|weak|raspy|strange|funny|wrong|jumbled|garbled|mushy|mumbled|nasal|croaky|scratchy|"
        r"quiet|thick|drunk|messed up|not right|slurry|muffled|broken|cracking|backwards|mixed up|chang\w*|"
        r"(?:coming|come|came|comes) out (?:wrong|weird|funny|jumbled|slurred|garbled|strange|all wrong)|"
        r"(?:dont|wont|not|doesnt|arent|cant) (?:come|coming) out)",
    ),
    (
        "speech",
        r"(?:sound|sounds|sounding|talk|talks|talking|speak|speaks|speaking) (?:like )?(?:(?:i|im|she|shes|he|hes|they"
        r"|theyre|someone|somebody) )?(?:am |is |are |was |s |had )?(?:drunk|intoxicated|wasted|tipsy|a stroke)",
    ),
    (
        "speech",
        r"(?:lost|losing|loss of|lose|no) (?:my |her |his |the |their )?voice|hoarse\w*|raspy|croaky|"
        r"voice (?:is )?(?:gone|going|went)|"
        r"(?:cant|hard to|struggling to|can barely|cannot|can not) understand (?:her|him|them|what (?:she|he|they) "
        r"(?:is |are |s )?saying)|(?:people|nobody|no one|they) (?:cant|can not|cannot|couldnt) understand me|"
        r"(?:nobody|no one|noone) (?:can|could) understand (?:me|her|him|them|what)|"
        r"tongue <g2>(?:feels? )?(?:thick|heavy|wont move|not working|clumsy)|"
        r"(?:talking|speaking|talk|speak|talks|speaks) (?:funny|weird|strange|slow|slowly|differently|odd|wrong|"
        r"gibberish|nonsense|slurred)",
    ),
    (
        "speech",
        r"(?:sound|sounds|sounding|talk\w*|speak\w*|voice|words?) (?:like|as if) <g4>(?:drunk|marbles|mouthful|"
        r"mouth full|cotton|mush|a stroke|numb|novocaine|underwater|food in my mouth)|"
        r"(?:tripping|stumbling|tripped|stumbled|fumbling|fumbled|mixing up|mixed up|jumbling|slurring) (?:over |up )?"
        r"(?:my |her |his |their |the )?words|(?:<affect>) <g2>(?:speech|voice|talking|speaking|hablar|habla)|"
        r"(?:speech|voice|talking) (?:<problem_after>)",
    ),
    # --- vision (urgent)
    ("vision", r"(?:<cant>) <g2>(?:<see>)"),
    (
        "vision",
        r"(?:double|dbl) (?:vision|visions|sight|images?)|diplopi\w*|"
        r"(?:see|seeing|sees|saw) <g2>(?:double|twice|in double|two of|2 of|2x|two images|double images|things twice)|"
        r"(?:two|2) of everything|ghost\w* images?|"
        r"(?:everything|things|objects|people|faces|words|letters|its all|it is all|the screen|the tv|text) "
        r"<g3>(?:double|doubled|blurr\w*|fuzzy|hazy|cloudy|foggy|out of focus|a blur|in two|split|doubling)",
    ),
    (
        "vision",
        r"(?:blurr\w*|fuzzy|hazy|cloudy|foggy|dim|dimmed|darkened|double|weird|funny|patchy|spotty|doubled) "
        r"(?:vision|sight|eyesight)|(?:blurr\w*|fuzzy|hazy|cloudy) eyes?",
    ),
    (
        "vision",
        r"(?:vision|sight|eyesight) <g3>(?:blurr\w*|double|doubled|fuzzy|hazy|cloudy|foggy|dim|weird|off|funny|strange|"
        r"changed|changing|different|worse|worsening|going|gone|bad|out of focus|not focusing|wont focus|cant focus|"
        r"messed up|not right|wrong|problems?|issues?|loss|split|shaky|jumpy|doubling|blackening|darkening)",
    ),
    (
        "vision",
        r"eyes? <g2>(?:blurr\w*|double|doubled|fuzzy|hazy|out of focus|not focusing|wont focus|cant focus|"
        r"dont focus|not working together|wont work together|not lining up|misaligned|not tracking)",
    ),
    (
        "vision",
        r"(?:are|is|look|looks|seem|seems|appear|appears|went|gone|get|gets|getting|got) (?:all |kind of |a bit |so )?"
        r"(?:doubled|blurr\w*|fuzzy|hazy|out of focus)|"
        r"(?:fog|foggy|haze|hazy|film|veil|smudge|smudged|cloudy|frosted|blur|curtain) <g3>(?:over|in front of|across|"
        r"on) "
        r"(?:my |her |his )?eyes|(?:looking|seeing|see|look) through (?:a |the |some )?(?:\w+ )?(?:fog|foggy|haze|hazy|"
        r"frosted|dirty|wet|smudged|cloudy|film|veil|greasy|water)|"
        r"(?:vision|sight|eyesight|eyes) (?:<problem_after>)|(?:<affect>) <g2>(?:vision|eyesight|sight|eyes|vista|"
        r"vision)",
    ),
    (
        "vision",
        r"(?:lost|losing|loss of|lose) (?:my |her |his |the )?(?:vision|sight|eyesight)|going blind|"
        r"(?:cant|can not|cannot) see out of|"
        r"blurr\w*(?! (?:photos?|pictures?|pics?|images?|videos?|screens?|lines?|text|selfies?|camera|shots?|"
        r"background|edges?|boundaries|memory))",
    ),
    # --- eyelid or brow droop (alone: contact the clinic today; with another sign: part of the alarm)
    (
        "eyelids",
        r"(?:eye ?lids?|lids?|eyes?|brows?|eyebrows?) <g3>(?:droop\w*|dropp\w*|dropped|sag\w*|heavy|hooded|lower\w*|"
        r"falling|fell|fallen|half (?:closed|shut)|closing|wont (?:stay )?open|cant open|hanging)",
    ),
    (
        "eyelids",
        r"(?:droop\w*|heavy|saggy|sagging|dropped|fallen|hooded|lowered) (?:eye ?lids?|lids?|eyes?|brows?|eyebrows?)|"
        r"ptosis|(?:cant|can not|cannot|hard to|trouble|struggling to) (?:open|keep) (?:my |her |his |"
        r"both )?eyes? open|"
        # "she cant open one eye properly", "i cant fully open my left eye"
        r"(?:cant|can not|cannot|hard to|trouble|struggling to) (?:fully |properly |all the way )?open "
        r"(?:my |her |his |one |an |the )(?:left |right )?eye(?:lid)?s?(?! drops)",
    ),
    # --- head and neck control: cannot hold the head up (call_now); a weak neck (urgent)
    (
        "head_control",
        r"(?:<cant_strong>) <g2>(?:hold(?:ing)?|keep(?:ing)?|lift(?:ing)?|rais(?:e|ing)|support(?:ing)?|hold up|"
        r"keep up) (?:up )?(?:my |his |her |their |the |its )?"
        r"head(?: up)?|"
        r"head <g2>(?:falling|falls|fell|dropping|drops|dropped|flopping|flops|flopped|drooping|droops|hanging|"
        r"bobbing|lolling|tipping|slumping) (?:forward|back|down|over|to the side|onto)|"
        r"head (?:keeps |kept |is |just )?(?:flopping|lolling|bobbing)|(?:it|head) (?:just )?(?:drops|flops|falls) "
        r"(?:forward|down|over)|"
        r"neck <g3>(?:wont|cant|doesnt|will not|can not|cannot|unable to|to) (?:hold|support|keep) (?:up )?"
        r"(?:(?:my |her |his |the |their )?head|it up|up)|"
        r"(?:neck|head) (?:muscles )?(?:wont|cant|dont) (?:hold|support)|"
        r"head (?:feels )?(?:too )?heavy (?:for|to)|head lag|"
        r"(?:hold|holding|prop|propping|support|supporting) (?:it|my head|her head|his head|their head) (?:up )?with "
        r"(?:my|her|his|their|a) hands?",
    ),
    (
        "neck",
        r"(?:<cant>) <g2>(?:hold(?:ing)?|keep(?:ing)?|lift(?:ing)?|rais(?:e|ing)|support(?:ing)?|hold up|keep up) "
        r"(?:up )?(?:my |his |her |their |the |its )?head(?: up)?|"
        r"neck <g2>(?:weak\w*|floppy|limp|gave out|giving out|like jelly|like a noodle|no strength)|weak neck|"
        r"neck weakness",
    ),
    # --- weakness of neck, arms or legs, or generalised (urgent); whole body or spreading (call_now)
    ("weakness", r"(?:<region>) <g3>(?:<weakw>)"),
    ("weakness", r"(?:<weakw>) <g3>(?:in |of )?(?:my |her |his |both |their |the )?(?:<region>)"),
    (
        "weakness",
        r"(?:<cant>) <g2>(?:lift|raise|move|use|feel|hold up|control|straighten|bend)\w* (?:up )?"
        r"(?:my |his |her |both |their |either |the |one )?(?:<region>)",
    ),
    (
        "weakness",
        r"(?:<cant>) <g2>(?:grip|hold|grasp|squeeze|open|carry|pick up|lift) (?:anything|things|stuff|objects|"
        r"(?:a|my|his|her|the|their) (?:\w+ )?(?:cups?|mugs?|glass|phone|pen|fork|spoon|jar|bottle|bag|keys|brush|"
        r"toothbrush|purse|baby|groceries|kettle))|"
        r"(?:<cant>) <g1>(?:walk|stand|climb (?:the )?stairs|get up|brush (?:my |her |his )?(?:teeth|hair))|"
        r"(?:dropping|drop|dropped|drops) (?:things|stuff|everything|my (?:phone|cup|coffee|fork|keys)|cups)|"
        r"(?:legs?|knees?) <g2>(?:giving out|gave out|give out|giving way|gave way|buckl\w*|collaps\w*|wobbly)",
    ),
    (
        "weakness",
        r"(?:<subject>) (?:am |is |are |was |were |been |feel |feels |feeling |felt |getting |got |became |become |"
        r"seems? |looks? |so |very |really |super |extremely |kind of |a bit |a little |pretty |all |m |s |just )+"
        r"weak(?:er|ness)?(?! (?:bladder|stream|spot|point|coffee|tea|signal|link|password|results?|effect|botox|dose|"
        r"batch|area|areas|smile|chin))|"
        r"feel\w* (?:so |very |really |super |extremely |kind of |a bit |a little |pretty )?weak(?! (?:bladder|stream|"
        r"spot|smile))|weak and (?:tired|shaky|dizzy)",
    ),
    (
        "whole_body",
        r"(?:total|full body|whole body|extreme|profound|severe|sudden) weakness|"
        r"(?:weak|weakness|limp|floppy|heavy|numb and weak) (?:all over|everywhere|throughout)|"
        r"weak (?:from )?head to toe|"
        r"(?:no|zero) (?:strength|energy to move) (?:at all|left|anywhere|in (?:my|her|his) body)|"
        r"(?:whole|entire|full) body <g3>(?:<weakw>)|"
        r"(?:whole|entire|full) body <g3>(?:weak\w*|limp|floppy|heavy|wont move|not moving|paraly\w*|shutting down|"
        r"no strength)|"
        r"(?<!forehead )(?<!face )(?<!brow )(?<!frown )(?<!look )(?<!looks )(?<!looking )(?<!seem )(?<!appear )"
        r"paraly[sz]\w*(?! (?:my |her |his |the |your |their )?(?:face|forehead|brow|eyebrows?|frown|wrinkles|lines|"
        r"expressions?|smile))|"
        r"(?<!a )(?<!with a )(?:floppy|limp)\b(?! (?:hair|handshake|wrist|noodle))|(?:went|gone|going|"
        r"go) (?:all )?limp|"
        r"like a rag ?doll|"
        r"(?:<cant_strong>) <g1>(?:stand|stand up|get up|walk|get out of (?:bed|the chair|my chair|the car)|sit up|"
        r"move (?:at all|anything|my body)|lift anything)|"
        r"(?:<cant_strong>) <g2>(?:lift|raise|move|hold up|feel) (?:up )?(?:my |his |her |both |their |either |the |"
        r"one )?"
        r"(?:<limbs>)|(?:generali[sz]ed|general|overall|muscle) weakness|"
        r"(?:started|began|first) (?:in|with) (?:my |her |his |the )?\w+ (?:and )?(?:now|then) (?:in |its in |"
        r"it s in )?"
        r"(?:my |her |his |the |both )?(?:\w+ )?(?:arms?|legs?|body|hands?)|"
        r"(?:first|starting with) (?:my |her |his )?\w+ (?:now|then) (?:my |her |his )?(?:arms?|legs?|body)|"
        r"(?:getting|growing|becoming) (?:weaker|weaker and weaker|more and more weak)|"
        r"weakness (?:is )?(?:spreading|moving|getting worse|worse|everywhere)|spreading weakness|"
        r"(?:<weakw>|weakness|numbness|heaviness|tingling) <g4>(?:spread\w*|moving|moved|travel\w*|went|going) "
        r"(?:down|to|into|through) (?:my |her |his |the |both )?(?:arms?|legs?|whole body|body|other side|chest|"
        r"throat)|"
        r"(?:arms? and legs?|legs? and arms?) <g2>(?:<weakw>)|(?:<weakw>) <g2>(?:arms? and legs?|legs? and arms?)",
    ),
    (
        "progressing",
        r"getting worse|worse and worse|worsening|progress\w*|every hour|by the hour|spreading|moving up|moving down|"
        r"now (?:its |it s |it is )?(?:in |into |spreading to |moving to |going to )?(?:my |her |his |both )?"
        r"(?:arms?|legs?|body|hands?|whole body)",
    ),
    # arm or one-sided weakness, kept separately for FAST (with a face droop or slurred speech)
    (
        "arm",
        r"(?:arms?|hands?|grip) <g3>(?:weak\w*|heavy|numb|limp|dead|useless|wont (?:move|lift)|no strength|"
        r"floppy|tingl\w*)|(?:weak\w*|heavy|numb|limp) <g2>(?:arms?|hands?)|"
        r"(?:<cant>) <g2>(?:lift|raise|move|use|hold up) (?:up )?(?:my |his |her |their |the |one |either |both )?"
        r"(?:left |right |good |bad )?(?:arms?|hands?)|"
        r"(?:weak\w*|numb\w*|heavy) on (?:one|the left|the right|my left|my right|her left|her right|his left|"
        r"his right) side|(?:left|right|one) side (?:of (?:my |her |his )?body )?<g2>(?:weak|numb|heavy|paraly\w*)",
    ),
    # --- face droop on one side (FAST)
    (
        "face_droop",
        r"(?:one side|one half|half|left side|right side|the left side|the right side|a side|side) "
        r"(?:of )?(?:my |her |his |their |the )?face <g3>(?:droop\w*|sag\w*|numb|fall\w*|dropp\w*|dropped|slack|"
        r"paraly\w*|wont move|not moving|frozen|lower|weak|doesnt move|dead|crooked|down)",
    ),
    (
        "face_droop",
        r"face <g3>(?:droop\w*|sag\w*|dropp\w*|dropped|crooked|lopsided|uneven|slanted|twisted|pulled|drawn|falling|"
        r"fallen|fell|falls|slid|slipped|sank|went down|gone down) (?:on|to|down on|down) (?:one|the left|the right|a|"
        r"her left|her right|my left|my right|his left|"
        r"his right|one) side|"
        r"(?:face|facial) (?:is |looks |seems |started |starting |keeps |has )?(?:droop\w*|sagging|lopsided|slanted|"
        r"twisted|falling)|facial (?:droop|palsy|paralysis)|(?:droop\w*|lopsided|slanted|twisted) face|face droop",
    ),
    (
        "smile",
        r"(?:smile|mouth|lips?|grin) <g3>(?:crooked|lopsided|uneven|droop\w*|asymmetric\w*|off|weird|funny|slanted|"
        r"twisted|sagging|wonky|different|lower)|(?:crooked|lopsided|uneven|wonky|asymmetric\w*|droopy|drooping|"
        r"twisted) (?:smile|mouth|lip|lips|grin)|(?:one side|half|corner|side) of (?:my |her |his |the )?"
        r"(?:mouth|lip|lips|smile) <g3>(?:droop\w*|sag\w*|down|lower|wont move|not moving|dropp\w*|numb)",
    ),
    # --- sudden worst headache (urgent alone; call_now with a neurological sign)
    (
        "headache",
        r"worst (?:headache|head pain|pain in my head)|(?:headache|head pain) <g4>(?:worst|like never before|"
        r"of my life)|thunderclap|"
        r"sudden\w* <g3>(?:headache|head pain)|"
        r"(?:severe|terrible|horrible|excruciating|intense|explosive|blinding|crushing|unbearable|awful) "
        r"(?:headache|head pain) (?:that )?(?:came on )?(?:suddenly|out of nowhere|all of a sudden|came on suddenly)|"
        r"head (?:feels like it )?(?:is |s )?(?:exploding|going to explode|gonna explode)",
    ),
    ("headache_word", r"headaches?|head pain|head hurts|migraines?|dolor de cabeza|cefalea|migranas?"),
    (
        "worst",
        r"worst (?:ever|of my life|ive (?:ever )?had|i have ever had|in my life|pain)|like never before|"
        r"(?:way |much |so much )?worse than (?:any|ever|my|her|his|usual|normal|before)|como nunca|(?:el|la) peor",
    ),
    (
        "neuro",
        r"confus\w*|disorient\w*|not making sense|doesnt make sense|cant think straight|stiff neck|neck is stiff|"
        r"numb\w* on one side|seizure\w*",
    ),
    # --- bladder (urgent): loss of control, or no urine at all
    (
        "bladder",
        r"(?:wet|peed|pissed|soiled|wetting|peeing|pissing) (?:on |all over )?(?:myself|herself|himself|themselves|"
        r"my pants|her pants|"
        r"his pants|the bed|my bed)|"
        r"(?:lost|losing|loss of|lose|no|zero|cant) (?:my |her |his )?(?:bladder )?control (?:of|over) (?:my |her |"
        r"his )?"
        r"(?:bladder|urine|pee|peeing|wee)|(?:lost|losing|loss of|lose|no) (?:my |her |his )?bladder control|"
        r"bladder control <g2>(?:gone|lost|went|disappeared|none|nonexistent)|"
        r"(?:cant|cannot|can not|unable to|couldnt) (?:control|hold) (?:my |her |his )?(?:bladder|pee|urine|wee)|"
        r"bladder (?:gave out|let go|failed)|(?:having|had|have|has) (?:bladder |peeing )?accidents|incontinen\w*|"
        r"(?:leaking|leak|leaks|leaked|dribbling) (?:urine|pee)|(?:urine|pee) (?:is )?leaking|"
        r"(?:peeing|wetting|pee|urinating) without (?:knowing|meaning to|control|feeling it|warning)",
    ),
    (
        "bladder",
        r"(?:<cant_strong>) <g1>(?:pee|urinate|void|pass (?:urine|water)|go pee|wee|empty (?:my |her |his )?bladder "
        r"at all)|"
        r"(?:havent|have not|hasnt|has not|didnt|did not|not) (?:peed|urinated|voided|passed (?:urine|water)|"
        r"been able to (?:pee|urinate)) <g2>(?:since|in|all|for|today|yesterday)|"
        r"nothing (?:comes|coming|came|will come) out|no urine|urinary retention",
    ),
    (
        "bladder_emptying",
        r"(?:hard|harder|trouble|difficulty|difficult|struggl\w*|takes forever|straining|strain|slow) (?:to )?"
        r"(?:pee|peeing|urinate|urinating|empty|emptying|wee|start (?:peeing|the stream))|weak (?:urine )?stream|"
        r"slow stream|(?:bladder )?(?:doesnt|wont|not|isnt|never) (?:fully |completely |totally )?empty\w*|"
        r"feel\w* full (?:after|even after)|dribbl\w*|(?:cant|cannot|can not) (?:fully|completely|totally) empty|"
        r"(?:self|intermittent) cath\w*|pee (?:only )?(?:a little|small amounts|drops)",
    ),
    # --- a child who is floppy, not feeding, not responding (call_now with the child words in context.py)
    (
        "feeding",
        r"(?:not|isnt|wont|wouldnt|refus\w*|stopped|cant|doesnt want to|wont even) (?:to )?(?:feed\w*|eat\w*|nurs\w*|"
        r"drink\w*|suck\w*|latch\w*|take (?:a |the |her |his )?(?:bottle|breast))|weak (?:cry|suck)|poor feeding|"
        r"(?:cry|crying) (?:is |so )?weak|(?:very |so |really )?(?:sleepy|drowsy) and (?:floppy|weak|limp)|"
        r"listless|lethargic|not (?:himself|herself|acting right)",
    ),
    # --- botulism suspected now (urgent); talk about botulism in general is only a helper for the preface
    (
        "botulism",
        r"(?:<subject>) <g3>(?:have|has|had|got|getting|contracted|caught|develop\w*|showing|show) "
        r"(?:signs of |symptoms of )?(?:a |an )?(?:case of )?botulism|"
        r"(?:is|could|might|can|would) (?:this|it|that|these) (?:be )?botulism|suspected botulism|iatrogenic botulism|"
        r"(?:think|worried|scared|afraid|concerned|fear|sure)(?: that)? (?:(?:<subject>) )?(?:have|has|got|might have|"
        r"may have|could have) botulism",
    ),
    ("botulism_talk", r"botulism"),
    (
        "redflag_topic",
        r"(?:what|which) (?:\w+ )?(?:symptoms?|signs?|side effects?|reactions?) <g8>(?:er|e r|emergency|911|urgent|"
        r"serious|dangerous|hospital|worry|concern\w*)|(?:when|why) (?:should|do|would|to) (?:i|you|we|a patient|"
        r"patients|someone)? ?(?:go to|call|seek|get) (?:the )?(?:er|911|emergency|hospital|help|care)|red flags?|"
        r"warning signs|emergency signs|(?:signs?|symptoms?|know|tell) (?:that |of |if |whether )?(?:the )?(?:botox|"
        r"toxin|"
        r"tox|"
        r"it|product) (?:has )?(?:spread|spreading|moved|travel\w*)",
    ),
    # --- too much product, no symptoms (contact the clinic today)
    (
        "overdose",
        r"too (?:much|many) (?:botox|tox|units?|product|dysport|xeomin|jeuveau|daxxify|injections?|shots?|of it|"
        r"of the (?:botox|product|tox))|(?:botox|tox|units?) overdose|overdos\w* (?:on |of )?(?:botox|tox|units|"
        r"dysport|xeomin)|(?:injected|gave|put|used) <g2>(?:way |far |a lot )?too much|"
        r"(?:double|triple) (?:the )?(?:dose|amount|units)|more units than",
    ),
]

# Spans that look like a symptom but are an idiom, the intended effect, or a local routine effect. A finding that
# overlaps one of these is dropped.
IDIOMS = [
    r"(?:hard|bitter|tough) pill to swallow|swallow(?:ed|ing)? (?:my|your|his|her|our|their) (?:pride|words)|"
    r"choked up|choking up|chok\w* (?:back )?tears|choking hazard|"
    r"(?:take|took|takes|taking) (?:my|your|her|his|the) breath away|breath of fresh air|under (?:my|her|his) breath|"
    r"bated breath|(?:hold|holding|held) (?:my|your|her|his|our) breath|"
    r"(?:breathing|breath|breathe) (?:exercises?|techniques?|room|space|strips?|mints?|tests?|treatments?|machine|"
    r"apparatus)|(?:bad|stinky|smelly|fresh|garlic|morning) breath|"
    r"double (?:chin|check\w*|booked|booking|dose|shift|take|standard|edged|date|the|up|tap|click|points?)|"
    r"blurr\w* (?:photo|picture|pic|line|image)s?|speech (?:therapy|therapist|pathologist|class|lessons?)|"
    r"(?:peed|peeing|wet|pissed|pissing) (?:myself|my pants) <g2>(?:laugh\w*|lol|lmao|haha\w*)|"
    r"(?:laugh\w*|lol|lmao) <g2>(?:peed|peeing|wet|pissed|pissing) (?:myself|my pants)|"
    r"weak (?:in the knees)|(?:killing|slaying) it|"
    # "can't see anything yet": no results, not no vision
    r"(?:cant|can not|cannot|dont|do not|not|couldnt) (?:really )?see (?:anything|a thing|any|much)"
    r"(?=.{0,80}(?:kick|work|result|effect|change|difference|yet|improve))|"
    # a voice explained by something else: "hoarse from singing at a concert", "lost my voice cheering"
    r"(?:hoarse\w*|raspy|croaky|lost (?:my |her |his )?voice|voice (?:is )?(?:gone|shot)|no voice) <g6>(?:from|"
    r"because of|"
    r"due to|after|with) (?:a |the |my |all the |so much |too much )?(?:\w+ )?(?:singing|yelling|screaming|cheering|"
    r"shouting|concert|game|karaoke|cold|flu|covid|laryngitis|allergies|party|talking)|"
    r"(?:singing|yelling|screaming|cheering|shouting|karaoke) <g4>(?:hoarse\w*|lost (?:my |her |his )?voice)|"
    r"(?:my|our|the|his|her|a|mi|su|el|la|nuestro|nuestra) (?:dog|dogs|cat|cats|puppy|kitten|pet|horse|bird|parrot|"
    r"rabbit|hamster|perro|perrito|"
    r"gato|gatito|mascota) <g3>\w+|knees? <g1>(?:went|go|goes|got|get|going) weak|"
    r"chok\w* (?:in|at|on|under|during) (?:my |the |an? |this |that )?(?:\w+ ){0,2}(?:interview|exam|test|game|match|"
    r"presentation|pressure|audition|meeting|speech|final|finals|performance|date|shot)|"
    r"(?:photos?|pictures?|pics?|images?|videos?|screens?|camera|selfies?|scans?|shots?) <g5>(?:blurr\w*|fuzzy|"
    r"out of focus|doubled|double)",
    # the intended effect on the treated area
    r"(?:forehead|brow|frown|glabella|glabellar|eyebrows?|crows feet|11s|elevens|forehead lines|frown lines|"
    r"wrinkles?|treated area|treatment area) (?:muscles? )?<g3>(?:paraly\w*|frozen|weak\w*|heavy|tight\w*|"
    r"wont move|cant move|not moving|dead)",
    # a local routine effect at the injection site (kept for face or cheek swelling only: see concepts.py)
    r"(?:swell\w*|swollen|puff\w*|bruis\w*|red\w*|bump\w*|lumps?) <g3>(?:at|around|near|where|on|in) "
    r"(?:the |my |each |every |one |all )?(?:injection|injections|shot|shots|needle|site|sites|spots?|bumps?|"
    r"she injected|he injected|they injected|it was injected|forehead|brow|eyebrows?|eyelids?|crows feet|temple|"
    r"jaw|masseter|under ?arm)|(?:injection|needle|shot) (?:site|sites|spots?|points?) <g3>(?:swell\w*|swollen|"
    r"puff\w*)|"
    r"(?:bruis\w*|redness|discolou?r\w*|swelling) <g3>(?:spread\w*|moving|moved)",
]

# Context markers (see context.py for how they are used).
MARKERS: dict[str, str] = {
    "negator": (
        r"no|not|never|dont|doesnt|didnt|isnt|arent|wasnt|werent|havent|hasnt|hadnt|nor|none|zero|denies|denied|"
        r"denying|negative|without|neither|wont|aint|nothing|free of|absence of|ruled out"
    ),
    # words after a negator that make it a hedge ("not sure if my vision is blurry") rather than a denial
    "hedge": r"sure|certain|know|knowing|idea|positive|100|just|only|even sure|clear|yet sure|able to tell|kidding",
    # a word right after "no" that makes it an interjection ("no i cant breathe") rather than a negator
    "interjection": (
        r"i|im|ive|my|she|shes|he|hes|it|its|the|this|yes|wait|please|omg|seriously|really|now|but|they|we|you|"
        r"help|actually|like|mi|yo|ella|el"
    ),
    "clause_break": r"but|however|although|though|except|yet|just|only|and|now|plus|also|then|still|whereas|while",
    "ok_status": (
        r"(?:breathing|breath|breathe|swallow\w*|throat|tongue|lips?|vision|eyes?|eyesight|sight|speech|voice|talking|"
        r"speaking|arms?|legs?|bladder|face|everything else|everything|all else) (?:is |are |feels? |seems? |looks? |"
        r"sounds? |s |was |were |still |also |all |totally |completely |perfectly |just |seems? to be |is still )*"
        r"(?:ok|okay|fine|normal|good|great|alright|all right|perfect|clear|unaffected|not affected|no problem|"
        r"no issues?|all good|on point|intact)\b|"
        r"(?:can|could|able to) (?:still )?(?:breathe|swallow|see|talk|speak|walk|pee|eat|drink) (?:fine|ok|okay|"
        r"normally|just fine|well|perfectly|without (?:any )?(?:problems?|issues?|trouble|difficulty))|"
        r"(?:breathe|breathing|swallow\w*|talk\w*|speak\w*|see|seeing) without (?:any )?(?:problems?|issues?|trouble|"
        r"difficulty)"
    ),
    # a question about botox or people in general ("can botox cause ...", "what are the signs of ...")
    "general": (
        r"(?:can|could|does|do|will|would|might|may|did) (?:botox|tox|it|this|that|the (?:botox|tox|injections?|"
        r"shots?|treatment|procedure|toxin)|dysport|xeomin|jeuveau|daxxify|injections?|shots?|treatment|neurotoxins?|"
        r"toxins?|you|people|someone|anyone|one|patients?|a person|somebody|anybody|folks|women|men|kids|children) "
        r"<g3>(?:cause\w*|give|gives|lead|result|make|trigger\w*|get|have|experience|develop|ever|produce|bring on|"
        r"affect|induce|create|be)\b|"
        r"is (?:it|there) (?:possible|a (?:risk|chance|possibility)|any (?:risk|chance))|"
        r"(?:are|is) there (?:any )?(?:risks?|side effects?|chances?)|"
        r"(?:what|which) (?:are|is|r) (?:the |some |common |rare |serious |possible |main |early |warning |typical )*"
        r"(?:signs?|symptoms?|risks?|side effects?|chances?|odds|dangers?|complications?|red flags)|"
        r"how (?:common|rare|likely|often|frequent|frequently|soon after|long after)|"
        r"(?:risks?|chances?|possibility|odds|likelihood|danger|incidence|rates?) (?:of|that)|"
        r"side effects? (?:like|such as|include|including|of)|"
        r"(?:is|are) (?:\w+ ){1,3}(?:a |an )?(?:common |rare |possible |known |normal |serious |real |usual )?"
        r"side effects?|(?:signs?|symptoms?) (?:of|to watch|to look)|warning signs|watch (?:out )?for|"
        r"(?:anyone|anybody|people|patients|someone) (?:ever )?(?:get|gets|got|had|have|has|experience\w*|develop\w*)|"
        r"has anyone|does anyone|do (?:people|patients|most people|many people)|"
        r"what (?:happens|would happen|to do|do you do|should you do) (?:if|when)|"
        r"how (?:would|do|will|can|could) (?:i|you|we|one) (?:know|tell)|"
        r"when (?:should|do|would) (?:i|you|we|one) (?:worry|go|call|seek|get)|"
        r"(?:i|we) (?:read|heard|saw|learned|learnt) (?:that|about|online|somewhere|an article|on)|"
        r"according to|(?:article|class|lecture|course|exam|quiz|paper|research|study|textbook|documentary|"
        r"podcast|tiktok|news)|in general|generally|typically|"
        r"will (?:i|she|he|my \w+) (?:have|get|experience|develop|be)|(?:am i|is she|is he) going to (?:have|get)|"
        r"(?:is|are) (?:it|botox|tox|this) (?:safe|dangerous|ok|okay) (?:if|for|with)|"
        r"(?:can|could|should) (?:i|you|we|she|he) (?:still )?(?:get|have|do|take|receive) (?:botox|tox|it|"
        r"injections?|the injections?|treatment|dysport|xeomin) (?:if|with|when)|"
        r"(?:botox|tox) (?:can|could|may|might) (?:cause|give|lead|make|result)|(?:caused|causes) by botox|"
        r"(?:can|could) (?:it|botox|tox) (?:spread|travel|move)|"
        r"(?:can|could|does|do|will|would|might|may) (?:\w+ ){1,4}(?:happen|occur|show up|appear|set in|come on|start|"
        r"kick in)|how long after|"
        r"(?:said|told me|heard|read|saw) (?:that )?(?:her|his|their|a|some|my|someone) (?:\w+ ){0,2}(?:couldnt|"
        r"could not|"
        r"had|got|was|went|ended up|developed)|"
        r"(?:guidance|protocol|policy|procedure|instructions|script|training|education|handout|aftercare sheet|"
        r"information|info) (?:on|for|about|regarding)|"
        r"(?:the |a |this |that )?(?:\w+ ){0,3}(?:warning|warnings|label|labeling|package insert|boxed|black box|fda)|"
        r"(?:is it|its|it is) true|(?:ask|asks|asked|asking|wants to know|want to know|wondering|wonder) (?:if|whether|"
        r"about)"
    ),
    # someone else's story, told second hand ("my friend said her cousin couldn't swallow after botox")
    "hearsay": (
        r"(?:said|told me|tells me|heard|read|saw|says) (?:that )?(?:her|his|their|a|some|my|someone|somebody|one of) "
        r"(?:\w+ ){0,2}(?:couldnt|could not|had|got|was|went|ended up|developed|experienced)|"
        r"(?:dijo|me conto|escuche|lei|vi) (?:que )?(?:a )?(?:su|una|un|alguien|mi) (?:\w+ ){0,2}(?:no pudo|tuvo|"
        r"le dio|"
        r"termino)"
    ),
    # a weaker question form: a report if anything personal is attached ("is it normal that i cant swallow?")
    "weak_general": (
        r"is (?:it|that|this) (?:normal|ok|okay|common|expected|bad|dangerous|serious|concerning|a problem|"
        r"an emergency|something to worry about|usual|typical|a concern)|"
        r"(?:should|do) (?:i|we) (?:be )?(?:worried|worry|concerned|panic)|anyone else|"
        r"how long (?:does|will|do|can|should|would) (?:it|this|that|the|they)? ?(?:\w+ )?(?:last|take)|"
        r"how long (?:does|do|will|would|can|should) (?:\w+ ){1,3}(?:stay|remain|keep|be) (?:\w+ )?(?:swollen|puffy|"
        r"bruised|red|numb|droopy|heavy)|"
        r"what does (?:it|this|that) mean|why (?:do|does|would|is|am|are)\b|"
        r"(?:is|could|can) (?:that|this) (?:be )?(?:a |an )?(?:side effect|from (?:the )?botox|caused by|related|"
        r"emergency|serious)|(?:can|could|does|would) (?:botox|it|tox) cause (?:that|this|it)|is (?:that|this) from"
    ),
    "hypothetical": (
        r"if|in case|incase|what if|supposing|suppose|should (?:i|you|she|he) (?:ever )?(?:get|have|develop|notice|"
        r"experience|feel)|when (?:i|you) (?:get|have|develop|notice|start)|in the event|afraid of|scared of|"
        r"worried about|fear of|avoid|prevent|to not get|so i dont get|before|ever|someday|one day|next time|"
        r"next (?:week|month|year)|tomorrow|(?:going to|planning to|about to|want to) get (?:botox|tox|it)|"
        r"(?:will|would|could|might) (?:i|you|she|he|my face|my forehead|her face|his face|it|botox|tox) "
        r"(?:look|end up|become|be left|turn out)|(?:make|makes|leave|leaves) (?:me|my face|her|him|you) look|"
        r"(?:will|would|could|might|am i going to|is she going to|is he going to) (?:i |you |she |he |my \w+ )?"
        r"(?:be|get|go) (?:\w+ )?(?:paraly[sz]\w*|frozen|stuck)"
    ),
    # words before "if" that make it "whether" (a hedged report), not a condition
    "if_whether": r"sure|know|tell|wonder\w*|see|check|unsure|knows|clue|idea|ask|asks|asking|decide|notice|say",
    "history": (
        r"last (?:year|month|summer|spring|fall|autumn|winter|time|round|session)|(?:\d+|a|one|two|three|four|five|"
        r"few|several|many|couple of|couple|some) years? ago|years ago|(?:a few|several|\d+|two|three|four|five|six|"
        r"couple of|couple|some|many) months ago|back in (?:\d{4}|the day)|in (?:19|20)\d\d|back then|"
        r"when i was (?:younger|a kid|a child|pregnant|little|in)|as a (?:kid|child|teen)|a long time ago|long ago|"
        r"once before|previously|in the past|used to|the first time|my (?:first|previous) (?:botox|treatment|"
        r"injection|round|session|time|appointment)|previous (?:treatment|botox|injection|round|session|time)|"
        r"the time before|years back|way back|a while (?:back|ago)|(?:a few|several|some|many|\d+) times (?:before|"
        r"in the past)"
    ),
    "resolution": (
        r"went away|goes away|gone away|(?:is|are|was|were|s) gone now|(?:its|it is|it s|they are|theyre) gone|"
        r"cleared up|clear(?:ed)? up|resolved|got better|went back to normal|back to normal|disappeared|"
        r"(?:totally |completely |all |perfectly )?(?:fine|ok|okay|better|normal|good|great) now|recovered|"
        r"back to normal now|(?:is|its|are|was) (?:all )?(?:fine|ok|okay|better|normal) (?:since|after that|again)|"
        r"wore off on its own|faded|settled down|went down|gone down|calmed down|subsided|not anymore(?= [.,;!?]| *$)|"
        r"it stopped|that stopped|stopped after|lasted (?:a |about |only )?(?:\d+|a few|two|three|couple of) "
        r"(?:days|weeks)|fine since|no problems since|never again|didnt come back"
    ),
    # signs the symptom is now: these override general, hypothetical, history and indication readings
    "current": (
        r"now|right now|rn|currently|at the moment|today|tonight|this (?:morning|afternoon|evening)|yesterday|"
        r"last night|since|started|starting|starts|keeps?|kept|still|again|getting worse|worse and worse|suddenly|"
        r"all of a sudden|woke up|waking up|just (?:now|started|noticed|happened)|(?:its|it is|theyre|its getting) "
        r"back(?! to normal)|(?:after|since|post|following) (?:my|her|his|their|todays|yesterdays|our) "
        r"(?:botox|tox|injections?|shots?|treatment|procedure|appointment|appt|session|dysport|xeomin|jeuveau|"
        r"daxxify|lip flip|neurotoxin)|post (?:botox|tox|injection|op|procedure)|status post|"
        r"(?:\d+|a few|few|two|three|four|five|couple|couple of|several) (?:hours?|hrs?|days?|minutes?|mins?) "
        r"(?:ago|after|later|since|now)|(?:hours?|days?) (?:after|later)|help me|please help|help please|need help|"
        r"someone help|911|hurry|asap|"
        r"(?:for|over) the (?:last|past) (?:\d+|few|two|three|couple|couple of) (?:hours?|days?)|this week|"
        r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:i|she|he) (?:have|has|am|is|keep|keeps) (?:been )?"
        r"(?:having|getting|noticing|experiencing|feeling)"
    ),
    # a later sentence that says the general question is about now ("... because i have that right now")
    "referback": (
        r"(?:i|she|he|my \w+|we|they) (?:have|has|do|does|got|am having|is having|are having|am experiencing|"
        r"is experiencing|keep getting|keeps getting|started having|have been having|has been having) "
        r"(?:it|that|this|these|those|them|the same|exactly that|both)\b(?! (?:done|botox|injection|treatment|next))|"
        r"(?:its|it is|this is|thats|that is) (?:happening|going on) (?:to me|to her|to him|now|right now)|"
        r"thats what (?:i|she|he|im|shes|hes) (?:have|has|having|feel\w*|experienc\w*|going through)|"
        r"(?:happening|going on) (?:to me|to her|to him|right now)|(?:like|as) (?:mine|me) (?:now|right now)"
    ),
    # treatment of the symptom, or a long-standing condition, rather than a reaction
    "indication": (
        r"(?:would|could|can|does|do|will|might|is|should) (?:botox|tox|it|this|that|bladder botox|(?:\w+ )?botox|"
        r"injections?|the shots?|dysport|xeomin|the injections?|treatment) <g2>(?:help|helps|treat|treats|fix|fixes|"
        r"cure|cures|work for|works for|be used for|used for|good for|relieve|improve|reduce|stop|get rid of|"
        r"be an option|an option)|"
        r"botox (?:to )?(?:help|helps|treat|treats|for|as a treatment for|is used for|approved for)|"
        r"(?:treat|treating|treatment|treatments|therapy|cure|remedy|fix|options?) (?:for|of) (?:my |her |his |their |"
        r"the )?|"
        r"(?:approved|indicated|prescribed|used|recommended|covered|candidate|eligible|good) for|"
        r"help (?:with )?(?:my|her|his|their)|helped (?:my|her|his|with)|eligib\w*|candidacy|"
        r"(?:botox|tox|injections?) (?:for|to (?:help|treat|fix)) (?:my|her|his|their|the)"
    ),
    "chronic": (
        r"(?:from|after|since|due to|because of|caused by|with|post|left by|from having) (?:my |her |his |a |the |"
        r"their )?(?:stroke|strokes|ms|multiple sclerosis|cerebral palsy|cp|parkinsons?|als|spinal cord|sci|"
        r"injury|injuries|tbi|brain injury|birth|bells palsy|palsy|strabismus|lazy eye|dystonia|spasticity|"
        r"spasmodic dysphonia|achalasia|overactive bladder|oab|neurogenic|myasthenia|diabetes|cancer|radiation|"
        r"surgery|accident|a cold|the flu|flu|covid|allergies|asthma|laryngitis|sinus\w*|reflux|gerd|cold|"
        r"cheering|yelling|screaming|singing|concert|game|workout|gym|running|exercise)|since birth|"
        r"for (?:years|ages|decades)|for (?:\d+|many|several|a few|two|three|some) years|all my life|my whole life|"
        r"chronic|always had|ive always|born with|runs in|already (?:has|have|had)|sometimes|occasionally|"
        r"every now and then|from time to time|(?:i|she|he) (?:have|has|had|ve got) (?:\w+ )?(?:asthma|copd|als|ms|"
        r"parkinsons?|myasthenia|overactive bladder|oab|cerebral palsy|cp|dystonia|spasticity|a stroke|migraines|"
        r"spasmodic dysphonia|sleep apnea|apnea|allergies)|(?:history of|diagnosed with|suffer from|suffers from) "
        r"(?:\w+ )?\w+"
    ),
    # someone writing for another person, and staff relaying a patient
    "other": (
        r"(?:my|his|her|our|their) (?:\w+ )?(?:mom|mother|mum|mommy|mama|dad|father|daddy|papa|husband|hubby|wife|"
        r"partner|son|daughter|child|kid|kids|baby|infant|toddler|friend|bff|sister|sis|brother|bro|grandma|"
        r"grandmother|granny|grandpa|grandfather|aunt|auntie|uncle|cousin|boyfriend|bf|girlfriend|gf|fiance|"
        r"fiancee|roommate|neighbor|neighbour|coworker|colleague|niece|nephew|stepmom|stepdad|mother in law|"
        r"father in law|spouse|family member|relative|grandson|granddaughter|boy|girl|little one|teen|teenager)|"
        r"(?:she|he|shes|hes|they|theyre|her|him) (?:is|has|had|cant|cannot|can not|keeps|says|said|feels|"
        r"looks|seems|was|got|just|now|sounds|started|woke)"
    ),
    "staff": (
        r"pt|pts|px|caller|(?:pt|patient|client) (?:called|texted|messaged|reports?|reported|states|stated|says|said|"
        r"c o|complains|emailed|phoned|is|has|was|cant|denies|presents|presented|calling)|(?:my|our|a|one of our|"
        r"one of my) "
        r"(?:patient|client|pt)s?|nurse here|front desk|called (?:in|the office|the clinic)|left a (?:voicemail|"
        r"message)|on the phone with|complains of|status post|s p"
    ),
    "child": (
        r"baby|babies|infant|newborn|toddler|child|kid|little one|son|daughter|boy|girl|"
        r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve) (?:year|yr|month|mo|week)s? old|"
        r"\d+ ?(?:yo|y o|mos)"
    ),
    # a recent injection mentioned (kept in memory so a later question is read as a report)
    "injection": (
        r"(?:had|got|get|getting|did|received|done|gave me|have had|just had|just got|went for) (?:my |some |the |a |"
        r"her |his |our )?(?:\w+ )?(?:botox|tox|dysport|xeomin|jeuveau|daxxify|letybo|injections?|shots?|lip flip|"
        r"neurotoxin|treatment)|(?:after|since|post|following) (?:my|her|his|the|todays|yesterdays|this|that|our) "
        r"(?:\w+ )?(?:botox|tox|injection|injections|shots?|treatment|procedure|appointment|dysport|xeomin|lip flip)|"
        r"post (?:botox|tox|injection)|status post|injected (?:me|her|him|yesterday|today|on|last|this|my)|"
        r"(?:botox|tox|injections?|shots?) (?:on (?:\w+day|the \d+\w*)|(?:this|last) (?:week|month|night|morning|"
        r"\w+day)|yesterday|today|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
        r"\d+ (?:days?|weeks?|hours?) ago)"
    ),
    # a short reply that confirms an earlier ambiguous mention is happening now
    # after a red flag, a follow-up that asks what to do (answered with the same alarm, not an FAQ)
    "follow_up": (
        r"should (?:i|we|she|he) (?:call|go|wait|worry|be worried|see|come)|wait (?:till|until|for)|what (?:do|should|"
        r"can) "
        r"(?:i|we) do|(?:go|going) to (?:the )?(?:er|hospital|emergency|urgent care|clinic)|(?:er|hospital|911|"
        r"urgent care)|"
        r"is (?:it|this|that) (?:serious|bad|normal|ok|okay|an emergency|dangerous)|do i need to|can i (?:wait|sleep|"
        r"drive)|"
        r"how worried|what now|help"
    ),
    "confirm": (
        r"yes|yeah|yep|yup|ya|it is|i am|i do|she is|he is|right now|its happening|happening now|now|currently|"
        r"thats me|that is me|its me|correct|true|affirmative"
    ),
}

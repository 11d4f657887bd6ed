"""Spanish vocabulary of the triage screen, as US patients text it: no accents, lower case, Spanglish.

Same structure as ``lexicon_en``: families of the same name are merged with the English ones, so "no puedo
swallow", "tengo trouble breathing" or "me siento weak" match without a rule of their own. Text is normalised
first: accents are folded ("comezón" -> "comezon", "año" -> "ano"), apostrophes dropped.
"""

from __future__ import annotations

WORDS = """
respirar respiro respira respiracion aire ahogo ahogando tragar trago traga comida garganta lengua labios hinchada
hinchado hinchados hinchadas hinchan hincha cara boca doble borroso borrosa nublada nublado vista veo hablar hablo
habla ronca ronco ronquera voz palabras debil debilidad brazos piernas cuello cabeza sostener levantar parpado
parpados caido caida ronchas comezon picazon mareada mareado mareo desmayo desmaye desmayar orinar orine vejiga
pipi botulismo morir matarme suicidio vivir arrastrando atora atoro atraganto puedo cuesta dificultad
""".split()

SHORTHAND = {
    "q": "que",
    "k": "que",
    "xq": "porque",
    "pq": "porque",
    "tmb": "tambien",
    "tb": "tambien",
    "mama": "mama",
    "pipi": "pipi",
    "bos": "voz",
    "boz": "voz",
    "pa": "para",
    "px": "px",
}

PROTECTED = """
trago traga tragos ronca ronco veo vea vela velo habla hablo boca bota botas cara caro
"""

FAMILIES: dict[str, str] = {
    "cant": (
        r"no puedo|no puede|no pueden|no podia|no pude|no podemos|no logro|no logra|casi no puedo|casi no puede|"
        r"no (?:pueda|puedas|pudiera|pudo)|"
        r"apenas puedo|apenas puede|(?:me|le|te|nos) (?:cuesta|cueste|costo|costaba|cuestan)|cuesta trabajo|"
        r"dificultad (?:para|al)|"
        r"problemas? (?:para|al)|trabajo para|batallo para|batalla para|no (?:me|le) deja"
    ),
    "cant_strong": r"no (?:me |se |la |lo )?(?:puedo|puede|pueden|podia|pude|logro|logra)",
    "breathe": r"respirar|respiro|respira|respiracion|respirando|jalar aire|agarrar aire|tomar aire|meter aire",
    "swallow": (
        r"tragar|trago|traga|tragando|tragarme|tragarla|tragarlo|"
        r"pasar (?:la |el |las |los )?(?:comida|saliva|agua|pastillas?|bocado|nada|alimentos?)|pasarme (?:la )?comida"
    ),
    "speak": (
        r"hablar(?! ahora| ahorita| en este momento| contigo| con| por)|hablo|habla|hablando|hable|hablaba|pronunciar|"
        r"decir (?:las )?palabras|articular"
    ),
    "see": r"ver bien|ver claro|enfocar|ver nada|ver(?= [.!?,;:]| *$)",
    "food": r"comida|pastillas?|agua|liquidos?|saliva|bocados?|pan|carne|arroz|cafe|bebida|alimentos?",
    "swell_part": r"garganta|lengua|labios?|boca|cara|cachetes|mejillas",
    "region": r"brazos?|piernas?|manos?|pies|rodillas?|cuerpo|hombros?",
    "limbs": r"brazos?|piernas?",
    "weakw": (
        r"debil(?:es)?|debilidad|flojos?|flojas?|flojit[oa]s?|aguad[oa]s?|aguadit[oa]s?|pesad[oa]s?|"
        r"sin fuerzas?|no (?:me |le )?responden?|se (?:me|le) doblan|paraliz\w*"
    ),
    "subject": r"yo|ella|mi \w+|su \w+",
}

RULES: list[tuple[str, str]] = [
    # breathing
    (
        "breathing",
        r"(?:me|le|te|nos) falta (?:el )?aire|falta de aire|no (?:me |le )?entra (?:el )?aire|sin aire|"
        r"(?:me|le|se) (?:quedo|queda) sin aire|(?:me|le|te) (?:estoy |esta )?ahog\w*|(?:siento|siente) que (?:me|se) "
        r"ahog\w*|ahogandome|ahogandose|asfixi\w*|pecho <g2>(?:apretado|cerrado|oprimido)|opresion en el pecho|"
        r"(?:silbido|silba|chilla) <g2>(?:al respirar|el pecho)|labios <g2>(?:morados|azules)|"
        r"respiro <g2>(?:mal|raro|con dificultad|rapido|cortito|corto|agitad[oa])|"
        r"respiracion (?:rapida|corta|dificil|agitada|rara|entrecortada)|ahogarme|ahogarse|"
        r"(?:chifla|silba|zumba|suena|chilla) <g2>(?:pecho|al respirar)|almohada (?:en|sobre) (?:la|mi|su) cara",
    ),
    # swallowing
    (
        "swallowing",
        r"se (?:me|le) (?:atora|atoran|atoro|atoraron|queda|quedan|pega|pegan|traba|traban|atasca|atascan) "
        r"(?:la |el |las |los )?(?:comida|pastillas?|agua|bocado|pan|carne|saliva|todo)|"
        r"atorad[oa]s? (?:en la garganta)?|"
        r"me atraganto|se atraganta|atragant\w*|"
        r"(?:comida|agua|pastillas?|saliva|bocado|liquidos?) no (?:me |le )?(?:baja|pasa|entra|quiere bajar)n?|"
        r"no (?:me|le) (?:baja|pasa|entra)n? (?:ni )?(?:la |el |las |los )?(?:comida|agua|pastillas?|saliva|nada)|"
        r"(?:comida|agua|pastillas?|bocado|pan|carne) se (?:me|le) (?:atora|atoran|atoro|queda|quedan|pega|pegan|traba|"
        r"atasca)|disfagi\w*|"
        r"se (?:me|le) va (?:la comida |el agua )?por (?:otro|el otro) (?:lado|camino)|"
        r"(?:nudo|bolita|bola) en la garganta|(?:tos|toso|tose|tosiendo) <g3>(?:tomar|toma|tomo|beber|bebe|bebo|comer|"
        r"come|como|tragar|traga)|(?:tomo|toma|bebo|bebe|como|come) <g2>(?:toso|tose|me ahogo|se ahoga)|"
        r"me da tos (?:al|cuando)|(?:agua|comida|liquidos?|leche|jugo) <g3>por la nariz|"
        r"(?:sale|salio|se (?:me|le) (?:va|sale|salio)) <g3>por la nariz",
    ),
    # swelling of throat, tongue, lips, face
    (
        "swelling",
        r"(?:lengua|labios?|boca|cara|cachetes|mejillas) <g5>(?:hinch\w*|inflam\w*|inflad\w*|inflando|inflan|"
        r"(?:mas )?grandes?|gord[oa]s?)|"
        r"(?:hinch\w*|inflam\w*|inflad\w*|inflando) <g2>(?:la |los |las |el |mi |mis |su |sus )?(?:labios?|lengua|boca|"
        r"cara|cachetes)|"
        r"garganta <g3>(?:hinch\w*|cerr\w*|apretad\w*)|hinch\w* <g2>(?:la |mi |su )?garganta|"
        r"se (?:me|le) (?:cierra|esta cerrando|cerro) la garganta|(?:me|le) aprieta la garganta|"
        r"lengua (?:muy )?(?:grande|gorda|pesada)",
    ),
    (
        "hives",
        r"ronchas|urticaria|sarpullido|salpullido|(?:me |le )?pica todo(?: el cuerpo)?|"
        r"(?:comez\w*|picaz\w*|granitos|erupcion) (?:en |por )?todo el cuerpo",
    ),
    ("itch", r"comez\w*|picaz\w*|me pica|le pica"),
    ("dizzy", r"marea\w*|mareo|(?:me|le) da vueltas|todo (?:me |le )?da vueltas"),
    (
        "heart",
        r"(?:corazon|pulso) <g2>(?:aceler\w*|rapid\w*)|(?:late|latiendo|palpita) <g3>(?:rapid\w*|fuerte)|palpitaciones",
    ),
    (
        "faint",
        r"desmay\w*|(?:perdi|perdio) el conocimiento|inconsciente|no responde|no reacciona|no despierta|"
        r"convulsi\w*|(?:se )?(?:privo|desvanecio|desplomo)|cayo (?:al suelo|desmayad[oa])",
    ),
    # speech and voice
    (
        "speech",
        r"(?:habl\w*|voz) <g2>(?:raro|rara|extran[oa]|chistoso|gracioso|chueco|mal|diferente|lento|"
        r"enredad[oa]|como borrach[oa]|arrastrad[oa]|arrastrando|ronca|ronco|debil|apagada|cambiada|gangos[oa]|"
        r"pastos[oa]|rar[oa])|voz <g3>(?:rar[oa]|ronc[oa]|diferente|cambiada)|habl\w* <g4>borrach[oa]|"
        r"arrastr\w* (?:las )?palabras|(?:no )?(?:me|le) salen (?:bien )?las palabras|no se (?:me|le) entiende|"
        r"no (?:me|le|te|nos|les|lo|la) (?:entiendo|entendemos|entienden|entiende|entienda)|ronquera|"
        r"(?:estoy|esta|ando|anda) ronc[oa]|disartri\w*|disfoni\w*|afasi\w*|"
        r"(?:enred\w*|trab\w*) (?:la )?lengua|lengua (?:enredada|trabada|dormida|pesada)|"
        r"(?:perdi|perdio|perdiendo|sin|no tengo|no tiene|se me fue|se le fue) (?:la )?voz|lengua trabada|"
        r"trab\w* la lengua",
    ),
    # vision
    (
        "vision",
        r"(?:veo|ve|ver|viendo|veia|vio|mira|miro|ven|se ven|se me ven|se le ven) <g2>(?:dobles?|double|blurry|"
        r"borros[oa]s?|"
        r"nublad[oa]s?|dos veces|manchas|empanad[oa]s?)|veo mal|diplopi\w*|"
        r"(?:neblina|niebla|nube|tela) <g3>(?:en|sobre|delante de) (?:los|mis|sus) ojos|"
        r"(?:vision|vista) <g2>(?:doble|borros[oa]|nublad[oa]|rara|mal|empanad[oa])|(?:se me|se le) nubla la vista|"
        r"no (?:veo|ve) (?:bien|claro|nada)|(?:veo|ve) dos de (?:todo|cada)|"
        r"todo (?:se ve|lo veo|esta) (?:doble|borroso|nublado)",
    ),
    (
        "eyelids",
        r"(?:parpados?|ojos?|cejas?) <g2>(?:caid[oa]s?|cayendo|pesad[oa]s?)|"
        r"se (?:me|le) (?:cae|caen|cayo|cayeron|esta cayendo) (?:el |los |la |las )?(?:parpados?|ojos?|cejas?)|"
        r"no (?:puedo|puede) abrir (?:bien |del todo |completamente )?(?:el ojo|los ojos|un ojo|mi ojo|su ojo|"
        r"uno de (?:los|mis|sus) ojos|el parpado|los parpados)",
    ),
    (
        "head_control",
        r"(?:<cant_strong>) <g2>(?:sostener|levantar|mantener|aguantar) (?:la |mi |su )?cabeza|"
        r"se (?:me|le) (?:cae|va|ladea) la cabeza|no (?:aguanto|aguanta) la cabeza|"
        r"no (?:la|lo) (?:puedo|puede|podia) (?:sostener|levantar|detener|aguantar|mantener)|"
        r"no (?:sostiene|sostengo|aguanta|aguanto|levanta|levanto|mantiene|mantengo) (?:la|su|mi) cabeza|"
        r"cuello <g3>no (?:me |le )?(?:aguanta|sostiene|detiene)|detener(?:la)? con (?:la|las) manos?",
    ),
    (
        "neck",
        r"(?:<cant>) <g2>(?:sostener|levantar|mantener) (?:la |mi |su )?cabeza|cuello <g2>(?:debil|flojo|aguado|"
        r"sin fuerza)",
    ),
    (
        "weakness",
        r"(?:<cant>) <g2>(?:levantar|mover|subir|alzar|sentir) (?:los |las |mis |sus |el |la |un |una )?(?:<region>)|"
        r"(?:me siento|se siente|estoy|esta|ando|anda|siento) (?:muy |bien |super |tan |bastante )?"
        r"(?:debil|sin fuerza)|debilidad|no tengo fuerzas?|no tiene fuerzas?|sin fuerzas|"
        r"(?:<cant>) <g1>(?:caminar|agarrar (?:nada|las cosas|la taza|el vaso))|se (?:me|le) caen las cosas",
    ),
    (
        "whole_body",
        r"(?:todo el cuerpo|cuerpo entero) <g2>(?:debil|flojo|aguado|pesado|paralizado|dormido)|"
        r"debil de todo el cuerpo|(?:debil|flojo|floja|aguad[oa]|paralizad[oa]|sin fuerzas?|pesad[oa])\w* "
        r"(?:en|de) todo el cuerpo|(?<!frente )(?<!cara )paraliz\w*|flojit[oa]s?|aguadit[oa]s?|"
        r"(?:cada vez|mas y mas) (?:mas )?debil|"
        r"(?:<cant_strong>) <g1>(?:pararme|pararse|caminar|levantarme|levantarse|moverme|moverse|estar de pie|"
        r"mantenerme de pie|sostenerme)|debilidad (?:que )?(?:se )?(?:extiende|esta extendiendo|sube|baja)|"
        r"(?:<cant_strong>) <g2>(?:levantar|mover|subir|alzar|sentir) (?:los |las |mis |sus |el |la |un |"
        r"una )?(?:<limbs>)|"
        r"(?:empezo|comenzo) en (?:el |la |los |las |mi )?\w+ y (?:ahora|luego) (?:en |esta en )?(?:los |las |el |la |"
        r"mis )?"
        r"(?:\w+ )?(?:brazos|piernas|cuerpo)|como (?:un )?muneco de trapo|"
        r"no (?:le|me) responden (?:las|los|sus|mis) (?:piernas|brazos)",
    ),
    (
        "arm",
        r"(?:brazo|mano) (?:izquierd[oa] |derech[oa] )?<g2>(?:debil|dormid[oa]|pesad[oa]|sin fuerza|entumid[oa]|"
        r"no (?:me |le )?responde|no (?:lo|la) (?:puedo|puede) mover)|(?:se (?:me|le) )?(?:durmio|duerme|entumio|"
        r"entumecio) "
        r"(?:el|un|mi|su) brazo|"
        r"(?:<cant>) <g2>(?:levantar|mover) (?:el |un |mi |su )?brazo|(?:debil|dormid[oa]|entumid[oa]) (?:de |del )?"
        r"(?:un |el )?lado",
    ),
    (
        "face_droop",
        r"se (?:me|le) (?:cae|cayo|esta cayendo) (?:un lado de )?la cara|"
        r"(?:un lado|la mitad|mitad) de (?:la|mi|su) cara <g3>(?:caid[oa]|cayendo|dormid[oa]|paralizad[oa]|chueca|"
        r"torcida|no se mueve|abajo)|cara <g2>(?:caida|chueca|torcida|de lado|ladeada)|"
        r"(?:se (?:me|le) )?(?:tuerce|torcio) la cara|paralisis facial|"
        r"(?:durmio|duerme|cayo|cae|paralizo|entumio|entumecio) (?:la mitad|un lado|medio lado|mitad) de (?:la|mi|"
        r"su) cara",
    ),
    (
        "smile",
        r"boca <g2>(?:chueca|torcida|caida|de lado|ladeada)|sonrisa <g2>(?:chueca|torcida|rara|caida|disparej\w*)",
    ),
    (
        "headache",
        r"(?:el )?peor dolor de cabeza|dolor de cabeza (?:repentino|subito)|dolor de cabeza como nunca|"
        r"de repente <g4>dolor de cabeza|cefalea (?:subita|repentina|intensa|explosiva|fuerte)|"
        r"dolor de cabeza <g2>(?:terrible|horrible|insoportable|fuertisimo|muy fuerte) <g2>(?:de repente|repentino|"
        r"de la nada|subito)|(?:me|le) va a explotar la cabeza",
    ),
    ("neuro", r"confundid[oa]|confusion|desorientad[oa]|convulsi\w*"),
    ("progressing", r"cada vez (?:mas|peor)|empeorando|se (?:esta )?extendiendo|ahora en"),
    (
        "bladder",
        r"me (?:orine|hice pipi|hice pis|hice del bano)|se (?:orino|hizo pipi|hizo pis)|"
        r"(?:perdi|perdio|perdiendo|no tengo|no tiene|sin) (?:el )?control (?:de|sobre) (?:la |mi |su )?"
        r"(?:vejiga|orina|pipi)|no (?:controlo|controla|puedo controlar|puede controlar|aguanto|aguanta) "
        r"(?:la |mi |su |el )?(?:vejiga|orina|pipi|pis)|incontinencia|"
        r"se (?:me|le) (?:sale|salio|escapa|escapo|va|fue) (?:la |el )?(?:orina|pipi|pis)",
    ),
    (
        "bladder",
        r"(?:<cant_strong>) <g1>(?:orinar|hacer pipi|hacer pis|hacer del uno|miccionar)|"
        r"no (?:he|ha) (?:orinado|hecho pipi|podido orinar)|no (?:me |le )?sale (?:nada|la orina)|no orino|"
        r"retencion (?:de orina|urinaria)",
    ),
    (
        "bladder_emptying",
        r"(?:me|le) cuesta (?:orinar|hacer pipi)|chorro debil|no (?:vacio|vacia) (?:bien|completamente|toda)|"
        r"(?:siento|siente) (?:la vejiga )?llena",
    ),
    (
        "feeding",
        r"no (?:come|quiere comer|toma (?:leche|pecho|el biberon|la mamila|su leche)|quiere (?:tomar|comer|mamar)|"
        r"mama|succiona)|llanto debil|llora (?:muy )?debil|(?:muy )?(?:dormid[oa]|somnolient[oa]) y (?:flojit[oa]|"
        r"debil|aguadit[oa])|decaid[oa]|floj[oa]s?|aguad[oa]s?",
    ),
    ("botulism", r"(?:tengo|tiene|me dio|le dio|sera|puede ser|creo que (?:tengo|tiene|es)|es) botulismo"),
    ("botulism_talk", r"botulismo"),
    (
        "redflag_topic",
        r"(?:que|cuales) (?:sintomas|senales|signos) <g5>(?:urgencias|emergencia|hospital|911|grave|preocupar)|"
        r"signos de alarma|cuando (?:ir|hay que ir|debo ir) a urgencias|"
        r"(?:sintomas|senales|signos|saber) (?:de )?(?:que|si) (?:el botox|la toxina|el producto|se) <g1>(?:se )?"
        r"(?:extendio|rego|paso|movio|esparcio|corrio)",
    ),
    (
        "overdose",
        r"demasiado (?:botox|producto|toxina)|(?:muchas|demasiadas) unidades|sobredosis de (?:botox|toxina)|"
        r"me (?:pusieron|inyectaron) (?:de )?mas|me pusieron demasiado",
    ),
]

IDIOMS = [
    r"(?:frente|entrecejo|cejas?|patas de gallo|arrugas) <g2>(?:paralizad[oa]s?|congelad[oa]s?|pesad[oa]s?|"
    r"dur[oa]s?|tiesa|no se mueven?)",
    r"(?:hinch\w*|inflam\w*|moreton\w*|morad[oa]|bolitas?|rojo|roja) <g3>(?:donde|en el piquete|en los piquetes|"
    r"en la inyeccion|en las inyecciones|en la frente|en la ceja|en el lugar)",
    r"garganta (?:esta |la tengo |tengo )?inflamada|inflamacion de (?:la )?garganta",
    # "no veo nada, cuando hace efecto?": no results, not no vision
    r"no (?:veo|vi|ve|noto|note|he visto) (?:nada|ningun\w*|ninguna|mucho)(?=.{0,80}(?:efecto|resultado|cambio|"
    r"diferencia|funcion|todavia|aun))",
    r"(?:se (?:me|le) )?(?:cae|caia|caera) la cara de (?:verguenza|pena)",
]

MARKERS: dict[str, str] = {
    "negator": r"no|nunca|ni|sin|tampoco|nada de|ningun|ninguna|niega|jamas",
    "hedge": r"se|estoy segur\w*|segur\w*",
    "interjection": r"yo|mi|ella|ya|ahora|por favor|ayuda",
    "clause_break": r"pero|aunque|solo|solamente|y|ahora|nomas|sino|tambien|pues",
    "ok_status": (
        r"(?:respiro|respiracion|trago|garganta|vista|voz|labios|lengua|brazos|piernas|vejiga|todo lo demas|todo) "
        r"(?:esta |estan |se siente |se ve |la tengo |lo tengo |muy |todo )*(?:bien|normal|perfect[oa]|ok|okey)"
        r"(?= [.,;:!?]| *$| y | pero | gracias| solo| nomas| todo)|"
        r"(?<!no )(?:puedo|puede) (?:respirar|tragar|ver|hablar|caminar|orinar) (?:bien|normal|sin problemas?)"
        r"(?= [.,;:!?]| *$| y | pero | gracias| solo| nomas| todo)"
    ),
    "general": (
        r"(?:puede|pueden|podria|podrian|puedes) (?:el botox |la toxina |el tratamiento |las inyecciones |la gente |"
        r"alguien |uno |una persona )?<g2>(?:causar|dar|provocar|producir|ocasionar|afectar|hacer que|dejar)|"
        r"(?:el botox|la toxina|las inyecciones|el tratamiento|botox) (?:puede|pueden|podria|causa|da|provoca|produce)|"
        r"es posible|(?:cuales|que) son (?:los |las )?(?:sintomas|senales|efectos|riesgos|signos)|"
        r"efectos (?:secundarios|adversos)|(?:riesgos?|probabilidad|posibilidad)(?:es)? de|"
        r"que tan (?:comun|frecuente|raro)|(?:alguien|la gente) (?:ha tenido|tiene|sufre|le ha)|"
        r"(?:sintomas|senales|signos) de|en general|por lo general|(?:lei|escuche|vi) (?:que|en)|efecto secundario|"
        r"(?:pueden|puede|podria) (?:salir|aparecer|presentarse|empezar|dar)|cuanto tiempo despues|"
        r"(?:la |el )?(?:advertencia|etiqueta|precaucion)|es (?:verdad|cierto) que|"
        r"(?:quiere|quieren|queria) saber|(?:pregunta|preguntan|pregunto) (?:si|sobre)|como (?:se|saber|sabre|"
        r"puedo saber) si"
    ),
    "weak_general": (
        r"es normal|(?:debo|deberia) (?:de )?preocupar\w*|es grave|es peligroso|es comun|cuanto (?:tiempo )?dura|"
        r"por que"
    ),
    "hypothetical": r"si|en caso de|por si|miedo (?:a|de)|evitar|antes de|algun dia|la proxima vez",
    "if_whether": r"se|saber|segur\w*|idea|pregunta|preguntan|pregunto",
    "history": (
        r"el ano pasado|hace (?:\d+|un|unos|varios|muchos|dos|tres|un par de) anos|hace anos|"
        r"hace (?:\d+|unos|varios|dos|tres|un par de) meses|en (?:19|20)\d\d|la vez pasada|la ultima vez|"
        r"la primera vez|hace (?:mucho )?tiempo|cuando era (?:nina|nino|joven|chica|chico)|anteriormente|"
        r"en el pasado|hace rato"
    ),
    "resolution": (
        r"se (?:me |le )?quito|ya se (?:me |le )?(?:paso|quito|fue)|se (?:me |le )?fue|desaparecio|ya estoy bien|"
        r"ya esta bien|(?:volvio|regreso) a la normalidad|se (?:me |le )?compuso|se resolvio|se (?:me |le )?bajo|"
        r"se desinflamo|ya no(?= [.,;!?]| *$)|ya (?:estoy|esta) (?:bien|normal)"
    ),
    "current": (
        r"ahora|ahorita|ahora mismo|hoy|esta (?:manana|tarde|noche)|anoche|ayer|desde|todavia|aun|otra vez|de nuevo|"
        r"de repente|me desperte|(?:despues|luego) de (?:mi|mis|su|sus) (?:botox|inyeccion\w*|"
        r"aplicacion|tratamiento|cita|piquetes?)|hace (?:\d+|unas?|dos|tres|pocos|pocas) (?:horas|dias|minutos)|"
        r"ayudenme|ayudame|necesito ayuda|auxilio|ayuda por favor|por favor ayuda|ayuda(?= [.,;!?]| *$)|sigue|"
        r"empezo|empece|cada vez (?:mas|peor)"
    ),
    "referback": (
        r"(?:yo |ella )?(?:lo|la|eso) (?:tengo|tiene|siento|siente)|(?:me|le) (?:esta )?pasando|tengo eso|"
        r"eso (?:me|le) (?:pasa|esta pasando)"
    ),
    "indication": (
        r"(?:me|le|te) (?:ayudaria|ayuda|serviria|sirve)|(?:sirve|funciona|ayuda) (?:el botox )?para|"
        r"(?:el )?botox (?:sirve|ayuda)|(?:tratar|tratamiento|tratamientos) (?:para|de|la|el)|"
        r"(?:aprobado|indicado|recomendado) para|candidat[oa]s?(?: para| a)?"
    ),
    "chronic": (
        r"(?:por|desde|despues de|despues del|desde el|debido a|a causa de|con|por el) (?:la |el |mi |su |una |un )?"
        r"(?:embolia|derrame|"
        r"infarto cerebral|esclerosis|paralisis cerebral|parkinson|accidente|lesion|nacimiento|estrabismo|distonia|"
        r"espasticidad|cirugia|gripa|gripe|resfriado|covid|alergias?|asma|laringitis)|de nacimiento|"
        r"desde (?:hace )?(?:anos|siempre|nin[oa])|toda (?:mi|la) vida|cronic[oa]|siempre (?:he tenido|ha tenido)|"
        r"ya (?:tiene|tengo|tenia)|a veces|de vez en cuando|(?:tengo|tiene|padezco|padece|sufro de|sufre de) "
        r"(?:\w+ )?(?:asma|epoc|esclerosis|parkinson|miastenia|vejiga hiperactiva|paralisis cerebral|distonia|"
        r"espasticidad|migranas|alergias)"
    ),
    "other": (
        r"(?:mi|su|nuestra|nuestro) (?:mama|madre|mami|papa|padre|papi|esposo|esposa|marido|mujer|hijo|hija|nino|"
        r"nina|bebe|nene|nena|hijito|hijita|amiga|amigo|hermana|hermano|abuela|abuelo|abuelita|abuelito|tia|tio|"
        r"prima|primo|novio|novia|suegra|suegro|pareja|vecina|vecino|companera|companero|cunada|cunado|sobrina|"
        r"sobrino|familiar)|ella (?:no puede|tiene|dice|esta|siente)|no puede|le cuesta|se le"
    ),
    "staff": (
        r"(?:el|la|una|un|mi|nuestra|nuestro) (?:paciente|clienta|cliente|px)|(?:la|el) paciente (?:llamo|dice|reporta|"
        r"refiere)|refiere|llamo (?:la|el) paciente|px|(?:la )?senora \w+ (?:llamo|dice|escribio)|clienta|cliente"
    ),
    "child": (
        r"bebe|bebito|bebita|nino|nina|nene|nena|hijito|hijita|chiquito|chiquita|hijo|hija|chamaquito|chamaco|"
        r"chamaca|\d+ (?:anos|meses)"
    ),
    "injection": (
        r"(?:me|le|nos) (?:puse|puso|pusieron|pusimos|inyectaron|aplicaron|hicieron) (?:el |la |mi |su |unas? )?"
        r"(?:botox|toxina|inyecci\w*|aplicaci\w*|tratamiento|piquetes?|dysport|xeomin)|"
        r"(?:despues|desde|luego) (?:de|del|que me) (?:mi |el |la |pusieron |puse )?(?:el )?(?:botox|inyeccion\w*|"
        r"aplicacion|tratamiento|piquetes?)"
    ),
    "follow_up": (
        r"(?:llamo|llamamos|voy|vamos|espero|esperamos|esperar)|que (?:hago|hacemos|debo hacer)|urgencias|hospital|"
        r"es (?:grave|normal|peligroso|una emergencia)|me (?:espero|aguanto)|ayuda"
    ),
    "confirm": r"si|ahorita|ahora|ahora mismo|me esta pasando|le esta pasando|asi es|correcto|claro",
}

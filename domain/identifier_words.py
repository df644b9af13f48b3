"""The words of safeguarding practice that the name, address and school detectors must not take
for a person or a place. Many are also somebody's name in a names list ("Police", "Court",
"Care" and "Child" are all US census surnames; "The" is a given name), so the lists alone cannot
tell them apart: these words are never a name in this product's text.
"""

from __future__ import annotations


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_FUNCTION_WORDS = """
a about above across after again against all also although always an and another any are as at
be because been before being below between both but by can could despite did do does during
each either every following for from further had has have having he her here hers herself him
himself his how however i if in initially into is it its itself last later let many may me
might more most much must my neither next no nor not now of off on once one only or other our
ours out over overall own please previously recently same several she should since so some
still subsequently such than thank thanks that the their theirs them then there therefore
these they this those though through throughout thus to today tomorrow too under unless until
up upon us very was we were what whatever when where whether which while who whom whose why
will with within without would yes yesterday yet you your yours dear hi hello regards kind best
new first second third fourth fifth final same both twice
"""

_MONTHS = """
january february march april may june july august september october november december
"""
_SEASONS = """
spring summer autumn winter
"""
_CALENDAR = (
    _MONTHS
    + _SEASONS
    + """
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat
sun jan feb mar apr jun jul aug sep sept oct nov dec christmas easter
half term holiday holidays bank weekend morning afternoon evening night week month year
"""
)

# People by role or relationship; pseudonym heads ("Child K", "Adult A", "Sibling 2").
_ROLES = """
child children childrens young person people adult adults baby infant toddler teenager youth
parent parents carer carers mother father mum mam mom dad stepmother stepfather stepmum stepdad
step brother sister sibling siblings half grandmother grandfather grandparent grandparents gran
grandma grandad granddad nan nana nanny grandpa aunt auntie uncle cousin partner boyfriend
girlfriend husband wife ex son daughter family families household relative relatives friend
neighbour foster kinship guardian special professional professionals practitioner practitioners
worker workers manager managers officer officers director deputy assistant chair vice chief
head lead leads senior junior principal acting interim designated named member members panel
team teams nurse nurses midwife midwives visitor visitors doctor doctors consultant
paediatrician paediatric paediatrics gp gps teacher teachers headteacher senco pupil pupils
student students class reception form tutor governor governors clinician therapist
psychologist psychiatrist counsellor advocate independent reviewing conference iro lado dsl
dsp author reviewer reviewers owner owners admin administrator user users colleague
colleagues staff mr mrs ms miss mx dr prof
"""

_SERVICES = """
police constabulary force court courts crown county magistrates magistrate judge justice
hospital hospitals trust trusts nhs council councils authority authorities service services
partnership partnerships board boards safeguarding practice learning review reviews rapid
serious incident notification meeting meetings strategy discussion plan plans protection need
needs early help support education educational health healthcare social care work
housing probation ambulance fire rescue mental emotional wellbeing substance misuse drug
drugs alcohol domestic abuse violence neglect exploitation criminal sexual physical harm risk
section act acts order orders assessment assessments referral referrals enquiry enquiries
chronology outcome outcomes action actions agency agencies line sight local national regional
integrated front door hub centre center unit ward department emergency accident general
surgery medical clinic community public midwifery school schools academy academies nursery
nurseries college colleges university primary secondary infant infants virtual alternative
provision sixth further higher inclusion attendance exclusion exclusions youth offending
justice multi multiagency inter interagency voluntary sector charity charities office home
homes residential secure custody prison prisons accommodation refuge shelter camhs mash marac
mappa cafcass ofsted cqc hmic hmicfrs dfe dhsc ico lscp scp sce cin cp lac cla ehcp ehc sen
send looked after leaving leavers unaccompanied asylum immigration interpreter translation
contact supervised supervision visit visits lead management governance information sharing
agreement consent record records recording system systems case cases file files note notes
minutes agenda report reports letter letters email emails phone call calls text texts message
messages document documents evidence reason reasons impact comment comments return returns
progress update updates status date dates due complete completed blocked open opened closed
sign signed teams microsoft word excel mosaic liquidlogic systmone emis rio eclipse pack
threshold thresholds guidance procedure procedures policy policies standard standards
working together framework toolkit training briefing briefings audit audits quality assurance
improvement recommendation recommendations finding findings theme themes learning lessons
bulletin newsletter guide guides poster posters leaflet leaflets workshop workshops
"""

# The last word of a street name, and of a school's or a surgery's.
STREET_SUFFIXES = _word_set(
    """
    road street avenue lane close drive way crescent court gardens place terrace grove walk hill
    square mews rise view row park green parade vale fields meadows chase boulevard croft wynd
    garth approach gate gardens
    """
)
INSTITUTION_SUFFIXES = _word_set(
    """
    school academy primary college nursery surgery preschool pre-school
    """
)

NOT_NAMES: frozenset[str] = (
    frozenset((_FUNCTION_WORDS + _CALENDAR + _ROLES + _SERVICES).split())
    | STREET_SUFFIXES
    | INSTITUTION_SUFFIXES
)

# Words that say "the person named next is related to the child": "mum Kelly", "sibling Jay".
RELATIONS = _word_set(
    """
    mum mam mom mother dad father stepmum stepmother stepdad stepfather step-mum step-dad
    step-mother step-father brother sister sibling
    half-brother half-sister grandmother grandfather gran grandma grandad granddad nan nana nanny
    grandpa aunt auntie uncle cousin partner boyfriend girlfriend husband wife ex-partner son
    daughter child baby carer neighbour friend
    """
)

# Forms of address that come before a surname.
HONORIFICS = frozenset(["Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Prof", "Sir", "Dame", "Lady"])

# Words that never name a street on their own ("Family" in "3 Family Court hearings"); street
# names are often made of other suffixes and of institutions ("Park Avenue", "School Lane").
NOT_STREET_NAMES = NOT_NAMES - STREET_SUFFIXES - INSTITUTION_SUFFIXES - {"church", "station"}

# Words that may stand before a school's or surgery's last word without naming one: "the
# Virtual School", "a Primary School", "Medical Centre". Street words do name one ("Church View
# Surgery", "Park Lane Academy").
GENERIC_PLACE_WORDS = (NOT_NAMES - STREET_SUFFIXES) | _word_set(
    """
    catholic methodist church england of ce rc c e free state boarding day grammar high junior
    middle upper lower infant special sunday forest faith village day-care
    """
)

# Capitalised words that may stand beside a lone first name without making one name with it:
# "When Maisie", "On Monday Maisie", "Mum Maisie". Any other capitalised neighbour does
# ("Victoria Park", "Munro Review", "St John Ambulance").
NAME_COMPANIONS = _word_set(_FUNCTION_WORDS + _CALENDAR + _ROLES)

# Adverbs besides the "-ly" ones that open a practitioner's sentence: capitalised there only by
# their place, they make no run with a name after them ("Meanwhile Maisie was at school").
SENTENCE_ADVERBS = _word_set(
    """
    meanwhile instead afterwards afterward nevertheless nonetheless otherwise anyway hence
    elsewhere overnight sometimes besides altogether
    """
)

# Words for who a family or a person is, not what they are called, that the name lists also
# hold ("Irish", "Catholic", "Roma", "Christian"): "the Irish family" names no one, "the
# Brennan family" does.
FAMILY_DESCRIPTIONS = _word_set(
    """
    irish english welsh scottish british muslim catholic christian jewish roma gypsy traveller
    travelling polish asian african caribbean european
    """
)

# Seasons that are also given names ("Summer", "Autumn"): set off after a pseudonym ("Sibling 1,
# Summer,", "Child K (Summer)") one is a child's name. A month or a day set off the same way is a
# date in a chronology ("Child K (March)", "Child K, Monday,"), so only seasons count there.
SEASONS = _word_set(_SEASONS)
# Months and seasons, which are given names too ("May", "June", "Summer"): one is a person only
# when it speaks ("May told her teacher"; not "June reported the most contacts").
NAMED_TIMES = _word_set(_MONTHS + _SEASONS)
# Words before a month or a season that make it a time, not a person: "by June said the lead"
# (a comma left out).
TIME_WORDS = _word_set(
    """
    in on at by of from since until till during before after early late mid last next this
    every each through throughout over around between
    """
)

# Verbs of saying: a capitalised given name just before one is the person speaking ("Grace told
# the teacher", "May said").
SPEECH_VERBS = _word_set(
    """
    told tells said says disclosed discloses explained explains admitted admits denied denies
    asked asks claimed claims complained complains confided whispered shouted screamed cried
    wrote writes mentioned insisted replied answered
    """
)
# Verbs of reporting besides: "Hope reported that nobody collected her". A month or a season
# before one may be the time of a figure ("June reported the most contacts"), so these count
# only after a name that is no month or season.
REPORTING_VERBS = SPEECH_VERBS | _word_set(
    """
    reported reports stated states described describes alleged alleges
    """
)

# Verbs of talking or meeting: "to" or "by" after one brings in a person, not a place ("spoke to
# Sarah Green", "was visited by Tom Hill"; but "went to Holly Park"). An adverb may come between
# ("spoke briefly to").
ADDRESSING_VERBS = _word_set(
    """
    speak speaks speaking spoke spoken talk talks talking talked chat chats chatting chatted
    say says said explain explains explaining explained write writes writing wrote written
    reply replies replied disclose discloses disclosing disclosed report reports reporting
    reported complain complains complaining complained listen listens listening listened
    introduce introduces introducing introduced apologise apologised apologize apologized
    seen visited met interviewed contacted called phoned rung assessed supported examined
    collected accompanied questioned asked told greeted
    """
)

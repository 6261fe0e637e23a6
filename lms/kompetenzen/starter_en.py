"""The starter framework in English, keyed by code: shown to English readers for every text an
admin has not changed since it was seeded (see `Competence.label`). A renamed competence shows its
own German text, which no one has translated."""

LEVELS = {
    1: ("Foundations", "Knows the central concepts and the relevant rules. Can explain them and recognises when "
                       "they apply. Acts under guidance."),
    2: ("Applying", "Uses methods and instruments independently in standard situations. Seeks support in "
                    "difficult cases."),
    3: ("Shaping independently", "Handles complex, conflict-laden or new situations independently. Adapts methods "
                                 "to local conditions and reflects on their own practice."),
    4: ("Developing & passing on", "Develops standards, instruments and structures further. Trains, advises or "
                                   "guides others. Represents the subject at strategic and political level."),
}

AREAS = {
    "A": "Network building and strategy",
    "B": "Network moderation and process management",
    "C": "Transparency, information and documentation",
    "D": "Interdisciplinary cooperation and commitment",
    "E": "Legal foundations and protection mandate",
    "F": "Awareness and prevention",
    "G": "Qualification management",
    "H": "Quality development and sustainability",
    "I": "Role, attitude and self-reflection",
}

COMPETENCES = {
    "A1": ("Inventory and needs analysis", (
        "knows methods of inventory and needs analysis",
        "records actors and services using a template",
        "carries out a participatory analysis and derives priorities from it",
        "designs the analysis procedure for the youth office district and updates it regularly")),
    "A2": ("Developing goals and concepts", (
        "knows the components of a concept",
        "drafts goals for a project group",
        "works out the network concept with the steering group",
        "aligns the concept with youth welfare planning and the political bodies")),
    "A3": ("Shaping the structure of bodies", (
        "knows the purpose of each body",
        "chairs an existing body",
        "sets up bodies with a remit and rules of procedure",
        "adapts the structure of bodies to the development of the network")),
    "A4": ("Connecting levels of responsibility", (
        "knows the levels of responsibility and who is represented where",
        "prepares reports for the administration",
        "obtains mandates and resources from the management level",
        "secures political backing and represents the network strategically")),
    "A5": ("Multi-level networking", (
        "knows the levels of networking (local, district, supra-regional, Land)",
        "maintains contacts at local level",
        "connects local networks with the networks at district level",
        "builds links to Land and supra-regional structures")),
    "B1": ("Structuring cooperation processes", (
        "knows process and phase models",
        "plans agendas and follow-up",
        "steers processes with many participants and changing schedules",
        "guides others in designing processes")),
    "B2": ("Clarifying roles", (
        "knows typical roles and mandates",
        "documents roles with a matrix",
        "clarifies unclear roles right in the meeting",
        "develops role concepts for the whole network")),
    "B3": ("Working constructively with power asymmetries", (
        "recognises asymmetries (public and independent providers, hierarchy, resources)",
        "arranges meetings so that every voice is heard",
        "addresses asymmetries openly and negotiates solutions",
        "anchors structural safeguards such as rotating chairs and equal say")),
    "B4": ("Managing conflicts", (
        "knows types of conflict and stages of escalation",
        "de-escalates conflicts in meetings",
        "mediates in conflicts between institutions",
        "develops conflict resolution procedures for the network")),
    "B5": ("Enabling shared experiences and successes", (
        "knows the importance of visible results",
        "acknowledges small successes and makes them known",
        "designs joint projects with visible results",
        "establishes a culture of shared success across the network")),
    "C1": ("Creating transparency", (
        "knows what information the network partners need",
        "publishes minutes and decisions promptly",
        "runs a transparent information system for the network",
        "sets transparency standards for the network")),
    "C2": ("Documentation", (
        "knows documentation standards",
        "writes minutes of results",
        "documents processes consistently and comprehensibly",
        "develops templates that others use too")),
    "C3": ("Information management", (
        "knows the sources of information",
        "keeps the directory up to date",
        "maintains a structured database of services",
        "links the directory with the systems of partner institutions")),
    "C4": ("Public relations", (
        "knows the communication channels",
        "produces simple materials",
        "runs campaigns together with network partners",
        "sets the network's communication strategy")),
    "D1": ("Understanding professional logics", (
        "knows the central systems (child and youth welfare, health care, school, police, justice)",
        "explains their respective mandates to others",
        "translates between the systems in negotiations",
        "trains others in understanding across systems")),
    "D2": ("Negotiating cooperation agreements", (
        "knows the components of a cooperation agreement",
        "adapts a model agreement",
        "negotiates agreements with several institutions",
        "reviews the agreements across the network and develops them further")),
    "D3": ("Establishing case-independent forms of cooperation", (
        "knows the forms of case-independent cooperation",
        "implements one of these forms",
        "establishes several forms and secures their commitment",
        "assesses the whole set of forms of cooperation and redesigns it")),
    "D4": ("Coordinating case-related cooperation", (
        "knows the procedures and the data protection rules",
        "organises a case or helpers' conference",
        "agrees procedures between the sectors",
        "works out the network's procedural guideline")),
    "E1": ("Knowing and conveying the protection mandate", (
        "knows the legal provisions",
        "explains them to the network partners",
        "advises network partners on their respective duties",
        "teaches in legal modules; puts changes in the law (e.g. through the KJSG) into context for the network")),
    "E2": ("Data protection and confidentiality in cooperation", (
        "knows pseudonymisation and the basics of § 203 StGB",
        "applies the rules in their own work",
        "advises network partners on lawful sharing of information",
        "works out the network's data protection guide")),
    "E3": ("Procedures in case of a risk to a child's welfare", (
        "knows the procedural steps",
        "accompanies network partners through the procedure",
        "aligns procedures across sectors",
        "develops local procedural standards")),
    "E4": ("Land law and municipal requirements", (
        "knows that Land and municipal requirements exist",
        "applies them to network tasks",
        "uses them to secure mandates",
        "contributes to recommendations and guides at Land level")),
    "F1": ("Conveying indications and forms of risk", (
        "knows the forms of risk",
        "raises network partners' awareness with materials",
        "adapts awareness-raising to the respective sector",
        "develops sector-specific materials")),
    "F2": ("Early help and early preventive access", (
        "knows the services of early help (Frühe Hilfen)",
        "refers network partners to these services",
        "connects the child protection and early help networks",
        "shapes the prevention chain in the youth office district")),
    "F3": ("Knowledge transfer", (
        "follows the relevant sources",
        "passes on compact summaries",
        "prepares targeted professional information",
        "is responsible for a knowledge transfer programme for the network")),
    "F4": ("Children's rights and participation", (
        "knows the rights of participation",
        "includes children's perspectives in materials",
        "builds participation structures",
        "anchors participation in the network's standards")),
    "G1": ("Assessing qualification needs", (
        "knows how needs are assessed",
        "carries out a needs assessment",
        "derives an annual training plan from it",
        "links needs with competence profiles across the network")),
    "G2": ("Planning training and professional events", (
        "knows event formats",
        "organises a workshop",
        "carries out an annual programme with trainers",
        "designs modular curricula")),
    "G3": ("Providing practical aids", (
        "knows the materials available",
        "makes them available to the right target groups",
        "adapts instruments to local needs",
        "develops new instruments")),
    "H1": ("Developing quality standards", (
        "knows quality criteria",
        "applies a quality checklist",
        "leads a quality dialogue in the steering group",
        "works out quality standards for the youth office district")),
    "H2": ("Evaluation", (
        "knows the basics of evaluation",
        "collects simple indicators",
        "carries out a self-evaluation cycle",
        "commissions or designs evaluations")),
    "H3": ("Sustaining the work", (
        "knows the risks to the continuity of network work",
        "documents information for handovers",
        "secures lasting structures",
        "anchors the network in regular budgets and permanent mandates")),
    "I1": ("Role clarity", (
        "knows their own mandate",
        "makes their own role clear to network partners",
        "keeps to their own role also under pressure",
        "supports other coordinators in clarifying their roles")),
    "I2": ("Impartiality towards all sides", (
        "knows the concept of impartiality towards all sides (Allparteilichkeit)",
        "acts impartially in regular meetings",
        "stays impartial also in conflicts involving their own authority (youth office)",
        "models impartiality for others")),
    "I3": ("Reflection and self-care", (
        "knows formats of reflection",
        "uses peer consultation",
        "makes targeted use of supervision",
        "leads reflection groups")),
}

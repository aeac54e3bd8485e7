"""The sections of the platform, each behind one permission: the menu and home pages read this."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    permission: str
    url_name: str
    label: str
    description: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "households.view",
        "households:list",
        "Ménages",
        "La liste nominative : chercher, filtrer, exporter les ménages que vous suivez.",
    ),
    Section(
        "households.caseload",
        "households:caseload",
        "Ma file active",
        "Les ménages dont vous êtes référent·e, et ce qui demande votre attention.",
    ),
    Section(
        "referrals.decide",
        "households:referrals",
        "Saisines",
        "Les saisines reçues à étudier et les décisions d'orientation.",
    ),
    Section(
        "referrals.create",
        "households:referral_create",
        "Nouvelle saisine",
        "Adresser un ménage à la plateforme Logement d'abord (fiche saisine).",
    ),
    Section(
        "commissions.view",
        "commissions:list",
        "Commissions",
        "Commission des parcours complexes : ordres du jour, engagements des partenaires.",
    ),
    Section(
        "commitments.update",
        "commissions:my_commitments",
        "Engagements",
        "Les engagements pris par votre organisation en commission, à suivre jusqu'à leur réalisation.",
    ),
    Section(
        "measures.operate",
        "measures:caseload",
        "Mesures suivies",
        "Les mesures d'accompagnement de votre organisation : contrats, bilans, renouvellements, fins.",
    ),
    Section(
        "measures.view",
        "measures:list",
        "Mesures d'accompagnement",
        "Toutes les mesures que vous pouvez voir, avec leurs échéances.",
    ),
    Section(
        "measures.activate",
        "measures:to_activate",
        "Contrats à activer",
        "Les contrats signés transmis par les opérateurs, en attente d'activation.",
    ),
    Section(
        "measures.alerts",
        "alerts:list",
        "Alertes",
        "Bilans à faire ou en retard, fins proches, ruptures et renouvellements à accorder.",
    ),
    Section(
        "measures.staff",
        "team:list",
        "Équipe",
        "L'équipe pluridisciplinaire des opérateurs, par profession.",
    ),
    Section(
        "measures.statements",
        "measure_reports:statement",
        "Relevés mensuels",
        "Le comptage des mesures mois par mois, à transmettre à la coordination.",
    ),
    Section(
        "measures.funding",
        "measure_reports:funding",
        "Financement des mesures",
        "Montants dus (mois-ménages × coût), avances, soldes et plafond des charges indirectes.",
    ),
    Section(
        "measures.reports",
        "measure_reports:annual",
        "Rapport d'activité",
        "Le rapport annuel de l'opérateur avec les indicateurs d'évaluation, en tableur et en PDF.",
    ),
    Section(
        "housing.matching.run",
        "housing:runs",
        "Rapprochement",
        "Lancer le rapprochement de l'offre et de la demande, revoir les candidatures et leurs explications.",
    ),
    Section(
        "housing.landlord.home",
        "housing_supply:mine",
        "Mes logements et candidatures",
        "Vos logements par état et les candidatures transmises en attente de la commission.",
    ),
    Section(
        "housing.units.view",
        "housing_supply:units",
        "Logements",
        "L'offre de logements : disponibles, proposés, attribués, et leur historique.",
    ),
    Section(
        "housing.units.view",
        "housing_supply:residences",
        "Résidences",
        "Pensions de famille, résidences accueil, résidences sociales, FJT et la part des logements libérés confiée au SIAO.",
    ),
    Section(
        "housing.contingents.view",
        "housing_supply:contingents",
        "Contingents",
        "Les contingents de réservation, leurs désignations de l'année et leurs issues.",
    ),
    Section(
        "housing.capture.view",
        "housing_capture:prospects",
        "Captation",
        "Propriétaires contactés, visites, accords et refus, primes versées.",
    ),
    Section(
        "housing.capture.view",
        "housing_capture:targets",
        "Objectifs de captation",
        "Avancement par mode, logements captés par année et coût des primes.",
    ),
    Section(
        "housing.rules.view",
        "housing_settings:grid",
        "Cotation et règles",
        "La grille de cotation, les règles de rapprochement et les motifs de refus du territoire, versionnés.",
    ),
    Section(
        "households.figures",
        "figures:table",
        "Chiffres",
        "Entrées, relogements, délais et retours, calculés à partir des événements enregistrés.",
    ),
    Section(
        "households.import",
        "imports:upload",
        "Import",
        "Importer des ménages depuis un tableur (export SIAO), avec une vérification ligne à ligne.",
    ),
    Section(
        "households.merge",
        "merges:pairs",
        "Doublons",
        "Les doublons possibles, leur fusion et son annulation.",
    ),
    Section(
        "directory.view",
        "directory",
        "Annuaire des partenaires",
        "Les organisations du territoire et leurs coordonnées.",
    ),
    Section(
        "admin.organisations.manage",
        "administration:organisations",
        "Organisations",
        "Créer et modifier les organisations partenaires.",
    ),
    Section(
        "admin.users.manage",
        "administration:users",
        "Comptes",
        "Créer des comptes, attribuer des rôles, désactiver un compte.",
    ),
    Section(
        "admin.tokens.manage",
        "administration:tokens",
        "Accès API",
        "Délivrer et révoquer les jetons d'API des organisations.",
    ),
    Section(
        "measures.types.manage",
        "measure_types:list",
        "Types de mesures",
        "Les mesures d'accompagnement du territoire et leurs règles, versionnées.",
    ),
    Section(
        "admin.territory.manage", "administration:territory", "Territoire", "Nom, département et EPCI du territoire."
    ),
    Section("audit.view", "audit:log", "Journal des accès", "Qui a consulté, modifié ou exporté quoi, et quand."),
    Section(
        "retention.view",
        "retention:due",
        "Conservation des données",
        "Dossiers sans contact depuis bientôt deux ans, anonymisations à venir et gels juridiques.",
    ),
)

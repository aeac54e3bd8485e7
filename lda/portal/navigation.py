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
        "admin.territory.manage", "administration:territory", "Territoire", "Nom, département et EPCI du territoire."
    ),
    Section("audit.view", "audit:log", "Journal des accès", "Qui a consulté, modifié ou exporté quoi, et quand."),
)

"""The partners' API (OpenAPI 3, documented at /api/docs). Every operation names its permission."""

from functools import wraps

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as RuleBroken
from django.http import Http404, JsonResponse
from django.urls import URLPattern
from ninja import Field, NinjaAPI, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.pagination import LimitOffsetPagination, paginate

from lda.access.policy import get_or_404, scope
from lda.accounts.models import Organisation, Territory
from lda.accounts.roles import Role
from lda.api import households, housing, measures
from lda.api.auth import OrganisationToken, api_permission
from lda.api.households import MAX_OFFSET, MAX_PAGE
from lda.households.pathway import TransitionRefused
from lda.households.services import StaleVersion
from lda.measures.lifecycle import TransitionRefused as MeasureTransitionRefused
from lda.measures.rules import RuleRefused
from lda.measures.services import StaleMeasure

# Every operation may answer these, whatever it does: the schema says so on each (issue 18: a client
# generated from the schema must know every status it can get).
COMMON_STATUSES = {
    400: ("Le corps de la requête n'est pas un JSON valide.", "ErrorOut"),
    401: ("Jeton d'API absent, invalide ou révoqué.", "ErrorOut"),
    403: ("Ce jeton n'a pas le droit d'effectuer cette opération.", "ErrorOut"),
    404: ("Introuvable (ou hors de la portée du jeton).", "ErrorOut"),
    405: ("Méthode non permise sur cette adresse (l'en-tête Allow donne celles qui le sont).", "ErrorOut"),
    409: ("L'état de l'objet refuse l'opération, ou il a été modifié entre-temps.", "ErrorOut"),
    422: ("Données invalides : chaque erreur nomme son champ.", "InvalidOut"),
}


def _french_not_allowed(view):
    """django-ninja answers a method no operation takes with English text/html: French JSON instead."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            french = JsonResponse(
                {"detail": f"Méthode non permise : cette adresse accepte {allowed or 'aucune méthode'}."}, status=405
            )
            french["Allow"] = allowed
            return french
        return response

    return wrapper


class LdaApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, (description, component) in COMMON_STATUSES.items():
                    if status not in responses and str(status) not in responses:
                        responses[status] = {
                            "description": description,
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                        }
        return schema

    def _get_urls(self):
        patterns = super()._get_urls()
        for pattern in patterns:
            if isinstance(pattern, URLPattern):
                pattern.callback = _french_not_allowed(pattern.callback)
        return patterns


api = LdaApi(
    title="API LDA",
    version="1",
    description=(
        "API du système d'information Logement d'abord. Authentification : en-tête "
        "`Authorization: Bearer <jeton>`, jeton délivré par l'administration du territoire à une "
        "organisation et pour un rôle. Chaque réponse ne contient que ce que ce rôle peut voir."
    ),
    urls_namespace="api",
    auth=OrganisationToken(),
    docs_url="/docs",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(request, {"detail": "Jeton d'API absent, invalide ou révoqué."}, status=401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": "Introuvable."}, status=404)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    detail = str(exc)
    if detail.startswith("Cannot parse request body"):  # django-ninja's own words for a body that is not JSON
        detail = "Le corps de la requête n'est pas un JSON valide."
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


_FRENCH = {
    "missing": "Ce champ est obligatoire.",
    "int_parsing": "Un nombre entier est attendu.",
    "string_too_long": "Le texte est trop long.",
    "string_too_short": "Le texte est trop court.",
    "date_from_datetime_parsing": "Une date au format AAAA-MM-JJ est attendue.",
    "date_parsing": "Une date au format AAAA-MM-JJ est attendue.",
    "enum": "Valeur inconnue.",
    "literal_error": "Valeur inconnue.",
    "json_invalid": "Le corps de la requête n'est pas un JSON valide.",
    "greater_than_equal": "La valeur est trop petite.",
    "greater_than": "La valeur est trop petite.",
    "less_than_equal": "La valeur est trop grande.",
    "less_than": "La valeur est trop grande.",
}


def _french(error) -> str:
    """The French message of one pydantic error, naming the bound when there is one."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind in ("less_than_equal", "greater_than_equal") and set(ctx) & {"le", "ge"}:
        bound = ctx.get("le", ctx.get("ge"))
        return (
            f"La valeur doit être au plus {bound}."
            if kind == "less_than_equal"
            else f"La valeur doit être au moins {bound}."
        )
    return _FRENCH.get(kind, "Valeur invalide.")


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    errors = [
        {
            "champ": ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "payload")),
            "message": _french(error),
        }
        for error in exc.errors
    ]
    return api.create_response(request, {"detail": "Données invalides.", "erreurs": errors}, status=422)


@api.exception_handler(RuleBroken)
def _rule_broken(request, exc):
    """A rule of a service refused the data (French message per field): nothing was saved."""
    if hasattr(exc, "error_dict"):
        pairs = [(field, message) for field, messages in exc.message_dict.items() for message in messages]
    else:
        pairs = [("", message) for message in exc.messages]
    errors = [{"champ": "" if field == NON_FIELD_ERRORS else field, "message": message} for field, message in pairs]
    return api.create_response(request, {"detail": "Données invalides.", "erreurs": errors}, status=422)


@api.exception_handler(TransitionRefused)
def _transition_refused(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


@api.exception_handler(StaleVersion)
def _stale(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


# Measures: a transition the state refuses, a save made after someone else's, a request the type's
# rules forbid (a renewal past the cap, an approval the type does not ask for) — the data are well
# formed but the measure's state refuses them: 409 with the French message, nothing saved.
@api.exception_handler(MeasureTransitionRefused)
@api.exception_handler(StaleMeasure)
@api.exception_handler(RuleRefused)
def _measure_refused(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=409)


class BoundedPagination(LimitOffsetPagination):
    """django-ninja's limit/offset pages with a bounded offset (a huge one would overflow the database)."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_PAGE)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)


class MeOut(Schema):
    organisation_id: int
    organisation: str
    role: str
    role_libelle: str
    territoire_id: int


class TerritoryOut(Schema):
    id: int
    name: str
    departement_code: str
    epci_codes: list[str]


class OrganisationOut(Schema):
    id: int
    territory_id: int
    name: str
    kind: str
    siret: str
    email: str
    phone: str


v1 = Router(tags=["Socle"])


@v1.get("/moi", response=MeOut, summary="Le jeton utilisé : organisation, rôle, territoire")
@api_permission("api.me")
def me(request):
    token = request.api_token
    return MeOut(
        organisation_id=token.organisation_id,
        organisation=token.organisation.name,
        role=token.role,
        role_libelle=Role(token.role).label,
        territoire_id=token.organisation.territory_id,
    )


@v1.get("/territoires", response=list[TerritoryOut], summary="Les territoires du jeton")
@api_permission("directory.view")
def territories(request):
    return list(scope(request.actor, Territory.objects.all()))


@v1.get("/organisations", response=list[OrganisationOut], summary="Annuaire des organisations du territoire")
@api_permission("directory.view")
@paginate(BoundedPagination)
def organisations(request):
    return scope(request.actor, Organisation.objects.filter(is_active=True)).order_by("pk")


@v1.get("/organisations/{organisation_id}", response=OrganisationOut, summary="Une organisation")
@api_permission("directory.view")
def organisation(request, organisation_id: int):
    return get_or_404(request.actor, Organisation.objects.all(), pk=organisation_id)


api.add_router("/v1", v1)
api.add_router("/v1", households.router)
api.add_router("/v1", measures.router)
api.add_router("/v1", housing.router)

"""``/v1.0/domains``: add, list, get, delete, the verification DNS records, and verify.

``POST /domains/{id}/verify`` succeeds only once the TXT record counts as published, which the
control API's ``POST /_sandbox/domains/verify`` stands in for (``control.mark_domain_verified``).
"""

from __future__ import annotations

from sandbox.http import Request, Response
from sandbox.microsoft import directory, errors, odata
from sandbox.microsoft.control import DOMAIN_NAME, domain_document
from sandbox.microsoft.graph import DOMAINS_READ, DOMAINS_WRITE, Routes, body, check_properties
from sandbox.store import Conflict

routes = Routes()
TYPE = "microsoft.graph.domain"
PUBLIC = [
    "authenticationType", "availabilityStatus", "id", "isAdminManaged", "isDefault", "isInitial", "isRoot",
    "isVerified", "passwordNotificationWindowInDays", "passwordValidityPeriodInDays", "supportedServices",
    "state",
]  # fmt: skip
DNS_TTL = 3600


def public_domain(document: dict) -> dict:
    return {key: document.get(key) for key in PUBLIC}


def shape(request: Request, document: dict, props: list[str] | None = None) -> dict:
    return {
        "@odata.context": odata.context(request, "domains", props, entity=True),
        **odata.project(document, props or PUBLIC),
    }


def load(sandbox, caller, name: str) -> dict:
    document = directory.domain(sandbox, caller.tenant_id, name)
    if document is None:
        raise errors.not_found(name)
    return document


@routes("POST", r"/domains", "graph.domains.create", permissions=DOMAINS_WRITE)
def create(sandbox, request: Request, caller) -> Response:
    data = body(request)
    check_properties(data, ["id", "authenticationType"], TYPE)
    name = data.get("id")
    if not isinstance(name, str) or not name:
        raise errors.required("id")
    if not DOMAIN_NAME.match(name.lower()):
        raise errors.invalid_value("id", "Domain")
    document = domain_document(caller.tenant_id, name, initial=False)
    for parent in directory.domains(sandbox, caller.tenant_id):
        # A subdomain of a verified root (other than the onmicrosoft.com one) is verified with it.
        if parent["isVerified"] and not parent["isInitial"] and document["id"].endswith("." + parent["id"]):
            document.update(isVerified=True, isRoot=False, dnsRecordPublished=True)
            document["supportedServices"] = ["Email", "OfficeCommunicationsOnline"]
    try:
        sandbox.store.insert(directory.DOMAIN, caller.tenant_id, document["id"], document)
    except Conflict:
        raise errors.object_conflict("id") from None
    return errors.graph_json(201, shape(request, document))


@routes("GET", r"/domains", "graph.domains.list", permissions=DOMAINS_READ)
def list_domains(sandbox, request: Request, caller) -> Response:
    answer = odata.collection(
        request,
        directory.domains(sandbox, caller.tenant_id),
        context_path="domains",
        filterable=PUBLIC,
        selectable=PUBLIC,
        default_props=PUBLIC,
        type_name=TYPE,
    )
    return errors.graph_json(200, answer)


@routes("GET", r"/domains/(?P<name>[^/]+)", "graph.domains.get", permissions=DOMAINS_READ)
def get_domain(sandbox, request: Request, caller, name: str) -> Response:
    props = odata.select(request, PUBLIC, TYPE)
    return errors.graph_json(200, shape(request, load(sandbox, caller, name), props))


@routes("DELETE", r"/domains/(?P<name>[^/]+)", "graph.domains.delete", permissions=DOMAINS_WRITE)
def delete_domain(sandbox, request: Request, caller, name: str) -> Response:
    with sandbox.store.lock:
        document = load(sandbox, caller, name)
        if document["isInitial"] or document["isDefault"]:
            raise errors.bad_request("The initial or default domain of a tenant can't be deleted.")
        suffix = "@" + document["id"]
        if any(
            u["userPrincipalName"].lower().endswith(suffix)
            for u in sandbox.store.list(directory.USER, caller.tenant_id, include_invisible=True)
        ):
            raise errors.bad_request(
                "Domain has references to other objects. Remove the references before deleting the domain."
            )
        sandbox.store.delete(directory.DOMAIN, caller.tenant_id, document["id"])
    return Response.empty(204)


def dns_records(document: dict) -> list[dict]:
    label, code = document["id"], document["verificationCode"]
    return [
        {
            "@odata.type": "#microsoft.graph.domainDnsTxtRecord",
            "id": f"aceff52c-06a5-447f-ac5f-256ad243{code[2:6]}",
            "isOptional": False,
            "label": label,
            "recordType": "Txt",
            "supportedService": "None",
            "ttl": DNS_TTL,
            "text": f"MS={code}",
        },
        {
            "@odata.type": "#microsoft.graph.domainDnsMxRecord",
            "id": f"5fbde38c-0865-497f-82b1-126f596b{code[6:10]}",
            "isOptional": False,
            "label": label,
            "recordType": "Mx",
            "supportedService": "None",
            "ttl": DNS_TTL,
            "mailExchange": f"{code}.msv1.invalid",
            "preference": 32767,
        },
    ]


@routes(
    "GET",
    r"/domains/(?P<name>[^/]+)/verificationDnsRecords",
    "graph.domains.verification_records",
    permissions=DOMAINS_READ,
)
def verification_records(sandbox, request: Request, caller, name: str) -> Response:
    document = load(sandbox, caller, name)
    return errors.graph_json(
        200,
        {
            "@odata.context": odata.context(request, f"domains('{document['id']}')/verificationDnsRecords"),
            "value": dns_records(document),
        },
    )


@routes("POST", r"/domains/(?P<name>[^/]+)/verify", "graph.domains.verify", permissions=DOMAINS_WRITE)
def verify(sandbox, request: Request, caller, name: str) -> Response:
    with sandbox.store.lock:
        document = load(sandbox, caller, name)
        if document["isVerified"]:
            raise errors.bad_request("Domain is already verified.")
        if not document["dnsRecordPublished"]:
            record, name = f"MS={document['verificationCode']}", document["id"]
            raise errors.bad_request(
                "Domain verification failed with the following error: Unable to verify the domain. The DNS "
                f"record '{record}' could not be found for domain '{name}'."
            )
        document["isVerified"] = True
        document["supportedServices"] = ["Email", "OfficeCommunicationsOnline"]
        sandbox.store.update(directory.DOMAIN, caller.tenant_id, document["id"], document)
    return errors.graph_json(
        200, {"@odata.context": odata.context(request, "domains", entity=True), **public_domain(document)}
    )

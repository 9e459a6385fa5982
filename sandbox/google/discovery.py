"""The Directory API's discovery document (``admin``, ``directory_v1``), limited to the methods the
sandbox serves, with the real paths, parameters and scopes (see SOURCES.md), and ``rootUrl``
pointing back at whichever address the client used to reach the sandbox."""

from __future__ import annotations

import re

from sandbox.google import auth, errors
from sandbox.http import Request, Response, Router

V1 = "admin/directory/v1/"
S = auth.SCOPE_PREFIX + "admin.directory."


def _scopes(*names: str) -> list[str]:
    return [S + name for name in names]


USER_RW, USER_R = _scopes("user"), _scopes("user", "user.readonly")
GROUP_RW, GROUP_R = _scopes("group"), _scopes("group", "group.readonly")
MEMBER_RW = _scopes("group", "group.member")
MEMBER_R = _scopes("group", "group.member", "group.member.readonly", "group.readonly")
OU_RW, OU_R = _scopes("orgunit"), _scopes("orgunit", "orgunit.readonly")
DOMAIN_RW, DOMAIN_R = _scopes("domain"), _scopes("domain", "domain.readonly")
CUSTOMER_R = _scopes("customer", "customer.readonly")


def _query(kind: str = "string", **extra) -> dict:
    return {"type": kind, "location": "query", **extra}


def _method(verb: str, path: str, scopes: list[str], response=None, request=None, flat=None, **query) -> dict:
    """A method: path parameters from the template (``{+x}`` keeps slashes), then ``query`` ones."""
    names = re.findall(r"{\+?(\w+)}", path)
    params = {}
    for name in names:
        params[name] = {"type": "string", "location": "path", "required": True}
        if "{+" + name + "}" in path:
            params[name]["pattern"] = "^.*$"
    params.update(query)
    method = {
        "httpMethod": verb,
        "path": V1 + path,
        "flatPath": V1 + (flat or path),
        "parameters": params,
        "parameterOrder": names,
        "scopes": scopes,
    }
    if request:
        method["request"] = {"$ref": request}
    if response:
        method["response"] = {"$ref": response}
    return method


DOMAINS = "customer/{customer}/domains"
UNITS = "customer/{customerId}/orgunits"
UNIT, UNIT_FLAT = UNITS + "/{+orgUnitPath}", UNITS + "/{orgunitsId}"
USER, GROUP = "users/{userKey}", "groups/{groupKey}"
MEMBER = GROUP + "/members/{memberKey}"
VIEW = {
    "customFieldMask": _query(),
    "projection": _query(default="basic", enum=["basic", "custom", "full"]),
    "viewType": _query(default="admin_view", enum=["admin_view", "domain_public"]),
}
SORT = {"sortOrder": _query(enum=["ASCENDING", "DESCENDING"]), "pageToken": _query()}
PAGE_200 = {"maxResults": _query("integer", format="int32", minimum="1", default="200")}
METHODS: dict[str, dict[str, dict]] = {
    "customers": {"get": _method("GET", "customers/{customerKey}", CUSTOMER_R, "Customer")},
    "domains": {
        "insert": _method("POST", DOMAINS, DOMAIN_RW, "Domains", "Domains"),
        "list": _method("GET", DOMAINS, DOMAIN_R, "Domains2"),
        "get": _method("GET", DOMAINS + "/{domainName}", DOMAIN_R, "Domains"),
        "delete": _method("DELETE", DOMAINS + "/{domainName}", DOMAIN_RW),
    },
    "orgunits": {
        "insert": _method("POST", UNITS, OU_RW, "OrgUnit", "OrgUnit"),
        "list": _method(
            "GET",
            UNITS,
            OU_R,
            "OrgUnits",
            orgUnitPath=_query(default=""),
            type=_query(enum=["all", "children", "allIncludingParent"]),
        ),
        "get": _method("GET", UNIT, OU_R, "OrgUnit", flat=UNIT_FLAT),
        "patch": _method("PATCH", UNIT, OU_RW, "OrgUnit", "OrgUnit", flat=UNIT_FLAT),
        "update": _method("PUT", UNIT, OU_RW, "OrgUnit", "OrgUnit", flat=UNIT_FLAT),
        "delete": _method("DELETE", UNIT, OU_RW, flat=UNIT_FLAT),
    },
    "users": {
        "insert": _method("POST", "users", USER_RW, "User", "User", resolveConflictAccount=_query("boolean")),
        "get": _method("GET", USER, USER_R, "User", **VIEW),
        "list": _method(
            "GET",
            "users",
            USER_R,
            "Users",
            customer=_query(),
            domain=_query(),
            maxResults=_query("integer", format="int32", minimum="1", maximum="500", default="100"),
            query=_query(),
            orderBy=_query(enum=["email", "familyName", "givenName"]),
            showDeleted=_query(),
            event=_query(enum=["add", "delete", "makeAdmin", "undelete", "update"]),
            **SORT,
            **VIEW,
        ),
        "patch": _method("PATCH", USER, USER_RW, "User", "User"),
        "update": _method("PUT", USER, USER_RW, "User", "User"),
        "delete": _method("DELETE", USER, USER_RW),
    },
    "groups": {
        "insert": _method("POST", "groups", GROUP_RW, "Group", "Group"),
        "get": _method("GET", GROUP, GROUP_R, "Group"),
        "list": _method(
            "GET",
            "groups",
            GROUP_R,
            "Groups",
            customer=_query(),
            domain=_query(),
            userKey=_query(),
            query=_query(),
            orderBy=_query(enum=["email"]),
            **SORT,
            **PAGE_200,
        ),
        "patch": _method("PATCH", GROUP, GROUP_RW, "Group", "Group"),
        "update": _method("PUT", GROUP, GROUP_RW, "Group", "Group"),
        "delete": _method("DELETE", GROUP, GROUP_RW),
    },
    "members": {
        "insert": _method("POST", GROUP + "/members", MEMBER_RW, "Member", "Member"),
        "get": _method("GET", MEMBER, MEMBER_R, "Member"),
        "list": _method(
            "GET",
            GROUP + "/members",
            MEMBER_R,
            "Members",
            includeDerivedMembership=_query("boolean"),
            roles=_query(),
            pageToken=_query(),
            **PAGE_200,
        ),
        "delete": _method("DELETE", MEMBER, MEMBER_RW),
        "hasMember": _method("GET", GROUP + "/hasMember/{memberKey}", MEMBER_R, "MembersHasMember"),
    },
}


def _props(**fields: str) -> dict:
    """``name="string"`` → ``{"name": {"type": "string"}}``; ``"$Ref"`` → a reference; ``"[Ref"`` → array."""
    result = {}
    for name, kind in fields.items():
        if kind.startswith("$"):
            result[name] = {"$ref": kind[1:]}
        elif kind.startswith("["):
            inner = kind[1:]
            items = {"type": inner} if inner in ("string", "object", "any") else {"$ref": inner}
            result[name] = {"type": "array", "items": items}
        elif kind in ("int64", "int32"):
            result[name] = {"type": "string" if kind == "int64" else "integer", "format": kind}
        elif kind == "date-time":
            result[name] = {"type": "string", "format": "date-time"}
        else:
            result[name] = {"type": kind}
    return result


_S, _B = "string", "boolean"
SCHEMAS = {
    "Customer": _props(
        kind=_S,
        id=_S,
        etag=_S,
        customerDomain=_S,
        alternateEmail=_S,
        customerCreationTime="date-time",
        language=_S,
        phoneNumber=_S,
        postalAddress="$CustomerPostalAddress",
    ),
    "CustomerPostalAddress": _props(
        addressLine1=_S,
        addressLine2=_S,
        addressLine3=_S,
        contactName=_S,
        countryCode=_S,
        locality=_S,
        organizationName=_S,
        postalCode=_S,
        region=_S,
    ),
    "Domains": _props(
        kind=_S,
        etag=_S,
        domainName=_S,
        verified=_B,
        isPrimary=_B,
        creationTime="int64",
        domainAliases="[DomainAlias",
    ),
    "DomainAlias": _props(
        kind=_S, etag=_S, domainAliasName=_S, parentDomainName=_S, verified=_B, creationTime="int64"
    ),
    "Domains2": _props(kind=_S, etag=_S, domains="[Domains"),
    "OrgUnit": _props(
        kind=_S,
        etag=_S,
        name=_S,
        description=_S,
        orgUnitPath=_S,
        orgUnitId=_S,
        parentOrgUnitPath=_S,
        parentOrgUnitId=_S,
        blockInheritance=_B,
    ),
    "OrgUnits": _props(kind=_S, etag=_S, organizationUnits="[OrgUnit"),
    "UserName": _props(givenName=_S, familyName=_S, fullName=_S, displayName=_S),
    "User": {
        **_props(
            kind=_S,
            id=_S,
            etag=_S,
            primaryEmail=_S,
            name="$UserName",
            password=_S,
            hashFunction=_S,
            isAdmin=_B,
            isDelegatedAdmin=_B,
            lastLoginTime="date-time",
            creationTime="date-time",
            deletionTime="date-time",
            agreedToTerms=_B,
            suspended=_B,
            suspensionReason=_S,
            archived=_B,
            changePasswordAtNextLogin=_B,
            ipWhitelisted=_B,
            customerId=_S,
            orgUnitPath=_S,
            isMailboxSetup=_B,
            isEnrolledIn2Sv=_B,
            isEnforcedIn2Sv=_B,
            includeInGlobalAddressList=_B,
            recoveryEmail=_S,
            recoveryPhone=_S,
            thumbnailPhotoUrl=_S,
            aliases="[string",
            nonEditableAliases="[string",
        ),
        **{
            name: {"type": "any"}
            for name in (
                "emails",
                "externalIds",
                "relations",
                "addresses",
                "organizations",
                "phones",
                "languages",
                "ims",
                "keywords",
                "gender",
                "locations",
                "websites",
                "notes",
                "posixAccounts",
                "sshPublicKeys",
            )
        },
        "customSchemas": {"type": "object", "additionalProperties": {"type": "object"}},
    },
    "Users": _props(kind=_S, etag=_S, nextPageToken=_S, trigger_event=_S, users="[User"),
    "Group": _props(
        kind=_S,
        id=_S,
        etag=_S,
        email=_S,
        name=_S,
        description=_S,
        directMembersCount="int64",
        adminCreated=_B,
        aliases="[string",
        nonEditableAliases="[string",
    ),
    "Groups": _props(kind=_S, etag=_S, nextPageToken=_S, groups="[Group"),
    "Member": _props(kind=_S, etag=_S, id=_S, email=_S, role=_S, type=_S, status=_S, delivery_settings=_S),
    "Members": _props(kind=_S, etag=_S, nextPageToken=_S, members="[Member"),
    "MembersHasMember": _props(isMember=_B),
}

COMMON_PARAMETERS = {
    "$.xgafv": _query(enum=["1", "2"]),
    "access_token": _query(),
    "alt": _query(default="json", enum=["json", "media", "proto"]),
    "callback": _query(),
    "fields": _query(),
    "key": _query(),
    "oauth_token": _query(),
    "prettyPrint": _query("boolean", default="true"),
    "quotaUser": _query(),
    "uploadType": _query(),
    "upload_protocol": _query(),
}


def document(root_url: str) -> dict:
    resources = {
        resource: {
            "methods": {
                name: {"id": f"directory.{resource}.{name}", **spec} for name, spec in methods.items()
            }
        }
        for resource, methods in METHODS.items()
    }
    return {
        "kind": "discovery#restDescription",
        "discoveryVersion": "v1",
        "id": "admin:directory_v1",
        "name": "admin",
        "canonicalName": "directory",
        "version": "directory_v1",
        "revision": "sandbox",
        "title": "Admin SDK API",
        "description": "Admin SDK Directory API (School in the Cloud sandbox).",
        "ownerDomain": "google.com",
        "ownerName": "Google",
        "packagePath": "admin",
        "protocol": "rest",
        "rootUrl": root_url,
        "mtlsRootUrl": root_url,
        "servicePath": "",
        "basePath": "",
        "baseUrl": root_url,
        "batchPath": "batch",
        "fullyEncodeReservedExpansion": True,
        "documentationLink": "https://developers.google.com/workspace/admin/",
        "parameters": COMMON_PARAMETERS,
        "auth": {"oauth2": {"scopes": {scope: {"description": scope} for scope in auth.DIRECTORY_SCOPES}}},
        "schemas": {
            name: {"id": name, "type": "object", "properties": props} for name, props in SCHEMAS.items()
        },
        "resources": resources,
    }


def register(router: Router) -> None:
    router.route("GET", r"/(?:\$|%24)discovery/rest", name="google.discovery")(rest)
    router.route(
        "GET", r"/discovery/v1/apis/(?P<api>[^/]+)/(?P<version>[^/]+)/rest", name="google.discovery"
    )(apis)


def rest(sandbox, request: Request) -> Response:
    return _answer(request, "admin", request.arg("version") or "")


def apis(sandbox, request: Request, api: str, version: str) -> Response:
    return _answer(request, api, version)


def _answer(request: Request, api: str, version: str) -> Response:
    if api != "admin" or version != "directory_v1":
        return errors.response(404, "notFound", "Requested entity was not found.", status="NOT_FOUND")
    return Response.json(200, document(request.base_url + "/"))

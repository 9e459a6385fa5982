"""Licences: ``GET /subscribedSkus``, ``POST /users/{id}/assignLicense``, ``GET /users/{id}/licenseDetails``.

A tenant's SKUs carry ``prepaidUnits.enabled`` seats; each assignment takes one
(``consumedUnits``) until the user loses the licence or is deleted. Assigning needs the user's
``usageLocation``. A licence whose Exchange plan is enabled gives the user a ``mail`` (the UPN)
if it had none, as mailbox provisioning does.
"""

from __future__ import annotations

import uuid

from sandbox.http import Request
from sandbox.microsoft import directory, errors, odata
from sandbox.microsoft.graph import LICENCES_READ, LICENCES_WRITE, Routes, body, check_properties

routes = Routes()

EXCHANGE_PLAN = "9aaf7827-d63c-4b61-89c3-182f06f82e5c"
A1_PLANS = [  # a subset of the plans in the A1 SKUs (licensing service plan reference)
    ("EXCHANGE_S_STANDARD", EXCHANGE_PLAN),
    ("SHAREPOINTSTANDARD_EDU", "0a4983bb-d3e5-4a09-95d8-b2d0127b3df5"),
    ("SHAREPOINTWAC_EDU", "e03c7e47-402c-463c-ab25-949079bedb21"),
    ("TEAMS1", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
    ("YAMMER_EDU", "2078e8df-cff6-4290-98cb-5408261a760a"),
    ("INTUNE_O365", "882e1d05-acd1-4ccb-8708-6ee03664b117"),
]
CATALOGUE = {  # skuPartNumber -> (skuId, service plans)
    "STANDARDWOFFPACK_FACULTY": (
        "94763226-9b3c-4e75-a931-5c89701abe66",
        A1_PLANS,
    ),  # Office 365 A1 for faculty
    "STANDARDWOFFPACK_STUDENT": (
        "314c4481-f395-4525-be8b-2ec4bb1e9d91",
        A1_PLANS,
    ),  # Office 365 A1 for students
    "STANDARDWOFFPACK_IW_FACULTY": ("78e66a63-337a-4a9a-8959-41c6654dfb56", A1_PLANS),  # A1 Plus for faculty
    "STANDARDWOFFPACK_IW_STUDENT": ("e82ae690-a2d5-4d76-8d30-7c6e01e6022e", A1_PLANS),  # A1 Plus for students
    "ENTERPRISEPACKPLUS_FACULTY": ("e578b273-6db4-4691-bba0-8d691f4da603", A1_PLANS),  # Office 365 A3 faculty
    "ENTERPRISEPACKPLUS_STUDENT": (
        "98b6e773-24d4-4c0d-a968-6e787a1f8204",
        A1_PLANS,
    ),  # Office 365 A3 students
    "M365EDU_A3_FACULTY": ("4b590615-0888-425a-a965-b3bf7789848d", A1_PLANS),  # Microsoft 365 A3 faculty
    "M365EDU_A3_STUDENT": ("7cfd9a2b-e110-4c39-bf20-c6a3f36a3121", A1_PLANS),  # Microsoft 365 A3 students
}
DEFAULT_SKUS = [  # sandbox choice of seat counts: the free A1 plans come with large ones
    {"skuPartNumber": "STANDARDWOFFPACK_FACULTY", "units": 50_000},
    {"skuPartNumber": "STANDARDWOFFPACK_STUDENT", "units": 500_000},
]
SKU_NAMESPACE = uuid.UUID("6f1c8a52-3f4e-4d55-9a55-2f0a3c6b9e10")


def tenant_skus(requested) -> list[dict]:
    """The tenant's SKU records from the control call's ``skus`` (unknown part numbers get stable ids)."""
    requested = DEFAULT_SKUS if requested is None else requested
    if not isinstance(requested, list):
        raise ValueError("skus must be a list of {skuPartNumber, units}")
    skus = []
    for item in requested:
        if not isinstance(item, dict) or not isinstance(item.get("skuPartNumber"), str):
            raise ValueError("each sku needs a skuPartNumber")
        units = item.get("units", 100)
        if not isinstance(units, int) or units < 0:
            raise ValueError("units must be a non-negative integer")
        part = item["skuPartNumber"]
        sku_id, plans = CATALOGUE.get(part, (str(uuid.uuid5(SKU_NAMESPACE, part)), []))
        skus.append(
            {
                "skuId": str(item.get("skuId") or sku_id),
                "skuPartNumber": part,
                "enabled": units,
                "consumed": 0,
                "subscriptionId": str(uuid.uuid4()),
                "servicePlans": [{"servicePlanName": name, "servicePlanId": plan} for name, plan in plans],
            }
        )
    return skus


def subscribed_sku(tenant: dict, sku: dict) -> dict:
    return {
        "accountName": tenant["displayName"],
        "accountId": tenant["id"],
        "appliesTo": "User",
        "capabilityStatus": "Enabled",
        "consumedUnits": sku["consumed"],
        "id": f"{tenant['id']}_{sku['skuId']}",
        "skuId": sku["skuId"],
        "skuPartNumber": sku["skuPartNumber"],
        "subscriptionIds": [sku["subscriptionId"]],
        "prepaidUnits": {"enabled": sku["enabled"], "suspended": 0, "warning": 0, "lockedOut": 0},
        "servicePlans": [
            {**plan, "provisioningStatus": "Success", "appliesTo": "User"} for plan in sku["servicePlans"]
        ],
    }


def _sku(tenant: dict, sku_id: str) -> dict | None:
    for sku in tenant["skus"]:
        if sku["skuId"].lower() == str(sku_id).lower():
            return sku
    return None


def release_all(sandbox, tenant_id: str, user: dict) -> None:
    """Give back the seats of a user being deleted (caller holds the store lock)."""
    if not user.get("assignedLicenses"):
        return
    tenant = directory.tenant(sandbox, tenant_id)
    for assigned in user["assignedLicenses"]:
        sku = _sku(tenant, assigned["skuId"])
        if sku is not None:
            sku["consumed"] = max(0, sku["consumed"] - 1)
    sandbox.store.update(directory.TENANT, directory.GLOBAL, tenant_id, tenant)


def _plans(tenant: dict, user: dict) -> list[dict]:
    plans = []
    for assigned in user["assignedLicenses"]:
        sku = _sku(tenant, assigned["skuId"]) or {"servicePlans": []}
        for plan in sku["servicePlans"]:
            enabled = plan["servicePlanId"] not in assigned["disabledPlans"]
            plans.append(
                {
                    "assignedDateTime": directory.now_iso(),
                    "capabilityStatus": "Enabled" if enabled else "Deleted",
                    "service": plan["servicePlanName"],
                    "servicePlanId": plan["servicePlanId"],
                }
            )
    return plans


@routes("GET", r"/subscribedSkus", "graph.licences.subscribed_skus", permissions=LICENCES_READ, cost=3)
def subscribed_skus(sandbox, request: Request, caller):
    tenant = directory.tenant(sandbox, caller.tenant_id)
    return errors.graph_json(
        200,
        {
            "@odata.context": odata.context(request, "subscribedSkus"),
            "value": [subscribed_sku(tenant, sku) for sku in tenant["skus"]],
        },
    )


def _guid_list(value, prop: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and directory.GUID.match(v) for v in value):
        raise errors.invalid_value(prop, "User")
    return [v.lower() for v in value]


@routes("POST", r"/users/(?P<key>[^/]+)/assignLicense", "graph.licences.assign", permissions=LICENCES_WRITE)
def assign_license(sandbox, request: Request, caller, key: str):
    data = body(request)
    check_properties(data, ["addLicenses", "removeLicenses"], "microsoft.graph.user.assignLicense")
    for prop in ("addLicenses", "removeLicenses"):
        if not isinstance(data.get(prop), list):
            raise errors.invalid_value(prop, "User")
    add = []
    for item in data["addLicenses"]:
        if not isinstance(item, dict) or not directory.GUID.match(str(item.get("skuId", ""))):
            raise errors.invalid_value("addLicenses", "User")
        add.append((item["skuId"].lower(), _guid_list(item.get("disabledPlans") or [], "disabledPlans")))
    remove = _guid_list(data["removeLicenses"], "removeLicenses")

    tenant_id = caller.tenant_id
    with sandbox.store.lock:
        user = directory.user(sandbox, tenant_id, key)
        if user is None:
            raise errors.not_found(key)
        tenant = directory.tenant(sandbox, tenant_id)
        for sku_id, _disabled in add:
            if _sku(tenant, sku_id) is None:
                raise errors.bad_request(f"License {sku_id} does not correspond to a valid company License.")
        for sku_id in remove:
            if _sku(tenant, sku_id) is None:
                raise errors.bad_request(f"License {sku_id} does not correspond to a valid company License.")
        if add and not user.get("usageLocation"):
            raise errors.bad_request(
                "License assignment cannot be done for user with invalid usage location."
            )
        assigned = {a["skuId"].lower(): a for a in user["assignedLicenses"]}
        for sku_id in remove:
            if assigned.pop(sku_id, None) is not None:
                sku = _sku(tenant, sku_id)
                sku["consumed"] = max(0, sku["consumed"] - 1)
        for sku_id, disabled in add:
            sku = _sku(tenant, sku_id)
            if sku_id not in assigned:
                if sku["consumed"] >= sku["enabled"]:
                    raise errors.bad_request(
                        f"Subscription with SKU {sku['skuId']} does not have any available licenses."
                    )
                sku["consumed"] += 1
            assigned[sku_id] = {"disabledPlans": disabled, "skuId": sku["skuId"]}
        user["assignedLicenses"] = list(assigned.values())
        user["assignedPlans"] = _plans(tenant, user)
        exchange = any(
            p["servicePlanId"] == EXCHANGE_PLAN and p["capabilityStatus"] == "Enabled"
            for p in user["assignedPlans"]
        )
        if exchange and not user.get("mail"):
            user["mail"] = user["userPrincipalName"]
            user["proxyAddresses"] = [f"SMTP:{user['userPrincipalName']}"]
        sandbox.store.update(directory.TENANT, directory.GLOBAL, tenant_id, tenant)
        sandbox.store.update(directory.USER, tenant_id, user["id"], user)

    from sandbox.microsoft.users import shape

    return errors.graph_json(200, shape(request, user))


@routes(
    "GET",
    r"/users/(?P<key>[^/]+)/licenseDetails",
    "graph.licences.details",
    permissions=LICENCES_READ,
    cost=2,
)
def license_details(sandbox, request: Request, caller, key: str):
    user = directory.user(sandbox, caller.tenant_id, key)
    if user is None:
        raise errors.not_found(key)
    tenant = directory.tenant(sandbox, caller.tenant_id)
    value = []
    for assigned in user["assignedLicenses"]:
        sku = _sku(tenant, assigned["skuId"]) or {"skuPartNumber": None, "servicePlans": []}
        value.append(
            {
                "id": assigned["skuId"],
                "skuId": assigned["skuId"],
                "skuPartNumber": sku["skuPartNumber"],
                "servicePlans": [
                    {
                        **plan,
                        "appliesTo": "User",
                        "provisioningStatus": "Disabled"
                        if plan["servicePlanId"] in assigned["disabledPlans"]
                        else "Success",
                    }
                    for plan in sku["servicePlans"]
                ],
            }
        )
    return errors.graph_json(
        200,
        {"@odata.context": odata.context(request, f"users('{user['id']}')/licenseDetails"), "value": value},
    )

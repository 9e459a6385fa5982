"""The Directory API through the unmodified client: every method, its success path and Google's
error for each rule."""

import pytest

from sandbox.tests.test_google_support import (
    DOMAIN,
    control,
    directory,
    error_of,
    new_customer,
    stats,
    user_body,
)

NOT_AUTHORIZED = (403, "forbidden", "Not Authorized to access this resource/api")


@pytest.fixture
def info(fresh_sandbox):
    return new_customer(fresh_sandbox)


@pytest.fixture
def service(fresh_sandbox, info):
    with directory(fresh_sandbox, info) as built:
        yield built


def _insert_many(service, bodies):
    """Users through one batch (fast); every part must succeed."""
    failures = []
    batch = service.new_batch_http_request(
        callback=lambda _id, _response, error: error and failures.append(error)
    )
    for body in bodies:
        batch.add(service.users().insert(body=body))
    batch.execute()
    assert not failures


def test_customers_get(fresh_sandbox, info, service):
    customer = service.customers().get(customerKey="my_customer").execute()
    assert customer["kind"] == "admin#directory#customer"
    assert customer["customerDomain"] == DOMAIN
    assert service.customers().get(customerKey=info["customer_id"]).execute()["id"] == info["customer_id"]
    other = new_customer(fresh_sandbox, "plovdiv-edu.example")
    assert error_of(service.customers().get(customerKey=other["customer_id"])) == NOT_AUTHORIZED


def test_domains(fresh_sandbox, info, service):
    domains = service.domains()
    primary = domains.get(customer="my_customer", domainName=DOMAIN).execute()
    assert primary["isPrimary"] is True and primary["verified"] is True
    added = domains.insert(
        customer="my_customer", body={"domainName": "school.haskovo-edu.example"}
    ).execute()
    assert (added["verified"], added["isPrimary"], added["kind"]) == (False, False, "admin#directory#domain")
    assert error_of(domains.insert(customer="my_customer", body={"domainName": DOMAIN}))[:2] == (
        409,
        "duplicate",
    )
    assert error_of(domains.insert(customer="my_customer", body={"domainName": "not a domain"}))[:2] == (
        400,
        "invalid",
    )
    listed = domains.list(customer=info["customer_id"]).execute()
    assert listed["kind"] == "admin#directory#domains"
    assert sorted(d["domainName"] for d in listed["domains"]) == [DOMAIN, "school.haskovo-edu.example"]
    pupil = user_body("pupil@school.haskovo-edu.example")
    assert error_of(service.users().insert(body=pupil)) == (400, "invalid", "Domain is not verified.")
    control(
        fresh_sandbox,
        "POST",
        "domains/verify",
        {"provider": "google", "scope": info["customer_id"], "domain": "school.haskovo-edu.example"},
    )
    assert domains.get(customer="my_customer", domainName="school.haskovo-edu.example").execute()["verified"]
    service.users().insert(body=pupil).execute()
    assert error_of(domains.delete(customer="my_customer", domainName="school.haskovo-edu.example"))[:2] == (
        400,
        "failedPrecondition",
    )
    service.users().delete(userKey=pupil["primaryEmail"]).execute()
    domains.delete(customer="my_customer", domainName="school.haskovo-edu.example").execute()
    assert error_of(domains.get(customer="my_customer", domainName="school.haskovo-edu.example")) == (
        404,
        "notFound",
        "Domain not found.",
    )
    assert error_of(domains.delete(customer="my_customer", domainName=DOMAIN))[:2] == (400, "invalid")


def test_orgunits(service):
    units = service.orgunits()
    schools = units.insert(
        customerId="my_customer", body={"name": "Schools", "parentOrgUnitPath": "/"}
    ).execute()
    assert (schools["orgUnitPath"], schools["parentOrgUnitPath"], schools["kind"]) == (
        "/Schools",
        "/",
        "admin#directory#orgUnit",
    )
    school = units.insert(
        customerId="my_customer", body={"name": "ОУ Христо Ботев", "parentOrgUnitId": schools["orgUnitId"]}
    ).execute()
    assert school["orgUnitPath"] == "/Schools/ОУ Христо Ботев"
    assert school["parentOrgUnitId"] == schools["orgUnitId"]
    for key in ("Schools/ОУ Христо Ботев", "/Schools/ОУ Христо Ботев", school["orgUnitId"]):
        assert (
            units.get(customerId="my_customer", orgUnitPath=key).execute()["orgUnitId"] == school["orgUnitId"]
        )
    assert error_of(
        units.insert(customerId="my_customer", body={"name": "X", "parentOrgUnitPath": "/Nope"})
    ) == (
        400,
        "invalid",
        "Invalid Parent Orgunit Id",
    )
    assert error_of(
        units.insert(customerId="my_customer", body={"name": "schools", "parentOrgUnitPath": "/"})
    ) == (
        400,
        "invalid",
        "Invalid Ou Id",
    )
    assert error_of(units.insert(customerId="my_customer", body={"parentOrgUnitPath": "/"})) == (
        400,
        "required",
        "Missing required field: name",
    )
    assert error_of(units.get(customerId="my_customer", orgUnitPath="Nope")) == (
        404,
        "notFound",
        "Org unit not found",
    )
    children = units.list(customerId="my_customer").execute()["organizationUnits"]
    assert [unit["orgUnitPath"] for unit in children] == ["/Schools"]
    everything = units.list(customerId="my_customer", type="all").execute()["organizationUnits"]
    assert {unit["orgUnitPath"] for unit in everything} == {"/Schools", "/Schools/ОУ Христо Ботев"}
    under = units.list(customerId="my_customer", orgUnitPath="/Schools", type="allIncludingParent").execute()
    assert len(under["organizationUnits"]) == 2

    service.users().insert(body=user_body(f"ana@{DOMAIN}", orgUnitPath="/Schools/ОУ Христо Ботев")).execute()
    assert error_of(units.delete(customerId="my_customer", orgUnitPath="Schools"))[:2] == (
        400,
        "failedPrecondition",
    )
    renamed = units.patch(customerId="my_customer", orgUnitPath="Schools", body={"name": "Училища"}).execute()
    assert renamed["orgUnitPath"] == "/Училища"
    moved = units.get(customerId="my_customer", orgUnitPath=school["orgUnitId"]).execute()
    assert moved["orgUnitPath"] == "/Училища/ОУ Христо Ботев"
    assert service.users().get(userKey=f"ana@{DOMAIN}").execute()["orgUnitPath"] == moved["orgUnitPath"]
    loop = {"parentOrgUnitPath": "/Училища/ОУ Христо Ботев"}
    assert error_of(units.patch(customerId="my_customer", orgUnitPath="Училища", body=loop))[1] == "invalid"
    assert error_of(units.delete(customerId="my_customer", orgUnitPath=moved["orgUnitPath"].lstrip("/")))[
        :2
    ] == (
        400,
        "failedPrecondition",
    )
    service.users().patch(userKey=f"ana@{DOMAIN}", body={"orgUnitPath": "/"}).execute()
    units.delete(customerId="my_customer", orgUnitPath=school["orgUnitId"]).execute()
    units.delete(customerId="my_customer", orgUnitPath="Училища").execute()
    assert "organizationUnits" not in units.list(customerId="my_customer").execute()


def test_users_insert_validates_like_google(fresh_sandbox, info, service):
    users = service.users()
    created = users.insert(body=user_body(f"maria@{DOMAIN}", changePasswordAtNextLogin=True)).execute()
    assert created["kind"] == "admin#directory#user"
    assert created["name"]["fullName"] == "Мария Иванова"
    assert created["orgUnitPath"] == "/" and created["customerId"] == info["customer_id"]
    assert created["changePasswordAtNextLogin"] is True and created["isAdmin"] is False
    assert "password" not in created and len(created["id"]) == 21

    long_name = "Я" * 61
    cases = [
        (user_body("not-an-address"), (400, "invalid", "Invalid Input: primary_user_email")),
        (user_body("x@elsewhere.example"), (404, "notFound", "Domain not found.")),
        (
            {"primaryEmail": f"x@{DOMAIN}", "password": "Sandbox-pass-1"},
            (400, "invalid", "Invalid Given/Family Name: FamilyName"),
        ),
        (user_body(f"x@{DOMAIN}", given=long_name), (400, "invalid", "Invalid Given/Family Name: GivenName")),
        (
            user_body(f"x@{DOMAIN}", family=long_name),
            (400, "invalid", "Invalid Given/Family Name: FamilyName"),
        ),
        (user_body(f"x@{DOMAIN}", password="short"), (400, "invalid", "Invalid Password")),
        (user_body(f"x@{DOMAIN}", password="p" * 101), (400, "invalid", "Invalid Password")),
        (
            user_body(f"x@{DOMAIN}", password="abc", hashFunction="SHA-1"),
            (400, "invalid", "Invalid Password"),
        ),
        (user_body(f"x@{DOMAIN}", orgUnitPath="/Nowhere"), (400, "invalid", "Invalid Input: INVALID_OU_ID")),
        (user_body(f"maria@{DOMAIN}"), (409, "duplicate", "Entity already exists.")),
        (user_body(f"MARIA@{DOMAIN}"), (409, "duplicate", "Entity already exists.")),
    ]
    for body, expected in cases:
        assert error_of(users.insert(body=body)) == expected, body
    sha1 = user_body(
        f"hashed@{DOMAIN}", password="a94a8fe5ccb19ba61c4c0873d391e987982fbbd3", hashFunction="SHA-1"
    )
    crypt = user_body(f"crypt@{DOMAIN}", password="$6$saltsalt$" + "a" * 86, hashFunction="crypt")
    for body in (sha1, crypt, user_body(f"long@{DOMAIN}", given="Я" * 60, password="p" * 100)):
        users.insert(body=body).execute()
    service.groups().insert(body={"email": f"staff@{DOMAIN}", "name": "Staff"}).execute()
    assert error_of(users.insert(body=user_body(f"staff@{DOMAIN}")))[:2] == (409, "duplicate")
    created_counts = stats(fresh_sandbox)["created"]
    assert created_counts[f"created:google:{info['customer_id']}:maria@{DOMAIN}"] == 1
    assert len(created_counts) == 4


def test_users_get_patch_update_delete(fresh_sandbox, info, service):
    users = service.users()
    user = users.insert(body=user_body(f"petar@{DOMAIN}", given="Петър", family="Петров")).execute()
    assert users.get(userKey=user["id"]).execute()["primaryEmail"] == f"petar@{DOMAIN}"
    assert users.get(userKey=f"Petar@{DOMAIN}").execute()["id"] == user["id"]
    assert error_of(users.get(userKey=f"nobody@{DOMAIN}")) == (404, "notFound", "Resource Not Found: userKey")
    assert error_of(users.get(userKey="123456789012345678901")) == (
        404,
        "notFound",
        "Resource Not Found: userKey",
    )
    assert error_of(users.get(userKey="someone@elsewhere.example")) == NOT_AUTHORIZED

    suspended = users.patch(userKey=user["id"], body={"suspended": True}).execute()
    assert suspended["suspended"] is True and suspended["suspensionReason"] == "ADMIN"
    assert suspended["name"]["givenName"] == "Петър"
    patched = users.patch(userKey=user["id"], body={"name": {"familyName": "Петрова"}}).execute()
    assert patched["name"] == {"givenName": "Петър", "familyName": "Петрова", "fullName": "Петър Петрова"}
    assert (
        error_of(users.patch(userKey=user["id"], body={"orgUnitPath": "/Nope"}))[2]
        == "Invalid Input: INVALID_OU_ID"
    )
    assert error_of(users.patch(userKey=user["id"], body={"password": "x"}))[2] == "Invalid Password"
    renamed = users.update(
        userKey=user["id"], body={"primaryEmail": f"p.petrova@{DOMAIN}", "suspended": False}
    ).execute()
    assert renamed["primaryEmail"] == f"p.petrova@{DOMAIN}" and renamed["suspended"] is False
    assert f"petar@{DOMAIN}" in renamed["aliases"]
    assert users.get(userKey=f"petar@{DOMAIN}").execute()["id"] == user["id"]  # the old address is an alias
    assert error_of(users.patch(userKey=f"nobody@{DOMAIN}", body={"suspended": True}))[0] == 404

    users.delete(userKey=user["id"]).execute()
    assert error_of(users.get(userKey=user["id"]))[0] == 404
    assert error_of(users.delete(userKey=user["id"])) == (404, "notFound", "Resource Not Found: userKey")
    deleted = users.list(customer="my_customer", showDeleted="true").execute()["users"]
    assert [u["id"] for u in deleted] == [user["id"]] and "deletionTime" in deleted[0]
    again = users.insert(body=user_body(f"p.petrova@{DOMAIN}")).execute()  # the address is free again
    assert again["id"] != user["id"]
    assert stats(fresh_sandbox)["created"][f"created:google:{info['customer_id']}:p.petrova@{DOMAIN}"] == 1


def test_users_list_pages_filters_and_orders(fresh_sandbox, service):
    bodies = [
        user_body(f"pupil{index:03d}@{DOMAIN}", given=f"Name{index % 7}", family=f"Family{index:03d}")
        for index in range(250)
    ]
    service.orgunits().insert(
        customerId="my_customer", body={"name": "Pupils", "parentOrgUnitPath": "/"}
    ).execute()
    service.orgunits().insert(
        customerId="my_customer", body={"name": "Grade 1", "parentOrgUnitPath": "/Pupils"}
    ).execute()
    for body in bodies[:30]:
        body["orgUnitPath"] = "/Pupils/Grade 1"
    _insert_many(service, bodies)
    users = service.users()

    pages, token = [], None
    while True:
        result = users.list(customer="my_customer", maxResults=100, pageToken=token).execute()
        pages.append([user["primaryEmail"] for user in result["users"]])
        token = result.get("nextPageToken")
        if not token:
            break
    assert [len(page) for page in pages] == [100, 100, 51]  # 250 pupils and the administrator
    every = [email for page in pages for email in page]
    assert every == sorted(every) and len(set(every)) == 251

    request = users.list(customer="my_customer", maxResults=100)
    seen = 0
    while request is not None:
        response = request.execute()
        seen += len(response["users"])
        request = users.list_next(request, response)
    assert seen == 251
    assert len(users.list(customer="my_customer").execute()["users"]) == 100  # the default page size
    assert len(users.list(customer="my_customer", maxResults=500).execute()["users"]) == 251
    assert error_of(users.list(customer="my_customer", maxResults=501)) == (
        400,
        "invalid",
        "Invalid value '501'. Values must be within the range: [1, 500]",
    )
    assert error_of(users.list()) == (400, "badRequest", "Bad Request")
    assert error_of(users.list(domain="elsewhere.example")) == NOT_AUTHORIZED

    def emails(**query):
        found, request = [], users.list(customer="my_customer", maxResults=500, **query)
        while request is not None:
            response = request.execute()
            found += [user["primaryEmail"] for user in response.get("users", [])]
            request = users.list_next(request, response)
        return found

    assert len(emails(query="orgUnitPath='/Pupils'")) == 30  # the unit and everything under it
    assert len(emails(query="orgUnitPath='/Pupils/Grade 1'")) == 30
    assert emails(query="email:pupil00*") == [f"pupil{i:03d}@{DOMAIN}" for i in range(10)]
    assert emails(query=f"email=pupil007@{DOMAIN}") == [f"pupil007@{DOMAIN}"]
    assert len(emails(query="givenName:Name3")) == len([i for i in range(250) if i % 7 == 3])
    assert emails(query="familyName:Family12*") == [f"pupil{i}@{DOMAIN}" for i in range(120, 130)]
    users.patch(userKey=f"pupil001@{DOMAIN}", body={"suspended": True}).execute()
    assert emails(query="isSuspended=true") == [f"pupil001@{DOMAIN}"]
    assert emails(query="isSuspended=true email:pupil00*") == [f"pupil001@{DOMAIN}"]
    assert len(emails(domain=DOMAIN)) == 251
    descending = emails(orderBy="familyName", sortOrder="DESCENDING")
    assert descending[0] == f"pupil249@{DOMAIN}"
    assert error_of(users.list(customer="my_customer", query="shoeSize=42"))[:2] == (400, "invalid")
    partial = users.list(
        customer="my_customer", maxResults=2, fields="users(primaryEmail),nextPageToken"
    ).execute()
    assert set(partial) == {"users", "nextPageToken"} and partial["users"][0] == {
        "primaryEmail": f"admin@{DOMAIN}"
    }


def test_groups(fresh_sandbox, service):
    groups = service.groups()
    teachers = groups.insert(
        body={"email": f"teachers@{DOMAIN}", "name": "Учители", "description": "All"}
    ).execute()
    assert (teachers["kind"], teachers["directMembersCount"], teachers["adminCreated"]) == (
        "admin#directory#group",
        "0",
        True,
    )
    assert error_of(groups.insert(body={"email": f"Teachers@{DOMAIN}", "name": "Again"})) == (
        409,
        "duplicate",
        "Entity already exists.",
    )
    assert error_of(groups.insert(body={"email": f"admin@{DOMAIN}", "name": "Clash"}))[:2] == (
        409,
        "duplicate",
    )
    assert error_of(groups.insert(body={"name": "No address"})) == (
        400,
        "required",
        "Missing required field: email",
    )
    assert error_of(groups.insert(body={"email": "g@elsewhere.example"}))[:2] == (404, "notFound")
    groups.insert(body={"email": f"parents@{DOMAIN}", "name": "Родители"}).execute()
    assert groups.get(groupKey=teachers["id"]).execute()["email"] == f"teachers@{DOMAIN}"
    assert groups.get(groupKey=f"teachers@{DOMAIN}").execute()["id"] == teachers["id"]
    assert error_of(groups.get(groupKey=f"nobody@{DOMAIN}")) == (
        404,
        "notFound",
        "Resource Not Found: groupKey",
    )
    listed = groups.list(customer="my_customer").execute()
    assert [group["email"] for group in listed["groups"]] == [f"parents@{DOMAIN}", f"teachers@{DOMAIN}"]
    assert len(groups.list(domain=DOMAIN, maxResults=1).execute()["groups"]) == 1
    assert error_of(groups.list())[:2] == (400, "badRequest")
    service.members().insert(groupKey=teachers["id"], body={"email": f"admin@{DOMAIN}"}).execute()
    mine = groups.list(userKey=f"admin@{DOMAIN}").execute()["groups"]
    assert [group["id"] for group in mine] == [teachers["id"]]
    patched = groups.patch(groupKey=teachers["id"], body={"name": "Учители 2025"}).execute()
    assert patched["name"] == "Учители 2025" and patched["description"] == "All"
    groups.delete(groupKey=f"teachers@{DOMAIN}").execute()
    assert error_of(groups.get(groupKey=teachers["id"]))[0] == 404
    assert "groups" not in groups.list(userKey=f"admin@{DOMAIN}").execute()


def test_members(fresh_sandbox, service):
    groups, members = service.groups(), service.members()
    staff = groups.insert(body={"email": f"staff@{DOMAIN}", "name": "Staff"}).execute()
    teachers = groups.insert(body={"email": f"teachers@{DOMAIN}", "name": "Teachers"}).execute()
    maths = groups.insert(body={"email": f"maths@{DOMAIN}", "name": "Maths"}).execute()
    ana = service.users().insert(body=user_body(f"ana@{DOMAIN}")).execute()

    added = members.insert(
        groupKey=teachers["id"], body={"email": f"ana@{DOMAIN}", "role": "MANAGER"}
    ).execute()
    assert (added["kind"], added["id"], added["role"], added["type"], added["status"]) == (
        "admin#directory#member",
        ana["id"],
        "MANAGER",
        "USER",
        "ACTIVE",
    )
    assert error_of(members.insert(groupKey=teachers["id"], body={"id": ana["id"]})) == (
        409,
        "duplicate",
        "Member already exists.",
    )
    members.insert(groupKey=staff["email"], body={"id": teachers["id"], "role": "MEMBER"}).execute()
    members.insert(groupKey=teachers["email"], body={"email": maths["email"]}).execute()
    assert error_of(members.insert(groupKey=maths["id"], body={"email": staff["email"]})) == (
        400,
        "conditionNotMet",
        "Cyclic memberships not allowed",
    )
    assert (
        error_of(members.insert(groupKey=staff["id"], body={"email": staff["email"]}))[1] == "conditionNotMet"
    )
    assert error_of(members.insert(groupKey=staff["id"], body={"email": f"ghost@{DOMAIN}"})) == (
        404,
        "notFound",
        "Resource Not Found: memberKey",
    )
    assert error_of(members.insert(groupKey=f"ghost@{DOMAIN}", body={"email": f"ana@{DOMAIN}"})) == (
        404,
        "notFound",
        "Resource Not Found: groupKey",
    )
    assert error_of(members.insert(groupKey=staff["id"], body={"email": f"ana@{DOMAIN}", "role": "BOSS"}))[
        :2
    ] == (
        400,
        "invalid",
    )
    assert error_of(members.insert(groupKey=staff["id"], body={"role": "MEMBER"}))[:2] == (400, "required")
    external = members.insert(
        groupKey=teachers["id"], body={"email": "parent@mail.example", "role": "OWNER"}
    ).execute()
    assert external["type"] == "USER" and external["email"] == "parent@mail.example"

    assert members.get(groupKey=teachers["id"], memberKey=f"ana@{DOMAIN}").execute()["role"] == "MANAGER"
    assert members.get(groupKey=teachers["id"], memberKey=ana["id"]).execute()["email"] == f"ana@{DOMAIN}"
    assert error_of(members.get(groupKey=staff["id"], memberKey=f"ana@{DOMAIN}")) == (
        404,
        "notFound",
        "Resource Not Found: memberKey",
    )
    listed = members.list(groupKey=teachers["id"]).execute()
    assert listed["kind"] == "admin#directory#members" and len(listed["members"]) == 3
    owners = members.list(groupKey=teachers["id"], roles="OWNER,MANAGER").execute()["members"]
    assert {member["email"] for member in owners} == {f"ana@{DOMAIN}", "parent@mail.example"}
    first = members.list(groupKey=teachers["id"], maxResults=2).execute()
    second = members.list(groupKey=teachers["id"], maxResults=2, pageToken=first["nextPageToken"]).execute()
    assert len(first["members"]) == 2 and len(second["members"]) == 1 and "nextPageToken" not in second
    derived = members.list(groupKey=staff["id"], includeDerivedMembership=True).execute()["members"]
    assert f"ana@{DOMAIN}" in {member["email"] for member in derived}
    assert groups.get(groupKey=teachers["id"]).execute()["directMembersCount"] == "3"

    assert members.hasMember(groupKey=teachers["id"], memberKey=f"ana@{DOMAIN}").execute() == {
        "isMember": True
    }
    assert (
        members.hasMember(groupKey=staff["id"], memberKey=ana["id"]).execute()["isMember"] is True
    )  # nested
    assert members.hasMember(groupKey=maths["id"], memberKey=ana["id"]).execute()["isMember"] is False
    assert error_of(members.hasMember(groupKey=staff["id"], memberKey=f"ghost@{DOMAIN}"))[:2] == (
        400,
        "invalid",
    )

    members.delete(groupKey=teachers["id"], memberKey=f"ana@{DOMAIN}").execute()
    assert error_of(members.delete(groupKey=teachers["id"], memberKey=f"ana@{DOMAIN}")) == (
        404,
        "notFound",
        "Resource Not Found: memberKey",
    )
    assert members.hasMember(groupKey=staff["id"], memberKey=ana["id"]).execute()["isMember"] is False
    assert groups.get(groupKey=teachers["id"]).execute()["directMembersCount"] == "2"
    members.insert(groupKey=maths["id"], body={"id": ana["id"]}).execute()
    service.users().delete(userKey=ana["id"]).execute()  # leaves every group
    assert "members" not in members.list(groupKey=maths["id"]).execute()

"""The portal's ``QuickBatch`` against the sandbox's batch endpoint, as the client library's own
batch meets it (the endpoint itself: sandbox/tests/test_google_batch.py)."""

import pytest
from googleapiclient.http import BatchHttpRequest

from integrations.google.batch import QuickBatch, quick_batch
from sandbox.tests.test_google_support import DOMAIN, directory, new_customer, user_body


@pytest.fixture
def info(fresh_sandbox):
    return new_customer(fresh_sandbox)


def test_the_quick_batch_writes_what_the_library_writes(fresh_sandbox, info):
    """``QuickBatch`` only writes the parts faster: the same text, byte for byte, as the client
    library's own writer, for each kind of call the engine batches (bodies in Cyrillic too), and
    a batch of them is answered part by part as before."""
    with directory(fresh_sandbox, info) as service:
        requests = [
            service.users().insert(body=user_body(f"m.ivanova{n}@{DOMAIN}", given="Щерьо")) for n in range(3)
        ]
        requests.append(
            service.orgunits().insert(
                customerId="my_customer", body={"name": "СУ № 1", "parentOrgUnitPath": "/"}
            )
        )
        requests.append(service.groups().insert(body={"email": f"teachers@{DOMAIN}", "name": "Учители"}))
        requests.append(
            service.members().insert(groupKey=f"teachers@{DOMAIN}", body={"email": f"m.ivanova0@{DOMAIN}"})
        )
        requests.append(service.users().get(userKey=f"m.ivanova0@{DOMAIN}"))
        for request in requests:
            assert QuickBatch()._serialize_request(request) == BatchHttpRequest()._serialize_request(request)
        answers = {}
        batch = quick_batch(service, lambda request_id, response, error: answers.update({request_id: error}))
        assert isinstance(batch, QuickBatch)
        for index, request in enumerate(requests[:3]):
            batch.add(request, request_id=str(index))
        batch.execute()
    assert answers == {"0": None, "1": None, "2": None}

"""The job runner: applying a reviewed plan, a job with one item per operation, worked off in
chunks by Celery workers. Its named parts:

- ``jobs``: a job from a plan (checked unchanged at the provider first), its transitions (pause,
  resume, cancel, finish) and the enqueueing of its workers.
- ``claims``: which worker holds which items — claimed with a conditional UPDATE, kept fresh by a
  ``Heartbeat`` while the worker waits, released by ``reconcile`` when the worker died.
- ``runner``: a worker's round on a job, and one claimed chunk run against the provider's client.
- ``outcomes``: what each call did — done, failed, retried with back-off, waited out, or failed at
  once because what it depends on could not be made.
- ``progress``: counts (the job's counters, kept by ``outcomes``), pace and the shared quota, for
  the job's page and the terminal.

How it keeps its promises:

- Phases keep dependencies: units, then accounts and groups, then changes, then licences and
  memberships side by side.
- The attempt is recorded before the provider call; a retried item (after a crash, a broker
  redelivery or a timeout) adopts the object that already exists instead of making a second one.
- Temporary errors (throttling, 5xx) go back to the queue with exponential back-off and jitter,
  honouring Retry-After; an item that keeps failing stops after MAX_ATTEMPTS. Throttling is not
  the item's fault and costs it no attempt.
- No call is spent on one that must fail: a new unit is read back (one listing per round,
  ``ProviderClient.confirmed``) before its item is done, so its child units, accounts and moves,
  in later phases, go out only once the provider shows it; a membership, licence or change whose
  account or group this job made is held back, unattempted, for the provider's replication time
  (``ProviderClient.replication_seconds``) after it was made, while other items flow.
- Replication delay longer than that (a member whose account was made a moment ago) and
  "unavailable, come back in n seconds" (a 503 with Retry-After) are waited out: the item comes
  back later, up to MAX_WAITS times (a replication wait grows to a quarter of an hour of provider
  time), without spending attempts.
- A worker keeps the claim on its items fresh while it works (``claims.Heartbeat``); items
  claimed by a worker that died go stale and are released by ``claims.reconcile``.
"""

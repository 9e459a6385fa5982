"""Personal data (GDPR) for one municipality. Each app declares its own part in the registry
(``registry``: ``schools.privacy.core`` for the roster and the audit trail, ``integrations.privacy``,
``trainings.privacy``, ``surveys.privacy``, ``rollout.privacy``); the export (``data``), the erasure
with the cloud accounts (``erasure``) and retention with its purge job (``retention``) only walk
the registered parts. Also the log of reads and downloads (``access``) and the municipality's
policy (``policy``). The record of processing is the page ``schools.views.privacy.record``."""

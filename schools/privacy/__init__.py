"""Personal data (GDPR) for one municipality: what we hold about a person and its export
(``data``), erasure with the cloud accounts (``erasure``), retention and its purge job
(``retention``), the log of reads and downloads (``access``) and the municipality's policy
(``policy``). The record of processing is the page ``schools.views.privacy.record``."""
